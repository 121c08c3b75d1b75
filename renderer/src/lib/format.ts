// The renderer's one formatting module: sizes, counts, speeds, times, permissions, paths, and the
// labels the queue and the log show for jobs and records. Pure functions.
import type { DirEntry, EntryType, FsInfo, JobFileRecord, JobState, JobSummary } from '../../../electron/contract';
import { formatSize } from '../../../native/format';
import { describeError } from '../../../native/reasons';

export { formatSize };

/** 12345 → "12,345" (the same in every locale, like the rest of the UI). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2024-05-01 13:07", or with seconds "2024-05-01 13:07:09"; "" for no time. */
export function formatDate(ms: number, seconds = false): string {
  if (!ms) return '';
  const d = new Date(ms);
  const hm = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  return seconds ? `${hm}:${pad(d.getSeconds())}` : hm;
}

/** Bytes per second → "12 MiB/s"; "—" when nothing moves. */
export function formatSpeed(bps: number): string {
  return bps > 0 ? `${formatSize(Math.round(bps))}/s` : '—';
}

/** Seconds left → "< 1 s", "42 s", "3 min 5 s", "2 h 10 min"; "—" when unknown. */
export function formatEta(s: number | null): string {
  if (s === null) return '—';
  if (s < 1) return '< 1 s';
  if (s < 60) return `${Math.ceil(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** Milliseconds → "250 ms", or as formatEta above a second. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return formatEta(ms / 1000);
}

const TYPE_CHAR: Record<EntryType, string> = { file: '-', dir: 'd', symlink: 'l', fifo: 'p', chardev: 'c', blockdev: 'b', socket: 's' };

/** `drwxr-xr-x`-style permissions (with setuid/setgid/sticky). */
export function formatMode(mode: number, type: EntryType): string {
  const rwx = (bits: number, special: boolean, ch: string) =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? (special ? ch : 'x') : special ? ch.toUpperCase() : '-');
  return (
    TYPE_CHAR[type] +
    rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    rwx(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}

export function formatOctal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** Whether Enter on this entry navigates into it. */
export function isDirLike(e: DirEntry): boolean {
  return e.type === 'dir' || (e.type === 'symlink' && e.targetType === 'dir');
}

export function typeLabel(e: DirEntry): string {
  if (e.error) return 'unreadable';
  if (e.type === 'symlink') return e.targetType ? `link to ${e.targetType}` : 'broken link';
  return { file: 'file', dir: 'folder', symlink: 'link', fifo: 'pipe', chardev: 'character device', blockdev: 'block device', socket: 'socket' }[e.type];
}

/** "xfs · reflink", "ext4 · read-only", "btrfs · reflink · no write permission here". */
export function fsLabel(fs: Pick<FsInfo, 'fsType' | 'reflink' | 'readOnly' | 'writable'>): string {
  return [fs.fsType, fs.reflink ? 'reflink' : '', fs.readOnly ? 'read-only' : fs.writable === false ? 'no write permission here' : ''].filter(Boolean).join(' · ');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Parent folder of an absolute path ("/" stays "/"). */
export function parentOf(p: string): string {
  if (p === '/' || p === '') return '/';
  const t = p.endsWith('/') ? p.slice(0, -1) : p;
  const i = t.lastIndexOf('/');
  return i <= 0 ? '/' : t.slice(0, i);
}

export function baseName(p: string): string {
  const t = p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
  return t.slice(t.lastIndexOf('/') + 1) || '/';
}

export function joinPath(dir: string, name: string): string {
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** Normalises a typed path: collapses slashes, resolves "." and "..", drops a trailing slash. */
export function normalizePath(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** Is `p` equal to `dir` or inside it? */
export function isInside(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith('/') ? dir : `${dir}/`);
}

/** "/a/b/c" → [{name:"/",path:"/"},{name:"a",path:"/a"},…] */
export function crumbs(p: string): { name: string; path: string }[] {
  const out = [{ name: '/', path: '/' }];
  let acc = '';
  for (const part of p.split('/')) {
    if (!part) continue;
    acc += `/${part}`;
    out.push({ name: part, path: acc });
  }
  return out;
}

// ------------------------------------------------------------------ jobs and their records

const STATE_LABEL: Record<JobState, string> = {
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

export function stateLabel(j: Pick<JobSummary, 'state' | 'kind'>): string {
  if (j.state === 'running' && j.kind === 'move') return 'Moving';
  return STATE_LABEL[j.state];
}

/** What a job copies, in a few words: the one source's name, or "12 items". */
export function jobSubject(j: Pick<JobSummary, 'sources' | 'sourcesCount'>): string {
  const n = j.sourcesCount ?? j.sources.length;
  return n === 1 && j.sources[0] !== undefined ? baseName(j.sources[0]) : `${formatCount(n)} items`;
}

/** How far a job is, 0..1: by bytes (copy and verify each half of the work), else by files. Skipped entries are dealt with, not done. */
export function fraction(j: JobSummary): number {
  if (j.state === 'done') return 1;
  const bytes = j.bytesDone + (j.bytesSkipped ?? 0);
  if (j.bytesTotal > 0 && j.verify) return Math.min(1, (bytes + j.verify.bytesDone) / (2 * j.bytesTotal));
  if (j.bytesTotal > 0) return Math.min(1, bytes / j.bytesTotal);
  if (j.filesTotal > 0) return Math.min(1, (j.filesDone + (j.filesSkipped ?? 0)) / j.filesTotal);
  return 0;
}

const SKIP_REASON: Record<string, string> = {
  conflict: 'kept what was at the destination',
  'skip-current': 'skipped by you',
  newer: 'the destination was as new or newer',
  cancel: 'the transfer was cancelled',
};

/** Why entries were skipped, as a person reads it. */
export function skipReasonText(reason: string | undefined): string {
  return SKIP_REASON[reason ?? 'conflict'] ?? reason ?? 'skipped';
}

/** One part of a job's outcome: its count, a short label and what is behind it. */
export interface OutcomePart {
  key: 'copied' | 'skipped' | 'failed' | 'folders' | 'not-started';
  n: number;
  text: string;
  /** The reasons (skipped) or error codes (failed) with their counts. */
  why: string;
}

function reasons(by: Record<string, number> | undefined, label: (k: string) => string): string {
  return Object.entries(by ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${formatCount(n)} ${label(k)}`)
    .join(', ');
}

