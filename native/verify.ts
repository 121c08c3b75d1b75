// Verification, one for every caller (ferry-cp --verify, jobs with verify on): re-read the source
// and the copy, stream both through xxHash64 (xxhash-wasm) and compare. Plain Node, no Electron.
//
// The answer keeps three outcomes apart, because they mean different things to the user:
//   equal       the copy reads back as the source;
//   different   both were read to the end and their contents differ (EVERIFY);
//   unreadable  one of them could not be read: nothing is known about the copy, and the error
//               (Node's shape, naming the file that failed) says why. Never reported as "differs".
// A fourth, cancelled, comes only from the caller's `gate` (a job being cancelled).
//
// The copy is read from the device, not from the page cache that the copy itself filled: its data
// is made durable first (fdatasync) and its cached pages dropped (dropCache()). A write-back that
// failed then shows as an fdatasync error or as data that differs, never as "equal".
import { fsp } from './user-fs.js';
import { getSystemErrorMap } from 'node:util';
import xxhash from 'xxhash-wasm';
import { formatErrorMessage } from './errors.js';
import { dropCache } from './index.js';
import type { WireError } from './types.js';

type Api = Awaited<ReturnType<typeof xxhash>>;
let api: Promise<Api> | null = null;

const CHUNK = 1 << 20;

export interface VerifyControl {
  /** Resolves when the caller may go on (a paused job holds here); true means cancelled. */
  gate?: () => Promise<boolean>;
  /** Called with the bytes of each chunk read, from either file. */
  onBytes?: (n: number) => void;
}

/** A verification that did not find the copy equal: the error fields plus how it ended. */
export type VerifyFailure = WireError & { ok: false } & (
    | { outcome: 'different'; mismatch: true }
    | { outcome: 'unreadable' | 'cancelled'; mismatch: false }
  );
export type VerifyResult = { ok: true; outcome: 'equal' } | VerifyFailure;

/**
 * xxh64 of a whole file, read in 1 MiB chunks until read() returns 0 (st_size is not trusted).
 * Returns null when the gate says cancelled. Throws the open/read error.
 */
export async function xxh64File(file: string | Buffer, ctl: VerifyControl = {}): Promise<bigint | null> {
  api ??= xxhash();
  const h = (await api).create64();
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      if (ctl.gate && (await ctl.gate())) return null;
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      ctl.onBytes?.(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return h.digest();
}

/**
 * Compares source and copy. `srcName`/`destName` are how messages spell the two (the paths may be
 * Buffers holding bytes that are not UTF-8). Both files are read at once; the answer comes when
 * both reads have ended, so no read is left running behind it.
 */
export async function verifyPair(
  src: string | Buffer,
  dest: string | Buffer,
  srcName = String(src),
  destName = String(dest),
  ctl: VerifyControl = {},
): Promise<VerifyResult> {
  const [a, b] = await Promise.allSettled([xxh64File(src, ctl), fromDevice(dest).then(() => xxh64File(dest, ctl))]);
  const where = { syscall: 'verify', path: srcName, dest: destName };
  if (a.status === 'rejected') return unreadable(a.reason, 'source', srcName);
  if (b.status === 'rejected') return unreadable(b.reason, 'copy', destName);
  if (a.value === null || b.value === null) {
    return { ok: false, outcome: 'cancelled', mismatch: false, code: 'ECANCELED', message: formatErrorMessage('ECANCELED', 'verification cancelled', where), ...where };
  }
  if (a.value === b.value) return { ok: true, outcome: 'equal' };
  const description = `copy differs from source (xxh64 ${a.value.toString(16)} != ${b.value.toString(16)})`;
  return { ok: false, outcome: 'different', mismatch: true, code: 'EVERIFY', message: formatErrorMessage('EVERIFY', description, where), ...where };
}

/** The copy's data durable and out of the page cache, so that reading it reads the device. */
function fromDevice(dest: string | Buffer): Promise<void> {
  return dropCache(dest);
}

/** A read error as the user should see it: which file could not be read back, and why. */
function unreadable(e: unknown, which: 'source' | 'copy', name: string): VerifyFailure {
  const x = (e ?? {}) as NodeJS.ErrnoException;
  const code = typeof x.code === 'string' && x.code ? x.code : 'EIO';
  const errno = typeof x.errno === 'number' ? x.errno : undefined;
  const why = (errno !== undefined ? getSystemErrorMap().get(errno)?.[1] : undefined) ?? x.message ?? String(e);
  const fields = { errno, syscall: x.syscall ?? 'read', path: name };
  return {
    ok: false,
    outcome: 'unreadable',
    mismatch: false,
    code,
    message: formatErrorMessage(code, fields.syscall === 'fdatasync' ? `the ${which} could not be written to the device (${why})` : `cannot read the ${which} back to verify it (${why})`, fields),
    ...(errno !== undefined ? { errno } : {}),
    syscall: fields.syscall,
    path: name,
  };
}
