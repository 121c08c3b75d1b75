// Ferry's one error type and its one converter.
//
// Every failure Ferry reports, whether the engine met it (native/src/util.cc writes the same
// shape), Node's fs raised it, or Ferry detected it itself, has Node's system-error shape:
//   message `CODE: description, syscall 'path' -> 'dest'`, with `code`, `errno`, `syscall`, `path`,
//   `dest` as fields.
// `FerryError` is that shape as an Error; `toWireError()` turns anything thrown into the plain
// `WireError` that crosses IPC and the WebSocket (IPC would keep only `message`); `FerryError.from()`
// turns a `WireError` back into an Error on the other side. This module imports nothing: it runs in
// Node, in Electron's main process and in the renderer.
import type { WireError } from './types.js';

export interface ErrorFields {
  errno?: number | undefined;
  syscall?: string | undefined;
  path?: string | undefined;
  dest?: string | undefined;
}

/** Node's message layout: `CODE: description, syscall 'path' -> 'dest'` (the parts that exist). */
export function formatErrorMessage(code: string, description: string, f: ErrorFields = {}): string {
  let m = `${code}: ${description}`;
  if (f.syscall) m += `, ${f.syscall}`;
  if (f.path !== undefined) m += `${f.syscall ? ' ' : ', '}'${f.path}'`;
  if (f.dest !== undefined) m += ` -> '${f.dest}'`;
  return m;
}

export class FerryError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;

  /**
   * `description` is the human part ("no space left on device"); the message gets Node's layout.
   * For a message that is already complete (one that came over the wire), use `FerryError.from()`.
   */
  constructor(code: string, description: string, fields: ErrorFields = {}) {
    super(formatErrorMessage(code, description, fields));
    this.name = 'FerryError';
    this.code = code;
    if (fields.errno !== undefined) this.errno = fields.errno;
    if (fields.syscall !== undefined) this.syscall = fields.syscall;
    if (fields.path !== undefined) this.path = fields.path;
    if (fields.dest !== undefined) this.dest = fields.dest;
  }

  /** An Error for a wire error, keeping its message as it is. */
  static from(w: WireError): FerryError {
    const e = new FerryError(w.code, '', w);
    e.message = w.message;
    return e;
  }
}

/** Any thrown value as a WireError (keeps Node's fields when present; never throws). */
export function toWireError(e: unknown): WireError {
  if (e && typeof e === 'object') {
    let o: { code?: unknown; message?: unknown; errno?: unknown; syscall?: unknown; path?: unknown; dest?: unknown; side?: unknown };
    try {
      o = e as typeof o;
      const w: WireError = {
        code: typeof o.code === 'string' && o.code ? o.code : 'EINTERNAL',
        message: typeof o.message === 'string' ? o.message : String(e),
      };
      if (typeof o.errno === 'number') w.errno = o.errno;
      if (typeof o.syscall === 'string') w.syscall = o.syscall;
      if (typeof o.path === 'string') w.path = o.path;
      if (typeof o.dest === 'string') w.dest = o.dest;
      if (o.side === 'source' || o.side === 'destination') w.side = o.side;
      return w;
    } catch {
      return { code: 'EINTERNAL', message: 'unreadable error' };
    }
  }
  return { code: 'EINTERNAL', message: String(e) };
}

/** The description without the leading `CODE: ` (for sentences that name the code elsewhere). */
export function errorDescription(w: Pick<WireError, 'code' | 'message'>): string {
  return w.message.startsWith(`${w.code}: `) ? w.message.slice(w.code.length + 2) : w.message;
}
