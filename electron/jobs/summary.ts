// A job's numbers as the queue shows them: done, total, speed, time left, verify progress. Pure
// maths over plain data (no engine, no clock, no I/O), so every rule here is a unit test away.
import { ACTIVE_STATES, FINISHED_STATES } from '../contract.js';
import type { ConflictInfo, CurrentFile, JobSummary, WireError } from '../contract.js';
import type { StoredJob } from './journal.js';
import { emptyTally, type Tally } from './tally.js';

/** Summaries carry at most this many source paths (and `sourcesCount`): ticks stay small. */
export const SUMMARY_SOURCES = 50;

/** Verification progress; `bytesRead` counts both files read (source and copy). */
export interface VerifyProgress {
  filesDone: number;
  filesTotal: number;
  bytesRead: number;
  bytesTotal: number;
}

export function noVerifyProgress(): VerifyProgress {
  return { filesDone: 0, filesTotal: 0, bytesRead: 0, bytesTotal: 0 };
}

export interface SummaryInput {
  s: StoredJob;
  tally: Tally;
  /** Files being copied right now, with their bytes so far. */
  current: readonly CurrentFile[];
  conflicts: readonly ConflictInfo[];
  verify: VerifyProgress;
  /** Bytes the plan expects to be reflinked: they take no time, so time left leaves them out. */
  predictedReflink: number;
  /** The measured rate of the phase in progress (copying, or re-reading while verifying), bytes/s. */
  rate: number;
  /** The latest run's working time so far (clock.ts), and the bytes it really moved. */
  activeMs?: number;
  runBytesMoved?: number;
  /** Conflicts still to answer in this run (open now, or expected from the scan). */
  conflictsLeft?: number;
}

/** Seconds left at `speed`: 0 when nothing remains, null when unknown. */
export function etaSeconds(remaining: number, speed: number): number | null {
  if (remaining <= 0) return 0;
  return speed > 0 ? Math.ceil(remaining / speed) : null;
}

export function summarize(x: SummaryInput): JobSummary {
  const { s, tally: t, verify: v } = x;
  const active = ACTIVE_STATES.has(s.state);
  let inFlight = 0;
  for (const c of x.current) inFlight += c.bytes;
  // Every entry is done, skipped, failed or not started; the total is never below what is counted.
  const processed = t.filesDone + t.filesSkipped + t.filesFailed;
  const filesTotal = Math.max(s.filesTotal, processed + t.notStarted);
  // Once a job has stopped, whatever it did not report was not started.
  const stopped = FINISHED_STATES.has(s.state) || s.state === 'interrupted';
  const filesNotStarted = stopped ? filesTotal - processed : t.notStarted;
  // Bytes of files still being copied count as done while the job runs, never past the total.
  const bytesTotal = Math.max(s.bytesTotal, t.bytesDone + t.bytesSkipped);
  const bytesDone = active ? Math.min(bytesTotal - t.bytesSkipped, t.bytesDone + inFlight) : t.bytesDone;
  const verifyBytes = Math.min(v.bytesTotal, Math.round(v.bytesRead / 2));
  const verifying = s.state === 'verifying';
  const speed = active && s.state !== 'paused' ? Math.round(x.rate) : 0;
  const stillReflink = Math.max(0, x.predictedReflink - t.bytesReflinked);
  // Time left: bytes still to copy (reflinks and skips cost none) or, while verifying, bytes still to re-read.
  const remaining = verifying ? Math.max(0, v.bytesTotal - verifyBytes) : Math.max(0, bytesTotal - bytesDone - t.bytesSkipped - stillReflink);
  return {
    id: s.id,
    kind: s.kind,
    sources: s.sources.length > SUMMARY_SOURCES ? s.sources.slice(0, SUMMARY_SOURCES) : s.sources,
    sourcesCount: s.sources.length,
    destDir: s.destDir,
    state: s.state,
    createdAt: s.createdAt,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    filesTotal,
    filesDone: t.filesDone,
    filesFailed: t.filesFailed,
    bytesTotal,
    bytesDone,
    bytesReflinked: t.bytesReflinked,
    speed,
    etaSeconds: active ? etaSeconds(remaining, speed) : null,
    byMethod: structuredClone(t.byMethod),
    error: s.error,
    options: s.options,
    current: x.current as CurrentFile[],
    conflicts: [...x.conflicts],
    flushMs: s.flushMs,
    bytesSkipped: t.bytesSkipped,
    filesVerifyFailed: t.verifyFailed,
    filesSkipped: t.filesSkipped,
    filesNotStarted,
    foldersFailed: t.foldersFailed,
    skippedBy: { ...t.skippedBy },
    failedBy: { ...t.failedBy },
    ...(s.partial?.length ? { partial: s.partial } : {}),
    ...(s.options.verify ? { verify: { filesDone: v.filesDone, filesTotal: v.filesTotal, bytesDone: verifyBytes, bytesTotal: v.bytesTotal } } : {}),
    ...(x.activeMs !== undefined || s.activeMs !== undefined ? { activeMs: x.activeMs ?? s.activeMs } : {}),
    bytesMoved: t.bytesCopied,
    ...(x.runBytesMoved !== undefined || s.runBytesMoved !== undefined ? { runBytesMoved: x.runBytesMoved ?? s.runBytesMoved } : {}),
    ...(t.sparseFiles > 0 ? { sparse: { files: t.sparseFiles, size: t.sparseSize, bytes: t.sparseBytes } } : {}),
    conflictsLeft: Math.max(x.conflicts.length, x.conflictsLeft ?? 0),
  };
}

