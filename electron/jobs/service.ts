// Ferry's transfer queue: every copy/move is a job that runs one native engine job (or, for a
// verified move across filesystems, a copy whose sources are deleted after verification).
//
// Scheduling: jobs whose destination is on the same device (st_dev of destDir) run one after
// another; jobs on different devices run in parallel, at most `maxParallelDevices` at a time.
// Persistence: the queue is journaled (journal.ts), each finished entry is logged (log-store.ts);
// after a crash, unfinished jobs come back as 'interrupted' and 'resume' continues them without
// copying finished files again. Events to the renderer are throttled to a fixed tick (≤ 30 msg/s
// in total, whatever the file count): one `job.updated` with every job's summary, plus at most a
// few `job.files` batches per tick. Conflicts are sent at once (they wait for a human anyway).
//
// This module runs in Electron's main process and in serve mode under plain Node: no `electron`.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fs, fsp } from '../user-fs.js';
import path from 'node:path';
import { ACTIVE_STATES, FINISHED_STATES } from '../contract.js';
import type {
  ConflictInfo,
  ConflictPolicy,
  CopyOptions,
  CurrentFile,
  Emit,
  JobFileRecord as FileRecord,
  JobState,
  JobSummary,
  LogRecord,
  Results,
  ValidParams,
} from '../contract.js';
import * as native from '../../native/index.js';
import type { ConflictDecision, ConflictEvent, CopyPair, EngineEvent, RunningJob } from '../../native/index.js';
import { FerryError, toWireError as toWire } from '../../native/errors.js';
import { formatSize as fmtBytes } from '../../native/format.js';
import { Journal, newStoredJob, type StoredJob } from './journal.js';
import { LogStore, toCsv } from './log-store.js';
import { SpeedMeter } from './speed.js';
import { count, emptyTally, tallyAll, type Tally } from './tally.js';
import { ENGINE_TEMP_NAME, isFailure } from '../../native/types.js';
import { loadSettings, saveSettings } from './settings.js';
import { verifyPair } from './verify.js';
import { measure, type Measure } from './walk.js';

/** The engine functions the service uses (injectable for tests). */
export interface EngineApi {
  startJob: typeof native.startJob;
  explain: typeof native.explain;
}

export interface JobServiceOptions {
  dataDir: string;
  emit: Emit;
  maxParallelDevices?: number;
  threads?: number;
  retentionDays?: number;
  /** Defaults to the native engine. */
  engine?: EngineApi;
  /** Minimum time between two event ticks (default 150 ms: ≤ 4 messages a tick → ≤ 27 msg/s). */
  tickMs?: number;
}

const DEFAULT_OPTIONS: CopyOptions = { method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true };
const ACTIVE = ACTIVE_STATES;
const FINISHED = FINISHED_STATES;
const FILES_EVENTS_PER_TICK = 3;
const FILES_PER_EVENT = 2500;
const MAX_CURRENT = 32;
/** Summaries carry at most this many source paths (and `sourcesCount`): ticks stay small. */
const SUMMARY_SOURCES = 50;

type Mode = 'fresh' | 'resume' | 'retry';

interface Run {
  pairs: CopyPair[];
  move: boolean;
  /** Copy, verify, then delete each verified source (a verified move across filesystems). */
  deleteAfterVerify: boolean;
  conflict: ConflictPolicy;
  /** Decides a conflict without asking (resume: our own finished files; retry: our failed copies). */
  auto: ((c: ConflictEvent) => ConflictDecision | null) | null;
  /** Destinations whose skipped records are not news (finished in an earlier run). */
  suppress: Set<string>;
  /** Destinations skipped in place of an 'error' policy (resume): recorded as EEXIST failures. */
  asError: Set<string>;
}

interface VerifyItem {
  rec: FileRecord;
  run: Run;
}

class Job {
  s: StoredJob;
  dev: number | null = null;
  mode: Mode = 'fresh';
  retryPairs: CopyPair[] = [];
  engine: RunningJob | null = null;
  running: Promise<void> | null = null;
  current: CurrentFile[] = [];
  conflicts = new Map<number, ConflictInfo>();
  applyAll: ConflictDecision | null = null;
  meter = new SpeedMeter(3000);
  tally: Tally = emptyTally();
  predictedReflink = 0;
  paused = false;
  /** The phase a paused job returns to. */
  resumeState: JobState = 'running';
  cancelRequested = false;
  /** close(): stop now, come back as 'interrupted'. */
  shutdown = false;
  pendingFiles: FileRecord[] = [];
  logBuf: FileRecord[] = [];
  verifyQ: VerifyItem[] = [];
  /** Verification progress; bytes count both files read (source and copy), halved for display. */
  verify = { filesDone: 0, filesTotal: 0, bytesRead: 0, bytesTotal: 0 };
  verifyMeter = new SpeedMeter(3000);
  verifying: Promise<void> | null = null;
  #wake: (() => void) | null = null;

