// Serve mode's transport: the built renderer over HTTP and the contract over a WebSocket, on the
// loopback interface only, guarded by a random per-launch token.
//
// - Every request must name this server in its Host header (127.0.0.1:PORT or localhost:PORT),
//   which defeats DNS rebinding. An absolute-form target (`GET http://host/p`) must name it too.
// - The page needs ?token=T; it then gets an HttpOnly SameSite=Strict cookie for its assets.
//   Missing token → 401, wrong token → 403.
// - The socket (/ws) needs the token too, and an Origin equal to this server's own origin; a
//   foreign Origin is refused with 403 before the upgrade.
//
// Nothing a client sends may end the process: a malformed target, header or request line gets a
// 400 (Node's parser answers what it cannot parse itself: 400, 431 for huge headers, 408 for a
// request that never completes), and every handler below is written not to throw.
//
// Each socket is one `ClientChannel`: its outgoing buffer is bounded. A client that reads slowly
// gets progress (`job.updated`) coalesced to the latest, its listings wait for it, its further
// requests are not read; one that stays over the bound is closed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { EXPORT_PATH, type Emit, type EventName, type Reply, type ValidParams, type WireError, type WsMessage } from './contract.js';
import type { Requester } from './fs-service.js';
import { dispatch } from './handlers.js';
import { parseRequest } from './schemas.js';
import type { Services } from './services.js';

export const LOOPBACK = '127.0.0.1';
const COOKIE = 'ferry_token';
const MAX_MESSAGE = 32 * 1024 * 1024;
/** Messages above this size are parsed and validated in separate turns of the event loop. */
const LARGE_MESSAGE = 256 * 1024;
/** Open connections at most (HTTP and sockets): bounds the file descriptors a local client can take. */
const MAX_CONNECTIONS = 512;
/** A request's headers must arrive within this time, the whole request within REQUEST_TIMEOUT. */
const HEADERS_TIMEOUT = 10_000;
const REQUEST_TIMEOUT = 30_000;

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.ico': 'image/x-icon',
};

/** Bounds of one client's outgoing buffer (`ws.bufferedAmount`, bytes). */
export interface ClientLimits {
  /** Above this a client is lagging: `job.updated` is coalesced, listings wait, requests are not read. */
  lagBytes: number;
  /** A client that stays above this for `stallMs` is closed. */
  maxBytes: number;
  stallMs: number;
  /** A client above this is closed at once. */
  hardBytes: number;
  /** Requests (and the listings they started) of one client running at once; more wait unread. */
  maxInFlight: number;
}

export const DEFAULT_LIMITS: ClientLimits = {
  lagBytes: 1024 * 1024,
  maxBytes: 16 * 1024 * 1024,
  stallMs: 10_000,
  hardBytes: 64 * 1024 * 1024,
  maxInFlight: 16,
};

export interface ServerOptions {
  services: Services;
  rendererDir: string;
  port: number;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
  /** Serve the renderer's source maps (*.map): development only. */
  sourceMaps?: boolean;
  /** Outgoing-buffer bounds per client (tests make them small). */
  limits?: Partial<ClientLimits>;
}

export interface RunningServer {
  url: string;
  /** The address the listening socket is bound to (always 127.0.0.1). */
  host: string;
  port: number;
  token: string;
  /** Sockets open right now. */
  clients(): number;
  close(): Promise<void>;
}

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function cookieToken(req: http.IncomingMessage): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const [k, ...rest] = part.trim().split('=');
    if (k === COOKIE) return rest.join('=');
  }
  return null;
}

export function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ws://${LOOPBACK}:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export type Target = { ok: true; path: string; token: string | null } | { ok: false; status: 400 | 403; text: string };

/**
 * Reads a request target without `new URL()` throwing: origin-form (`/p?q`) or absolute-form
 * (`http://127.0.0.1:PORT/p?q`, which must name one of `hosts`). Returns the decoded path and the
 * ?token=, or why it is refused: 400 for anything malformed (bad percent-encoding, NUL or other
 * control bytes in the path, an unparsable URL, asterisk- or authority-form), 403 for a foreign host.
 */
export function parseTarget(raw: string | undefined, hosts: ReadonlySet<string>): Target {
  const t = readTarget(raw, hosts);
  return t.ok ? { ok: true, path: t.path, token: t.token } : t;
}

