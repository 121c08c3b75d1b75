// Planning a job's run: which pairs go to the engine, what is already finished (resume, retry),
// the totals, the free-space check, and how conflicts with our own earlier output are decided.
// The decisions are pure functions (unit-tested without the engine); `plan()` gathers their inputs.
//
// Counting happens in one place, `surveySources()`: the engine's one walker (native scan()) counts
// the sources, predicts what will be reflinked or renamed, and checks the destination's free space;
// the engine jobs that follow do not walk to count again (scan: false).
import { fsp } from '../../native/user-fs.js';
import path from 'node:path';
import type { ConflictDecision, ConflictPolicy, CopyOptions, JobKind, JobFileRecord as FileRecord } from '../contract.js';
import type * as native from '../../native/index.js';
import { decodeEnginePath, type ConflictEvent, type CopyPair, type ScanTotals } from '../../native/index.js';
import { FerryError } from '../../native/errors.js';
import { isFailure, sameMtime } from '../../native/types.js';
import type { Job, Mode } from './job.js';
import type { LogStore } from './log-store.js';
import { finishInterruptedMove, queueRecord, recoverTempTop } from './recovery.js';
import { fsFailure } from '../wire-paths.js';
import { tallyAll } from './tally.js';

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
}

type Rules = Pick<Run, 'conflict' | 'auto' | 'suppress' | 'asError' | 'adopted'>;

export interface PlanDeps {
  logs: LogStore;
  /** The engine's one walk: totals, predicted reflinks, and its free-space check. */
  scan: typeof native.scan;
  changed: () => void;
}

