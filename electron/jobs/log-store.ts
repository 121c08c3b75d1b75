// The copy-method log: one JSON Lines file per job in <dataDir>/logs/<jobId>.jsonl, one line per
// finished entry (time, src, dest, size, type, method, attempts, sparse, bytes, ms, throughput,
// verified, error …). The in-memory view is updated the moment records arrive; the file is
// appended asynchronously (a slow disk must not stall the main thread), one write per batch, and
// batches that arrive while a write is in flight go out together in the next one. So the file
// trails by at most the write in flight, and the end of a job (flush: wait, then datasync) makes it
// durable before the job says done. Crash-resume trusts what reached the file.
import fs from 'node:fs';
import path from 'node:path';
import type { JobFileRecord as FileRecord, LogRecord } from '../contract.js';
import { toWireError } from '../../native/errors.js';
import { ENTRY_TYPES, METHODS, encodeAttempts, fellBack, isFailure, type Attempt, type Method, type WireError } from '../../native/types.js';

export interface LogFilter {
  jobId?: string | undefined;
  method?: Method | undefined;
  fellBack?: boolean | undefined;
  errorsOnly?: boolean | undefined;
  text?: string | undefined;
}

/** The log view's filter: errors are failures and copies that verify found different. */
export function matches(r: LogRecord, f: LogFilter): boolean {
  if (f.jobId !== undefined && r.jobId !== f.jobId) return false;
  if (f.method !== undefined && r.method !== f.method) return false;
  if (f.fellBack !== undefined && fellBack(r) !== f.fellBack) return false;
  if (f.errorsOnly && !isFailure(r) && r.verified !== false) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const hay = `${r.src}\n${r.dest}\n${r.method ?? ''}\n${r.error?.code ?? ''} ${r.error?.message ?? ''}\n${encodeAttempts(r.attempts)}`.toLowerCase();
    if (!hay.includes(t)) return false;
  }
  return true;
}

const CSV_COLUMNS = ['time', 'jobId', 'src', 'dest', 'type', 'size', 'bytes', 'method', 'attempts', 'sparse', 'ms', 'throughput', 'verified', 'ok', 'skipped', 'error'] as const;

/** RFC 4180 quoting: fields with a comma, quote, CR or LF are quoted and quotes doubled. */
export function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** A log export's file name and content (`jobId` undefined: every job's log). */
export function exportLog(records: LogRecord[], jobId: string | undefined, format: 'csv' | 'json', now = new Date()): { filename: string; content: string } {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  const filename = `ferry-log-${jobId ?? 'all'}-${stamp}.${format}`;
  const content = format === 'csv' ? toCsv(records) : JSON.stringify(records, null, 2) + '\n';
  return { filename, content };
}

