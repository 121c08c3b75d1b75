// Recursive search by name, streamed: a breadth-first walk below a folder (shallow matches come
// first), names tested against a compiled pattern (glob.ts), matches described like pane rows and
// sent as `search.results` batches at the pace the client reads them.
//
// Why not the engine's walker: scan() counts, it does not report names. This walk reads each
// folder with one readdir (names and types, no stat), stats only the matches, never follows
// symlinks (no loops), and does not enter pseudo filesystems (/proc, /sys…) below the root. Every
// folder read is a separate turn of the event loop, and a folder's names are tested in slices, so
// a 100 000-file tree never holds the thread that answers the UI.
import type { Dirent } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fsp } from '../native/user-fs.js';
import type { DirEntry, Events } from './contract.js';
import { toWireError } from '../native/errors.js';
import { describe } from './fs-service.js';
import type { NameMatcher } from './glob.js';
import { pseudoMountPoints } from './places.js';

/** A batch goes out at least this often while matches arrive (and progress without them). */
const BATCH_MS = 200;
/** ... or when this many matches wait. */
const BATCH_MAX = 1000;
/** lstat calls in flight for the matches of a batch. */
const STAT_CONCURRENCY = 32;
/** Longest run of name tests between two turns of the event loop. */
const SLICE_MS = 8;

export interface SearchSpec {
  searchId: string;
  root: string;
  matcher: NameMatcher;
  /** Include hidden names (and look inside hidden folders). */
  hidden: boolean;
}

export interface SearchOutlet {
  emit(batch: Events['search.results']): void;
  /** Resolves true once the client took what it was sent, false when it has gone. */
  ready(): Promise<boolean>;
  /** True once the search was cancelled (or superseded, or its client went away). */
  stopped(): boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

interface Match {
  full: string;
  name: string;
  dir: boolean;
  bad: boolean;
}

async function rows(matches: Match[]): Promise<DirEntry[]> {
  const out = new Array<DirEntry>(matches.length);
  let next = 0;
  const worker = async () => {
    while (next < matches.length) {
      const i = next++;
      const m = matches[i]!;
      out[i] = m.bad
        ? { name: m.name, path: m.full, type: m.dir ? 'dir' : 'file', size: 0, mtimeMs: 0, mode: 0, hidden: m.name.startsWith('.'), error: { code: 'EILSEQ', message: 'name is not valid UTF-8: shown approximately' } }
        : await describe(m.full, m.name, m.dir ? 'dir' : undefined);
    }
  };
  await Promise.all(Array.from({ length: Math.min(STAT_CONCURRENCY, matches.length) }, worker));
  return out;
}

/** Runs one search to its end (or until stopped); never throws: failures go out as the last batch's error. */
export async function runSearch(spec: SearchSpec, out: SearchOutlet): Promise<void> {
  const root = path.resolve(spec.root);
  let folders = 0;
  let scanned = 0;
  let unreadable = 0;
  let pending: Match[] = [];
  let lastSent = performance.now();
  const skip = pseudoMountPoints().filter((m) => m !== root && !root.startsWith(m === '/' ? m : `${m}/`));
  const skipSet = new Set(skip);

  const send = async (done: boolean, error?: Events['search.results']['error']) => {
    const batch = pending;
    pending = [];
    const entries = await rows(batch);
    lastSent = performance.now();
    if (out.stopped()) return false;
    out.emit({ searchId: spec.searchId, entries, folders, scanned, unreadable, done, ...(error ? { error } : {}) });
    return done || out.ready();
  };

  try {
    const st = await fsp.stat(root);
    if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, scandir '${root}'`), { code: 'ENOTDIR', syscall: 'scandir', path: root });
  } catch (e) {
    if (!out.stopped()) out.emit({ searchId: spec.searchId, entries: [], folders: 0, scanned: 0, unreadable: 0, done: true, error: toWireError(e) });
    return;
  }

  // Breadth first: a queue of folders with their path below the root.
  const queue: [string, string][] = [[root, '']];
  let sliceStart = performance.now();
  for (let qi = 0; qi < queue.length; qi++) {
    if (out.stopped()) return;
    const [dir, rel] = queue[qi]!;
    queue[qi] = undefined as unknown as [string, string]; // let the GC have what was walked
    let names: Dirent[];
    try {
      names = (await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' as BufferEncoding })) as unknown as Dirent[];
    } catch {
      unreadable++;
      continue;
    }
    folders++;
    for (const d of names) {
      scanned++;
      const raw = d.name as unknown as Buffer;
      let name: string;
      let bad = false;
      try {
        name = utf8.decode(raw);
      } catch {
        name = raw.toString('latin1');
        bad = true;
      }
      const hiddenName = name.startsWith('.');
      if (hiddenName && !spec.hidden) continue;
      const full = dir === '/' ? `/${name}` : `${dir}/${name}`;
      const childRel = rel ? `${rel}/${name}` : name;
      const isDir = d.isDirectory();
      if (isDir && !bad && !skipSet.has(full)) queue.push([full, childRel]);
      if (spec.matcher(name, childRel)) {
        pending.push({ full, name, dir: isDir, bad });
        if (pending.length >= BATCH_MAX) {
          if (!(await send(false))) return;
          sliceStart = performance.now();
        }
      }
      if ((scanned & 1023) === 0 && performance.now() - sliceStart > SLICE_MS) {
        await new Promise<void>((r) => setImmediate(r));
        sliceStart = performance.now();
        if (out.stopped()) return;
      }
    }
    if (pending.length >= BATCH_MAX || performance.now() - lastSent >= BATCH_MS) {
      if (!(await send(false))) return;
      sliceStart = performance.now();
    }
  }
  await send(true);
}
