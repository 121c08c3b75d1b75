// The transfer queue in the renderer, one instance (`queueManager`, started by the App): the job
// list (replaced whole on every `job.updated` tick), the selected job and its finished files (a
// plain array behind a version counter, so 100,000 records never become reactive proxies), each
// job's recent speeds for the sparklines, and the conflicts waiting for an answer. Components read
// the getters and call the methods; they never write state.
import type { ConflictDecision, ConflictInfo, JobFileRecord, JobSummary, Params, PartialCopy, Result } from '../../../electron/contract';
import { FINISHED_STATES, isActive } from '../../../electron/contract';
import { api, on } from './client';
import { toWireError } from '../../../native/errors';

export type JobAction = Params<'jobs.control'>['action'];

/** Speed samples kept per job (one per ≥ SAMPLE_MS: about 45 s of history). */
export const SPEED_SAMPLES = 90;
const SAMPLE_MS = 500;
/** Records asked for per `jobs.files` request (the contract's maximum). */
const FILES_PAGE = 5000;

const conflictKey = (c: ConflictInfo) => `${c.jobId}:${c.conflictId}`;

/** A finished record as the queue holds it: with its place in its job's log (seq). */
type FileRecord = JobFileRecord & { seq?: number };

/**
 * The queue's order on screen: transfers that run or wait, in queue order (the order they run
 * in), then finished ones, the latest first, so a new transfer is near the top, never below the fold.
 */
export function displayOrder(jobs: readonly JobSummary[]): JobSummary[] {
  const live = jobs.filter((j) => !FINISHED_STATES.has(j.state));
  const finished = jobs.filter((j) => FINISHED_STATES.has(j.state)).sort((a, b) => (b.finishedAt ?? b.createdAt) - (a.finishedAt ?? a.createdAt));
  return [...live, ...finished];
}

export class QueueManager {
  #jobs = $state.raw<readonly JobSummary[]>([]);
  #selectedId = $state<string | null>(null);
  #error = $state<string | null>(null);
  /** Conflicts announced by `job.conflict` events that the summaries may not list yet. */
  #announced = $state.raw<readonly ConflictInfo[]>([]);
  /** Bumped whenever #files or #speeds change (they are plain, not reactive). */
  #filesVersion = $state(0);
  #speedsVersion = $state(0);

  #files: FileRecord[] = [];
  #filesFor: string | null = null;
  /**
   * The seq after the last record shown: the main process logs a record (giving it its seq)
   * before the tick that sends it, so a `jobs.files` page can hold records whose `job.files` event
   * comes later, and events that came while the pages loaded can hold records the pages have too.
   * A record whose seq is below this one is already shown.
   */
  #nextSeq = 0;
  /** The pages of a selected job are loading (they merge what events bring meanwhile). */
  #loading = false;
  /** A gap in the records' seq was seen: #catchUp reads what is missing from the log. */
  #behind = false;
  #catchingUp = false;
  #speeds = new Map<string, { t: number; v: number }[]>();
  /** Incomplete copies (partial folders of stopped jobs, temps a crash left), and what changes them. */
  #partials = $state.raw<readonly PartialCopy[]>([]);
  #partialsKey = '';
  #unsubscribe: (() => void)[] = [];
  #loadToken = 0;

  #selected = $derived(this.#jobs.find((j) => j.id === this.#selectedId) ?? null);
  #ordered = $derived(displayOrder(this.#jobs));
  #finishedCount = $derived(this.#jobs.filter((j) => FINISHED_STATES.has(j.state)).length);
  #conflicts = $derived.by(() => {
    const open = new Map<string, ConflictInfo>();
    for (const j of this.#jobs) for (const c of j.conflicts ?? []) open.set(conflictKey(c), c);
    // A job.conflict event can arrive before the next summary tick lists it.
    for (const c of this.#announced) if (!open.has(conflictKey(c))) open.set(conflictKey(c), c);
    return [...open.values()];
  });
  #activeCount = $derived(this.#jobs.filter((j) => isActive(j.state)).length);

  // ------------------------------------------------------------------ getters