export function toCsv(records: LogRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const r of records) {
    const cells: Record<(typeof CSV_COLUMNS)[number], string> = {
      time: new Date(r.time).toISOString(),
      jobId: r.jobId,
      src: r.src,
      dest: r.dest,
      type: r.type,
      size: String(r.size),
      bytes: String(r.bytes),
      method: r.method ?? '',
      attempts: encodeAttempts(r.attempts),
      sparse: r.sparse ? 'true' : 'false',
      ms: String(r.ms),
      throughput: String(r.throughput ?? throughputOf(r)),
      verified: r.verified === true ? 'true' : r.verified === false ? 'false' : '',
      ok: r.ok ? 'true' : 'false',
      skipped: r.skipped ? 'true' : 'false',
      error: r.error ? r.error.message : '',
    };
    rows.push(CSV_COLUMNS.map((c) => csvField(cells[c])).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}

const ENTRY = new Set<string>(ENTRY_TYPES);
const METHOD = new Set<string>(METHODS);

/**
 * One log line as a record, or null when it is not one (garbage, `null`, a torn line, a wrong
 * shape). Fields a reader relies on are checked; optional ones get their neutral value.
 */
export function parseLogLine(line: string): LogRecord | null {
  let x: unknown;
  try {
    x = JSON.parse(line);
  } catch {
    return null;
  }
  if (!x || typeof x !== 'object' || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  if (typeof o.src !== 'string' || typeof o.dest !== 'string' || typeof o.type !== 'string' || !ENTRY.has(o.type)) return null;
  if (typeof o.ok !== 'boolean') return null;
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const r = o as unknown as LogRecord;
  r.size = num(o.size);
  r.bytes = num(o.bytes);
  r.ms = num(o.ms);
  r.time = num(o.time);
  r.skipped = o.skipped === true;
  r.sparse = o.sparse === true;
  r.method = typeof o.method === 'string' && METHOD.has(o.method) ? (o.method as Method) : null;
  r.attempts = Array.isArray(o.attempts) ? (o.attempts as Attempt[]).filter((a) => a && typeof a === 'object' && METHOD.has(a.method)) : [];
  r.warnings = Array.isArray(o.warnings) ? (o.warnings as unknown[]).filter((w): w is string => typeof w === 'string') : [];
  const e = o.error as Partial<WireError> | null | undefined;
  r.error = e && typeof e === 'object' && typeof e.code === 'string' && typeof e.message === 'string' ? toWireError(e) : null;
  if (typeof o.jobId !== 'string') r.jobId = '';
  return r;
}

/** A log file's records, and how many of its lines were not records. */
export function parseLines(text: string): { records: LogRecord[]; bad: number } {
  const records: LogRecord[] = [];
  let bad = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const r = parseLogLine(line);
    if (!r) {
      bad++;
      continue;
    }
    // Older logs carry no seq: the line's place is the record's.
    if (typeof r.seq !== 'number' || !Number.isFinite(r.seq)) r.seq = nextSeq(records);
    records.push(r);
  }
  return { records, bad };
}

/** The seq of the record that follows a job's records (they are in seq order). */
function nextSeq(list: readonly LogRecord[]): number {
  const last = list[list.length - 1];
  return last ? (last.seq ?? list.length - 1) + 1 : 0;
}

export function throughputOf(r: { bytes: number; ms: number }): number {
  return r.ms > 0 ? Math.round((r.bytes * 1000) / r.ms) : 0;
}

async function endTornLine(fh: fs.promises.FileHandle): Promise<void> {
  const { size } = await fh.stat();
  if (size === 0) return;
  const last = Buffer.alloc(1);
  await fh.read(last, 0, 1, size - 1);
  if (last[0] !== 0x0a) await fh.write('\n');
}

interface Writer {
  fh: Promise<fs.promises.FileHandle>;
  chain: Promise<void>;
  buf: string[];
  scheduled: boolean;
}

export class LogStore {
  readonly dir: string;
  #cache = new Map<string, LogRecord[]>();
  #held = 0;
  /** Records kept in memory across all jobs before idle logs are evicted (~1 KiB each). */
  maxHeld = 300_000;
  #writers = new Map<string, Writer>();
  #reported = new Set<string>();
  /** Called once per job whose log holds lines that are not records (they are skipped). */
  onDamaged: ((jobId: string, badLines: number) => void) | null = null;

  /** Creates `dataDir/logs` when it can (the service checks the data folder first and says why it cannot). */
  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'logs');
    try {
      fs.mkdirSync(this.dir, { recursive: true });
    } catch {
      /* reported by the service's data folder check */
    }
  }

  file(jobId: string): string {
    return path.join(this.dir, `${jobId}.jsonl`);
  }

  /**
   * Appends finished records and returns them as log records (the same objects, completed with
   * jobId, time and throughput). The write is asynchronous — a busy destination disk must never
   * stall the main thread — and coalesced: batches that arrive while a write is in flight go
   * out together in the next one. The in-memory view is updated at once.
   * The job's log must have been loaded (records()) before the first append.
   */
  append(jobId: string, records: FileRecord[], time = Date.now()): LogRecord[] {
    if (records.length === 0) return [];
    const out = records as LogRecord[];
    let cached = this.#cache.get(jobId);
    if (!cached) this.#remember(jobId, (cached = []));
    let seq = nextSeq(cached);
    let lines = '';
    for (const r of out) {
      r.jobId = jobId;
      r.time = time;
      r.throughput = throughputOf(r);
      r.seq = seq++;
      lines += JSON.stringify(r) + '\n';
    }
    for (const r of out) cached.push(r);
    this.#held += out.length;
    const w = this.#writer(jobId);
    w.buf.push(lines);
    if (!w.scheduled) {
      w.scheduled = true;
      w.chain = w.chain.then(async () => {
        w.scheduled = false;
        const data = w.buf.join('');
        w.buf = [];
        try {
          await (await w.fh).write(data);
        } catch {
          /* disk full or gone: the in-memory log still answers; the next write tries again */
        }
      });
    }
    return out;
  }

  #writer(jobId: string): Writer {
    let w = this.#writers.get(jobId);
    if (!w) {
      const fh = fs.promises.open(this.file(jobId), 'a+', 0o600);
      fh.catch(() => {});
      // A log cut short by a crash ends mid-line: end that line first, or the next record would
      // be glued to it and lost too.
      const chain = fh.then(endTornLine).catch(() => undefined);
      w = { fh, chain, buf: [], scheduled: false };
      this.#writers.set(jobId, w);
    }
    return w;
  }

  /** Waits for the job's pending writes and makes them durable (end of job). */
  async flush(jobId: string): Promise<void> {
    const w = this.#writers.get(jobId);
    if (!w) return;
    await w.chain;
    try {
      await (await w.fh).datasync();
    } catch {
      /* tmpfs etc. */
    }
  }

  /** Flushes and closes the job's file (it stays readable). */
  async closeJob(jobId: string): Promise<void> {
    const w = this.#writers.get(jobId);
    if (!w) return;
    await this.flush(jobId);
    this.#writers.delete(jobId);
    try {
      await (await w.fh).close();
    } catch {
      /* already closed */
    }
  }

  /** All records of one job, from memory or from its file (a torn last line is ignored). */
  async records(jobId: string): Promise<LogRecord[]> {
    const c = this.#touch(jobId);
    if (c) return c;
    let text = '';
    try {
      text = await fs.promises.readFile(this.file(jobId), 'utf8');
    } catch {
      /* no log yet */
    }
    // Someone may have appended (and filled the cache) while we read.
    const again = this.#touch(jobId);
    if (again) return again;
    return this.#remember(jobId, this.#parse(jobId, text));
  }

  /** The same, synchronously (jobs.files answers at once; a reload happens only after eviction). */
  recordsSync(jobId: string): LogRecord[] {
    const c = this.#touch(jobId);
    if (c) return c;
    let text = '';
    try {
      text = fs.readFileSync(this.file(jobId), 'utf8');
    } catch {
      /* no log yet */
    }
    return this.#remember(jobId, this.#parse(jobId, text));
  }

  /** A log's text as records; lines that are not records are skipped and reported once. */
  #parse(jobId: string, text: string): LogRecord[] {
    const { records, bad } = parseLines(text);
    for (const r of records) r.jobId = jobId;
    if (bad > 0 && !this.#reported.has(jobId)) {
      this.#reported.add(jobId);
      this.onDamaged?.(jobId, bad);
    }
    return records;
  }

  /** Records already loaded for a job (without touching the disk), or null. */
  cached(jobId: string): LogRecord[] | null {
    return this.#cache.get(jobId) ?? null;
  }

  #touch(jobId: string): LogRecord[] | undefined {
    const c = this.#cache.get(jobId);
    if (c) {
      this.#cache.delete(jobId); // Map order = recency
      this.#cache.set(jobId, c);
    }
    return c;
  }

  /**
   * Caches a job's records, then evicts the least recently used logs of jobs that are not being
   * written while more than `maxHeld` records are in memory (they reload from disk on demand).
   */
  #remember(jobId: string, list: LogRecord[]): LogRecord[] {
    this.#cache.set(jobId, list);
    this.#held += list.length;
    for (const [id, recs] of this.#cache) {
      if (this.#held <= this.maxHeld) break;
      if (id === jobId || this.#writers.has(id)) continue;
      this.#cache.delete(id);
      this.#held -= recs.length;
    }
    return list;
  }

  /** Job ids that have a log, oldest log first. */
  async jobIds(): Promise<string[]> {
    let names: string[] = [];
    try {
      names = await fs.promises.readdir(this.dir);
    } catch {
      return [];
    }
    const ids = names.filter((n) => n.endsWith('.jsonl')).map((n) => n.slice(0, -'.jsonl'.length));
    const withTime = await Promise.all(
      ids.map(async (id) => {
        const recs = await this.records(id);
        return { id, t: recs[0]?.time ?? Number.MAX_SAFE_INTEGER };
      }),
    );
    return withTime.sort((a, b) => a.t - b.t || a.id.localeCompare(b.id)).map((x) => x.id);
  }

  /** A page of the records that match, oldest first or (newestFirst) newest first. */
  async query(f: LogFilter & { newestFirst?: boolean | undefined }, offset: number, limit: number): Promise<{ total: number; records: LogRecord[] }> {
    const ids = f.jobId !== undefined ? [f.jobId] : await this.jobIds();
    if (f.newestFirst) ids.reverse();
    let total = 0;
    const page: LogRecord[] = [];
    const take = (r: LogRecord) => {
      if (!matches(r, f)) return;
      if (total >= offset && page.length < limit) page.push(r);
      total++;
    };
    for (const id of ids) {
      const recs = await this.records(id);
      if (f.newestFirst) for (let i = recs.length - 1; i >= 0; i--) take(recs[i]!);
      else for (const r of recs) take(r);
    }
    return { total, records: page };
  }

  async all(jobId?: string): Promise<LogRecord[]> {
    const ids = jobId !== undefined ? [jobId] : await this.jobIds();
    const out: LogRecord[] = [];
    for (const id of ids) for (const r of await this.records(id)) out.push(r);
    return out;
  }

  /** Deletes logs not written to for `days` days; returns the job ids whose logs went. */
  retain(days: number, now = Date.now()): string[] {
    const cutoff = now - days * 86_400_000;
    const gone: string[] = [];
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.dir);
    } catch {
      return gone;
    }
    for (const n of names) {
      if (!n.endsWith('.jsonl')) continue;
      const p = path.join(this.dir, n);
      try {
        if (fs.statSync(p).mtimeMs < cutoff) {
          fs.unlinkSync(p);
          const id = n.slice(0, -'.jsonl'.length);
          const recs = this.#cache.get(id);
          if (recs) this.#held -= recs.length;
          this.#cache.delete(id);
          gone.push(id);
        }
      } catch {
        /* raced */
      }
    }
    return gone;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#writers.keys()].map((id) => this.closeJob(id)));
  }
}
