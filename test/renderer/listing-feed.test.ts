// A listing's stream and pacing (renderer/src/lib/listing-feed.ts), without Svelte: the first
// chunk is published at once, later ones in spaced batches, a backlog in slices, a re-list only
// when complete; a stopped feed takes nothing more.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mock } from 'node:test';
import { rendererSuite } from './load.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const { M } = rendererSuite(['lib/listing-feed.ts'], ['setTimeout']);

const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => ({ name: `f${from + i}`, path: `/d/f${from + i}`, type: 'file', size: 0, mtimeMs: 0, mode: 0o644, hidden: false }));

/** A feed whose "pane" publishes up to `slice` rows per apply and records what happened. */
function harness(refresh: boolean, slice = Infinity, inOrder = false) {
  const log: string[] = [];
  const f: any = new M.ListingFeed(
    { id: 'ls1', path: '/d', refresh, focusName: null, mark: 'test' },
    {
      apply: () => {
        f.applied = Math.min(f.buf.length, f.applied + slice);
        f.shownOnce = true;
        log.push(`apply ${f.applied}`);
      },
      absorb: () => {
        // The pane appends rows that came in order (else it leaves them to apply).
        if (!inOrder) return;
        f.applied = f.buf.length;
        log.push(`absorb ${f.applied}`);
      },
      received: (n: number, done: boolean) => log.push(`received ${n}${done ? ' done' : ''}`),
      error: (e: { code: string }) => log.push(`error ${e.code}`),
      complete: (applied: boolean) => log.push(`complete ${applied}`),
    },
  );
  let off = 0;
  f.listen(() => off++);
  return { f, log, offs: () => off };
}

test('ListingFeed: the first chunk at once, later chunks together after a pause, the rest on done', () => {
  const { f, log, offs } = harness(false);
  f.feed({ entries: rows(0, 200), done: false });
  assert.deepEqual(log.splice(0), ['received 200', 'apply 200']);
  f.feed({ entries: rows(200, 400), done: false });
  f.feed({ entries: rows(600, 800), done: false });
  assert.deepEqual(log.splice(0), ['received 600', 'received 1400'], 'later chunks wait');
  mock.timers.tick(250);
  assert.deepEqual(log.splice(0), ['apply 1400'], 'merged together');
  f.feed({ entries: rows(1400, 100), done: true });
  assert.deepEqual(log.splice(0), ['received 1500 done', 'apply 1500', 'complete true']);
  assert.equal(offs(), 1, 'its events are unsubscribed');
  assert.equal(f.live, false);
  f.feed({ entries: rows(1500, 5), done: true });
  assert.deepEqual(log, [], 'nothing after completion');
});

test('ListingFeed: later chunks are offered to absorb as they arrive, still published after the pause', () => {
  const { f, log } = harness(false, M.MERGE_SLICE, true);
  f.feed({ entries: rows(0, 200), done: false });
  f.feed({ entries: rows(200, 50_000), done: false });
  f.feed({ entries: rows(50_200, 50_000), done: false });
  assert.deepEqual(log.splice(0), ['received 200', 'apply 200', 'received 50200', 'absorb 50200', 'received 100200', 'absorb 100200']);
  mock.timers.tick(250);
  assert.deepEqual(log.splice(0), ['apply 100200'], 'published once after the pause');
  f.feed({ entries: rows(100_200, 5), done: true });
  assert.deepEqual(log.splice(0), ['received 100205 done', 'apply 100205', 'complete true'], 'no backlog left at the end');
});

test('ListingFeed: a backlog is published a slice per macrotask, complete only once all is in', () => {
  const { f, log } = harness(false, M.MERGE_SLICE);
  f.feed({ entries: rows(0, 10), done: false });
  f.feed({ entries: rows(10, M.MERGE_SLICE * 2 + 5), done: true });
  assert.deepEqual(log.splice(0), ['received 10', 'apply 10', `received ${M.MERGE_SLICE * 2 + 15} done`, `apply ${M.MERGE_SLICE + 10}`]);
  // The next slices follow in later macrotasks (timers of 0 ms), not in this one.
  mock.timers.tick(0);
  assert.deepEqual(log.splice(0), [`apply ${M.MERGE_SLICE * 2 + 10}`, `apply ${M.MERGE_SLICE * 2 + 15}`, 'complete true']);
});

test('ListingFeed: while rows still arrive, a backlog is merged a slice per pause, not back to back', () => {
  const { f, log } = harness(false, M.MERGE_SLICE);
  f.feed({ entries: rows(0, 10), done: false });
  f.feed({ entries: rows(10, M.MERGE_SLICE * 2), done: false });
  log.splice(0);
  mock.timers.tick(0);
  assert.deepEqual(log.splice(0), [], 'the thread stays free for the rows still coming');
  mock.timers.tick(250);
  assert.deepEqual(log.splice(0), [`apply ${M.MERGE_SLICE + 10}`]);
  mock.timers.tick(0);
  assert.deepEqual(log.splice(0), []);
  f.feed({ entries: rows(M.MERGE_SLICE * 2 + 10, 5), done: true });
  mock.timers.tick(0);
  assert.deepEqual(log.splice(0), [`received ${M.MERGE_SLICE * 2 + 15} done`, `apply ${M.MERGE_SLICE * 2 + 10}`, `apply ${M.MERGE_SLICE * 2 + 15}`, 'complete true']);
});

test('ListingFeed: a re-list publishes once, when complete; an error is passed on and the rows stay', () => {
  const { f, log } = harness(true);
  f.feed({ entries: rows(0, 200), done: false });
  f.feed({ entries: rows(200, 300), done: false });
  mock.timers.tick(1000);
  assert.deepEqual(log.splice(0), ['received 200', 'received 500'], 'the old rows stay while it streams');
  f.feed({ entries: [], done: true, error: { code: 'EIO', message: 'i/o error' } });
  assert.deepEqual(log.splice(0), ['received 500 done', 'error EIO', 'apply 500', 'complete true']);
  assert.equal(f.failed, true);
});

test('ListingFeed: stopped, it takes no more rows and publishes nothing pending; finish(false) completes without publishing', () => {
  const a = harness(false);
  a.f.feed({ entries: rows(0, 200), done: false });
  a.f.feed({ entries: rows(200, 200), done: false });
  a.f.stop();
  mock.timers.tick(1000);
  a.f.feed({ entries: rows(400, 200), done: true });
  assert.deepEqual(a.log, ['received 200', 'apply 200', 'received 400']);
  assert.equal(a.offs(), 1);
  const b = harness(false);
  b.f.feed({ entries: rows(0, 200), done: false });
  b.f.finish(false);
  assert.deepEqual(b.log, ['received 200', 'apply 200', 'complete false']);
});
