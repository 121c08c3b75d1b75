// Errors thrown by the job service carry Node's system-error fields (`code`, `syscall`, `path`,
// `dest`) so the request layer can serialise them as a WireError.

export class JobError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  constructor(code: string, message: string, extra: { errno?: number; syscall?: string; path?: string; dest?: string } = {}) {
    super(message);
    this.name = 'JobError';
    this.code = code;
    if (extra.errno !== undefined) this.errno = extra.errno;
    if (extra.syscall !== undefined) this.syscall = extra.syscall;
    if (extra.path !== undefined) this.path = extra.path;
    if (extra.dest !== undefined) this.dest = extra.dest;
  }
}

/** Any thrown value as a WireError (keeps the Node fields when present). */
export { toWireError as toWire } from '../errors.js';

/** 1536 → "1.5 KiB". */
export function fmtBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
