// Serve mode against hostile and broken clients, over raw sockets, on a real serve process: each
// malformed request line, target, header or upgrade gets its 4xx (400 when it is malformed), and
// afterwards the same process still serves the page and answers over its socket.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { WebSocket } from 'ws';
import { rpc, startServe, type Served } from '../helpers/serve.js';

let served: Served;
let H = '';
let T = '';

before(async () => {
  served = await startServe();
  H = `127.0.0.1:${served.port}`;
  T = served.token;
});
after(async () => {
  await served?.stop();
});

interface Answer {
  /** The status of the response, or null when the connection ended without one. */
  status: number | null;
  head: string;
}

/** Sends bytes on a fresh connection and reads the status line of the answer (or its absence). */
function raw(data: string | Buffer | (string | Buffer)[], opts: { timeoutMs?: number; after?: (s: net.Socket) => void } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const s = net.connect(served.port, '127.0.0.1');
    let got = '';
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      s.destroy();
      const m = /^HTTP\/1\.1 (\d{3}) /.exec(got);
      resolve({ status: m ? Number(m[1]) : null, head: got.split('\r\n\r\n')[0] ?? '' });
    };
    const timer = setTimeout(finish, opts.timeoutMs ?? 10_000);
    s.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.includes('\r\n\r\n')) finish();
    });
    s.on('end', finish);
    s.on('close', finish);
    s.on('error', finish);
    s.on('connect', () => {
      for (const part of Array.isArray(data) ? data : [data]) s.write(part);
      opts.after?.(s);
    });
  });
}

function req(line: string, headers: string[] = [`Host: ${H}`]): string {
  return `${line}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`;
}

