// File-system requests of the panes: listing (streamed), stat, filesystem info, mkdir, rename,
// trash and watching. Runs in the Electron main process and in serve mode (plain Node): it
// imports no `electron`; desktop-only actions are injected.
//
// Listings and watchers belong to the client that asked (a `Requester`: in serve mode, one
// socket): their events go to it alone, ids are its own (two clients may both use "left"), and
// they end when it goes away. A listing streams only as fast as its client takes the entries.
//
// Paths on the wire are spelled the way the engine spells record paths (native/index.ts): a name
// that is not valid UTF-8 has each such byte as `\xNN`. Every path this module receives is
// decoded to its exact bytes before it reaches the file system, and every path it sends is
// encoded, so a pane, a request and the copy-method log spell such a name the same way.
import { fs, fsp } from '../native/user-fs.js';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DirEntry, Emit, EntryType, EventName, Results, ValidParams, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import { encodeEnginePath, listDir, type DirListing } from '../native/index.js';
import { entriesOfColumns, type ListedColumns } from '../native/types.js';
import { bytesOf, entryType, fsError, fsPathOf, textOf } from './wire-paths.js';
import { trashBytes } from './fs-trash.js';
import { folderInfo } from './survey-service.js';

/**
 * Entries in the first `dir.entries` event (the first screenful and more); each later one twice
 * the one before, up to CHUNK (few messages for a huge folder, and few merges in the renderer).
 */
const FIRST_CHUNK = 200;
const CHUNK = 5000;
/**
 * Rows per event at most in the compact form (a third of the text per row, no object per row to
 * parse), reached sooner (each event is a round trip: the next goes once the client took it).
 */
const COLUMNS_CHUNK = 50_000;
/** Paths being trashed at once. */
const TRASH_CONCURRENCY = 8;
/** Longest run of work between two turns of the event loop in long requests (trash). */
const SLICE_MS = 10;

export interface FsServiceOptions {
  /** Events of requests that name no client (the Electron window): every transport gets them. */
  emit: Emit;
  /** Moves paths to the freedesktop trash (Electron: shell.trashItem; serve mode: the `trash` package in a worker). */
  trashItem: (p: string) => Promise<void>;
  /** An incomplete copy a transfer left at this path, if any (the job service knows). */
  partialAt?: (path: string) => DirEntry['incomplete'];
  /**
   * Whether a transfer left an incomplete copy directly inside this folder. When it says no, a
   * listing's rows need no look-up each and go out as the engine wrote them. Absent: every row
   * is looked up with `partialAt`.
   */
  hasPartialIn?: (dir: string) => boolean;
}

/** The client a request came from: the events of its listings and watchers go to it alone. */
export interface Requester {
  /** Sends one event to this client only. */
  emit: Emit;
  /**
   * Sends one event whose payload is already JSON text (what `emit` would have written for it),
   * where the transport writes text: a listing's rows go from the engine to the socket without an
   * object per row. Absent: `emit` with the parsed payload.
   */
  emitJson?(event: EventName, payloadJson: string): void;
  /** Resolves true once the client can take more events, false once it has gone away. */
  ready(): Promise<boolean>;
  /** Marks work for this client under way (a streaming listing) until the returned function runs. */
  busy(): () => void;
  /** Runs `fn` once when the client goes away (at once if it has). */
  onClose(fn: () => void): void;
}

interface Watch {
  watcher: fs.FSWatcher;
  timer: NodeJS.Timeout | null;
}

/** What one client owns: its listings (newest per listingId wins) and its watchers. */
interface Owned {
  listings: Map<string, number>;
  watchers: Map<string, Watch>;
}

