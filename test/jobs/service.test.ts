// The job service end to end through its public methods: jobs, conflicts, controls, the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ConflictInfo, FileRecord, JobSummary } from '../../electron/contract.js';
import { Harness, engineWith, listFiles, makeTree, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

test('copy job: done, files equal, records logged and listed', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'tree'), 40, 3000, 10);
  fs.writeFileSync(path.join(src, 'single.txt'), 'hello');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'tree'), path.join(src, 'single.txt')], destDir: dst, options: opts() });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.equal(j.filesDone, 41);
    assert.equal(j.filesTotal, 41);
    assert.equal(j.bytesDone, 40 * 3000 + 5);
    assert.deepEqual(listFiles(path.join(dst, 'tree')), listFiles(path.join(src, 'tree')));
    for (const f of listFiles(path.join(src, 'tree'))) assert.ok(fs.readFileSync(path.join(src, 'tree', f)).equals(fs.readFileSync(path.join(dst, 'tree', f))));
    const files = await h.svc.files({ jobId, offset: 0, limit: 5000 });
    assert.equal(files.records.filter((r) => r.type === 'file').length, 41);
    // The summaries count the job's records in its log (the queue pages them): growing, then all of them.
    assert.equal(h.svc.list().jobs.find((x) => x.id === jobId)?.filesLogged, files.total);
    const counts = h.events.filter((e) => e.event === 'job.updated').map((e) => (e.payload as { jobs: JobSummary[] }).jobs.find((x) => x.id === jobId)?.filesLogged ?? 0);
    assert.ok(counts.every((n, i) => i === 0 || n >= counts[i - 1]!), `never shrinks: ${counts.join(' ')}`);
    assert.equal(counts.at(-1), files.total, 'the last tick has them all');
    const log = await h.svc.logRead({ offset: 0, limit: 5000, jobId });
    assert.equal(log.records.filter((r) => r.type === 'file' && r.ok).length, 41);
    for (const r of log.records) assert.ok(r.type === 'dir' || r.method !== null, `method for ${r.src}`);
    const byMethodFiles = Object.values(j.byMethod).reduce((a, m) => a + (m?.files ?? 0), 0);
    assert.equal(byMethodFiles, 41);
    // The on-disk log is JSON Lines with one record per line.
    const lines = fs.readFileSync(path.join(h.dataDir, 'logs', `${jobId}.jsonl`), 'utf8').trim().split('\n');
    assert.equal(lines.length, log.total);
    const first = JSON.parse(lines[0]!) as Record<string, unknown>;
    for (const k of ['time', 'src', 'dest', 'size', 'type', 'method', 'attempts', 'sparse', 'bytes', 'ms', 'throughput', 'error']) assert.ok(k in first, k);
    // finished-file records reached the renderer through job.files
    const sent = h.events.filter((e) => e.event === 'job.files').flatMap((e) => (e.payload as { records: FileRecord[] }).records);
    assert.equal(sent.filter((r) => r.type === 'file').length, 41);
  } finally {
    await h.dispose();
  }
});

test('refuses a folder into itself and a file onto itself; missing destination', async () => {
  const h = new Harness();
  const src = tmpdir();
  fs.mkdirSync(path.join(src, 'a', 'b'), { recursive: true });
  fs.writeFileSync(path.join(src, 'f'), 'x');
  try {
    await assert.rejects(h.svc.start({ kind: 'copy', sources: [path.join(src, 'a')], destDir: path.join(src, 'a', 'b'), options: opts() }), (e: NodeJS.ErrnoException) => e.code === 'EINTOSELF' && /into itself/.test(e.message));
    await assert.rejects(h.svc.start({ kind: 'copy', sources: [path.join(src, 'f')], destDir: src, options: opts() }), (e: NodeJS.ErrnoException) => e.code === 'ESAMEFILE' && /same file/.test(e.message));
    await assert.rejects(h.svc.start({ kind: 'copy', sources: [path.join(src, 'f')], destDir: path.join(src, 'nope'), options: opts() }), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.path === path.join(src, 'nope'));
    assert.equal(h.svc.list().jobs.length, 0);
  } finally {
    await h.dispose();
  }
});