  get jobs(): readonly JobSummary[] {
    return this.#jobs;
  }
  /** The jobs as the queue shows them (displayOrder). */
  get ordered(): readonly JobSummary[] {
    return this.#ordered;
  }
  /** Finished jobs ("Clear finished" removes them). */
  get finishedCount(): number {
    return this.#finishedCount;
  }
  /** Jobs that hold the engine now (for the tab's "2/5"). */
  get activeCount(): number {
    return this.#activeCount;
  }
  get selectedId(): string | null {
    return this.#selectedId;
  }
  get selected(): JobSummary | null {
    return this.#selected;
  }
  /** The last request's failure, in the user's terms; cleared by the next control request. */
  get error(): string | null {
    return this.#error;
  }
  /** Open conflicts, oldest first: from the summaries (they survive a reload) and the events. */
  get conflicts(): readonly ConflictInfo[] {
    return this.#conflicts;
  }
  /** Finished files of the selected job. */
  get fileCount(): number {
    void this.#filesVersion;
    return this.#files.length;
  }
  fileAt(i: number): FileRecord | undefined {
    void this.#filesVersion;
    return this.#files[i];
  }
  /** Incomplete copies the queue knows of (see PartialCopy). */
  get partials(): readonly PartialCopy[] {
    return this.#partials;
  }
  /** Recent speeds of a job, oldest first (bytes per second). */
  speeds(id: string): number[] {
    void this.#speedsVersion;
    return (this.#speeds.get(id) ?? []).map((s) => s.v);
  }

  // ------------------------------------------------------------------ lifecycle

  /** Subscribes to the job events and loads the list. Returns `stop`. */
  start(): () => void {
    this.stop();
    this.#unsubscribe.push(
      on('job.updated', ({ jobs }) => this.#setJobs(jobs)),
      on('job.files', ({ jobId, records }) => this.#addFiles(jobId, records)),
      on('job.conflict', (c) => {
        this.#announced = [...this.#announced.filter((x) => conflictKey(x) !== conflictKey(c)), c];
      }),
    );
    api['jobs.list']({}).then(
      ({ jobs }) => this.#setJobs(jobs),
      (e: unknown) => this.#fail(e),
    );
    void this.refreshPartials();
    return () => this.stop();
  }

  stop(): void {
    for (const u of this.#unsubscribe.splice(0)) u();
  }

  #fail(e: unknown): void {
    this.#error = toWireError(e).message;
  }

  #setJobs(jobs: JobSummary[]): void {
    const before = new Set(this.#jobs.map((j) => j.id));
    const shown = this.#selected;
    this.#jobs = jobs;
    // A job that stopped, was removed or left (or lost) partial copies: the list may have changed.
    const key = jobs.map((j) => `${j.id}:${j.state}:${j.partial?.length ?? 0}`).join(',');
    if (key !== this.#partialsKey) {
      this.#partialsKey = key;
      void this.refreshPartials();
    }
    this.#sampleSpeeds(jobs, Date.now());
    // Conflicts the summaries no longer list were decided (here or elsewhere).
    if (this.#announced.length) {
      this.#announced = this.#announced.filter((c) => {
        const j = jobs.find((x) => x.id === c.jobId);
        return j !== undefined && (j.conflicts === undefined || j.conflicts.some((x) => x.conflictId === c.conflictId));
      });
    }
    // Follow a newly started transfer unless the one shown is still running; keep a selection.
    const fresh = before.size > 0 ? jobs.filter((j) => !before.has(j.id)) : [];
    const last = jobs[jobs.length - 1]?.id ?? null;
    if (fresh.length > 0 && !(shown && isActive(shown.state))) void this.select(fresh[fresh.length - 1]!.id);
    else if (this.#selectedId === null ? last !== null : !jobs.some((j) => j.id === this.#selectedId)) void this.select(last);
  }

  #sampleSpeeds(jobs: readonly JobSummary[], now: number): void {
    let changed = false;
    for (const j of jobs) {
      let h = this.#speeds.get(j.id);
      if (!h) this.#speeds.set(j.id, (h = []));
      const prev = h[h.length - 1];
      if (isActive(j.state) && (!prev || now - prev.t >= SAMPLE_MS)) {
        h.push({ t: now, v: j.speed });
        if (h.length > SPEED_SAMPLES) h.shift();
        changed = true;
      }
    }
    for (const id of this.#speeds.keys()) {
      if (!jobs.some((j) => j.id === id)) {
        this.#speeds.delete(id);
        changed = true;
      }
    }
    if (changed) this.#speedsVersion++;
  }

