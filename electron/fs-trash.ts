// The freedesktop.org trash (Trash specification 1.0), byte for byte: for paths whose names are
// not UTF-8, which the desktop's trash call cannot take (it takes text). The file is moved, never
// copied: to the home trash when it is on the home trash's filesystem, else to the top folder's
// `.Trash-<uid>` of its own filesystem. The .trashinfo is written first (O_EXCL), with the
// original path percent-encoded, so a file manager can restore it under its exact name.
import { randomUUID } from 'node:crypto';
import { fsp } from '../native/user-fs.js';
import os from 'node:os';
import path from 'node:path';
import { FerryError } from '../native/errors.js';

/** RFC 2396 escaping of a path's bytes, as the spec asks ('/' and unreserved characters stay). */
export function trashInfoPath(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.!~*'()/]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The top folder of the filesystem holding `dir` (the last parent on the same device). */
async function mountTop(dir: Buffer, dev: number): Promise<Buffer> {
  let cur = dir;
  for (;;) {
    const up = Buffer.from(path.dirname(cur.toString('latin1')), 'latin1');
    if (up.equals(cur)) return cur;
    const st = await fsp.lstat(up).catch(() => null);
    if (!st || st.dev !== dev) return cur;
    cur = up;
  }
}

/** Moves `bytes` (an absolute path) to the trash. `wire` is how errors spell it. */
export async function trashBytes(bytes: Buffer, wire: string): Promise<void> {
  const st = await fsp.lstat(bytes);
  const uid = process.getuid?.() ?? 0;
  const home = path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'Trash');
  const homeDev = (await fsp.lstat(path.dirname(home)).catch(() => null))?.dev;
  let trash: Buffer;
  let infoPath: Buffer;
  if (homeDev === st.dev) {
    trash = Buffer.from(home);
    infoPath = bytes;
  } else {
    const top = await mountTop(Buffer.from(path.dirname(bytes.toString('latin1')), 'latin1'), st.dev);
    trash = Buffer.concat([top, Buffer.from(`/.Trash-${uid}`)]);
    // In a top folder's trash the path is relative to that top folder.
    infoPath = bytes.subarray(top.length + (top.length > 1 ? 1 : 0));
  }
  const files = Buffer.concat([trash, Buffer.from('/files')]);
  const info = Buffer.concat([trash, Buffer.from('/info')]);
  await fsp.mkdir(files, { recursive: true, mode: 0o700 });
  await fsp.mkdir(info, { recursive: true, mode: 0o700 });
  const name = randomUUID();
  const infoFile = Buffer.concat([info, Buffer.from(`/${name}.trashinfo`)]);
  await fsp.writeFile(infoFile, `[Trash Info]\nPath=${trashInfoPath(infoPath)}\nDeletionDate=${stamp()}\n`, { flag: 'wx', mode: 0o600 });
  try {
    await fsp.rename(bytes, Buffer.concat([files, Buffer.from(`/${name}`)]));
  } catch (e) {
    await fsp.unlink(infoFile).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new FerryError(code, 'cannot move it to the trash', { syscall: 'rename', path: wire });
  }
}
