// Ferry's transfer queue, as the handlers see it: every copy/move is a job that runs one native
// engine job (or, for a verified move across filesystems, a rename run and a copy whose sources
// are deleted after verification). This facade holds the requests and the lifecycle; the work is
// done by its parts:
//   queue.ts     order and per-device scheduling     planner.ts  pairs, totals, space, conflict rules
//   run.ts       one job's phases and the engine     verifier.ts re-reading copies (native/verify.ts)
//   summary.ts   the numbers the queue shows         ticker.ts   events to the renderer, throttled
//   recovery.ts  jobs back from the journal, and the engine's hidden folder after a crash
//   self-copy.ts cp's refusals (a folder into itself, a file onto itself), before a job exists
// Persistence: the queue is journaled (journal.ts), each finished entry is logged (log-store.ts);
// after a crash, unfinished jobs come back as 'interrupted' and 'resume' continues them without
// copying finished files again.
//
// This module runs in Electron's main process and in serve mode under plain Node: no `electron`.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { fsp } from '../../native/user-fs.js';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ACTIVE_STATES, FINISHED_STATES } from '../contract.js';
import type { CopyOptions, Emit, JobFileRecord as FileRecord, PartialCopy, Results, ValidParams } from '../contract.js';
import * as native from '../../native/index.js';
import { FerryError } from '../../native/errors.js';
import { isFailure } from '../../native/types.js';
import { fsError } from '../wire-paths.js';
import { Job } from './job.js';
import { dataDirError, Journal, newStoredJob, prepareDataDir, type LoadReport, type StoredJob } from './journal.js';
import { LogStore, exportFileName, exportLog, matches, writeFileStreamed } from './log-store.js';
import { jobLabel, Notices, recoveryNotice } from './notices.js';
import { describePartial, findTemps, removePartial } from './partials.js';
import { tallyAll } from './tally.js';
import { failedPairs, topPairs } from './planner.js';
import { JobQueue, destDevice, startable } from './queue.js';
import { DEFAULT_OPTIONS, restore } from './recovery.js';
import { runJob, type EngineApi } from './run.js';
import { refuseSelfCopy } from './self-copy.js';
import { loadSettings, saveSettings } from './settings.js';
import { takeFileBatches, Ticker } from './ticker.js';

export type { EngineApi } from './run.js';

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

const DAY_MS = 86_400_000;
/** Longest run of copy.explain between two turns of the event loop. */
const EXPLAIN_SLICE_MS = 10;
/** log.export answers with the content up to this size (a bigger export is read from its file). */
const EXPORT_INLINE_BYTES = 8 * 1024 * 1024;

export class JobService {
  #dataDir: string;
  readonly #emit: Emit;
  #maxDevices: number;
  #threads: number;
  #retentionDays: number;
  #askBeforeDrop = true;
  readonly #engine: EngineApi;
  #journal: Journal;
  #logs: LogStore;
  readonly #notices: Notices;
  /** The engine's hidden folders found at start-up in destinations of known jobs. */
  #temps: PartialCopy[] = [];
  readonly #queue = new JobQueue();
  readonly #ticker: Ticker;
  #closing = false;

  constructor(opts: JobServiceOptions) {
    this.#dataDir = opts.dataDir;
    this.#emit = opts.emit;
    this.#maxDevices = Math.max(1, opts.maxParallelDevices ?? 2);
    this.#threads = opts.threads ?? native.DEFAULT_THREADS;
    this.#retentionDays = opts.retentionDays ?? 30;
    this.#engine = opts.engine ?? { startJob: native.startJob, explain: native.explain, scan: native.scan };
    this.#notices = new Notices(opts.emit);
    this.#journal = new Journal(this.#dataDir);
    this.#logs = new LogStore(this.#dataDir);
    this.#ticker = new Ticker(opts.tickMs ?? 150, () => this.#tick());
  }

  // -------------------------------------------------------------------------------------------
  // Lifecycle and settings
  // -------------------------------------------------------------------------------------------

