// Every item accounted for (issue 9, items 4 and 5): an item's failure is that item's record,
// skipped files are never done, and a finished job's copied + skipped + failed + not started
// add up to its total, also across cancel and retry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { JobSummary } from '../../electron/contract.js';
import { Harness, engineWith, isRoot, listFiles, makeTree, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

/** copied + skipped + failed + not started = total. */
function sums(j: JobSummary): void {
  assert.equal(j.filesDone + (j.filesSkipped ?? 0) + j.filesFailed + (j.filesNotStarted ?? 0), j.filesTotal, `the four counts add up: ${JSON.stringify(j)}`);
}

test('a selection with one vanished item copies the rest and says "1 failed"; Retry failed retries it, never drops it', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'a.txt'), 'a');
  makeTree(path.join(src, 'tree'), 5, 100, 10);
  const gone = path.join(src, 'gone.txt');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'a.txt'), gone, path.join(src, 'tree')], destDir: dst, options: opts() });
    let j = await h.finished(jobId);
    assert.equal(j.state, 'failed');
    assert.deepEqual([j.filesDone, j.filesFailed, j.filesTotal], [6, 1, 7]);
    sums(j);
    assert.deepEqual(j.failedBy, { ENOENT: 1 });
    assert.equal(j.error?.message, '1 of 7 entries failed');
    assert.deepEqual(listFiles(dst).length, 6, 'the rest was copied');
    const rec = (await h.svc.logRead({ offset: 0, limit: 100, jobId, errorsOnly: true })).records.find((r) => r.src === gone)!;
    assert.equal(rec.error?.code, 'ENOENT');
    assert.equal(rec.error?.syscall, 'lstat');
    assert.equal(rec.error?.message, `ENOENT: no such file or directory, lstat '${gone}' -> '${path.join(dst, 'gone.txt')}'`);

    // Retry while it is still missing: it fails again, it is not dropped.
    await h.svc.control({ jobId, action: 'retry' });
    await h.until(() => h.job(jobId).state !== 'failed', 'the retry to start');
    j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(j.state, 'failed', 'never "done" while the item is missing');
    assert.deepEqual([j.filesDone, j.filesFailed, j.filesTotal], [6, 1, 7]);
    const tries = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r) => r.src === gone);
    assert.equal(tries.length, 2, 'each attempt is in the log');

    fs.writeFileSync(gone, 'back');
    await h.svc.control({ jobId, action: 'retry' });
    await h.until(() => h.job(jobId).state !== 'failed', 'the retry to start');
    j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.deepEqual([j.filesDone, j.filesFailed, j.filesTotal], [7, 0, 7]);
    assert.equal(fs.readFileSync(path.join(dst, 'gone.txt'), 'utf8'), 'back');
  } finally {
    await h.dispose();
  }
});

test('a folder that fails at mkdir: 1 folder failed and its files "not started"; skipped files say why; the counts add up', { skip: !isRoot && 'needs root (chattr +i)' }, async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 't', 'ok'), 10, 100, 100);
  makeTree(path.join(src, 't', 'sub'), 50, 100, 10);
  fs.mkdirSync(path.join(dst, 't', 'ok', 'd0'), { recursive: true });
  fs.writeFileSync(path.join(dst, 't', 'ok', 'd0', 'f0.bin'), 'mine');
  // t exists and cannot be changed: mkdir t/sub fails (EPERM); t/ok, which exists, still takes files.
  execFileSync('chattr', ['+i', path.join(dst, 't')]);
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: opts({ conflict: 'skip' }) });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'failed');
    assert.deepEqual(
      { done: j.filesDone, skipped: j.filesSkipped, failed: j.filesFailed, folders: j.foldersFailed, notStarted: j.filesNotStarted, total: j.filesTotal },
      { done: 9, skipped: 1, failed: 0, folders: 1, notStarted: 50, total: 60 },
    );
    sums(j);
    assert.deepEqual(j.skippedBy, { conflict: 1 });
    assert.deepEqual(j.failedBy, { EPERM: 1 });
    assert.equal(j.error?.message, '1 folder failed, 50 of 60 entries were not started');
    assert.equal(fs.readFileSync(path.join(dst, 't', 'ok', 'd0', 'f0.bin'), 'utf8'), 'mine');
    const errs = (await h.svc.logRead({ offset: 0, limit: 100, jobId, errorsOnly: true })).records;
    assert.deepEqual(errs.map((r) => [r.type, r.error?.code, r.scope ?? 'entry']), [['dir', 'EPERM', 'entry'], ['dir', 'EPARTIAL', 'job']]);
  } finally {
    execFileSync('chattr', ['-i', path.join(dst, 't')]);
    await h.dispose();
  }
});

test('retry after cancel: never more done than the total, bytes never past the total, and it ends exactly done', async () => {
  const src = tmpdir();
  const dst = tmpdir();
  const N = 3000;
  makeTree(path.join(src, 'c'), N, 2048, 300);
  let cancelled = false;
  let jobId = '';
  const h: Harness = new Harness({
    engine: engineWith((evs) => {
      if (!cancelled && jobId && evs.some((e) => e.type === 'files' && e.records.length > 0)) {
        cancelled = true;
        void h.svc.control({ jobId, action: 'cancel' });
      }
    }),
  });
  const seen: JobSummary[] = [];
  h.onEvent = (e) => {
    if (e.event === 'job.updated') for (const j of (e.payload as { jobs: JobSummary[] }).jobs) seen.push(j);
  };
  try {
    jobId = (await h.svc.start({ kind: 'copy', sources: [path.join(src, 'c')], destDir: dst, options: opts() })).jobId;
    let j = await h.finished(jobId);
    assert.equal(j.state, 'cancelled');
    assert.ok(j.filesDone < N, `cancelled mid-job (${j.filesDone} done)`);
    sums(j);
    await h.svc.control({ jobId, action: 'retry' });
    await h.until(() => h.job(jobId).state !== 'cancelled', 'the retry to start');
    j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.deepEqual([j.filesDone, j.filesSkipped, j.filesFailed, j.filesNotStarted, j.filesTotal], [N, 0, 0, 0, N]);
    assert.equal(j.bytesDone, N * 2048);
    assert.equal(j.bytesTotal, N * 2048);
    for (const s of seen) {
      assert.ok(s.filesDone + (s.filesSkipped ?? 0) + s.filesFailed <= s.filesTotal, `never more than the total: ${s.filesDone}/${s.filesTotal}`);
      assert.ok(s.filesTotal <= N, `the total never grows past the ${N} files (${s.filesTotal})`);
      assert.ok(s.bytesDone <= s.bytesTotal, `bytes never past the total: ${s.bytesDone}/${s.bytesTotal}`);
    }
    assert.equal(listFiles(path.join(dst, 'c')).length, N);
  } finally {
    await h.dispose();
  }
});
