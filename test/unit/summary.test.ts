// A job's numbers as the queue shows them (electron/jobs/summary.ts): pure maths, no engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CopyOptions, JobState } from '../../electron/contract.js';
import { newStoredJob, type StoredJob } from '../../electron/jobs/journal.js';
import { etaSeconds, noVerifyProgress, partialError, storedCounters, summarize, tallyOfStored, SUMMARY_SOURCES, type SummaryInput } from '../../electron/jobs/summary.js';
import { emptyTally, type Tally } from '../../electron/jobs/tally.js';

const MiB = 1 << 20;
const options = (o: Partial<CopyOptions> = {}): CopyOptions => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o });

function input(state: JobState, o: { s?: Partial<StoredJob>; tally?: Partial<Tally>; x?: Partial<SummaryInput> } = {}): SummaryInput {
  const s = { ...newStoredJob({ id: 'j1', kind: 'copy', sources: ['/s/a'], destDir: '/d', options: options(), createdAt: 1 }), state, ...o.s };
  return { s, tally: { ...emptyTally(), ...o.tally }, current: [], conflicts: [], verify: noVerifyProgress(), predictedReflink: 0, rate: 0, ...o.x };
}

test('eta: 0 when nothing is left, unknown without a speed, else whole seconds rounded up', () => {
  assert.equal(etaSeconds(0, 0), 0);
  assert.equal(etaSeconds(10, 0), null);
  assert.equal(etaSeconds(10 * MiB, MiB), 10);
  assert.equal(etaSeconds(10 * MiB + 1, MiB), 11);
});

test('summary: bytes in flight count as done while running, never past the total', () => {
  const x = input('running', {
    s: { bytesTotal: 100 * MiB, filesTotal: 10 },
    tally: { filesDone: 3, bytesDone: 30 * MiB },
    x: { current: [{ src: '/s/a/4', dest: '/d/a/4', size: 10 * MiB, bytes: 4 * MiB, method: 'copy_file_range' }], rate: 2 * MiB },
  });
  const j = summarize(x);
  assert.equal(j.bytesDone, 34 * MiB);
  assert.equal(j.speed, 2 * MiB);
  assert.equal(j.etaSeconds, 33); // 66 MiB at 2 MiB/s
  // A file that grew while copying: done stops at the total (the total follows done).
  const over = summarize(input('running', { s: { bytesTotal: 10 }, tally: { bytesDone: 8 }, x: { current: [{ src: 'a', dest: 'b', size: 5, bytes: 5, method: null }] } }));
  assert.equal(over.bytesDone, 10);
  assert.equal(over.bytesTotal, 10);
  // Finished: in-flight bytes are gone, only the tally counts; no speed and no time left.
  const done = summarize({ ...x, s: { ...x.s, state: 'done' } });
  assert.equal(done.bytesDone, 30 * MiB);
  assert.equal(done.speed, 0);
  assert.equal(done.etaSeconds, null);
});

test('summary: bytes to be reflinked cost no time; a paused job has no speed', () => {
  const x = input('running', { s: { bytesTotal: 100 * MiB }, tally: { bytesDone: 20 * MiB, bytesReflinked: 10 * MiB }, x: { predictedReflink: 50 * MiB, rate: MiB } });
  // 80 MiB left, 40 MiB of which are still to be reflinked: 40 s at 1 MiB/s.
  assert.equal(summarize(x).etaSeconds, 40);
  const paused = summarize({ ...x, s: { ...x.s, state: 'paused' } });
  assert.equal(paused.speed, 0);
  assert.equal(paused.etaSeconds, null);
  // Everything copied: time left is 0 even with no speed measured.
  assert.equal(summarize(input('flushing', { s: { bytesTotal: 5 }, tally: { bytesDone: 5 } })).etaSeconds, 0);
});

test('summary: while verifying, progress and time left are about re-reading', () => {
  const x = input('verifying', {
    s: { bytesTotal: 100 * MiB, options: options({ verify: true }) },
    tally: { bytesDone: 100 * MiB },
    // Both files are read: 60 MiB read is 30 MiB of the copies verified.
    x: { verify: { filesDone: 3, filesTotal: 10, bytesRead: 60 * MiB, bytesTotal: 100 * MiB }, rate: 7 * MiB },
  });
  const j = summarize(x);
  assert.deepEqual(j.verify, { filesDone: 3, filesTotal: 10, bytesDone: 30 * MiB, bytesTotal: 100 * MiB });
  assert.equal(j.etaSeconds, 10); // 70 MiB at 7 MiB/s
  assert.equal(summarize(input('running')).verify, undefined, 'no verify block without verify');
});

test('summary: totals never below what is counted; long source lists are cut', () => {
  const sources = Array.from({ length: SUMMARY_SOURCES + 7 }, (_, i) => `/s/${i}`);
  const j = summarize(input('running', { s: { sources, filesTotal: 2 }, tally: { filesDone: 3, filesFailed: 1 } }));
  assert.equal(j.filesTotal, 4);
  assert.equal(j.sources.length, SUMMARY_SOURCES);
  assert.equal(j.sourcesCount, SUMMARY_SOURCES + 7);
});

test('stored counters round-trip; a partial failure says how many of how many', () => {
  const t: Tally = { ...emptyTally(), filesDone: 7, filesFailed: 2, bytesDone: 700, bytesReflinked: 100, bytesSkipped: 50, byMethod: { reflink: { files: 1, bytes: 100 } } };
  const rich: Tally = { ...t, filesSkipped: 3, foldersFailed: 1, notStarted: 10, verifyFailed: 1, skippedBy: { conflict: 3 }, failedBy: { EIO: 2, EACCES: 1 } };
  const stored = { ...newStoredJob({ id: 'j', kind: 'copy', sources: [], destDir: '/d', options: options(), createdAt: 1 }), ...storedCounters(rich) };
  const back = tallyOfStored(stored);
  for (const k of Object.keys(storedCounters(rich)) as (keyof Tally)[]) assert.deepEqual(back[k], rich[k], k);
  const s = { ...newStoredJob({ id: 'j', kind: 'copy', sources: [], destDir: '/d', options: options(), createdAt: 1 }), ...storedCounters(t) };
  t.byMethod.reflink!.files = 99;
  assert.equal(s.byMethod.reflink!.files, 1, 'a copy, not shared');
  assert.deepEqual(partialError(t, 20), { code: 'EPARTIAL', message: '2 of 20 entries failed, 11 of 20 entries were not started' });
  assert.equal(partialError(t, 0).message, '2 of 9 entries failed', 'unknown total: what was counted');
  assert.equal(partialError({ ...t, filesFailed: 0, foldersFailed: 1, notStarted: 1000, filesDone: 8840 }, 9840).message, '1 folder failed, 1000 of 9840 entries were not started');
});
