// The queue's durable state: a snapshot (`queue.json`) plus an append-only journal
// (`queue.journal.jsonl`) of the changes since that snapshot. Appends are synchronous and small
// (state changes only, never per-file progress), so whatever the service acknowledged is on disk
// before the next event-loop turn.
//
// What a crash or a damaged file may cost, and what it may not:
// - Each snapshot has a generation `gen`; the journal written after it starts with
//   `{"op":"begin","gen":gen}`. Compacting keeps the previous snapshot (`queue.prev.json`) and
//   the previous journal (`queue.journal.prev.jsonl`): a snapshot that cannot be read is rebuilt
//   exactly from the previous one and both journals.
// - Journal lines are self-sufficient: the first line about a job in a journal carries the whole
//   job, sources included; later lines may leave the (possibly huge) source list out. So the
//   journal alone rebuilds every job it mentions, and a job is never rebuilt with `sources: []`:
//   one whose sources are nowhere is reported as lost instead.
// - A line that cannot be read (garbage, `null`, a wrong shape, a torn tail) is skipped and
//   counted; it never stops Ferry from starting.
// - A file that cannot be read is never overwritten: it is moved aside as
//   `<name>.damaged-<time>` (a journal with bad lines is copied aside before it is rotated).
//   When even that is impossible, `load()` throws a DataDirError in the user's terms.
import fs from 'node:fs';
import path from 'node:path';
import type { ByMethod, CopyOptions, JobKind, JobState, WireError } from '../contract.js';
import { errorDescription, FerryError, toWireError } from '../../native/errors.js';

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
  /** Added later: absent in older journals (read as 0 / empty). */
  filesSkipped?: number;
  foldersFailed?: number;
  notStarted?: number;
  verifyFailed?: number;
  skippedBy?: Record<string, number>;
  failedBy?: Record<string, number>;
  bytesDone: number;
  bytesReflinked: number;
  bytesSkipped: number;
  byMethod: ByMethod;
  flushMs: number;
  error: WireError | null;
  /** Folders it left incomplete under their final names (cancelled, failed, interrupted). */
  partial?: string[];
  /** The latest run's working time and the bytes it really moved (summary.ts: activeMs, runBytesMoved). */
  activeMs?: number;
  runBytesMoved?: number;
  /** Bytes really read and written over the job (the tally's bytesCopied), and its sparse files. */
  bytesCopied?: number;
  sparse?: { files: number; size: number; bytes: number };
}

/** A job as it is first queued: its identity and options, every counter at zero. */
export function newStoredJob(j: Pick<StoredJob, 'id' | 'kind' | 'sources' | 'destDir' | 'options' | 'createdAt'>): StoredJob {
  return {
    ...j,
    state: 'queued',
    startedAt: null,
    finishedAt: null,
    filesTotal: 0,
    bytesTotal: 0,
    filesDone: 0,
    filesFailed: 0,
    filesSkipped: 0,
    foldersFailed: 0,
    notStarted: 0,
    verifyFailed: 0,
    skippedBy: {},
    failedBy: {},
    bytesDone: 0,
    bytesReflinked: 0,
    bytesSkipped: 0,
    byMethod: {},
    flushMs: 0,
    error: null,
  };
}

type Line = { op: 'begin'; gen: number } | { op: 'put'; job: StoredJob } | { op: 'remove'; id: string } | { op: 'order'; ids: string[] };

export const SNAPSHOT = 'queue.json';
export const PREV_SNAPSHOT = 'queue.prev.json';
export const JOURNAL = 'queue.journal.jsonl';
export const PREV_JOURNAL = 'queue.journal.prev.jsonl';
const COMPACT_AFTER = 500;
/** Damaged copies kept per file name (the oldest go). */
const KEEP_DAMAGED = 5;

const STATES = new Set<string>(['queued', 'scanning', 'running', 'paused', 'flushing', 'verifying', 'done', 'failed', 'cancelled', 'interrupted']);
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The data folder cannot be used (e.g. EPERM, EROFS, a damaged file that cannot even be moved aside). */
export class DataDirError extends FerryError {}

