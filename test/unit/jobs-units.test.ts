// Small pure parts of the job service: speed window, tallies (what counts towards speed), CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField } from '../../electron/jobs/log-store.js';
import { encodeAttempts, fellBack } from '../../native/types.js';
import { SpeedMeter } from '../../electron/jobs/speed.js';
import { count, emptyTally, LiveTally, tallyAll } from '../../electron/jobs/tally.js';
import { fileRecord as rec } from './fixtures.js';

test('speed: slope over the last 3 s window, 0 when stalled', () => {
  const m = new SpeedMeter(3000);
  m.sample(0, 0);
  m.sample(1_000_000, 1000);
  m.sample(2_000_000, 2000);
  assert.equal(m.speed(2000), 1_000_000);
  m.sample(2_000_000, 5000); // nothing moved for 3 s: old samples leave the window
  m.sample(2_000_000, 5500);
  assert.equal(m.speed(5500), 0);
  assert.equal(m.speed(9000), 0, 'stalled');
});

test('tally: skipped entries are never done; reflinked bytes never count as copied (speed, ETA)', () => {
  const t = emptyTally();
  count(t, rec({ dest: '/d/1', method: 'reflink', attempts: [{ method: 'reflink', outcome: 'ok', errno: null, bytes: 100 }] }));
  count(t, rec({ dest: '/d/2', ok: false, skipped: true, method: null, bytes: 0 }));
  count(t, rec({ dest: '/d/2b', ok: false, skipped: true, skipReason: 'skip-current', method: null, bytes: 0 }));
  count(t, rec({ dest: '/d/3' }));
  count(t, rec({ dest: '/d/4', ok: false, error: { code: 'EIO', message: 'x' }, method: null, bytes: 0 }));
  count(t, rec({ dest: '/d', type: 'dir', size: 0, bytes: 0, method: null, attempts: [] }));
  count(t, rec({ dest: '/d/sub', type: 'dir', ok: false, error: { code: 'EACCES', message: 'x' }, notStarted: { files: 1000, bytes: 5 }, method: null }));
  count(t, rec({ dest: '/d', type: 'dir', ok: false, scope: 'job', error: { code: 'ENOSPC', message: 'x' } }));
  assert.deepEqual(
    [t.filesDone, t.filesSkipped, t.filesFailed, t.foldersFailed, t.notStarted],
    [2, 2, 1, 1, 1000],
    'done, skipped, failed, folders failed, not started; a job-level record counts nowhere',
  );
  assert.equal(t.bytesDone, 200);
  assert.equal(t.bytesReflinked, 100);
  assert.equal(t.bytesSkipped, 200);
  assert.equal(t.bytesCopied, 100);
  assert.deepEqual(t.skippedBy, { conflict: 1, 'skip-current': 1 });
  assert.deepEqual(t.failedBy, { EIO: 1, EACCES: 1 });
  assert.deepEqual(t.byMethod, { reflink: { files: 1, bytes: 100 }, copy_file_range: { files: 1, bytes: 100 } });
  // A later record for the same destination (a retry) replaces the earlier failure.
  const { tally } = tallyAll([rec({ ok: false, error: { code: 'EIO', message: 'x' } }), rec({})]);
  assert.equal(tally.filesFailed, 0);
  assert.equal(tally.filesDone, 1);
  assert.deepEqual(tally.failedBy, {});
});

test('live tally: the last record per destination counts, whatever the order of runs', () => {
  const live = new LiveTally();
  // A cancelled run: 3 copied, 1 skipped when the cancel answered its conflict.
  for (const d of ['a', 'b', 'c']) live.add(rec({ dest: `/d/${d}` }));
  live.add(rec({ dest: '/d/x', ok: false, skipped: true, skipReason: 'cancel', method: null }));
  // The retry reports all four again (three of them skipped as finished, x copied now).
  for (const d of ['a', 'b', 'c']) live.add(rec({ dest: `/d/${d}` }));
  live.add(rec({ dest: '/d/x' }));
  assert.deepEqual([live.t.filesDone, live.t.filesSkipped, live.t.bytesDone], [4, 0, 400], 'never more done than entries');
  assert.deepEqual(live.t.skippedBy, {});
  live.add(rec({ dest: '/d/a', ok: false, error: { code: 'EIO', message: 'x' } }));
  assert.deepEqual([live.t.filesDone, live.t.filesFailed], [3, 1], 'a copy found not on disk becomes a failure');
});

test('log encoding: attempts chain, fell-back predicate, CSV quoting', () => {
  const r = rec({
    method: 'splice',
    attempts: [
      { method: 'copy_file_range', outcome: 'unsupported', errno: 'EXDEV', bytes: 0 },
      { method: 'splice', outcome: 'ok', errno: null, bytes: 100 },
    ],
  });
  assert.equal(encodeAttempts(r.attempts), 'copy_file_range:EXDEV>splice:ok');
  assert.equal(fellBack(r), true);
  assert.equal(fellBack(rec({})), false);
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\nlines'), '"two\nlines"');
});

test('live tally: the engine\'s corrections of a published tree (replaces) take the place of the records they name', () => {
  // A new tree's final name was taken while the job ran; the policy ('rename') put it under
  // "t (1)": each entry's correction names the record it replaces. Counted once, at its new place.
  const live = new LiveTally();
  for (const d of ['a', 'b']) live.add(rec({ dest: `/d/t/${d}` }));
  for (const d of ['a', 'b']) live.add(rec({ dest: `/d/t (1)/${d}`, replaces: `/d/t/${d}` }));
  assert.deepEqual([live.t.filesDone, live.t.bytesDone], [2, 200], 'never counted twice');
  assert.equal(live.get('/d/t/a'), undefined, 'the replaced record is gone');
  // 'skip': the tree was removed, its entries end skipped (same destination, a correction).
  live.add(rec({ dest: '/d/t (1)/a', ok: false, skipped: true, skipReason: 'conflict', method: null, replaces: '/d/t (1)/a' }));
  assert.deepEqual([live.t.filesDone, live.t.filesSkipped], [1, 1]);
  // A recount from the log agrees.
  const { tally } = tallyAll([rec({ dest: '/d/t/a' }), rec({ dest: '/d/t (1)/a', replaces: '/d/t/a' })]);
  assert.equal(tally.filesDone, 1);
});

test('tally: a copy whose source changed while it was read is done, and counted as changed', () => {
  const live = new LiveTally();
  live.add(rec({ dest: '/d/grow', changed: true, warnings: ['changed during copy: size 10 → 20 while it was read'] }));
  live.add(rec({ dest: '/d/same' }));
  assert.deepEqual([live.t.filesDone, live.t.changed], [2, 1]);
  live.add(rec({ dest: '/d/grow' })); // a retry copied it unchanged
  assert.equal(live.t.changed, 0);
});