function upgrade(target: string, extra: string[] = [], drop: string[] = []): string {
  const base = [
    `Host: ${H}`,
    'Connection: Upgrade',
    'Upgrade: websocket',
    `Origin: http://${H}`,
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`,
  ].filter((h) => !drop.some((d) => h.toLowerCase().startsWith(d.toLowerCase())));
  return req(`GET ${target} HTTP/1.1`, [...base, ...extra]);
}

function alive(): void {
  assert.equal(served.proc.exitCode, null, `serve exited: ${served.stderr()}`);
  assert.equal(served.proc.signalCode, null, `serve was killed: ${served.stderr()}`);
}

async function stillServes(): Promise<void> {
  alive();
  const page = await raw(req(`GET /?token=${T} HTTP/1.1`));
  assert.equal(page.status, 200, page.head);
  const ws = new WebSocket(`ws://${H}/ws?token=${T}`, { origin: `http://${H}` });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const reply = await rpc(ws, 1, 'app.info', {});
  ws.close();
  assert.equal(reply.ok, true);
}

test('hostile: malformed targets, request lines and headers get a 4xx and the process lives', async () => {
  const C = `Cookie: ferry_token=${T}`;
  const corpus: [string, string | Buffer, number][] = [
    // The three targets that used to end the process before the token check, and one with a token.
    ['absolute-form http://[::1/', req('GET http://[::1/ HTTP/1.1'), 400],
    ['absolute-form http://%zz/', req('GET http://%zz/ HTTP/1.1'), 400],
    ['absolute-form http://exa%00mple/', req('GET http://exa%00mple/ HTTP/1.1'), 400],
    ['absolute-form http://[::1/ with the token', req(`GET http://[::1/?token=${T} HTTP/1.1`), 400],
    ['absolute-form naming another host', req(`GET http://evil.example/?token=${T} HTTP/1.1`), 403],
    ['absolute-form https', req(`GET https://${H}/?token=${T} HTTP/1.1`), 400],
    // Paths that decode to NUL or other control bytes, or do not decode at all.
    ['/favicon.png%00 with the cookie', req('GET /favicon.png%00 HTTP/1.1', [`Host: ${H}`, C]), 400],
    ['/index.html%00 with the token', req(`GET /index.html%00?token=${T} HTTP/1.1`), 400],
    ['%0a in the path', req('GET /a%0Ab HTTP/1.1', [`Host: ${H}`, C]), 400],
    ['truncated percent-encoding', req(`GET /%E0%A4%A?token=${T} HTTP/1.1`), 400],
    ['a lone %', req('GET /% HTTP/1.1', [`Host: ${H}`, C]), 400],
    ['overlong UTF-8', req('GET /%C0%AE%C0%AE/ HTTP/1.1', [`Host: ${H}`, C]), 400],
    ['asterisk-form', req('GET * HTTP/1.1'), 400],
    ['authority-form GET', req(`GET ${H} HTTP/1.1`), 400],
    ['a scheme-relative path', req(`GET //evil.example/?token=${T} HTTP/1.1`), 404],
    ['a very long path', req(`GET /${'a'.repeat(12_000)}?token=${T} HTTP/1.1`), 404],
    // Request lines and methods the parser refuses (Node answers these itself).
    ['an invalid method', req('G@T / HTTP/1.1'), 400],
    ['an unknown method', req('BREW / HTTP/1.1'), 400],
    ['a lowercase method', req('get / HTTP/1.1'), 400],
    ['HTTP/9.9', req('GET / HTTP/9.9'), 400],
    ['HTTP/0.9 (no version)', 'GET /\r\n\r\n', 400],
    ['garbage bytes', Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x0d, 0x0a, 0x0d, 0x0a]), 400],
    ['CONNECT', req(`CONNECT ${H} HTTP/1.1`), 405],
    ['POST', req('POST / HTTP/1.1', [`Host: ${H}`, 'Content-Length: 3']) + 'abc', 405],
    // Headers.
    ['no Host', req(`GET /?token=${T} HTTP/1.1`, []), 400],
    ['a foreign Host', req(`GET /?token=${T} HTTP/1.1`, ['Host: evil.example']), 403],
    ['a 100 KB header', req('GET / HTTP/1.1', [`Host: ${H}`, `X-Big: ${'a'.repeat(100_000)}`]), 431],
    ['3000 small headers', req('GET / HTTP/1.1', [`Host: ${H}`, ...Array.from({ length: 3000 }, (_, i) => `X-${i}: y`)]), 431],
    ['NUL in a header value', req('GET / HTTP/1.1', [`Host: ${H}`, 'X-A: a\0b']), 400],
    ['an obs-folded header', req('GET / HTTP/1.1', [`Host: ${H}`, 'X-A: a', ' folded']), 400],
    ['a header without a colon', req('GET / HTTP/1.1', [`Host: ${H}`, 'NoColonHere']), 400],
    ['Content-Length and Transfer-Encoding', req('GET / HTTP/1.1', [`Host: ${H}`, 'Content-Length: 3', 'Transfer-Encoding: chunked']), 400],
    ['a negative Content-Length', req('GET / HTTP/1.1', [`Host: ${H}`, 'Content-Length: -1']), 400],
    ['two different Content-Lengths', req('GET / HTTP/1.1', [`Host: ${H}`, 'Content-Length: 1', 'Content-Length: 2']), 400],
    // Answered from its headers (no token) before the body is read; the body's error ends the connection.
    ['a broken chunked body', req('GET / HTTP/1.1', [`Host: ${H}`, 'Transfer-Encoding: chunked']) + 'zz\r\n', 401],
    ['HTTP/1.0 without Host', 'GET / HTTP/1.0\r\n\r\n', 400],
    ['a cookie that is not ours', req('GET /assets/x.js HTTP/1.1', [`Host: ${H}`, 'Cookie: ferry_token=%zz; ferry_token']), 403],
    // Upgrades.
    ['upgrade to absolute-form http://[::1/ws', upgrade(`http://[::1/ws?token=${T}`), 400],
    ['upgrade to /ws%00', upgrade(`/ws%00?token=${T}`), 400],
    ['upgrade without Sec-WebSocket-Key', upgrade(`/ws?token=${T}`, [], ['Sec-WebSocket-Key']), 400],
    ['upgrade with version 99', upgrade(`/ws?token=${T}`, ['Sec-WebSocket-Version: 99'], ['Sec-WebSocket-Version']), 400],
    ['upgrade to h2c', upgrade(`/ws?token=${T}`, ['Upgrade: h2c'], ['Upgrade:']), 400],
    ['upgrade with a short key', upgrade(`/ws?token=${T}`, ['Sec-WebSocket-Key: abc'], ['Sec-WebSocket-Key']), 400],
    ['upgrade without the token', upgrade('/ws'), 401],
    ['upgrade with a wrong token', upgrade('/ws?token=nope'), 403],
    ['upgrade from a foreign Origin', upgrade(`/ws?token=${T}`, ['Origin: http://evil.example'], ['Origin']), 403],
    ['upgrade of another path', upgrade(`/index.html?token=${T}`), 404],
    ['upgrade by POST', upgrade(`/ws?token=${T}`).replace(/^GET/, 'POST'), 405],
  ];
  const wrong: string[] = [];
  for (const [name, data, status] of corpus) {
    const a = await raw(data);
    if (a.status !== status) wrong.push(`${name}: expected ${status}, got ${a.status ?? 'no answer'} (${a.head.split('\r\n')[0]})`);
    alive();
  }
  assert.deepEqual(wrong, []);
  await stillServes();
  assert.doesNotMatch(served.stderr(), /failed|Error/);
});

