// The queue's state in the renderer: the job list (replaced whole on every `job.updated` tick),
// the selected job's finished files (a plain array behind a version counter, so 100k records never
// become reactive proxies), per-job speed history for the sparklines, and open conflicts.
import type { ConflictInfo, FileRecord, JobSummary } from '../../../electron/contract';
import { api, on } from '../lib/client';

type Action = 'pause' | 'resume' | 'cancel' | 'skip' | 'retry' | 'remove' | 'up' | 'down';
type Decision = 'overwrite' | 'skip' | 'rename' | 'newer' | 'cancel';

const HISTORY = 90; // samples (one per ≥ 500 ms: ~45 s of history)

export class QueueManager {
  jobs = $state.raw<JobSummary[]>([]);
  selectedId = $state<string | null>(null);
  error = $state<string | null>(null);
  /** Bumped whenever the selected job's file list or the speed history changes. */
  filesVersion = $state(0);
  historyVersion = $state(0);
  #files: FileRecord[] = [];
  #filesFor: string | null = null;
  #history = new Map<string, { t: number; v: number }[]>();
  #seenConflicts = $state.raw<ConflictInfo[]>([]);
  #unsubs: (() => void)[] = [];
  #loading = 0;

  readonly selected = $derived(this.jobs.find((j) => j.id === this.selectedId) ?? null);

  /** Open conflicts, oldest first: from the summaries (survive a reload) and the events. */
  readonly conflicts = $derived.by(() => {
    const open = new Map<string, ConflictInfo>();
    for (const j of this.jobs) for (const c of j.conflicts ?? []) open.set(`${c.jobId}:${c.conflictId}`, c);
    // A job.conflict event can arrive before the next summary tick lists it.
    for (const c of this.#seenConflicts) if (!open.has(`${c.jobId}:${c.conflictId}`)) open.set(`${c.jobId}:${c.conflictId}`, c);
    return [...open.values()];
  });

  start(): void {
    this.#unsubs.push(
      on('job.updated', ({ jobs }) => this.#setJobs(jobs)),
      on('job.files', ({ jobId, records }) => {
        if (jobId !== this.#filesFor) return;
        for (const r of records) this.#files.push(r);
        this.filesVersion++;
      }),
      on('job.conflict', (c) => {
        this.#seenConflicts = [...this.#seenConflicts.filter((x) => !(x.jobId === c.jobId && x.conflictId === c.conflictId)), c];
      }),
    );
    api['jobs.list']({}).then(
      ({ jobs }) => this.#setJobs(jobs),
      (e: Error) => (this.error = e.message),
    );
  }

  stop(): void {
    for (const u of this.#unsubs.splice(0)) u();
  }

  #setJobs(jobs: JobSummary[]): void {
    const before = new Set(this.jobs.map((j) => j.id));
    const prevSelected = this.jobs.find((j) => j.id === this.selectedId);
    this.jobs = jobs;
    // Follow a newly started transfer unless the one shown is still running.
    const fresh = before.size > 0 ? jobs.filter((j) => !before.has(j.id)) : [];
    const busy = prevSelected && (prevSelected.state === 'running' || prevSelected.state === 'scanning' || prevSelected.state === 'paused' || prevSelected.state === 'verifying');
    if (fresh.length > 0 && !busy) void this.select(fresh[fresh.length - 1]!.id);
    const now = Date.now();
    let changed = false;
    for (const j of jobs) {
      let h = this.#history.get(j.id);
      if (!h) this.#history.set(j.id, (h = []));
      const last = h[h.length - 1];
      const active = j.state === 'running' || j.state === 'paused' || j.state === 'scanning' || j.state === 'verifying' || j.state === 'flushing';
      if (active && (!last || now - last.t >= 500)) {
        h.push({ t: now, v: j.speed });
        if (h.length > HISTORY) h.shift();
        changed = true;
      }
    }
    for (const id of this.#history.keys()) if (!jobs.some((j) => j.id === id)) this.#history.delete(id);
    if (changed) this.historyVersion++;
    // Conflicts the summaries no longer list were decided (here or elsewhere).
    if (this.#seenConflicts.length) {
      this.#seenConflicts = this.#seenConflicts.filter((c) => {
        const j = jobs.find((x) => x.id === c.jobId);
        return j && (j.conflicts === undefined || j.conflicts.some((x) => x.conflictId === c.conflictId));
      });
    }
    if (this.selectedId === null && jobs.length > 0) this.select(jobs[jobs.length - 1]!.id);
    if (this.selectedId !== null && !jobs.some((j) => j.id === this.selectedId)) this.select(jobs[jobs.length - 1]?.id ?? null);
  }

  history(id: string): number[] {
    void this.historyVersion;
    return (this.#history.get(id) ?? []).map((s) => s.v);
  }

  get fileCount(): number {
    void this.filesVersion;
    return this.#files.length;
  }

  fileAt(i: number): FileRecord | undefined {
    void this.filesVersion;
    return this.#files[i];
  }

  /** Selects a job and loads its finished files page by page. */
  async select(id: string | null): Promise<void> {
    this.selectedId = id;
    this.#filesFor = id;
    this.#files = [];
    this.filesVersion++;
    if (!id) return;
    const token = ++this.#loading;
    const loaded: FileRecord[] = [];
    try {
      for (let offset = 0; ; ) {
        const page = await api['jobs.files']({ jobId: id, offset, limit: 5000 });
        if (token !== this.#loading) return;
        loaded.push(...page.records);
        offset += page.records.length;
        if (page.records.length === 0 || offset >= page.total) break;
      }
    } catch (e) {
      this.error = (e as Error).message;
      return;
    }
    // Records that arrived as events while loading are in #files; the page has the older ones.
    const seen = new Set(loaded.map((r) => `${r.src}\0${r.dest}`));
    this.#files = [...loaded, ...this.#files.filter((r) => !seen.has(`${r.src}\0${r.dest}`))];
    this.filesVersion++;
  }

  async control(jobId: string, action: Action): Promise<void> {
    this.error = null;
    try {
      await api['jobs.control']({ jobId, action });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  async resolve(c: ConflictInfo, decision: Decision, applyToAll: boolean): Promise<void> {
    this.#seenConflicts = this.#seenConflicts.filter((x) => !(x.jobId === c.jobId && (x.conflictId === c.conflictId || applyToAll)));
    // Hide at once; the next summary confirms.
    this.jobs = this.jobs.map((j) =>
      j.id === c.jobId && j.conflicts ? { ...j, conflicts: applyToAll ? [] : j.conflicts.filter((x) => x.conflictId !== c.conflictId) } : j,
    );
    try {
      await api['jobs.resolveConflict']({ jobId: c.jobId, conflictId: c.conflictId, decision, applyToAll });
    } catch (e) {
      this.error = (e as Error).message;
    }
  }
}
