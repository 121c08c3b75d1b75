// One job's state while Ferry runs: its durable part (`s`, kept in the journal), the engine handle,
// pause/cancel flags, counters, the records waiting for the log and for the renderer, and its
// verifier. Every state change goes to the journal at once; every change of what the queue shows
// calls `changed()` (the ticker sends it on its next tick).
import type { ConflictDecision, ConflictInfo, CurrentFile, JobFileRecord as FileRecord, JobState, JobSummary } from '../contract.js';
import type { CopyPair, RunningJob } from '../../native/index.js';
import type { Journal, StoredJob } from './journal.js';
import type { LogStore } from './log-store.js';
import { WorkClock } from './clock.js';
import { SpeedMeter } from './speed.js';
import { storedCounters, summarize } from './summary.js';
import { LiveTally, type Tally } from './tally.js';
import { Verifier } from './verifier.js';

/** Finished records waiting for the renderer, at most (twice this, briefly): see finish(). */
export const MAX_PENDING_FILES = 10_000;

/** fresh: a first run; resume: go on after an interruption; retry: run the failed entries again. */
export type Mode = 'fresh' | 'resume' | 'retry';

/** Where a job keeps what must survive it, and how it tells the queue that it changed. */
export interface JobStores {
  journal: Journal;
  logs: LogStore;
  changed: () => void;
}

export class Job {
  s: StoredJob;
  /** st_dev of the destination folder (jobs on one device run one after another). */
  dev: number | null = null;
  mode: Mode = 'fresh';
  retryPairs: CopyPair[] = [];
  engine: RunningJob | null = null;
  /** The engine's counting walk while the job is being surveyed (cancel stops it). */
  walk: { cancel(): void } | null = null;
  running: Promise<void> | null = null;
  current: CurrentFile[] = [];
  conflicts = new Map<number, ConflictInfo>();
  applyAll: ConflictDecision | null = null;
  meter = new SpeedMeter(3000);
  /** What the job's records add up to (the last record per destination counts). */
  readonly live = new LiveTally();
  /** The run's working time (waiting in the queue, paused or on a question excluded). */
  clock = new WorkClock();
  /** tally.bytesCopied when the run started copying: the run's own bytes are what it adds. */
  runStartCopied = 0;
  /** Bytes moving (copied and in flight) at the last engine event: the clock counts a change as progress. */
  lastMoving = -1;
  /** Conflicts the run's scan expects (names taken at the destination; asking, first run only) and those raised so far. */
  conflictsExpected = 0;
  conflictsRaised = 0;
  predictedReflink = 0;
  paused = false;
  /** The phase a paused job returns to. */
  resumeState: JobState = 'running';
  cancelRequested = false;
  /** close(): stop now, come back as 'interrupted'. */
  shutdown = false;
  /** Finished records not yet sent to the renderer (the ticker takes them). */
  pendingFiles: FileRecord[] = [];
  /** Finished records not yet appended to the log. */
  logBuf: FileRecord[] = [];
  verifier: Verifier;
  readonly #stores: JobStores;
  #wake: (() => void) | null = null;

  constructor(s: StoredJob, stores: JobStores) {
    this.s = s;
    this.#stores = stores;
    this.verifier = new Verifier(this, stores.changed);
  }

  get id(): string {
    return this.s.id;
  }

  get tally(): Tally {
    return this.live.t;
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

  /** Sets the phase, or remembers it for when a paused job resumes. */
  phase(st: JobState): void {
    if (this.paused) this.resumeState = st;
    else this.setState(st);
  }

  setState(st: JobState): void {
    if (this.s.state === st) return;
    this.s.state = st;
    this.syncTally();
    this.#stores.journal.put(this.s);
    this.#stores.changed();
  }

  /** Copies the live counters into the stored job (journaled with the next state change). */
  syncTally(): void {
    Object.assign(this.s, storedCounters(this.tally));
  }

  /**
   * A record is final: it goes to the log and to the `job.files` subscribers (Ferry's page pages
   * the log instead). What waits for them is bounded (MAX_PENDING_FILES): past that the oldest
   * waiting records are dropped from the outbox (they are in the log), and a subscriber seeing a
   * gap in the records' seq reads them from the log (jobs.files) instead of the main process
   * holding a big job's records in memory.
   */
  finish(r: FileRecord): void {
    this.logBuf.push(r);
    this.pendingFiles.push(r);
    if (this.pendingFiles.length > 2 * MAX_PENDING_FILES) this.pendingFiles = this.pendingFiles.slice(-MAX_PENDING_FILES);
  }

  flushLog(): void {
    if (this.logBuf.length === 0) return;
    const batch = this.logBuf;
    this.logBuf = [];
    this.#stores.logs.append(this.s.id, batch);
  }

  /** Conflicts of this run still to answer: open now, plus those the scan expects that were not raised yet. */
  conflictsLeft(): number {
    const toCome = this.applyAll ? 0 : Math.max(0, this.conflictsExpected - this.conflictsRaised);
    return this.conflicts.size + toCome;
  }

  summary(): JobSummary {
    const rate = this.s.state === 'verifying' ? this.verifier.meter.speed() : this.meter.speed();
    const live = this.running !== null;
    // What jobs.files would count (it appends the records waiting for the log first).
    const logged = this.#stores.logs.countIfOpen(this.s.id);
    const s = summarize({
      ...(live ? { activeMs: this.clock.ms(Date.now()), runBytesMoved: Math.max(0, this.tally.bytesCopied - this.runStartCopied), conflictsLeft: this.conflictsLeft() } : {}),
      s: this.s,
      tally: this.tally,
      current: this.current,
      conflicts: [...this.conflicts.values()],
      verify: this.verifier.progress,
      predictedReflink: this.predictedReflink,
      rate,
    });
    if (logged !== undefined) s.filesLogged = logged + this.logBuf.length;
    return s;
  }
}