  constructor(s: StoredJob) {
    this.s = s;
  }

  /** Resolves when not paused; true when the job is being cancelled. */
  async gate(): Promise<boolean> {
    while (this.paused && !this.cancelRequested) await new Promise<void>((r) => (this.#wake = r));
    return this.cancelRequested;
  }

  wake(): void {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }
}

export class JobService {
  readonly #dataDir: string;
  readonly #emit: Emit;
  #maxDevices: number;
  #threads: number;
  #retentionDays: number;
  readonly #engine: EngineApi;
  readonly #tickMs: number;
  #journal: Journal;
  #logs: LogStore;
  #jobs = new Map<string, Job>();
  #order: string[] = [];
  #closing = false;
  #timer: NodeJS.Timeout | null = null;
  #lastTick = 0;
  #dirty = false;

  constructor(opts: JobServiceOptions) {
    this.#dataDir = opts.dataDir;
    this.#emit = opts.emit;
    this.#maxDevices = Math.max(1, opts.maxParallelDevices ?? 2);
    this.#threads = opts.threads ?? native.DEFAULT_THREADS;
    this.#retentionDays = opts.retentionDays ?? 30;
    this.#engine = opts.engine ?? { startJob: native.startJob, explain: native.explain };
    this.#tickMs = opts.tickMs ?? 150;
    this.#journal = new Journal(this.#dataDir);
    this.#logs = new LogStore(this.#dataDir);
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle
  // -------------------------------------------------------------------------------------------

  async init(): Promise<void> {
    const saved = loadSettings(this.#dataDir, this.settings());
    this.#maxDevices = saved.maxParallelDevices;
    this.#threads = saved.threads;
    this.#retentionDays = saved.retentionDays;
    const { jobs } = this.#journal.load();
    this.#logs.retain(this.#retentionDays);
    const cutoff = Date.now() - this.#retentionDays * 86_400_000;
    for (const s of jobs) {
      if (FINISHED.has(s.state) && (s.finishedAt ?? s.createdAt) < cutoff) {
        this.#journal.remove(s.id);
        continue;
      }
      const job = new Job({ ...s, options: { ...DEFAULT_OPTIONS, ...s.options } });
      if (ACTIVE.has(s.state) || s.state === 'queued') job.s.state = 'interrupted';
      if (job.s.state === 'interrupted') {
        // The journal's counters may lag the crash: recount from the log.
        job.tally = tallyAll(await this.#logs.records(s.id)).tally;
        this.#syncTally(job);
        this.#journal.put(job.s);
      } else {
        // Finished: the counters stored with the final state are exact; the log loads on demand.
        job.tally = {
          ...emptyTally(),
          filesDone: s.filesDone,
          filesFailed: s.filesFailed,
          bytesDone: s.bytesDone,
          bytesReflinked: s.bytesReflinked,
          bytesSkipped: s.bytesSkipped ?? 0,
          byMethod: structuredClone(s.byMethod ?? {}),
        };
      }
      this.#jobs.set(s.id, job);
      this.#order.push(s.id);
    }
    this.#markDirty();
  }

  /** The user settings in force. */
  settings(): Results['settings.get'] {
    return { retentionDays: this.#retentionDays, maxParallelDevices: this.#maxDevices, threads: this.#threads };
  }

  /** Changes settings, saves them, and applies them now: a shorter retention deletes old logs at once. */
  async updateSettings(p: ValidParams<'settings.set'>): Promise<Results['settings.set']> {
    if (p.retentionDays !== undefined) this.#retentionDays = p.retentionDays;
    if (p.maxParallelDevices !== undefined) this.#maxDevices = p.maxParallelDevices;
    if (p.threads !== undefined) this.#threads = p.threads;
    saveSettings(this.#dataDir, this.settings());
    if (p.retentionDays !== undefined) this.#prune();
    this.#pump();
    this.#markDirty();
    return this.settings();
  }

  /** Drops finished jobs (and their logs) older than the retention. */
  #prune(): void {
    this.#logs.retain(this.#retentionDays);
    const cutoff = Date.now() - this.#retentionDays * 86_400_000;
    for (const id of [...this.#order]) {
      const job = this.#jobs.get(id);
      if (!job || !FINISHED.has(job.s.state) || (job.s.finishedAt ?? job.s.createdAt) >= cutoff) continue;
      this.#journal.remove(id);
      this.#jobs.delete(id);
      this.#order = this.#order.filter((x) => x !== id);
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const waits: Promise<void>[] = [];
    for (const job of this.#jobs.values()) {
      if (!job.running) continue;
      job.shutdown = true;
      job.cancelRequested = true;
      job.engine?.cancel();
      job.wake();
      waits.push(job.running);
    }
    await Promise.allSettled(waits);
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const job of this.#jobs.values()) this.#flushLog(job);
    await this.#logs.close();
    this.#journal.close();
  }

  // -------------------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------------------

  async start(p: ValidParams<'jobs.start'>): Promise<Results['jobs.start']> {
    if (this.#closing) throw new FerryError('ESHUTDOWN', 'Ferry is shutting down: no new transfers');
    const destDir = path.resolve(p.destDir);
    const st = await fsp.stat(destDir); // ENOENT etc. with Node's code/syscall/path
    if (!st.isDirectory()) throw new FerryError('ENOTDIR', 'the destination is not a folder', { syscall: 'stat', path: destDir });
    const sources = p.sources.map((s) => path.resolve(s));
    await refuseSelfCopy(p.kind, sources, destDir);
    const options: CopyOptions = { ...DEFAULT_OPTIONS, ...(p.options as Partial<CopyOptions>) };
    const now = Date.now();
    const s: StoredJob = newStoredJob({ id: newId(now), kind: p.kind, sources, destDir, options, createdAt: now });
    const job = new Job(s);
    job.dev = st.dev;
    this.#jobs.set(s.id, job);
    this.#order.push(s.id);
    this.#journal.put(s);
    this.#markDirty();
    this.#pump();
    return { jobId: s.id };
  }

  async control(p: ValidParams<'jobs.control'>): Promise<Results['jobs.control']> {
    const job = this.#get(p.jobId);
    const st = job.s.state;
    switch (p.action) {
      case 'pause':
        if (ACTIVE.has(st) && st !== 'paused') {
          job.paused = true;
          job.resumeState = st;
          job.engine?.pause();
          this.#setState(job, 'paused');
        }
        break;
      case 'resume':
        if (st === 'paused') {
          job.paused = false;
          job.engine?.resume();
          job.wake();
          job.meter.reset();
          this.#setState(job, job.resumeState);
        } else if (st === 'interrupted') {
          this.#requeue(job, 'resume');
        }
        break;
      case 'cancel':
        if (st === 'queued' || st === 'interrupted') {
          job.s.finishedAt = Date.now();
          this.#setState(job, 'cancelled');
        } else if (ACTIVE.has(st)) {
          job.cancelRequested = true;
          for (const id of job.conflicts.keys()) job.engine?.resolveConflict(id, 'skip', false);
          job.conflicts.clear();
          job.engine?.cancel();
          job.wake();
        }
        break;
      case 'skip':
        if (ACTIVE.has(st)) job.engine?.skipCurrent();
        break;
      case 'retry':
        if (st === 'interrupted') this.#requeue(job, 'resume');
        else if (FINISHED.has(st)) await this.#retry(job);
        break;
      case 'remove':
        if (ACTIVE.has(st)) throw new FerryError('EBUSY', 'the transfer is still running: cancel it first');
        this.#jobs.delete(job.s.id);
        this.#order = this.#order.filter((id) => id !== job.s.id);
        this.#journal.remove(job.s.id);
        this.#markDirty();
        return { jobId: p.jobId, state: job.s.state };
      case 'up':
      case 'down':
        this.#move(job, p.action === 'up' ? -1 : 1);
        break;
    }
    this.#markDirty();
    this.#pump();
    return { jobId: p.jobId, state: job.s.state };
  }

  list(): Results['jobs.list'] {
    return { jobs: this.#order.map((id) => this.#summary(this.#jobs.get(id)!)) };
  }

  files(p: ValidParams<'jobs.files'>): Results['jobs.files'] {
    this.#get(p.jobId);
    const recs = this.#logs.recordsSync(p.jobId);
    return { jobId: p.jobId, total: recs.length, records: recs.slice(p.offset, p.offset + p.limit) };
  }

  resolveConflict(p: ValidParams<'jobs.resolveConflict'>): Results['jobs.resolveConflict'] {
    const job = this.#get(p.jobId);
    if (!job.conflicts.has(p.conflictId)) return { ok: false };
    job.conflicts.delete(p.conflictId);
    if (p.decision === 'cancel') {
      job.engine?.resolveConflict(p.conflictId, 'cancel', false);
      void this.control({ jobId: p.jobId, action: 'cancel' });
      return { ok: true };
    }
    job.engine?.resolveConflict(p.conflictId, p.decision, p.applyToAll);
    if (p.applyToAll) {
      job.applyAll = p.decision;
      for (const id of job.conflicts.keys()) job.engine?.resolveConflict(id, p.decision, false);
      job.conflicts.clear();
    }
    this.#markDirty();
    return { ok: true };
  }

  async explain(p: ValidParams<'copy.explain'>): Promise<Results['copy.explain']> {
    const destDir = path.resolve(p.destDir);
    return { items: p.sources.map((src) => this.#engine.explain(src, path.join(destDir, path.basename(src)), 'auto')) };
  }

  async logRead(p: ValidParams<'log.read'>): Promise<Results['log.read']> {
    for (const job of this.#jobs.values()) this.#flushLog(job);
    return this.#logs.query(p, p.offset, p.limit);
  }

  async logExport(p: ValidParams<'log.export'>): Promise<Results['log.export']> {
    for (const job of this.#jobs.values()) this.#flushLog(job);
    const records = await this.#logs.all(p.jobId);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
    const filename = `ferry-log-${p.jobId ?? 'all'}-${stamp}.${p.format}`;
    const content = p.format === 'csv' ? toCsv(records) : JSON.stringify(records, null, 2) + '\n';
    const dir = path.join(this.#dataDir, 'exports');
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, filename);
    await fsp.writeFile(file, content, { mode: 0o600 });
    return { path: file, filename, content };
  }

  // -------------------------------------------------------------------------------------------
  // Queue
  // -------------------------------------------------------------------------------------------

  #get(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw new FerryError('ENOENT', `no such transfer: ${id}`);
    return job;
  }

  #move(job: Job, dir: -1 | 1): void {
    if (job.s.state !== 'queued' && job.s.state !== 'interrupted') return;
    const i = this.#order.indexOf(job.s.id);
    // Swap with the nearest waiting job in that direction (running and finished ones keep their place).
    for (let k = i + dir; k >= 0 && k < this.#order.length; k += dir) {
      const other = this.#jobs.get(this.#order[k]!)!;
      if (other.s.state === 'queued' || other.s.state === 'interrupted') {
        this.#order[i] = other.s.id;
        this.#order[k] = job.s.id;
        this.#journal.order(this.#order);
        return;
      }
    }
  }

  #requeue(job: Job, mode: Mode): void {
    job.mode = mode;
    job.cancelRequested = false;
    job.s.error = null;
    job.s.finishedAt = null;
    this.#setState(job, 'queued');
  }

  async #retry(job: Job): Promise<void> {
    const recs = this.#logs.cached(job.s.id) ?? (await this.#logs.records(job.s.id));
    const { last } = tallyAll(recs);
    const failed = [...last.values()].filter((r) => isFailure(r));
    if (failed.length === 0) {
      if (job.s.state === 'cancelled' || (job.s.state === 'failed' && job.s.filesDone === 0)) this.#requeue(job, 'resume');
      return;
    }
    // Failed directories are retried whole; files inside a retried directory need no own pair.
    const dirs = failed.filter((r) => r.type === 'dir').map((r) => r.src + '/');
    job.retryPairs = failed.filter((r) => !dirs.some((d) => r.src.startsWith(d))).map((r) => ({ src: r.src, dest: r.dest }));
    this.#requeue(job, 'retry');
  }

  #pump(): void {
    if (this.#closing) return;
    const busy = new Set<number>();
    for (const job of this.#jobs.values()) if (job.running) busy.add(job.dev ?? -1);
    for (const id of this.#order) {
      const job = this.#jobs.get(id)!;
      if (job.s.state !== 'queued' || job.running) continue;
      if (busy.size >= this.#maxDevices) break;
      if (job.dev === null) {
        try {
          job.dev = fs.statSync(job.s.destDir).dev;
        } catch {
          job.dev = -1; // the run reports the error
        }
      }
      if (busy.has(job.dev)) continue;
      busy.add(job.dev);
      job.running = this.#run(job).finally(() => {
        job.running = null;
        this.#pump();
      });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Running one job
  // -------------------------------------------------------------------------------------------

  async #run(job: Job): Promise<void> {
    const s = job.s;
    s.startedAt ??= Date.now();
    s.finishedAt = null;
    s.error = null;
    job.cancelRequested = false;
    job.shutdown = false;
    job.applyAll = null;
    job.meter.reset();
    job.verify = { filesDone: 0, filesTotal: 0, bytesRead: 0, bytesTotal: 0 };
    job.verifyMeter.reset();
    this.#setState(job, 'scanning');
    try {
      const runs = await this.#prepare(job);
      for (const run of runs) {
        if (job.cancelRequested) break;
        if (!job.paused) this.#setState(job, 'running');
        else job.resumeState = 'running';
        await this.#engineRun(job, run);
      }
      if (job.verifyQ.length > 0 || job.verifying) {
        this.#phase(job, 'verifying');
        await job.verifying;
      }
      for (const run of runs) if (run.deleteAfterVerify && !job.cancelRequested) await removeEmptySourceDirs(run, this.#logs.cached(s.id) ?? []);
      this.#flushLog(job);
      if (!job.cancelRequested) {
        this.#phase(job, 'flushing');
        const t0 = Date.now();
        await this.#logs.flush(s.id);
        await syncfs(s.destDir);
        s.flushMs += Date.now() - t0;
      }
    } catch (e) {
      s.error = toWire(e);
    }
    this.#flushLog(job);
    await this.#logs.closeJob(s.id);
    job.current = [];
    job.engine = null;
    job.conflicts.clear();
    job.paused = false;
    this.#syncTally(job);
    if (job.shutdown) {
      this.#setState(job, 'interrupted');
    } else {
      s.finishedAt = Date.now();
      if (job.cancelRequested) this.#setState(job, 'cancelled');
      else if (s.error) this.#setState(job, 'failed');
      else if (job.tally.filesFailed > 0) {
        s.error = { code: 'EPARTIAL', message: `${job.tally.filesFailed} of ${s.filesTotal || job.tally.filesDone + job.tally.filesFailed} entries failed` };
        this.#setState(job, 'failed');
      } else this.#setState(job, 'done');
    }
  }

  /** Measures the sources, checks free space, and builds the engine runs. */
  async #prepare(job: Job): Promise<Run[]> {
    const s = job.s;
    const o = s.options;
    const destStat = await fsp.stat(s.destDir);
    if (!destStat.isDirectory()) throw new FerryError('ENOTDIR', 'the destination is not a folder', { syscall: 'stat', path: s.destDir });
    job.dev = destStat.dev;

    const pairs: CopyPair[] =
      job.mode === 'retry' ? job.retryPairs : s.sources.map((src) => ({ src, dest: path.join(s.destDir, path.basename(src)) }));

    // What is already finished (resume/retry): recount from the log.
    const prior = this.#logs.cached(s.id) ?? (await this.#logs.records(s.id));
    const { last } = tallyAll(prior);
    const retrying = new Set(job.mode === 'retry' ? pairs.map((p) => p.dest) : []);
    const kept = [...last.values()].filter((r) => (job.mode === 'fresh' ? false : !retrying.has(r.dest) && !(job.mode === 'retry' && isUnder(r.dest, retrying))));
    job.tally = emptyTally();
    for (const r of kept) count(job.tally, r, 1);
    const finishedDests = new Set(kept.filter((r) => r.ok || r.skipped).map((r) => r.dest));

    // A killed copy leaves a new top folder under the engine's hidden temp name: take it back.
    if (job.mode === 'resume' && s.kind === 'copy') {
      for (const pair of pairs) await recoverTempTop(pair, s.destDir, finishedDests, s.startedAt ?? 0);
    }

    // Measure (totals and space).
    const measures: { pair: CopyPair; m: Measure; dev: number }[] = [];
    for (const pair of pairs) {
      if (job.cancelRequested) break;
      const st = await fsp.lstat(pair.src).catch((e: unknown) => {
        // A source that vanished: in a resumed move it was moved already.
        if (job.mode !== 'fresh' && (e as { code?: string }).code === 'ENOENT') return null;
        throw e;
      });
      if (!st) continue;
      measures.push({ pair, m: await measure(pair.src, () => job.cancelRequested), dev: st.dev });
    }
    if (job.mode !== 'retry') {
      // Totals: everything measured now, plus what an earlier run of a move already took away.
      const movedAway = job.mode === 'resume' && s.kind === 'move';
      s.filesTotal = measures.reduce((a, x) => a + x.m.files, 0) + (movedAway ? job.tally.filesDone : 0);
      s.bytesTotal = measures.reduce((a, x) => a + x.m.bytes, 0) + (movedAway ? job.tally.bytesDone : 0);
    }
    this.#markDirty();

    // Free space: bytes that will be reflinked or renamed cost nothing.
    let need = 0;
    let reflinked = 0;
    job.predictedReflink = 0;
    // One prediction per source filesystem is enough (a selection of 100k files shares one).
    const predicted = new Map<number, string | null>();
    for (const { pair, m, dev } of measures) {
      if (s.kind === 'move' && dev === destStat.dev) continue;
      let method: string | null = null;
      if (m.sample && predicted.has(dev)) method = predicted.get(dev)!;
      else if (m.sample) {
        try {
          const sampleDest = m.sample === pair.src ? pair.dest : path.join(s.destDir, path.basename(m.sample));
          method = this.#engine.explain(m.sample, sampleDest, o.method).method;
        } catch {
          method = null;
        }
        predicted.set(dev, method);
      }
      if (method === 'reflink') {
        reflinked += m.allocated;
        job.predictedReflink += m.bytes;
      } else need += m.allocated;
    }
    if (job.mode === 'resume') need = Math.max(0, need - (job.tally.bytesDone - job.tally.bytesSkipped - job.tally.bytesReflinked));
    const sf = await fsp.statfs(s.destDir);
    const free = sf.bavail * sf.bsize;
    if (need > free) {
      throw new FerryError(
        'ENOSPC',
        `not enough space: needs ${fmtBytes(need)}, ${fmtBytes(free)} free` + (reflinked > 0 ? ` (${fmtBytes(reflinked)} will be reflinked)` : ''),
        { syscall: 'statfs', path: s.destDir },
      );
    }

    // Runs.
    const livePairs = measures.map((x) => x.pair);
    const base = (): Omit<Run, 'pairs' | 'move' | 'deleteAfterVerify'> => {
      const policy = o.conflict;
      if (job.mode === 'fresh') return { conflict: policy, auto: null, suppress: new Set(), asError: new Set() };
      const suppress = new Set(finishedDests);
      const asError = new Set<string>();
      const auto = (c: ConflictEvent): ConflictDecision | null => {
        if (suppress.has(c.dest)) return 'skip'; // finished in an earlier run
        if (job.mode === 'retry' && retrying.has(c.dest)) return 'overwrite'; // our own copy that failed verification
        // Copied just before a crash, not logged yet: same size and mtime (times are preserved).
        if (job.mode === 'resume' && o.preserve && c.destSize === c.srcSize && Math.trunc(c.destMtimeMs) === Math.trunc(c.srcMtimeMs)) return 'skip';
        if (policy === 'ask') return null;
        if (policy === 'error') {
          asError.add(c.dest);
          return 'skip';
        }
        return policy;
      };
      return { conflict: 'ask', auto, suppress, asError };
    };
    if (s.kind === 'move' && o.verify) {
      const same = measures.filter((x) => x.dev === destStat.dev).map((x) => x.pair);
      const other = measures.filter((x) => x.dev !== destStat.dev).map((x) => x.pair);
      const runs: Run[] = [];
      if (same.length) runs.push({ ...base(), pairs: same, move: true, deleteAfterVerify: false });
      if (other.length) runs.push({ ...base(), pairs: other, move: false, deleteAfterVerify: true });
      return runs;
    }
    return livePairs.length ? [{ ...base(), pairs: livePairs, move: s.kind === 'move', deleteAfterVerify: false }] : [];
  }

  #engineRun(job: Job, run: Run): Promise<void> {
    const o = job.s.options;
    return new Promise<void>((resolve, reject) => {
      let h: RunningJob;
      try {
        h = this.#engine.startJob(run.pairs, {
          recursive: true,
          scan: true,
          progress: true,
          method: o.method,
          preserve: o.preserve,
          fsync: o.fsync,
          threads: this.#threads,
          conflict: run.conflict,
          move: run.move,
          onEvents: (evs) => this.#onEvents(job, run, evs),
        });
      } catch (e) {
        reject(e);
        return;
      }
      job.engine = h;
      if (job.paused) h.pause();
      if (job.cancelRequested) h.cancel();
      h.done.then(
        () => {
          job.engine = null;
          job.current = [];
          this.#flushLog(job);
          resolve();
        },
        (e: unknown) => {
          job.engine = null;
          job.current = [];
          this.#flushLog(job);
          reject(e);
        },
      );
    });
  }

  #onEvents(job: Job, run: Run, evs: EngineEvent[]): void {
    for (const e of evs) {
      switch (e.type) {
        case 'progress':
          job.current = e.current.slice(0, MAX_CURRENT).map((c) => ({ src: c.src, dest: c.dest, size: c.size, bytes: c.bytes, method: c.method }));
          break;
        case 'scan':
          break; // totals come from our own measurement (same counting as the records)
        case 'files':
          for (const r of e.records) this.#onRecord(job, run, r);
          break;
        case 'conflict':
          this.#onConflict(job, run, e);
          break;
      }
    }
    let moving = job.tally.bytesCopied;
    for (const c of job.current) if (c.method !== 'reflink') moving += c.bytes;
    if (!job.paused) job.meter.sample(moving);
    this.#flushLog(job);
    this.#markDirty();
  }

  #onRecord(job: Job, run: Run, r0: FileRecord): void {
    if (r0.skipped && run.suppress.has(r0.dest)) return; // finished in an earlier run: not news
    let r = r0;
    if (r.skipped && run.asError.has(r.dest)) {
      r = { ...r, ok: false, skipped: false, error: { code: 'EEXIST', message: `destination exists: ${r.dest}`, path: r.dest } };
    }
    count(job.tally, r, 1);
    // Verify what was copied; a move run's sources are gone (renamed, or deleted by the engine).
    if (job.s.options.verify && !run.move && r.ok && !r.skipped && r.type === 'file' && r.method !== null) {
      job.verifyQ.push({ rec: r, run });
      job.verify.filesTotal++;
      job.verify.bytesTotal += r.size;
      job.verifying ??= this.#verifyLoop(job).finally(() => (job.verifying = null));
      return;
    }
    this.#finish(job, r);
  }

  #finish(job: Job, r: FileRecord): void {
    job.logBuf.push(r);
    job.pendingFiles.push(r);
  }

  async #verifyLoop(job: Job): Promise<void> {
    while (job.verifyQ.length > 0) {
      const { rec, run } = job.verifyQ.shift()!;
      if (job.cancelRequested) {
        this.#finish(job, { ...rec, verified: null });
        continue;
      }
      const ok = await verifyPair(rec.src, rec.dest, {
        gate: () => job.gate(),
        onBytes: (n) => {
          job.verify.bytesRead += n;
          job.verifyMeter.sample(job.verify.bytesRead / 2);
        },
      });
      job.verify.filesDone++;
      if (ok === null) {
        this.#finish(job, { ...rec, verified: null });
        continue;
      }
      let out: FileRecord = { ...rec, verified: ok };
      if (!ok) {
        count(job.tally, rec, -1);
        out = { ...out, ok: false, error: { code: 'EVERIFY', message: `verification failed: ${rec.dest} differs from ${rec.src} (xxHash64)`, path: rec.src, dest: rec.dest } };
        count(job.tally, out, 1);
      } else if (run.deleteAfterVerify) {
        try {
          await fsp.unlink(rec.src);
        } catch (e) {
          out = { ...out, warnings: [...out.warnings, `source not removed: ${toWire(e).message}`] };
        }
      }
      this.#finish(job, out);
      if (job.logBuf.length >= 256) this.#flushLog(job);
      this.#markDirty();
    }
    this.#flushLog(job);
  }

  #onConflict(job: Job, run: Run, e: ConflictEvent): void {
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
    this.#emit('job.conflict', info);
  }

  #flushLog(job: Job): void {
    if (job.logBuf.length === 0) return;
    const batch = job.logBuf;
    job.logBuf = [];
    this.#logs.append(job.s.id, batch);
  }

  // -------------------------------------------------------------------------------------------
  // State, summaries, events
  // -------------------------------------------------------------------------------------------

  /** Sets the phase, or remembers it for when a paused job resumes. */
  #phase(job: Job, st: JobState): void {
    if (job.paused) job.resumeState = st;
    else this.#setState(job, st);
  }

  #setState(job: Job, st: JobState): void {
    if (job.s.state === st) return;
    job.s.state = st;
    this.#syncTally(job);
    this.#journal.put(job.s);
    this.#markDirty();
  }

