// Display helpers for the queue and the log. Pure functions.
import type { JobFileRecord, JobState, JobSummary } from '../../../electron/contract';
import { formatSize } from '../lib/format';

/** 1536 → "1.5 KiB" (the panes' formatting). */
export const bytes = formatSize;

export function speed(bps: number): string {
  return bps > 0 ? `${bytes(Math.round(bps))}/s` : '—';
}

export function eta(s: number | null): string {
  if (s === null) return '—';
  if (s < 1) return '< 1 s';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return eta(ms / 1000);
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function baseName(p: string): string {
  const t = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
  return t.slice(t.lastIndexOf('/') + 1) || '/';
}

export function dateTime(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

export { describeChain as chain, fellBack } from '../../../native/types';
export { isActive } from '../../../electron/contract';

export const STATE_LABEL: Record<JobState, string> = {
  queued: 'Queued',
  scanning: 'Scanning',
  running: 'Copying',
  paused: 'Paused',
  flushing: 'Flushing',
  verifying: 'Verifying',
  done: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
  interrupted: 'Interrupted',
};

export function stateLabel(j: JobSummary): string {
  if (j.state === 'running' && j.kind === 'move') return 'Moving';
  return STATE_LABEL[j.state];
}

export function fraction(j: JobSummary): number {
  if (j.state === 'done') return 1;
  // With verify, copying is the first half of the work and re-reading the second.
  if (j.bytesTotal > 0 && j.verify) return Math.min(1, (j.bytesDone + j.verify.bytesDone) / (2 * j.bytesTotal));
  if (j.bytesTotal > 0) return Math.min(1, j.bytesDone / j.bytesTotal);
  if (j.filesTotal > 0) return Math.min(1, j.filesDone / j.filesTotal);
  return 0;
}

export function recordStatus(r: JobFileRecord): { text: string; kind: 'ok' | 'skipped' | 'error' | 'warn' } {
  if (r.skipped) return { text: r.warnings[0] ?? 'skipped', kind: 'skipped' };
  if (!r.ok) return { text: r.error ? r.error.message : 'failed', kind: 'error' };
  if (r.verified === false) return { text: 'verify failed', kind: 'error' };
  if (r.warnings.length) return { text: r.warnings.join('; '), kind: 'warn' };
  return { text: r.verified ? 'verified' : 'ok', kind: 'ok' };
}

export function throughput(r: { bytes: number; ms: number }): number {
  return r.ms > 0 ? (r.bytes * 1000) / r.ms : 0;
}
