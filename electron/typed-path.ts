// The path bar's requests: what a typed path means (`~`, `~user`, relative to the pane's folder,
// a file:// URI, a file whose folder should open with it selected), and Tab completion.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fsp } from '../native/user-fs.js';
import type { PathCompletion, Results, ValidParams } from './contract.js';
import { FerryError } from '../native/errors.js';

/** Names offered at most per completion. */
const COMPLETE_MAX = 200;

/** The home folder of `user` from /etc/passwd, or null. */
function homeOf(user: string): string | null {
  if (user === os.userInfo().username) return os.homedir();
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === user && f[5]) return f[5];
    }
  } catch {
    /* no passwd file */
  }
  return null;
}

/**
 * The absolute path a typed text means, without touching the disk beyond /etc/passwd: `~` and
 * `~/x` are the home folder, `~user` another user's, `file:///x` a local URI, anything not
 * starting with `/` is relative to `base`. Surrounding quotes (a pasted shell word) are dropped.
 */
export function expandTyped(input: string, base: string, home = os.homedir()): string {
  let t = input.trim();
  if (t.length >= 2 && ((t[0] === '"' && t.endsWith('"')) || (t[0] === "'" && t.endsWith("'")))) t = t.slice(1, -1);
  if (t === '') throw new FerryError('EINVAL', 'type a path: /folder, ~/folder or a folder relative to this one');
  if (/^file:\/\//i.test(t)) {
    let u: URL;
    try {
      u = new URL(t);
    } catch {
      throw new FerryError('EINVAL', `not a valid file:// address: ${t}`);
    }
    if (u.hostname && u.hostname !== 'localhost') throw new FerryError('EINVAL', `file:// address of another computer (${u.hostname}): only local paths open here`);
    t = decodeURIComponent(u.pathname);
  }
  if (t === '~' || t.startsWith('~/')) return path.resolve(home, t.slice(2));
  const m = /^~([^/]+)(\/.*)?$/.exec(t);
  if (m) {
    const h = homeOf(m[1]!);
    if (!h) throw new FerryError('ENOENT', `no user named "${m[1]}" (for ~${m[1]})`, { path: t });
    return path.resolve(h, (m[2] ?? '').slice(1));
  }
  return path.resolve(base, t);
}

/** What to show for a typed path: a folder, or a file's folder with the file. */
export async function resolveTyped(p: ValidParams<'fs.resolve'>): Promise<Results['fs.resolve']> {
  const full = expandTyped(p.input, p.base);
  let st;
  try {
    st = await fsp.stat(full);
  } catch (e) {
    const code = (e as { code?: string }).code ?? 'EIO';
    // Say which part is missing: the nearest folder that exists, and the first name that does not.
    let have = path.dirname(full);
    while (have !== '/' && !(await fsp.stat(have).then((s) => s.isDirectory(), () => false))) have = path.dirname(have);
    const missing = full.slice(have === '/' ? 1 : have.length + 1).split('/')[0];
    const why =
      code === 'ENOENT' ? `no such file or folder: "${missing}" is not in ${have}` : code === 'EACCES' ? 'permission denied' : code === 'ENOTDIR' ? `"${missing}" in ${have} is not a folder` : (e as Error).message;
    throw new FerryError(code, `${why}`, { path: full, syscall: 'stat' });
  }
  if (st.isDirectory()) return { path: full, dir: full, select: null };
  return { path: full, dir: path.dirname(full), select: full };
}

/**
 * Completions of a typed path (the path bar's Tab, the copy dialog's destination): the names in
 * the typed folder that start with the typed last part. `names` are the path bar's (folders end in
 * "/"); `matches` the same entries with their paths, folders first (with dirsOnly, only folders
 * and links to folders), at most `limit`.
 */
export async function completeTyped(p: ValidParams<'fs.complete'>): Promise<Results['fs.complete']> {
  const typed = p.input.trim() === '' ? './' : p.input;
  const full = expandTyped(typed, p.base);
  // "…/dir/" completes inside dir; "…/dir/pre" completes names starting with "pre".
  const endsInSlash = typed.endsWith('/') || typed === '~';
  const dir = endsInSlash ? full : path.dirname(full);
  const prefix = endsInSlash ? '' : path.basename(full);
  let dirents;
  try {
    dirents = await fsp.readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw new FerryError((e as { code?: string }).code ?? 'EIO', `cannot complete: ${dir} cannot be read`, { path: dir, syscall: 'scandir' });
  }
  const lower = prefix.toLowerCase();
  const exact: PathCompletion[] = [];
  const folded: PathCompletion[] = [];
  for (const d of dirents) {
    const n = d.name;
    if (n.startsWith('.') && !prefix.startsWith('.')) continue;
    let isDir = d.isDirectory();
    if (d.isSymbolicLink()) isDir = await fsp.stat(path.join(dir, n)).then((s) => s.isDirectory(), () => false);
    if (p.dirsOnly && !isDir) continue;
    const m = { name: n, path: path.join(dir, n), isDir };
    if (n.startsWith(prefix)) exact.push(m);
    else if (n.toLowerCase().startsWith(lower)) folded.push(m);
  }
  // Case-sensitive matches first; when there are none, case-insensitive ones (as bash's completion-ignore-case).
  const found = (exact.length ? exact : folded).sort((a, b) => a.name.localeCompare(b.name, 'en'));
  const limit = Math.min(p.limit, COMPLETE_MAX);
  const matches = [...found].sort((a, b) => Number(b.isDir) - Number(a.isDir)).slice(0, limit);
  const names = found.slice(0, limit).map((m) => (m.isDir ? `${m.name}/` : m.name));
  return { dir, prefix, names, matches, more: found.length > limit };
}
