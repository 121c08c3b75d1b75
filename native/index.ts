// Typed wrapper around the native copy engine (native/src, built by native/build.mjs).
//
// The addon is a Node-API module: the same binary loads in Node (serve mode, bin/ferry-cp, tests)
// and in Electron's main process without a rebuild. Arguments are validated here so the C++ side
// can trust them (sharp's habit). The record types it reports, and their predicates, live in types.ts.
import { existsSync } from 'node:fs';
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

/**
 * Where the addon may be, in order. The packaged Electron app (Electron without `defaultApp`)
 * loads only its own copy beside the asar, and ignores FERRY_NATIVE_ADDON: an environment variable
 * must not load arbitrary code into an installed app. Elsewhere FERRY_NATIVE_ADDON names the one
 * build to load (e.g. the sanitizer build, see native/binding.gyp), so a test never runs another
 * build by mistake; without it, the source tree's build (from native/ or from dist/native/).
 */
export function addonCandidates(here: string, env: NodeJS.ProcessEnv = process.env, proc: { resourcesPath?: string; defaultApp?: boolean } = process as { resourcesPath?: string; defaultApp?: boolean }): string[] {
  if (proc.resourcesPath && !proc.defaultApp) return [path.join(proc.resourcesPath, 'app.asar.unpacked', 'native', 'build', 'Release', 'ferry_engine.node')];
  if (env.FERRY_NATIVE_ADDON) return [path.resolve(env.FERRY_NATIVE_ADDON)];
  return [path.join(here, 'build', 'Release', 'ferry_engine.node'), path.join(here, '..', '..', 'native', 'build', 'Release', 'ferry_engine.node')];
}

function load(): Binding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  const candidates = addonCandidates(path.dirname(fileURLToPath(import.meta.url)));
  // A build that exists but does not load (say, built against a newer glibc than this system's)
  // is reported with the loader's own words, not hidden behind a later "not found".
  let failure: { file: string; error: unknown } | null = null;
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    try {
      binding = require(c) as Binding;
      return binding;
    } catch (e) {
      failure ??= { file: c, error: e };
    }
  }
  if (failure) {
    throw new Error(`ferry: cannot load the native copy engine ${failure.file}: ${String((failure.error as Error)?.message ?? failure.error)}`);
  }
  throw new Error(`ferry: the native copy engine is not built (no ${candidates.join(' or ')}). Run \`npm run build:native\`.`);
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
