// Removing what a job created, and nothing else (removePartial() in index.ts).
//
// The job's records say what it created: an `ino` on a record means "this job made this entry
// under a name that was free". An entry is removed only when its inode still is that one (and a
// file still has the size the job wrote), deepest first, so that a folder goes only once what the
// job put in it is gone and nothing else is left in it. Nothing is listed from the disk: an entry
// no record names is never touched.
import { fsp } from './user-fs.js';
import { decodeEnginePath } from './index.js';
import type { FileRecord, RemoveReport } from './types.js';

type Rec = Pick<FileRecord, 'dest' | 'type' | 'size' | 'ino' | 'ok'> & { replaces?: string | undefined; changed?: boolean | undefined };

const under = (p: string, root: string): boolean => p === root || p.startsWith(root.endsWith('/') ? root : root + '/');
const depth = (p: string): number => p.split('/').length;

export async function removeCreated(items: readonly { path: string }[], records: Iterable<Rec>): Promise<RemoveReport> {
  // The last record per destination wins; a correction also retires the record it replaces.
  const last = new Map<string, Rec>();
  for (const r of records) {
    if (r.replaces !== undefined && r.replaces !== r.dest) last.delete(r.replaces);
    last.set(r.dest, r);
  }
  const roots = items.map((i) => i.path);
  const todo = [...last.values()].filter((r) => r.ok && r.ino !== undefined && roots.some((root) => under(r.dest, root)));
  // Deepest first: a folder after everything in it; at one depth, files before folders.
  todo.sort((a, b) => depth(b.dest) - depth(a.dest) || Number(a.type === 'dir') - Number(b.type === 'dir'));
  const report: RemoveReport = { removed: [], kept: [] };
  for (const r of todo) {
    const p = decodeEnginePath(r.dest);
    const st = await fsp.lstat(p).catch((e: NodeJS.ErrnoException) => e);
    if (st instanceof Error) {
      if (st.code !== 'ENOENT') report.kept.push({ path: r.dest, reason: `cannot examine it (${st.code ?? st.message})` });
      continue;
    }
    if (st.ino !== r.ino) {
      report.kept.push({ path: r.dest, reason: 'replaced since the job created it' });
      continue;
    }
    const isDir = st.isDirectory();
    if (isDir !== (r.type === 'dir')) {
      report.kept.push({ path: r.dest, reason: 'replaced since the job created it' });
      continue;
    }
    if (r.type === 'file' && !r.changed && st.size !== r.size) {
      report.kept.push({ path: r.dest, reason: 'changed since the job created it' });
      continue;
    }
    try {
      if (isDir) await fsp.rmdir(p);
      else await fsp.unlink(p);
      report.removed.push(r.dest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      report.kept.push({ path: r.dest, reason: code === 'ENOTEMPTY' || code === 'EEXIST' ? 'it holds entries the job did not create' : `cannot remove it (${code ?? String(e)})` });
    }
  }
  return report;
}
