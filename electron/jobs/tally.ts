// Counters derived from finished records, shared by the live job and by a restart (recounted from
// the log). The last record per destination wins, live as in a recount: a retry, a resume or a
// record rewritten by verification replaces the earlier one instead of being counted twice.
//
// Every entry that is not a folder is exactly one of: copied (done), skipped (with a reason),
// failed (with an error code), or not started. Folders are not items: a failed folder counts as a
// failed folder, and the entries below it that the engine never reported are "not started".
import type { ByMethod, JobFileRecord as FileRecord } from '../contract.js';
import { ENTRY_TYPES, METHODS, isFailure } from '../../native/types.js';

export interface Tally {
  /** Copied (or moved): the destination holds the entry. Skipped entries are never done. */
  filesDone: number;
  filesSkipped: number;
  /** Entries that are not folders and failed. */
  filesFailed: number;
  foldersFailed: number;
  /** Entries the engine reported as never started (below a folder that failed or was cancelled). */
  notStarted: number;
  /** Bytes of the entries done. */
  bytesDone: number;
  bytesReflinked: number;
  bytesSkipped: number;
  /** Bytes that really moved through the kernel (not reflinked, not skipped): speed's numerator. */
  bytesCopied: number;
  byMethod: ByMethod;
  verifyFailed: number;
  /** Entries done whose source changed while it was read (the record's `changed`). */
  changed: number;
  /** Skipped entries per reason (`skipReason`). */
  skippedBy: Record<string, number>;
  /** Failed entries (folders included) per error code. */
  failedBy: Record<string, number>;
  /** Sparse files copied: how many, their logical size, and the data bytes read and written for them. */
  sparseFiles: number;
  sparseSize: number;
  sparseBytes: number;
}

export function emptyTally(): Tally {
  return {
    filesDone: 0,
    filesSkipped: 0,
    filesFailed: 0,
    foldersFailed: 0,
    notStarted: 0,
    bytesDone: 0,
    bytesReflinked: 0,
    bytesSkipped: 0,
    bytesCopied: 0,
    byMethod: {},
    verifyFailed: 0,
    changed: 0,
    skippedBy: {},
    failedBy: {},
    sparseFiles: 0,
    sparseSize: 0,
    sparseBytes: 0,
  };
}

/** A move on one filesystem: the engine renamed the entry (a folder: with everything inside it). */
export function movedByRename(r: Pick<FileRecord, 'ok' | 'method' | 'warnings'>): boolean {
  return r.ok && r.method === null && r.warnings.includes('renamed');
}

/** Why an entry was skipped, when the record does not say: a conflict decision kept the destination. */
export function skipReasonOf(r: Pick<FileRecord, 'skipReason'>): string {
  return r.skipReason ?? 'conflict';
}

function bump(m: Record<string, number>, k: string, sign: 1 | -1): void {
  const n = (m[k] ?? 0) + sign;
  if (n === 0) delete m[k];
  else m[k] = n;
}

/** Adds (sign 1) or removes (sign -1) one record's contribution. Job-level records count nothing. */
export function count(t: Tally, r: FileRecord, sign: 1 | -1 = 1): void {
  if (r.scope === 'job') return;
  if (r.type === 'dir') {
    t.notStarted += sign * (r.notStarted?.files ?? 0);
    if (r.ok && r.contains) {
      // Moved whole by one rename: everything inside is done (and cost no copying).
      t.filesDone += sign * r.contains.files;
      t.bytesDone += sign * r.contains.bytes;
    }
    if (isFailure(r)) {
      t.foldersFailed += sign;
      bump(t.failedBy, r.error?.code ?? 'EUNKNOWN', sign);
    }
    return;
  }
  if (isFailure(r)) {
    t.filesFailed += sign;
    bump(t.failedBy, r.error?.code ?? 'EUNKNOWN', sign);
    if (r.verified === false) t.verifyFailed += sign;
    return;
  }
  if (r.skipped || !r.ok) {
    t.filesSkipped += sign;
    t.bytesSkipped += sign * r.size;
    bump(t.skippedBy, skipReasonOf(r), sign);
    return;
  }
  t.filesDone += sign;
  t.bytesDone += sign * r.size;
  if (r.changed) t.changed += sign;
  if (r.method) {
    const m = (t.byMethod[r.method] ??= { files: 0, bytes: 0 });
    m.files += sign;
    m.bytes += sign * r.size;
    if (m.files === 0 && m.bytes === 0) delete t.byMethod[r.method];
    if (r.method === 'reflink') t.bytesReflinked += sign * r.size;
    else t.bytesCopied += sign * r.bytes;
  }
  if (r.sparse && r.type === 'file') {
    t.sparseFiles += sign;
    t.sparseSize += sign * r.size;
    if (r.method !== 'reflink') t.sparseBytes += sign * r.bytes;
  }
}

