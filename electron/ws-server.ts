// Serve mode's transport: the built renderer over HTTP and the contract over a WebSocket, on the
// loopback interface only, guarded by a random per-launch token.
//
// - Every request must name this server in its Host header (127.0.0.1:PORT or localhost:PORT),
//   which defeats DNS rebinding.
// - The page needs ?token=T; it then gets an HttpOnly SameSite=Strict cookie for its assets.
//   Missing token → 401, wrong token → 403.
// - The socket (/ws) needs the token too, and an Origin equal to this server's own origin; a
//   foreign Origin is refused with 403 before the upgrade.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventName, Events, WsMessage } from './contract.js';
import { dispatch } from './handlers.js';
import type { Services } from './services.js';

export const LOOPBACK = '127.0.0.1';
const COOKIE = 'ferry_token';
const MAX_MESSAGE = 32 * 1024 * 1024;

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

export interface ServerOptions {
  services: Services;
  rendererDir: string;
  port: number;
  /** Fixed token for tests; a random one otherwise. */
  token?: string;
}

export interface RunningServer {
  url: string;
  /** The address the listening socket is bound to (always 127.0.0.1). */
  host: string;
  port: number;
  token: string;
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

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const token = opts.token ?? newToken();
  const rendererDir = path.resolve(opts.rendererDir);
  const indexFile = path.join(rendererDir, 'index.html');
  if (!fs.existsSync(indexFile)) throw new Error(`ferry: the renderer is not built (${indexFile} missing). Run \`npm run build\`.`);
  let port = 0;

  const allowedHosts = () => new Set([`${LOOPBACK}:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://${LOOPBACK}:${port}`, `http://localhost:${port}`]);

  function refuse(res: http.ServerResponse, status: number, text: string) {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(`${text}\n`);
  }

  const server = http.createServer((req, res) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Forbidden: unknown Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method Not Allowed');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (given === null) return refuse(res, 401, 'Unauthorized: open the URL printed by `npm run serve` (it carries ?token=)');
    if (!sameToken(given, token)) return refuse(res, 403, 'Forbidden: wrong token');

    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return refuse(res, 400, 'Bad Request');
    }
    if (rel === '/' || rel === '') rel = '/index.html';
    const file = path.resolve(rendererDir, '.' + rel);
    if (file !== rendererDir && !file.startsWith(rendererDir + path.sep)) return refuse(res, 404, 'Not Found');
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
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });

  function reject(socket: Socket, status: number, text: string) {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    socket.destroy();
  }

  server.on('upgrade', (req, socket: Socket, head) => {
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(socket, 403, 'Forbidden');
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`);
    if (url.pathname !== '/ws') return reject(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins().has(origin)) return reject(socket, 403, 'Forbidden');
    const given = url.searchParams.get('token') ?? cookieToken(req);
    if (given === null) return reject(socket, 401, 'Unauthorized');
    if (!sameToken(given, token)) return reject(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  function attach(ws: WebSocket) {
    const send = (msg: WsMessage) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
    };
    const detach = opts.services.addSink(<E extends EventName>(event: E, payload: Events[E]) => send({ kind: 'event', event, payload }));
    ws.on('close', detach);
    ws.on('error', detach);
    ws.on('message', (data, isBinary) => {
      let msg: unknown;
      try {
        msg = isBinary ? undefined : JSON.parse(data.toString());
      } catch {
        msg = undefined;
      }
      const m = msg as { id?: unknown; method?: unknown; params?: unknown } | undefined;
      if (!m || typeof m !== 'object' || typeof m.id !== 'number' || !Number.isSafeInteger(m.id)) {
        send({ kind: 'reply', id: -1, ok: false, error: { code: 'EBADREQUEST', message: 'malformed message: expected {id, method, params}' } });
        return;
      }
      const id = m.id;
      void dispatch(opts.services.handlers, m.method, m.params, { transport: 'ws' }).then((reply) => send({ kind: 'reply', id, ...reply }));
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, LOOPBACK, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  port = bound.port;

  return {
    url: `http://${LOOPBACK}:${port}/?token=${token}`,
    host: bound.address,
    port,
    token,
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
