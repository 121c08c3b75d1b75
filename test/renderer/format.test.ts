// The renderer's one formatting module (lib/format.ts): what the panes, dialogs, queue and log
// print for sizes, counts, times, speeds, jobs and records.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: F } = rendererSuite(['lib/format.ts']);

const job = (o: Record<string, unknown> = {}) => ({
  id: 'j1', kind: 'copy', sources: ['/a/one'], destDir: '/b', state: 'running', createdAt: 0, startedAt: null, finishedAt: null,
  filesTotal: 0, filesDone: 0, filesFailed: 0, bytesTotal: 0, bytesDone: 0, bytesReflinked: 0, speed: 0, etaSeconds: null, byMethod: {}, error: null,
  ...o,
});
const rec = (o: Record<string, unknown> = {}) => ({
  src: '/a/f', dest: '/b/f', type: 'file', size: 10, bytes: 10, method: 'copy_file_range', attempts: [], sparse: false, ms: 5, ok: true, skipped: false, error: null, warnings: [],
  ...o,
});

test('counts, sizes and speeds', () => {
  assert.equal(F.formatCount(1234567), '1,234,567');
  assert.equal(F.formatSize(1536), '1.5 KiB');
  assert.equal(F.plural(1, 'item'), '1 item');
  assert.equal(F.plural(1000, 'entry', 'entries'), '1,000 entries');
  assert.equal(F.formatSpeed(0), '—');
  assert.equal(F.formatSpeed(3 * 1024 * 1024 + 1), '3.0 MiB/s');
});

test('times: dates with and without seconds, ETAs and durations', () => {
  const t = new Date(2024, 4, 1, 13, 7, 9).getTime();
  assert.equal(F.formatDate(t), '2024-05-01 13:07');
  assert.equal(F.formatDate(t, true), '2024-05-01 13:07:09');
  assert.equal(F.formatDate(0), '', 'no time, no text');
  assert.equal(F.formatEta(null), '—');
  assert.equal(F.formatEta(0.2), '< 1 s');
  assert.equal(F.formatEta(41.2), '42 s');
  assert.equal(F.formatEta(185), '3 min 5 s');
  assert.equal(F.formatEta(2 * 3600 + 600), '2 h 10 min');
  assert.equal(F.formatDuration(250.4), '250 ms');
  assert.equal(F.formatDuration(61_000), '1 min 1 s');
});

test('paths: one baseName for panes and queue, parents, normalising', () => {
  assert.equal(F.baseName('/a/b/c.txt'), 'c.txt');
  assert.equal(F.baseName('/a/b/'), 'b');
  assert.equal(F.baseName('/'), '/');
  assert.equal(F.parentOf('/a/b'), '/a');
  assert.equal(F.parentOf('/a'), '/');
  assert.equal(F.joinPath('/', 'x'), '/x');
  assert.equal(F.isInside('/a/bc', '/a/b'), false);
  assert.equal(F.isInside('/a/b/c', '/a/b'), true);
});

test('jobs: state label, subject, progress fraction and average speed', () => {
  assert.equal(F.stateLabel(job()), 'Copying');
  assert.equal(F.stateLabel(job({ kind: 'move' })), 'Moving');
  assert.equal(F.stateLabel(job({ state: 'interrupted' })), 'Interrupted');
  assert.equal(F.jobSubject(job()), 'one');
  assert.equal(F.jobSubject(job({ sources: ['/a/x', '/a/y'], sourcesCount: 12000 })), '12,000 items');
  assert.equal(F.fraction(job({ bytesTotal: 100, bytesDone: 25 })), 0.25);
  // With verify, copying is the first half of the work and re-reading the second.
  assert.equal(F.fraction(job({ bytesTotal: 100, bytesDone: 100, verify: { filesDone: 0, filesTotal: 1, bytesDone: 50, bytesTotal: 100 } })), 0.75);
  assert.equal(F.fraction(job({ filesTotal: 4, filesDone: 1 })), 0.25, 'by files when there are no bytes');
  assert.equal(F.fraction(job({ state: 'done' })), 1);
  assert.equal(F.fraction(job({ bytesTotal: 10, bytesDone: 20 })), 1, 'never past the end');
  // Reflinked and skipped bytes took no time: the average is over the bytes really written
  // (skipped bytes are not in bytesDone: a skipped file is never done).
  const finished = job({ state: 'done', startedAt: 1000, finishedAt: 3000, bytesDone: 8000, bytesReflinked: 4000, bytesSkipped: 2000 });
  assert.equal(F.fraction(job({ bytesTotal: 100, bytesDone: 25, bytesSkipped: 25 })), 0.5, 'skipped bytes are dealt with');
  assert.equal(F.averageSpeed(finished), 2000);
  assert.equal(F.averageSpeed(job({ state: 'done', startedAt: 1000, finishedAt: 1000, bytesDone: 5 })), 0, 'no time, no speed');
  assert.equal(F.averageSpeed(job({ state: 'done', startedAt: 1000, finishedAt: 2000, bytesDone: 5, bytesReflinked: 5 })), 0, 'all reflinked');
});

