// Planning a job's run: which pairs go to the engine, what is already finished (resume, retry),
// the totals, the free-space check, and how conflicts with our own earlier output are decided.
// The decisions are pure functions (unit-tested without the engine); `plan()` gathers their inputs.
//
// Measuring happens in one place, `measureSources()`: today it walks the sources in JavaScript
// (walk.ts) and asks the engine's explain() which sources will be reflinked. The engine's own scan
// (one walk, with allocated and reflinked bytes, and its in-engine free-space check) replaces that
// one function and `checkFreeSpace()`.
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ConflictDecision, ConflictPolicy, CopyOptions, JobKind, JobFileRecord as FileRecord } from '../contract.js';
import { decodeEnginePath, encodeEnginePath, type ConflictEvent, type CopyPair } from '../../native/index.js';
import { FerryError } from '../../native/errors.js';
import { formatSize } from '../../native/format.js';
import { isFailure } from '../../native/types.js';
import type { Job, Mode } from './job.js';
import type { LogStore } from './log-store.js';
import { finishInterruptedMove, fsFailure, queueRecord, recoverTempTop } from './recovery.js';
import { tallyAll } from './tally.js';
import { measure, type Measure } from './walk.js';

/** One native engine job of a Ferry job (a verified move across filesystems needs two). */
export interface Run {
  pairs: CopyPair[];
  move: boolean;
  /** Copy, verify, then delete each verified source (a verified move across filesystems). */
  deleteAfterVerify: boolean;
  conflict: ConflictPolicy;
  /** Decides a conflict without asking (resume: our own finished files; retry: our failed copies). */
  auto: ((c: ConflictEvent) => ConflictDecision | null) | null;
  /** Destinations whose skipped records are not news (finished in an earlier run). */
  suppress: Set<string>;
  /** Destinations skipped in place of an 'error' policy (resume): recorded as EEXIST failures. */
  asError: Set<string>;
  /**
   * Destinations a resumed copy found complete (same size and mtime as the source: copied just
   * before a crash, not logged yet): skipped by the engine, recorded as done.
   */
  adopted: Set<string>;
  /** Entries and bytes the planner counted for this run (replaced by the engine's scan when it reports). */
  files: number;
  bytes: number;
  /** Records still being completed (a folder moved whole is measured at its new place): the run waits for them. */
  pending: Promise<void>[];
}

type Rules = Pick<Run, 'conflict' | 'auto' | 'suppress' | 'asError' | 'adopted'>;

export interface PlanDeps {
  logs: LogStore;
  /** The engine's prediction of the method for one pair. */
  explain: (src: string, dest: string, method: CopyOptions['method']) => { method: string | null };
  changed: () => void;
}

/** Each source goes to the destination folder under its own name. */
export function topPairs(sources: readonly string[], destDir: string): CopyPair[] {
  return sources.map((src) => ({ src, dest: path.join(destDir, path.basename(src)) }));
}

function isUnder(p: string, dirs: Set<string>): boolean {
  for (const d of dirs) if (p.startsWith(d + '/')) return true;
  return false;
}

/**
 * What earlier runs already did, from the log (the last record per destination wins):
 * `kept` counts towards this run's totals, `finished` holds destinations that need no work,
 * `retrying` the destinations a retry copies again (their old records, and those under them, go).
 */
export function priorWork(records: Iterable<FileRecord>, mode: Mode, pairs: readonly CopyPair[]): { kept: FileRecord[]; finished: Set<string>; retrying: Set<string> } {
  const { last } = tallyAll(records);
  const retrying = new Set(mode === 'retry' ? pairs.map((p) => p.dest) : []);
  const kept = mode === 'fresh' ? [] : [...last.values()].filter((r) => !retrying.has(r.dest) && !(mode === 'retry' && isUnder(r.dest, retrying)));
  const finished = new Set(kept.filter((r) => !isFailure(r)).map((r) => r.dest));
  return { kept, finished, retrying };
}

