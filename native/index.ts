// Typed wrapper around the native copy engine (native/src, built by native/build.mjs).
//
// The addon is a Node-API module: the same binary loads in Node (serve mode, bin/ferry-cp, tests)
// and in Electron's main process without a rebuild. Arguments are validated here so the C++ side
// can trust them (sharp's habit). Everything the engine reports uses the contract's types.
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Attempt, ConflictPolicy, EntryType, Explanation, FileRecord, Method, WireError } from '../electron/contract.js';

export type { Attempt, EntryType, Explanation, FileRecord, Method, WireError };

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

/** One top-level pair: `src` is copied to exactly `dest` (cp's SOURCE/DEST resolution is done by the caller). */
export interface CopyPair {
  src: string;
  dest: string;
}

export interface JobSpec {
  pairs: CopyPair[];
  /** Copy directories recursively (cp -r). Without it a directory source is an error record. */
  recursive: boolean;
  /** 'auto' picks per file; a forced method that cannot apply fails that file with ENOTSUP-like error and leaves nothing. */
  method: 'auto' | Method;
  /** Keep times, owner (when root), xattrs, mode. */
  preserve: boolean;
  /** fsync each file before renaming it into place. */
  fsync: boolean;
  /** Worker threads for a tree's files (default: from core count). */
  threads: number;
  /** What to do when the destination exists. 'ask' raises a conflict event and waits for resolveConflict. */
  conflict: ConflictPolicy;
  /** Move instead of copy: rename(2) when on one filesystem, else copy then unlink each source after its copy is complete. */
  move: boolean;
  /** Walk the sources first to count files and bytes (for totals/ETA). */
  scan: boolean;
  /** Do not emit progress events at all (benchmarks measure their cost). */
  progress: boolean;
}

export interface ProgressEvent {
  type: 'progress';
  filesDone: number;
  bytesDone: number;
  /** Files currently being copied, with their bytes so far. */
  current: { src: string; dest: string; size: number; bytes: number; method: Method | null }[];
  paused: boolean;
}
export interface ScanEvent {
  type: 'scan';
  files: number;
  bytes: number;
  done: boolean;
}
export interface FilesEvent {
  type: 'files';
  records: FileRecord[];
}
export interface ConflictEvent {
  type: 'conflict';
  conflictId: number;
  src: string;
  dest: string;
  srcSize: number;
  srcMtimeMs: number;
  destSize: number;
  destMtimeMs: number;
}
export type EngineEvent = ProgressEvent | ScanEvent | FilesEvent | ConflictEvent;

export interface JobResult {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  cancelled: boolean;
}

export type ConflictDecision = 'overwrite' | 'skip' | 'rename' | 'newer' | 'cancel';

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

/** An Error shaped like Node's system errors: `CODE: message, syscall 'path' -> 'dest'`. */
export class EngineError extends Error {
  code: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  constructor(w: WireError) {
    super(w.message);
    this.name = 'EngineError';
    this.code = w.code;
    if (w.errno !== undefined) this.errno = w.errno;
    if (w.syscall !== undefined) this.syscall = w.syscall;
    if (w.path !== undefined) this.path = w.path;
    if (w.dest !== undefined) this.dest = w.dest;
  }
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
    if (err) reject(new EngineError(err));
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
