// The renderer's origin: `app://ferry/`, a privileged custom scheme served from the built renderer
// folder (Electron's security checklist, item "Use a custom protocol instead of file://").
//
// On file:// a response-header CSP does not apply and `'self'` covers every local file. Here every
// response carries Ferry's own strict CSP header, `'self'` means only app://ferry, and a request
// outside the renderer folder (`..`, encoded or not) gets 404. The files are read with `node:fs`,
// which in the packaged app reads them from inside app.asar.
import fs from 'node:fs/promises';
import path from 'node:path';
import type * as Electron from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'ferry';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_PAGE = `${APP_ORIGIN}/index.html`;

/** The page's policy: nothing but our own origin; no network, no plugins, no framing. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Registered before `ready` (Electron requires it): a standard, secure origin with fetch. */
export const APP_SCHEME_PRIVILEGES: Electron.CustomScheme = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, codeCache: true },
};

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.webp': 'image/webp',
};

/** True when a URL is our own renderer page (any query or fragment). */
export function isOwnPage(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST && u.pathname === '/index.html';
  } catch {
    return false;
  }
}

function notFound(): Response {
  return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Security-Policy': CSP } });
}

/** The file inside `root` a request names, or null when it names anything else. */
export function fileForRequest(root: string, url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + rel);
  return file.startsWith(base + path.sep) ? file : null;
}

/** The `protocol.handle` handler serving `root` (the built renderer folder). */
export function appProtocolHandler(root: string): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers: { 'Content-Security-Policy': CSP } });
    const file = fileForRequest(root, req.url);
    if (!file) return notFound();
    let body: Buffer;
    try {
      body = await fs.readFile(file);
    } catch {
      return notFound();
    }
    const headers = {
      'Content-Type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Content-Security-Policy': CSP,
      'X-Content-Type-Options': 'nosniff',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
    };
    return new Response(req.method === 'HEAD' ? null : new Uint8Array(body), { status: 200, headers });
  };
}
