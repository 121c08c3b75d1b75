// The queue's durable state: a snapshot (`queue.json`, replaced atomically by write-temp, fsync,
// rename) plus an append-only journal (`queue.journal.jsonl`) of changes since that snapshot.
// Loading applies the journal to the snapshot; a torn last line (crash mid-append) is ignored.
// Appends are synchronous and small (state changes only, never per-file progress), so whatever the
// service acknowledged is on disk before the next event-loop turn.
import fs from 'node:fs';
import path from 'node:path';
import type { ByMethod, CopyOptions, JobKind, JobState, WireError } from '../contract.js';

/** What survives a restart about one job. Per-file outcomes live in the job's log instead. */
export interface StoredJob {
  id: string;
  kind: JobKind;
  sources: string[];
  destDir: string;
  options: CopyOptions;
  state: JobState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  filesTotal: number;
  bytesTotal: number;
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  bytesReflinked: number;
  bytesSkipped: number;
  byMethod: ByMethod;
  flushMs: number;
  error: WireError | null;
  /** The latest run's working time and the bytes it really moved (summary.ts: activeMs, runBytesMoved). */
  activeMs?: number;
  runBytesMoved?: number;
  /** Bytes really read and written over the job (the tally's bytesCopied), and its sparse files. */
  bytesCopied?: number;
  sparse?: { files: number; size: number; bytes: number };
  /** The name each source gets in destDir when not its own (a duplicate in its own folder). */
  names?: string[];
  /** Said once per job by the engine (a foreign destination's lost metadata, items left behind). */
  warnings?: string[];
}

/** A job as it is first queued: its identity and options, every counter at zero. */
export function newStoredJob(j: Pick<StoredJob, 'id' | 'kind' | 'sources' | 'destDir' | 'options' | 'createdAt' | 'names'>): StoredJob {
  return {
    ...j,
    state: 'queued',
    startedAt: null,
    finishedAt: null,
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    filesFailed: 0,
    bytesDone: 0,
    bytesReflinked: 0,
    bytesSkipped: 0,
    byMethod: {},
    flushMs: 0,
    error: null,
  };
}

type Line = { op: 'put'; job: StoredJob } | { op: 'remove'; id: string } | { op: 'order'; ids: string[] };

const SNAPSHOT = 'queue.json';
const JOURNAL = 'queue.journal.jsonl';
const COMPACT_AFTER = 500;

export class Journal {
  #dir: string;
  #fd: number | null = null;
  #lines = 0;
  #jobs = new Map<string, StoredJob>();
  #order: string[] = [];

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Reads snapshot + journal, then compacts them into a fresh snapshot. */
  load(): { jobs: StoredJob[] } {
    fs.mkdirSync(this.#dir, { recursive: true });
    try {
      const snap = JSON.parse(fs.readFileSync(path.join(this.#dir, SNAPSHOT), 'utf8')) as { jobs?: StoredJob[] };
      for (const j of snap.jobs ?? []) this.#put(j);
    } catch {
      // No snapshot yet (first run) or unreadable: start from the journal alone.
    }
    let text = '';
    try {
      text = fs.readFileSync(path.join(this.#dir, JOURNAL), 'utf8');
    } catch {
      /* no journal */
    }
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      let line: Line;
      try {
        line = JSON.parse(raw) as Line;
      } catch {
        continue; // torn write at a crash
      }
      this.#apply(line);
    }
    this.compact();
    return { jobs: this.jobs() };
  }

  jobs(): StoredJob[] {
    return this.#order.map((id) => this.#jobs.get(id)!).filter(Boolean);
  }

  /** Records a job's new state. The (possibly huge) source list is written only when it changed. */
  put(job: StoredJob): void {
    const prev = this.#jobs.get(job.id);
    if (prev && prev.sources === job.sources) {
      const { sources: _unchanged, ...rest } = job;
      this.#append({ op: 'put', job: rest as StoredJob });
    } else this.#append({ op: 'put', job });
  }

  remove(id: string): void {
    this.#append({ op: 'remove', id });
  }

  order(ids: string[]): void {
    this.#append({ op: 'order', ids });
  }

  /** Writes the whole state to a new snapshot atomically and empties the journal. */
  compact(): void {
    const file = path.join(this.#dir, SNAPSHOT);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ version: 1, jobs: this.jobs() }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
    this.#syncDir();
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = fs.openSync(path.join(this.#dir, JOURNAL), 'w', 0o600); // truncate: the snapshot holds it all
    this.#lines = 0;
  }

  close(): void {
    if (this.#fd === null) return;
    try {
      this.compact();
    } finally {
      if (this.#fd !== null) fs.closeSync(this.#fd);
      this.#fd = null;
    }
  }

  #append(line: Line): void {
    this.#apply(line);
    if (this.#fd === null) this.#fd = fs.openSync(path.join(this.#dir, JOURNAL), 'a', 0o600);
    fs.writeSync(this.#fd, JSON.stringify(line) + '\n');
    if (++this.#lines >= COMPACT_AFTER) this.compact();
  }

  #apply(line: Line): void {
    if (line.op === 'put') this.#put(line.job);
    else if (line.op === 'remove') {
      this.#jobs.delete(line.id);
      this.#order = this.#order.filter((x) => x !== line.id);
    } else if (line.op === 'order') {
      const known = line.ids.filter((id) => this.#jobs.has(id));
      const rest = this.#order.filter((id) => !known.includes(id));
      this.#order = [...known, ...rest];
    }
  }

  #put(job: StoredJob): void {
    if (!job || typeof job.id !== 'string') return;
    const prev = this.#jobs.get(job.id);
    if (!prev) this.#order.push(job.id);
    // A line without sources keeps the ones recorded before (same array: no copy).
    this.#jobs.set(job.id, { ...job, sources: job.sources ?? prev?.sources ?? [] });
  }

  #syncDir(): void {
    try {
      const d = fs.openSync(this.#dir, 'r');
      try {
        fs.fsyncSync(d);
      } finally {
        fs.closeSync(d);
      }
    } catch {
      /* best effort */
    }
  }
}
