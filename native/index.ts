// Typed wrapper around the native copy engine (native/src, built by native/build.mjs).
//
// The addon is a Node-API module: the same binary loads in Node (serve mode, bin/ferry-cp, tests)
// and in Electron's main process without a rebuild. Arguments are validated here so the C++ side
// can trust them (sharp's habit). The record types it reports, and their predicates, live in types.ts.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from './errors.js';
import type { ConflictDecision, CopyPair, EngineEvent, Explanation, JobResult, JobSpec, Method, WireError } from './types.js';

export * from './types.js';
export { FerryError, toWireError } from './errors.js';

// Paths in records and events: names are bytes on Linux, JS strings are UTF-8. The engine writes
// each byte that is not part of valid UTF-8 as `\xNN` (upper-case hex) and, to stay lossless, a
// literal backslash that would read as such an escape as `\x5C`. `decodeEnginePath()` turns such a
// string back into the exact bytes (a Buffer usable as an fs path).
export function decodeEnginePath(p: string): Buffer {
  const out: Buffer[] = [];
  let last = 0;
  const re = /\\x([0-9A-Fa-f]{2})/g;
  for (let m = re.exec(p); m; m = re.exec(p)) {
    out.push(Buffer.from(p.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1]!, 16)]));
    last = m.index + m[0].length;
  }
  out.push(Buffer.from(p.slice(last), 'utf8'));
  return Buffer.concat(out);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = '0123456789ABCDEF';