test('jobs: a stopped job\'s outcome accounts for every entry, with the reasons', () => {
  type Part = { key: string; n: number; text: string; why: string };
  const parts: Part[] = F.jobOutcome(
    job({ state: 'failed', filesTotal: 60, filesDone: 9, filesSkipped: 1, filesFailed: 0, foldersFailed: 1, filesNotStarted: 50, skippedBy: { conflict: 1 }, failedBy: { EPERM: 1 } }),
  );
  assert.deepEqual(
    parts.map((p) => [p.key, p.n, p.text, p.why]),
    [
      ['copied', 9, '9 copied', ''],
      ['skipped', 1, '1 skipped', '1 kept what was at the destination'],
      ['folders', 1, '1 folder failed', '1 EPERM'],
      ['not-started', 50, '50 not started', 'inside a folder that failed'],
    ],
  );
  assert.equal(parts.reduce((n, p) => n + (p.key === 'folders' ? 0 : p.n), 0), 60, 'the entries add up to the total');
  const moved: Part[] = F.jobOutcome(job({ kind: 'move', state: 'cancelled', filesDone: 3, filesNotStarted: 2 }));
  assert.deepEqual(moved.map((p) => p.text), ['3 moved', '2 not started']);
});

test('records: status cell and throughput', () => {
  assert.deepEqual(F.recordStatus(rec()), { text: 'ok', kind: 'ok' });
  assert.deepEqual(F.recordStatus(rec({ verified: true })), { text: 'verified', kind: 'ok' });
  assert.deepEqual(F.recordStatus(rec({ verified: false })), { text: 'verify failed', kind: 'error' });
  assert.deepEqual(F.recordStatus(rec({ skipped: true, warnings: ['exists'] })), { text: 'exists', kind: 'skipped' });
  assert.deepEqual(F.recordStatus(rec({ skipped: true })), { text: 'skipped: kept what was at the destination', kind: 'skipped' });
  assert.deepEqual(F.recordStatus(rec({ skipped: true, skipReason: 'skip-current' })), { text: 'skipped: skipped by you', kind: 'skipped' });
  assert.deepEqual(F.recordStatus(rec({ ok: false, scope: 'job', error: { code: 'ENOSPC', message: 'ENOSPC: not enough space' } })), { text: 'the transfer failed: ENOSPC: not enough space', kind: 'error' });
  const error = { code: 'ENOSPC', message: "ENOSPC: no space left on device, write '/b/f'" };
  // A failure in plain words that name the side (the raw message stays in the row's details).
  assert.deepEqual(F.recordStatus(rec({ ok: false, error })), { text: 'Cannot write the destination: no space left on the device (ENOSPC)', kind: 'error' });
  const denied = { code: 'EACCES', message: "EACCES: permission denied, open '/a' -> '/b'", syscall: 'open', side: 'destination' };
  assert.deepEqual(F.recordStatus(rec({ ok: false, error: denied })), { text: 'Cannot create it in the destination: permission denied (EACCES)', kind: 'error' });
  assert.deepEqual(F.recordStatus(rec({ ok: false })), { text: 'failed', kind: 'error' });
  assert.deepEqual(F.recordStatus(rec({ warnings: ['xattrs not copied', 'sparse lost'] })), { text: 'xattrs not copied; sparse lost', kind: 'warn' });
  assert.equal(F.throughput({ bytes: 1000, ms: 500 }), 2000);
  assert.equal(F.throughput({ bytes: 1000, ms: 0 }), 0);
});
