// Display formatting for sizes, dates and permissions. Pure functions.
import type { DirEntry, EntryType } from '../../../electron/contract';

export { formatSize } from '../../../native/format';

const pad = (n: number) => String(n).padStart(2, '0');

export function formatDate(ms: number): string {
  if (!ms) return '';
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
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

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
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
