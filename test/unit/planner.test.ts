// The job service's decisions that need no engine: what a run copies after a crash or for a retry,
// how it decides conflicts with its own earlier output, space, runs, scheduling, cp's refusals,
// event batching and what verification makes of a record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CopyOptions, FileRecord, JobFileRecord } from '../../electron/contract.js';
import type { ConflictEvent } from '../../native/types.js';
import { buildRuns, conflictRules, failedPairs, priorWork, topPairs, type LiveSource } from '../../electron/jobs/planner.js';
import { startable, type Schedulable } from '../../electron/jobs/queue.js';
import { selfCopyRefusal } from '../../electron/jobs/self-copy.js';
import { takeFileBatches } from '../../electron/jobs/ticker.js';
import { verifiedRecord, wantsVerify } from '../../electron/jobs/verifier.js';
import { fileRecord as rec } from './fixtures.js';

const MiB = 1 << 20;
const options = (o: Partial<CopyOptions> = {}): CopyOptions => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o });
const failed = (o: Partial<FileRecord>): FileRecord => rec({ ok: false, method: null, bytes: 0, error: { code: 'EIO', message: 'EIO: i/o error' }, ...o });
const conflict = (dest: string, o: Partial<ConflictEvent> = {}): ConflictEvent => ({ type: 'conflict', conflictId: 1, src: '/s' + dest.slice(2), dest, srcSize: 10, srcMtimeMs: 1000.5, destSize: 3, destMtimeMs: 2000, ...o });

test('pairs: each source keeps its name in the destination folder', () => {
  assert.deepEqual(topPairs(['/a/x', '/b/y.txt'], '/d'), [
    { src: '/a/x', dest: '/d/x' },
    { src: '/b/y.txt', dest: '/d/y.txt' },
  ]);
});

test('prior work: a resume keeps what finished; a fresh run keeps nothing', () => {
  const log = [rec({ dest: '/d/t/1' }), failed({ dest: '/d/t/2' }), rec({ dest: '/d/t/3', ok: false, skipped: true }), rec({ dest: '/d/t/2' })];
  const pairs = [{ src: '/s/t', dest: '/d/t' }];
  const resume = priorWork(log, 'resume', pairs);
  assert.deepEqual(resume.kept.map((r) => r.dest).sort(), ['/d/t/1', '/d/t/2', '/d/t/3'], 'the last record per destination counts');
  assert.deepEqual([...resume.finished].sort(), ['/d/t/1', '/d/t/2', '/d/t/3']);
  const fresh = priorWork(log, 'fresh', pairs);
  assert.equal(fresh.kept.length, 0);
  assert.equal(fresh.finished.size, 0);
});

test('prior work: an entry the cancel stopped is done again by a resume (not kept as finished)', () => {
  const log = [rec({ dest: '/d/t/1' }), rec({ dest: '/d/t/a', ok: false, skipped: true, skipReason: 'cancel' }), rec({ dest: '/d/t/b', ok: false, skipped: true, skipReason: 'conflict' })];
  const resume = priorWork(log, 'resume', [{ src: '/s/t', dest: '/d/t' }]);
  assert.deepEqual(resume.kept.map((r) => r.dest).sort(), ['/d/t/1', '/d/t/b']);
  assert.deepEqual([...resume.finished].sort(), ['/d/t/1', '/d/t/b'], 'a skip the user chose stays decided');
});

test('prior work: a retry drops the records it retries, and everything under a retried folder', () => {
  const log = [rec({ dest: '/d/t/ok' }), failed({ dest: '/d/t/bad' }), failed({ type: 'dir', dest: '/d/t/sub' }), rec({ dest: '/d/t/sub/x' })];
  const { kept, finished, retrying } = priorWork(log, 'retry', [{ src: '/s/t/bad', dest: '/d/t/bad' }, { src: '/s/t/sub', dest: '/d/t/sub' }]);
  assert.deepEqual(kept.map((r) => r.dest), ['/d/t/ok']);
  assert.deepEqual([...finished], ['/d/t/ok']);
  assert.deepEqual([...retrying].sort(), ['/d/t/bad', '/d/t/sub']);
});

test('retry pairs: every failure once, a failed folder whole (not its files again)', () => {
  const log = [
    failed({ src: '/s/t/a', dest: '/d/t/a' }),
    failed({ src: '/s/t/b', dest: '/d/t/b' }),
    rec({ src: '/s/t/b', dest: '/d/t/b' }), // retried already: fine now
    failed({ type: 'dir', src: '/s/t/sub', dest: '/d/t/sub' }),
    failed({ src: '/s/t/sub/x', dest: '/d/t/sub/x' }),
    failed({ src: '/s/t/subway', dest: '/d/t/subway' }), // a sibling sharing the prefix
    rec({ src: '/s/t/c', dest: '/d/t/c', ok: false, skipped: true }), // skipped is no failure
  ];
  assert.deepEqual(failedPairs(log), [
    { src: '/s/t/a', dest: '/d/t/a' },
    { src: '/s/t/sub', dest: '/d/t/sub' },
    { src: '/s/t/subway', dest: '/d/t/subway' },
  ]);
  assert.deepEqual(failedPairs([rec({})]), []);
});

