// What the copy dialog, the conflict dialog and folder sizes ask before anything is copied:
// streamed scans (the engine's one walker: totals, kinds of pair with their predicted method,
// names taken at the destination, what cannot be read), the destination's up-front checks
// (exists, writable, its filesystem and free space), path completion for a typed destination, and
// two files compared (extents shared by reflink, or hashes on request).
//
// `fs.scan` is the one folder-size request (the commander's Space, quick view, the delete
// confirmation and the copy dialog); `fs.measure` is its older name, the same walk.
// Scans belong to the client that asked (like listings): their events go to it alone, and they
// stop when it goes away. Runs in Electron's main process and in serve mode: no `electron`.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fs, fsp } from '../native/user-fs.js';
import type { CopyCheck, Emit, FileComparison, FsInfo, Measure, Params, Results, ValidParams, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';
import * as native from '../native/index.js';
import { decodeEnginePath } from '../native/index.js';
import { xxh64File } from '../native/verify.js';
import type { Requester } from './fs-service.js';
import { bytesOf, fsError, textOf } from './wire-paths.js';

/** The engine functions used here (injectable for tests). */
export interface SurveyEngine {
  scan: typeof native.scan;
  fsInfo: typeof native.fsInfo;
  compareExtents: typeof native.compareExtents;
}

/** measure.progress events at most this often. */
const MEASURE_EVENT_MS = 200;

/** A client's running walk: its end, whether it was cancelled, and whether it is still the client's under its key (then forgotten). */
interface Walk {
  done: Promise<native.ScanResult>;
  cancelled: () => boolean;
  current: () => boolean;
}

/** fs.measure's ids live beside fs.scan's in the client's walks, apart from them. */
function measureKey(id: string): string {
  return `measure:${id}`;
}

function measureOf(t: native.ScanTotals): Measure {
  return { files: t.files, dirs: t.dirs, symlinks: t.symlinks, specials: t.specials, bytes: t.bytes, allocated: t.allocated };
}

/** Whether this user may create entries in `dir` (write and search permission). */
async function canWrite(dir: Buffer): Promise<boolean> {
  try {
    await fsp.access(dir, fs.constants.W_OK | fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The pane's and the dialog's view of a folder's filesystem. */
export async function folderInfo(dir: string, engine: Pick<SurveyEngine, 'fsInfo'> = native): Promise<FsInfo> {
  const bytes = decodeEnginePath(dir);
  // Errors name the path as the user sees it (the wire spelling), in Node's shape.
  const s = await fsp.statfs(bytes).catch((e: unknown) => {
    throw fsError(e, 'statfs', dir);
  });
  const kind = engine.fsInfo(dir);
  return {
    path: dir,
    fsType: kind.type,
    reflink: kind.reflink,
    freeBytes: s.bavail * s.bsize,
    totalBytes: s.blocks * s.bsize,
    readOnly: kind.readOnly,
    writable: !kind.readOnly && (await canWrite(bytes)),
    mountPoint: kind.mountPoint,
  };
}

export class SurveyService {
  readonly #engine: SurveyEngine;
  readonly #everyone: Requester;
  /** Running scans per client, by the client's scan id. */
  readonly #scans = new Map<Requester, Map<string, { cancel(): void }>>();

  constructor(opts: { emit: Emit; engine?: SurveyEngine }) {
    this.#engine = opts.engine ?? { scan: native.scan, fsInfo: native.fsInfo, compareExtents: native.compareExtents };
    this.#everyone = { emit: opts.emit, ready: async () => true, busy: () => () => {}, onClose: () => {} };
  }

  #own(from: Requester): Map<string, { cancel(): void }> {
    let m = this.#scans.get(from);
    if (!m) {
      const mine = new Map<string, { cancel(): void }>();
      this.#scans.set(from, mine);
      from.onClose(() => {
        for (const s of mine.values()) s.cancel();
        mine.clear();
        this.#scans.delete(from);
      });
      m = mine;
    }
    return m;
  }

  /**
   * The one scan: the engine's walk over `paths`, owned by the client that asked under `key` (a
   * newer walk under the same key replaces it; it stops when the client goes away). `onProgress`
   * gets the growing totals while it walks.
   */
  #walk(from: Requester, key: string, paths: readonly string[], opts: Omit<native.ScanOptions, 'recursive'>, onProgress: (t: native.ScanTotals) => void): Walk {
    const mine = this.#own(from);
    mine.get(key)?.cancel();
    let cancelled = false;
    const run = this.#engine.scan(
      paths.map((s) => path.resolve(s)),
      { recursive: true, ...opts },
      (totals) => {
        if (mine.get(key) === handle && !totals.done) onProgress(totals);
      },
    );
    const handle = {
      cancel: () => {
        cancelled = true;
        run.cancel();
      },
    };
    mine.set(key, handle);
    return {
      done: run.done,
      cancelled: () => cancelled,
      current: () => {
        if (mine.get(key) !== handle) return false;
        mine.delete(key);
        return true;
      },
    };
  }

  /**
   * Starts a scan and answers at once; the totals follow as `scan.progress` events to the client
   * that asked, the last with done: true (and the error, when the walk could not start). A new
   * scan with the same id replaces the old one.
   */
  scan(p: ValidParams<'fs.scan'>, from: Requester = this.#everyone): Results['fs.scan'] {
    const destDir = p.destDir === undefined ? undefined : path.resolve(p.destDir);
    const { done, current } = this.#walk(from, p.scanId, p.paths, { move: p.move, method: p.method, ...(destDir === undefined ? {} : { dest: destDir }) }, (totals) =>
      from.emit('scan.progress', { scanId: p.scanId, totals, done: false }),
    );
    done.then(
      (totals) => {
        if (current()) from.emit('scan.progress', { scanId: p.scanId, totals, done: true });
      },
      (e: unknown) => {
        if (current()) from.emit('scan.progress', { scanId: p.scanId, totals: emptyTotals(), done: true, error: toWireError(e) });
      },
    );
    return { scanId: p.scanId };
  }

  /** Stops a scan; its last event (done: true, with what was counted) still comes. */
  scanCancel(p: ValidParams<'fs.scanCancel'>, from: Requester = this.#everyone): Results['fs.scanCancel'] {
    const run = this.#scans.get(from)?.get(p.scanId);
    run?.cancel();
    return { scanId: p.scanId, cancelled: run !== undefined };
  }

  /**
   * `fs.measure`, the older name of a folder-size scan (kept for clients that use it): the same
   * walk as fs.scan, answered with the final totals, `measure.progress` at most every
   * MEASURE_EVENT_MS while it counts.
   */
  async measure(p: ValidParams<'fs.measure'>, from: Requester = this.#everyone): Promise<Results['fs.measure']> {
    let last = 0;
    const { done, cancelled, current } = this.#walk(from, measureKey(p.measureId), p.paths, {}, (t) => {
      const now = performance.now();
      if (now - last < MEASURE_EVENT_MS) return;
      last = now;
      from.emit('measure.progress', { measureId: p.measureId, ...measureOf(t) });
    });
    try {
      const t = await done;
      return { measureId: p.measureId, cancelled: cancelled(), ...measureOf(t) };
    } finally {
      current();
    }
  }

  measureCancel(p: ValidParams<'fs.measureCancel'>, from: Requester = this.#everyone): Results['fs.measureCancel'] {
    this.#scans.get(from)?.get(measureKey(p.measureId))?.cancel();
    return { measureId: p.measureId };
  }

  /**
   * What the copy dialog shows before a copy or move: the destination (exists, writable, its
   * filesystem), the sources (gone, or not removable by a move), and, from the engine's one walk
   * over the sources with the destination (scan()), per destination filesystem what a foreign one
   * cannot hold and whether there is room (with the job's name and link choices applied).
   */
  async check(p: Params<'copy.check'>): Promise<Results['copy.check']> {
    const destDir = path.resolve(p.destDir);
    const out: CopyCheck = { destDir, exists: false, error: null, writable: false, fs: null, sameFs: 0, missing: [], cannotRemove: [], destinations: [] };
    let destDev = -1;
    try {
      const st = await fsp.stat(decodeEnginePath(destDir));
      if (!st.isDirectory()) throw new FerryError('ENOTDIR', 'not a directory', { syscall: 'stat', path: destDir });
      out.exists = true;
      destDev = st.dev;
      out.fs = await folderInfo(destDir, this.#engine);
      out.writable = out.fs.writable ?? false;
    } catch (e) {
      out.error = { ...toWireError(e), path: destDir, side: 'destination' };
    }
    if (out.exists && !out.writable) {
      const ro = out.fs?.readOnly;
      out.error = ro
        ? { code: 'EROFS', message: `EROFS: read-only file system, access '${destDir}'`, syscall: 'access', path: destDir, side: 'destination' }
        : { code: 'EACCES', message: `EACCES: permission denied, access '${destDir}'`, syscall: 'access', path: destDir, side: 'destination' };
    }
    const parents = new Map<string, boolean>();
    const present: string[] = [];
    for (const src of p.sources) {
      const full = path.resolve(src);
      try {
        const st = await fsp.lstat(decodeEnginePath(full));
        if (st.dev === destDev) out.sameFs++;
      } catch (e) {
        out.missing.push({ path: src, error: { ...toWireError(e), side: 'source' } });
        continue;
      }
      present.push(full);
      if (p.kind !== 'move') continue;
      const parent = path.dirname(full);
      if (!parents.has(parent)) parents.set(parent, await canWrite(decodeEnginePath(parent)));
      if (!parents.get(parent)) {
        out.cannotRemove.push({ path: src, error: { code: 'EACCES', message: `EACCES: permission denied, access '${parent}'`, syscall: 'access', path: parent, side: 'source' } });
      }
    }
    if (out.exists && present.length) {
      const walk = this.#engine.scan(present, { recursive: true, dest: destDir, move: p.kind === 'move', mapNames: p.mapNames, followLinks: p.followLinks });
      out.destinations = (await walk.done).destinations ?? [];
    }
    return out;
  }

  /** Two files side by side: sizes and dates; identical content by shared extents, or by hashes when asked. */
  async compare(p: ValidParams<'fs.compare'>): Promise<Results['fs.compare']> {
    const a = path.resolve(p.a);
    const b = path.resolve(p.b);
    const stat = (q: string) => fsp.stat(decodeEnginePath(q)).then((s) => ({ size: s.size, mtimeMs: s.mtimeMs, file: s.isFile() }), () => null);
    const [sa, sb] = await Promise.all([stat(a), stat(b)]);
    const out: FileComparison = { a: sa && { size: sa.size, mtimeMs: sa.mtimeMs }, b: sb && { size: sb.size, mtimeMs: sb.mtimeMs }, identical: null, why: '', hash: null };
    if (!sa || !sb) {
      out.why = `${!sa ? 'the source' : 'the destination'} is gone`;
      return out;
    }
    if (!sa.file || !sb.file) {
      out.why = 'only files can be compared';
      return out;
    }
    try {
      const ext = this.#engine.compareExtents(a, b);
      out.identical = ext.identical;
      out.why = ext.why;
    } catch (e) {
      out.why = toWireError(e).message;
    }
    if (p.hash && out.identical === null) {
      try {
        const [ha, hb] = await Promise.all([xxh64File(decodeEnginePath(a)), xxh64File(decodeEnginePath(b))]);
        const hex = (h: bigint | null) => (h ?? 0n).toString(16).padStart(16, '0');
        out.hash = { a: hex(ha), b: hex(hb), equal: ha === hb };
        out.identical = ha === hb;
        out.why = ha === hb ? 'equal hashes (xxHash64 of every byte): identical content' : 'different hashes: the contents differ';
      } catch (e) {
        const w: WireError = toWireError(e);
        out.why = `cannot read both to compare: ${w.message}`;
      }
    }
    return out;
  }

  close(): void {
    for (const mine of this.#scans.values()) for (const s of mine.values()) s.cancel();
    this.#scans.clear();
  }
}

function emptyTotals(): native.ScanTotals {
  return { files: 0, bytes: 0, dirs: 0, symlinks: 0, specials: 0, allocated: 0, reflinkBytes: 0, needed: 0, existing: 0, unreadable: 0, kinds: [] };
}
