// "Open with…": the file's MIME type and the desktop entries that claim it, the freedesktop.org
// way (shared-mime-info's globs2, subclasses and aliases; the Desktop Entry and MIME Applications
// Associations specifications), and starting one of them on a file.
//
// Data folders are $XDG_DATA_HOME (~/.local/share) then $XDG_DATA_DIRS (/usr/local/share,
// /usr/share); an entry id found first hides the same id further down. mimeapps.list is read from
// $XDG_CONFIG_HOME, $XDG_CONFIG_DIRS and the applications folders, the user's first.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, accessSync, constants } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DesktopApp } from './contract.js';
import { FerryError } from '../native/errors.js';
import { fsp } from '../native/user-fs.js';
import { imageMime } from './peek.js';

// ------------------------------------------------------------------ folders

function split(v: string | undefined, fallback: string[]): string[] {
  const parts = (v ?? '').split(':').filter((p) => p.startsWith('/'));
  return parts.length ? parts : fallback;
}

export function dataDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : path.join(os.homedir(), '.local', 'share');
  return [home, ...split(env.XDG_DATA_DIRS, ['/usr/local/share', '/usr/share'])];
}

function configDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const home = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : path.join(os.homedir(), '.config');
  return [home, ...split(env.XDG_CONFIG_DIRS, ['/etc/xdg'])];
}