test('conflict rules: a fresh run hands the policy to the engine', () => {
  const r = conflictRules('fresh', options({ conflict: 'overwrite' }), new Set(['/d/a']), new Set());
  assert.equal(r.conflict, 'overwrite');
  assert.equal(r.auto, null);
});

test('conflict rules: a resume skips its own finished files and files copied just before the crash', () => {
  const r = conflictRules('resume', options({ conflict: 'ask' }), new Set(['/d/done']), new Set());
  assert.equal(r.conflict, 'ask', 'the engine asks; the rules answer first');
  assert.equal(r.auto!(conflict('/d/done')), 'skip');
  assert.ok(r.suppress.has('/d/done'), 'its skipped record is not news');
  // Same size and mtime (to the millisecond): copied before the crash, not logged yet.
  assert.equal(r.auto!(conflict('/d/unlogged', { destSize: 10, destMtimeMs: 1000.9 })), 'skip');
  assert.equal(r.auto!(conflict('/d/other')), null, "someone else's file: the user is asked");
  // Without preserved times, size and mtime prove nothing.
  const np = conflictRules('resume', options({ conflict: 'ask', preserve: false }), new Set(), new Set());
  assert.equal(np.auto!(conflict('/d/unlogged', { destSize: 10, destMtimeMs: 1000.9 })), null);
});

test("conflict rules: a retry overwrites its own failed copies; 'error' becomes a recorded refusal", () => {
  const r = conflictRules('retry', options({ conflict: 'error' }), new Set(), new Set(['/d/bad']));
  assert.equal(r.auto!(conflict('/d/bad')), 'overwrite');
  assert.equal(r.auto!(conflict('/d/theirs')), 'skip');
  assert.ok(r.asError.has('/d/theirs'), 'recorded as EEXIST, not as skipped');
  assert.equal(conflictRules('retry', options({ conflict: 'newer' }), new Set(), new Set()).auto!(conflict('/d/x')), 'newer');
});

test('runs: one engine job; a verified move renames on its own filesystem and copies, verifies, deletes across', () => {
  const live: LiveSource[] = [
    { pair: { src: '/s/a', dest: '/d/a' }, dev: 1 },
    { pair: { src: '/t/b', dest: '/d/b' }, dev: 2 },
  ];
  const rules = () => conflictRules('fresh', options(), new Set(), new Set());
  const copy = buildRuns('copy', options({ verify: true }), live, 1, rules);
  assert.equal(copy.length, 1);
  assert.deepEqual([copy[0]!.move, copy[0]!.deleteAfterVerify, copy[0]!.pairs.length], [false, false, 2]);
  const move = buildRuns('move', options(), live, 1, rules);
  assert.deepEqual(move.map((r) => [r.move, r.deleteAfterVerify, r.pairs.length]), [[true, false, 2]]);
  const vmove = buildRuns('move', options({ verify: true }), live, 1, rules);
  assert.deepEqual(vmove.map((r) => [r.move, r.deleteAfterVerify, r.pairs.map((p) => p.src)]), [
    [true, false, ['/s/a']],
    [false, true, ['/t/b']],
  ]);
  assert.notEqual(vmove[0]!.suppress, vmove[1]!.suppress, 'each run has its own rules');
  assert.deepEqual(buildRuns('copy', options(), [], 1, rules), [], 'nothing left to copy: no engine job');
});

test('scheduling: one job per device, at most maxDevices devices, in queue order', () => {
  const job = (id: string, state: string, dev: number | null, running = false): Schedulable & { id: string } => ({ id, s: { state }, running: running ? {} : null, dev });
  const q = [job('a', 'running', 1, true), job('b', 'queued', 1), job('c', 'queued', 2), job('d', 'queued', 2), job('e', 'queued', 3), job('f', 'done', 4)];
  assert.deepEqual(startable(q, 2, () => -1).map((j) => j.id), ['c'], 'device 1 is busy; two devices at most');
  assert.deepEqual(startable(q, 3, () => -1).map((j) => j.id), ['c', 'e']);
  // A job whose device is not known yet gets it from devOf (and keeps it).
  const u = job('u', 'queued', null);
  assert.deepEqual(startable([u], 1, () => 7).map((j) => j.id), ['u']);
  assert.equal(u.dev, 7);
  assert.deepEqual(startable([job('x', 'paused', 1, true), job('y', 'queued', 1)], 4, () => -1), [], 'a paused job holds its device');
});

