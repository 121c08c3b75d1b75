// The queue's state (lib/queue-manager.svelte.ts, Svelte runes compiled as in the browser) against
// the fake client: the job list, following new jobs, the selected job's files (paged, merged with
// live events, no repeats), the speed history, conflicts and control errors.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from './load.js';

const { M: Q, fake } = rendererSuite(['lib/queue-manager.svelte.ts'], ['Date']);
beforeEach(() => {
  fake.handlers['jobs.list'] = () => ({ jobs: [] });
});
afterEach(() => {
  for (const stop of running.splice(0)) stop();
});

/** A started manager (stopped after the test). */
const running: (() => void)[] = [];
function started() {
  const q = new Q.QueueManager();
  running.push(q.start());
  return q;
}


const job = (id: string, o: Record<string, unknown> = {}) => ({
  id, kind: 'copy', sources: [`/src/${id}`], destDir: '/dst', state: 'done', createdAt: 0, startedAt: null, finishedAt: null,
  filesTotal: 0, filesDone: 0, filesFailed: 0, bytesTotal: 0, bytesDone: 0, bytesReflinked: 0, speed: 0, etaSeconds: null, byMethod: {}, error: null,
  ...o,
});
const rec = (n: number, o: Record<string, unknown> = {}) => ({
  src: `/src/f${n}`, dest: `/dst/f${n}`, type: 'file', size: 1, bytes: 1, method: 'buffered', attempts: [], sparse: false, ms: 1, ok: true, skipped: false, error: null, warnings: [],
  ...o,
});
const conflict = (jobId: string, conflictId: number) => ({ jobId, conflictId, src: `/s/${conflictId}`, dest: `/d/${conflictId}`, srcSize: 1, srcMtimeMs: 2, destSize: 3, destMtimeMs: 1 });

/** A server holding `records[jobId]`, answering jobs.files pages from them. */
function serveFiles(records: Record<string, ReturnType<typeof rec>[]>) {
  fake.handlers['jobs.files'] = (p: { jobId: string; offset: number; limit: number }) => {
    const all = records[p.jobId] ?? [];
    return { jobId: p.jobId, total: all.length, records: all.slice(p.offset, p.offset + p.limit) };
  };
}
const names = (q: { fileCount: number; fileAt: (i: number) => { src: string } | undefined }) =>
  Array.from({ length: q.fileCount }, (_, i) => q.fileAt(i)!.src.slice(5));

test('start: lists the jobs, shows the newest, loads its files page by page', async () => {
  const many = Array.from({ length: 7000 }, (_, i) => rec(i));
  fake.handlers['jobs.list'] = () => ({ jobs: [job('a'), job('b')] });
  serveFiles({ b: many });
  const q = started();
  await settle();
  await settle();
  assert.deepEqual(q.jobs.map((j: { id: string }) => j.id), ['a', 'b']);
  assert.equal(q.selectedId, 'b');
  assert.equal(q.selected.id, 'b');
  assert.equal(q.fileCount, 7000);
  assert.deepEqual(fake.requests('jobs.files').map((p: { offset: number }) => p.offset), [0, 5000], 'two pages of at most 5000');
  // Live records of the shown job are appended; another job's are not.
  fake.emit('job.files', { jobId: 'b', records: [rec(7000)] });
  fake.emit('job.files', { jobId: 'a', records: [rec(1)] });
  assert.equal(q.fileCount, 7001);
  q.stop();
  fake.emit('job.files', { jobId: 'b', records: [rec(7001)] });
  assert.equal(q.fileCount, 7001, 'stopped: no more events');
});