/** Resolves after the event loop has had a turn when `SLICE_MS` have passed since the last one. */
function slicer(): () => Promise<void> {
  let since = performance.now();
  return async () => {
    if (performance.now() - since < SLICE_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    since = performance.now();
  };
}

export { entryType };

/** Builds a pane row for one path (wire spelling); never throws (a failed stat becomes the row's error). */
export async function describe(full: string, name: string, hint?: EntryType): Promise<DirEntry> {
  const base: DirEntry = { name, path: full, type: hint ?? 'file', size: 0, mtimeMs: 0, mode: 0, hidden: name.startsWith('.') };
  if (/\\x[0-9A-Fa-f]{2}/.test(name)) base.escaped = true;
  const bytes = fsPathOf(full);
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
        base.error = { ...toWireError(fsError(e, 'stat', full)), message: `broken symlink: ${toWireError(e).code === 'ELOOP' ? 'loops' : 'target missing'}` };
      }
    }
  } catch (e) {
    base.error = toWireError(fsError(e, 'lstat', full));
  }
  return base;
}

/** Runs `fn` over `items`, `limit` at a time, results in input order; `pace` runs before each item. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>, pace?: () => Promise<void>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  async function worker() {
    while (next < items.length) {
      if (pace) await pace();
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Resolves when `p` exists (without following a final symlink), rejects with its error otherwise.
 * The callback API on purpose: each fs.promises call allocates a stats buffer of its own, and
 * 100 000 of them at once make the garbage collector hold the main thread.
 */
function lstatExists(p: Buffer): Promise<void> {
  return new Promise((resolve, reject) => fs.lstat(p, (e) => (e ? reject(e) : resolve())));
}

/** True when a folder in `listed` holds `p` (at any depth). */
function insideListed(p: string, listed: ReadonlySet<string>): boolean {
  for (let d = path.dirname(p); d !== p; p = d, d = path.dirname(d)) {
    if (listed.has(d)) return true;
  }
  return false;
}

export class FsService {
  #trashItem: (p: string) => Promise<void>;
  #partialAt: (path: string) => DirEntry['incomplete'];
  #hasPartialIn: (dir: string) => boolean;
  /** Requests that name no client (the Electron window) belong to this one. */
  #everyone: Requester;
  #owned = new Map<Requester, Owned>();
  #listingSeq = 0;

  constructor(opts: FsServiceOptions) {
    this.#trashItem = opts.trashItem;
    this.#partialAt = opts.partialAt ?? (() => undefined);
    this.#hasPartialIn = opts.hasPartialIn ?? (() => opts.partialAt !== undefined);
    this.#everyone = { emit: opts.emit, ready: async () => true, busy: () => () => {}, onClose: () => {} };
  }

