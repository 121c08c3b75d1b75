// After a crash: jobs come back from the journal, and a resumed copy takes back the hidden folder
// the engine was building.
import { fs, fsp } from '../../native/user-fs.js';
import path from 'node:path';
import { ACTIVE_STATES, FINISHED_STATES, type CopyOptions, type EntryType, type JobFileRecord as FileRecord } from '../contract.js';
import { decodeEnginePath, encodeEnginePath, findTemps, publishTemp, type CopyPair } from '../../native/index.js';
import { ENGINE_TEMP_NAME } from '../../native/types.js';
import { verifyPair } from '../../native/verify.js';
import type { StoredJob } from './journal.js';
import type { LogStore } from './log-store.js';
import { tallyOfStored } from './summary.js';
import { movedByRename, tallyStream, type Tally } from './tally.js';
import { entryType, fsFailure, joinBytes } from '../wire-paths.js';

/**
 * Entries whose timestamps are older than the job's first start (minus this margin: file times
 * come from the kernel's coarse clock, a few ms behind) were not touched by it.
 */
const CLOCK_MARGIN_MS = 100;

export const DEFAULT_OPTIONS: CopyOptions = { method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true };

/** What a journaled job comes back as at start-up. */
export interface Restored {
  s: StoredJob;
  tally: Tally;
  /** It was queued or running when Ferry stopped: now 'interrupted', its counters recounted. */
  interrupted: boolean;
}

/**
 * A job from the journal after a restart, or null when it finished before `cutoff` (retention).
 * A job that was queued or running comes back 'interrupted' and is recounted from its log (the
 * journal's counters may lag the crash); a finished one keeps the exact counters stored with its
 * final state, and its log loads on demand.
 */
export async function restore(stored: StoredJob, logs: LogStore, cutoff: number): Promise<Restored | null> {
  if (FINISHED_STATES.has(stored.state) && (stored.finishedAt ?? stored.createdAt) < cutoff) return null;
  const s: StoredJob = { ...stored, options: { ...DEFAULT_OPTIONS, ...stored.options } };
  const interrupted = ACTIVE_STATES.has(s.state) || s.state === 'queued' || s.state === 'interrupted';
  if (interrupted) s.state = 'interrupted';
  const tally = interrupted ? await tallyStream(logs.stream(s.id)) : tallyOfStored(s);
  return { s, tally, interrupted };
}

/**
 * The engine builds a new top-level folder under a hidden name (ENGINE_TEMP_NAME) and renames it
 * into place when complete; a crash leaves that hidden folder behind, holding finished files and
 * maybe one half-written file per worker under its own name. On resume we take ours back and the
 * engine then merges into it, skipping what is complete.
 * - The engine's findTemps() names it (the job's tag and the final name, recorded on the folder)
 *   and lists the files in it that are not complete copies (`partial`): those go — unless their
 *   source is gone (a verified move removes a source only once its copy read back equal: that
 *   copy is the only one left) — and publishTemp() gives it its final name (never over another).
 * - Without the engine's owner record (a filesystem without user xattrs), ours is the one holding
 *   a file our log says finished: every file not vouched for by the log (or by a missing source)
 *   goes. A hidden folder that is ours but vouches for nothing (killed before the first record)
 *   is removed.
 */