test('hostile: resets, broken frames and oversized frames after a good upgrade end only that socket', async () => {
  const frames: [string, Buffer][] = [
    ['random bytes', crypto.randomBytes(4096)],
    // A masked text frame whose payload is not UTF-8.
    ['invalid UTF-8', Buffer.concat([Buffer.from([0x81, 0x82, 0, 0, 0, 0]), Buffer.from([0xc3, 0x28])])],
    // A frame that announces 2^63-1 bytes.
    ['a 2^63-byte length', Buffer.from([0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])],
    // An unmasked client frame.
    ['an unmasked frame', Buffer.from([0x81, 0x02, 0x68, 0x69])],
    // A reserved opcode.
    ['opcode 3', Buffer.from([0x83, 0x80, 0, 0, 0, 0])],
  ];
  for (const [name, frame] of frames) {
    const a = await raw([upgrade(`/ws?token=${T}`)], {
      after: (s) => s.once('data', () => s.write(frame)),
    });
    assert.equal(a.status, 101, name);
    alive();
  }
  // Reset (RST) in the middle of a request, of a handshake, right after the upgrade, after a CONNECT.
  for (const data of [`GET /?token=${T} HTTP/1.1\r\nHo`, upgrade(`/ws?token=${T}`).slice(0, 60), upgrade(`/ws?token=${T}`), req(`CONNECT ${H} HTTP/1.1`)]) {
    await new Promise<void>((resolve) => {
      const s = net.connect(served.port, '127.0.0.1', () => {
        s.write(data, () => setTimeout(() => (s.resetAndDestroy(), resolve()), 20));
      });
      s.on('error', () => resolve());
    });
    alive();
  }
  await stillServes();
});

test('hostile: 400 half-open connections do not stop the server from answering', async () => {
  const open: net.Socket[] = [];
  const connect = (first?: string) =>
    new Promise<void>((resolve) => {
      const s = net.connect(served.port, '127.0.0.1', () => {
        if (first) s.write(first);
        resolve();
      });
      s.on('error', () => resolve());
      open.push(s);
    });
  try {
    for (let i = 0; i < 200; i++) await connect();
    for (let i = 0; i < 100; i++) await connect('GET /?tok');
    for (let i = 0; i < 100; i++) await connect(`GET /?token=${T} HTTP/1.1\r\nHost: ${H}\r\nX-Slow: `);
    const t0 = Date.now();
    await stillServes();
    assert.ok(Date.now() - t0 < 5000, `answered in ${Date.now() - t0} ms`);
  } finally {
    for (const s of open) s.destroy();
  }
  alive();
});