/**
 * A destination's key in a live tally: 53 bits from two 32-bit FNV-style hashes of its path, so a
 * tally holds numbers, not paths (two destinations share a key with odds of about n²/2^54: one in
 * 450,000 for a job of 200,000 entries).
 */
export function destKey(dest: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x9e3779b9;
  for (let i = 0; i < dest.length; i++) {
    const c = dest.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

const F_OK = 1;
const F_SKIPPED = 2;
const F_SPARSE = 4;
const F_VERIFIED = 8;
const F_VERIFY_FAILED = 16;
const F_VERIFY_UNREADABLE = 32;
const F_RENAMED = 64;
const F_CHANGED = 128;

/** What a counted record carries beyond its flags and sizes (few records do): kept as it was. */
type Extra = Pick<FileRecord, 'error' | 'skipReason' | 'notStarted' | 'contains'>;

/**
 * A tally in which a later record for a destination replaces the earlier one. Job-level records
 * (no destination of their own) are never replaced and never counted.
 *
 * It keeps what counting needs, not the records: per destination a key (destKey), its type,
 * flags, method, size and bytes in typed arrays (about 40 bytes an entry), and the rare extras
 * (an error, a skip reason, a folder's counts). Folder records are kept whole (incompleteFolders
 * needs them; folders are few next to files). The records themselves are in the log on disk.
 */
export class LiveTally {
  t: Tally = emptyTally();
  #slots = new Map<number, number>();
  #n = 0;
  /** Slots whose destination a correction (`replaces`) took away. */
  #gone = 0;
  #type = new Uint8Array(0);
  #flags = new Uint8Array(0);
  #method = new Int8Array(0);
  #size = new Float64Array(0);
  #bytes = new Float64Array(0);
  #extra = new Map<number, Extra>();
  #dirs = new Map<number, FileRecord>();

  /**
   * Counts `r`, replacing the record counted before for its destination — or, for the engine's
   * correction of a published tree (`replaces`), the record of the destination it names.
   */
  add(r: FileRecord): void {
    if (r.scope === 'job') return;
    if (r.replaces !== undefined && r.replaces !== r.dest) {
      const rk = destKey(r.replaces);
      const ri = this.#slots.get(rk);
      if (ri !== undefined) {
        count(this.t, this.#record(ri, r.replaces), -1);
        this.#slots.delete(rk);
        this.#dirs.delete(ri);
        this.#extra.delete(ri);
        this.#gone++;
      }
    }
    const k = destKey(r.dest);
    let i = this.#slots.get(k);
    if (i !== undefined) count(this.t, this.#record(i, r.dest), -1);
    else {
      i = this.#n++;
      this.#grow(this.#n);
      this.#slots.set(k, i);
    }
    count(this.t, r, 1);
    this.#store(i, r);
  }

  /** The record counted for `dest` (its counted fields; folders whole), if any. */
  get(dest: string): FileRecord | undefined {
    const i = this.#slots.get(destKey(dest));
    return i === undefined ? undefined : this.#record(i, dest);
  }

  has(dest: string): boolean {
    return this.#slots.has(destKey(dest));
  }

  /** Destinations counted. */
  get size(): number {
    return this.#n - this.#gone;
  }

  /** The folder records counted (whole). */
  get folders(): IterableIterator<FileRecord> {
    return this.#dirs.values();
  }

  reset(t: Tally = emptyTally()): void {
    this.t = t;
    this.#slots.clear();
    this.#n = 0;
    this.#gone = 0;
    this.#extra.clear();
    this.#dirs.clear();
    this.#type = new Uint8Array(0);
    this.#flags = new Uint8Array(0);
    this.#method = new Int8Array(0);
    this.#size = new Float64Array(0);
    this.#bytes = new Float64Array(0);
  }

  #grow(n: number): void {
    if (n <= this.#type.length) return;
    const cap = Math.max(1024, this.#type.length * 2);
    const copy = <A extends Uint8Array | Int8Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.#type = copy(this.#type, (c) => new Uint8Array(c));
    this.#flags = copy(this.#flags, (c) => new Uint8Array(c));
    this.#method = copy(this.#method, (c) => new Int8Array(c));
    this.#size = copy(this.#size, (c) => new Float64Array(c));
    this.#bytes = copy(this.#bytes, (c) => new Float64Array(c));
  }

  #store(i: number, r: FileRecord): void {
    this.#type[i] = ENTRY_TYPES.indexOf(r.type);
    this.#flags[i] =
      (r.ok ? F_OK : 0) |
      (r.skipped ? F_SKIPPED : 0) |
      (r.sparse ? F_SPARSE : 0) |
      (r.verified === true ? F_VERIFIED : 0) |
      (r.verified === false ? F_VERIFY_FAILED : 0) |
      (r.verified === null ? F_VERIFY_UNREADABLE : 0) |
      (r.warnings.includes('renamed') ? F_RENAMED : 0) |
      (r.changed ? F_CHANGED : 0);
    this.#method[i] = r.method ? METHODS.indexOf(r.method) : -1;
    this.#size[i] = r.size;
    this.#bytes[i] = r.bytes;
    if (r.type === 'dir') this.#dirs.set(i, r);
    else this.#dirs.delete(i);
    if (r.error || r.skipReason !== undefined || r.notStarted || r.contains) this.#extra.set(i, { error: r.error, skipReason: r.skipReason, notStarted: r.notStarted, contains: r.contains });
    else this.#extra.delete(i);
  }

  #record(i: number, dest: string): FileRecord {
    const dir = this.#dirs.get(i);
    if (dir) return dir;
    const f = this.#flags[i]!;
    const m = this.#method[i]!;
    const x = this.#extra.get(i);
    const r: FileRecord = {
      src: '',
      dest,
      type: ENTRY_TYPES[this.#type[i]!] ?? 'file',
      size: this.#size[i]!,
      bytes: this.#bytes[i]!,
      method: m >= 0 ? METHODS[m]! : null,
      attempts: [],
      sparse: (f & F_SPARSE) !== 0,
      ms: 0,
      ok: (f & F_OK) !== 0,
      skipped: (f & F_SKIPPED) !== 0,
      error: x?.error ?? null,
      warnings: f & F_RENAMED ? ['renamed'] : [],
    };
    if (f & F_VERIFIED) r.verified = true;
    else if (f & F_VERIFY_FAILED) r.verified = false;
    else if (f & F_VERIFY_UNREADABLE) r.verified = null;
    if (f & F_CHANGED) r.changed = true;
    if (x?.skipReason !== undefined) r.skipReason = x.skipReason;
    if (x?.notStarted) r.notStarted = x.notStarted;
    if (x?.contains) r.contains = x.contains;
    return r;
  }
}

/** Recount: the last record per destination wins (a retry replaces the failure it retried). */
export function tallyAll(records: Iterable<FileRecord>): { tally: Tally; last: Map<string, FileRecord> } {
  const last = new Map<string, FileRecord>();
  for (const r of records) {
    if (r.scope === 'job') continue;
    // The engine's correction of a published tree takes the place of the record it names.
    if (r.replaces !== undefined && r.replaces !== r.dest) last.delete(r.replaces);
    last.set(r.dest, r);
  }
  const tally = emptyTally();
  for (const r of last.values()) count(tally, r, 1);
  return { tally, last };
}

/** The same tally, streamed (a restart recounts a log of any size in bounded memory). */
export async function tallyStream(records: AsyncIterable<FileRecord>): Promise<Tally> {
  const live = new LiveTally();
  for await (const r of records) live.add(r);
  return live.t;
}