/** parseTarget, with the query's parameters. */
function readTarget(raw: string | undefined, hosts: ReadonlySet<string>): { ok: true; path: string; token: string | null; query: URLSearchParams } | Extract<Target, { ok: false }> {
  const bad = (why: string): Extract<Target, { ok: false }> => ({ ok: false, status: 400, text: `Bad Request: ${why}` });
  if (!raw) return bad('empty target');
  let rawPath: string;
  let query: string;
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    rawPath = q < 0 ? raw : raw.slice(0, q);
    query = q < 0 ? '' : raw.slice(q + 1);
  } else if (/^http:\/\//i.test(raw)) {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      return bad('malformed URL');
    }
    if (!hosts.has(u.host)) return { ok: false, status: 403, text: 'Forbidden: unknown host' };
    rawPath = u.pathname;
    query = u.search.slice(1);
  } else {
    return bad('the target must be a path');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return bad('malformed percent-encoding');
  }
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return bad('control characters in the path');
  const params = new URLSearchParams(query);
  return { ok: true, path: decoded, token: params.get('token'), query: params };
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Arrays longer than this are turned into JSON a slice at a time. */
const JSON_SLICE = 5000;

/** True when `v` holds an array longer than JSON_SLICE within `depth` levels of plain objects. */
function hasLongArray(v: unknown, depth: number): boolean {
  if (Array.isArray(v)) return v.length > JSON_SLICE;
  if (depth === 0 || typeof v !== 'object' || v === null) return false;
  for (const x of Object.values(v)) if (hasLongArray(x, depth - 1)) return true;
  return false;
}

/**
 * The text JSON.stringify gives for `value` (plain data), built in steps short enough not to
 * hold the event loop: arrays longer than JSON_SLICE are stringified a slice at a time, with a
 * turn of the event loop between slices (a reply of 100 000 paths is ~40 ms in one piece).
 */
export async function toJsonInSlices(value: unknown): Promise<string> {
  const out: string[] = [];
  const write = async (v: unknown): Promise<void> => {
    if (Array.isArray(v) && v.length > JSON_SLICE) {
      out.push('[');
      for (let i = 0; i < v.length; i += JSON_SLICE) {
        out.push(i === 0 ? '' : ',', JSON.stringify(v.slice(i, i + JSON_SLICE)).slice(1, -1));
        await nextTurn();
      }
      out.push(']');
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { toJSON?: unknown }).toJSON !== 'function') {
      out.push('{');
      let first = true;
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
        out.push(first ? '' : ',', JSON.stringify(k), ':');
        first = false;
        await write(x);
      }
      out.push('}');
    } else {
      out.push(JSON.stringify(v) ?? 'null');
    }
  };
  await write(value);
  return out.join('');
}

/** For a value JSON cannot carry (a bug, not input): an error reply instead of silence; an event is dropped. */
function unserialisable(msg: WsMessage, e: unknown): string | null {
  if (msg.kind !== 'reply') return null;
  return JSON.stringify({ kind: 'reply', id: msg.id, ok: false, error: { code: 'EINTERNAL', message: `reply not serialisable: ${(e as Error).message}` } });
}

/**
 * One WebSocket client. Replies and events go through `send`, which keeps the socket's outgoing
 * buffer bounded (see ClientLimits); as a `Requester` it receives the events of its own requests
 * (a listing's entries, its watchers' changes) and tells listings when it can take more.
 */
class ClientChannel implements Requester {
  #ws: WebSocket;
  #limits: ClientLimits;
  /** The newest `job.updated` payload held back while lagging (each one replaces the last). */
  #heldProgress: unknown = undefined;
  /** Events this client asked not to get (jobs.fileEvents: its queue pages `jobs.files` instead). */
  #muted = new Set<EventName>();
  #waiters: ((ok: boolean) => void)[] = [];
  #closers: (() => void)[] = [];
  #stallTimer: NodeJS.Timeout | null = null;
  /** Requests read but not started yet. */
  #queue: (() => Promise<void>)[] = [];
  /** Requests running and listings streaming for this client. */
  #inFlight = 0;
  #closed = false;

  constructor(ws: WebSocket, limits: ClientLimits) {
    this.#ws = ws;
    this.#limits = limits;
    ws.on('close', () => this.#gone());
    ws.on('error', () => this.#gone());
  }

  get #buffered(): number {
    return this.#ws.bufferedAmount;
  }

  get #lagging(): boolean {
    return this.#buffered > this.#limits.lagBytes;
  }