/**
 * A stopped job's outcome with every entry accounted for: copied (moved), skipped (why), failed
 * (why), folders failed, not started. The entry counts add up to `filesTotal`; zeros are left out
 * except "copied".
 */
export function jobOutcome(j: JobSummary): OutcomePart[] {
  const moved = j.kind === 'move';
  // Of those copied, the ones whose source changed while it was read (the copy holds what it was when opened).
  const changed = j.filesChanged ?? 0;
  const parts: OutcomePart[] = [{ key: 'copied', n: j.filesDone, text: `${formatCount(j.filesDone)} ${moved ? 'moved' : 'copied'}`, why: changed ? `${formatCount(changed)} changed during copy` : '' }];
  const skipped = j.filesSkipped ?? 0;
  if (skipped) parts.push({ key: 'skipped', n: skipped, text: `${formatCount(skipped)} skipped`, why: reasons(j.skippedBy, skipReasonText) });
  const failedBy = reasons(j.failedBy, (code) => code);
  if (j.filesFailed) parts.push({ key: 'failed', n: j.filesFailed, text: `${formatCount(j.filesFailed)} failed`, why: failedBy });
  const folders = j.foldersFailed ?? 0;
  if (folders) parts.push({ key: 'folders', n: folders, text: `${formatCount(folders)} ${folders === 1 ? 'folder' : 'folders'} failed`, why: failedBy });
  const notStarted = j.filesNotStarted ?? 0;
  if (notStarted) {
    const why = j.state === 'cancelled' ? 'the transfer was cancelled' : j.state === 'interrupted' ? 'Ferry stopped: resume to go on' : folders ? 'inside a folder that failed' : 'never reached';
    parts.push({ key: 'not-started', n: notStarted, text: `${formatCount(notStarted)} not started`, why });
  }
  return parts;
}

/**
 * A finished job's average speed: the bytes its last run really read and wrote (reflinked and
 * skipped bytes and the holes of sparse files move nothing) over the time it worked (waiting in
 * the queue, paused or on a question left out); 0 when nothing moved or the time is unknown.
 */
export function averageSpeed(j: JobSummary): number {
  const ms = j.activeMs ?? (j.startedAt && j.finishedAt ? j.finishedAt - j.startedAt : 0);
  // (Skipped bytes are not in bytesDone: a skipped file is never done.)
  const moved = j.runBytesMoved ?? j.bytesMoved ?? Math.max(0, j.bytesDone - j.bytesReflinked);
  return ms > 0 && moved > 0 ? (moved * 1000) / ms : 0;
}

/** "12 / 40 files", "1 / 1 file" (the total decides the noun). */
export function filesProgress(j: Pick<JobSummary, 'filesDone' | 'filesTotal'>): string {
  return `${formatCount(j.filesDone)} / ${plural(j.filesTotal, 'file')}`;
}

/**
 * What a finished job took, honestly: its working time, and the speed of the bytes that really
 * moved; a job of reflinks says "cloned instantly, N shared" instead of a speed.
 */
export function finishedLine(j: JobSummary): string {
  const ms = j.activeMs ?? (j.startedAt && j.finishedAt ? j.finishedAt - j.startedAt : null);
  const parts: string[] = [];
  const avg = averageSpeed(j);
  if (ms !== null) parts.push(avg > 0 ? `${formatDuration(ms)}, ${formatSpeed(avg)}` : formatDuration(ms));
  if (j.bytesReflinked > 0) parts.push(`cloned instantly, ${formatSize(j.bytesReflinked)} shared`);
  return parts.join(' · ');
}

/** The label of the control that runs a finished job again: what it will really do. */
export function retryLabel(j: Pick<JobSummary, 'state' | 'filesFailed'>): string {
  if (j.state === 'cancelled') return 'Resume';
  if (j.filesFailed > 0) return 'Retry failed';
  return 'Try again';
}

export type RecordKind = 'ok' | 'skipped' | 'error' | 'warn';

/** A record's status cell: "verified", "skipped", the error message, the warnings. */
export function recordStatus(r: JobFileRecord): { text: string; kind: RecordKind } {
  if (r.scope === 'job') return { text: `the transfer failed: ${r.error?.message ?? 'unknown error'}`, kind: 'error' };
  if (r.skipped) return { text: r.warnings[0] ?? `skipped: ${skipReasonText(r.skipReason)}`, kind: 'skipped' };
  if (!r.ok) return { text: r.error ? describeError(r.error) : 'failed', kind: 'error' };
  if (r.verified === false) return { text: 'verify failed', kind: 'error' };
  if (r.warnings.length) return { text: r.warnings.join('; '), kind: 'warn' };
  return { text: r.verified ? 'verified' : 'ok', kind: 'ok' };
}

/** A record's copy speed in bytes per second (0 when it took no time). */
export function throughput(r: { bytes: number; ms: number }): number {
  return r.ms > 0 ? (r.bytes * 1000) / r.ms : 0;
}