/** The counters a job keeps in the journal, from its tally. */
export type StoredCounters = Pick<
  StoredJob,
  | 'filesDone'
  | 'filesFailed'
  | 'filesSkipped'
  | 'foldersFailed'
  | 'notStarted'
  | 'bytesDone'
  | 'bytesReflinked'
  | 'bytesSkipped'
  | 'byMethod'
  | 'verifyFailed'
  | 'skippedBy'
  | 'failedBy'
  | 'bytesCopied'
  | 'sparse'
>;

export function storedCounters(t: Tally): StoredCounters {
  return {
    bytesCopied: t.bytesCopied,
    sparse: { files: t.sparseFiles, size: t.sparseSize, bytes: t.sparseBytes },
    filesDone: t.filesDone,
    filesFailed: t.filesFailed,
    filesSkipped: t.filesSkipped,
    foldersFailed: t.foldersFailed,
    notStarted: t.notStarted,
    bytesDone: t.bytesDone,
    bytesReflinked: t.bytesReflinked,
    bytesSkipped: t.bytesSkipped,
    byMethod: structuredClone(t.byMethod),
    verifyFailed: t.verifyFailed,
    skippedBy: { ...t.skippedBy },
    failedBy: { ...t.failedBy },
  };
}

/** A finished job's tally from the counters stored with its final state (exact; the log loads on demand). */
export function tallyOfStored(s: StoredJob): Tally {
  return {
    ...emptyTally(),
    filesDone: s.filesDone,
    filesFailed: s.filesFailed,
    filesSkipped: s.filesSkipped ?? 0,
    foldersFailed: s.foldersFailed ?? 0,
    notStarted: s.notStarted ?? 0,
    bytesDone: s.bytesDone,
    bytesReflinked: s.bytesReflinked,
    bytesSkipped: s.bytesSkipped ?? 0,
    byMethod: structuredClone(s.byMethod ?? {}),
    verifyFailed: s.verifyFailed ?? 0,
    skippedBy: { ...s.skippedBy },
    failedBy: { ...s.failedBy },
    bytesCopied: s.bytesCopied ?? 0,
    sparseFiles: s.sparse?.files ?? 0,
    sparseSize: s.sparse?.size ?? 0,
    sparseBytes: s.sparse?.bytes ?? 0,
  };
}

/**
 * The job-level error of a run that did not do everything: how many entries failed, folders
 * failed and entries were never started, of how many.
 */
export function partialError(t: Tally, filesTotal: number): WireError {
  const total = Math.max(filesTotal, t.filesDone + t.filesSkipped + t.filesFailed + t.notStarted);
  const notStarted = total - t.filesDone - t.filesSkipped - t.filesFailed;
  const parts: string[] = [];
  if (t.filesFailed) parts.push(`${t.filesFailed} of ${total} ${total === 1 ? 'entry' : 'entries'} failed`);
  if (t.foldersFailed) parts.push(`${t.foldersFailed} ${t.foldersFailed === 1 ? 'folder' : 'folders'} failed`);
  if (notStarted > 0) parts.push(`${notStarted} of ${total} ${total === 1 ? 'entry was' : 'entries were'} not started`);
  return { code: 'EPARTIAL', message: parts.join(', ') || `0 of ${total} entries failed` };
}

/** Whether a run ended without doing everything (failures, or entries never started). */
export function incompleteRun(t: Tally, filesTotal: number): boolean {
  return t.filesFailed > 0 || t.foldersFailed > 0 || t.filesDone + t.filesSkipped + t.filesFailed < filesTotal;
}
