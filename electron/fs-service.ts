// File-system requests of the panes: listing (streamed), stat, filesystem info, mkdir, rename,
// trash and watching. Runs in the Electron main process and in serve mode (plain Node): it
// imports no `electron`; desktop-only actions are injected.
//
// Paths on the wire are spelled the way the engine spells record paths (native/index.ts): a name
// that is not valid UTF-8 has each such byte as `\xNN`. Every path this module receives is
// decoded to its exact bytes before it reaches the file system, and every path it sends is
// encoded, so a pane, a request and the copy-method log spell such a name the same way.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { DirEntry, Emit, EntryType, FsInfo, Results, ValidParams } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import { decodeEnginePath, encodeEnginePath } from '../native/index.js';
import { trashBytes } from './fs-trash.js';
import { fsCanReflink, fsTypeName } from './fs-types.js';

/** Entries in the first `dir.entries` event (the first screenful and more), and in later ones. */
const FIRST_CHUNK = 200;
const CHUNK = 1000;
/** lstat calls in flight while listing. */
const STAT_CONCURRENCY = 32;

export interface FsServiceOptions {
  emit: Emit;
  /** Moves paths to the freedesktop trash (Electron: shell.trashItem; serve mode: the `trash` package). */
  trashItem: (p: string) => Promise<void>;
  /** An incomplete copy a transfer left at this path, if any (the job service knows). */
  partialAt?: (path: string) => DirEntry['incomplete'];
}

export function entryType(st: fs.Stats): EntryType {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'chardev';
  if (st.isBlockDevice()) return 'blockdev';
  return 'socket';
}

