// The copy-method log: one JSON Lines file per job in <dataDir>/logs/<jobId>.jsonl, one line per
// finished entry (time, src, dest, size, type, method, attempts, sparse, bytes, ms, throughput,
// verified, error …). Records live on disk, not in memory: per job the store keeps an index of
// where each record's line starts (8 bytes a record) and reads pages, filtered views and exports
// from the file, so a job of a million entries costs megabytes, not gigabytes. The file is
// appended asynchronously (a slow disk must not stall the main thread), one write per batch, and
// batches that arrive while a write is in flight go out together in the next one; a read waits
// for the writes before it. The end of a job (flush: wait, then datasync) makes the log durable
// before the job says done. Crash-resume trusts what reached the file.
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
  const filename = exportFileName(jobId, format, now);
  const content = format === 'csv' ? toCsv(records) : JSON.stringify(records, null, 2) + '\n';
  return { filename, content };
}

/** An export's file name: `ferry-log-<job or all>-<UTC time>.<format>`. */
export function exportFileName(jobId: string | undefined, format: 'csv' | 'json', now = new Date()): string {
  const stamp = now.toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return `ferry-log-${jobId ?? 'all'}-${stamp}.${format}`;
}

/**
 * Writes what `produce` streams into `file`: first under a hidden temporary name in the same
 * folder, made durable, then renamed, so a failed or interrupted export never leaves half a file
 * under the final name. Returns what `produce` returned (the record count) and the bytes written.
 */
