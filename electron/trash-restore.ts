// Undo of "Move to Trash": puts trashed entries back where they were, following the freedesktop.org
// trash specification (what both Electron's shell.trashItem and serve mode's `trash` package
// write): the home trash ($XDG_DATA_HOME/Trash) and the trash at the top of the entry's own mount
// ($top/.Trash/$uid, $top/.Trash-$uid); each entry is files/NAME with info/NAME.trashinfo holding
// its original Path (absolute, or relative to the top folder; URI-escaped) and DeletionDate (local
// time, seconds). The newest entry for a path that was trashed since the given time is taken back,
// by rename, only when nothing new has taken its place.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fsp } from '../native/user-fs.js';
import type { Results, ValidParams, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import { parseMountinfo } from './places.js';

interface TrashEntry {
  trashDir: string;
  name: string;
  deletedMs: number;
}

/** The home trash folder. */
export function homeTrash(): string {
  return path.join(process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share'), 'Trash');
}

function ancestors(p: string): string[] {
  const out: string[] = [];
  for (let d = path.dirname(p); d !== p; p = d, d = path.dirname(d)) out.push(d);
  return out;
}

/** The mount point holding `p` (longest mount point that is a prefix). */
function topDirOf(p: string, mountPoints: readonly string[]): string {
  let best = '/';
  for (const m of mountPoints) if ((p === m || p.startsWith(m === '/' ? '/' : `${m}/`)) && m.length > best.length) best = m;
  return best;
}

/** DeletionDate (local time, "2024-05-01T13:07:09") in ms; NaN when malformed. */
function parseDeletionDate(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})/.exec(s.trim());
  return m ? new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime() : NaN;
}

/** The original path and deletion time of one .trashinfo text, or null when it is not one. */
export function parseTrashInfo(text: string, topDir: string | null): { path: string; deletedMs: number } | null {
  if (!/^\[Trash Info\]/m.test(text)) return null;
  const raw = /^Path=(.*)$/m.exec(text)?.[1];
  const date = /^DeletionDate=(.*)$/m.exec(text)?.[1];
  if (!raw || !date) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw.trim());
  } catch {
    return null;
  }
  const full = decoded.startsWith('/') ? decoded : topDir ? path.join(topDir, decoded) : null;
  return full ? { path: path.resolve(full), deletedMs: parseDeletionDate(date) } : null;
}

/** Every entry of one trash folder, by original path. */
async function readTrash(trashDir: string, topDir: string | null, into: Map<string, TrashEntry[]>): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(path.join(trashDir, 'info'));
  } catch {
    return;
  }
  await Promise.all(
    names
      .filter((n) => n.endsWith('.trashinfo'))
      .map(async (n) => {
        const text = await fsp.readFile(path.join(trashDir, 'info', n), 'utf8').catch(() => '');
        const info = parseTrashInfo(text, topDir);
        if (!info) return;
        const list = into.get(info.path) ?? [];
        list.push({ trashDir, name: n.slice(0, -'.trashinfo'.length), deletedMs: info.deletedMs });
        into.set(info.path, list);
      }),
  );
}

export async function untrash(p: ValidParams<'fs.untrash'>): Promise<Results['fs.untrash']> {
  const uid = process.getuid?.() ?? 0;
  let mountPoints: string[] = [];
  try {
    mountPoints = parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8')).map((m) => m.mountPoint);
  } catch {
    /* no mount table: the home trash only */
  }
  // A path inside another one listed comes back with it.
  const all = [...new Set(p.paths.map((x) => path.resolve(x)))].sort((a, b) => a.length - b.length);
  const wanted: string[] = [];
  const inside: string[] = [];
  const listed = new Set(all);
  for (const w of all) (ancestors(w).some((a) => listed.has(a)) ? inside : wanted).push(w);
  const index = new Map<string, TrashEntry[]>();
  await readTrash(homeTrash(), null, index);
  const tops = new Set(wanted.map((w) => topDirOf(w, mountPoints)));
  for (const top of tops) {
    await readTrash(path.join(top, '.Trash', String(uid)), top, index);
    await readTrash(path.join(top, `.Trash-${uid}`), top, index);
  }
  // DeletionDate has whole seconds in local time: allow for the rounding.
  const since = p.since - 2000;
  const restored: string[] = [];
  const failed: { path: string; error: WireError }[] = [];
  for (const original of wanted) {
    try {
      const entry = (index.get(original) ?? []).filter((e) => !(e.deletedMs < since)).sort((a, b) => b.deletedMs - a.deletedMs)[0];
      if (!entry) throw new FerryError('ENOENT', 'not in the trash any more (emptied, or restored already)', { path: original });
      const held = path.join(entry.trashDir, 'files', entry.name);
      const taken = await fsp.lstat(original).then(() => true, () => false);
      if (taken) throw new FerryError('EEXIST', 'something new is at its old place: restore it from the trash by hand', { path: held, dest: original, syscall: 'rename' });
      await fsp.mkdir(path.dirname(original), { recursive: true });
      try {
        await fsp.rename(held, original);
      } catch (e) {
        if ((e as { code?: string }).code === 'EXDEV') {
          throw new FerryError('EXDEV', 'it is in a trash on another filesystem: restore it from the trash by hand', { path: held, dest: original, syscall: 'rename' });
        }
        throw e;
      }
      await fsp.unlink(path.join(entry.trashDir, 'info', `${entry.name}.trashinfo`)).catch(() => {});
      restored.push(original);
    } catch (e) {
      failed.push({ path: original, error: toWireError(e) });
    }
  }
  const back = new Set(restored);
  for (const q of inside) {
    if (ancestors(q).some((a) => back.has(a))) restored.push(q);
    else failed.push({ path: q, error: { code: 'ECANCELED', message: 'not restored: the folder that holds it was not restored', path: q } });
  }
  return { restored, failed };
}
