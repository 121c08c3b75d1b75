// Serve mode's log export as an HTTP download (issue 10): GET /log-export with the token cookie,
// log.export's parameters in the query, streamed with the socket's backpressure.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseExportQuery, startServer, type RunningServer } from '../../electron/ws-server.js';
import { fakeServices } from './fake-services.js';

let server: RunningServer;
let rendererDir: string;
const calls: string[] = [];

before(async () => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Ferry</title>');
  server = await startServer({ services: fakeServices(calls), rendererDir, port: 0 });
});
after(async () => {
  await server.close();
  fs.rmSync(rendererDir, { recursive: true, force: true });
});

/** A GET that reads the body as it comes, `pauseMs` after each chunk (a slow client). */
function get(p: string, headers: Record<string, string> = {}, pauseMs = 0): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders; chunks: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: p, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      let body = '';
      let chunks = 0;
      res.on('data', (d) => {
        body += d;
        chunks++;
        if (pauseMs) {
          res.pause();
          setTimeout(() => res.resume(), pauseMs);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers, chunks }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serve: the log export downloads with the token cookie, streamed, with the filters of log.export', async () => {
  const cookie = `ferry_token=${server.token}`;
  const r = await get('/log-export?format=csv&jobId=j1&errorsOnly=true&text=a%20b', { cookie }, 2);
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-disposition'], 'attachment; filename="ferry-log-j1.csv"');
  assert.match(String(r.headers['content-type']), /^text\/csv/);
  assert.equal(r.body.split('\n').length - 1, 150_000, 'every row arrived');
  assert.ok(r.chunks > 3, `${r.chunks} chunks on the wire`);
  assert.deepEqual(calls.filter((c) => c.startsWith('export ')), [`export ${JSON.stringify({ format: 'csv', jobId: 'j1', errorsOnly: true, text: 'a b' })}`]);
  // The token in the query works too (a link opened by hand).
  assert.equal((await get(`/log-export?format=json&token=${server.token}`)).status, 200);
});

test('serve: the log export needs the token and valid parameters', async () => {
  assert.equal((await get('/log-export?format=csv')).status, 401);
  assert.equal((await get('/log-export?format=csv', { cookie: 'ferry_token=wrong' })).status, 403);
  const cookie = `ferry_token=${server.token}`;
  for (const q of ['', 'format=xml', 'format=csv&evil=1', 'format=csv&fellBack=maybe', 'format=csv&jobId=../x', 'format=csv&format=json']) {
    const r = await get(`/log-export?${q}`, { cookie });
    assert.equal(r.status, 400, q);
  }
  assert.deepEqual(parseExportQuery(new URLSearchParams('format=json&fellBack=false&method=splice')), { ok: true, params: { format: 'json', fellBack: false, method: 'splice' } });
});