export async function writeFileStreamed(file: string, produce: (sink: (chunk: string) => Promise<void>) => Promise<number>): Promise<{ path: string; records: number; bytes: number }> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.ferry-${process.pid}-${Date.now().toString(36)}.part`);
  const fh = await fs.promises.open(tmp, 'wx', 0o600);
  let bytes = 0;
  try {
    const records = await produce(async (chunk) => {
      const b = Buffer.from(chunk);
      await fh.write(b);
      bytes += b.length;
    });
    await fh.datasync().catch(() => {});
    await fh.close();
    await fs.promises.rename(tmp, file);
    return { path: file, records, bytes };
  } catch (e) {
    await fh.close().catch(() => {});
    await fs.promises.rm(tmp, { force: true }).catch(() => {});
    throw e;
  }
}

export function toCsv(records: LogRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const r of records) rows.push(csvRow(r));
  return rows.join('\r\n') + '\r\n';
}

/** One record as a CSV row (no line end). */
export function csvRow(r: LogRecord): string {
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
  return CSV_COLUMNS.map((c) => csvField(cells[c])).join(',');
}

/** One record as an element of the exported JSON array (the layout of JSON.stringify(records, null, 2)). */
export function jsonElement(r: LogRecord): string {
  return '  ' + JSON.stringify(r, null, 2).replace(/\n/g, '\n  ');
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

/** Bytes read from a log at a time (scans, pages, exports): what a read holds in memory. */
export const READ_CHUNK = 1 << 20;

/** Where a job's records are in its file. */
interface Index {
  /** Byte offset of each record's line, records only (lines that are not records are skipped). */
  offsets: Float64Array;
  count: number;
  /** Where the next line goes (the file's size, plus the newline a torn tail gets before it). */
  end: number;
  /** The last record's seq (-1: none). */
  lastSeq: number;
  /** Records whose lines are on disk (the rest wait in the writer). */
  durable: number;
  /** The file ends mid-line (a crash): the writer ends that line first. */
  torn: boolean;
}

function grow(a: Float64Array, n: number): Float64Array {
  if (n <= a.length) return a;
  const b = new Float64Array(Math.max(n, a.length * 2, 1024));
  b.set(a);
  return b;
}

/** Splits chunks of a file into lines, with each line's byte offset. */
class LineSplitter {
  #rest: Buffer = Buffer.alloc(0);
  #restAt = 0;
  constructor(private readonly onLine: (line: string, at: number) => void) {}

  push(chunk: Buffer, at: number): void {
    let data = chunk;
    let base = at;
    if (this.#rest.length) {
      data = Buffer.concat([this.#rest, chunk]);
      base = this.#restAt;
    }
    let from = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, from);
      if (nl < 0) break;
      if (nl > from) this.onLine(data.toString('utf8', from, nl), base + from);
      from = nl + 1;
    }
    this.#rest = from < data.length ? Buffer.from(data.subarray(from)) : Buffer.alloc(0);
    this.#restAt = base + from;
  }

  /** The bytes after the last newline (a torn line), if any. */
  tail(): { line: string; at: number } | null {
    return this.#rest.length ? { line: this.#rest.toString('utf8'), at: this.#restAt } : null;
  }
}

/** A record's seq, or its place in the log for older logs that carry none. */
function withSeq(r: LogRecord, pos: number): LogRecord {
  if (typeof r.seq !== 'number' || !Number.isFinite(r.seq)) r.seq = pos;
  return r;
}

interface Writer {
  /** Opened once per job, written at explicit positions (the index knows where each line goes). */
  fd: number;
  /** Asynchronous writes, one after another. */
  chain: Promise<void>;
  /** Lines not written yet, where they start in the file, their bytes, and the record count they end at. */
  buf: string[];
  bufAt: number;
  bufBytes: number;
  bufUpto: number;
  scheduled: boolean;
  /** Records a write in flight ends at (null: none), and the most records a synchronous write made durable. */
  inflight: number | null;
  syncUpto: number;
}

/** Unwritten log bytes a job may hold: past this (the main thread is busier than the disk), append() writes at once. */
export const MAX_UNWRITTEN = 4 * 1024 * 1024;

type Filter = LogFilter & { newestFirst?: boolean | undefined };

/** A filtered view of one job's log: the positions of the records that match, as far as scanned. */
interface View {
  key: string;
  jobId: string;
  positions: Uint32Array;
  n: number;
  scanned: number;
}

/** Filtered views kept (the log view's current filter and a few before it). */
const VIEWS = 4;

export class LogStore {
  readonly dir: string;
  #index = new Map<string, Index>();
  #building = new Map<string, Promise<Index>>();
  #writers = new Map<string, Writer>();
  #views: View[] = [];
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

  /** Bytes of memory the store holds for its indexes (8 per record): what a test bounds. */
  get heldBytes(): number {
    let n = 0;
    for (const x of this.#index.values()) n += x.offsets.byteLength;
    for (const v of this.#views) n += v.positions.byteLength;
    return n;
  }

  /**
   * Appends finished records and returns them as log records (the same objects, completed with
   * jobId, time, throughput and seq). The write is asynchronous — a busy destination disk must
   * never stall the main thread — and coalesced: batches that arrive while a write is in flight
   * go out together in the next one. Nothing is kept but the lines' places.
   * The job's log should have been opened (open()) before the first append.
   */
  append(jobId: string, records: FileRecord[], time = Date.now()): LogRecord[] {
    if (records.length === 0) return [];
    const out = records as LogRecord[];
    const idx = this.#index.get(jobId) ?? this.#indexSync(jobId);
    const w = this.#writer(jobId, idx);
    if (w.buf.length === 0) w.bufAt = idx.end;
    let lines = '';
    for (const r of out) {
      r.jobId = jobId;
      r.time = time;
      r.throughput = throughputOf(r);
      r.seq = ++idx.lastSeq;
      const line = JSON.stringify(r) + '\n';
      idx.offsets = grow(idx.offsets, idx.count + 1);
      idx.offsets[idx.count++] = idx.end;
      const n = Buffer.byteLength(line);
      idx.end += n;
      w.bufBytes += n;
      lines += line;
    }
    w.buf.push(lines);
    w.bufUpto = idx.count;
    if (w.bufBytes > MAX_UNWRITTEN) this.#writeNow(w, idx);
    else if (!w.scheduled) {
      w.scheduled = true;
      w.chain = w.chain.then(() => this.#write(w, idx));
    }
    return out;
  }

  /** Takes the unwritten lines: their text, position and the record count they end at. */
  #take(w: Writer): { data: string; at: number; upto: number } | null {
    if (w.buf.length === 0) return null;
    const t = { data: w.buf.join(''), at: w.bufAt, upto: w.bufUpto };
    w.buf = [];
    w.bufBytes = 0;
    return t;
  }

  /** Puts lines that could not be written back in front of what came since. */
  #giveBack(w: Writer, t: { data: string; at: number }): void {
    w.buf.unshift(t.data);
    w.bufAt = t.at;
    w.bufBytes += Buffer.byteLength(t.data);
  }

  async #write(w: Writer, idx: Index): Promise<void> {
    w.scheduled = false;
    const t = this.#take(w);
    if (!t) return;
    w.inflight = t.upto;
    try {
      await new Promise<void>((resolve, reject) => fs.write(w.fd, t.data, t.at, 'utf8', (e) => (e ? reject(e) : resolve())));
      idx.durable = Math.max(idx.durable, t.upto, w.syncUpto);
    } catch {
      // Disk full or gone: keep the lines (the index counts on them) for the next write.
      this.#giveBack(w, t);
    } finally {
      w.inflight = null;
    }
  }

  /** A synchronous write of everything unwritten (positional: a write in flight is not in the way). */
  #writeNow(w: Writer, idx: Index): void {
    const t = this.#take(w);
    if (!t) return;
    try {
      fs.writeSync(w.fd, t.data, t.at, 'utf8');
      w.syncUpto = t.upto;
      if (w.inflight === null) idx.durable = Math.max(idx.durable, t.upto);
    } catch {
      this.#giveBack(w, t);
    }
  }

  #writer(jobId: string, idx: Index): Writer {
    let w = this.#writers.get(jobId);
    if (!w) {
      const fd = fs.openSync(this.file(jobId), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
      // A log cut short by a crash ends mid-line: end that line first, or the next record would
      // be glued to it and lost too.
      if (idx.torn) {
        idx.torn = false;
        try {
          fs.writeSync(fd, '\n', idx.end);
        } catch {
          /* the next write tries the lines again; this one is best effort */
        }
        idx.end += 1;
      }
      w = { fd, chain: Promise.resolve(), buf: [], bufAt: idx.end, bufBytes: 0, bufUpto: idx.count, scheduled: false, inflight: null, syncUpto: 0 };
      this.#writers.set(jobId, w);
    }
    return w;
  }

  /** Waits for the job's pending writes and makes them durable (end of job). */
  async flush(jobId: string): Promise<void> {
    const w = this.#writers.get(jobId);
    if (!w) return;
    await w.chain;
    const idx = this.#index.get(jobId);
    if (w.buf.length && idx) await (w.chain = w.chain.then(() => this.#write(w, idx)));
    await new Promise<void>((resolve) => fs.fdatasync(w.fd, () => resolve())); // tmpfs etc. may refuse: nothing to do
  }

  /** Flushes and closes the job's file (it stays readable). */
  async closeJob(jobId: string): Promise<void> {
    const w = this.#writers.get(jobId);
    if (!w) return;
    await this.flush(jobId);
    this.#writers.delete(jobId);
    await new Promise<void>((resolve) => fs.close(w.fd, () => resolve()));
  }

  /** Reads (once) where the job's records are; later appends keep it current. */
  async open(jobId: string): Promise<void> {
    await this.#indexOf(jobId);
  }

  /** How many records the job's log holds. */
  async count(jobId: string): Promise<number> {
    return (await this.#indexOf(jobId)).count;
  }

  #indexOf(jobId: string): Promise<Index> {
    const have = this.#index.get(jobId);
    if (have) return Promise.resolve(have);
    let p = this.#building.get(jobId);
    if (!p) {
      p = this.#build(jobId).finally(() => this.#building.delete(jobId));
      this.#building.set(jobId, p);
    }
    return p;
  }

  /** Scans the file in chunks (yielding between them: a big log never stalls the main thread). */
  async #build(jobId: string): Promise<Index> {
    const { idx, split, done } = this.#indexer(jobId);
    let fh: fs.promises.FileHandle | null = null;
    try {
      fh = await fs.promises.open(this.file(jobId), 'r');
      const buf = Buffer.alloc(READ_CHUNK);
      for (let at = 0; ; ) {
        const { bytesRead } = await fh.read(buf, 0, buf.length, at);
        if (bytesRead === 0) break;
        split.push(buf.subarray(0, bytesRead), at);
        at += bytesRead;
      }
    } catch {
      /* no log yet */
    } finally {
      await fh?.close().catch(() => {});
    }
    // Someone may have appended (and indexed) while we read.
    return this.#index.get(jobId) ?? done();
  }

  /** The same, synchronously: only when a record is appended to a log never opened. */
  #indexSync(jobId: string): Index {
    const { split, done } = this.#indexer(jobId);
    let fd = -1;
    try {
      fd = fs.openSync(this.file(jobId), 'r');
      const buf = Buffer.alloc(READ_CHUNK);
      for (let at = 0; ; ) {
        const n = fs.readSync(fd, buf, 0, buf.length, at);
        if (n === 0) break;
        split.push(buf.subarray(0, n), at);
        at += n;
      }
    } catch {
      /* no log yet */
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
    return done();
  }

  #indexer(jobId: string): { idx: Index; split: LineSplitter; done: () => Index } {
    const idx: Index = { offsets: new Float64Array(0), count: 0, end: 0, lastSeq: -1, durable: 0, torn: false };
    let bad = 0;
    const split = new LineSplitter((line, at) => {
      idx.end = at + Buffer.byteLength(line) + 1;
      if (!line.trim()) return;
      const r = parseLogLine(line);
      if (!r) {
        bad++;
        return;
      }
      idx.lastSeq = typeof r.seq === 'number' && Number.isFinite(r.seq) ? r.seq : idx.lastSeq + 1;
      idx.offsets = grow(idx.offsets, idx.count + 1);
      idx.offsets[idx.count++] = at;
    });
    const done = (): Index => {
      const tail = split.tail();
      if (tail) {
        // A torn last line (crash mid-write) is not a record.
        idx.end = tail.at + Buffer.byteLength(tail.line);
        idx.torn = true;
        if (tail.line.trim()) bad++;
      }
      idx.durable = idx.count;
      if (bad > 0 && !this.#reported.has(jobId)) {
        this.#reported.add(jobId);
        this.onDamaged?.(jobId, bad);
      }
      this.#index.set(jobId, idx);
      return idx;
    };
    return { idx, split, done };
  }

  /** The index once every record appended so far is on disk (what a read may rely on). */
  async #settled(jobId: string): Promise<Index> {
    const idx = await this.#indexOf(jobId);
    const w = this.#writers.get(jobId);
    if (w) await w.chain;
    return idx;
  }

  /**
   * The job's records at positions `from` (inclusive) to `to` (exclusive), read from disk.
   * Positions past what is on disk are left out.
   */
  async range(jobId: string, from: number, to: number): Promise<LogRecord[]> {
    const idx = await this.#settled(jobId);
    const end = Math.min(to, idx.durable);
    const out: LogRecord[] = [];
    if (from >= end) return out;
    for await (const { record } of this.#read(jobId, idx, from, end)) out.push(record);
    return out;
  }

  /** Records at the given positions (ascending), reading runs of neighbours together. */
  async #at(jobId: string, idx: Index, positions: ArrayLike<number>): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for (let i = 0; i < positions.length; ) {
      let j = i + 1;
      while (j < positions.length && positions[j] === positions[j - 1]! + 1 && j - i < 1000) j++;
      for await (const { record } of this.#read(jobId, idx, positions[i]!, positions[j - 1]! + 1)) out.push(record);
      i = j;
    }
    return out;
  }

  /** Streams records from position `from` to `to` (exclusive), a chunk at a time. */
  async *#read(jobId: string, idx: Index, from: number, to: number): AsyncGenerator<{ pos: number; record: LogRecord }> {
    if (from >= to) return;
    const startByte = idx.offsets[from]!;
    const endByte = to < idx.count ? idx.offsets[to]! : idx.end;
    let fh: fs.promises.FileHandle;
    try {
      fh = await fs.promises.open(this.file(jobId), 'r');
    } catch {
      return;
    }
    try {
      let pos = from;
      const batch: LogRecord[] = [];
      const split = new LineSplitter((line) => {
        const r = parseLogLine(line);
        if (r) batch.push(r);
      });
      const buf = Buffer.alloc(Math.min(READ_CHUNK, Math.max(1, endByte - startByte)));
      for (let at = startByte; at < endByte && pos < to; ) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, endByte - at), at);
        if (bytesRead === 0) break;
        split.push(buf.subarray(0, bytesRead), at);
        at += bytesRead;
        if (at >= endByte) split.push(Buffer.from('\n'), at); // the range's last line
        for (const r of batch) {
          if (pos >= to) break;
          r.jobId = jobId;
          yield { pos, record: withSeq(r, pos) };
          pos++;
        }
        batch.length = 0;
      }
    } finally {
      await fh.close().catch(() => {});
    }
  }

  /** Every record of one job from disk, oldest first, a chunk at a time (recounts, exports). */
  async *stream(jobId: string): AsyncGenerator<LogRecord> {
    const idx = await this.#settled(jobId);
    for await (const { record } of this.#read(jobId, idx, 0, idx.durable)) yield record;
  }

  /** All records of one job, read from disk (small logs and tests; big ones use stream()). */
  async records(jobId: string): Promise<LogRecord[]> {
    const out: LogRecord[] = [];
    for await (const r of this.stream(jobId)) out.push(r);
    return out;
  }

  /** Job ids that have a log, oldest log first (by the time of each log's first record). */
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
        const idx = await this.#indexOf(id);
        const first = idx.count ? (await this.range(id, 0, 1))[0] : undefined;
        return { id, t: first?.time ?? Number.MAX_SAFE_INTEGER };
      }),
    );
    return withTime.sort((a, b) => a.t - b.t || a.id.localeCompare(b.id)).map((x) => x.id);
  }

  /** The positions of a job's records that match `f` (scanning only what was added since the last look). */
  async #view(jobId: string, f: LogFilter): Promise<View> {
    const key = JSON.stringify([f.method ?? null, f.fellBack ?? null, f.errorsOnly ?? null, f.text ?? null]);
    const idx = await this.#settled(jobId);
    let v = this.#views.find((x) => x.jobId === jobId && x.key === key);
    if (v) this.#views = [v, ...this.#views.filter((x) => x !== v)];
    else {
      v = { key, jobId, positions: new Uint32Array(1024), n: 0, scanned: 0 };
      this.#views = [v, ...this.#views].slice(0, VIEWS);
    }
    if (v.scanned < idx.durable) {
      const view = v;
      const from = view.scanned;
      view.scanned = idx.durable;
      for await (const { pos, record } of this.#read(jobId, idx, from, idx.durable)) {
        if (!matches(record, f)) continue;
        if (view.n === view.positions.length) {
          const b = new Uint32Array(view.positions.length * 2);
          b.set(view.positions);
          view.positions = b;
        }
        view.positions[view.n++] = pos;
      }
    }
    return v;
  }

  /** A page of the records that match, oldest first or (newestFirst) newest first. */
  async query(f: Filter, offset: number, limit: number): Promise<{ total: number; records: LogRecord[] }> {
    const ids = f.jobId !== undefined ? [f.jobId] : await this.jobIds();
    if (f.newestFirst) ids.reverse();
    const filtered = f.method !== undefined || f.fellBack !== undefined || !!f.errorsOnly || !!f.text;
    let total = 0;
    const page: LogRecord[] = [];
    for (const id of ids) {
      const idx = await this.#settled(id);
      const v = filtered ? await this.#view(id, f) : null;
      const n = v ? v.n : idx.durable;
      // This job's part of the page: [a, b) among its matching records, in the order asked for.
      const a = Math.max(0, offset - total);
      const b = Math.min(n, offset + limit - total);
      if (a < b) {
        const lo = f.newestFirst ? n - b : a;
        const hi = f.newestFirst ? n - a : b;
        const recs = v ? await this.#at(id, idx, v.positions.subarray(lo, hi)) : await this.range(id, lo, hi);
        if (f.newestFirst) recs.reverse();
        page.push(...recs);
      }
      total += n;
    }
    return { total, records: page };
  }

  /**
   * Writes the records that match `f` (oldest first) to `sink` as CSV or JSON, a chunk at a time:
   * memory holds one chunk, whatever the log's size. `sink` resolves when it can take more.
   * Returns the number of records written.
   */
  async exportTo(f: LogFilter, format: 'csv' | 'json', sink: (chunk: string) => Promise<void>): Promise<number> {
    const ids = f.jobId !== undefined ? [f.jobId] : await this.jobIds();
    let n = 0;
    let buf = format === 'csv' ? CSV_COLUMNS.join(',') + '\r\n' : '';
    for (const id of ids) {
      for await (const r of this.stream(id)) {
        if (!matches(r, f)) continue;
        if (format === 'csv') buf += csvRow(r) + '\r\n';
        else buf += (n === 0 ? '[\n' : ',\n') + jsonElement(r);
        n++;
        if (buf.length >= 256 * 1024) {
          await sink(buf);
          buf = '';
        }
      }
    }
    if (format === 'json') buf += n === 0 ? '[]\n' : '\n]\n';
    if (buf) await sink(buf);
    return n;
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
      const id = n.slice(0, -'.jsonl'.length);
      if (this.#writers.has(id)) continue;
      try {
        if (fs.statSync(p).mtimeMs < cutoff) {
          fs.unlinkSync(p);
          this.#forget(id);
          gone.push(id);
        }
      } catch {
        /* raced */
      }
    }
    return gone;
  }

  #forget(jobId: string): void {
    this.#index.delete(jobId);
    this.#views = this.#views.filter((v) => v.jobId !== jobId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#writers.keys()].map((id) => this.closeJob(id)));
  }
}
