// Counters derived from finished records, shared by the live job and by a restart (recounted from
// the log). The last record per destination wins, live as in a recount: a retry, a resume or a
// record rewritten by verification replaces the earlier one instead of being counted twice.
//
// Every entry that is not a folder is exactly one of: copied (done), skipped (with a reason),
// failed (with an error code), or not started. Folders are not items: a failed folder counts as a
// failed folder, and the entries below it that the engine never reported are "not started".
import type { ByMethod, JobFileRecord as FileRecord } from '../contract.js';
import { isFailure } from '../../native/types.js';

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
 * A tally in which a later record for a destination replaces the earlier one. Job-level records
 * (no destination of their own) are never replaced and never counted.
 */
export class LiveTally {
  t: Tally = emptyTally();
  #last = new Map<string, FileRecord>();

  /** Counts `r`, replacing the record counted before for its destination. */
  add(r: FileRecord): void {
    if (r.scope === 'job') return;
    const prev = this.#last.get(r.dest);
    if (prev) count(this.t, prev, -1);
    count(this.t, r, 1);
    this.#last.set(r.dest, r);
  }

  /** The record counted for `dest`, if any. */
  get(dest: string): FileRecord | undefined {
    return this.#last.get(dest);
  }

  get records(): IterableIterator<FileRecord> {
    return this.#last.values();
  }

  reset(t: Tally = emptyTally()): void {
    this.t = t;
    this.#last.clear();
  }
}

/** Recount: the last record per destination wins (a retry replaces the failure it retried). */
export function tallyAll(records: Iterable<FileRecord>): { tally: Tally; last: Map<string, FileRecord> } {
  const live = new LiveTally();
  for (const r of records) live.add(r);
  const last = new Map<string, FileRecord>();
  for (const r of live.records) last.set(r.dest, r);
  return { tally: live.t, last };
}