/** The pairs a retry runs: every failed entry, except those inside a failed folder (retried whole). */
export function failedPairs(records: Iterable<FileRecord>): CopyPair[] {
  const failed = [...tallyAll(records).last.values()].filter((r) => isFailure(r));
  const dirs = failed.filter((r) => r.type === 'dir').map((r) => r.src + '/');
  return failed.filter((r) => !dirs.some((d) => r.src.startsWith(d))).map((r) => ({ src: r.src, dest: r.dest }));
}

/**
 * How a run decides conflicts. A fresh run hands the user's policy to the engine. A resume or a
 * retry asks the engine to raise every conflict and decides first what is ours: destinations
 * finished earlier are skipped (quietly), a retried copy is overwritten, and a file copied just
 * before a crash but not logged yet (same size and mtime; times are preserved) is adopted: the
 * engine skips it, the job counts it done. A resumed move has finished those itself before the
 * run (finishInterruptedMove: the source must go too), so it keeps only the user's policy. The
 * rest follow the user's policy; 'error' is turned into a skip recorded as an EEXIST failure.
 */
export function conflictRules(
  mode: Mode,
  o: Pick<CopyOptions, 'conflict' | 'preserve'> & { kind?: JobKind },
  finished: ReadonlySet<string>,
  retrying: ReadonlySet<string>,
): Rules {
  const policy = o.conflict;
  const adopted = new Set<string>();
  if (mode === 'fresh') return { conflict: policy, auto: null, suppress: new Set(), asError: new Set(), adopted };
  const move = o.kind === 'move';
  const suppress = new Set(move ? [] : finished);
  const asError = new Set<string>();
  const auto = (c: ConflictEvent): ConflictDecision | null => {
    if (suppress.has(c.dest)) return 'skip';
    if (mode === 'retry' && retrying.has(c.dest)) return 'overwrite';
    if (mode === 'resume' && !move && o.preserve && c.destSize === c.srcSize && Math.trunc(c.destMtimeMs) === Math.trunc(c.srcMtimeMs)) {
      adopted.add(c.dest);
      return 'skip';
    }
    if (policy === 'ask') return null;
    if (policy === 'error') {
      asError.add(c.dest);
      return 'skip';
    }
    return policy;
  };
  return { conflict: 'ask', auto, suppress, asError, adopted };
}

/** A source that still exists, with the device it is on. */
export interface LiveSource {
  pair: CopyPair;
  dev: number;
  files: number;
  bytes: number;
}

/**
 * The engine runs of a job. A verified move runs twice: sources on the destination's filesystem
 * are renamed; the others are copied, verified, and only then deleted.
 */
export function buildRuns(kind: JobKind, o: CopyOptions, live: readonly LiveSource[], destDev: number, rules: () => Rules): Run[] {
  const run = (xs: readonly LiveSource[], move: boolean, deleteAfterVerify: boolean): Run => ({
    ...rules(),
    pairs: xs.map((x) => x.pair),
    move,
    deleteAfterVerify,
    files: xs.reduce((a, x) => a + x.files, 0),
    bytes: xs.reduce((a, x) => a + x.bytes, 0),
    pending: [],
  });
  if (kind === 'move' && o.verify) {
    const same = live.filter((x) => x.dev === destDev);
    const other = live.filter((x) => x.dev !== destDev);
    const runs: Run[] = [];
    if (same.length) runs.push(run(same, true, false));
    if (other.length) runs.push(run(other, false, true));
    return runs;
  }
  return live.length ? [run(live, kind === 'move', false)] : [];
}

/** A measured source and the method the engine predicts for it. */
export interface SpaceItem {
  dev: number;
  m: Pick<Measure, 'bytes' | 'allocated'>;
  method: string | null;
}

/**
 * Space a run needs on the destination: the bytes the copies will allocate, except what will be
 * reflinked (shared extents) or renamed (a move on one filesystem), which costs nothing.
 */