/** What loading found, for the notice that tells the user. */
export interface LoadReport {
  /** Where the queue came from. */
  source: 'snapshot' | 'previous' | 'journal' | 'empty';
  /** Files that could not be read: moved (or, for journals, copied) aside. */
  damaged: { file: string; keptAs: string; error: string }[];
  /** Journal lines that could not be read and were skipped. */
  badLines: number;
  /** Jobs the journal mentions that could not be rebuilt (their source list was lost). */
  lost: { id: string; destDir: string | null; state: string | null }[];
}

/** A stored job from untrusted JSON, or null. `needSources`: a line that must carry the source list. */
export function parseStoredJob(x: unknown, needSources: boolean): StoredJob | null {
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  if (typeof o.id !== 'string' || !ID.test(o.id)) return null;
  if (o.kind !== 'copy' && o.kind !== 'move') return null;
  if (typeof o.destDir !== 'string' || !o.destDir.startsWith('/')) return null;
  if (typeof o.state !== 'string' || !STATES.has(o.state)) return null;
  const hasSources = Array.isArray(o.sources) && o.sources.length > 0 && o.sources.every((s) => typeof s === 'string' && s.startsWith('/'));
  if (o.sources !== undefined && !hasSources) return null;
  if (needSources && !hasSources) return null;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);
  const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const counts = (v: unknown): Record<string, number> => {
    const out: Record<string, number> = {};
    if (v && typeof v === 'object') for (const [k, n] of Object.entries(v)) if (typeof n === 'number' && n > 0) out[k] = n;
    return out;
  };
  const byMethod: ByMethod = {};
  if (o.byMethod && typeof o.byMethod === 'object') {
    for (const [k, m] of Object.entries(o.byMethod as Record<string, unknown>)) {
      const mm = m as { files?: unknown; bytes?: unknown } | null;
      if (mm && typeof mm === 'object') byMethod[k as keyof ByMethod] = { files: num(mm.files), bytes: num(mm.bytes) };
    }
  }
  const e = o.error as Partial<WireError> | null | undefined;
  const job: StoredJob = {
    id: o.id,
    kind: o.kind,
    sources: hasSources ? (o.sources as string[]) : (undefined as unknown as string[]),
    destDir: o.destDir,
    options: (o.options && typeof o.options === 'object' ? o.options : {}) as CopyOptions,
    state: o.state as JobState,
    createdAt: num(o.createdAt),
    startedAt: numOrNull(o.startedAt),
    finishedAt: numOrNull(o.finishedAt),
    filesTotal: num(o.filesTotal),
    bytesTotal: num(o.bytesTotal),
    filesDone: num(o.filesDone),
    filesFailed: num(o.filesFailed),
    filesSkipped: num(o.filesSkipped),
    foldersFailed: num(o.foldersFailed),
    notStarted: num(o.notStarted),
    verifyFailed: num(o.verifyFailed),
    skippedBy: counts(o.skippedBy),
    failedBy: counts(o.failedBy),
    bytesDone: num(o.bytesDone),
    bytesReflinked: num(o.bytesReflinked),
    bytesSkipped: num(o.bytesSkipped),
    byMethod,
    flushMs: num(o.flushMs),
    error: e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string' ? toWireError(e) : null,
  };
  if (Array.isArray(o.partial)) job.partial = o.partial.filter((x): x is string => typeof x === 'string' && x.startsWith('/'));
  return job;
}

function parseLine(raw: string): Line | null {
  let x: unknown;
  try {
    x = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!x || typeof x !== 'object') return null;
  const o = x as Record<string, unknown>;
  switch (o.op) {
    case 'begin':
      return typeof o.gen === 'number' && Number.isInteger(o.gen) && o.gen >= 0 ? { op: 'begin', gen: o.gen } : null;
    case 'put': {
      const job = parseStoredJob(o.job, false);
      return job ? { op: 'put', job } : null;
    }
    case 'remove':
      return typeof o.id === 'string' && ID.test(o.id) ? { op: 'remove', id: o.id } : null;
    case 'order':
      return Array.isArray(o.ids) && o.ids.every((id) => typeof id === 'string') ? { op: 'order', ids: o.ids as string[] } : null;
    default:
      return null;
  }
}

