// After a crash: jobs come back from the journal, and a resumed copy takes back the hidden folder
// the engine was building.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { ACTIVE_STATES, FINISHED_STATES, type CopyOptions } from '../contract.js';
import type { CopyPair } from '../../native/index.js';
import { ENGINE_TEMP_NAME } from '../../native/types.js';
import type { StoredJob } from './journal.js';
import type { LogStore } from './log-store.js';
import { tallyOfStored } from './summary.js';
import { tallyAll, type Tally } from './tally.js';

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
  const tally = interrupted ? tallyAll(await logs.records(s.id)).tally : tallyOfStored(s);
  return { s, tally, interrupted };
}

/**
 * The engine builds a new top-level folder under a hidden name (ENGINE_TEMP_NAME) and renames it
 * into place when complete; a crash leaves that hidden folder behind, holding finished files and
 * maybe one half-written file per worker under its own name. On resume we find ours (it holds a
 * file our log says finished, with that size), delete every file the log does not vouch for, and
 * rename it to the final name: the engine then merges into it and skips what is there. A hidden
 * folder that is ours but vouches for nothing (killed before the first record) is removed.
 */
export async function recoverTempTop(pair: CopyPair, destDir: string, finished: Set<string>, startedAt: number): Promise<void> {
  if (path.dirname(pair.dest) !== destDir) return;
  try {
    await fsp.lstat(pair.dest);
    return; // the final name exists: nothing to recover
  } catch {
    /* ENOENT: look for the hidden folder */
  }
  let srcNames: Set<string>;
  try {
    srcNames = new Set(await fsp.readdir(pair.src));
  } catch {
    return; // not a directory (files never use a hidden top folder)
  }
  const mine = [...finished].filter((d) => d.startsWith(pair.dest + '/'));
  let names: string[] = [];
  try {
    names = (await fsp.readdir(destDir)).filter((n) => ENGINE_TEMP_NAME.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    const cand = path.join(destDir, n);
    const st = await fsp.lstat(cand).catch(() => null);
    if (!st?.isDirectory()) continue;
    const vouched = mine.filter((d) => fs.existsSync(cand + d.slice(pair.dest.length)));
    if (vouched.length === 0) {
      // Ours only if created during this job and holding nothing but names from our source.
      const inside = await fsp.readdir(cand).catch(() => null);
      if (inside && st.mtimeMs >= startedAt - 1000 && st.birthtimeMs >= startedAt - 1000 && inside.every((x) => srcNames.has(x))) {
        if (mine.length === 0) await fsp.rm(cand, { recursive: true, force: true });
      }
      continue;
    }
    const keep = new Set(vouched.map((d) => cand + d.slice(pair.dest.length)));
    const walk = async (dir: string): Promise<void> => {
      for (const e of await fsp.readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (!keep.has(p)) await fsp.unlink(p).catch(() => {});
      }
    };
    await walk(cand);
    await fsp.rename(cand, pair.dest);
    return;
  }
}
