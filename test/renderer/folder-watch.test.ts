// A pane's folder watch (renderer/src/lib/folder-watch.ts): a burst of `dir.changed` events is one
// call after the debounce; a folder gone in the burst says so; a new watch ends the old one (its
// late events do nothing) and stop() unwatches.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from './load.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const { M, fake } = rendererSuite(['lib/folder-watch.ts'], ['setTimeout']);

test('FolderWatch: a burst of changes is one call after the quiet; gone is kept through the burst', async () => {
  const calls: boolean[] = [];
  const w: any = new M.FolderWatch('wl', (gone: boolean) => calls.push(gone));
  w.start('/d');
  await settle();
  const id = w.id;
  assert.deepEqual(fake.requests('fs.watch'), [{ path: '/d', watchId: id }]);
  fake.emit('dir.changed', { watchId: id, path: '/d', gone: false });
  mock.timers.tick(M.CHANGE_DEBOUNCE_MS - 1);
  fake.emit('dir.changed', { watchId: id, path: '/d', gone: true });
  fake.emit('dir.changed', { watchId: id, path: '/d', gone: false });
  mock.timers.tick(M.CHANGE_DEBOUNCE_MS - 1);
  assert.deepEqual(calls, [], 'nothing while changes keep coming');
  mock.timers.tick(1);
  assert.deepEqual(calls, [true], 'one call, and the folder went away during the burst');
});

test('FolderWatch: a new watch ends the old one; a late event and a pending change of the old one do nothing; stop() unwatches', async () => {
  const calls: boolean[] = [];
  const w: any = new M.FolderWatch('wr', (gone: boolean) => calls.push(gone));
  w.start('/a');
  const old = w.id;
  fake.emit('dir.changed', { watchId: old, path: '/a', gone: false });
  w.start('/b');
  const now = w.id;
  assert.notEqual(now, old);
  fake.emit('dir.changed', { watchId: old, path: '/a', gone: false });
  mock.timers.tick(M.CHANGE_DEBOUNCE_MS * 2);
  assert.deepEqual(calls, [], 'the old watch says nothing');
  await settle();
  assert.deepEqual(fake.requests('fs.unwatch'), [{ watchId: old }]);
  fake.emit('dir.changed', { watchId: now, path: '/b', gone: false });
  w.stop();
  mock.timers.tick(M.CHANGE_DEBOUNCE_MS * 2);
  assert.deepEqual(calls, [], 'a stopped watch says nothing');
  await settle();
  assert.deepEqual(fake.requests('fs.unwatch'), [{ watchId: old }, { watchId: now }]);
  assert.equal(w.id, null);
});