/** Length of the valid UTF-8 sequence at `b[i]` (the engine's utf8_seq_len: no overlongs, surrogates, > U+10FFFF), 0 if invalid. */
function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let cp: number;
  if ((c & 0xe0) === 0xc0) [n, cp] = [2, c & 0x1f];
  else if ((c & 0xf0) === 0xe0) [n, cp] = [3, c & 0x0f];
  else if ((c & 0xf8) === 0xf0) [n, cp] = [4, c & 0x07];
  else return 0;
  if (b.length - i < n) return 0;
  for (let k = 1; k < n; k++) {
    if ((b[i + k]! & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b[i + k]! & 0x3f);
  }
  if ((n === 2 && cp < 0x80) || (n === 3 && cp < 0x800) || (n === 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return n;
}

const isHex = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/**
 * The inverse of `decodeEnginePath()`: a path (or name) as bytes, spelled the way the engine
 * spells record paths — valid UTF-8 as it is, every other byte as `\xNN`, and a backslash that
 * would read as such an escape as `\x5C` (native/src/util.cc escape_name). A string argument is
 * taken as UTF-8. `decodeEnginePath(encodeEnginePath(b))` equals `b` for any bytes.
 */
export function encodeEnginePath(bytes: Buffer | Uint8Array | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (!b.includes(0x5c)) {
    try {
      return strictUtf8.decode(b); // the common case: valid UTF-8 without a backslash
    } catch {
      /* spell it byte by byte */
    }
  }
  let out = '';
  let run = 0; // start of the pending run of valid UTF-8
  const flush = (end: number): void => {
    if (end > run) out += Buffer.from(b.buffer, b.byteOffset + run, end - run).toString('utf8');
  };
  for (let i = 0; i < b.length; ) {
    if (b[i] === 0x5c && b[i + 1] === 0x78 && isHex(b[i + 2]) && isHex(b[i + 3])) {
      flush(i);
      out += '\\x5C';
      run = ++i;
      continue;
    }
    const n = utf8SeqLen(b, i);
    if (n === 0) {
      flush(i);
      out += `\\x${HEX[b[i]! >> 4]}${HEX[b[i]! & 15]}`;
      run = ++i;
    } else i += n;
  }
  flush(b.length);
  return out;
}

/** Handle to a running native job. All controls are safe to call at any time, also after the end. */
export interface NativeJob {
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Abandon the file(s) being copied right now (their temps are removed); the job goes on. */
  skipCurrent(): void;
  resolveConflict(conflictId: number, decision: ConflictDecision, applyToAll: boolean): void;
}

interface Binding {
  startJob(spec: JobSpec, onEvents: (events: EngineEvent[]) => void, onDone: (err: WireError | null, result: JobResult) => void): NativeJob;
  explain(src: string, dest: string, method: string): Explanation;
  errnoName(errno: number): string;
}

let binding: Binding | null = null;
function load(): Binding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Works from the source tree (native/) and from the compiled tree (dist/native/).
  // FERRY_NATIVE_ADDON: an explicit build to load (e.g. the sanitizer build, see native/binding.gyp);
  // when it is set nothing else is tried, so a test never runs another build by mistake.
  const explicit = process.env.FERRY_NATIVE_ADDON;
  const candidates = explicit ? [path.resolve(explicit)] : [
    path.join(here, 'build', 'Release', 'ferry_engine.node'),
    path.join(here, '..', '..', 'native', 'build', 'Release', 'ferry_engine.node'),
    path.join((process as { resourcesPath?: string }).resourcesPath ?? '/nonexistent', 'app.asar.unpacked', 'native', 'build', 'Release', 'ferry_engine.node'),
  ];
  let lastErr: unknown = null;
  for (const c of candidates) {
    try {
      binding = require(c) as Binding;
      return binding;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new Error(
    `ferry: the native copy engine is not built (${String((lastErr as Error)?.message ?? lastErr)}). Run \`npm run build:native\`.`,
  );
}

/** Copy workers: two per core, 4..8. Small-file trees are bound by per-file syscalls and, with a
 * cold page cache, by read latency: more workers than cores keep reads in flight (measured on
 * 2 cores: 4 workers beat 2 with a cold or contended cache, and lose ~10% with a warm idle one). */
export const DEFAULT_THREADS = Math.max(4, Math.min(8, 2 * (os.availableParallelism?.() ?? 2)));

export interface StartOptions extends Partial<Omit<JobSpec, 'pairs'>> {
  onEvents?: (events: EngineEvent[]) => void;
}

export interface RunningJob extends NativeJob {
  readonly done: Promise<JobResult>;
}

/** Starts a native job. Events arrive batched and throttled (≤ 20 progress events/s). */
export function startJob(pairs: CopyPair[], opts: StartOptions = {}): RunningJob {
  for (const p of pairs) {
    if (typeof p.src !== 'string' || typeof p.dest !== 'string' || !p.src || !p.dest) throw new TypeError('pairs need src and dest strings');
    if (p.src.includes('\0') || p.dest.includes('\0')) throw new TypeError('paths must not contain NUL');
  }
  const spec: JobSpec = {
    pairs: pairs.map((p) => ({ src: p.src, dest: p.dest })),
    recursive: opts.recursive ?? false,
    method: opts.method ?? 'auto',
    preserve: opts.preserve ?? true,
    fsync: opts.fsync ?? false,
    threads: Math.max(1, Math.min(64, Math.floor(opts.threads ?? DEFAULT_THREADS))),
    conflict: opts.conflict ?? 'error',
    move: opts.move ?? false,
    scan: opts.scan ?? true,
    progress: opts.progress ?? true,
  };
  const onEvents = opts.onEvents ?? (() => {});
  let resolve!: (r: JobResult) => void;
  let reject!: (e: Error) => void;
  const done = new Promise<JobResult>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  const job = load().startJob(spec, onEvents, (err, result) => {
    if (err) reject(FerryError.from(err));
    else resolve(result);
  });
  return {
    done,
    pause: () => job.pause(),
    resume: () => job.resume(),
    cancel: () => job.cancel(),
    skipCurrent: () => job.skipCurrent(),
    resolveConflict: (id, d, all) => job.resolveConflict(id, d, all),
  };
}

/** Predicts the method for one pair without copying anything. */
export function explain(src: string, dest: string, method: 'auto' | Method = 'auto'): Explanation {
  return load().explain(src, dest, method);
}

export function errnoName(errno: number): string {
  return load().errnoName(errno);
}
