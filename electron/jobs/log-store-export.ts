// A log's exports: CSV (RFC 4180, one header row) and JSON (one array), their file names, and the
// streamed, atomic write of an export file.
import fs from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../contract.js';
import { encodeAttempts } from '../../native/types.js';
import { throughputOf } from './log-store-records.js';

export const CSV_COLUMNS = ['time', 'jobId', 'src', 'dest', 'type', 'size', 'bytes', 'method', 'attempts', 'sparse', 'ms', 'throughput', 'verified', 'ok', 'skipped', 'error'] as const;

/** The CSV header row (with its line end). */
export const CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

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