test('records in a page and again in a later event are shown once (by their seq); a retried file shows again', async () => {
  // The log numbers each job's records (seq 0, 1, …); rec(n) is the job's record n-1.
  const r = (n: number, o: Record<string, unknown> = {}) => rec(n, { seq: n - 1, ...o });
  const server: Record<string, ReturnType<typeof rec>[]> = { j: [r(1), r(2), r(3)] };
  serveFiles(server);
  fake.handlers['jobs.list'] = () => ({ jobs: [job('j'), job('k')] });
  const q = started();
  await settle();
  await q.select('j');
  // The main process logged 2 and 3 before the tick that sends them: the page had them already.
  fake.emit('job.files', { jobId: 'j', records: [r(2), r(3), r(4)] });
  fake.emit('job.files', { jobId: 'j', records: [r(5)] });
  assert.deepEqual(names(q), ['f1', 'f2', 'f3', 'f4', 'f5']);
  // The same again (an event repeated): nothing new. A new record like an earlier one: shown.
  fake.emit('job.files', { jobId: 'j', records: [r(5)] });
  assert.equal(q.fileCount, 5);
  fake.emit('job.files', { jobId: 'j', records: [rec(1, { seq: 5 })] });
  assert.equal(q.fileCount, 6);
  // A failed file retried: same paths, another outcome, right after the page.
  server.k = [r(1, { ok: false, bytes: 0, error: { code: 'EIO', message: 'EIO: i/o error' } })];
  await q.select('k');
  fake.emit('job.files', { jobId: 'k', records: [rec(1, { seq: 1 })] });
  assert.equal(q.fileCount, 2, 'the retry record is not mistaken for the failed one');
});

test('a quick job: its one record in the page and in the event that follows is shown once', async () => {
  const server = { q: [rec(1, { seq: 0 })] };
  serveFiles(server);
  fake.handlers['jobs.list'] = () => ({ jobs: [] });
  const q = started();
  await settle();
  // The new job appears, is followed (selected), and its record comes as an event after the page.
  fake.emit('job.updated', { jobs: [job('q', { state: 'done' })] });
  await settle();
  fake.emit('job.files', { jobId: 'q', records: [rec(1, { seq: 0 })] });
  assert.deepEqual(names(q), ['f1']);
});

test('records that arrive while the pages load are merged without repeats', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  fake.handlers['jobs.files'] = async (p: { jobId: string }) => {
    await gate;
    return { jobId: p.jobId, total: 2, records: [rec(1, { seq: 0 }), rec(2, { seq: 1 })] };
  };
  fake.handlers['jobs.list'] = () => ({ jobs: [] });
  const q = started();
  await settle();
  fake.emit('job.updated', { jobs: [job('j', { state: 'running' })] });
  const loading = q.select('j');
  fake.emit('job.files', { jobId: 'j', records: [rec(2, { seq: 1 }), rec(3, { seq: 2 })] });
  assert.deepEqual(names(q), ['f2', 'f3'], 'shown at once, before the pages');
  release();
  await loading;
  assert.deepEqual(names(q), ['f1', 'f2', 'f3']);
  fake.emit('job.files', { jobId: 'j', records: [rec(3, { seq: 2 }), rec(4, { seq: 3 })] });
  assert.deepEqual(names(q), ['f1', 'f2', 'f3', 'f4']);
});

test('a new job is followed unless the one shown is still running; a removed one is replaced', async () => {
  serveFiles({});
  fake.handlers['jobs.list'] = () => ({ jobs: [job('a')] });
  const q = started();
  await settle();
  assert.equal(q.selectedId, 'a');
  fake.emit('job.updated', { jobs: [job('a'), job('b', { state: 'running' })] });
  assert.equal(q.selectedId, 'b', 'the shown job had finished: follow the new one');
  fake.emit('job.updated', { jobs: [job('a'), job('b', { state: 'running' }), job('c', { state: 'queued' })] });
  assert.equal(q.selectedId, 'b', 'the shown job runs: stay');
  assert.equal(q.activeCount, 1);
  await q.select('a');
  fake.emit('job.updated', { jobs: [job('b'), job('c')] });
  assert.equal(q.selectedId, 'c', 'the shown job was removed: the newest is shown');
  fake.emit('job.updated', { jobs: [] });
  assert.equal(q.selectedId, null);
  assert.equal(q.selected, null);
});

