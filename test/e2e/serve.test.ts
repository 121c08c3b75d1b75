// Serve mode end to end: the built renderer in Debian's Chromium, over the WebSocket transport.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';

const skip = chromiumSkipReason();
if (skip) console.log(`# skipping serve-mode browser tests: ${skip}`);

let served: Served;
let browser: Browser;
let left: string;
let right: string;

before(async () => {
  if (skip) return;
  left = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-left-'));
  right = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-right-'));
  fs.writeFileSync(path.join(left, 'alpha.txt'), 'a');
  fs.mkdirSync(path.join(left, 'folder'));
  fs.writeFileSync(path.join(right, 'beta.bin'), Buffer.alloc(1234));
  served = await startServe({ left, right });
  browser = await launchBrowser();
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await served?.stop();
  fs.rmSync(left, { recursive: true, force: true });
  fs.rmSync(right, { recursive: true, force: true });
});

test('serve mode: both panes list their temp folders in Chromium', { skip }, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(served.url);
  await page.locator(`[data-pane="left"] [data-path="${path.join(left, 'alpha.txt')}"]`).waitFor();
  await page.locator(`[data-pane="left"] [data-path="${path.join(left, 'folder')}"]`).waitFor();
  await page.locator(`[data-pane="right"] [data-path="${path.join(right, 'beta.bin')}"]`).waitFor();
  assert.equal(await page.locator(`[data-pane="left"] [data-path="${path.join(right, 'beta.bin')}"]`).count(), 0);
  assert.deepEqual(errors, []);
  await page.close();
});

test('serve mode: a wrong or missing token gets no page and no socket', { skip }, async () => {
  const page = await browser.newPage();
  const wrong = await page.goto(served.url.replace(/token=[^&]+/, 'token=wrong'));
  assert.equal(wrong?.status(), 403);
  const missing = await page.goto(served.origin + '/');
  assert.equal(missing?.status(), 401);
  // A page from another origin (another local server) cannot open the socket even with the token.
  const other = http.createServer((_req, res) => res.end('<!doctype html><title>other</title>'));
  await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
  await page.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
  const foreign = await page.evaluate(async (u) => {
    return new Promise<string>((resolve) => {
      const ws = new WebSocket(u);
      ws.onopen = () => resolve('open');
      ws.onerror = () => resolve('refused');
    });
  }, `ws://127.0.0.1:${served.port}/ws?token=${served.token}`);
  assert.equal(foreign, 'refused');
  other.close();
  await page.close();
});
