// Copies left incomplete, and their safe removal (issue 9, items 6 and 8).
//
// Two kinds:
// - 'partial': a folder under its final name that is missing entries — a cancelled (or failed)
//   job published what it had copied. The job's records say so (the engine's "incomplete"
//   warning on the folder's record); the pane marks the folder until it is completed or removed.
// - 'temp': the engine's hidden folder (ENGINE_TEMP_NAME) that a crash left in a destination of a
//   known job. Start-up lists them; resuming the job takes its temp back (recovery.ts), or the
//   user removes it.
// Removal takes away exactly what the job created and nothing that existed before it: a file
// goes only when the job's log says the job copied it (same size) into a folder the job created
// (created after the job started); a folder goes only when it is empty afterwards and was
// created by the job. A temp is the engine's own folder and goes whole — unless it holds a file
// whose source is gone (a verified move deletes a source once its copy is verified): then it is
// the only copy, and only resuming may take it.
import path from 'node:path';
import { fsp } from '../../native/user-fs.js';
import type { JobFileRecord as FileRecord, PartialCopy } from '../contract.js';
import { decodeEnginePath, encodeEnginePath, scan } from '../../native/index.js';
import { ENGINE_TEMP_NAME } from '../../native/types.js';
import type { StoredJob } from './journal.js';
import { holdsOrphans } from './recovery.js';
import { fsFailure, joinBytes } from '../wire-paths.js';

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

/** Margin for file times (the kernel's coarse clock runs a few ms behind). */
const MARGIN_MS = 100;

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
 * The engine's hidden folders in the destinations of `jobs`, each with the job whose source it
 * copies (its names are all names of one of the job's source folders) and the final name it was
 * being built for; unknown (null) when no job's source matches.
 */
export async function findTemps(jobs: readonly StoredJob[]): Promise<PartialCopy[]> {
  const byDir = new Map<string, StoredJob[]>();
  for (const j of jobs) byDir.set(j.destDir, [...(byDir.get(j.destDir) ?? []), j]);
  const out: PartialCopy[] = [];
  for (const [dir, owners] of byDir) {
    let names: string[];
    try {
      names = (await fsp.readdir(decodeEnginePath(dir))).filter((n) => ENGINE_TEMP_NAME.test(n));
    } catch {
      continue;
    }
    for (const n of names) {
      const temp = path.join(dir, n);
      const inside = await fsp.readdir(decodeEnginePath(temp), { encoding: 'buffer' }).catch(() => null);
      if (!inside) continue; // a file temp (a single file's): the engine removes those itself
      let jobId: string | null = null;
      let finalPath: string | null = null;
      for (const j of owners) {
        for (const src of j.sources) {
          const srcNames = await fsp.readdir(decodeEnginePath(src), { encoding: 'buffer' }).catch(() => null);
          if (!srcNames) continue;
          const set = new Set(srcNames.map((x) => x.toString('latin1')));
          if (inside.every((x) => set.has(x.toString('latin1')))) {
            jobId = j.id;
            finalPath = path.join(dir, path.basename(src));
            break;
          }
        }
        if (jobId) break;
      }
      const d = await describePartial({ path: temp, kind: 'temp', finalPath, jobId });
      if (d) out.push(d);
    }
  }
  return out;
}

export interface RemoveResult {
  removed: string[];
  kept: { path: string; reason: string }[];
}

/**
 * Removes a partial copy: what the job created, nothing else (see the header). `records` are the
 * job's records (the last per destination); `startedAt` its first start; `sources` its top-level
 * pairs' sources (to keep a temp holding the only copy of a moved file).
 */
export async function removePartial(p: PartialCopy, job: { startedAt: number; records: Map<string, FileRecord>; sources: readonly string[] } | null): Promise<RemoveResult> {
  const res: RemoveResult = { removed: [], kept: [] };
  const root = decodeEnginePath(p.path);
  if (p.kind === 'temp') {
    if (!ENGINE_TEMP_NAME.test(path.basename(p.path))) {
      res.kept.push({ path: p.path, reason: 'not one of the engine’s temporary folders' });
      return res;
    }
    const src = job && p.finalPath ? job.sources.find((s) => path.basename(s) === path.basename(p.finalPath!)) : undefined;
    if (src && (await holdsOrphans(root, decodeEnginePath(src)))) {
      res.kept.push({ path: p.path, reason: 'it holds files whose source was already moved away: resume the transfer to finish it' });
      return res;
    }
    await fsp.rm(root, { recursive: true, force: true });
    res.removed.push(p.path);
    return res;
  }
  if (!job) {
    res.kept.push({ path: p.path, reason: 'the transfer that copied it is no longer known' });
    return res;
  }
  const since = job.startedAt - MARGIN_MS;
  const created = (st: { birthtimeMs: number }): boolean => st.birthtimeMs > 0 && st.birthtimeMs >= since;
  const sweep = async (dir: Buffer, mine: boolean): Promise<void> => {
    for (const e of await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => [])) {
      const full = joinBytes(dir, e.name as unknown as Buffer);
      const wire = encodeEnginePath(full);
      const st = await lstatOrNull(full);
      if (!st) continue;
      if (st.isDirectory()) {
        await sweep(full, created(st));
        if (created(st)) {
          try {
            await fsp.rmdir(full);
            res.removed.push(wire);
          } catch {
            /* not empty: what it holds was kept, and said why */
          }
        }
        continue;
      }
      const r = job.records.get(wire);
      if (!mine) res.kept.push({ path: wire, reason: 'in a folder that existed before the transfer' });
      else if (!r || !r.ok || r.skipped) res.kept.push({ path: wire, reason: 'not copied by this transfer' });
      else if (st.isFile() && st.size !== r.size) res.kept.push({ path: wire, reason: 'changed since it was copied' });
      else {
        try {
          await fsp.unlink(full);
          res.removed.push(wire);
        } catch (e) {
          res.kept.push({ path: wire, reason: fsFailure(e, 'unlink', wire).message });
        }
      }
    }
  };
  const st = await lstatOrNull(root);
  if (!st?.isDirectory()) return res;
  await sweep(root, created(st));
  if (created(st)) {
    try {
      await fsp.rmdir(root);
      res.removed.push(p.path);
    } catch {
      /* kept entries are listed */
    }
  }
  return res;
}