test('speed history: one sample per half second per active job, dropped with the job', async () => {
  const q = started();
  await settle();
  const tick = (speed: number, state = 'running') => fake.emit('job.updated', { jobs: [job('a', { state, speed })] });
  tick(100);
  tick(150);
  mock.timers.tick(499);
  tick(200);
  assert.deepEqual(q.speeds('a'), [100], 'at most one sample per 500 ms');
  mock.timers.tick(1);
  tick(300);
  tick(0, 'done');
  mock.timers.tick(600);
  tick(0, 'done');
  assert.deepEqual(q.speeds('a'), [100, 300], 'finished jobs add no samples');
  for (let i = 0; i < Q.SPEED_SAMPLES + 5; i++) {
    mock.timers.tick(500);
    tick(i);
  }
  assert.equal(q.speeds('a').length, Q.SPEED_SAMPLES);
  assert.equal(q.speeds('a').at(-1), Q.SPEED_SAMPLES + 4);
  fake.emit('job.updated', { jobs: [] });
  assert.deepEqual(q.speeds('a'), []);
});

test('conflicts: from summaries and events, once each; answering hides them at once', async () => {
  const q = started();
  await settle();
  fake.emit('job.conflict', conflict('a', 1));
  assert.equal(q.conflicts.length, 1, 'an event before the summary lists it');
  fake.emit('job.updated', { jobs: [job('a', { state: 'running', conflicts: [conflict('a', 1), conflict('a', 2)] }), job('b', { state: 'running', conflicts: [conflict('b', 7)] })] });
  assert.deepEqual(q.conflicts.map((c: { conflictId: number }) => c.conflictId), [1, 2, 7]);
  await q.resolve(q.conflicts[0], 'skip', false);
  assert.deepEqual(q.conflicts.map((c: { conflictId: number }) => c.conflictId), [2, 7]);
  assert.deepEqual(fake.requests('jobs.resolveConflict'), [{ jobId: 'a', conflictId: 1, decision: 'skip', applyToAll: false }]);
  await q.resolve(q.conflicts[0], 'rename', true);
  assert.deepEqual(q.conflicts.map((c: { conflictId: number }) => c.conflictId), [7], 'apply to all: the rest of job a too');
  // Decided elsewhere (another window): the next summary no longer lists it.
  fake.emit('job.conflict', conflict('b', 8));
  fake.emit('job.updated', { jobs: [job('a'), job('b', { state: 'running', conflicts: [] })] });
  assert.deepEqual(q.conflicts, []);
});

test('a failed request is an error in the user\'s terms, cleared by the next control', async () => {
  fake.handlers['jobs.control'] = (p: { action: string }) => {
    if (p.action === 'pause') throw new fake.FerryError('ENOENT', 'no such job', { path: 'j9' });
    return { jobId: 'j9', state: 'running' };
  };
  const q = new Q.QueueManager();
  await q.control('j9', 'pause');
  assert.equal(q.error, "ENOENT: no such job, 'j9'");
  await q.control('j9', 'resume');
  assert.equal(q.error, null);
});

test('a gap in the live records (the main process holds only so many for us) is read from the log, in order, once', async () => {
  const all = Array.from({ length: 12_000 }, (_, i) => rec(i, { seq: i }));
  const onServer: Record<string, ReturnType<typeof rec>[]> = { g: all.slice(0, 10) };
  fake.handlers['jobs.list'] = () => ({ jobs: [job('g', { state: 'running' })] });
  serveFiles(onServer);
  const q = started();
  await settle();
  await settle();
  assert.equal(q.fileCount, 10);
  fake.emit('job.files', { jobId: 'g', records: all.slice(10, 20) });
  // The main process dropped 20…11,499 from its outbox; the log has them all.
  onServer.g = all;
  fake.emit('job.files', { jobId: 'g', records: all.slice(11_500, 11_600) });
  for (let i = 0; i < 6; i++) await settle();
  fake.emit('job.files', { jobId: 'g', records: all.slice(11_600) });
  await settle();
  assert.equal(q.fileCount, 12_000);
  assert.deepEqual(names(q).slice(0, 3), ['f0', 'f1', 'f2']);
  assert.ok(names(q).every((n: string, i: number) => n === `f${i}`), 'every record once, in order');
  assert.deepEqual(fake.requests('jobs.files').map((p: { offset: number }) => p.offset).slice(1), [20, 5020, 10020]);
});