test("conflict 'ask': a dialog per conflict, apply-to-all decides the rest, nothing overwritten silently", async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 't'), 30, 100, 100);
  fs.mkdirSync(path.join(dst, 't', 'd0'), { recursive: true });
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(dst, 't', 'd0', `f${i}.bin`), 'old');
  let firstConflict: ConflictInfo | null = null;
  h.onEvent = (e) => {
    if (e.event === 'job.conflict' && !firstConflict) firstConflict = e.payload as ConflictInfo;
  };
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: opts() });
    await h.until(() => firstConflict !== null, 'a conflict');
    const c = firstConflict!;
    assert.equal(c.jobId, jobId);
    assert.equal(c.srcSize, 100);
    assert.equal(c.destSize, 3);
    assert.ok(c.srcMtimeMs > 0 && c.destMtimeMs > 0);
    // the job waits: the summary lists the open conflict
    assert.ok(h.job(jobId).conflicts!.some((x) => x.conflictId === c.conflictId));
    assert.deepEqual(h.svc.resolveConflict({ jobId, conflictId: c.conflictId, decision: 'skip', applyToAll: true }), { ok: true });
    assert.deepEqual(h.svc.resolveConflict({ jobId, conflictId: c.conflictId, decision: 'skip', applyToAll: true }), { ok: false });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    const asked = h.events.filter((e) => e.event === 'job.conflict').length;
    assert.ok(asked < 10, `apply-to-all stops asking (asked ${asked} times)`);
    for (let i = 0; i < 10; i++) assert.equal(fs.readFileSync(path.join(dst, 't', 'd0', `f${i}.bin`), 'utf8'), 'old');
    assert.equal(fs.readFileSync(path.join(dst, 't', 'd0', 'f20.bin')).length, 100);
    // Skipped files are never done: 20 copied + 10 skipped (the conflict's decision) = 30.
    assert.deepEqual([j.filesDone, j.filesSkipped, j.filesFailed, j.filesNotStarted, j.filesTotal], [20, 10, 0, 0, 30]);
    assert.deepEqual(j.skippedBy, { conflict: 10 });
    assert.equal(j.bytesSkipped, 10 * 100);
    assert.equal(j.bytesDone, 20 * 100);
  } finally {
    await h.dispose();
  }
});

test("conflict 'rename' keeps both; 'newer' keeps a newer destination", async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'a.txt'), 'new content');
  fs.writeFileSync(path.join(dst, 'a.txt'), 'old');
  fs.writeFileSync(path.join(src, 'b.txt'), 'src-old');
  fs.writeFileSync(path.join(dst, 'b.txt'), 'dest-newer');
  fs.utimesSync(path.join(src, 'b.txt'), new Date(2000, 1, 1), new Date(2000, 1, 1));
  try {
    const r1 = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'a.txt')], destDir: dst, options: opts({ conflict: 'rename' }) });
    assert.equal((await h.finished(r1.jobId)).state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'old');
    const others = fs.readdirSync(dst).filter((n) => n !== 'a.txt' && n !== 'b.txt');
    assert.equal(others.length, 1);
    assert.equal(fs.readFileSync(path.join(dst, others[0]!), 'utf8'), 'new content');
    const r2 = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'b.txt')], destDir: dst, options: opts({ conflict: 'newer' }) });
    assert.equal((await h.finished(r2.jobId)).state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'b.txt'), 'utf8'), 'dest-newer');
  } finally {
    await h.dispose();
  }
});

test('pause before any copy holds the job; resume completes it', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'p'), 3000, 4096, 300);
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'p')], destDir: dst, options: opts() });
    await h.svc.control({ jobId, action: 'pause' }); // still measuring: the engine will start paused
    assert.equal(h.job(jobId).state, 'paused');
    const ticks = () => h.events.filter((e) => e.event === 'job.updated').length;
    let t0 = ticks();
    await h.until(() => ticks() >= t0 + 3, 'ticks');
    const doneAtPause = h.job(jobId).filesDone;
    t0 = ticks();
    await h.until(() => ticks() >= t0 + 5, 'more ticks');
    assert.equal(h.job(jobId).filesDone, doneAtPause, 'no file finished while paused');
    assert.ok(doneAtPause <= 2, `at most the files already in flight (${doneAtPause})`);
    assert.equal(h.job(jobId).speed, 0);
    await h.svc.control({ jobId, action: 'resume' });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.equal(j.filesDone, 3000);
    assert.equal(listFiles(path.join(dst, 'p')).length, 3000);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

