// Running one job: scanning (the plan) → running (one native engine job per run) → verifying →
// flushing → done / failed / cancelled (or interrupted, when Ferry shuts down). The engine's
// batched events become the job's current files, counters and records; its conflicts are decided
// by the run's rules or sent to the user at once.
import { execFile } from 'node:child_process';
import { fsp } from '../../native/user-fs.js';
import type { ConflictInfo, Emit, JobFileRecord as FileRecord, LogRecord } from '../contract.js';
import type * as native from '../../native/index.js';
import type { ConflictEvent, EngineEvent, RunningJob } from '../../native/index.js';
import { toWireError } from '../../native/errors.js';
import type { Job } from './job.js';
import type { LogStore } from './log-store.js';
import { plan, type Run } from './planner.js';
import { partialError } from './summary.js';
import { count } from './tally.js';
import { wantsVerify } from './verifier.js';

/** The engine functions the service uses (injectable for tests). */
export interface EngineApi {
  startJob: typeof native.startJob;
  explain: typeof native.explain;
  scan: typeof native.scan;
}

export interface RunDeps {
  engine: EngineApi;
  logs: LogStore;
  emit: Emit;
  /** Engine worker threads (a setting: read at each engine start). */
  threads: () => number;
  changed: () => void;
}

/** The queue shows at most this many files in flight per job. */
const MAX_CURRENT = 32;

export async function runJob(job: Job, deps: RunDeps): Promise<void> {
  const s = job.s;
  s.startedAt ??= Date.now();
  s.finishedAt = null;
  s.error = null;
  s.warnings = [];
  job.cancelRequested = false;
  job.shutdown = false;
  job.applyAll = null;
  job.meter.reset();
  job.verifier.reset();
  job.clock.start(Date.now());
  if (job.paused) job.clock.pause(Date.now());
  job.conflictsExpected = 0;
  job.conflictsRaised = 0;
  job.lastMoving = -1;
  job.setState('scanning');
  try {
    const runs = await plan(job, { logs: deps.logs, scan: deps.engine.scan, changed: deps.changed });
    job.runStartCopied = job.tally.bytesCopied;
    for (const run of runs) {
      if (job.cancelRequested) break;
      job.phase('running');
      await runEngine(job, run, deps);
    }
    if (job.verifier.busy) {
      job.phase('verifying');
      await job.verifier.idle();
    }
    for (const run of runs) if (run.deleteAfterVerify && !job.cancelRequested) await removeEmptySourceDirs(run, deps.logs.cached(s.id) ?? []);
    job.flushLog();
    if (!job.cancelRequested) {
      job.phase('flushing');
      const t0 = Date.now();
      await deps.logs.flush(s.id);
      await syncfs(s.destDir);
      s.flushMs += Date.now() - t0;
    }
  } catch (e) {
    s.error = toWireError(e);
    // Files already copied are still verified, and logged, before the job ends.
    if (job.verifier.busy) {
      job.phase('verifying');
      await job.verifier.idle();
    }
  }
  job.flushLog();
  await deps.logs.closeJob(s.id);
  job.clock.stop(Date.now());
  s.activeMs = job.clock.ms(Date.now());
  s.runBytesMoved = Math.max(0, job.tally.bytesCopied - job.runStartCopied);
  job.current = [];
  job.engine = null;
  job.conflicts.clear();
  job.paused = false;
  job.syncTally();
  if (job.shutdown) {
    job.setState('interrupted');
    return;
  }
  s.finishedAt = Date.now();
  if (job.cancelRequested) job.setState('cancelled');
  else if (s.error) job.setState('failed');
  else if (job.tally.filesFailed > 0) {
    s.error = partialError(job.tally, s.filesTotal);
    job.setState('failed');
  } else job.setState('done');
}

