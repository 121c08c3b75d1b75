// Where a job's records are in its log file, and reading them back: an index of each record's
// line offset (8 bytes a record), built by scanning the file in chunks, and streams of records
// read from the file a chunk at a time, so memory holds one chunk whatever the log's size.
import fs from 'node:fs';
import type { LogRecord } from '../contract.js';
import { parseLogLine, withSeq } from './log-store-records.js';

/** Bytes read from a log at a time (scans, pages, exports): what a read holds in memory. */
export const READ_CHUNK = 1 << 20;

/** Where a job's records are in its file. */
export interface LogIndex {
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

/** An index and how many of the file's lines were not records. */
export interface Indexed {
  idx: LogIndex;
  bad: number;
}

/** Adds a record's line offset to the index (the offsets grow by doubling). */
export function addOffset(idx: LogIndex, at: number): void {
  if (idx.count + 1 > idx.offsets.length) {
    const b = new Float64Array(Math.max(idx.count + 1, idx.offsets.length * 2, 1024));
    b.set(idx.offsets);
    idx.offsets = b;
  }
  idx.offsets[idx.count++] = at;
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

/** An index being built from a file's chunks, and how to finish it. */
function indexer(): { split: LineSplitter; done: () => Indexed } {
  const idx: LogIndex = { offsets: new Float64Array(0), count: 0, end: 0, lastSeq: -1, durable: 0, torn: false };
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
    addOffset(idx, at);
  });
  const done = (): Indexed => {
    const tail = split.tail();
    if (tail) {
      // A torn last line (crash mid-write) is not a record.
      idx.end = tail.at + Buffer.byteLength(tail.line);
      idx.torn = true;
      if (tail.line.trim()) bad++;
    }
    idx.durable = idx.count;
    return { idx, bad };
  };
  return { split, done };
}

/** Indexes a log file in chunks (yielding between them: a big log never stalls the main thread). No file: an empty index. */
export async function indexFile(file: string): Promise<Indexed> {
  const { split, done } = indexer();
  let fh: fs.promises.FileHandle | null = null;
  try {
    fh = await fs.promises.open(file, 'r');
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
  return done();
}

/** The same, synchronously: only when a record is appended to a log never opened. */
export function indexFileSync(file: string): Indexed {
  const { split, done } = indexer();
  let fd = -1;
  try {
    fd = fs.openSync(file, 'r');
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

/** Streams a job's records from position `from` to `to` (exclusive) out of its file, a chunk at a time. */
export async function* readRecords(file: string, jobId: string, idx: LogIndex, from: number, to: number): AsyncGenerator<{ pos: number; record: LogRecord }> {
  if (from >= to) return;
  const startByte = idx.offsets[from]!;
  const endByte = to < idx.count ? idx.offsets[to]! : idx.end;
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
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

/** Records at the given positions (ascending), reading runs of neighbours together. */
export async function readRecordsAt(file: string, jobId: string, idx: LogIndex, positions: ArrayLike<number>): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  for (let i = 0; i < positions.length; ) {
    let j = i + 1;
    while (j < positions.length && positions[j] === positions[j - 1]! + 1 && j - i < 1000) j++;
    for await (const { record } of readRecords(file, jobId, idx, positions[i]!, positions[j - 1]! + 1)) out.push(record);
    i = j;
  }
  return out;
}