function direntType(d: fs.Dirent): EntryType {
  if (d.isFile()) return 'file';
  if (d.isDirectory()) return 'dir';
  if (d.isSymbolicLink()) return 'symlink';
  if (d.isFIFO()) return 'fifo';
  if (d.isCharacterDevice()) return 'chardev';
  if (d.isBlockDevice()) return 'blockdev';
  return 'socket';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A wire path's exact bytes (what the file system gets). */
export const bytesOf = decodeEnginePath;

/** A wire path as the UTF-8 text that APIs taking only strings need, or null when its name is not UTF-8. */
export function textOf(wire: string): string | null {
  try {
    return utf8.decode(decodeEnginePath(wire));
  } catch {
    return null;
  }
}

/** A Node fs error about a path given as bytes, in Ferry's shape with the wire spelling of the path. */
function fsError(e: unknown, wire: string, syscall?: string): FerryError {
  const w = toWireError(e);
  const err = new FerryError(w.code, '', { errno: w.errno, syscall: w.syscall ?? syscall, path: wire });
  const desc = /^[A-Z0-9_]+: ([^,]*)/.exec(w.message)?.[1] ?? w.message;
  err.message = `${w.code}: ${desc}, ${w.syscall ?? syscall ?? 'stat'} '${wire}'`;
  return err;
}

/** Builds a pane row for one path (wire spelling); never throws (a failed stat becomes the row's error). */
export async function describe(full: string, name: string, hint?: EntryType): Promise<DirEntry> {
  const base: DirEntry = { name, path: full, type: hint ?? 'file', size: 0, mtimeMs: 0, mode: 0, hidden: name.startsWith('.') };
  if (/\\x[0-9A-Fa-f]{2}/.test(name)) base.escaped = true;
  const bytes = bytesOf(full);
  try {
    const st = await fsp.lstat(bytes);
    base.type = entryType(st);
    base.size = st.size;
    base.mtimeMs = st.mtimeMs;
    base.mode = st.mode;
    if (base.type === 'symlink') {
      try {
        base.linkTarget = encodeEnginePath(await fsp.readlink(bytes, { encoding: 'buffer' }));
      } catch {
        /* unreadable link text: keep the row */
      }
      try {
        const t = await fsp.stat(bytes);
        base.targetType = entryType(t);
        if (base.targetType === 'file') base.size = t.size;
      } catch (e) {
        base.targetType = null;
        base.error = { ...toWireError(fsError(e, full)), message: `broken symlink: ${toWireError(e).code === 'ELOOP' ? 'loops' : 'target missing'}` };
      }
    }
  } catch (e) {
    base.error = toWireError(fsError(e, full, 'lstat'));
  }
  return base;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export class FsService {
  #emit: Emit;
  #trashItem: (p: string) => Promise<void>;
  #partialAt: (path: string) => DirEntry['incomplete'];
  #watchers = new Map<string, { watcher: fs.FSWatcher; timer: NodeJS.Timeout | null }>();
  /** The newest listing per pane-chosen id wins; older streams stop early. */
  #listings = new Map<string, number>();
  #listingSeq = 0;

  constructor(opts: FsServiceOptions) {
    this.#emit = opts.emit;
    this.#trashItem = opts.trashItem;
    this.#partialAt = opts.partialAt ?? (() => undefined);
  }

  /** A row, with the mark of an incomplete copy when a transfer left one there. */
  async #describe(full: string, name: string, hint?: EntryType): Promise<DirEntry> {
    const row = await describe(full, name, hint);
    const inc = this.#partialAt(full);
    if (inc) row.incomplete = inc;
    return row;
  }

  /**
   * Lists a folder. Opens it (so a missing or unreadable folder is an error reply), starts
   * streaming the entries at once in chunks as `dir.entries` events (the last has done: true),
   * and replies with the number of names, counted alongside. The first rows of a 100 000-entry
   * folder do not wait for the whole folder to be read.
   */
  async list(p: ValidParams<'fs.list'>): Promise<Results['fs.list']> {
    const dir = path.resolve(p.path);
    const bytes = bytesOf(dir);
    const st = await fsp.stat(bytes).catch((e: unknown) => {
      throw fsError(e, dir, 'stat');
    });
    if (!st.isDirectory()) throw new FerryError('ENOTDIR', 'not a directory', { path: dir, syscall: 'scandir' });
    // Names as bytes: a name that is not UTF-8 is spelled with the engine's escape, never guessed.
    const handle = await fsp.opendir(bytes as unknown as string, { encoding: 'buffer' as BufferEncoding, bufferSize: 256 }).catch((e: unknown) => {
      throw fsError(e, dir, 'opendir');
    });
    const seq = ++this.#listingSeq;
    this.#listings.set(p.listingId, seq);
    void this.#stream(p.listingId, seq, dir, handle);
    const names = await fsp.readdir(bytes, { encoding: 'buffer' });
    return { listingId: p.listingId, path: dir, total: names.length };
  }

  async #stream(listingId: string, seq: number, dir: string, handle: fs.Dir): Promise<void> {
    let batch: fs.Dirent[] = [];
    let sent = 0;
    const flush = async (done: boolean) => {
      const slice = batch;
      batch = [];
      const entries = await mapLimit(slice, STAT_CONCURRENCY, (d) => this.#row(dir, d));
      sent += entries.length;
      this.#emit('dir.entries', { listingId, path: dir, entries, done });
    };
    try {
      for await (const d of handle) {
        if (this.#listings.get(listingId) !== seq) return; // superseded by a newer listing
        batch.push(d);
        // The first chunk is small so the first rows show at once; later ones are larger.
        if (batch.length >= (sent === 0 ? FIRST_CHUNK : CHUNK)) await flush(false);
      }
      await flush(true);
    } catch (e) {
      this.#emit('dir.entries', { listingId, path: dir, entries: [], done: true, error: toWireError(e) });
    } finally {
      if (this.#listings.get(listingId) === seq) this.#listings.delete(listingId);
      // for-await closes the handle when it ends; a superseded listing leaves early: close it.
      await handle.close().catch(() => {});
    }
  }

  async #row(dir: string, d: fs.Dirent): Promise<DirEntry> {
    const name = encodeEnginePath(d.name as unknown as Buffer);
    return this.#describe(path.join(dir, name), name, direntType(d));
  }

  async stat(p: ValidParams<'fs.stat'>): Promise<Results['fs.stat']> {
    const full = path.resolve(p.path);
    await fsp.lstat(bytesOf(full)).catch((e: unknown) => {
      throw fsError(e, full, 'lstat'); // a missing path is an error reply, not a row
    });
    return this.#describe(full, path.basename(full) || '/');
  }

  async info(p: ValidParams<'fs.info'>): Promise<Results['fs.info']> {
    const full = path.resolve(p.path);
    const bytes = bytesOf(full);
    const s = await fsp.statfs(bytes as unknown as string).catch((e: unknown) => {
      throw fsError(e, full, 'statfs');
    });
    const fsType = fsTypeName(s.type);
    let readOnly = false;
    try {
      await fsp.access(bytes, fs.constants.W_OK);
    } catch {
      readOnly = true;
    }
    const info: FsInfo = {
      path: full,
      fsType,
      reflink: fsCanReflink(fsType),
      freeBytes: s.bavail * s.bsize,
      totalBytes: s.blocks * s.bsize,
      readOnly,
    };
    return info;
  }

  async mkdir(p: ValidParams<'fs.mkdir'>): Promise<Results['fs.mkdir']> {
    const target = path.join(path.resolve(p.parent), p.name);
    // EEXIST when it exists: never merges silently
    await fsp.mkdir(bytesOf(target)).catch((e: unknown) => {
      throw fsError(e, target, 'mkdir');
    });
    return { path: target };
  }

  async rename(p: ValidParams<'fs.rename'>): Promise<Results['fs.rename']> {
    const from = path.resolve(p.path);
    const to = path.join(path.dirname(from), p.newName);
    if (from === to) return { path: to };
    // rename(2) replaces an existing target silently; refuse instead (no silent overwrite).
    try {
      await fsp.lstat(bytesOf(to));
      throw new FerryError('EEXIST', 'file already exists', { path: from, dest: to, syscall: 'rename' });
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    await fsp.rename(bytesOf(from), bytesOf(to)).catch((e: unknown) => {
      const w = toWireError(e);
      throw new FerryError(w.code, /^[A-Z0-9_]+: ([^,]*)/.exec(w.message)?.[1] ?? w.message, { errno: w.errno, syscall: 'rename', path: from, dest: to });
    });
    return { path: to };
  }

  /**
   * Moves each path to the trash. A name that is not UTF-8 cannot go through the desktop's trash
   * call (it takes text), so it goes to the freedesktop trash directly, byte for byte.
   */
  async trash(p: ValidParams<'fs.trash'>): Promise<Results['fs.trash']> {
    const trashed: string[] = [];
    const failed: Results['fs.trash']['failed'] = [];
    for (const raw of p.paths) {
      const full = path.resolve(raw);
      try {
        const bytes = bytesOf(full);
        await fsp.lstat(bytes).catch((e: unknown) => {
          throw fsError(e, full, 'lstat');
        });
        const text = textOf(full);
        if (text !== null) await this.#trashItem(text);
        else await trashBytes(bytes, full);
        trashed.push(full);
      } catch (e) {
        failed.push({ path: full, error: toWireError(e) });
      }
    }
    return { trashed, failed };
  }

  watch(p: ValidParams<'fs.watch'>): Results['fs.watch'] {
    this.unwatch({ watchId: p.watchId });
    const dir = path.resolve(p.path);
    const entry: { watcher: fs.FSWatcher; timer: NodeJS.Timeout | null } = { watcher: null as unknown as fs.FSWatcher, timer: null };
    const fire = (gone: boolean) => {
      if (entry.timer) return;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        this.#emit('dir.changed', { watchId: p.watchId, path: dir, gone: gone || !fs.existsSync(bytesOf(dir)) });
      }, 100);
    };
    try {
      entry.watcher = fs.watch(bytesOf(dir), { persistent: false }, () => fire(false));
    } catch (e) {
      throw new FerryError(toWireError(e).code, 'cannot watch the folder', { path: dir, syscall: 'watch' });
    }
    entry.watcher.on('error', () => fire(true));
    this.#watchers.set(p.watchId, entry);
    return { watchId: p.watchId };
  }

  unwatch(p: ValidParams<'fs.unwatch'>): Results['fs.unwatch'] {
    const w = this.#watchers.get(p.watchId);
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.watcher.close();
      this.#watchers.delete(p.watchId);
    }
    return { watchId: p.watchId };
  }

  close(): void {
    for (const id of [...this.#watchers.keys()]) this.unwatch({ watchId: id });
  }
}
