// The copy-method log's state (lib/log-manager.svelte.ts) against the fake client: filters fetch
// when set (text once typing pauses), pages load when read and once, older answers never
// overwrite newer ones, and an open log follows finished files at most once a second.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from './load.js';

const { M, fake } = rendererSuite(['lib/log-manager.svelte.ts'], ['setTimeout', 'Date']);

/** A log of `total` records; each answer says which query it was for. */
function serveLog(total: number) {
  fake.handlers['log.read'] = (p: { offset: number; limit: number; text?: string }) => ({
    total,
    records: Array.from({ length: Math.max(0, Math.min(p.limit, total - p.offset)) }, (_, k) => ({ src: `/s/${p.offset + k}`, text: p.text ?? '' })),
  });
}
const reads = () => fake.requests('log.read');
const job = (filesDone: number) => ({ id: 'j', filesDone, filesFailed: 0 });

test('each filter fetches the first page with the query; setting the same value again does not', async () => {
  serveLog(10);
  const log = new M.LogManager();
  log.setFilter('method', 'reflink');
  log.setFilter('fellBack', true);
  log.setFilter('errorsOnly', true);
  log.setFilter('jobId', 'job-1');
  log.setFilter('jobId', 'job-1');
  await settle();
  assert.equal(reads().length, 4);
  assert.deepEqual(reads().at(-1), { method: 'reflink', fellBack: true, errorsOnly: true, jobId: 'job-1', newestFirst: true, offset: 0, limit: M.LOG_PAGE });
  assert.equal(log.filtered, true);
  log.setFilter('method', '');
  log.setFilter('fellBack', false);
  log.setFilter('errorsOnly', false);
  await settle();
  assert.deepEqual(reads().at(-1), { jobId: 'job-1', newestFirst: true, offset: 0, limit: M.LOG_PAGE }, 'empty filters are left out; newest record first');
  assert.equal(log.filtered, false, 'a job is a scope, not a filter');
  assert.equal(log.total, 10);
});

test('the text filter fetches once typing pauses, and is cut to the contract\'s length', async () => {
  serveLog(3);
  const log = new M.LogManager();
  for (const t of ['r', 're', 'ref']) {
    log.setFilter('text', t);
    mock.timers.tick(M.TEXT_DEBOUNCE_MS - 1);
  }
  assert.equal(reads().length, 0);
  mock.timers.tick(1);
  await settle();
  assert.deepEqual(reads().map((p: { text?: string }) => p.text), ['ref']);
  // Another filter set while the typing pauses: one fetch with both.
  log.setFilter('text', 'refl');
  log.setFilter('errorsOnly', true);
  mock.timers.tick(M.TEXT_DEBOUNCE_MS);
  await settle();
  assert.deepEqual(reads().slice(1).map((p: { text?: string; errorsOnly?: boolean }) => [p.text, p.errorsOnly]), [['refl', true]]);
  log.setFilter('text', 'x'.repeat(M.MAX_TEXT + 50));
  assert.equal(log.filters.text.length, M.MAX_TEXT);
});

test('records load by page when read, each page once; an answer to an older query is dropped', async () => {
  serveLog(1200);
  const log = new M.LogManager();
  await log.refresh();
  assert.equal(log.at(3).src, '/s/3');
  assert.equal(log.at(M.LOG_PAGE + 1), undefined, 'page 2 is asked for');
  assert.equal(log.at(M.LOG_PAGE + 2), undefined);
  assert.equal(reads().length, 2, 'once');
  await settle();
  assert.equal(log.at(M.LOG_PAGE + 1).src, `/s/${M.LOG_PAGE + 1}`);

  // A slow answer for "a" arrives after the answer for "ab": the view keeps "ab".
  let releaseA: () => void = () => {};
  fake.handlers['log.read'] = async (p: { text?: string; offset: number }) => {
    if (p.text === 'a') await new Promise<void>((r) => (releaseA = r));
    return { total: p.text === 'a' ? 100 : 1, records: [{ src: `/${p.text}` }] };
  };
  log.setFilter('text', 'a');
  mock.timers.tick(M.TEXT_DEBOUNCE_MS);
  log.setFilter('text', 'ab');
  mock.timers.tick(M.TEXT_DEBOUNCE_MS);
  await settle();
  releaseA();
  await settle();
  assert.equal(log.total, 1);
  assert.equal(log.at(0).src, '/ab');
  assert.equal(log.at(M.LOG_PAGE), undefined, 'older pages were dropped with their query');
});

test('rows read while the text filter waits for the typing to pause are of the list shown: every page of one fetch has its filters', async () => {
  serveLog(1200);
  const log = new M.LogManager();
  await log.refresh();
  log.setFilter('text', 'x');
  assert.equal(log.at(M.LOG_PAGE), undefined, 'page 2 is asked for');
  await settle();
  assert.equal((reads().at(-1) as { text?: string }).text, undefined, 'with the filters of the rows shown');
  assert.equal(log.at(M.LOG_PAGE).text, '');
  mock.timers.tick(M.TEXT_DEBOUNCE_MS);
  await settle();
  assert.equal((reads().at(-1) as { text?: string; offset: number }).text, 'x');
  assert.equal(log.at(0).text, 'x', 'the new list replaced the old one');
  assert.equal(log.at(M.LOG_PAGE), undefined, 'its page 2 is asked for again');
});

test('a failed read is shown in the user\'s terms and cleared by the next good one', async () => {
  fake.handlers['log.read'] = () => {
    throw new fake.FerryError('EACCES', 'permission denied', { syscall: 'open', path: '/data/logs' });
  };
  const log = new M.LogManager();
  await log.refresh();
  assert.equal(log.error, "EACCES: permission denied, open '/data/logs'");
  serveLog(1);
  await log.refresh();
  assert.equal(log.error, null);
});

test('an open log follows finished files at most once a second, and stops when closed', async () => {
  serveLog(5);
  const log = new M.LogManager();
  const close = log.open();
  await settle();
  assert.equal(reads().length, 1, 'fetched when shown');
  fake.emit('job.updated', { jobs: [job(1)] });
  fake.emit('job.updated', { jobs: [job(2)] });
  fake.emit('job.updated', { jobs: [job(3)] });
  mock.timers.tick(M.LOG_REFRESH_MS - 1);
  await settle();
  assert.equal(reads().length, 1, 'not within a second of the last fetch');
  mock.timers.tick(1);
  await settle();
  assert.equal(reads().length, 2, 'then once for all three');
  fake.emit('job.updated', { jobs: [job(3)] });
  mock.timers.tick(5 * M.LOG_REFRESH_MS);
  await settle();
  assert.equal(reads().length, 2, 'no new files, no fetch');
  fake.emit('job.updated', { jobs: [job(4)] });
  close();
  mock.timers.tick(5 * M.LOG_REFRESH_MS);
  fake.emit('job.updated', { jobs: [job(5)] });
  await settle();
  assert.equal(reads().length, 2, 'closed: nothing pending, nothing followed');
});