export async function recoverTempTop(pair: CopyPair, destDir: string, finished: Set<string>, startedAt: number, jobId: string): Promise<void> {
  if (path.dirname(pair.dest) !== destDir) return;
  const S = decodeEnginePath(pair.src);
  const D = decodeEnginePath(pair.dest);
  if (await lstatOrNull(D)) return; // the final name exists: nothing to recover
  const tagged = (await findTemps(destDir).catch(() => [])).find((t) => t.type === 'dir' && t.tag === jobId && t.finalPath === pair.dest && t.partial !== null);
  if (tagged) {
    for (const f of tagged.partial!) {
      const src = Buffer.concat([S, decodeEnginePath(f.slice(tagged.path.length))]);
      if (await lstatOrNull(src)) await fsp.unlink(decodeEnginePath(f)).catch(() => {});
    }
    await publishTemp(tagged.path);
    return;
  }
  const sst = await lstatOrNull(S);
  if (sst && !sst.isDirectory()) return; // a file: files never use a hidden top folder
  const srcNames = new Set((await names(S)).map((n) => n.toString('latin1')));
  const mine = [...finished].filter((d) => d.startsWith(pair.dest + '/'));
  let temps: string[] = [];
  try {
    temps = (await fsp.readdir(decodeEnginePath(destDir))).filter((n) => ENGINE_TEMP_NAME.test(n));
  } catch {
    return;
  }
  for (const n of temps) {
    const cand = decodeEnginePath(path.join(destDir, n));
    const st = await lstatOrNull(cand);
    if (!st?.isDirectory()) continue;
    const under = (d: string): Buffer => Buffer.concat([cand, decodeEnginePath(d.slice(pair.dest.length))]);
    const vouched: Buffer[] = [];
    for (const d of mine) {
      const p = under(d);
      if (await lstatOrNull(p)) vouched.push(p);
    }
    if (vouched.length === 0) {
      // Ours only if created during this job and holding nothing but names from our source.
      const inside = await fsp.readdir(cand, { encoding: 'buffer' }).catch(() => null);
      if (inside && st.mtimeMs >= startedAt - CLOCK_MARGIN_MS && st.birthtimeMs >= startedAt - CLOCK_MARGIN_MS && inside.every((x) => srcNames.has(x.toString('latin1')))) {
        if (mine.length === 0 && !(await holdsOrphans(cand, S))) await fsp.rm(cand, { recursive: true, force: true });
      }
      continue;
    }
    const keep = new Set(vouched.map((b) => b.toString('latin1')));
    const sweep = async (dir: Buffer, src: Buffer): Promise<void> => {
      for (const e of await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' })) {
        const name = e.name as unknown as Buffer;
        const p = joinBytes(dir, name);
        const sp = joinBytes(src, name);
        if (e.isDirectory()) await sweep(p, sp);
        else if (!keep.has(p.toString('latin1')) && (await lstatOrNull(sp))) await fsp.unlink(p).catch(() => {});
      }
    };
    await sweep(cand, S);
    await fsp.rename(cand, D);
    return;
  }
}