type Read<T> = { status: 'missing' } | { status: 'ok'; value: T } | { status: 'bad'; error: string };

/** A file's text: missing (ENOENT), or unreadable (a folder in its place, EACCES, EIO…). */
function readText(file: string): Read<string> {
  try {
    return { status: 'ok', value: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'bad', error: toWireError(e).message };
  }
}

function readSnapshot(file: string): Read<{ gen: number; jobs: StoredJob[]; badJobs: number }> {
  const t = readText(file);
  if (t.status !== 'ok') return t;
  let x: unknown;
  try {
    x = JSON.parse(t.value);
  } catch (e) {
    return { status: 'bad', error: `not valid JSON (${(e as Error).message})` };
  }
  const o = x as { gen?: unknown; jobs?: unknown } | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.jobs)) return { status: 'bad', error: 'not a Ferry queue file' };
  const jobs: StoredJob[] = [];
  let badJobs = 0;
  for (const j of o.jobs) {
    const job = parseStoredJob(j, true);
    if (job) jobs.push(job);
    else badJobs++;
  }
  return { status: 'ok', value: { gen: typeof o.gen === 'number' ? o.gen : 0, jobs, badJobs } };
}

function stamp(now = new Date()): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

export class Journal {
  #dir: string;
  #fd: number | null = null;
  #lines = 0;
  #gen = 0;
  #jobs = new Map<string, StoredJob>();
  #order: string[] = [];
  /** Jobs written whole (with sources) in the current journal. */
  #whole = new Set<string>();
  /** Patches for jobs whose source list is nowhere (yet): id → what is known. */
  #orphans = new Map<string, { destDir: string | null; state: string | null }>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  #file(name: string): string {
    return path.join(this.#dir, name);
  }