/** A file of `mib` MiB with non-repeating content, written in 8 MiB slices. */
function bigFile(p: string, mib: number): void {
  const fd = fs.openSync(p, 'w');
  const chunk = Buffer.alloc(8 << 20);
  for (let i = 0; i < mib / 8; i++) {
    chunk.fill(i % 251);
    chunk.writeUInt32LE(i, 0);
    fs.writeSync(fd, chunk);
  }
  fs.closeSync(fd);
}

test('pause mid-file: the file being copied stops moving until resume', async () => {
  const h = new Harness({ threads: 1 });
  const src = tmpdir();
  const dst = tmpdir();
  bigFile(path.join(src, 'huge.bin'), 768);
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'huge.bin')], destDir: dst, options: opts({ method: 'buffered', fsync: true }) });
    const moving = () => (h.job(jobId).current ?? []).find((c) => c.bytes > 0)?.bytes ?? 0;
    await h.until(() => moving() > 0 || h.job(jobId).state === 'done', 'the file mid-copy');
    await h.svc.control({ jobId, action: 'pause' });
    const ticks = () => h.events.filter((e) => e.event === 'job.updated').length;
    let t0 = ticks();
    await h.until(() => ticks() >= t0 + 3, 'ticks');
    const at = h.job(jobId).bytesDone;
    assert.ok(at > 0 && at < 768 << 20, `paused mid-file (${at} bytes)`);
    t0 = ticks();
    await h.until(() => ticks() >= t0 + 5, 'more ticks');
    assert.equal(h.job(jobId).bytesDone, at, 'no byte moved while paused');
    assert.ok(!fs.existsSync(path.join(dst, 'huge.bin')), 'nothing under the final name yet');
    await h.svc.control({ jobId, action: 'resume' });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.ok(fs.readFileSync(path.join(dst, 'huge.bin')).equals(fs.readFileSync(path.join(src, 'huge.bin'))));
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('cancel stops the job mid-file and leaves no half-written file', async () => {
  const h = new Harness({ threads: 1 });
  const src = tmpdir();
  const dst = tmpdir();
  fs.mkdirSync(path.join(src, 'c'));
  bigFile(path.join(src, 'c', 'huge.bin'), 768);
  for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(src, 'c', `small${i}.txt`), `small ${i}`);
  try {
    // Forced 'buffered' with fsync: slow enough to be caught mid-file.
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'c')], destDir: dst, options: opts({ method: 'buffered', fsync: true }) });
    await h.until(() => (h.job(jobId).current ?? []).some((c) => c.src.endsWith('huge.bin') && c.bytes > 0) || h.job(jobId).state === 'done', 'the big file mid-copy');
    await h.svc.control({ jobId, action: 'cancel' });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'cancelled');
    const copied = listFiles(dst);
    assert.ok(!copied.includes('c/huge.bin'), 'the file being copied is not left under its name');
    for (const f of copied) {
      assert.ok(/^c\/small\d\.txt$/.test(f), `no temp or partial left: ${f}`);
      assert.ok(fs.readFileSync(path.join(dst, f)).equals(fs.readFileSync(path.join(src, f))), `complete: ${f}`);
    }
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('skip abandons the file being copied (no partial left) and the job goes on', async () => {
  const h = new Harness({ threads: 1 });
  const src = tmpdir();
  const dst = tmpdir();
  fs.mkdirSync(path.join(src, 'k'));
  bigFile(path.join(src, 'k', 'a-big.bin'), 768);
  fs.writeFileSync(path.join(src, 'k', 'b-small.txt'), 'small');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'k')], destDir: dst, options: opts({ method: 'buffered', fsync: true }) });
    await h.until(() => (h.job(jobId).current ?? []).some((c) => c.src.endsWith('a-big.bin') && c.bytes > 0) || h.job(jobId).state === 'done', 'the big file mid-copy');
    await h.svc.control({ jobId, action: 'skip' });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    const recs = (await h.svc.logRead({ offset: 0, limit: 10, jobId })).records;
    const big = recs.find((r) => r.src.endsWith('a-big.bin'))!;
    assert.equal(big.skipped, true, JSON.stringify(big));
    assert.ok(!fs.existsSync(path.join(dst, 'k', 'a-big.bin')), 'no partial file');
    assert.equal(fs.readFileSync(path.join(dst, 'k', 'b-small.txt'), 'utf8'), 'small');
    assert.deepEqual(fs.readdirSync(path.join(dst, 'k')), ['b-small.txt']);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('one device runs one job at a time; reorder and remove queued jobs', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'big'), 400, 8192, 100);
  for (const n of ['x', 'y', 'z']) makeTree(path.join(src, n), 3, 10, 10);
  try {
    const a = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'big')], destDir: dst, options: opts() });
    assert.equal(h.job(a.jobId).state, 'scanning');
    await h.svc.control({ jobId: a.jobId, action: 'pause' });
    const x = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'x')], destDir: dst, options: opts() });
    const y = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'y')], destDir: dst, options: opts() });
    const z = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'z')], destDir: dst, options: opts() });
    assert.equal(h.job(x.jobId).state, 'queued', 'same device waits for the paused job');
    await h.svc.control({ jobId: z.jobId, action: 'up' });
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id), [a.jobId, x.jobId, z.jobId, y.jobId]);
    await h.svc.control({ jobId: x.jobId, action: 'down' });
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id), [a.jobId, z.jobId, x.jobId, y.jobId]);
    await h.svc.control({ jobId: y.jobId, action: 'remove' });
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id), [a.jobId, z.jobId, x.jobId]);
    await assert.rejects(h.svc.control({ jobId: a.jobId, action: 'remove' }), (e: NodeJS.ErrnoException) => e.code === 'EBUSY');
    // Order of starts must follow the queue: record when each begins.
    const started: string[] = [];
    h.onEvent = (e) => {
      if (e.event !== 'job.updated') return;
      for (const j of (e.payload as { jobs: JobSummary[] }).jobs) if (j.state !== 'queued' && !started.includes(j.id)) started.push(j.id);
      const running = (e.payload as { jobs: JobSummary[] }).jobs.filter((j) => ['scanning', 'running', 'paused', 'flushing', 'verifying'].includes(j.state));
      assert.ok(running.length <= 1, 'never two jobs at once on one device');
    };
    await h.svc.control({ jobId: a.jobId, action: 'resume' });
    await h.finished(x.jobId);
    await h.finished(z.jobId);
    assert.deepEqual(started.filter((id) => id !== a.jobId), [z.jobId, x.jobId]);
    assert.equal(h.job(a.jobId).state, 'done');
    assert.ok(!fs.existsSync(path.join(dst, 'y')), 'removed job never ran');
  } finally {
    await h.dispose();
  }
});

