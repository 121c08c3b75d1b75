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
/** Reads every row (as the table would, scrolling), letting each page that is asked for arrive. */
async function names(q: { fileCount: number; fileAt: (i: number) => { src: string } | undefined }): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < q.fileCount; i++) {
    let r = q.fileAt(i);
    if (!r) {
      await settle();
      r = q.fileAt(i);
    }
    out.push(r ? r.src.slice(5) : '?');
  }
  return out;
}
const offsets = () => fake.requests('jobs.files').map((p: { offset: number }) => p.offset);

test('start: no job.files events for this page; the newest job is shown, counted by its first page, and only the pages of rows read are fetched', async () => {
  const many = Array.from({ length: 7000 }, (_, i) => rec(i));
  fake.handlers['jobs.list'] = () => ({ jobs: [job('a'), job('b')] });
  serveFiles({ b: many });
  const q = started();
  await settle();
  await settle();
  assert.deepEqual(fake.requests('jobs.fileEvents'), [{ send: false }], 'the page pages its records instead of taking every one');
  assert.deepEqual(q.jobs.map((j: { id: string }) => j.id), ['a', 'b']);
  assert.equal(q.selectedId, 'b');
  assert.equal(q.selected.id, 'b');
  assert.equal(q.fileCount, 7000);
  assert.deepEqual(offsets(), [0], 'one page: the rows on screen');
  assert.equal(q.fileAt(0).src, '/src/f0');
  assert.equal(q.fileAt(6999), undefined, 'not loaded yet: asked for');
  q.fileAt(6998);
  await settle();
  assert.equal(q.fileAt(6999).src, '/src/f6999');
  assert.deepEqual(offsets(), [0, Math.floor(6999 / Q.FILES_PAGE) * Q.FILES_PAGE], 'the last page, once');
  // A job.files event (another client's, an older server) changes nothing here.
  fake.emit('job.files', { jobId: 'b', records: [rec(7000)] });
  assert.equal(q.fileCount, 7000);
});

test('the count grows with the ticks of the shown job (not another job\'s); a partial page is fetched again only once the count has passed it', async () => {
  const server: Record<string, ReturnType<typeof rec>[]> = { j: [rec(0), rec(1), rec(2)], k: [] };
  serveFiles(server);
  fake.handlers['jobs.list'] = () => ({ jobs: [job('k'), job('j', { state: 'running', filesLogged: 3 })] });
  const q = started();
  await settle();
  await settle();
  assert.equal(q.selectedId, 'j');
  assert.deepEqual(await names(q), ['f0', 'f1', 'f2']);
  assert.deepEqual(offsets(), [0]);
  // Read again without a new count: no request.
  q.fileAt(2);
  q.fileAt(3);
  await settle();
  assert.deepEqual(offsets(), [0], 'nothing new: no request');
  server.j!.push(rec(3), rec(4));
  fake.emit('job.updated', { jobs: [job('k', { filesLogged: 9 }), job('j', { state: 'running', filesLogged: 5 })] });
  assert.equal(q.fileCount, 5, 'the shown job\'s count, from its summary');
  assert.deepEqual(offsets(), [0], 'no fetch until a row needs it');
  assert.deepEqual(await names(q), ['f0', 'f1', 'f2', 'f3', 'f4']);
  assert.deepEqual(offsets(), [0, 0], 'the partial page, once');
  // A failed file retried: the log has a second record for it, shown as well.
  server.j!.push(rec(1, { seq: 5 }));
  fake.emit('job.updated', { jobs: [job('k'), job('j', { state: 'done', filesLogged: 6 })] });
  assert.deepEqual(await names(q), ['f0', 'f1', 'f2', 'f3', 'f4', 'f1']);
  q.stop();
  fake.emit('job.updated', { jobs: [job('j', { state: 'done', filesLogged: 7 })] });
  assert.equal(q.fileCount, 6, 'stopped: no more ticks');
});

test('a quick job: it appears, is followed, and its records are counted by its first page', async () => {
  serveFiles({ q: [rec(1, { seq: 0 })] });
  fake.handlers['jobs.list'] = () => ({ jobs: [] });
  const q = started();
  await settle();
  fake.emit('job.updated', { jobs: [job('q', { state: 'done' })] });
  await settle();
  assert.deepEqual(await names(q), ['f1']);
});

test('a page of a job no longer shown is dropped', async () => {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  fake.handlers['jobs.files'] = async (p: { jobId: string }) => {
    if (p.jobId === 'slow') await gate;
    return { jobId: p.jobId, total: 1, records: [rec(p.jobId === 'slow' ? 1 : 2)] };
  };
  fake.handlers['jobs.list'] = () => ({ jobs: [] });
  const q = started();
  await settle();
  const first = q.select('slow');
  await q.select('fast');
  release();
  await first;
  assert.deepEqual(await names(q), ['f2']);
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