  /**
   * Reads the queue (snapshot + journals, falling back to the previous snapshot), moves aside
   * what it could not read, then compacts into a fresh snapshot. Throws DataDirError when the
   * data folder cannot be used at all.
   */
  load(): { jobs: StoredJob[]; report: LoadReport } {
    const report: LoadReport = { source: 'empty', damaged: [], badLines: 0, lost: [] };
    try {
      fs.mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    } catch (e) {
      throw dataDirError(this.#dir, e);
    }
    let base = -1; // the generation of the snapshot the state comes from (-1: none)
    const snap = readSnapshot(this.#file(SNAPSHOT));
    if (snap.status === 'ok') {
      base = this.#loadSnapshot(snap.value, report, SNAPSHOT);
      report.source = 'snapshot';
    } else {
      if (snap.status === 'bad') this.#moveAside(SNAPSHOT, snap.error, report);
      const prev = readSnapshot(this.#file(PREV_SNAPSHOT));
      if (prev.status === 'ok') {
        base = this.#loadSnapshot(prev.value, report, PREV_SNAPSHOT);
        report.source = 'previous';
      } else if (prev.status === 'bad') this.#moveAside(PREV_SNAPSHOT, prev.error, report);
    }
    let applied = false;
    for (const name of [PREV_JOURNAL, JOURNAL]) applied = this.#replay(name, base, report) || applied;
    if (report.source === 'empty' && applied) report.source = 'journal';
    for (const [id, what] of this.#orphans) if (!this.#jobs.has(id)) report.lost.push({ id, ...what });
    this.#orphans.clear();
    this.#gen = Math.max(this.#gen, base);
    try {
      this.compact();
    } catch (e) {
      throw dataDirError(this.#dir, e);
    }
    return { jobs: this.jobs(), report };
  }

  #loadSnapshot(v: { gen: number; jobs: StoredJob[]; badJobs: number }, report: LoadReport, name: string): number {
    for (const j of v.jobs) this.#put(j);
    if (v.badJobs > 0) {
      report.badLines += v.badJobs;
      this.#copyAside(name, `${v.badJobs} unreadable ${v.badJobs === 1 ? 'entry' : 'entries'}`, report);
    }
    return v.gen;
  }

  /** Applies a journal written on top of snapshot generation `base` or later. True if it held lines. */
  #replay(name: string, base: number, report: LoadReport): boolean {
    const t = readText(this.#file(name));
    if (t.status === 'missing') return false;
    if (t.status === 'bad') {
      this.#moveAside(name, t.error, report);
      return false;
    }
    const lines = t.value.split('\n').filter((raw) => raw.trim());
    // A journal older than the snapshot is already in it (a crash between compaction's renames).
    const first = lines.length > 0 ? parseLine(lines[0]!) : null;
    if (first?.op === 'begin') {
      this.#gen = Math.max(this.#gen, first.gen);
      if (first.gen < base) return false;
    }
    let bad = 0;
    let applied = false;
    for (const raw of lines) {
      const line = parseLine(raw);
      if (!line) bad++;
      else if (line.op !== 'begin') {
        this.#apply(line);
        applied = true;
      }
    }
    if (bad > 0) {
      report.badLines += bad;
      this.#copyAside(name, `${bad} unreadable ${bad === 1 ? 'line' : 'lines'}`, report);
    }
    return applied;
  }

  jobs(): StoredJob[] {
    return this.#order.map((id) => this.#jobs.get(id)!).filter(Boolean);
  }

  /**
   * Records a job's new state. The first line about a job in a journal carries it whole; later
   * ones leave the (possibly huge) source list out unless it changed.
   */
  put(job: StoredJob): void {
    const prev = this.#jobs.get(job.id);
    if (prev && prev.sources === job.sources && this.#whole.has(job.id)) {
      const { sources: _unchanged, ...rest } = job;
      this.#append({ op: 'put', job: rest as StoredJob });
    } else {
      this.#whole.add(job.id);
      this.#append({ op: 'put', job });
    }
  }

  remove(id: string): void {
    this.#append({ op: 'remove', id });
  }

  order(ids: string[]): void {
    this.#append({ op: 'order', ids });
  }

  /**
   * Writes the whole state to a new snapshot and starts a new journal. The snapshot and journal
   * they replace become the previous ones. Every step leaves a state `load()` reads exactly.
   */
  compact(): void {
    const gen = this.#gen + 1;
    const file = this.#file(SNAPSHOT);
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify({ version: 2, gen, jobs: this.jobs() }));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    renameIfExists(file, this.#file(PREV_SNAPSHOT));
    fs.renameSync(tmp, file);
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
    renameIfExists(this.#file(JOURNAL), this.#file(PREV_JOURNAL));
    this.#fd = fs.openSync(this.#file(JOURNAL), 'w', 0o600);
    this.#gen = gen;
    this.#whole.clear();
    this.#lines = 0;
    fs.writeSync(this.#fd, JSON.stringify({ op: 'begin', gen } satisfies Line) + '\n');
    this.#syncDir();
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
    if (this.#fd === null) {
      this.#fd = fs.openSync(this.#file(JOURNAL), 'a', 0o600);
      // A journal always says which snapshot it follows (here: without load(), the first one).
      if (fs.fstatSync(this.#fd).size === 0) fs.writeSync(this.#fd, JSON.stringify({ op: 'begin', gen: this.#gen } satisfies Line) + '\n');
    }
    fs.writeSync(this.#fd, JSON.stringify(line) + '\n');
    if (++this.#lines >= COMPACT_AFTER) this.compact();
  }

  #apply(line: Line): void {
    if (line.op === 'put') this.#put(line.job);
    else if (line.op === 'remove') {
      this.#jobs.delete(line.id);
      this.#orphans.delete(line.id);
      this.#order = this.#order.filter((x) => x !== line.id);
    } else if (line.op === 'order') {
      const known = line.ids.filter((id) => this.#jobs.has(id));
      const rest = this.#order.filter((id) => !known.includes(id));
      this.#order = [...known, ...rest];
    }
  }

  #put(job: StoredJob): void {
    const prev = this.#jobs.get(job.id);
    const sources = job.sources ?? prev?.sources;
    if (!sources) {
      // A change to a job whose sources are nowhere: it cannot be rebuilt (unless a whole line follows).
      this.#orphans.set(job.id, { destDir: job.destDir ?? null, state: job.state ?? null });
      return;
    }
    this.#orphans.delete(job.id);
    if (!prev) this.#order.push(job.id);
    // A line without sources keeps the ones recorded before (same array: no copy).
    this.#jobs.set(job.id, { ...job, sources });
  }

  /** Moves an unreadable file out of the way (never overwrites it). */
  #moveAside(name: string, error: string, report: LoadReport): void {
    report.damaged.push(moveAside(this.#dir, name, error));
  }

  /** Keeps a copy of a file that had unreadable parts (it is about to be rewritten or rotated). */
  #copyAside(name: string, error: string, report: LoadReport): void {
    const keptAs = `${name}.damaged-${stamp()}`;
    try {
      fs.copyFileSync(this.#file(name), this.#file(keptAs), fs.constants.COPYFILE_EXCL);
    } catch (e) {
      throw dataDirError(this.#dir, e, `cannot keep a copy of '${name}' (${error})`);
    }
    report.damaged.push({ file: name, keptAs, error });
    pruneDamaged(this.#dir, name);
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

/**
 * Moves `dir/name` (a file or a folder that cannot be read as what it should be) aside as
 * `name.damaged-<time>`, so nothing Ferry could not read is ever overwritten. Throws a
 * DataDirError when even that is impossible.
 */
export function moveAside(dir: string, name: string, error: string): LoadReport['damaged'][number] {
  const keptAs = `${name}.damaged-${stamp()}`;
  try {
    fs.renameSync(path.join(dir, name), path.join(dir, keptAs));
  } catch (e) {
    throw dataDirError(dir, e, `cannot move aside '${name}' (${error})`);
  }
  pruneDamaged(dir, name);
  return { file: name, keptAs, error };
}

function pruneDamaged(dir: string, name: string): void {
  try {
    const old = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith(`${name}.damaged-`))
      .sort();
    for (const n of old.slice(0, Math.max(0, old.length - KEEP_DAMAGED))) fs.rmSync(path.join(dir, n), { recursive: true, force: true });
  } catch {
    /* keeping more than needed is harmless */
  }
}

/**
 * Makes sure Ferry can keep its state in `dir`: the folder and its `logs` folder exist (a file in
 * the way of `logs` is moved aside) and both can be written. Throws a DataDirError otherwise.
 */
export function prepareDataDir(dir: string): LoadReport['damaged'] {
  const damaged: LoadReport['damaged'] = [];
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const logs = path.join(dir, 'logs');
    const st = fs.lstatSync(logs, { throwIfNoEntry: false });
    if (st && !st.isDirectory()) damaged.push(moveAside(dir, 'logs', 'not a folder'));
    fs.mkdirSync(logs, { recursive: true, mode: 0o700 });
    for (const d of [dir, logs]) {
      const probe = path.join(d, `.ferry-probe-${process.pid}`);
      fs.writeFileSync(probe, 'probe', { mode: 0o600 });
      fs.unlinkSync(probe);
    }
  } catch (e) {
    throw e instanceof DataDirError ? e : dataDirError(dir, e);
  }
  return damaged;
}

function renameIfExists(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

/** The data folder's failure in the user's terms: which folder, what went wrong, Node's fields. */
export function dataDirError(dir: string, e: unknown, what = 'cannot be used'): DataDirError {
  const w = toWireError(e);
  const err = new DataDirError(w.code, '', { errno: w.errno, syscall: w.syscall, path: w.path ?? dir });
  err.message = `${w.code}: Ferry's data folder '${dir}' ${what}: ${errorDescription(w)}`;
  return err;
}
