// cp's two refusals, checked when a job is asked for, so the user gets the answer at once and no
// job is created: a folder into itself (EINTOSELF) and an entry onto itself (ESAMEFILE). The
// codes are the engine's. The rule is one pure function over resolved paths; the engine keeps
// its own checks on the open descriptors (native/src/job.cc: the ancestor walk at a top-level
// folder, and the dev/ino comparison before it writes over an existing entry) as the last line
// of defence: they also catch what paths cannot show (hard links, a tree changed after start).
import { fsp } from '../../native/user-fs.js';
import path from 'node:path';
import type { JobKind } from '../contract.js';
import { FerryError } from '../../native/errors.js';
import { decodeEnginePath, encodeEnginePath } from '../../native/index.js';

/**
 * The refusal for copying (or moving) `src` into `destDir`, or null. `realSrc` and `realDest` are
 * the paths with symbolic links resolved as the engine meets them: the whole destination folder,
 * but only the source's parent (a source that is a symlink is copied as a link, never followed).
 */
export function selfCopyRefusal(kind: JobKind, src: string, realSrc: string, destDir: string, realDest: string): FerryError | null {
  const name = path.basename(src);
  if (realSrc === path.join(realDest, name)) {
    return new FerryError('ESAMEFILE', 'source and destination are the same file', { syscall: kind, path: src, dest: path.join(destDir, name) });
  }
  if (realDest === realSrc || realDest.startsWith(realSrc.endsWith('/') ? realSrc : realSrc + '/')) {
    return new FerryError('EINTOSELF', `cannot ${kind} a folder into itself`, { syscall: kind, path: src, dest: destDir });
  }
  return null;
}

/** The path with symbolic links resolved (wire spelling in and out: names may not be UTF-8). */
async function realOr(p: string): Promise<string> {
  try {
    return encodeEnginePath(await fsp.realpath(decodeEnginePath(p), { encoding: 'buffer' }));
  } catch {
    return path.resolve(p);
  }
}

/** Throws the first refusal among `sources` (absolute paths). Resolves each parent folder once. */
export async function refuseSelfCopy(kind: JobKind, sources: readonly string[], destDir: string): Promise<void> {
  const realDest = await realOr(destDir);
  const parents = new Map<string, Promise<string>>();
  for (const src of sources) {
    const dir = path.dirname(src);
    let realDir = parents.get(dir);
    if (!realDir) parents.set(dir, (realDir = realOr(dir)));
    const realSrc = path.join(await realDir, path.basename(src));
    const refusal = selfCopyRefusal(kind, src, realSrc, destDir, realDest);
    if (refusal) throw refusal;
  }
}
