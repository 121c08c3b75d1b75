// Errors cross the boundary as plain objects with Node's fields (IPC would keep only `message`).
import type { WireError } from './contract.js';

export function toWireError(e: unknown): WireError {
  if (e && typeof e === 'object') {
    const o = e as { code?: unknown; message?: unknown; errno?: unknown; syscall?: unknown; path?: unknown; dest?: unknown };
    const w: WireError = {
      code: typeof o.code === 'string' ? o.code : 'EINTERNAL',
      message: typeof o.message === 'string' ? o.message : String(e),
    };
    if (typeof o.errno === 'number') w.errno = o.errno;
    if (typeof o.syscall === 'string') w.syscall = o.syscall;
    if (typeof o.path === 'string') w.path = o.path;
    if (typeof o.dest === 'string') w.dest = o.dest;
    return w;
  }
  return { code: 'EINTERNAL', message: String(e) };
}

/** An Error with Node's system-error fields, for failures detected by Ferry itself. */
export class FerryError extends Error {
  code: string;
  path?: string;
  dest?: string;
  syscall?: string;
  constructor(code: string, message: string, extra: { path?: string; dest?: string; syscall?: string } = {}) {
    super(`${code}: ${message}`);
    this.code = code;
    if (extra.path !== undefined) this.path = extra.path;
    if (extra.dest !== undefined) this.dest = extra.dest;
    if (extra.syscall !== undefined) this.syscall = extra.syscall;
  }
}