test('verify: each file is re-read and compared (xxHash64)', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'v'), 20, 50_000, 10);
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'v')], destDir: dst, options: opts({ verify: true }) });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    const recs = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r) => r.type === 'file');
    assert.equal(recs.length, 20);
    assert.ok(recs.every((r) => r.verified === true));
    assert.deepEqual(j.verify, { filesDone: 20, filesTotal: 20, bytesDone: 20 * 50_000, bytesTotal: 20 * 50_000 });
  } finally {
    await h.dispose();
  }
});

test('verify: files of a new folder are verified once the folder has its final name', async () => {
  // The engine builds a new folder under a hidden name and renames it into place when complete,
  // so records name destinations that do not exist yet. This engine wrapper holds the copy for two
  // ticks after the first file record: a verifier that reads at once finds no copy.
  let held = false;
  let unpublished = false;
  let h!: Harness;
  const src = tmpdir();
  const dst = tmpdir();
  const tree = path.join(dst, 'n');
  const holding = engineWith((evs, j) => {
    if (held || !evs.some((e) => e.type === 'files' && e.records.some((r) => r.type === 'file'))) return;
    held = true;
    j.pause();
    unpublished = !fs.existsSync(tree);
    const ticks = () => h.events.filter((e) => e.event === 'job.updated').length;
    const t0 = ticks();
    void h.until(() => ticks() >= t0 + 2, 'two ticks').then(() => j.resume());
  });
  h = new Harness({ engine: holding, threads: 1 });
  makeTree(path.join(src, 'n'), 40, 256 * 1024, 10);
  try {
    // fsync per file: slow enough that the first records arrive long before the folder is done.
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'n')], destDir: dst, options: opts({ verify: true, fsync: true }) });
    const j = await h.finished(jobId);
    assert.ok(held && unpublished, 'the copy was held before the folder got its name');
    const recs = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r) => r.type === 'file');
    assert.equal(j.state, 'done', JSON.stringify([j.error, recs.find((r) => !r.ok)?.error]));
    assert.equal(recs.length, 40);
    assert.ok(recs.every((r) => r.verified === true));
  } finally {
    await h.dispose();
  }
});

