// Issue 12's pure renderer rules: what the copy dialog says (totals, methods per kind of pair,
// space with reflinks as free, problems and their choices), honest job numbers and labels, errors
// in plain words that name the side, the queue's order, and a name suggested for "Rename…".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';
import { attemptReason, describeError, failedSide } from '../../native/reasons.js';

const { M } = rendererSuite(['lib/transfer.ts', 'lib/format.ts', 'lib/names.ts', 'lib/queue-manager.svelte.ts']);

const totals = (o: Record<string, unknown> = {}) => ({
  files: 3003, bytes: 1.5 * 2 ** 30, dirs: 12, symlinks: 2, specials: 1, allocated: 2 ** 30, reflinkBytes: 0, needed: 2 ** 30, existing: 0, unreadable: 0, existingSample: [], unreadableSample: [], kinds: [],
  ...o,
});
const check = (o: Record<string, unknown> = {}) => ({
  destDir: '/dst', exists: true, error: null, writable: true, sameFs: 0, missing: [], cannotRemove: [],
  fs: { path: '/dst', fsType: 'xfs', reflink: true, freeBytes: 2 * 2 ** 30, totalBytes: 10 * 2 ** 30, readOnly: false, writable: true },
  ...o,
});

test('totals: files, folders, links and specials apart, never "1 files"', () => {
  assert.equal(M.totalsLine(totals()), '3,000 files · 12 folders · 2 links · 1 special file · 1.5 GiB');
  assert.equal(M.totalsLine(totals({ files: 1, dirs: 0, symlinks: 0, specials: 0, bytes: 5 })), '1 file · 5 B');
});

test('methods per kind of pair: a rename for a move on one filesystem, then folders, links, specials', () => {
  const kinds = [
    { srcFs: 'btrfs', destFs: 'btrfs', op: 'copy', method: 'reflink', chain: ['reflink', 'copy_file_range'], reason: 'same btrfs filesystem: reflink shares extents', files: 2000, bytes: 2 ** 30 },
    { srcFs: 'ext4', destFs: 'btrfs', op: 'copy', method: 'splice', chain: ['reflink', 'copy_file_range', 'splice'], reason: 'different filesystems', files: 1000, bytes: 2 ** 20 },
  ];
  const lines = M.methodLines(totals({ kinds }), 'copy');
  assert.deepEqual(lines.map((l: { method: string | null }) => l.method), ['reflink', 'splice', null, null, null]);
  assert.match(lines[0].what, /^2,000 files, 1\.0 GiB · btrfs → btrfs$/);
  const move = M.methodLines(totals({ kinds: [{ ...kinds[0], op: 'rename', method: null, reason: 'renamed' }] }), 'move');
  assert.deepEqual(move.map((l: { method: string | null }) => l.method), ['rename', 'rename', 'rename', 'rename']);
});

test('space: reflinked bytes count as free; too little space blocks with a choice', () => {
  const sp = M.spaceView(totals({ reflinkBytes: 3 * 2 ** 30, needed: 2 ** 20 }), check(), 'copy');
  assert.equal(sp.fits, true);
  assert.match(sp.text, /needs 1\.0 MiB of 2\.0 GiB free \(xfs\) · 3\.0 GiB reflinked: takes no space/);
  const problems = M.transferProblems({ kind: 'copy', sources: ['/src/a'], destDir: '/dst', check: check(), totals: totals({ needed: 3 * 2 ** 30 }), scanned: true, conflict: 'ask' });
  const space = problems.find((p: { id: string }) => p.id === 'space');
  assert.equal(space.severity, 'block');
  assert.match(space.text, /needs 3\.0 GiB, 2\.0 GiB is free/);
  assert.deepEqual(space.choices.map((c: { id: string }) => c.id), ['edit-dest']);
});

test('problems: a destination you may not write to, names taken (with the conflict choice in force), unreadable entries', () => {
  const denied = check({ writable: false, error: { code: 'EACCES', message: "EACCES: permission denied, access '/dst'", syscall: 'access', path: '/dst', side: 'destination' } });
  const p = M.transferProblems({ kind: 'copy', sources: ['/src/a'], destDir: '/dst', check: denied, totals: totals({ existing: 3, existingSample: ['/src/a/x'], unreadable: 1, unreadableSample: ['/src/a/locked'] }), scanned: true, conflict: 'skip' });
  assert.deepEqual(p.map((x: { id: string }) => x.id), ['destination', 'unreadable', 'existing']);
  assert.equal(p[0].severity, 'block');
  assert.equal(p[0].text, 'You may not create files in /dst: permission denied (EACCES).');
  assert.deepEqual(p[2].paths, ['x']);
  assert.equal(p[2].more, 2);
  assert.deepEqual(p[2].choices.filter((c: { selected?: boolean }) => c.selected).map((c: { id: string }) => c.id), ['conflict:skip']);
  const missing = M.transferProblems({ kind: 'copy', sources: ['/src/a'], destDir: '/nope', check: check({ destDir: '/nope', exists: false, fs: null, error: { code: 'ENOENT', message: 'ENOENT', side: 'destination' } }), totals: null, scanned: false, conflict: 'ask' });
  assert.deepEqual(missing[0].choices.map((c: { id: string }) => c.id), ['create-dest', 'edit-dest']);
  assert.deepEqual(M.transferProblems({ kind: 'copy', sources: ['/dst/a'], destDir: '/dst', check: null, totals: null, scanned: false, conflict: 'ask' }).map((x: { text: string }) => x.text), ['Already in /dst']);
});