function readText(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ MIME types

interface Glob {
  weight: number;
  mime: string;
  pattern: string;
  re: RegExp | null;
  literal: boolean;
}

export interface MimeDb {
  globs: Glob[];
  parents: Map<string, string[]>;
  aliases: Map<string, string>;
}

function globRe(pattern: string, caseSensitive: boolean): RegExp {
  const src = pattern.replace(/[.+^$(){}|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${src}$`, caseSensitive ? '' : 'i');
}

/** shared-mime-info's tables from the data folders (the first folder's entries first). */
export function loadMimeDb(dirs = dataDirs()): MimeDb {
  const db: MimeDb = { globs: [], parents: new Map(), aliases: new Map() };
  for (const d of dirs) {
    for (const line of (readText(path.join(d, 'mime', 'globs2')) ?? '').split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const [w, mime, pattern, flags] = line.split(':');
      if (!w || !mime || !pattern) continue;
      const literal = !/[*?[]/.test(pattern);
      db.globs.push({ weight: Number(w) || 50, mime, pattern, literal, re: literal ? null : globRe(pattern, (flags ?? '').includes('cs')) });
    }
    for (const line of (readText(path.join(d, 'mime', 'subclasses')) ?? '').split('\n')) {
      const [child, parent] = line.trim().split(/\s+/);
      if (!child || !parent) continue;
      const list = db.parents.get(child) ?? [];
      if (!list.includes(parent)) list.push(parent);
      db.parents.set(child, list);
    }
    for (const line of (readText(path.join(d, 'mime', 'aliases')) ?? '').split('\n')) {
      const [alias, canonical] = line.trim().split(/\s+/);
      if (alias && canonical && !db.aliases.has(alias)) db.aliases.set(alias, canonical);
    }
  }
  return db;
}

/** The type a name says (literal names, then globs by weight, then the longest pattern), or null. */
export function mimeByName(db: MimeDb, name: string): string | null {
  let best: Glob | null = null;
  for (const g of db.globs) {
    const hit = g.literal ? g.pattern === name : g.re!.test(name);
    if (!hit) continue;
    if (!best || (g.literal && !best.literal) || (g.literal === best.literal && (g.weight > best.weight || (g.weight === best.weight && g.pattern.length > best.pattern.length)))) best = g;
  }
  return best?.mime ?? null;
}

/** The type and its ancestors, nearest first (text/* are text/plain too). */
export function mimeLineage(db: MimeDb, mime: string): string[] {
  const out: string[] = [];
  const visit = (m: string) => {
    const c = db.aliases.get(m) ?? m;
    if (out.includes(c)) return;
    out.push(c);
    for (const p of db.parents.get(c) ?? []) visit(p);
    if (c.startsWith('text/') && c !== 'text/plain') visit('text/plain');
  };
  visit(mime);
  return out;
}

/** The MIME type of a file: by name, else by content (images, text, or bytes). */
export async function mimeOf(file: string, db: MimeDb): Promise<string> {
  const st = await fsp.stat(file);
  if (st.isDirectory()) return 'inode/directory';
  if (!st.isFile()) return 'application/octet-stream';
  const byName = mimeByName(db, path.basename(file));
  if (byName) return db.aliases.get(byName) ?? byName;
  if (st.size === 0) return 'application/x-zerosize';
  const fh = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const head = Buffer.alloc(Math.min(4096, st.size));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    const b = head.subarray(0, bytesRead);
    const img = imageMime(b, path.basename(file));
    if (img) return img;
    return b.includes(0) ? 'application/octet-stream' : 'text/plain';
  } finally {
    await fh.close();
  }
}

// ------------------------------------------------------------------ desktop entries

export interface DesktopEntry {
  id: string;
  file: string;
  name: string;
  exec: string;
  icon: string;
  terminal: boolean;
  mimeTypes: string[];
}

/** The [Desktop Entry] group's keys (localised Name for $LANG when there is one). */
export function parseDesktopEntry(text: string, lang = process.env.LANG ?? ''): Map<string, string> | null {
  const keys = new Map<string, string>();
  let inGroup = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inGroup = line === '[Desktop Entry]';
      continue;
    }
    if (!inGroup || !line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    keys.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  if (keys.size === 0) return null;
  const short = lang.split('.')[0] ?? '';
  const local = keys.get(`Name[${short}]`) ?? keys.get(`Name[${short.split('_')[0]}]`);
  if (local) keys.set('Name', local);
  return keys;
}

/** Is `cmd` an executable file (absolute, or on PATH)? */
function onPath(cmd: string): boolean {
  const can = (p: string) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) return can(cmd);
  return (process.env.PATH ?? '').split(':').some((d) => d && can(path.join(d, cmd)));
}

/** Desktop entries of every applications folder, by id (the first folder wins). */
export function loadDesktopEntries(dirs = dataDirs()): Map<string, DesktopEntry> {
  const out = new Map<string, DesktopEntry>();
  const hidden = new Set<string>();
  for (const d of dirs) {
    const apps = path.join(d, 'applications');
    const walk = (dir: string, prefix: string, depth: number) => {
      let names: import('node:fs').Dirent[];
      try {
        names = readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const n of names) {
        const full = path.join(dir, n.name);
        if (n.isDirectory() && depth < 4) walk(full, `${prefix}${n.name}-`, depth + 1);
        if (!n.name.endsWith('.desktop')) continue;
        const id = prefix + n.name;
        if (out.has(id) || hidden.has(id)) continue;
        const keys = parseDesktopEntry(readText(full) ?? '');
        if (!keys) continue;
        if (keys.get('Hidden') === 'true' || keys.get('Type') !== 'Application' || !keys.get('Exec')) {
          hidden.add(id);
          continue;
        }
        const tryExec = keys.get('TryExec');
        if (tryExec && !onPath(tryExec)) continue;
        out.set(id, {
          id,
          file: full,
          name: keys.get('Name') ?? id,
          exec: keys.get('Exec')!,
          icon: keys.get('Icon') ?? '',
          terminal: keys.get('Terminal') === 'true',
          mimeTypes: (keys.get('MimeType') ?? '').split(';').filter(Boolean),
        });
      }
    };
    walk(apps, '', 0);
  }
  return out;
}

interface Associations {
  defaults: Map<string, string[]>;
  added: Map<string, string[]>;
  removed: Map<string, string[]>;
}

/** mimeapps.list: defaults, added and removed associations, the user's files first. */
export function loadAssociations(env: NodeJS.ProcessEnv = process.env): Associations {
  const a: Associations = { defaults: new Map(), added: new Map(), removed: new Map() };
  const desktops = (env.XDG_CURRENT_DESKTOP ?? '').toLowerCase().split(':').filter(Boolean);
  const files: string[] = [];
  for (const c of configDirs(env)) {
    for (const dsk of desktops) files.push(path.join(c, `${dsk}-mimeapps.list`));
    files.push(path.join(c, 'mimeapps.list'));
  }
  for (const d of dataDirs(env)) files.push(path.join(d, 'applications', 'mimeapps.list'), path.join(d, 'applications', 'defaults.list'));
  for (const f of files) {
    let group: Map<string, string[]> | null = null;
    for (const raw of (readText(f) ?? '').split('\n')) {
      const line = raw.trim();
      if (line.startsWith('[')) {
        group = line === '[Default Applications]' ? a.defaults : line === '[Added Associations]' ? a.added : line === '[Removed Associations]' ? a.removed : null;
        continue;
      }
      const eq = line.indexOf('=');
      if (!group || eq < 0) continue;
      const mime = line.slice(0, eq).trim();
      const ids = line.slice(eq + 1).split(';').map((s) => s.trim()).filter(Boolean);
      group.set(mime, [...(group.get(mime) ?? []), ...ids]);
    }
  }
  return a;
}

/** The entries that open `mime` (or a type it is a kind of), the default first. */
export function appsFor(mime: string, db: MimeDb, entries: Map<string, DesktopEntry>, assoc: Associations): DesktopApp[] {
  const lineage = mimeLineage(db, mime);
  const out: DesktopApp[] = [];
  const seen = new Set<string>();
  let defaultId: string | null = null;
  for (const m of lineage) {
    for (const id of assoc.defaults.get(m) ?? []) {
      if (entries.has(id)) {
        defaultId ??= id;
        break;
      }
    }
    if (defaultId) break;
  }
  const removed = new Set(lineage.flatMap((m) => assoc.removed.get(m) ?? []));
  const add = (id: string) => {
    const e = entries.get(id);
    if (!e || seen.has(id) || removed.has(id)) return;
    seen.add(id);
    out.push({ id, name: e.name, exec: e.exec, isDefault: id === defaultId });
  };
  if (defaultId) add(defaultId);
  for (const m of lineage) {
    for (const id of assoc.added.get(m) ?? []) add(id);
    for (const e of [...entries.values()].sort((x, y) => x.name.localeCompare(y.name))) if (e.mimeTypes.includes(m)) add(e.id);
  }
  return out;
}

// ------------------------------------------------------------------ starting an application

/**
 * The Exec line's arguments (the spec's quoting: double quotes, with \" \` \$ \\ escaped inside),
 * the field codes filled in for one file: %f %F the path, %u %U its file:// URI, %c the name, %k
 * the entry's file, %i "--icon ICON", %% a percent; the deprecated ones dropped. A line without a
 * file code gets the path appended.
 */
export function execArgs(entry: Pick<DesktopEntry, 'exec' | 'name' | 'file' | 'icon'>, file: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  const s = entry.exec;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '\\' && i + 1 < s.length && '"`$\\'.includes(s[i + 1]!)) cur += s[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  if (quoted) throw new FerryError('EINVAL', `the application's Exec line has an unclosed quote: ${s}`, { path: entry.file });
  const uri = 'file://' + file.split('/').map(encodeURIComponent).join('/');
  let usedFile = false;
  const out: string[] = [];
  for (const w of words) {
    if (w === '%f' || w === '%F') {
      out.push(file);
      usedFile = true;
    } else if (w === '%u' || w === '%U') {
      out.push(uri);
      usedFile = true;
    } else if (w === '%i') {
      if (entry.icon) out.push('--icon', entry.icon);
    } else if (/^%[dDnNvm]$/.test(w)) {
      continue;
    } else {
      out.push(
        w.replace(/%(.)/g, (m, k: string) => {
          if (k === '%') return '%';
          if (k === 'c') return entry.name;
          if (k === 'k') return entry.file;
          if (k === 'f' || k === 'F') return (usedFile = true), file;
          if (k === 'u' || k === 'U') return (usedFile = true), uri;
          return '';
        }),
      );
    }
  }
  if (!usedFile) out.push(file);
  return out;
}

/** Starts the entry on `file`, detached (it outlives Ferry); resolves once it has started. */
export function launch(entry: DesktopEntry, file: string): Promise<void> {
  let args = execArgs(entry, file);
  if (entry.terminal) {
    const term = ['x-terminal-emulator', 'gnome-terminal', 'konsole', 'xfce4-terminal', 'xterm'].find(onPath);
    if (!term) throw new FerryError('ENOENT', `${entry.name} runs in a terminal, and no terminal program was found (x-terminal-emulator, xterm…)`, { path: file });
    args = [term, '-e', ...args];
  }
  const [cmd, ...rest] = args;
  if (!cmd) throw new FerryError('EINVAL', `the application ${entry.name} has an empty Exec line`, { path: entry.file });
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, rest, { stdio: 'ignore', detached: true, cwd: path.dirname(file) });
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new FerryError(e.code ?? 'EIO', e.code === 'ENOENT' ? `cannot start ${entry.name}: ${cmd} is not installed` : `cannot start ${entry.name}: ${e.message}`, { path: file, syscall: 'spawn' })),
    );
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