export function spaceNeeded(kind: JobKind, items: readonly SpaceItem[], destDev: number): { need: number; reflinked: number; predictedReflink: number } {
  let need = 0;
  let reflinked = 0;
  let predictedReflink = 0;
  for (const { dev, m, method } of items) {
    if (kind === 'move' && dev === destDev) continue;
    if (method === 'reflink') {
      reflinked += m.allocated;
      predictedReflink += m.bytes;
    } else need += m.allocated;
  }
  return { need, reflinked, predictedReflink };
}

/** The refusal when `need` bytes do not fit in `free`, in the user's terms; null when they fit. */
export function spaceError(need: number, free: number, reflinked: number, destDir: string): FerryError | null {
  if (need <= free) return null;
  const note = reflinked > 0 ? ` (${formatSize(reflinked)} will be reflinked)` : '';
  return new FerryError('ENOSPC', `not enough space: needs ${formatSize(need)}, ${formatSize(free)} free${note}`, { syscall: 'statfs', path: destDir });
}

async function checkFreeSpace(destDir: string, need: number, reflinked: number): Promise<void> {
  const sf = await fsp.statfs(decodeEnginePath(destDir) as unknown as string);
  const err = spaceError(need, sf.bavail * sf.bsize, reflinked, destDir);
  if (err) throw err;
}

/** What measuring a run's sources found. */
export interface Survey {
  live: LiveSource[];
  /** Sources that cannot be copied (gone, unreadable): each one's failure, as a record. */
  failed: FileRecord[];
  files: number;
  bytes: number;
  need: number;
  reflinked: number;
  predictedReflink: number;
}

/**
 * Whether a source that is gone needs no work: a resumed or retried job that already holds a
 * record saying it finished (a move: any record at or under its destination, or the destination
 * itself — the move took it away).
 */
async function goneButDone(job: Job, pair: CopyPair, recorded: () => Set<string>): Promise<boolean> {
  if (job.mode === 'fresh') return false;
  const r = job.live.get(pair.dest);
  if (r && !isFailure(r)) return true;
  if (job.s.kind !== 'move') return false;
  return recorded().has(pair.dest) || (await fsp.lstat(decodeEnginePath(pair.dest)).catch(() => null)) !== null;
}

/** The top-level destinations (children of `destDir`) that hold a record at or under them. */
function recordedTops(job: Job): Set<string> {
  const tops = new Set<string>();
  const base = job.s.destDir.endsWith('/') ? job.s.destDir : job.s.destDir + '/';
  for (const r of job.live.records) {
    if (!r.dest.startsWith(base)) continue;
    const i = r.dest.indexOf('/', base.length);
    tops.add(i < 0 ? r.dest : r.dest.slice(0, i));
  }
  return tops;
}

/**
 * Measures the sources (entries, bytes, allocated bytes) and predicts which will be reflinked:
 * one explain() per source filesystem is enough (a selection of 100k files shares one). A source
 * that cannot be examined is that item's failure, never the job's: the others go on.
 */
export async function measureSources(job: Job, pairs: readonly CopyPair[], destDev: number, explain: PlanDeps['explain']): Promise<Survey> {
  const s = job.s;
  const measured: { pair: CopyPair; m: Measure; dev: number }[] = [];
  const failed: FileRecord[] = [];
  let tops: Set<string> | null = null;
  const recorded = (): Set<string> => (tops ??= recordedTops(job));
  for (const pair of pairs) {
    if (job.cancelRequested) break;
    const src = decodeEnginePath(pair.src);
    let st;
    try {
      st = await fsp.lstat(src);
    } catch (e) {
      if (!(await goneButDone(job, pair, recorded))) failed.push(queueRecord(pair.src, pair.dest, 'file', { ok: false, error: fsFailure(e, 'lstat', pair.src, pair.dest) }));
      continue;
    }
    try {
      measured.push({ pair, m: await measure(src, () => job.cancelRequested), dev: st.dev });
    } catch (e) {
      failed.push(queueRecord(pair.src, pair.dest, st.isDirectory() ? 'dir' : 'file', { ok: false, error: fsFailure(e, 'lstat', pair.src, pair.dest) }));
    }
  }
  const predicted = new Map<number, string | null>();
  const items: SpaceItem[] = measured.map(({ pair, m, dev }) => {
    if (s.kind === 'move' && dev === destDev) return { dev, m, method: null };
    if (!m.sample) return { dev, m, method: null };
    if (!predicted.has(dev)) {
      const sample = encodeEnginePath(m.sample);
      const sampleDest = sample === pair.src ? pair.dest : path.join(s.destDir, path.basename(sample));
      let method: string | null = null;
      try {
        method = explain(sample, sampleDest, s.options.method).method;
      } catch {
        /* unknown: counts as needing space */
      }
      predicted.set(dev, method);
    }
    return { dev, m, method: predicted.get(dev)! };
  });
  return {
    live: measured.map(({ pair, dev, m }) => ({ pair, dev, files: m.files, bytes: m.bytes })),
    failed,
    files: measured.reduce((a, x) => a + x.m.files, 0),
    bytes: measured.reduce((a, x) => a + x.m.bytes, 0),
    ...spaceNeeded(s.kind, items, destDev),
  };
}