function runEngine(job: Job, run: Run, deps: RunDeps): Promise<void> {
  const o = job.s.options;
  return new Promise<void>((resolve, reject) => {
    let h: RunningJob;
    try {
      h = deps.engine.startJob(run.pairs, {
        recursive: true,
        scan: false, // the planner's survey counted already (one walk)
        progress: true,
        method: o.method,
        preserve: o.preserve,
        fsync: o.fsync,
        threads: deps.threads(),
        conflict: run.conflict,
        move: run.move,
        unfit: o.unfit ?? 'fail',
        mapNames: o.mapNames ?? false,
        followLinks: o.followLinks ?? false,
        onEvents: (evs) => onEvents(job, run, evs, deps),
      });
    } catch (e) {
      reject(e);
      return;
    }
    job.engine = h;
    job.verifier.runStarted(run);
    if (job.paused) h.pause();
    if (job.cancelRequested) h.cancel();
    const end = (): void => {
      job.engine = null;
      job.current = [];
      job.verifier.runEnded(run);
      job.flushLog();
    };
    h.done.then(
      (r) => {
        // Said once per job (a foreign destination's lost metadata, items left behind).
        for (const w of r.warnings ?? []) if (!job.s.warnings?.includes(w)) (job.s.warnings ??= []).push(w);
        end();
        resolve();
      },
      (e: unknown) => {
        end();
        reject(e);
      },
    );
  });
}

function onEvents(job: Job, run: Run, evs: EngineEvent[], deps: RunDeps): void {
  for (const e of evs) {
    switch (e.type) {
      case 'progress':
        job.current = e.current.slice(0, MAX_CURRENT).map((c) => ({ src: c.src, dest: c.dest, size: c.size, bytes: c.bytes, method: c.method }));
        break;
      case 'scan':
        break; // totals come from the planner's measurement (same counting as the records)
      case 'files':
        for (const r of e.records) onRecord(job, run, r);
        break;
      case 'conflict':
        onConflict(job, run, e, deps.emit);
        break;
    }
  }
  let moving = job.tally.bytesCopied;
  for (const c of job.current) if (c.method !== 'reflink') moving += c.bytes;
  if (!job.paused) job.meter.sample(moving);
  // Bytes moved or entries finished: work, also while a question waits for its answer.
  if (moving !== job.lastMoving || evs.some((e) => e.type === 'files')) job.clock.progress(Date.now());
  job.lastMoving = moving;
  job.flushLog();
  deps.changed();
}

function onRecord(job: Job, run: Run, r0: FileRecord): void {
  if (r0.skipped && run.suppress.has(r0.dest)) return; // finished in an earlier run: not news
  let r = r0;
  if (r.skipped && run.asError.has(r.dest)) {
    r = { ...r, ok: false, skipped: false, error: { code: 'EEXIST', message: `destination exists: ${r.dest}`, path: r.dest } };
  }
  count(job.tally, r, 1);
  if (wantsVerify(job.s.options, run, r)) job.verifier.add(r, run);
  else job.finish(r);
}

function onConflict(job: Job, run: Run, e: ConflictEvent, emit: Emit): void {
  job.conflictsRaised++;
  const decided = run.auto?.(e) ?? job.applyAll;
  if (decided) {
    job.engine?.resolveConflict(e.conflictId, decided, false);
    return;
  }
  const info: ConflictInfo = {
    jobId: job.s.id,
    conflictId: e.conflictId,
    src: e.src,
    dest: e.dest,
    srcSize: e.srcSize,
    srcMtimeMs: e.srcMtimeMs,
    destSize: e.destSize,
    destMtimeMs: e.destMtimeMs,
  };
  job.conflicts.set(e.conflictId, info);
  job.clock.waitStart(Date.now());
  emit('job.conflict', info);
}

/** After a verified cross-filesystem move: remove the source directories the move emptied. */
async function removeEmptySourceDirs(run: Run, records: readonly LogRecord[]): Promise<void> {
  const dirs = new Set<string>();
  for (const r of records) if (r.type === 'dir' && r.ok && run.pairs.some((p) => r.src === p.src || r.src.startsWith(p.src + '/'))) dirs.add(r.src);
  for (const p of run.pairs) dirs.add(p.src);
  const sorted = [...dirs].sort((a, b) => b.split('/').length - a.split('/').length);
  for (const d of sorted) {
    try {
      await fsp.rmdir(d);
    } catch {
      /* not empty (a failed file stays with its directory) or not a directory */
    }
  }
}

/** syncfs(2) on the destination's filesystem (coreutils `sync -f`): 'flushing' until data is durable. */
function syncfs(dir: string): Promise<void> {
  return new Promise((resolve) => {
    execFile('sync', ['-f', dir], { timeout: 10 * 60_000 }, () => resolve());
  });
}
