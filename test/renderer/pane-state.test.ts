// PaneState composing its parts (selection.ts, history.ts) against the fake client: remembered
// settings at start, Back/Forward with the cursor on the folder left, a path selected once it is
// listed, and marks that survive cursor moves while the marked size is counted.
import { test, before, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: P, fake } = rendererSuite(['lib/pane.svelte.ts']);
const store = new Map<string, string>();
before(() => {
  (globalThis as Record<string, unknown>).localStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
});
beforeEach(() => {
  store.clear();
  fake.handlers['fs.list'] = (p: { path: string; listingId: string }) => ({ listingId: p.listingId, path: p.path, total: 0 });
  fake.handlers['fs.info'] = () => ({ fsType: 'ext4', reflink: false, freeBytes: 1, totalBytes: 2, readOnly: false });
});

const entry = (dir: string, name: string, type = 'file', size = 1) => ({ name, path: `${dir === '/' ? '' : dir}/${name}`, type, size, mtimeMs: 0, mode: 0o644, hidden: false });

/** Answers the pane's latest listing of `dir` with these entries, complete. */
function list(dir: string, ...entries: ReturnType<typeof entry>[]): void {
  const l = fake.requests('fs.list').filter((p: { path: string }) => p.path === dir).at(-1);
  assert.ok(l, `${dir} was listed`);
  fake.emit('dir.entries', { listingId: l.listingId, path: dir, entries, done: true });
}

test('start: the saved folder and sort when main gave the same start folder; bad saved data is ignored', () => {
  store.set('ferry.pane.left', JSON.stringify({ path: '/saved', arg: '/start', sort: { key: 'size', dir: -1 }, showHidden: true, showPerms: true }));
  const pane = new P.PaneState('left');
  pane.start('/start', '/home');
  assert.equal(pane.path, '/saved');
  assert.deepEqual(pane.sort, { key: 'size', dir: -1 });
  assert.equal(pane.showHidden, true);
  list('/saved', entry('/saved', 'small', 'file', 1), entry('/saved', 'big', 'file', 9));
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), ['big', 'small']);
  pane.dispose();

  store.set('ferry.pane.right', JSON.stringify({ path: '/saved', arg: '/start', sort: { key: 'rm -rf', dir: 2 } }));
  const right = new P.PaneState('right');
  right.start('/elsewhere', '/home');
  assert.equal(right.path, '/elsewhere', 'a new start folder wins over the saved one');
  assert.deepEqual(right.sort, { key: 'name', dir: 1 }, 'an invalid saved sort is not used');
  assert.deepEqual(JSON.parse(store.get('ferry.pane.right')!).path, '/elsewhere', 'and the new folder is saved');
  right.dispose();
});

test('Back and Forward; back up to the parent puts the cursor on the folder left', async () => {
  const pane = new P.PaneState('left');
  await pane.navigate('/p');
  await pane.navigate('/p/child');
  assert.equal(pane.canBack, true);
  assert.equal(pane.canForward, false);
  pane.back();
  assert.equal(pane.path, '/p');
  list('/p', entry('/p', 'a', 'dir'), entry('/p', 'child', 'dir'), entry('/p', 'z', 'dir'));
  assert.equal(pane.cursorEntry.name, 'child');
  assert.equal(pane.canForward, true);
  pane.forward();
  assert.equal(pane.path, '/p/child');
  pane.back();
  await pane.navigate('/q');
  assert.equal(pane.canForward, false, 'a new folder drops the forward part');
  pane.dispose();
});

test('a folder just made is selected once the listing shows it; a new folder ends a click\'s selection', async () => {
  const pane = new P.PaneState('left');
  await pane.navigate('/d');
  list('/d', entry('/d', 'a'), entry('/d', 'b'));
  pane.selectPath('/d/new');
  assert.equal(pane.selected.size, 0);
  pane.refresh();
  list('/d', entry('/d', 'a'), entry('/d', 'b'), entry('/d', 'new', 'dir'));
  assert.deepEqual([...pane.selected], ['/d/new']);
  assert.equal(pane.cursorEntry.name, 'new');
  // The click's implicit selection follows arrow keys here...
  pane.click(1, { ctrl: false, shift: false });
  pane.moveCursor(1);
  assert.equal(pane.selected.size, 1);
  // ...but not into another folder, where nothing was clicked.
  await pane.navigate('/e');
  list('/e', entry('/e', 'x'), entry('/e', 'y'));
  pane.moveCursor(1);
  assert.equal(pane.selected.size, 0);
  assert.deepEqual(pane.targets().map((e: { name: string }) => e.name), ['y']);
  pane.dispose();
});

test('an entry due to be selected once listed is dropped when the user picks another first', async () => {
  const pane = new P.PaneState('left');
  await pane.navigate('/d');
  list('/d', entry('/d', 'a'), entry('/d', 'b'));
  pane.selectPath('/d/a (copy)');
  pane.click(1, { ctrl: false, shift: false });
  pane.refresh();
  list('/d', entry('/d', 'a'), entry('/d', 'a (copy)'), entry('/d', 'b'));
  assert.deepEqual([...pane.selected], ['/d/b'], 'the click made after the paste wins');
  assert.equal(pane.cursorEntry.name, 'b');
  pane.dispose();
});

test('marked size counts marked files only; the marks object is kept while only the cursor moves', async () => {
  const pane = new P.PaneState('left');
  await pane.navigate('/m');
  list('/m', entry('/m', 'dir', 'dir', 4096), entry('/m', 'f1', 'file', 10), entry('/m', 'f2', 'file', 5));
  pane.selectAll();
  assert.equal(pane.selectedBytes, 15);
  const marks = pane.selected;
  pane.moveCursor(2);
  assert.equal(pane.selected, marks);
  pane.setCursor(0, { extend: true });
  assert.equal(pane.selectedBytes, 15, 'Shift+Home from the last row: all three again');
  pane.dispose();
});
