// The commander requests beyond listing (issue 13): recursive search, quick view reads, places,
// deleting permanently, undo helpers (remove an empty folder, restore from the trash), the path
// bar's resolution and completion, and "Open with…". Folder sizes are scans (survey-service.ts).
// Runs in Electron's main process and in serve mode; no `electron`.
//
// Searches belong to the client that asked (their events go to it alone, their ids are its own,
// and they stop when it goes away), as listings do in FsService.
import path from 'node:path';
import { fsp } from '../native/user-fs.js';
import type { Emit, Results, ValidParams, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import { appsFor, launch, loadAssociations, loadDesktopEntries, loadMimeDb, mimeOf } from './desktop-apps.js';
import type { Requester } from './fs-service.js';
import { compilePattern, PatternError } from './glob.js';
import { peek } from './peek.js';
import { listPlaces } from './places.js';
import { runSearch } from './search.js';
import { untrash } from './trash-restore.js';
import { completeTyped, resolveTyped } from './typed-path.js';

/** Entries removed at once by fs.delete. */
const DELETE_CONCURRENCY = 4;
/** Desktop entries and MIME tables are read again after this long. */
const APPS_TTL_MS = 30_000;

export interface PaneServiceOptions {
  /** Events of requests that name no client (the Electron window): every transport gets them. */
  emit: Emit;
}

interface Owned {
  searches: Map<string, { stop: () => void }>;
}

/** The listed paths that are not inside another listed path (deleting a folder takes its insides). */
function outermost(paths: readonly string[]): { top: string[]; inside: string[] } {
  const listed = new Set(paths.map((p) => path.resolve(p)));
  const top: string[] = [];
  const inside: string[] = [];
  for (const p of listed) {
    let within = false;
    for (let d = path.dirname(p), c = p; d !== c; c = d, d = path.dirname(d)) {
      if (listed.has(d)) {
        within = true;
        break;
      }
    }
    (within ? inside : top).push(p);
  }
  return { top, inside };
}

export class PaneService {
  #owned = new Map<Requester, Owned>();
  #apps: { at: number; db: ReturnType<typeof loadMimeDb>; entries: ReturnType<typeof loadDesktopEntries> } | null = null;

  /** Requests that name no client (the Electron window) belong to this one. */
  #everyone: Requester;

  constructor(opts: PaneServiceOptions) {
    this.#everyone = { emit: opts.emit, ready: async () => true, busy: () => () => {}, onClose: () => {} };
  }

  #own(from: Requester = this.#everyone): Owned {
    let o = this.#owned.get(from);
    if (!o) {
      const owned: Owned = { searches: new Map() };
      this.#owned.set(from, owned);
      from.onClose(() => this.#release(from, owned));
      o = owned;
    }
    return o;
  }

  #release(from: Requester, o: Owned): void {
    for (const s of o.searches.values()) s.stop();
    o.searches.clear();
    this.#owned.delete(from);
  }

  close(): void {
    for (const [from, o] of [...this.#owned]) this.#release(from, o);
  }

  // ------------------------------------------------------------------ search

  /** Starts a search (a newer one with the same id replaces it); matches stream as search.results. */
  search(p: ValidParams<'fs.search'>, from: Requester = this.#everyone): Results['fs.search'] {
    let matcher;
    try {
      matcher = compilePattern({ pattern: p.pattern, regex: p.regex, caseSensitive: p.caseSensitive }, { substring: true });
    } catch (e) {
      if (e instanceof PatternError) throw new FerryError('EINVAL', e.message);
      throw e;
    }
    const searches = this.#own(from).searches;
    searches.get(p.searchId)?.stop();
    let stopped = false;
    const handle = { stop: () => (stopped = true) };
    searches.set(p.searchId, handle);
    const root = path.resolve(p.root);
    const release = from.busy();
    void runSearch(
      { searchId: p.searchId, root, matcher, hidden: p.hidden },
      { emit: (b) => from.emit('search.results', b), ready: () => from.ready(), stopped: () => stopped },
    ).finally(() => {
      release();
      if (searches.get(p.searchId) === handle) searches.delete(p.searchId);
    });
    return { searchId: p.searchId, root };
  }

  searchCancel(p: ValidParams<'fs.searchCancel'>, from: Requester = this.#everyone): Results['fs.searchCancel'] {
    const searches = this.#owned.get(from)?.searches;
    searches?.get(p.searchId)?.stop();
    searches?.delete(p.searchId);
    return { searchId: p.searchId };
  }

  // ------------------------------------------------------------------ quick view, places, path bar

  peek(p: ValidParams<'fs.peek'>): Promise<Results['fs.peek']> {
    return peek(p);
  }

  places(): Promise<Results['fs.places']> {
    return listPlaces();
  }

  resolve(p: ValidParams<'fs.resolve'>): Promise<Results['fs.resolve']> {
    return resolveTyped(p);
  }

  complete(p: ValidParams<'fs.complete'>): Promise<Results['fs.complete']> {
    return completeTyped(p);
  }

  // ------------------------------------------------------------------ delete, undo helpers

  /**
   * Deletes permanently, a few entries at a time (a folder with everything in it). Each path is
   * either deleted or failed with its error; the root folder is never deleted.
   */
  async delete(p: ValidParams<'fs.delete'>): Promise<Results['fs.delete']> {
    const { top, inside } = outermost(p.paths);
    const deleted: string[] = [];
    const failed: { path: string; error: WireError }[] = [];
    let next = 0;
    const worker = async () => {
      while (next < top.length) {
        const target = top[next++]!;
        try {
          if (target === '/') throw new FerryError('EPERM', 'the root folder is never deleted', { path: target, syscall: 'rm' });
          await fsp.lstat(target);
          await fsp.rm(target, { recursive: true, force: false });
          deleted.push(target);
        } catch (e) {
          failed.push({ path: target, error: toWireError(e) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(DELETE_CONCURRENCY, top.length) }, worker));
    const gone = new Set(deleted);
    for (const q of inside) {
      let d = path.dirname(q);
      while (d !== '/' && !gone.has(d)) d = path.dirname(d);
      if (gone.has(d)) deleted.push(q);
      else failed.push({ path: q, error: { code: 'ECANCELED', message: 'not deleted: the folder that holds it could not be deleted', path: q } });
    }
    return { deleted, failed };
  }

  /** Removes a folder only when it is empty (undo of "New folder"). */
  async rmdir(p: ValidParams<'fs.rmdir'>): Promise<Results['fs.rmdir']> {
    const dir = path.resolve(p.path);
    try {
      await fsp.rmdir(dir);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new FerryError('ENOTEMPTY', 'the folder is no longer empty: it stays', { path: dir, syscall: 'rmdir' });
      throw e;
    }
    return { path: dir };
  }

  untrash(p: ValidParams<'fs.untrash'>): Promise<Results['fs.untrash']> {
    return untrash(p);
  }

  // ------------------------------------------------------------------ open with

  /** The MIME tables and desktop entries, read again when older than APPS_TTL_MS. */
  #desktop(): { db: ReturnType<typeof loadMimeDb>; entries: ReturnType<typeof loadDesktopEntries> } {
    const now = Date.now();
    if (!this.#apps || now - this.#apps.at > APPS_TTL_MS) this.#apps = { at: now, db: loadMimeDb(), entries: loadDesktopEntries() };
    return this.#apps;
  }

  async apps(p: ValidParams<'fs.apps'>): Promise<Results['fs.apps']> {
    const file = path.resolve(p.path);
    const { db, entries } = this.#desktop();
    const mime = await mimeOf(file, db);
    return { mime, apps: appsFor(mime, db, entries, loadAssociations()) };
  }

  async openWith(p: ValidParams<'fs.openWith'>): Promise<Results['fs.openWith']> {
    const file = path.resolve(p.path);
    await fsp.lstat(file);
    const entry = this.#desktop().entries.get(p.appId);
    if (!entry) throw new FerryError('ENOENT', `no application ${p.appId} is installed`, { path: file });
    await launch(entry, file);
    return { opened: true };
  }
}
