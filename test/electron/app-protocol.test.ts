import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { APP_ORIGIN, APP_PAGE, CSP, appProtocolHandler, isOwnPage } from '../../electron/app-protocol.js';

let tmp: string;
let root: string;
let serve: (req: Request) => Promise<Response>;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-proto-'));
  root = path.join(tmp, 'Ferry 100% #1', 'renderer');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Ferry</title>');
  fs.writeFileSync(path.join(root, 'assets', 'index-1.js'), 'export {};');
  fs.writeFileSync(path.join(root, 'assets', 'a b.css'), 'body{}');
  fs.writeFileSync(path.join(root, 'favicon.png'), Buffer.from([0x89, 0x50]));
  fs.writeFileSync(path.join(tmp, 'secret.txt'), 'not for the page');
  serve = appProtocolHandler(root);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const get = (url: string, method = 'GET') => serve(new Request(url, { method }));

test('app://ferry serves the renderer folder with types and the strict CSP on every response', async () => {
  for (const [url, type] of [
    [APP_PAGE, 'text/html; charset=utf-8'],
    [`${APP_ORIGIN}/`, 'text/html; charset=utf-8'],
    [`${APP_ORIGIN}/assets/index-1.js`, 'text/javascript; charset=utf-8'],
    [`${APP_ORIGIN}/assets/a%20b.css`, 'text/css; charset=utf-8'],
    [`${APP_ORIGIN}/favicon.png`, 'image/png'],
  ]) {
    const r = await get(url!);
    assert.equal(r.status, 200, url);
    assert.equal(r.headers.get('content-type'), type, url);
    assert.equal(r.headers.get('content-security-policy'), CSP, url);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  }
  assert.equal(await (await get(APP_PAGE)).text(), '<!doctype html><title>Ferry</title>');
  const head = await get(APP_PAGE, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(await head.text(), '');
  assert.equal((await get(APP_PAGE, 'POST')).status, 405);
});

test('app://ferry refuses everything outside the renderer folder', async () => {
  for (const url of [
    `${APP_ORIGIN}/../secret.txt`,
    `${APP_ORIGIN}/%2e%2e/secret.txt`,
    `${APP_ORIGIN}/..%2fsecret.txt`,
    `${APP_ORIGIN}/assets/..%2f..%2fsecret.txt`,
    `${APP_ORIGIN}/%2e%2e%2f%2e%2e%2fsecret.txt`,
    `${APP_ORIGIN}/missing.js`,
    `${APP_ORIGIN}/bad%zzescape`,
    `${APP_ORIGIN}/nul%00.js`,
    'app://other/index.html',
  ]) {
    const r = await get(url);
    assert.equal(r.status, 404, url);
    assert.equal(r.headers.get('content-security-policy'), CSP, url);
    assert.doesNotMatch(await r.text(), /not for the page/);
  }
});

test('the CSP allows only our own origin: no eval, no remote or WebSocket connections, no framing', () => {
  const d = Object.fromEntries(CSP.split(';').map((p) => p.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
  assert.deepEqual(d['default-src'], ["'none'"]);
  assert.deepEqual(d['script-src'], ["'self'"]);
  assert.deepEqual(d['connect-src'], ["'self'"]);
  assert.deepEqual(d['frame-ancestors'], ["'none'"]);
  assert.deepEqual(d['object-src'], ["'none'"]);
  assert.doesNotMatch(CSP, /unsafe-eval|ws:|http:|https:|file:|\*/);
});

test('own page: app://ferry/index.html only, compared as a parsed URL', () => {
  assert.equal(isOwnPage(APP_PAGE), true);
  assert.equal(isOwnPage(`${APP_PAGE}?x=1#y`), true);
  assert.equal(isOwnPage('app://ferry/index.html/../index.html'), true, 'normalised by the URL parser');
  assert.equal(isOwnPage('app://ferry/other.html'), false);
  assert.equal(isOwnPage('app://evil/index.html'), false);
  assert.equal(isOwnPage('file:///opt/Ferry/resources/app.asar/dist/renderer/index.html'), false);
  assert.equal(isOwnPage('http://127.0.0.1/index.html'), false);
  assert.equal(isOwnPage('not a url'), false);
});
