// Copies left incomplete, and their safe removal (issue 9, items 6 and 8).
//
// Two kinds:
// - 'partial': a folder under its final name that is missing entries — a cancelled (or failed)
//   job published what it had copied. The job's records say so (the engine's "incomplete"
//   warning on the folder's record); the pane marks the folder until it is completed or removed.
// - 'temp': the engine's hidden folder (ENGINE_TEMP_NAME) that a crash left in a destination of a
//   known job. Start-up lists them; resuming the job takes its temp back (recovery.ts), or the
//   user removes it.
// Removal takes away exactly what the job created and nothing that existed before it: the
// engine's removePartial() removes an entry only when the job's record of it carries the inode
// the job created (`ino`) and it is still that inode (a file: with the size the job wrote),
// deepest first, a folder only once empty. A temp is the engine's own folder and goes whole
// (removeTemp()) — unless it holds a file
// whose source is gone (a verified move deletes a source once its copy is verified): then it is
// the only copy, and only resuming may take it.
import path from 'node:path';
import { fsp } from '../../native/user-fs.js';
import type { JobFileRecord as FileRecord, PartialCopy } from '../contract.js';
import * as engine from '../../native/index.js';
import { decodeEnginePath, scan, type RemoveReport } from '../../native/index.js';
import { errorDescription, toWireError } from '../../native/errors.js';
import type { StoredJob } from './journal.js';
import { holdsOrphans } from './recovery.js';

/** A folder record that says the folder is missing entries (cancel, or entries that failed inside). */
export function isIncompleteFolder(r: Pick<FileRecord, 'type' | 'ok' | 'warnings' | 'scope'>): boolean {
  return r.type === 'dir' && r.ok && r.scope !== 'job' && r.warnings.some((w) => w.startsWith('incomplete'));
}

/** The outermost incomplete folders among a job's records (an inner one is inside an outer one). */
export function incompleteFolders(records: Iterable<FileRecord>): string[] {
  const dirs = [...records].filter(isIncompleteFolder).map((r) => r.dest).sort();
  const out: string[] = [];
  for (const d of dirs) if (!out.some((o) => d.startsWith(o + '/'))) out.push(d);
  return out;
}

async function lstatOrNull(p: Buffer) {
  return fsp.lstat(p).catch(() => null);
}

/** What a partial copy holds (its files and bytes) and when it last changed. */
export async function describePartial(p: Omit<PartialCopy, 'files' | 'bytes' | 'mtimeMs'>): Promise<PartialCopy | null> {
  const b = decodeEnginePath(p.path);
  const st = await lstatOrNull(b);
  if (!st?.isDirectory()) return null;
  const m = await scan([p.path], { recursive: true }).done.catch(() => ({ files: 0, bytes: 0 }));
  return { ...p, files: m.files, bytes: m.bytes, mtimeMs: st.mtimeMs };
}

/**
 * The engine's hidden folders (its findTemps()) in the destinations of `jobs`, each with the job
 * that built it (the tag the engine recorded on it, else the job whose source it copies) and the
 * final name it was being built for.
 */
export async function findTemps(jobs: readonly StoredJob[]): Promise<PartialCopy[]> {
  const out: PartialCopy[] = [];
  for (const dir of new Set(jobs.map((j) => j.destDir))) {
    for (const t of await engine.findTemps(dir).catch(() => [])) {
      if (t.type !== 'dir') continue; // a single file's data: nothing a person would resume
      const job = jobs.find((j) => j.id === t.tag) ?? (t.src === null ? undefined : jobs.find((j) => j.sources.includes(t.src!)));
      out.push({ path: t.path, kind: 'temp', finalPath: t.finalPath, jobId: job?.id ?? null, files: t.files, bytes: t.bytes, mtimeMs: t.mtimeMs });
    }
  }
  return out;
}

/**
 * Removes a partial copy: what the job created, nothing else (see the header). `records` are the
 * job's records (the engine's `ino` says what it created); `sources` its top-level sources (to
 * keep a temp holding the only copy of a moved file).
 */
export async function removePartial(p: PartialCopy, job: { records: Iterable<FileRecord>; sources: readonly string[] } | null): Promise<RemoveReport> {
  if (p.kind === 'temp') {
    const src = job && p.finalPath ? job.sources.find((s) => path.basename(s) === path.basename(p.finalPath!)) : undefined;
    if (src && (await holdsOrphans(decodeEnginePath(p.path), decodeEnginePath(src)))) {
      return { removed: [], kept: [{ path: p.path, reason: 'it holds files whose source was already moved away: resume the transfer to finish it' }] };
    }
    try {
      await engine.removeTemp(p.path); // refuses what is not one of the engine's temps
    } catch (e) {
      return { removed: [], kept: [{ path: p.path, reason: errorDescription(toWireError(e)) }] };
    }
    return { removed: [p.path], kept: [] };
  }
  if (!job) return { removed: [], kept: [{ path: p.path, reason: 'the transfer that copied it is no longer known' }] };
  return engine.removePartial([{ path: p.path }], job.records);
}