test("self-copy: cp's refusals, on resolved paths", () => {
  const code = (kind: 'copy' | 'move', src: string, realSrc: string, destDir: string, realDest: string) => selfCopyRefusal(kind, src, realSrc, destDir, realDest)?.code ?? null;
  assert.equal(code('copy', '/a', '/a', '/a/b', '/a/b'), 'EINTOSELF');
  assert.equal(code('move', '/a', '/a', '/a', '/a'), 'EINTOSELF');
  assert.equal(code('copy', '/a', '/a', '/link-to-a-child', '/a/b/c'), 'EINTOSELF', 'the destination through a symlink');
  assert.equal(code('copy', '/', '/', '/tmp', '/tmp'), 'EINTOSELF');
  assert.equal(code('copy', '/a/f', '/a/f', '/a', '/a'), 'ESAMEFILE');
  assert.equal(code('move', '/x/f', '/a/f', '/a', '/a'), 'ESAMEFILE', 'the source folder through a symlink');
  assert.equal(code('copy', '/a', '/a', '/ab', '/ab'), null, 'a sibling sharing a prefix');
  assert.equal(code('copy', '/a/link', '/a/link', '/a/link-target/sub', '/a/t/sub'), null, 'a symlink source is copied as a link');
  assert.equal(code('copy', '/a/f', '/a/f', '/b', '/b'), null);
  const e = selfCopyRefusal('move', '/a', '/a', '/a/b', '/a/b')!;
  assert.equal(e.message, "EINTOSELF: cannot move a folder into itself, move '/a' -> '/a/b'");
  assert.equal(selfCopyRefusal('copy', '/a/f', '/a/f', '/a', '/a')!.dest, '/a/f');
});

test('events: at most 3 file batches a tick of at most 2500 records, in queue order', () => {
  const many = (n: number, tag: string) => Array.from({ length: n }, (_, i) => rec({ dest: `/d/${tag}${i}` }) as JobFileRecord);
  const boxes = [
    { id: 'a', pendingFiles: many(6000, 'a') },
    { id: 'b', pendingFiles: [] as JobFileRecord[] },
    { id: 'c', pendingFiles: many(2, 'c') },
    { id: 'd', pendingFiles: many(1, 'd') },
  ];
  let t = takeFileBatches(boxes);
  assert.deepEqual(t.batches.map((b) => [b.jobId, b.records.length]), [['a', 2500], ['c', 2], ['d', 1]]);
  assert.equal(t.more, true);
  assert.equal(boxes[0]!.pendingFiles.length, 3500);
  assert.equal(boxes[0]!.pendingFiles[0]!.dest, '/d/a2500', 'the rest waits, in order');
  t = takeFileBatches(boxes);
  assert.deepEqual(t.batches.map((b) => [b.jobId, b.records.length]), [['a', 2500]]);
  t = takeFileBatches(boxes);
  assert.deepEqual([t.batches.map((b) => b.records.length), t.more], [[1000], false]);
  assert.deepEqual(takeFileBatches(boxes), { batches: [], more: false });
  // More jobs with records than batches in a tick: the next tick goes on.
  const four = ['w', 'x', 'y', 'z'].map((id) => ({ id, pendingFiles: many(1, id) }));
  t = takeFileBatches(four);
  assert.deepEqual([t.batches.length, t.more, four[3]!.pendingFiles.length], [3, true, 1]);
});

test('verification: which records are re-read, and what each outcome makes of the record', () => {
  const o = { verify: true };
  assert.equal(wantsVerify(o, { move: false }, rec({})), true);
  assert.equal(wantsVerify({ verify: false }, { move: false }, rec({})), false);
  assert.equal(wantsVerify(o, { move: true }, rec({})), false, 'a move run: the source is gone');
  assert.equal(wantsVerify(o, { move: false }, rec({ ok: false, skipped: true })), false);
  assert.equal(wantsVerify(o, { move: false }, rec({ type: 'symlink', method: null })), false);
  assert.equal(wantsVerify(o, { move: false }, rec({ method: null, size: 0 })), false, 'nothing was copied');

  const r = rec({});
  assert.deepEqual(verifiedRecord(r, { ok: true, outcome: 'equal' }), { ...r, verified: true });
  const diff = verifiedRecord(r, { ok: false, outcome: 'different', mismatch: true, code: 'EVERIFY', message: "EVERIFY: copy differs, verify '/s/a' -> '/d/a'", syscall: 'verify', path: '/s/a', dest: '/d/a' });
  assert.equal(diff.ok, false);
  assert.equal(diff.verified, false);
  assert.deepEqual(diff.error, { code: 'EVERIFY', message: "EVERIFY: copy differs, verify '/s/a' -> '/d/a'", syscall: 'verify', path: '/s/a', dest: '/d/a' });
  const unread = verifiedRecord(r, { ok: false, outcome: 'unreadable', mismatch: false, code: 'EIO', errno: -5, message: "EIO: cannot read the copy back to verify it (i/o error), read '/d/a'", syscall: 'read', path: '/d/a' });
  assert.equal(unread.ok, false, 'nothing is known about the copy: not done');
  assert.equal(unread.verified, null, 'and not "differs"');
  assert.equal(unread.error?.code, 'EIO');
  assert.equal(unread.error?.errno, -5);
  const cancelled = verifiedRecord(r, { ok: false, outcome: 'cancelled', mismatch: false, code: 'ECANCELED', message: 'ECANCELED: verification cancelled' });
  assert.deepEqual(cancelled, { ...r, verified: null }, 'a cancelled check changes nothing else');
});