  send(msg: WsMessage): void {
    let text: string | null;
    try {
      text = JSON.stringify(msg);
    } catch (e) {
      text = unserialisable(msg, e);
    }
    this.#sendText(text);
  }

  /** Sends a reply; one that carries long lists is turned into JSON a slice at a time. */
  async reply(id: number, reply: Reply<unknown>): Promise<void> {
    const msg: WsMessage = { kind: 'reply', id, ...reply };
    if (!hasLongArray(msg, 4)) return this.send(msg);
    let text: string | null;
    try {
      text = await toJsonInSlices(msg);
    } catch (e) {
      text = unserialisable(msg, e);
    }
    this.#sendText(text);
  }

  #sendText(text: string | null): void {
    if (text === null || this.#closed || this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(text, this.#written);
    this.#checkBound();
  }

  mute(event: EventName, muted: boolean): void {
    if (muted) this.#muted.add(event);
    else this.#muted.delete(event);
  }

  emit: Emit = (event, payload) => {
    if (this.#muted.has(event)) return;
    if (event === 'job.updated' && (this.#lagging || this.#heldProgress !== undefined)) {
      // Each job.updated carries every job: the newest one makes the held one obsolete.
      this.#heldProgress = payload;
      return;
    }
    this.send({ kind: 'event', event, payload });
  };

  /** An event whose payload is JSON text already (a listing's rows as the engine wrote them). */
  emitJson(event: EventName, payloadJson: string): void {
    this.#sendText(`{"kind":"event","event":${JSON.stringify(event)},"payload":${payloadJson}}`);
  }

  ready(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (!this.#lagging) return Promise.resolve(true);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#closers.push(fn);
  }

  /**
   * Queues one request. Requests run in arrival order, at most `maxInFlight` pieces of work at once
   * (requests and the listings they started), and none while the client lags; meanwhile the
   * socket is not read, so a client that floods or does not read holds nothing but its queue.
   */
  request(run: () => Promise<void>): void {
    if (this.#closed) return;
    this.#queue.push(run);
    this.#pump();
  }

  busy(): () => void {
    this.#inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#pump();
    };
  }

  #pump(): void {
    while (!this.#closed && this.#queue.length > 0 && this.#inFlight < this.#limits.maxInFlight && !this.#lagging) {
      const run = this.#queue.shift()!;
      const release = this.busy();
      run().then(release, (e: unknown) => {
        process.stderr.write(`ferry serve: a request failed unexpectedly: ${(e as Error)?.stack ?? String(e)}\n`);
        release();
      });
    }
    this.#updateReading();
  }

  /** Write callback of every frame: once the buffer is back under the lag bound, catch up. */
  #written = (err?: Error) => {
    if (err || this.#closed || this.#lagging) return;
    if (this.#stallTimer) {
      clearTimeout(this.#stallTimer);
      this.#stallTimer = null;
    }
    if (this.#heldProgress !== undefined) {
      const payload = this.#heldProgress;
      this.#heldProgress = undefined;
      this.send({ kind: 'event', event: 'job.updated', payload });
    }
    for (const w of this.#waiters.splice(0)) w(true);
    this.#pump();
  };

  #checkBound(): void {
    const n = this.#buffered;
    if (n > this.#limits.hardBytes) return this.#drop();
    if (n > this.#limits.lagBytes) this.#updateReading();
    if (n > this.#limits.maxBytes && !this.#stallTimer) {
      this.#stallTimer = setTimeout(() => {
        this.#stallTimer = null;
        if (this.#buffered > this.#limits.maxBytes) this.#drop();
      }, this.#limits.stallMs);
      this.#stallTimer.unref();
    }
  }

  #updateReading(): void {
    if (this.#closed) return;
    const hold = this.#queue.length > 0 || this.#inFlight >= this.#limits.maxInFlight || this.#lagging;
    if (hold && !this.#ws.isPaused) this.#ws.pause();
    else if (!hold && this.#ws.isPaused) this.#ws.resume();
  }

  /** A client that does not read: close it (a close frame could not get through its full buffer). */
  #drop(): void {
    this.#ws.terminate();
    this.#gone();
  }

  #gone(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#heldProgress = undefined;
    this.#queue = [];
    if (this.#stallTimer) clearTimeout(this.#stallTimer);
    for (const w of this.#waiters.splice(0)) w(false);
    for (const fn of this.#closers.splice(0)) {
      try {
        fn();
      } catch {
        /* one owner's cleanup must not stop the others' */
      }
    }
  }
}

/**
 * /log-export's query as log.export's parameters: format, jobId, method, text as given; fellBack
 * and errorsOnly as `true`/`false`. Anything else (but the token) is refused, like a request's extra key.
 */
export function parseExportQuery(q: URLSearchParams): { ok: true; params: ValidParams<'log.export'> } | { ok: false; error: WireError } {
  const o: Record<string, unknown> = {};
  for (const [k, val] of q) {
    if (k === 'token') continue;
    if (k in o) return { ok: false, error: { code: 'EINVALIDPARAMS', message: `${k} is given twice` } };
    o[k] = k === 'fellBack' || k === 'errorsOnly' ? (val === 'true' ? true : val === 'false' ? false : val) : val;
  }
  const r = parseRequest('log.export', o);
  return r.ok ? { ok: true, params: r.params as ValidParams<'log.export'> } : { ok: false, error: r.error };
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? newToken();
  const limits: ClientLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const rendererDir = path.resolve(opts.rendererDir);
  const indexFile = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(indexFile)) throw new Error(`ferry: the renderer is not built (${indexFile} missing). Run \`npm run build\`.`);
  let port = 0;
  let hosts: ReadonlySet<string> = new Set();
  let origins: ReadonlySet<string> = new Set();

  function refuse(res: http.ServerResponse, status: number, text: string) {
    if (res.headersSent) return void res.destroy();
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    res.end(`${text}\n`);
  }

  function serveFile(req: http.IncomingMessage, res: http.ServerResponse, rel: string) {
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererDir, '.' + rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return refuse(res, 404, 'Not Found');
    if (!opts.sourceMaps && file.endsWith('.map')) return refuse(res, 404, 'Not Found');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return refuse(res, 404, 'Not Found');
      const headers: http.OutgoingHttpHeaders = {
        'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
        'Content-Length': st.size,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Resource-Policy': 'same-origin',
        'Cache-Control': 'no-store',
      };
      if (file === indexFile) {
        headers['Content-Security-Policy'] = csp(port);
        headers['X-Frame-Options'] = 'DENY';
        headers['Set-Cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
      }
      res.writeHead(200, headers);
      if (req.method === 'HEAD') return void res.end();
      // pipeline: a file that vanishes or fails mid-read ends the response instead of the process.
      pipeline(fs.createReadStream(file), res, () => {});
    });
  }

  function onRequest(req: http.IncomingMessage, res: http.ServerResponse) {
    if (!req.headers.host) return refuse(res, 400, 'Bad Request: no Host header');
    if (!hosts.has(req.headers.host)) return refuse(res, 403, 'Forbidden: unknown Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method Not Allowed');
    const target = readTarget(req.url, hosts);
    if (!target.ok) return refuse(res, target.status, target.text);
    const given = target.token ?? cookieToken(req);
    if (given === null) return refuse(res, 401, 'Unauthorized: open the URL printed by `npm run serve` (it carries ?token=)');
    if (!sameToken(given, token)) return refuse(res, 403, 'Forbidden: wrong token');
    if (target.path === EXPORT_PATH) return void logDownload(req, res, target.query);
    serveFile(req, res, target.path);
  }

  /**
   * GET /log-export?format=csv|json&<log.read's filters>: the log export as a download, streamed
   * from the log files with the socket's backpressure (memory holds one chunk whatever the size).
   */
  async function logDownload(req: http.IncomingMessage, res: http.ServerResponse, query: URLSearchParams) {
    const parsed = parseExportQuery(query);
    if (!parsed.ok) return refuse(res, 400, `Bad Request: ${parsed.error.message}`);
    const p = parsed.params;
    const d = opts.services.logDownload;
    res.writeHead(200, {
      'Content-Type': p.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8',
      'Content-Disposition': `attachment; filename="${d.name(p)}"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    let gone = false;
    res.on('close', () => (gone = true));
    try {
      await d.write(p, async (chunk) => {
        if (gone) throw new Error('the download was closed');
        if (!res.write(chunk)) await new Promise<void>((resolve) => {
          const go = () => {
            res.off('drain', go);
            res.off('close', go);
            resolve();
          };
          res.on('drain', go);
          res.on('close', go);
        });
      });
      res.end();
    } catch {
      // Headers are out: a cut connection is how the browser learns the download failed.
      res.destroy();
    }
  }

  const server = http.createServer({ requestTimeout: REQUEST_TIMEOUT, headersTimeout: HEADERS_TIMEOUT }, (req, res) => {
    try {
      onRequest(req, res);
    } catch (e) {
      // Not reachable by any input we know of; if it ever is, answer and keep serving.
      process.stderr.write(`ferry serve: request ${JSON.stringify(req.url).slice(0, 200)} failed: ${(e as Error).stack ?? String(e)}\n`);
      refuse(res, 500, 'Internal Server Error');
    }
  });
  server.maxConnections = MAX_CONNECTIONS;
  // CONNECT is not for us: answer instead of dropping the connection silently.
  server.on('connect', (_req, socket: Socket) => {
    guard(socket);
    reject(socket, 405, 'Method Not Allowed');
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });

  /** Node hands upgrade and CONNECT sockets over without an error listener: a reset must not become an exception. */
  function guard(socket: Socket) {
    socket.on('error', () => socket.destroy());
  }

  function reject(socket: Socket, status: number, text: string) {
    if (!socket.writable) return void socket.destroy();
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`);
  }

  function onUpgrade(req: http.IncomingMessage, socket: Socket, head: Buffer) {
    if (!req.headers.host) return reject(socket, 400, 'Bad Request');
    if (!hosts.has(req.headers.host)) return reject(socket, 403, 'Forbidden');
    const target = parseTarget(req.url, hosts);
    if (!target.ok) return reject(socket, target.status, target.status === 400 ? 'Bad Request' : 'Forbidden');
    if (target.path !== '/ws') return reject(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (!origin || !origins.has(origin)) return reject(socket, 403, 'Forbidden');
    const given = target.token ?? cookieToken(req);
    if (given === null) return reject(socket, 401, 'Unauthorized');
    if (!sameToken(given, token)) return reject(socket, 403, 'Forbidden');
    // ws answers a bad handshake (wrong method, version, key, Upgrade header) with 400 itself.
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  }

  server.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    guard(socket);
    try {
      onUpgrade(req, socket, head);
    } catch (e) {
      process.stderr.write(`ferry serve: upgrade ${JSON.stringify(req.url).slice(0, 200)} failed: ${(e as Error).stack ?? String(e)}\n`);
      socket.destroy();
    }
  });

  function attach(ws: WebSocket) {
    const client = new ClientChannel(ws, limits);
    const detach = opts.services.addSink(client.emit);
    client.onClose(detach);
    ws.on('message', (data, isBinary) => {
      const size = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
      let msg: unknown;
      try {
        msg = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        msg = undefined;
      }
      const m = msg as { id?: unknown; method?: unknown; params?: unknown } | null | undefined;
      if (!m || typeof m !== 'object' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) {
        client.send({ kind: 'reply', id: -1, ok: false, error: { code: 'EBADREQUEST', message: 'malformed message: expected {id, method, params}' } });
        return;
      }
      const id = m.id;
      client.request(async () => {
        // Reading a large message and validating it: two turns of the event loop, not one.
        if (size > LARGE_MESSAGE) await new Promise<void>((r) => setTimeout(r, 0));
        const reply = await dispatch(opts.services.handlers, m.method, m.params, { transport: 'ws', client, mute: (e, on) => client.mute(e, on) });
        await client.reply(id, reply);
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, LOOPBACK, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listening, errors (EMFILE while accepting, say) are reported, not thrown at the process.
  server.on('error', (e) => process.stderr.write(`ferry serve: ${(e as Error).message}\n`));
  const bound = server.address() as AddressInfo;
  port = bound.port;
  // Browsers leave out the default port: at port 80 the bare names are ours too.
  const names = port === 80 ? [LOOPBACK, 'localhost', `${LOOPBACK}:80`, 'localhost:80'] : [`${LOOPBACK}:${port}`, `localhost:${port}`];
  hosts = new Set(names);
  origins = new Set(names.map((n) => `http://${n}`));

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    host: bound.address,
    port,
    token,
    clients: () => wss.clients.size,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