  /** A row, with the mark of an incomplete copy when a transfer left one there. */
  async #describe(full: string, name: string, hint?: EntryType): Promise<DirEntry> {
    const row = await describe(full, name, hint);
    const inc = this.#partialAt(full);
    if (inc) row.incomplete = inc;
    return row;
  }

  #own(from: Requester = this.#everyone): Owned {
    let o = this.#owned.get(from);
    if (!o) {
      const owned: Owned = { listings: new Map(), watchers: new Map() };
      this.#owned.set(from, owned);
      from.onClose(() => this.#release(from, owned));
      o = owned;
    }
    return o;
  }

  /** A client went away: its listings stop, its watchers close. */
  #release(from: Requester, o: Owned): void {
    o.listings.clear();
    for (const w of o.watchers.values()) closeWatch(w);
    o.watchers.clear();
    this.#owned.delete(from);
  }

  /**
   * Lists a folder. Opens it (so a missing or unreadable folder is an error reply) and counts its
   * names, replies with that count, and streams the rows as `dir.entries` events (the last has
   * done: true): read by the engine off the main thread (native listDir: getdents64 and statx),
   * a small first chunk so the first rows show at once, then larger ones. `from`: the client that
   * asked (its listing ids are its own, the entries go to it alone, at the pace it reads them: the
   * next rows are read only when it has taken the last ones). `columns`: the rows may come in the
   * compact form (ListedColumns), in bigger events.
   */
  async list(p: ValidParams<'fs.list'>, from: Requester = this.#everyone): Promise<Results['fs.list']> {
    const dir = path.resolve(p.path);
    const bytes = bytesOf(dir);
    const st = await fsp.stat(bytes).catch((e: unknown) => {
      throw fsError(e, 'stat', dir);
    });
    if (!st.isDirectory()) throw new FerryError('ENOTDIR', 'not a directory', { path: dir, syscall: 'scandir' });
    const listing = await listDir(dir, p.sort);
    const seq = ++this.#listingSeq;
    const listings = this.#own(from).listings;
    listings.set(p.listingId, seq);
    const release = from.busy();
    void this.#stream(from, listings, p.listingId, seq, dir, listing, p.columns === true).finally(release);
    return { listingId: p.listingId, path: dir, total: listing.total };
  }

  async #stream(to: Requester, listings: Map<string, number>, listingId: string, seq: number, dir: string, listing: DirListing, columns: boolean): Promise<void> {
    /** False once superseded by a newer listing of the same id, or the client is gone. */
    const current = () => listings.get(listingId) === seq;
    let size = FIRST_CHUNK;
    // The compact form when asked for, except where rows must be marked (an incomplete copy inside).
    const pull = (n: number) => (columns && !this.#hasPartialIn(dir) ? listing.nextColumnsJson(n).then((r) => ({ ...r, columns: true })) : listing.nextJson(n).then((r) => ({ ...r, columns: false })));
    try {
      let next = pull(size);
      for (;;) {
        const r = await next;
        const { json, done } = r;
        if (!current()) return;
        // Read the next rows while these go out.
        size = columns ? Math.min(COLUMNS_CHUNK, size * 4) : Math.min(CHUNK, size * 2);
        if (!done) next = pull(size);
        const marking = this.#hasPartialIn(dir);
        if (to.emitJson && !marking) {
          // The engine's text as it is (the same JSON `emit` would write for these rows).
          const rows = r.columns ? `"entries":[],"columns":${json}` : `"entries":${json}`;
          to.emitJson('dir.entries', `{"listingId":${JSON.stringify(listingId)},"path":${JSON.stringify(dir)},${rows},"done":${done}}`);
        } else if (r.columns && !marking) {
          to.emit('dir.entries', { listingId, path: dir, entries: [], columns: JSON.parse(json) as ListedColumns, done });
        } else {
          const entries: DirEntry[] = r.columns ? entriesOfColumns(dir, JSON.parse(json) as ListedColumns) : (JSON.parse(json) as DirEntry[]);
          for (const row of entries) {
            const inc = this.#partialAt(row.path);
            if (inc) row.incomplete = inc;
          }
          to.emit('dir.entries', { listingId, path: dir, entries, done });
        }
        if (done) return;
        // Backpressure: go on only when the client has taken what it was sent.
        if (!(await to.ready())) {
          await next.catch(() => {});
          return;
        }
      }
    } catch (e) {
      if (current()) to.emit('dir.entries', { listingId, path: dir, entries: [], done: true, error: toWireError(e) });
    } finally {
      if (current()) listings.delete(listingId);
    }
  }

  async stat(p: ValidParams<'fs.stat'>): Promise<Results['fs.stat']> {
    const full = path.resolve(p.path);
    await fsp.lstat(bytesOf(full)).catch((e: unknown) => {
      throw fsError(e, 'lstat', full); // a missing path is an error reply, not a row
    });
    return this.#describe(full, path.basename(full) || '/');
  }

  async info(p: ValidParams<'fs.info'>): Promise<Results['fs.info']> {
    // "read-only" is the mount's; a folder this user may not write to is `writable: false`.
    return folderInfo(path.resolve(p.path));
  }

  async mkdir(p: ValidParams<'fs.mkdir'>): Promise<Results['fs.mkdir']> {
    const target = path.join(path.resolve(p.parent), p.name);
    // EEXIST when it exists: never merges silently
    await fsp.mkdir(bytesOf(target)).catch((e: unknown) => {
      throw fsError(e, 'mkdir', target);
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
   * Moves paths to the trash, a few at a time, in slices that leave the event loop free (100 000
   * paths never hold it for more than a few milliseconds). A path inside another listed folder
   * goes with that folder. Each path is either trashed or failed, with its error. A name that is
   * not UTF-8 cannot go through the desktop's trash call (it takes text): it goes to the
   * freedesktop trash directly, byte for byte.
   */
  async trash(p: ValidParams<'fs.trash'>): Promise<Results['fs.trash']> {
    const pace = slicer();
    const listed = new Set<string>();
    for (const raw of p.paths) {
      const full = path.resolve(raw);
      listed.add(full === raw ? raw : full); // keep the string we have: fewer objects for the GC to move
      if (listed.size % 1024 === 0) await pace();
    }
    const keep: string[] = [];
    const inside: string[] = [];
    for (const q of listed) {
      (insideListed(q, listed) ? inside : keep).push(q);
      if ((keep.length + inside.length) % 1024 === 0) await pace();
    }
    const outcome = await mapLimit(
      keep,
      TRASH_CONCURRENCY,
      async (target): Promise<WireError | null> => {
        try {
          const bytes = bytesOf(target);
          await lstatExists(bytes).catch((e: unknown) => {
            throw fsError(e, 'lstat', target);
          });
          const text = textOf(target);
          if (text !== null) await this.#trashItem(text);
          else await trashBytes(bytes, target);
          return null;
        } catch (e) {
          return toWireError(e);
        }
      },
      pace,
    );
    const trashed: string[] = [];
    const failed: Results['fs.trash']['failed'] = [];
    const gone = new Set<string>();
    for (let i = 0; i < keep.length; i++) {
      const target = keep[i]!;
      const error = outcome[i];
      if (error) failed.push({ path: target, error });
      else {
        trashed.push(target);
        gone.add(target);
      }
      if (i % 1024 === 0) await pace();
    }
    for (const q of inside) {
      // Went along with the folder that holds it, unless that folder could not be trashed.
      if (insideListed(q, gone)) trashed.push(q);
      else failed.push({ path: q, error: { code: 'ECANCELED', message: 'not trashed: the folder that holds it could not be trashed', path: q } });
      if ((trashed.length + failed.length) % 1024 === 0) await pace();
    }
    return { trashed, failed };
  }

  /** `from`: the client that asked (its watch ids are its own; changes go to it alone). */
  watch(p: ValidParams<'fs.watch'>, from: Requester = this.#everyone): Results['fs.watch'] {
    const watchers = this.#own(from).watchers;
    this.unwatch({ watchId: p.watchId }, from);
    const dir = path.resolve(p.path);
    const entry: Watch = { watcher: null as unknown as fs.FSWatcher, timer: null };
    const fire = (gone: boolean) => {
      if (entry.timer) return;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        from.emit('dir.changed', { watchId: p.watchId, path: dir, gone: gone || !fs.existsSync(bytesOf(dir)) });
      }, 100);
    };
    try {
      entry.watcher = fs.watch(bytesOf(dir), { persistent: false }, () => fire(false));
    } catch (e) {
      throw new FerryError(toWireError(e).code, 'cannot watch the folder', { path: dir, syscall: 'watch' });
    }
    entry.watcher.on('error', () => fire(true));
    watchers.set(p.watchId, entry);
    return { watchId: p.watchId };
  }

  unwatch(p: ValidParams<'fs.unwatch'>, from: Requester = this.#everyone): Results['fs.unwatch'] {
    const watchers = this.#owned.get(from)?.watchers;
    const w = watchers?.get(p.watchId);
    if (w) {
      closeWatch(w);
      watchers!.delete(p.watchId);
    }
    return { watchId: p.watchId };
  }

  close(): void {
    for (const [from, o] of [...this.#owned]) this.#release(from, o);
  }
}

function closeWatch(w: Watch): void {
  if (w.timer) clearTimeout(w.timer);
  w.watcher.close();
}
