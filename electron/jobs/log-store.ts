// The copy-method log: one JSON Lines file per job in <dataDir>/logs/<jobId>.jsonl, one line per
// finished entry (time, src, dest, size, type, method, attempts, sparse, bytes, ms, throughput,
// verified, error …). Records live on disk, not in memory: per job the store keeps an index of
// where each record's line starts (8 bytes a record) and reads pages, filtered views and exports
// from the file, so a job of a million entries costs megabytes, not gigabytes. The file is
// appended asynchronously (a slow disk must not stall the main thread), one write per batch, and
// batches that arrive while a write is in flight go out together in the next one; a read waits
// for the writes before it. The end of a job (flush: wait, then datasync) makes the log durable
// before the job says done. Crash-resume trusts what reached the file.
// Its parts: log-store-records.ts (a line as a record, the filter), log-store-index.ts (where the
// records are, reading them back), log-store-writer.ts (appending), log-store-export.ts (CSV, JSON).
import fs from 'node:fs';
import path from 'node:path';
import type { JobFileRecord as FileRecord, LogRecord } from '../contract.js';
import { CSV_HEADER, csvRow, jsonElement } from './log-store-export.js';
import { addOffset, indexFile, indexFileSync, readRecords, readRecordsAt, type Indexed, type LogIndex as Index } from './log-store-index.js';
import { matches, throughputOf, type LogFilter } from './log-store-records.js';
import { LogWriter } from './log-store-writer.js';

// What the service and the tests use of the parts, from one place.
export { csvField, exportFileName, exportLog, writeFileStreamed } from './log-store-export.js';
export { READ_CHUNK } from './log-store-index.js';
export { matches, parseLogLine, type LogFilter } from './log-store-records.js';

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
  #writers = new Map<string, LogWriter>();
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
    const idx = this.#index.get(jobId) ?? this.#adopt(jobId, indexFileSync(this.file(jobId)));
    const w = this.#writer(jobId, idx);
    w.begin();
    let lines = '';
    let bytes = 0;
    for (const r of out) {
      r.jobId = jobId;
      r.time = time;
      r.throughput = throughputOf(r);
      r.seq = ++idx.lastSeq;
      const line = JSON.stringify(r) + '\n';
      addOffset(idx, idx.end);
      const n = Buffer.byteLength(line);
      idx.end += n;
      bytes += n;
      lines += line;
    }
    w.add(lines, bytes);
    return out;
  }

  #writer(jobId: string, idx: Index): LogWriter {
    let w = this.#writers.get(jobId);
    if (!w) {
      w = new LogWriter(this.file(jobId), idx);
      this.#writers.set(jobId, w);
    }
    return w;
  }

  /** Waits for the job's pending writes and makes them durable (end of job). */
  async flush(jobId: string): Promise<void> {
    await this.#writers.get(jobId)?.flush();
  }

  /** Flushes and closes the job's file (it stays readable). */
  async closeJob(jobId: string): Promise<void> {
    const w = this.#writers.get(jobId);
    if (!w) return;
    await w.flush();
    this.#writers.delete(jobId);
    await w.closeFile();
  }

  /** Reads (once) where the job's records are; later appends keep it current. */
  async open(jobId: string): Promise<void> {
    await this.#indexOf(jobId);
  }

  /** How many records the job's log holds, when its index is in memory (an open or recent job); else undefined. */
  countIfOpen(jobId: string): number | undefined {
    return this.#index.get(jobId)?.count;
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

  /** Indexes the job's file (once, whoever asks meanwhile). */
  async #build(jobId: string): Promise<Index> {
    const read = await indexFile(this.file(jobId));
    // Someone may have appended (and indexed) while we read.
    return this.#index.get(jobId) ?? this.#adopt(jobId, read);
  }

  /** Keeps a job's index, and says once when its log holds lines that are not records. */
  #adopt(jobId: string, { idx, bad }: Indexed): Index {
    if (bad > 0 && !this.#reported.has(jobId)) {
      this.#reported.add(jobId);
      this.onDamaged?.(jobId, bad);
    }
    this.#index.set(jobId, idx);
    return idx;
  }

  /** The index once every record appended so far is on disk (what a read may rely on). */
  async #settled(jobId: string): Promise<Index> {
    const idx = await this.#indexOf(jobId);
    const w = this.#writers.get(jobId);
    if (w) await w.settled();
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

  /** Streams records from position `from` to `to` (exclusive), a chunk at a time. */
  #read(jobId: string, idx: Index, from: number, to: number): AsyncGenerator<{ pos: number; record: LogRecord }> {
    return readRecords(this.file(jobId), jobId, idx, from, to);
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
        const recs = v ? await readRecordsAt(this.file(id), id, idx, v.positions.subarray(lo, hi)) : await this.range(id, lo, hi);
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
    let buf = format === 'csv' ? CSV_HEADER : '';
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
