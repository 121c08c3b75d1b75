// Paths as they cross the contract, and file-system errors about them. On the wire a path is
// spelled the way the engine spells record paths (native/index.ts): a byte that is not part of
// valid UTF-8 as `\xNN`, a backslash that would read as such an escape as `\x5C`. Main decodes a
// path to its exact bytes before any file-system call, and names it in errors as it was sent.
import { getSystemErrorMap } from 'node:util';
import type { EntryType, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import { decodeEnginePath } from '../native/index.js';
import type { fs } from '../native/user-fs.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A wire path's exact bytes (what the file system gets). */
export const bytesOf = decodeEnginePath;

/** A wire path as the UTF-8 text that APIs taking only strings need, or null when a name in it is not UTF-8. */
export function textOf(wire: string): string | null {
  try {
    return utf8.decode(decodeEnginePath(wire));
  } catch {
    return null;
  }
}

/** `dir/name` as bytes: names that are not UTF-8 stay exact. */
export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from('/'), name]);
}

/**
 * A Node fs error about a path the call got as bytes, in Ferry's shape, naming the path (and the
 * destination) as the wire spells them: `ENOENT: no such file or directory, lstat '/a/b\xFF'`.
 */
export function fsError(e: unknown, syscall: string, wire: string, dest?: string): FerryError {
  const x = (e ?? {}) as NodeJS.ErrnoException;
  const code = typeof x.code === 'string' && x.code ? x.code : 'EIO';
  const errno = typeof x.errno === 'number' ? x.errno : undefined;
  const description = (errno !== undefined ? getSystemErrorMap().get(errno)?.[1] : undefined) ?? x.message ?? String(e);
  return new FerryError(code, description, { errno, syscall: x.syscall ?? syscall, path: wire, dest });
}

/** The same as plain data (a record's `error`). */
export function fsFailure(e: unknown, syscall: string, wire: string, dest?: string): WireError {
  return toWireError(fsError(e, syscall, wire, dest));
}

export function entryType(st: fs.Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'socket';
}