/** Whether a hidden tree holds a file whose source is gone (then it is the only copy: keep it). */
export async function holdsOrphans(dir: Buffer, src: Buffer): Promise<boolean> {
  for (const e of await fsp.readdir(dir, { withFileTypes: true, encoding: 'buffer' }).catch(() => [])) {
    const name = e.name as unknown as Buffer;
    if (e.isDirectory() ? await holdsOrphans(joinBytes(dir, name), joinBytes(src, name)) : !(await lstatOrNull(joinBytes(src, name)))) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// A move interrupted by a crash
// ---------------------------------------------------------------------------------------------
//
// A move removes each source once its copy is complete (the engine: after the copy and its folder
// are flushed; a verified move: after the copy read back equal). A crash between the copy and the
// removal leaves both; a crash after the removal but before the record reached the log leaves an
// entry moved without a record. Resuming finishes what the move would have done, before the engine
// runs again over what is left at the source.


/** A record the queue writes itself, for an entry the engine did not handle in this run. */
export function queueRecord(src: string, dest: string, type: EntryType, o: Partial<FileRecord> = {}): FileRecord {
  return { src, dest, type, size: 0, bytes: 0, method: null, attempts: [], sparse: false, ms: 0, ok: true, skipped: false, error: null, warnings: [], ...o };
}

async function lstatOrNull(p: Buffer): Promise<fs.Stats | null> {
  try {
    return await fsp.lstat(p);
  } catch {
    return null;
  }
}

async function names(dir: Buffer): Promise<Buffer[]> {
  try {
    return (await fsp.readdir(dir, { encoding: 'buffer' })) as Buffer[];
  } catch {
    return [];
  }
}

/** fsync a file (through a read-only descriptor: Linux flushes the inode's data all the same). */
async function fsyncPath(p: Buffer): Promise<void> {
  const fh = await fsp.open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface InterruptedMove {
  /** The job's first start: entries the move touched are newer. */
  startedAt: number;
  verify: boolean;
  preserve: boolean;
  /** The record the job already holds for a destination (from its log). */
  known: (dest: string) => FileRecord | undefined;
  cancelled: () => boolean;
}

/**
 * Finishes what an interrupted move did not get to record or to complete, for each top-level
 * pair, and returns the records of what it found and did:
 * 1. moved, not recorded: an entry at the destination, newer than the job, whose source is gone
 *    (a folder renamed whole counts with everything inside it);
 * 2. copied, source still there: a destination that is complete and equal to its source (same
 *    size and mtime, or the same xxHash64 when verify is on; a symlink with the same target) is
 *    made durable, then its source is removed, as the move would have done.
 * Nothing at the destination is ever removed here; what is not provably complete is left to the
 * engine run that follows (and its conflict policy).
 */
export async function finishInterruptedMove(pairs: readonly CopyPair[], o: InterruptedMove): Promise<FileRecord[]> {
  const out: FileRecord[] = [];
  const since = o.startedAt - CLOCK_MARGIN_MS;
  const movedNote = 'moved before Ferry was interrupted (found at the destination, its source gone)';

  const claimTree = async (D: Buffer, S: Buffer): Promise<void> => {
    for (const n of await names(D)) {
      if (o.cancelled()) return;
      const d = joinBytes(D, n);
      const s = joinBytes(S, n);
      const st = await lstatOrNull(d);
      if (!st) continue;
      if (st.isDirectory()) await claimTree(d, s);
      else if (!o.known(encodeEnginePath(d))) out.push(queueRecord(encodeEnginePath(s), encodeEnginePath(d), entryType(st), { size: st.isFile() ? st.size : 0, warnings: [movedNote] }));
    }
  };

  const claimMoved = async (S: Buffer, D: Buffer): Promise<void> => {
    if (o.cancelled()) return;
    const st = await lstatOrNull(D);
    if (!st) return;
    const dEsc = encodeEnginePath(D);
    const known = o.known(dEsc);
    if (known && movedByRename(known)) return; // recorded as moved whole: everything inside is counted
    const src = await lstatOrNull(S);
    if (st.isDirectory()) {
      // Renamed whole (an older folder that changed during the job, its source gone): all of it moved.
      if (!src && !known && st.ctimeMs >= since && st.birthtimeMs < since) return claimTree(D, S);
      if (src && !src.isDirectory()) return;
      for (const n of await names(D)) await claimMoved(joinBytes(S, n), joinBytes(D, n));
      return;
    }
    if (src || known || st.ctimeMs < since) return;
    out.push(queueRecord(encodeEnginePath(S), dEsc, entryType(st), { size: st.isFile() ? st.size : 0, warnings: [movedNote] }));
  };

  const adopt = async (S: Buffer, D: Buffer): Promise<void> => {
    if (o.cancelled()) return;
    const s = await lstatOrNull(S);
    if (!s) return;
    if (s.isDirectory()) {
      for (const n of await names(S)) await adopt(joinBytes(S, n), joinBytes(D, n));
      return;
    }
    const d = await lstatOrNull(D);
    if (!d || entryType(d) !== entryType(s)) return;
    const sEsc = encodeEnginePath(S);
    const dEsc = encodeEnginePath(D);
    let verified: boolean | undefined;
    if (s.isFile()) {
      if (d.size !== s.size) return;
      if (o.verify) {
        if (!(await verifyPair(S, D, sEsc, dEsc)).ok) return;
        verified = true;
      } else if (!o.preserve || Math.trunc(d.mtimeMs) !== Math.trunc(s.mtimeMs)) return;
    } else if (s.isSymbolicLink()) {
      const [a, b] = await Promise.all([fsp.readlink(S, { encoding: 'buffer' }), fsp.readlink(D, { encoding: 'buffer' })]).catch(() => [null, null]);
      if (!a || !b || !a.equals(b)) return;
    }
    const rec = queueRecord(sEsc, dEsc, entryType(s), { size: s.isFile() ? s.size : s.isSymbolicLink() ? s.size : 0, ...(verified ? { verified } : {}) });
    try {
      // The copy must be on disk before its source goes.
      if (s.isFile()) await fsyncPath(D);
      await fsyncPath(Buffer.from(path.dirname(D.toString('latin1')), 'latin1'));
    } catch (e) {
      out.push({ ...rec, ok: false, error: fsFailure(e, 'fsync', dEsc), warnings: ['the copy is complete but could not be flushed: the source was kept'] });
      return;
    }
    try {
      await fsp.unlink(S);
    } catch (e) {
      out.push({ ...rec, ok: false, error: fsFailure(e, 'unlink', sEsc), warnings: ['the copy is complete but the source could not be removed'] });
      return;
    }
    out.push({ ...rec, warnings: ['the copy was already complete when the move resumed: its source was removed'] });
  };

  for (const p of pairs) {
    const S = decodeEnginePath(p.src);
    const D = decodeEnginePath(p.dest);
    await claimMoved(S, D);
    await adopt(S, D);
  }
  return out;
}

/**
 * After a move: removes the source folders it emptied, deepest first (a folder that still holds
 * something, e.g. a failed or skipped entry, stays). Only folders inside the job's sources.
 */
export async function removeEmptiedFolders(pairs: readonly CopyPair[]): Promise<void> {
  const dirs: Buffer[] = [];
  const collect = async (S: Buffer): Promise<void> => {
    const st = await lstatOrNull(S);
    if (!st?.isDirectory()) return;
    for (const n of await names(S)) await collect(joinBytes(S, n));
    dirs.push(S); // after its children: deepest first
  };
  for (const p of pairs) await collect(decodeEnginePath(p.src));
  for (const d of dirs) await fsp.rmdir(d).catch(() => {});
}