  #syncTally(job: Job): void {
    const t = job.tally;
    Object.assign(job.s, {
      filesDone: t.filesDone,
      filesFailed: t.filesFailed,
      bytesDone: t.bytesDone,
      bytesReflinked: t.bytesReflinked,
      bytesSkipped: t.bytesSkipped,
      byMethod: structuredClone(t.byMethod),
    });
  }

  #summary(job: Job): JobSummary {
    const s = job.s;
    const t = job.tally;
    const active = ACTIVE.has(s.state);
    let cur = 0;
    for (const c of job.current) cur += c.bytes;
    const bytesDone = active ? Math.min(Math.max(s.bytesTotal, t.bytesDone), t.bytesDone + cur) : t.bytesDone;
    const v = job.verify;
    const verifyBytes = Math.min(v.bytesTotal, Math.round(v.bytesRead / 2));
    const verifying = s.state === 'verifying';
    const meter = verifying ? job.verifyMeter : job.meter;
    const speed = active && s.state !== 'paused' ? Math.round(meter.speed()) : 0;
    const stillReflink = Math.max(0, job.predictedReflink - t.bytesReflinked);
    // Time left: bytes still to copy (reflinks cost none) plus, with verify, bytes still to re-read.
    const remaining = verifying ? Math.max(0, v.bytesTotal - verifyBytes) : Math.max(0, s.bytesTotal - bytesDone - stillReflink);
    const eta = !active ? null : remaining === 0 ? 0 : speed > 0 ? Math.ceil(remaining / speed) : null;
    return {
      id: s.id,
      kind: s.kind,
      sources: s.sources.length > SUMMARY_SOURCES ? s.sources.slice(0, SUMMARY_SOURCES) : s.sources,
      sourcesCount: s.sources.length,
      destDir: s.destDir,
      state: s.state,
      createdAt: s.createdAt,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
      filesTotal: Math.max(s.filesTotal, t.filesDone + t.filesFailed),
      filesDone: t.filesDone,
      filesFailed: t.filesFailed,
      bytesTotal: Math.max(s.bytesTotal, bytesDone),
      bytesDone,
      bytesReflinked: t.bytesReflinked,
      speed,
      etaSeconds: eta,
      byMethod: structuredClone(t.byMethod),
      error: s.error,
      options: s.options,
      current: job.current,
      conflicts: [...job.conflicts.values()],
      flushMs: s.flushMs,
      bytesSkipped: t.bytesSkipped,
      filesVerifyFailed: t.verifyFailed,
      ...(s.options.verify ? { verify: { filesDone: v.filesDone, filesTotal: v.filesTotal, bytesDone: verifyBytes, bytesTotal: v.bytesTotal } } : {}),
    };
  }

  #markDirty(): void {
    this.#dirty = true;
    if (this.#timer || this.#closing) return;
    const wait = Math.max(0, this.#lastTick + this.#tickMs - Date.now());
    this.#timer = setTimeout(() => this.#tick(), wait);
  }

  /** One tick: at most FILES_EVENTS_PER_TICK `job.files` batches and one `job.updated`. */
  #tick(): void {
    this.#timer = null;
    this.#lastTick = Date.now();
    let sent = 0;
    let more = false;
    for (const id of this.#order) {
      const job = this.#jobs.get(id);
      if (!job || job.pendingFiles.length === 0) continue;
      if (sent >= FILES_EVENTS_PER_TICK) {
        more = true;
        break;
      }
      // Bounded messages: a burst of tiny files is spread over a few ticks instead of one
      // multi-megabyte message that would freeze the renderer while it parses.
      const records = job.pendingFiles.length <= FILES_PER_EVENT ? job.pendingFiles : job.pendingFiles.slice(0, FILES_PER_EVENT);
      job.pendingFiles = records === job.pendingFiles ? [] : job.pendingFiles.slice(FILES_PER_EVENT);
      if (job.pendingFiles.length > 0) more = true;
      this.#emit('job.files', { jobId: id, records });
      sent++;
    }
    this.#dirty = false;
    this.#emit('job.updated', this.list());
    // Keep ticking while something runs (speed and ETA move even without events) or batches wait.
    let running = false;
    for (const job of this.#jobs.values()) if (job.running) running = true;
    if (more || running) this.#markDirty();
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function newId(now: number): string {
  return `j${now.toString(36)}${randomBytes(4).toString('hex')}`;
}

function isUnder(p: string, dirs: Set<string>): boolean {
  for (const d of dirs) if (p.startsWith(d + '/')) return true;
  return false;
}

async function realOrResolved(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    // A source's own name may be a dangling symlink: resolve its parent only.
    try {
      return path.join(await fsp.realpath(path.dirname(p)), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  }
}

/** cp's refusals: a directory into itself, a file onto itself. */
async function refuseSelfCopy(kind: 'copy' | 'move', sources: string[], destDir: string): Promise<void> {
  const realDest = await realOrResolved(destDir);
  const check = sources.length <= 1000; // realpath for a sane number; plain paths for huge selections
  for (const src of sources) {
    const realSrc = check ? await realOrResolved(src) : src;
    const target = path.join(realDest, path.basename(src));
    if (realSrc === target) {
      throw new FerryError('EINVAL', 'source and destination are the same file', { syscall: kind, path: src, dest: path.join(destDir, path.basename(src)) });
    }
    if (realDest === realSrc || realDest.startsWith(realSrc + '/')) {
      throw new FerryError('EINVAL', `cannot ${kind} a folder into itself`, {
        syscall: kind,
        path: src,
        dest: destDir,
      });
    }
  }
}


/**
 * The engine builds a new top-level folder under a hidden `.ferry-<hex>.tmp` name and renames it
 * into place when complete; a crash leaves that hidden folder behind, holding finished files and
 * maybe one half-written file per worker under its own name. On resume we find ours (it holds a
 * file our log says finished, with that size), delete every file the log does not vouch for, and
 * rename it to the final name: the engine then merges into it and skips what is there. A hidden
 * folder that is ours but vouches for nothing (killed before the first record) is removed.
 */
async function recoverTempTop(pair: CopyPair, destDir: string, finished: Set<string>, startedAt: number): Promise<void> {
  if (path.dirname(pair.dest) !== destDir) return;
  try {
    await fsp.lstat(pair.dest);
    return; // the final name exists: nothing to recover
  } catch {
    /* ENOENT: look for the hidden folder */
  }
  let srcNames: Set<string>;
  try {
    srcNames = new Set(await fsp.readdir(pair.src));
  } catch {
    return; // not a directory (files never use a hidden top folder)
  }
  const mine = [...finished].filter((d) => d.startsWith(pair.dest + '/'));
  let names: string[] = [];
  try {
    names = (await fsp.readdir(destDir)).filter((n) => ENGINE_TEMP_NAME.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    const cand = path.join(destDir, n);
    const st = await fsp.lstat(cand).catch(() => null);
    if (!st?.isDirectory()) continue;
    const vouched = mine.filter((d) => fs.existsSync(cand + d.slice(pair.dest.length)));
    if (vouched.length === 0) {
      // Ours only if created during this job and holding nothing but names from our source.
      const inside = await fsp.readdir(cand).catch(() => null);
      if (inside && st.mtimeMs >= startedAt - 1000 && st.birthtimeMs >= startedAt - 1000 && inside.every((x) => srcNames.has(x))) {
        if (mine.length === 0) await fsp.rm(cand, { recursive: true, force: true });
      }
      continue;
    }
    const keep = new Set(vouched.map((d) => cand + d.slice(pair.dest.length)));
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (!keep.has(p)) await fsp.unlink(p).catch(() => {});
      }
    };
    await walk(cand);
    await fsp.rename(cand, pair.dest);
    return;
  }
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
