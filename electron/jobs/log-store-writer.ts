// Appending to one job's log: opened once, written at explicit positions (the index knows where
// each line goes), asynchronously — a busy destination disk must never stall the main thread —
// and coalesced: lines that arrive while a write is in flight go out together in the next one.
// Past MAX_UNWRITTEN bytes waiting (the main thread is busier than the disk) a write is made at
// once. A write that fails (disk full or gone) keeps its lines for the next one.
import fs from 'node:fs';
import type { LogIndex } from './log-store-index.js';

/** Unwritten log bytes a job may hold: past this (the main thread is busier than the disk), append() writes at once. */
export const MAX_UNWRITTEN = 4 * 1024 * 1024;

interface Taken {
  data: string;
  at: number;
  upto: number;
}

export class LogWriter {
  readonly #fd: number;
  readonly #idx: LogIndex;
  /** Asynchronous writes, one after another. */
  #chain: Promise<void> = Promise.resolve();
  /** Lines not written yet, where they start in the file, their bytes, and the record count they end at. */
  #buf: string[] = [];
  #bufAt: number;
  #bufBytes = 0;
  #bufUpto: number;
  #scheduled = false;
  /** Records a write in flight ends at (null: none), and the most records a synchronous write made durable. */
  #inflight: number | null = null;
  #syncUpto = 0;

  /** Opens (creating) the log `file` whose records `idx` indexes; throws when it cannot be opened. */
  constructor(file: string, idx: LogIndex) {
    this.#fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    this.#idx = idx;
    // A log cut short by a crash ends mid-line: end that line first, or the next record would
    // be glued to it and lost too.
    if (idx.torn) {
      idx.torn = false;
      try {
        fs.writeSync(this.#fd, '\n', idx.end);
      } catch {
        /* the next write tries the lines again; this one is best effort */
      }
      idx.end += 1;
    }
    this.#bufAt = idx.end;
    this.#bufUpto = idx.count;
  }

  /** Where the next lines start: the index's end when nothing waits (call before indexing them). */
  begin(): void {
    if (this.#buf.length === 0) this.#bufAt = this.#idx.end;
  }

  /** Queues `lines` (`bytes` long), which end the index's records so far, and schedules their write. */
  add(lines: string, bytes: number): void {
    this.#buf.push(lines);
    this.#bufBytes += bytes;
    this.#bufUpto = this.#idx.count;
    if (this.#bufBytes > MAX_UNWRITTEN) this.#writeNow();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      this.#chain = this.#chain.then(() => this.#write());
    }
  }

  /** Resolves when the writes scheduled so far are done. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** Takes the unwritten lines: their text, position and the record count they end at. */
  #take(): Taken | null {
    if (this.#buf.length === 0) return null;
    const t = { data: this.#buf.join(''), at: this.#bufAt, upto: this.#bufUpto };
    this.#buf = [];
    this.#bufBytes = 0;
    return t;
  }

  /** Puts lines that could not be written back in front of what came since. */
  #giveBack(t: Taken): void {
    this.#buf.unshift(t.data);
    this.#bufAt = t.at;
    this.#bufBytes += Buffer.byteLength(t.data);
  }

  async #write(): Promise<void> {
    this.#scheduled = false;
    const t = this.#take();
    if (!t) return;
    this.#inflight = t.upto;
    try {
      await new Promise<void>((resolve, reject) => fs.write(this.#fd, t.data, t.at, 'utf8', (e) => (e ? reject(e) : resolve())));
      this.#idx.durable = Math.max(this.#idx.durable, t.upto, this.#syncUpto);
    } catch {
      // Disk full or gone: keep the lines (the index counts on them) for the next write.
      this.#giveBack(t);
    } finally {
      this.#inflight = null;
    }
  }

  /** A synchronous write of everything unwritten (positional: a write in flight is not in the way). */
  #writeNow(): void {
    const t = this.#take();
    if (!t) return;
    try {
      fs.writeSync(this.#fd, t.data, t.at, 'utf8');
      this.#syncUpto = t.upto;
      if (this.#inflight === null) this.#idx.durable = Math.max(this.#idx.durable, t.upto);
    } catch {
      this.#giveBack(t);
    }
  }

  /** Waits for the pending writes, writes what is left and makes it durable (end of job). */
  async flush(): Promise<void> {
    await this.#chain;
    if (this.#buf.length) await (this.#chain = this.#chain.then(() => this.#write()));
    await new Promise<void>((resolve) => fs.fdatasync(this.#fd, () => resolve())); // tmpfs etc. may refuse: nothing to do
  }

  /** Closes the file (after flush(); it stays readable through the index). */
  closeFile(): Promise<void> {
    return new Promise<void>((resolve) => fs.close(this.#fd, () => resolve()));
  }
}
