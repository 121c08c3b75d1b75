// What one line of a copy-method log is: parsing a line into a record (checked, never trusted),
// the log view's filter, and the numbers a record carries (throughput, seq).
import type { LogRecord } from '../contract.js';
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

/** A record's seq, or its place in the log for older logs that carry none. */
export function withSeq(r: LogRecord, pos: number): LogRecord {
  if (typeof r.seq !== 'number' || !Number.isFinite(r.seq)) r.seq = pos;
  return r;
}