/** Each source goes to the destination folder under its own name, or under `names[i]` (a duplicate). */
export function topPairs(sources: readonly string[], destDir: string, names?: readonly string[]): CopyPair[] {
  return sources.map((src, i) => ({ src, dest: path.join(destDir, names?.[i] ?? path.basename(src)) }));
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
  // An entry the cancel stopped (being copied, or waiting for an answer) was not dealt with: a
  // resume does it (and asks again), as "Resume" — go on where it stopped — promises.
  const kept = mode === 'fresh' ? [] : [...last.values()].filter((r) => !retrying.has(r.dest) && !(mode === 'retry' && isUnder(r.dest, retrying)) && !(mode === 'resume' && r.skipReason === 'cancel'));
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
    if (mode === 'resume' && !move && o.preserve && c.destSize === c.srcSize && sameMtime(c.srcMtimeMs, c.destMtimeMs, c.mtimeWindowMs)) {
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
}

/**
 * The engine runs of a job. A verified move runs twice: sources on the destination's filesystem
 * are renamed; the others are copied, verified, and only then deleted.
 */
export function buildRuns(kind: JobKind, o: CopyOptions, live: readonly LiveSource[], destDev: number, rules: () => Rules): Run[] {
  const run = (xs: readonly LiveSource[], move: boolean, deleteAfterVerify: boolean): Run => ({ ...rules(), pairs: xs.map((x) => x.pair), move, deleteAfterVerify });
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

/** What surveying a run's sources found. */
export interface Survey {
  live: LiveSource[];
  /** Sources that cannot be copied (gone, unreadable): each one's failure, as a record. */
  failed: FileRecord[];
  files: number;
  bytes: number;
  /** Apparent bytes the engine predicts will be reflinked (or renamed by a same-filesystem move). */
  predictedReflink: number;
  /** Names the scan found taken at the destination (the conflicts to come). */
  existing?: number;
}

/**
 * Whether a source that is gone needs no work: a resumed or retried job that already holds a
 * record saying it finished (a move: any record at or under its destination, or the destination
 * itself — the move took it away).
 */
async function goneButDone(job: Job, pair: CopyPair, recorded: () => Promise<Set<string>>): Promise<boolean> {
  if (job.mode === 'fresh') return false;
  const r = job.live.get(pair.dest);
  if (r && !isFailure(r)) return true;
  if (job.s.kind !== 'move') return false;
  return (await recorded()).has(pair.dest) || (await fsp.lstat(decodeEnginePath(pair.dest)).catch(() => null)) !== null;
}

/** The top-level destinations (children of `destDir`) that hold a counted record at or under them (read from the log). */
async function recordedTops(job: Job, logs: Pick<LogStore, 'stream'>): Promise<Set<string>> {
  const tops = new Set<string>();
  const base = job.s.destDir.endsWith('/') ? job.s.destDir : job.s.destDir + '/';
  for await (const r of logs.stream(job.s.id)) {
    if (!r.dest.startsWith(base) || !job.live.has(r.dest)) continue;
    const i = r.dest.indexOf('/', base.length);
    tops.add(i < 0 ? r.dest : r.dest.slice(0, i));
  }
  return tops;
}

/**
 * The sources that still exist (a source that is gone is that item's failure, unless the job
 * already finished it: in a resumed move it was moved already), with the device each is on, then
 * the engine's one walk over
 * them: totals (streamed into the job while it counts), the bytes that will be reflinked or
 * renamed, and the engine's free-space check (less what an earlier run already wrote there). A
 * refusal rejects with the engine's ENOSPC error; nothing has been copied then.
 */
export async function surveySources(job: Job, pairs: readonly CopyPair[], deps: Pick<PlanDeps, 'scan' | 'changed' | 'logs'>, spaceCredit: number, onTotals: (t: ScanTotals) => void): Promise<Survey> {
  const s = job.s;
  const live: LiveSource[] = [];
  const failed: FileRecord[] = [];
  let tops: Promise<Set<string>> | null = null;
  const recorded = (): Promise<Set<string>> => (tops ??= recordedTops(job, deps.logs));
  for (const pair of pairs) {
    if (job.cancelRequested) break;
    try {
      live.push({ pair, dev: (await fsp.lstat(decodeEnginePath(pair.src))).dev });
    } catch (e) {
      if (!(await goneButDone(job, pair, recorded))) failed.push(queueRecord(pair.src, pair.dest, 'file', { ok: false, error: fsFailure(e, 'lstat', pair.src, pair.dest) }));
    }
  }
  if (live.length === 0 || job.cancelRequested) return { live, failed, files: 0, bytes: 0, predictedReflink: 0 };
  const walk = deps.scan(
    live.map((x) => x.pair.src),
    { recursive: true, dest: s.destDir, move: s.kind === 'move', method: s.options.method, checkSpace: true, spaceCredit, mapNames: s.options.mapNames ?? false, followLinks: s.options.followLinks ?? false },
    (t) => {
      onTotals(t);
      deps.changed();
    },
  );
  job.walk = walk;
  try {
    const t = await walk.done;
    onTotals(t);
    return { live, failed, files: t.files, bytes: t.bytes, predictedReflink: t.reflinkBytes, existing: t.existing ?? 0 };
  } finally {
    job.walk = null;
  }
}

/** A job's plan: the engine runs, and the records of what was decided before any of them. */
export interface Plan {
  runs: Run[];
  /** Items that failed before the engine saw them; entries an interrupted move finished. */
  records: FileRecord[];
}

/**
 * Recounts what earlier runs did (resume, retry), finishes what a crash interrupted, surveys the
 * sources (totals, free space), and builds the engine runs.
 */
export async function plan(job: Job, deps: PlanDeps): Promise<Plan> {
  const s = job.s;
  const destStat = await fsp.stat(decodeEnginePath(s.destDir));
  if (!destStat.isDirectory()) throw new FerryError('ENOTDIR', 'the destination is not a folder', { syscall: 'stat', path: s.destDir });
  job.dev = destStat.dev;
  const pairs = job.mode === 'retry' ? job.retryPairs : topPairs(s.sources, s.destDir, s.names);

  // What is already finished (resume/retry): recount from the log.
  // A first run has no log yet; a resume or retry reads its own (the records that count stay on disk).
  await deps.logs.open(s.id);
  const prior = job.mode === 'fresh' ? [] : await deps.logs.records(s.id);
  const { kept, finished, retrying } = priorWork(prior, job.mode, pairs);
  job.live.reset();
  for (const r of kept) job.live.add(r);

  const records: FileRecord[] = [];
  if (job.mode === 'resume') {
    // A killed copy run leaves a new top folder under the engine's hidden temp name: take it back.
    for (const pair of pairs) await recoverTempTop(pair, s.destDir, finished, s.startedAt ?? 0, s.id);
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

  // Totals: everything counted now, the items that cannot be copied, and what an earlier run of a
  // move already took away. Space: what an earlier run already wrote is there (the engine does
  // not count it again).
  const movedAway = job.mode === 'resume' && s.kind === 'move';
  const credit = job.mode === 'resume' ? Math.max(0, job.tally.bytesDone - job.tally.bytesReflinked) : 0;
  let failedItems = 0;
  const totals = (t: Pick<ScanTotals, 'files' | 'bytes'>): void => {
    if (job.mode === 'retry') return;
    s.filesTotal = t.files + failedItems + (movedAway ? job.tally.filesDone : 0);
    s.bytesTotal = t.bytes + (movedAway ? job.tally.bytesDone : 0);
  };
  const survey = await surveySources(job, pairs, deps, credit, totals);
  failedItems = survey.failed.length;
  totals(survey);
  for (const r of survey.failed) job.live.add(r);
  records.push(...survey.failed);
  job.predictedReflink = survey.predictedReflink;
  job.conflictsExpected = job.mode === 'fresh' && s.options.conflict === 'ask' ? (survey.existing ?? 0) : 0;
  deps.changed();

  const rules = () => conflictRules(job.mode, { ...s.options, kind: s.kind }, finished, retrying);
  return { runs: buildRuns(s.kind, s.options, survey.live, destStat.dev, rules), records };
}