  #addFiles(jobId: string, records: readonly FileRecord[]): void {
    if (jobId !== this.#filesFor) return;
    for (const r of records) {
      if (r.seq !== undefined) {
        if (r.seq < this.#nextSeq) continue; // shown already (a page had it)
        if (r.seq > this.#nextSeq && !this.#loading) {
          // A gap: the main process did not hold every record of a big burst for us (they are
          // in the log). Read from the first one missing; what follows comes with those pages.
          void this.#catchUp(jobId);
          break;
        }
        this.#nextSeq = r.seq + 1;
      }
      this.#files.push(r);
    }
    this.#showFilesSoon();
  }

  #showPending = false;
  /**
   * One redraw of the file list per frame: a tick brings up to three `job.files` batches, each its
   * own message; the table is told once, at the next frame (or within 100 ms when no frame comes,
   * as in a hidden window).
   */
  #showFilesSoon(): void {
    if (this.#showPending) return;
    this.#showPending = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let frame = 0;
    const show = () => {
      if (!this.#showPending) return;
      this.#showPending = false;
      clearTimeout(timer);
      globalThis.cancelAnimationFrame?.(frame);
      this.#filesVersion++;
    };
    frame = globalThis.requestAnimationFrame?.(show) ?? 0;
    timer = setTimeout(show, 100);
  }

  /** Reads the shown job's records from #nextSeq on from the log (jobs.files), until none is missing. */
  async #catchUp(jobId: string): Promise<void> {
    this.#behind = true;
    if (this.#catchingUp) return;
    this.#catchingUp = true;
    const token = this.#loadToken;
    try {
      while (this.#behind) {
        this.#behind = false;
        for (;;) {
          const page = await api['jobs.files']({ jobId, offset: this.#nextSeq, limit: FILES_PAGE });
          if (token !== this.#loadToken || jobId !== this.#filesFor) return;
          for (const r of page.records as FileRecord[]) {
            if (r.seq !== undefined && r.seq < this.#nextSeq) continue;
            this.#files.push(r);
            this.#nextSeq = (r.seq ?? this.#nextSeq) + 1;
          }
          this.#filesVersion++;
          if (page.records.length === 0 || this.#nextSeq >= page.total) break;
        }
      }
    } catch (e) {
      this.#fail(e);
    } finally {
      this.#catchingUp = false;
    }
  }

  // ------------------------------------------------------------------ actions

  /** Shows a job and loads its finished files page by page (records arriving meanwhile are kept once). */
  async select(id: string | null): Promise<void> {
    this.#selectedId = id;
    this.#filesFor = id;
    this.#files = [];
    this.#nextSeq = 0;
    this.#filesVersion++;
    if (!id) return;
    const token = ++this.#loadToken;
    const loaded: FileRecord[] = [];
    this.#loading = true;
    try {
      for (let offset = 0; ; ) {
        const page = await api['jobs.files']({ jobId: id, offset, limit: FILES_PAGE });
        if (token !== this.#loadToken) return;
        loaded.push(...page.records);
        offset += page.records.length;
        if (page.records.length === 0 || offset >= page.total) break;
      }
    } catch (e) {
      if (token === this.#loadToken) this.#fail(e);
      return;
    } finally {
      if (token === this.#loadToken) this.#loading = false;
    }
    // The pages hold records 0…n-1 in order; events that came meanwhile add only what follows.
    const next = loaded.reduce((n, r) => (r.seq !== undefined ? Math.max(n, r.seq + 1) : n), loaded.length);
    const fresh = this.#files.filter((r) => r.seq === undefined || r.seq >= next);
    if (fresh[0]?.seq !== undefined && fresh[0].seq > next) {
      // Records between the pages and the events were not sent (a big burst): read them.
      this.#files = loaded;
      this.#nextSeq = next;
      this.#filesVersion++;
      void this.#catchUp(id);
      return;
    }
    this.#files = [...loaded, ...fresh];
    this.#nextSeq = fresh.reduce((n, r) => (r.seq !== undefined ? Math.max(n, r.seq + 1) : n), next);
    this.#filesVersion++;
  }

  /** Removes every finished transfer from the queue. */
  async clearFinished(): Promise<void> {
    this.#error = null;
    try {
      await api['jobs.clearFinished']({});
    } catch (e) {
      this.#fail(e);
    }
  }

  async control(jobId: string, action: JobAction): Promise<void> {
    this.#error = null;
    try {
      await api['jobs.control']({ jobId, action });
    } catch (e) {
      this.#fail(e);
    }
  }

  async refreshPartials(): Promise<void> {
    try {
      this.#partials = (await api['jobs.partials']({})).items;
    } catch {
      /* the queue shows what it can; a later tick tries again */
    }
  }

  /**
   * Removes incomplete copies: what their transfer created, never what was there before. The
   * answer says what was kept and why (as the queue's message when something was kept).
   */
  async removePartial(paths: readonly string[]): Promise<Result<'jobs.removePartial'>> {
    this.#error = null;
    const all: Result<'jobs.removePartial'> = { removed: [], kept: [] };
    for (const path of paths) {
      try {
        const r = await api['jobs.removePartial']({ path });
        all.removed.push(...r.removed);
        all.kept.push(...r.kept);
      } catch (e) {
        this.#fail(e);
      }
    }
    if (all.kept.length) this.#error = `Kept ${all.kept.length} ${all.kept.length === 1 ? 'entry' : 'entries'}: ${all.kept[0]!.reason} (${all.kept[0]!.path})${all.kept.length > 1 ? ', …' : ''}`;
    await this.refreshPartials();
    return all;
  }

  /**
   * Answers a conflict (or, with applyToAll, every conflict of its job); the dialog closes at once.
   * With 'rename' and a `newName`, the copy takes that name.
   */
  async resolve(c: ConflictInfo, decision: ConflictDecision, applyToAll: boolean, newName?: string): Promise<void> {
    this.#announced = this.#announced.filter((x) => !(x.jobId === c.jobId && (x.conflictId === c.conflictId || applyToAll)));
    this.#jobs = this.#jobs.map((j) =>
      j.id === c.jobId && j.conflicts ? { ...j, conflicts: applyToAll ? [] : j.conflicts.filter((x) => x.conflictId !== c.conflictId) } : j,
    );
    try {
      await api['jobs.resolveConflict']({ jobId: c.jobId, conflictId: c.conflictId, decision, applyToAll: newName === undefined && applyToAll, ...(newName !== undefined ? { newName } : {}) });
    } catch (e) {
      this.#fail(e);
    }
  }
}

export const queueManager = new QueueManager();
