// Pre-flight measurement of a job's sources: entry count, apparent bytes, and the bytes the copies
// will really allocate (a sparse file needs only its allocated blocks). Used for the free-space
// check and as the totals before the engine's own scan reports.
import fs from 'node:fs/promises';

export interface Measure {
  /** Non-directory entries. */
  files: number;
  /** Apparent size of regular files. */
  bytes: number;
  /** Bytes the copies will allocate (sparse files count their allocated blocks). */
  allocated: number;
  /** One regular file inside the source (or the source itself), to ask the engine about (bytes). */
  sample: Buffer | null;
}

/** `dir/name` as bytes: names that are not UTF-8 stay exact. */
export function joinBytes(dir: Buffer, name: Buffer): Buffer {
  return Buffer.concat([dir, Buffer.from('/'), name]);
}

const PARALLEL = 8;
const SLICE = 64;

/** Walks `src` (lstat, no symlink following; paths as bytes). Throws the source's own lstat error. */
export async function measure(src: Buffer, cancelled: () => boolean = () => false): Promise<Measure> {
  const m: Measure = { files: 0, bytes: 0, allocated: 0, sample: null };
  const top = await fs.lstat(src);
  if (!top.isDirectory()) {
    add(m, src, top);
    return m;
  }
  const dirs: Buffer[] = [src];
  let active = 0;
  await new Promise<void>((resolve, reject) => {
    const next = () => {
      if (cancelled()) {
        dirs.length = 0;
      }
      while (active < PARALLEL && dirs.length > 0) {
        const d = dirs.pop()!;
        active++;
        visit(d)
          .then(() => {
            active--;
            next();
          })
          .catch(reject);
      }
      if (active === 0 && dirs.length === 0) resolve();
    };
    const visit = async (d: Buffer) => {
      let ents;
      try {
        ents = await fs.readdir(d, { withFileTypes: true, encoding: 'buffer' });
      } catch {
        return; // unreadable directory: the engine reports it as a failed record
      }
      // lstat in small slices: issuing thousands of requests at once stalls the event loop.
      for (let i = 0; i < ents.length; i += SLICE) {
        await Promise.all(
          ents.slice(i, i + SLICE).map(async (e) => {
            const p = joinBytes(d, e.name as unknown as Buffer);
            if (e.isDirectory()) {
              dirs.push(p);
              return;
            }
            if (!e.isFile()) {
              m.files++;
              return;
            }
            try {
              add(m, p, await fs.lstat(p));
            } catch {
              m.files++;
            }
          }),
        );
      }
    };
    next();
  });
  return m;
}

const sampleEmpty = new WeakSet<Measure>();

function add(m: Measure, p: Buffer, st: { isFile(): boolean; size: number; blocks: number }): void {
  m.files++;
  if (!st.isFile()) return;
  m.bytes += st.size;
  const alloc = st.blocks * 512;
  m.allocated += alloc > 0 && alloc < st.size ? alloc : st.size;
  // Prefer a non-empty file: an empty one copies with no method at all.
  if (m.sample === null || (st.size > 0 && sampleEmpty.has(m))) {
    m.sample = p;
    if (st.size > 0) sampleEmpty.delete(m);
    else sampleEmpty.add(m);
  }
}
