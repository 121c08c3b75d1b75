import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { parseTarget, startServer, toJsonInSlices, type RunningServer } from '../../electron/ws-server.js';
import { rpc, rpcText } from '../helpers/serve.js';
import { fakeServices } from './fake-services.js';

let server: RunningServer;
let rendererDir: string;
const calls: string[] = [];
const services = fakeServices(calls);

before(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Ferry</title>');
  fs.mkdirSync(path.join(rendererDir, 'assets'));
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)\n//# sourceMappingURL=app.js.map');
  fs.writeFileSync(path.join(rendererDir, 'assets', 'app.js.map'), '{"version":3,"sources":["../src/secret-source.ts"]}');
  fs.writeFileSync(path.join(os.tmpdir(), 'ferry-secret.txt'), 'secret');
  server = await startServer({ services, rendererDir, port: 0 });
});
after(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(opts: { token?: string | null; origin?: string | null; host?: string } = {}): Promise<WebSocket> {
  const token = opts.token === undefined ? server.token : opts.token;
  const url = `ws://127.0.0.1:${server.port}/ws${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;
  const headers: Record<string, string> = {};
  if (opts.host) headers.host = opts.host;
  const origin = opts.origin === undefined ? `http://127.0.0.1:${server.port}` : opts.origin;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin === null ? {} : { origin }) });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}

test('serve: binds to the loopback interface only', async () => {
  assert.equal(server.host, '127.0.0.1');
  assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/);
  // The kernel's own table agrees: the listening socket is 127.0.0.1:PORT, not 0.0.0.0 or ::.
  const hex = server.port.toString(16).toUpperCase().padStart(4, '0');
  const tcp = fs.readFileSync('/proc/net/tcp', 'utf8') + (fs.existsSync('/proc/net/tcp6') ? fs.readFileSync('/proc/net/tcp6', 'utf8') : '');
  const listening = tcp.split('\n').filter((l) => l.includes(`:${hex} `) && / 0A /.test(l)).map((l) => l.trim().split(/\s+/)[1]);
  assert.deepEqual(listening, [`0100007F:${hex}`]);
});

test('serve: the page needs the token (missing 401, wrong 403, right 200 + cookie + CSP)', async () => {
  assert.equal((await get('/')).status, 401);
  assert.equal((await get('/?token=nope')).status, 403);
  assert.equal((await get(`/?token=${server.token}x`)).status, 403);
  const ok = await get(`/?token=${server.token}`);
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<title>Ferry/);
  assert.match(String(ok.headers['content-security-policy']), /default-src 'self'/);
  assert.match(String(ok.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
  // assets: by cookie
  assert.equal((await get('/assets/app.js')).status, 401);
  const cookie = String(ok.headers['set-cookie']).split(';')[0]!;
  assert.equal((await get('/assets/app.js', { cookie })).status, 200);
  assert.equal((await get('/assets/app.js', { cookie: 'ferry_token=bad' })).status, 403);
});

test('serve: no path traversal out of the renderer folder', async () => {
  for (const p of ['/../ferry-secret.txt', '/%2e%2e/ferry-secret.txt', '/assets/..%2f..%2fferry-secret.txt', '/..%5cferry-secret.txt']) {
    const r = await get(`${p}${p.includes('?') ? '&' : '?'}token=${server.token}`);
    assert.notEqual(r.status, 200, p);
    assert.doesNotMatch(r.body, /secret/);
  }
});

test('serve: a foreign Host header is refused (DNS rebinding)', async () => {
  const r = await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` });
  assert.equal(r.status, 403);
});

test('serve: the socket refuses missing/wrong tokens and foreign or missing Origins', async () => {
  await assert.rejects(connect({ token: null }), (e: { status?: number }) => e.status === 401);
  await assert.rejects(connect({ token: 'wrong' }), (e: { status?: number }) => e.status === 403);
  await assert.rejects(connect({ origin: 'http://evil.example' }), (e: { status?: number }) => e.status === 403);
  await assert.rejects(connect({ origin: `http://127.0.0.1:${server.port + 1}` }), (e: { status?: number }) => e.status === 403);
  await assert.rejects(connect({ origin: null }), (e: { status?: number }) => e.status === 403);
  await assert.rejects(connect({ host: `evil.example:${server.port}` }), (e: { status?: number }) => e.status === 403);
  const ws = await connect();
  ws.close();
});

test('serve: requests are validated; malformed ones get error replies and the socket survives', async () => {
  const ws = await connect();
  try {
    const bad = await rpc(ws, 1, 'fs.list', { path: 'relative', listingId: 'x' });
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, 'EINVALIDPARAMS');
    const unknown = await rpc(ws, 2, 'process.exit', {});
    assert.equal(unknown.error?.code, 'EBADREQUEST');
    // not JSON at all
    const garbage = new Promise<{ id: number; ok: boolean }>((resolve) => ws.once('message', (d) => resolve(JSON.parse(d.toString()))));
    ws.send('{not json');
    assert.deepEqual(((await garbage) as { id: number }).id, -1);
    const info = await rpc(ws, 3, 'app.info', {});
    assert.equal(info.ok, true);
    assert.equal((info.value as { transport: string }).transport, 'ws');
    const missing = await rpc(ws, 4, 'fs.stat', { path: '/definitely/not/here' });
    assert.equal(missing.ok, false);
    assert.equal(missing.error?.code, 'ENOENT');
    assert.match(missing.error!.message, /ENOENT: no such file or directory/);
    const start = await rpc(ws, 5, 'jobs.start', { kind: 'move', sources: ['/a'], destDir: '/b' });
    assert.equal(start.ok, true);
    assert.ok(calls.includes('start move /a -> /b'));
  } finally {
    ws.close();
  }
});

test('serve: fs.list streams entries to the socket as dir.entries events', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-list-'));
  for (let i = 0; i < 1200; i++) fs.writeFileSync(path.join(dir, `f${i}`), 'x');
  fs.symlinkSync('/nonexistent/target', path.join(dir, 'dangling'));
  const ws = await connect();
  try {
    const entries: { name: string; error?: { message: string } }[] = [];
    let chunks = 0;
    const done = new Promise<void>((resolve) => {
      ws.on('message', (d) => {
        const m = JSON.parse(d.toString());
        if (m.kind === 'event' && m.event === 'dir.entries' && m.payload.listingId === 'L1') {
          chunks++;
          entries.push(...m.payload.entries);
          if (m.payload.done) resolve();
        }
      });
    });
    const r = await rpc(ws, 10, 'fs.list', { path: dir, listingId: 'L1' });
    assert.equal(r.ok, true);
    assert.equal((r.value as { total: number }).total, 1201);
    await done;
    assert.equal(entries.length, 1201);
    assert.ok(chunks >= 3, `expected several chunks, got ${chunks}`);
    const dangling = entries.find((e) => e.name === 'dangling');
    assert.match(dangling?.error?.message ?? '', /broken symlink/);
  } finally {
    ws.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('serve: source maps are not served (development only), the scripts are', async () => {
  const cookie = `ferry_token=${server.token}`;
  assert.equal((await get('/assets/app.js', { cookie })).status, 200);
  const map = await get('/assets/app.js.map', { cookie });
  assert.equal(map.status, 404);
  assert.doesNotMatch(map.body, /secret-source/);
  const dev = await startServer({ services, rendererDir, port: 0, sourceMaps: true });
  try {
    const r = await new Promise<number>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: dev.port, path: `/assets/app.js.map?token=${dev.token}`, headers: { host: `127.0.0.1:${dev.port}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(r, 200);
  } finally {
    await dev.close();
  }
});

test('serve: hostile keys (__proto__, constructor, …) in params are refused with EINVALIDPARAMS, not dropped', async () => {
  const ws = await connect();
  try {
    const cases: [string, string][] = [
      ['{"path":"/tmp","listingId":"a","__proto__":{"polluted":true}}', '__proto__'],
      ['{"path":"/tmp","listingId":"a","constructor":{"prototype":{"polluted":true}}}', 'constructor'],
      ['{"path":"/tmp","listingId":"a","toString":"x"}', 'toString'],
      ['{"kind":"copy","sources":["/a"],"destDir":"/b","options":{"__proto__":{"method":"reflink"}}}', 'options.__proto__'],
      ['{"kind":"copy","sources":["/a"],"destDir":"/b","options":{"prototype":1}}', 'options.prototype'],
    ];
    let id = 100;
    for (const [params, key] of cases) {
      const method = params.includes('"kind"') ? 'jobs.start' : 'fs.list';
      const reply = await rpcText(ws, ++id, method, params);
      assert.equal(reply.ok, false, params);
      assert.equal(reply.error?.code, 'EINVALIDPARAMS', params);
      assert.equal(reply.error?.message, `${method}: invalid ${key}: key not allowed`);
    }
    assert.equal(({} as { polluted?: unknown }).polluted, undefined);
    assert.ok(!calls.some((c) => c.includes('start copy')), 'no hostile request reached a handler');
    // Ordinary requests still pass.
    assert.equal((await rpc(ws, 200, 'fs.stat', { path: '/' })).ok, true);
  } finally {
    ws.close();
  }
});

test('serve: long replies are serialised in slices to the same text JSON.stringify gives', async () => {
  const long = Array.from({ length: 12_345 }, (_, i) => (i % 3 ? `/p/${i}` : { path: `/q/${i}`, error: { code: 'EACCES', message: 'no "way"\n', extra: undefined } }));
  const values: unknown[] = [
    { kind: 'reply', id: 3, ok: true, value: { trashed: long, failed: [], note: undefined, when: new Date(0) } },
    { kind: 'reply', id: 4, ok: true, value: { items: [long, long.slice(0, 10)] } },
    [],
    { a: null, b: [1, 'two', true], c: 'é\u2028' },
  ];
  for (const v of values) assert.equal(await toJsonInSlices(v), JSON.stringify(v));
});

test('serve: request targets are read without throwing', () => {
  const hosts = new Set(['127.0.0.1:8080', 'localhost:8080']);
  assert.deepEqual(parseTarget('/assets/a%20b.js?token=t', hosts), { ok: true, path: '/assets/a b.js', token: 't' });
  assert.deepEqual(parseTarget('http://127.0.0.1:8080/x?token=t', hosts), { ok: true, path: '/x', token: 't' });
  assert.equal((parseTarget('http://evil:8080/x', hosts) as { status: number }).status, 403);
  for (const bad of [undefined, '', '*', 'http://[::1/', 'http://%zz/', 'http://exa%00mple/', '/a%00', '/%', '/%C0%AE', '/a%0d%0ab', 'ftp://127.0.0.1:8080/', '127.0.0.1:8080']) {
    const t = parseTarget(bad, hosts);
    assert.equal(t.ok, false, String(bad));
    assert.equal((t as { status: number }).status, 400, String(bad));
  }
});
