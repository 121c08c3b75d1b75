// Counters derived from finished records, shared by the live job (incrementally) and by a restart
// (recounted from the log, where a later record for the same destination replaces an earlier one).
import type { ByMethod, JobFileRecord as FileRecord } from '../contract.js';
import { isFailure } from '../../native/types.js';

export interface Tally {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  bytesReflinked: number;
  bytesSkipped: number;
  /** Bytes that really moved through the kernel (not reflinked, not skipped): speed's numerator. */
  bytesCopied: number;
  byMethod: ByMethod;
  verifyFailed: number;
  /** Sparse files copied: how many, their logical size, and the data bytes read and written for them. */
  sparseFiles: number;
  sparseSize: number;
  sparseBytes: number;
}

export function emptyTally(): Tally {
  return { filesDone: 0, filesFailed: 0, bytesDone: 0, bytesReflinked: 0, bytesSkipped: 0, bytesCopied: 0, byMethod: {}, verifyFailed: 0, sparseFiles: 0, sparseSize: 0, sparseBytes: 0 };
}

/** Adds (sign 1) or removes (sign -1) one record's contribution. Directories count no file. */
export function count(t: Tally, r: FileRecord, sign: 1 | -1 = 1): void {
  if (r.type === 'dir') {
    if (isFailure(r)) t.filesFailed += sign;
    return;
  }
  if (isFailure(r)) {
    t.filesFailed += sign;
    if (r.verified === false) t.verifyFailed += sign;
    return;
  }
  t.filesDone += sign;
  t.bytesDone += sign * r.size;
  if (r.skipped || !r.ok) {
    t.bytesSkipped += sign * r.size;
    return;
  }
  if (r.method) {
    const m = (t.byMethod[r.method] ??= { files: 0, bytes: 0 });
    m.files += sign;
    m.bytes += sign * r.size;
    if (r.method === 'reflink') t.bytesReflinked += sign * r.size;
    else t.bytesCopied += sign * r.bytes;
  }
  if (r.sparse && r.type === 'file') {
    t.sparseFiles += sign;
    t.sparseSize += sign * r.size;
    if (r.method !== 'reflink') t.sparseBytes += sign * r.bytes;
  }
}

/** Recount: the last record per destination wins (a retry replaces the failure it retried). */
export function tallyAll(records: Iterable<FileRecord>): { tally: Tally; last: Map<string, FileRecord> } {
  const last = new Map<string, FileRecord>();
  for (const r of records) last.set(r.dest, r);
  const t = emptyTally();
  for (const r of last.values()) count(t, r, 1);
  return { tally: t, last };
}
