// PaneState taking a big folder in (pane.svelte.ts with listing-feed.ts): a backlog of rows is
// merged a slice per macrotask, but the view is published (and so drawn) only once every received
// row is in, not once per slice; the result is the sorted whole.
import { test, before, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: P, fake } = rendererSuite(['lib/pane.svelte.ts', 'lib/listing-feed.ts', 'lib/sort.ts']);
/** The macrotasks the pane schedules, run one at a time by the test. */
let tasks: (() => void)[] = [];
const realSetTimeout = globalThis.setTimeout;
before(() => {
  const store = new Map<string, string>();
  (globalThis as Record<string, unknown>).localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
});
beforeEach(() => {
  tasks = [];
  (globalThis as Record<string, unknown>).setTimeout = (fn: () => void) => (tasks.push(fn), 0);
  fake.handlers['fs.list'] = (p: { path: string; listingId: string }) => ({ listingId: p.listingId, path: p.path, total: 0 });
  fake.handlers['fs.info'] = () => ({ fsType: 'ext4', reflink: false, freeBytes: 1, totalBytes: 2, readOnly: false });
  fake.handlers['fs.watch'] = () => ({});
});
afterEach(() => {
  globalThis.setTimeout = realSetTimeout;
});

const entry = (name: string) => ({ name, path: `/big/${name}`, type: 'file', size: 1, mtimeMs: 0, mode: 0o644, hidden: false });

test('a backlog is merged a slice per macrotask and published once it is all in', () => {
  const pane = new P.PaneState('left');
  void pane.navigate('/big');
  const id = (fake.requests('fs.list').at(-1) as { listingId: string }).listingId;
  const names = Array.from({ length: 3 * P.MERGE_SLICE + 10 }, (_, i) => `f${(i * 7919) % 100_000}`);
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: names.slice(0, 10).map(entry), done: false });
  assert.equal(pane.view.length, 10, 'the first chunk shows at once');
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: names.slice(10).map(entry), done: false });
  assert.equal(pane.view.length, 10);
  const lengths: number[] = [];
  for (let n = 0; tasks.length > 0 && n < 100; n++) {
    tasks.shift()!();
    lengths.push(pane.view.length);
  }
  assert.equal(lengths.length, 3, 'three slices, one per macrotask');
  assert.deepEqual(lengths, [10, 10, names.length], 'the view is published when every received row is in, not once per slice');
  assert.deepEqual(
    pane.view.map((e: { name: string }) => e.name),
    P.sortedView(names.map(entry), { key: 'name', dir: 1 }, false).map((e: { name: string }) => e.name),
  );
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: [], done: true });
  assert.equal(pane.loading, false);
  assert.equal(pane.view.length, names.length);
  pane.dispose();
});

test('rows that come in the pane order are appended as they arrive: all in, the listing completes in that same task', () => {
  const pane = new P.PaneState('left');
  void pane.navigate('/big');
  const id = (fake.requests('fs.list').at(-1) as { listingId: string }).listingId;
  const names = Array.from({ length: 3 * P.MERGE_SLICE + 20 }, (_, i) => `f${String(i).padStart(6, '0')}`);
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: names.slice(0, 10).map(entry), done: false });
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: names.slice(10, -10).map(entry), done: false });
  assert.equal(pane.view.length, 10, 'taken in, not yet published (once per pause)');
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: names.slice(-10).map(entry), done: true });
  assert.equal(pane.loading, false, 'complete without a slice per macrotask');
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), names);
  pane.dispose();
});

test('a chunk out of order after rows in order is merged into its place', () => {
  const pane = new P.PaneState('left');
  void pane.navigate('/big');
  const id = (fake.requests('fs.list').at(-1) as { listingId: string }).listingId;
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: ['a', 'c'].map(entry), done: false });
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: ['d', 'e'].map(entry), done: false });
  fake.emit('dir.entries', { listingId: id, path: '/big', entries: ['b', 'f'].map(entry), done: true });
  while (tasks.length > 0) tasks.shift()!();
  assert.equal(pane.loading, false);
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), ['a', 'b', 'c', 'd', 'e', 'f']);
  pane.dispose();
});

test('the listing is asked in the pane order when that is by name (the engine sorts), as the folder gives it otherwise', () => {
  const pane = new P.PaneState('left');
  const sortOf = () => (fake.requests('fs.list').at(-1) as { sort?: unknown }).sort;
  void pane.navigate('/big');
  assert.deepEqual(sortOf(), { key: 'name', dir: 1 });
  pane.setSort('name');
  void pane.navigate('/big');
  assert.deepEqual(sortOf(), { key: 'name', dir: -1 });
  pane.setSort('size');
  void pane.navigate('/big');
  assert.equal(sortOf(), undefined);
  pane.dispose();
});
