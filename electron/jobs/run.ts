// Running one job: scanning (the plan) → running (one native engine job per run) → verifying →
// flushing → done / failed / cancelled (or interrupted, when Ferry shuts down). The engine's
// batched events become the job's current files, counters and records; its conflicts are decided
// by the run's rules or sent to the user at once.
import { fsp } from '../../native/user-fs.js';
import type { ConflictInfo, Emit, JobFileRecord as FileRecord, WireError } from '../contract.js';
import { decodeEnginePath, type ConflictEvent, type EngineEvent, type FlushResult, type RunningJob } from '../../native/index.js';
import type * as native from '../../native/index.js';
import { errorDescription, FerryError, toWireError } from '../../native/errors.js';
import type { Job } from './job.js';
import type { LogStore } from './log-store.js';
import { incompleteFolders } from './partials.js';
import { plan, topPairs, type Run } from './planner.js';
import { queueRecord, removeEmptiedFolders } from './recovery.js';
import { incompleteRun, partialError } from './summary.js';
import { destKey, movedByRename } from './tally.js';
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

/** The ids the engine accepts as a job's tag (JobSpec.tag). */
const ENGINE_TAG = /^[A-Za-z0-9_-]{1,64}$/;

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
  // The engine's checked final flush of each run: what it could not make durable (after the
  // verifier, whose record of such a file must not stand).
  const flushes: FlushResult[] = [];
  try {
    const { runs, records } = await plan(job, { logs: deps.logs, scan: deps.engine.scan, changed: deps.changed });
    for (const r of records) job.finish(r); // counted by the plan already
    job.runStartCopied = job.tally.bytesCopied;
    for (const run of runs) {
      if (job.cancelRequested) break;
      job.phase('running');
      const flush = await runEngine(job, run, deps);
      if (flush) flushes.push(flush);
    }
    if (job.verifier.busy) {
      job.phase('verifying');
      await job.verifier.idle();
    }
    if (s.kind === 'move' && !job.cancelRequested) await removeEmptiedFolders(job.mode === 'retry' ? job.retryPairs : topPairs(s.sources, s.destDir));
    job.flushLog();
    if (!job.cancelRequested) {
      job.phase('flushing');
      const t0 = Date.now();
      await deps.logs.flush(s.id);
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
  for (const f of flushes) {
    if (f.ok || !f.error) continue;
    await markNotOnDisk(job, f.error, f.notOnDisk, deps.logs);
    s.error ??= f.error;
  }
  job.clock.stop(Date.now());
  s.activeMs = job.clock.ms(Date.now());
  s.runBytesMoved = Math.max(0, job.tally.bytesCopied - job.runStartCopied);
  job.current = [];
  job.engine = null;
  job.conflicts.clear();
  job.paused = false;
  job.syncTally();
  if (!job.shutdown && !job.cancelRequested) {
    if (!s.error && incompleteRun(job.tally, s.filesTotal)) s.error = partialError(job.tally, s.filesTotal);
    // The job's own failure is a record too: "Errors only" in the log shows why it failed.
    if (s.error) job.finish(jobRecord(job, s.error));
  }
  // Folders left missing entries under their final names: the pane marks them, the queue offers removal.
  s.partial = s.error || job.cancelRequested || job.shutdown ? await stillThere(incompleteFolders(job.live.folders)) : [];
  job.flushLog();
  await deps.logs.closeJob(s.id);
  if (job.shutdown) {
    job.setState('interrupted');
    return;
  }
  s.finishedAt = Date.now();
  if (job.cancelRequested) job.setState('cancelled');
  else if (s.error) job.setState('failed');
  else job.setState('done');
}

async function stillThere(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) if (await fsp.lstat(decodeEnginePath(p)).then((st) => st.isDirectory(), () => false)) out.push(p);
  return out;
}

/** The log record of a job-level failure (it counts in no tally). */
export function jobRecord(job: Job, error: WireError): FileRecord {
  return { ...queueRecord(job.s.sources[0] ?? job.s.destDir, job.s.destDir, 'dir', { ok: false, error }), scope: 'job' };
}

/**
 * A run's final flush failed (`err`): the entries the engine names in `notOnDisk` are not known to
 * be on disk. Each one this job reported done (or verified) becomes a failure that says so.
 */
async function markNotOnDisk(job: Job, err: WireError, notOnDisk: readonly string[], logs: LogStore): Promise<void> {
  if (notOnDisk.length === 0) return;
  const why = errorDescription(err);
  const wanted = new Set(notOnDisk);
  // The live tally keeps counters, not records: the full records are read back from the log
  // (flushed first), the last one per destination being the one counted.
  job.flushLog();
  await logs.flush(job.s.id);
  const last = new Map<string, FileRecord>();
  for await (const r of logs.stream(job.s.id)) if (r.scope !== 'job' && wanted.has(r.dest)) last.set(r.dest, r);
  const bad: FileRecord[] = [];
  for (const [dest, r] of last) {
    const counted = job.live.get(dest);
    if (!counted || !counted.ok || counted.skipped) continue;
    const error = toWireError(new FerryError(err.code, `not known to be on disk: the final flush failed (${why})`, { errno: err.errno, syscall: err.syscall ?? 'syncfs', path: r.dest }));
    bad.push({ ...r, ok: false, error, ...(r.verified ? { verified: null } : {}) }); // append gives it its own time and seq
    if (bad.length >= 1000) flushBad(job, bad);
  }
  flushBad(job, bad);
}

function flushBad(job: Job, bad: FileRecord[]): void {
  for (const r of bad) {
    job.live.add(r);
    job.finish(r);
  }
  bad.length = 0;
  job.flushLog();
}

/** One engine job for `run`; resolves with its final flush's answer. */
function runEngine(job: Job, run: Run, deps: RunDeps): Promise<FlushResult | undefined> {
  const o = job.s.options;
  return new Promise<FlushResult | undefined>((resolve, reject) => {
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
        flush: true, // syncfs each destination filesystem at the end, checked (JobResult.flush)
        tag: ENGINE_TAG.test(job.s.id) ? job.s.id : '', // on the hidden folders it builds: findTemps() names the job
        unfit: o.unfit ?? 'fail',
        mapNames: o.mapNames ?? false,
        followLinks: o.followLinks ?? false,
        // Backpressure is the engine's: it holds its workers while the records it handed over
        // and this thread has not taken reach a bound (native/src/reporter.h), so a job of many
        // small files runs at the pace this thread records it, in bounded memory.
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
        resolve(r.flush);
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
        break; // the planner's survey counted (engine jobs run with scan: false)
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
  } else if (r.skipped && run.adopted.has(r.dest)) {
    r = { ...r, ok: true, skipped: false, warnings: [...r.warnings, 'already complete at the destination (copied before the interruption)'] };
  }
  job.live.add(r);
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
