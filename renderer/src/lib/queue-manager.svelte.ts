// The transfer queue in the renderer, one instance (`queueManager`, started by the App): the job
// list (replaced whole on every `job.updated` tick), the selected job and its finished files (pages
// of its log fetched for the rows on screen, PagedRecords: a 100,000-file job never sends the page
// every record, and records never become reactive proxies), each job's recent speeds for the
// sparklines, and the conflicts waiting for an answer. Components read the getters and call the
// methods; they never write state.
import type { ConflictDecision, ConflictInfo, JobFileRecord, JobSummary, Params, PartialCopy, Result } from '../../../electron/contract';
import { FINISHED_STATES, isActive } from '../../../electron/contract';
import { api, on } from './client';
import { toWireError } from '../../../native/errors';
import { PagedRecords } from './paged-records.svelte';

export type JobAction = Params<'jobs.control'>['action'];

/** Speed samples kept per job (one per ≥ SAMPLE_MS: about 45 s of history). */
export const SPEED_SAMPLES = 90;
const SAMPLE_MS = 500;
/** Records per `jobs.files` page (the rows on screen ask for theirs). */
export const FILES_PAGE = 500;

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
  /** Bumped whenever #speeds changes (it is plain, not reactive). */
  #speedsVersion = $state(0);

  /**
   * The selected job's records as pages of its log (`jobs.files`), fetched when a row that needs
   * them is read (the rows on screen): the queue does not take every record as it is made. Its
   * count grows with the job's ticks (filesLogged).
   */
  #files = new PagedRecords<FileRecord>(FILES_PAGE);
  #speeds = new Map<string, { t: number; v: number }[]>();
  /** Incomplete copies (partial folders of stopped jobs, temps a crash left), and what changes them. */
  #partials = $state.raw<readonly PartialCopy[]>([]);
  #partialsKey = '';
  #unsubscribe: (() => void)[] = [];

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
  /**
   * The last request's failure, in the user's terms: a control request's (cleared by the next
   * one), else the shown job's files' (cleared by the next page that loads).
   */
  get error(): string | null {
    return this.#error ?? this.#files.error;
  }
  /** Open conflicts, oldest first: from the summaries (they survive a reload) and the events. */
  get conflicts(): readonly ConflictInfo[] {
    return this.#conflicts;
  }
  /** Finished files of the selected job (its records in the log). */
  get fileCount(): number {
    return this.#files.total;
  }
  /** Record i of the selected job, or undefined while its page loads (reading it asks for the page). */
  fileAt(i: number): FileRecord | undefined {
    return this.#files.at(i);
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
      on('job.conflict', (c) => {
        this.#announced = [...this.#announced.filter((x) => conflictKey(x) !== conflictKey(c)), c];
      }),
    );
    // The records come as pages of the rows shown (jobs.files): no job.files events for this page.
    api['jobs.fileEvents']({ send: false }).catch(() => {
      /* an older server: its events are ignored */
    });
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
    const logged = this.#selectedId === null ? undefined : jobs.find((j) => j.id === this.#selectedId)?.filesLogged;
    if (logged !== undefined) this.#files.grow(logged);
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

  // ------------------------------------------------------------------ actions

  /** Shows a job: its finished files are counted by the first page (later ticks grow the count). */
  async select(id: string | null): Promise<void> {
    this.#selectedId = id;
    await this.#files.reset(id === null ? null : (offset, limit) => api['jobs.files']({ jobId: id, offset, limit }));
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