test('errors in plain words naming the side, never the code twice', () => {
  const open = { code: 'EACCES', message: "EACCES: permission denied, open '/s/a' -> '/d/a'", syscall: 'open', side: 'destination' as const };
  assert.equal(describeError(open), 'Cannot create it in the destination: permission denied (EACCES)');
  assert.equal(describeError({ ...open, side: 'source' }), 'Cannot read the source: permission denied (EACCES)');
  assert.equal(describeError({ code: 'ENOSPC', message: "ENOSPC: not enough space: needs 300 MiB, 125 MiB free, statfs '/d'", syscall: 'statfs' }), 'Not enough space in the destination: needs 300 MiB, 125 MiB free (ENOSPC)');
  assert.equal(describeError({ code: 'EWEIRD', message: "EWEIRD: something odd, read '/s'", syscall: 'read' }), 'Cannot read the source: something odd (EWEIRD)');
  for (const e of [open, { code: 'EIO', message: 'EIO: i/o error, copy_file_range' }]) assert.doesNotMatch(describeError(e), /(E[A-Z]+): \1/);
  assert.equal(failedSide({ code: 'EIO', syscall: 'copy_file_range' }), null);
  assert.equal(failedSide({ code: 'EROFS', syscall: 'open' }), 'destination');
  assert.equal(attemptReason({ method: 'reflink', outcome: 'unsupported', errno: 'EXDEV' }), 'EXDEV: different filesystems, so reflink and copy_file_range cannot work');
  assert.match(attemptReason({ method: 'copy_file_range', outcome: 'unsupported', errno: 'EXDEV' }), /^EXDEV: different filesystems/);
  assert.equal(attemptReason({ method: 'buffered', outcome: 'ok', errno: null }), 'moved the data');
});

const job = (o: Record<string, unknown> = {}) => ({
  id: 'j', kind: 'copy', sources: ['/s/a'], destDir: '/d', state: 'done', createdAt: 0, startedAt: 1000, finishedAt: 9000,
  filesTotal: 1, filesDone: 1, filesFailed: 0, bytesTotal: 2 ** 30, bytesDone: 2 ** 30, bytesReflinked: 0, speed: 0, etaSeconds: null, byMethod: {}, error: null,
  ...o,
});

test('honest numbers: working time, the speed of bytes really moved, reflinks cloned instantly', () => {
  assert.equal(M.filesProgress(job()), '1 / 1 file');
  assert.equal(M.filesProgress(job({ filesDone: 3, filesTotal: 40 })), '3 / 40 files');
  // 8 s between start and finish, but it worked 100 ms and only cloned: no speed at all.
  assert.equal(M.finishedLine(job({ bytesReflinked: 2 ** 30, activeMs: 100, runBytesMoved: 0, bytesMoved: 0 })), '100 ms · cloned instantly, 1.0 GiB shared');
  // A job that waited on a dialog: its working time, and the bytes it moved over that time.
  assert.equal(M.finishedLine(job({ activeMs: 2000, runBytesMoved: 2 ** 30, bytesMoved: 2 ** 30 })), '2 s, 512 MiB/s');
  // A sparse file: 1 GiB logical, 1 MiB of data in 1 s is 1 MiB/s, not 1 GiB/s.
  assert.equal(M.finishedLine(job({ activeMs: 1000, runBytesMoved: 2 ** 20, bytesMoved: 2 ** 20, sparse: { files: 1, size: 2 ** 30, bytes: 2 ** 20 } })), '1 s, 1.0 MiB/s');
  assert.equal(M.retryLabel(job({ state: 'cancelled' })), 'Resume');
  assert.equal(M.retryLabel(job({ state: 'failed', filesFailed: 2 })), 'Retry failed');
  assert.equal(M.retryLabel(job({ state: 'failed' })), 'Try again');
  assert.equal(M.fsLabel({ fsType: 'xfs', reflink: true, readOnly: false, writable: true }), 'xfs · reflink');
  assert.equal(M.fsLabel({ fsType: 'ext4', reflink: false, readOnly: false, writable: false }), 'ext4 · no write permission here');
});

test('the queue shows running and waiting jobs first (queue order), then finished ones, latest first', () => {
  const jobs = [job({ id: 'old', finishedAt: 1 }), job({ id: 'run', state: 'running' }), job({ id: 'new', finishedAt: 5 }), job({ id: 'wait', state: 'queued' })];
  assert.deepEqual(M.displayOrder(jobs).map((j: { id: string }) => j.id), ['run', 'wait', 'new', 'old']);
});

test('a name for the renamed copy, and Tab completion\'s common start', () => {
  assert.equal(M.suggestName('report.pdf'), 'report (2).pdf');
  assert.equal(M.suggestName('report (2).pdf'), 'report (3).pdf');
  assert.equal(M.suggestName('.bashrc'), '.bashrc (2)');
  assert.equal(M.suggestName('Makefile'), 'Makefile (2)');
  assert.equal(M.commonPrefix(['alpha', 'alpine', 'al-link']), 'al');
  assert.equal(M.commonPrefix([]), '');
});