/** A job's plan: the engine runs, and the records of what was decided before any of them. */
export interface Plan {
  runs: Run[];
  /** Items that failed before the engine saw them; entries an interrupted move finished. */
  records: FileRecord[];
}

/**
 * Recounts what earlier runs did (resume, retry), finishes what a crash interrupted, measures
 * the sources, checks free space, and builds the engine runs.
 */
export async function plan(job: Job, deps: PlanDeps): Promise<Plan> {
  const s = job.s;
  const destStat = await fsp.stat(decodeEnginePath(s.destDir));
  if (!destStat.isDirectory()) throw new FerryError('ENOTDIR', 'the destination is not a folder', { syscall: 'stat', path: s.destDir });
  job.dev = destStat.dev;
  const pairs = job.mode === 'retry' ? job.retryPairs : topPairs(s.sources, s.destDir);

  // What is already finished (resume/retry): recount from the log.
  const prior = deps.logs.cached(s.id) ?? (await deps.logs.records(s.id));
  const { kept, finished, retrying } = priorWork(prior, job.mode, pairs);
  job.live.reset();
  for (const r of kept) job.live.add(r);

  const records: FileRecord[] = [];
  if (job.mode === 'resume') {
    // A killed copy run leaves a new top folder under the engine's hidden temp name: take it back.
    for (const pair of pairs) await recoverTempTop(pair, s.destDir, finished, s.startedAt ?? 0);
    if (s.kind === 'move') {
      const done = await finishInterruptedMove(pairs, {
        startedAt: s.startedAt ?? Date.now(),
        verify: s.options.verify,
        preserve: s.options.preserve,
        known: (dest) => job.live.get(dest),
        cancelled: () => job.cancelRequested,
      });
      for (const r of done) job.live.add(r);
      records.push(...done);
    }
  }

  const survey = await measureSources(job, pairs, destStat.dev, deps.explain);
  for (const r of survey.failed) job.live.add(r);
  records.push(...survey.failed);
  if (job.mode !== 'retry') {
    // Totals: everything measured now, the items that failed before, and what a move already took away.
    const movedAway = job.mode === 'resume' && s.kind === 'move' ? job.tally.filesDone : 0;
    const movedBytes = movedAway ? job.tally.bytesDone : 0;
    s.filesTotal = survey.files + survey.failed.length + movedAway;
    s.bytesTotal = survey.bytes + movedBytes;
  }
  job.predictedReflink = survey.predictedReflink;
  deps.changed();

  let need = survey.need;
  if (job.mode === 'resume') need = Math.max(0, need - (job.tally.bytesDone - job.tally.bytesReflinked));
  await checkFreeSpace(s.destDir, need, survey.reflinked);

  const rules = () => conflictRules(job.mode, { ...s.options, kind: s.kind }, finished, retrying);
  return { runs: buildRuns(s.kind, s.options, survey.live, destStat.dev, rules), records };
}