  /**
   * Loads settings and the queue. Never throws for the data folder's sake: a queue file or log
   * that cannot be read is moved aside and reported in a notice; a data folder that cannot be
   * used at all (EPERM, EROFS…) is replaced by a temporary one for this session, and a notice
   * (also on stderr) says so in the user's terms.
   */
  async init(): Promise<void> {
    let loaded: { jobs: StoredJob[]; report: LoadReport };
    try {
      const damaged = prepareDataDir(this.#dataDir);
      loaded = this.#openDataDir();
      loaded.report.damaged.unshift(...damaged);
    } catch (e) {
      const err = e instanceof FerryError ? e : dataDirError(this.#dataDir, e);
      this.#dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-data-'));
      prepareDataDir(this.#dataDir);
      loaded = this.#openDataDir();
      const message = `${err.message}. Transfers still work, but this session's queue and copy-method logs are kept in ${this.#dataDir} and will be forgotten when Ferry closes. Fix the folder's permissions (or free the file system) and restart Ferry.`;
      process.stderr.write(`ferry: ${message}\n`);
      this.#notices.add({ level: 'error', title: 'Ferry cannot use its data folder', message, details: [] });
    }
    this.#logs.onDamaged = (jobId, bad) => {
      const job = [...this.#queue].find((j) => j.id === jobId)?.s ?? loaded.jobs.find((j) => j.id === jobId);
      this.#notices.add({
        level: 'warning',
        title: 'A copy-method log was damaged',
        message: `${bad} unreadable ${bad === 1 ? 'line' : 'lines'} in the log of the ${job ? jobLabel(job) : `transfer ${jobId}`} ${bad === 1 ? 'was' : 'were'} skipped; the rest of the log is shown. The file was not changed.`,
        details: [this.#logs.file(jobId)],
      });
    };
    this.#logs.retain(this.#retentionDays);
    const cutoff = Date.now() - this.#retentionDays * DAY_MS;
    const interrupted: StoredJob[] = [];
    for (const stored of loaded.jobs) {
      const r = await restore(stored, this.#logs, cutoff);
      if (!r) {
        this.#journal.remove(stored.id);
        continue;
      }
      const job = this.#newJob(r.s);
      job.live.reset(r.tally);
      if (r.interrupted) {
        interrupted.push(r.s);
        job.syncTally();
        this.#journal.put(job.s);
      }
      this.#queue.add(job);
    }
    const notice = recoveryNotice(loaded.report, interrupted, [...this.#queue].length);
    if (notice) this.#notices.add(notice);
    this.#temps = await findTemps([...this.#queue].map((j) => j.s));
    if (this.#temps.length) {
      const n = this.#temps.length;
      this.#notices.add({
        level: 'warning',
        title: `${n} incomplete ${n === 1 ? 'copy was' : 'copies were'} left under a temporary name`,
        message: 'Ferry stopped while building them. The queue lists them: resume their transfer to finish them, or remove them.',
        details: this.#temps.map((t) => `${t.path}${t.finalPath ? ` (to become ${t.finalPath})` : ''}: ${t.files} ${t.files === 1 ? 'file' : 'files'}`),
      });
    }
    this.#changed();
  }

  /** Settings and the queue from the data folder (whatever cannot be read is moved aside). */
  #openDataDir(): { jobs: StoredJob[]; report: LoadReport } {
    this.#journal = new Journal(this.#dataDir);
    this.#logs = new LogStore(this.#dataDir);
    const settings = loadSettings(this.#dataDir, this.settings());
    this.#maxDevices = settings.maxParallelDevices;
    this.#threads = settings.threads;
    this.#retentionDays = settings.retentionDays;
    this.#askBeforeDrop = settings.askBeforeDrop;
    const loaded = this.#journal.load();
    if (settings.damaged) loaded.report.damaged.push(settings.damaged);
    return loaded;
  }

  /** Incomplete copies: folders stopped jobs left under their final names, and temps a crash left. */
  async partials(): Promise<Results['jobs.partials']> {
    const items: PartialCopy[] = [];
    for (const job of this.#queue) {
      if (ACTIVE_STATES.has(job.s.state)) continue;
      for (const p of job.s.partial ?? []) {
        const d = await describePartial({ path: p, kind: 'partial', finalPath: p, jobId: job.id });
        if (d) items.push(d);
      }
    }
    const temps = await Promise.all(this.#temps.map((t) => describePartial(t)));
    this.#temps = temps.filter((t): t is PartialCopy => t !== null);
    return { items: [...items, ...this.#temps] };
  }

  /** Removes one incomplete copy: what its transfer created, never what was there before. */
  async removePartial(p: ValidParams<'jobs.removePartial'>): Promise<Results['jobs.removePartial']> {
    const item = (await this.partials()).items.find((x) => x.path === p.path);
    if (!item) throw new FerryError('ENOENT', 'no incomplete copy is known there', { path: p.path });
    const job = item.jobId ? [...this.#queue].find((j) => j.id === item.jobId) ?? null : null;
    if (job && (ACTIVE_STATES.has(job.s.state) || job.s.state === 'queued')) throw new FerryError('EBUSY', 'its transfer is running: cancel it first', { path: p.path });
    const res = await removePartial(item, job ? { records: await this.#logs.records(job.id), sources: job.s.sources } : null);
    if (res.removed.includes(item.path)) {
      this.#temps = this.#temps.filter((t) => t.path !== item.path);
      if (job && job.s.partial) {
        job.s.partial = job.s.partial.filter((x) => x !== item.path);
        this.#journal.put(job.s);
      }
    }
    this.#changed();
    return res;
  }

  /** The incomplete copy at `path`, if one is known (the pane marks it). */
  partialAt(path: string): { kind: PartialCopy['kind']; jobId: string | null } | undefined {
    for (const t of this.#temps) if (t.path === path) return { kind: 'temp', jobId: t.jobId };
    for (const job of this.#queue) if (!ACTIVE_STATES.has(job.s.state) && job.s.partial?.includes(path)) return { kind: 'partial', jobId: job.id };
    return undefined;
  }

  /** Whether an incomplete copy is known directly inside `dir` (a listing marks only then). */
  hasPartialIn(dir: string): boolean {
    const inDir = (p: string) => path.dirname(p) === dir;
    if (this.#temps.some((t) => inDir(t.path))) return true;
    for (const job of this.#queue) if (!ACTIVE_STATES.has(job.s.state) && job.s.partial?.some(inDir)) return true;
    return false;
  }

  notices(): Results['app.notices'] {
    return { notices: this.#notices.list() };
  }

  dismissNotice(p: ValidParams<'app.dismissNotice'>): Results['app.dismissNotice'] {
    return { ok: this.#notices.dismiss(p.id) };
  }

  /** Where the queue and the logs are kept (a temporary folder when the configured one cannot be used). */
  get dataDir(): string {
    return this.#dataDir;
  }

  /** The user settings in force. */
  settings(): Results['settings.get'] {
    return { retentionDays: this.#retentionDays, maxParallelDevices: this.#maxDevices, threads: this.#threads, askBeforeDrop: this.#askBeforeDrop };
  }

  /** Changes settings, saves them, and applies them now: a shorter retention deletes old logs at once. */
  async updateSettings(p: ValidParams<'settings.set'>): Promise<Results['settings.set']> {
    if (p.retentionDays !== undefined) this.#retentionDays = p.retentionDays;
    if (p.maxParallelDevices !== undefined) this.#maxDevices = p.maxParallelDevices;
    if (p.threads !== undefined) this.#threads = p.threads;
    if (p.askBeforeDrop !== undefined) this.#askBeforeDrop = p.askBeforeDrop;
    saveSettings(this.#dataDir, this.settings());
    if (p.retentionDays !== undefined) this.#prune();
    this.#pump();
    this.#changed();
    return this.settings();
  }

  /** Drops finished jobs (and their logs) older than the retention. */
  #prune(): void {
    this.#logs.retain(this.#retentionDays);
    const cutoff = Date.now() - this.#retentionDays * DAY_MS;
    for (const job of [...this.#queue]) {
      if (!FINISHED_STATES.has(job.s.state) || (job.s.finishedAt ?? job.s.createdAt) >= cutoff) continue;
      this.#journal.remove(job.id);
      this.#queue.delete(job.id);
    }
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const waits: Promise<void>[] = [];
    for (const job of this.#queue) {
      if (!job.running) continue;
      job.shutdown = true;
      job.cancelRequested = true;
      job.engine?.cancel();
      job.walk?.cancel();
      job.wake();
      waits.push(job.running);
    }
    await Promise.allSettled(waits);
    this.#ticker.stop();
    for (const job of this.#queue) job.flushLog();
    await this.#logs.close();
    this.#journal.close();
  }

  // -------------------------------------------------------------------------------------------
  // Requests
  // -------------------------------------------------------------------------------------------

  async start(p: ValidParams<'jobs.start'>): Promise<Results['jobs.start']> {
    if (this.#closing) throw new FerryError('ESHUTDOWN', 'Ferry is shutting down: no new transfers');
    const destDir = path.resolve(p.destDir);
    const st = await fsp.stat(native.decodeEnginePath(destDir)).catch((e: unknown) => {
      throw fsError(e, 'stat', destDir); // ENOENT etc. with Node's code and syscall, the path as sent
    });
    if (!st.isDirectory()) throw new FerryError('ENOTDIR', 'the destination is not a folder', { syscall: 'stat', path: destDir });
    const sources = p.sources.map((s) => path.resolve(s));
    if (p.names && p.names.length !== sources.length) throw new FerryError('EINVAL', `names: expected one name per source (${sources.length}), got ${p.names.length}`);
    await refuseSelfCopy(p.kind, sources, destDir, p.names);
    const options: CopyOptions = { ...DEFAULT_OPTIONS, ...(p.options as Partial<CopyOptions>) };
    const now = Date.now();
    const job = this.#newJob(newStoredJob({ id: newId(now), kind: p.kind, sources, destDir, options, createdAt: now, ...(p.names ? { names: p.names } : {}) }));
    job.dev = st.dev;
    this.#queue.add(job);
    this.#journal.put(job.s);
    this.#changed();
    this.#pump();
    return { jobId: job.id };
  }

  async control(p: ValidParams<'jobs.control'>): Promise<Results['jobs.control']> {
    const job = this.#queue.get(p.jobId);
    const st = job.s.state;
    switch (p.action) {
      case 'pause':
        if (ACTIVE_STATES.has(st) && st !== 'paused') {
          job.paused = true;
          job.resumeState = st;
          job.clock.pause(Date.now());
          job.engine?.pause();
          job.setState('paused');
        }
        break;
      case 'resume':
        if (st === 'paused') {
          job.paused = false;
          job.clock.resume(Date.now());
          job.engine?.resume();
          job.wake();
          job.meter.reset();
          job.setState(job.resumeState);
        } else if (st === 'interrupted') {
          this.#requeue(job, 'resume');
        }
        break;
      case 'cancel':
        if (st === 'queued' || st === 'interrupted') {
          job.s.finishedAt = Date.now();
          job.setState('cancelled');
        } else if (ACTIVE_STATES.has(st)) {
          job.cancelRequested = true;
          job.conflicts.clear(); // the engine's cancel answers them (skipped, 'cancel')
          job.engine?.cancel();
          job.walk?.cancel();
          job.wake();
        }
        break;
      case 'skip':
        if (ACTIVE_STATES.has(st)) {
          job.engine?.skipCurrent();
        }
        break;
      case 'retry':
        if (st === 'interrupted') this.#requeue(job, 'resume');
        else if (FINISHED_STATES.has(st)) await this.#retry(job);
        break;
      case 'remove':
        if (ACTIVE_STATES.has(st)) throw new FerryError('EBUSY', 'the transfer is still running: cancel it first');
        this.#queue.delete(job.id);
        this.#journal.remove(job.id);
        this.#changed();
        return { jobId: p.jobId, state: job.s.state };
      case 'up':
      case 'down':
        if (this.#queue.move(job, p.action === 'up' ? -1 : 1)) this.#journal.order(this.#queue.ids);
        break;
    }
    this.#changed();
    this.#pump();
    return { jobId: p.jobId, state: job.s.state };
  }

  list(): Results['jobs.list'] {
    return { jobs: [...this.#queue].map((job) => job.summary()) };
  }

  /** A page of a job's records, read from its log on disk. */
  async files(p: ValidParams<'jobs.files'>): Promise<Results['jobs.files']> {
    const job = this.#queue.get(p.jobId);
    job.flushLog();
    const total = await this.#logs.count(p.jobId);
    return { jobId: p.jobId, total, records: await this.#logs.range(p.jobId, p.offset, p.offset + p.limit) };
  }

  resolveConflict(p: ValidParams<'jobs.resolveConflict'>): Results['jobs.resolveConflict'] {
    const job = this.#queue.get(p.jobId);
    if (!job.conflicts.has(p.conflictId)) return { ok: false };
    if (p.newName !== undefined && p.decision !== 'rename') throw new FerryError('EINVAL', 'a new name goes with the decision "rename"');
    job.conflicts.delete(p.conflictId);
    job.clock.waitEnd(Date.now());
    if (p.decision === 'cancel') {
      job.engine?.resolveConflict(p.conflictId, 'cancel', false);
      void this.control({ jobId: p.jobId, action: 'cancel' });
      return { ok: true };
    }
    if (p.newName !== undefined) {
      // The person's name for this one file (never applied to all).
      job.engine?.resolveConflict(p.conflictId, 'rename', false, p.newName);
      this.#changed();
      return { ok: true };
    }
    job.engine?.resolveConflict(p.conflictId, p.decision, p.applyToAll);
    if (p.applyToAll) {
      job.applyAll = p.decision;
      for (const id of job.conflicts.keys()) job.engine?.resolveConflict(id, p.decision, false);
      job.clock.waitEnd(Date.now(), job.conflicts.size);
      job.conflicts.clear();
    }
    this.#changed();
    return { ok: true };
  }

  /** Removes every finished transfer from the queue (their logs stay until the retention ends). */
  clearFinished(): Results['jobs.clearFinished'] {
    const removed: string[] = [];
    for (const job of [...this.#queue]) {
      if (!FINISHED_STATES.has(job.s.state) || job.running) continue;
      this.#queue.delete(job.id);
      this.#journal.remove(job.id);
      removed.push(job.id);
    }
    if (removed.length) this.#changed();
    return { removed };
  }

  /**
   * What each source would be copied with. Explaining is a few system calls per path on the main
   * thread: it runs in slices of at most EXPLAIN_SLICE_MS with a turn of the event loop between
   * them, so 100,000 paths never freeze the window (or the other clients in serve mode).
   */
  async explain(p: ValidParams<'copy.explain'>): Promise<Results['copy.explain']> {
    const destDir = path.resolve(p.destDir);
    const items: Results['copy.explain']['items'] = [];
    let t0 = performance.now();
    for (let i = 0; i < p.sources.length; i++) {
      const src = p.sources[i]!;
      const dest = topPairs([src], destDir, p.names ? [p.names[i]!] : undefined)[0]!.dest; // one pair at a time: the whole list up front is a stall of its own
      items.push(this.#engine.explain(src, dest, 'auto'));
      if (performance.now() - t0 >= EXPLAIN_SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        t0 = performance.now();
      }
    }
    return { items };
  }

  async logRead(p: ValidParams<'log.read'>): Promise<Results['log.read']> {
    for (const job of this.#queue) job.flushLog();
    return this.#logs.query(p, p.offset, p.limit);
  }

  /** The file name of an export (`ferry-log-<job or all>-<time>.<format>`). */
  exportName(p: Pick<ValidParams<'log.export'>, 'jobId' | 'format'>, now = new Date()): string {
    return exportFileName(p.jobId, p.format, now);
  }

  /**
   * Streams exactly what the log view shows with the same filters (oldest first) to `sink`, one
   * chunk at a time (the HTTP download in serve mode, a file otherwise). Returns the record count.
   */
  async exportTo(p: ValidParams<'log.export'>, sink: (chunk: string) => Promise<void>): Promise<number> {
    for (const job of this.#queue) job.flushLog();
    return this.#logs.exportTo(p, p.format, sink);
  }

  /** Writes the export to `file` (through a hidden temporary name: never half a file under the final one). */
  async exportToFile(p: ValidParams<'log.export'>, file: string): Promise<{ path: string; records: number; bytes: number }> {
    return writeFileStreamed(file, (sink) => this.exportTo(p, sink));
  }

  /**
   * The export written to the data folder's exports/, its path and name; the content comes along
   * when it is small (up to EXPORT_INLINE_BYTES), else `contentOmitted` (read the file instead).
   */
  async logExport(p: ValidParams<'log.export'>): Promise<Results['log.export']> {
    const filename = this.exportName(p);
    const dir = path.join(this.#dataDir, 'exports');
    await fsp.mkdir(dir, { recursive: true });
    const file = path.join(dir, filename);
    const { records, bytes } = await this.exportToFile(p, file);
    if (bytes > EXPORT_INLINE_BYTES) return { path: file, filename, content: '', contentOmitted: true, records, bytes };
    return { path: file, filename, content: await fsp.readFile(file, 'utf8'), records, bytes };
  }

  // -------------------------------------------------------------------------------------------
  // Queue and events
  // -------------------------------------------------------------------------------------------

  #newJob(s: StoredJob): Job {
    return new Job(s, { journal: this.#journal, logs: this.#logs, changed: () => this.#changed() });
  }

  #requeue(job: Job, mode: Job['mode']): void {
    job.mode = mode;
    job.s.partial = [];
    job.cancelRequested = false;
    job.s.error = null;
    job.s.finishedAt = null;
    job.setState('queued');
  }

  async #retry(job: Job): Promise<void> {
    // The failures that still stand (a later record for the same destination replaces one), streamed from the log.
    const failed = new Map<string, FileRecord>();
    for await (const r of this.#logs.stream(job.id)) {
      if (r.scope === 'job') continue;
      if (isFailure(r)) failed.set(r.dest, r);
      else failed.delete(r.dest);
    }
    const pairs = failedPairs(failed.values());
    if (pairs.length > 0) {
      job.retryPairs = pairs;
      this.#requeue(job, 'retry');
    } else if (job.s.state === 'cancelled' || (job.s.state === 'failed' && job.s.filesDone === 0)) {
      this.#requeue(job, 'resume');
    }
  }

  #pump(): void {
    if (this.#closing) return;
    for (const job of startable(this.#queue, this.#maxDevices, destDevice)) {
      job.running = runJob(job, {
        engine: this.#engine,
        logs: this.#logs,
        emit: this.#emit,
        threads: () => this.#threads,
        changed: () => this.#changed(),
      }).finally(() => {
        job.running = null;
        this.#pump();
      });
    }
  }

  #changed(): void {
    if (!this.#closing) this.#ticker.changed();
  }

  /** One tick: this tick's `job.files` batches and one `job.updated`; true to tick again. */
  #tick(): boolean {
    const { batches, more } = takeFileBatches(this.#queue);
    for (const b of batches) this.#emit('job.files', b);
    this.#emit('job.updated', this.list());
    // Keep ticking while something runs (speed and ETA move even without events) or batches wait.
    return !this.#closing && (more || [...this.#queue].some((job) => job.running !== null));
  }
}

function newId(now: number): string {
  return `j${now.toString(36)}${randomBytes(4).toString('hex')}`;
}