test('verify: a copy that cannot be read back is a failure with its read error, not "differs"', async () => {
  // Removes one copy right after the engine reports it done.
  const removing = engineWith((evs) => {
    for (const e of evs) if (e.type === 'files') for (const r of e.records) if (r.src.endsWith('gone.bin') && r.ok) fs.unlinkSync(r.dest);
  });
  const h = new Harness({ engine: removing });
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'gone.bin'), 'will vanish');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'gone.bin')], destDir: dst, options: opts({ verify: true }) });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'failed');
    assert.equal(j.filesFailed, 1);
    assert.equal(j.filesVerifyFailed, 0, 'not counted as a copy that differs');
    const [r] = (await h.svc.logRead({ offset: 0, limit: 10, jobId })).records;
    assert.equal(r!.verified, null);
    assert.equal(r!.ok, false);
    assert.equal(r!.error?.code, 'ENOENT');
    assert.equal(r!.error?.path, path.join(dst, 'gone.bin'));
    assert.match(r!.error!.message, /^ENOENT: cannot read the copy back to verify it/);
  } finally {
    await h.dispose();
  }
});

test('verify catches a destination that differs', async () => {
  // Corrupts one destination right after the engine reports it done.
  const corrupting = engineWith((evs) => {
    for (const e of evs) if (e.type === 'files') for (const r of e.records) if (r.src.endsWith('corrupt.bin') && r.ok) fs.writeFileSync(r.dest, 'garbage!');
  });
  const h = new Harness({ engine: corrupting });
  const src = tmpdir();
  const dst = tmpdir();
  fs.mkdirSync(path.join(src, 'w'));
  fs.writeFileSync(path.join(src, 'w', 'corrupt.bin'), 'original'); // same length as "garbage!"
  fs.writeFileSync(path.join(src, 'w', 'fine.bin'), 'fine');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'w')], destDir: dst, options: opts({ verify: true }) });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'failed');
    assert.equal(j.filesVerifyFailed, 1);
    const recs = (await h.svc.logRead({ offset: 0, limit: 10, jobId })).records.filter((r) => r.type === 'file');
    const bad = recs.find((r) => r.src.endsWith('corrupt.bin'))!;
    assert.equal(bad.verified, false);
    assert.equal(bad.error?.code, 'EVERIFY');
    assert.equal(recs.find((r) => r.src.endsWith('fine.bin'))!.verified, true);
    const errs = await h.svc.logRead({ offset: 0, limit: 10, errorsOnly: true });
    assert.deepEqual(errs.records.map((r) => [r.error?.code, r.scope ?? 'entry']), [['EVERIFY', 'entry'], ['EPARTIAL', 'job']]);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('retry runs again over the failed files only', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'r'), 5, 10, 10);
  fs.mkdirSync(path.join(dst, 'r', 'd0'), { recursive: true });
  fs.writeFileSync(path.join(dst, 'r', 'd0', 'f1.bin'), 'exists');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'r')], destDir: dst, options: opts({ conflict: 'error' }) });
    let j = await h.finished(jobId);
    assert.equal(j.state, 'failed');
    assert.equal(j.filesFailed, 1);
    assert.equal(j.filesDone, 4);
    fs.unlinkSync(path.join(dst, 'r', 'd0', 'f1.bin'));
    await h.svc.control({ jobId, action: 'retry' });
    j = await h.finished(jobId);
    await h.until(() => h.job(jobId).state === 'done', 'retry done');
    j = h.job(jobId);
    assert.equal(j.filesFailed, 0);
    assert.equal(j.filesDone, 5);
    assert.equal(fs.readFileSync(path.join(dst, 'r', 'd0', 'f1.bin')).length, 10);
    const recs = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r) => r.src.endsWith('f1.bin'));
    assert.equal(recs.length, 2, 'the failure and the retry are both in the log');
  } finally {
    await h.dispose();
  }
});
