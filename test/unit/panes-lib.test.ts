// The renderer's pane logic without a browser: the framework-free modules (list maths, sorting,
// names, transfer rules, formatting) and PaneState itself (runes compiled by Svelte's compiler)
// against an in-memory fake of the client. Bundled at test time by test/renderer/load.ts, because
// the renderer is not part of the Node build.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { loadRenderer } from '../renderer/load.js';

// What the bundle exports (typed loosely: the modules' own types live in the renderer build).
/* eslint-disable @typescript-eslint/no-explicit-any */
let M: any;

before(async () => {
  M = await loadRenderer(['lib/virtual-list.ts', 'lib/sort.ts', 'lib/names.ts', 'lib/transfer.ts', 'lib/format.ts', 'lib/pane.svelte.ts']);
  // localStorage for PaneState's persistence.
  const store = new Map<string, string>();
  (globalThis as Record<string, unknown>).localStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
});

const E = (name: string, type = 'file', size = 0, dir = '/d') => ({ name, path: `${dir}/${name}`, type, size, mtimeMs: 0, mode: 0o644, hidden: name.startsWith('.') });

test('virtual list: window, reveal, and the capped (scaled) scroll height', () => {
  const g = { count: 100, rowHeight: 20, viewportHeight: 100 };
  assert.deepEqual(M.visibleWindow(g, 0, 0), { start: 0, end: 6, top: 0 });
  assert.equal(M.visibleWindow(g, 210, 0).start, 10);
  assert.equal(M.revealRow(g, 0, 10), 120);
  assert.equal(M.revealRow(g, 300, 10), 200);
  assert.equal(M.revealRow(g, 200, 12), null);
  // 10 million rows would be 220M px: the spacer is capped and positions map proportionally.
  const big = { count: 10_000_000, rowHeight: 22, viewportHeight: 600, maxScroll: 1_000_000 };
  assert.equal(M.spacerHeight(big), 1_000_000);
  assert.ok(M.spacerHeight({ ...big, maxScroll: undefined }) <= M.MAX_SCROLL_PX);
  const end = M.visibleWindow(big, 1_000_000 - 600, 0);
  assert.equal(end.end, 10_000_000, 'the last row is reachable');
  assert.equal(Math.round(end.top + (end.end - 1 - end.start) * 22 + 22), 1_000_000, 'and ends at the spacer bottom');
  const st = M.revealRow(big, 0, 5_000_000);
  const w = M.visibleWindow(big, st, 0);
  assert.ok(w.start <= 5_000_000 && w.end > 5_000_000);
  assert.equal(Math.round(M.toRealOffset(big, M.toScrollTop(big, 5_000_000))), 5_000_000);
});

test('sorting: folders first, natural case-insensitive names, direction, hidden filter', () => {
  const entries = [E('b'), E('a', 'dir'), E('.h'), E('A10'), E('a9'), E('z', 'dir')];
  assert.deepEqual(M.sortedView(entries, { key: 'name', dir: 1 }, false).map((e: { name: string }) => e.name), ['a', 'z', 'a9', 'A10', 'b']);
  assert.deepEqual(M.sortedView(entries, { key: 'name', dir: -1 }, true).map((e: { name: string }) => e.name), ['z', 'a', 'b', 'A10', 'a9', '.h']);
  const sized = [E('x', 'file', 5), E('y', 'file', 1), E('w', 'file', 3)];
  assert.deepEqual(M.sortedView(sized, { key: 'size', dir: 1 }, false).map((e: { name: string }) => e.name), ['y', 'w', 'x']);
});

test('merging a sorted view with a new chunk equals sorting everything', () => {
  const names = Array.from({ length: 3000 }, (_, i) => `n${(i * 7919) % 3001}${i % 7 === 0 ? '.dir' : ''}`);
  const all = names.map((n, i) => E(n, n.endsWith('.dir') ? 'dir' : 'file', (i * 37) % 101));
  // Big chunks are merged in one pass, small ones placed by binary search.
  for (const chunk of [700, 7]) {
    for (const spec of [{ key: 'name', dir: 1 }, { key: 'size', dir: -1 }]) {
      let view = M.sortedView(all.slice(0, 500), spec, false);
      for (let i = 500; i < all.length; i += chunk) view = M.mergeSorted(view, all.slice(i, i + chunk), spec, false);
      assert.deepEqual(view.map((e: { path: string }) => e.path), M.sortedView(all, spec, false).map((e: { path: string }) => e.path));
    }
  }
});

test('chunks that come in order (the engine sends the pane order) cost one pass each to check, and a row out of place is still put right', () => {
  const spec = { key: 'name', dir: 1 };
  const ordered = M.sortedView(Array.from({ length: 20_000 }, (_, i) => E(`f${i}`, i % 500 === 0 ? 'dir' : 'file')), spec, false);
  // Comparisons counted through reads of `type` (isDirLike reads it for both sides of each).
  let reads = 0;
  const counted = (e: ReturnType<typeof E>) => {
    const type = e.type;
    return Object.defineProperty({ ...e }, 'type', { get: () => (reads++, type), enumerable: true });
  };
  const rows = ordered.map(counted);
  let view: unknown[] = [];
  for (let i = 0; i < rows.length; i += 2000) view = M.mergeSorted(view, rows.slice(i, i + 2000), spec, false);
  assert.deepEqual(view, rows);
  assert.ok(reads <= 5 * rows.length, `${reads} reads of type for ${rows.length} rows: more than one comparison a row`);
  // Out of place: a later chunk holding rows that belong earlier, and a chunk out of order in itself.
  const late = [...ordered.slice(0, 3000), ...ordered.slice(4000, 6000), ...ordered.slice(3000, 4000).reverse(), ...ordered.slice(6000)];
  view = [];
  for (let i = 0; i < late.length; i += 1500) view = M.mergeSorted(view, late.slice(i, i + 1500), spec, false);
  assert.deepEqual(view.map((e) => (e as { path: string }).path), ordered.map((e: { path: string }) => e.path));
});

test('names, transfer verdicts, uri lists and formatting', () => {
  assert.equal(M.validateName('', new Set()), 'Name must not be empty');
  assert.equal(M.validateName('a/b', new Set()), 'Name must not contain "/"');
  assert.equal(M.validateName('..', new Set()), 'Name must not be "." or ".."');
  assert.equal(M.validateName('x', new Set(['x'])), '"x" already exists');
  assert.equal(M.validateName('x', new Set(['x']), 'x'), null);
  assert.equal(M.validateName('é'.repeat(128), new Set()), 'Name is longer than 255 bytes');
  assert.deepEqual(M.transferVerdict('copy', ['/a/x'], '/a'), { ok: false, label: 'Already in /a' });
  assert.equal(M.transferVerdict('move', ['/a/x'], '/a/x/y').ok, false);
  assert.equal(M.transferVerdict('move', ['/a/x', '/a/y'], '/b').label, 'Move 2 items to /b');
  assert.equal(M.transferVerdict('copy', ['/a/x'], '/b').label, 'Copy "x" to /b');
  assert.deepEqual(M.pathsFromUriList('# c\r\nfile:///tmp/a%20b\r\nhttp://x/y\r\n'), ['/tmp/a b']);
  const s = M.summarizeMethods([
    { method: 'reflink' }, { method: 'reflink' }, { method: 'copy_file_range' }, { method: null },
  ]);
  assert.equal(s.text, '3 files: 2 reflink, 1 copy_file_range (+ 1 folder or special entry)');
  assert.equal(M.normalizePath('/a//b/../c/./'), '/a/c');
  assert.equal(M.formatMode(0o40755, 'dir'), 'drwxr-xr-x');
  assert.equal(M.formatMode(0o1777, 'dir'), 'drwxrwxrwt');
  assert.equal(M.formatSize(1536), '1.5 KiB');
  assert.deepEqual(M.crumbs('/a/b').map((c: { path: string }) => c.path), ['/', '/a', '/a/b']);
});

/** Starts a listing of `dir` in a fresh PaneState and returns it with the listing id it used. */
async function listed(dir: string) {
  const pane = new M.PaneState('left');
  M.fake.calls.length = 0;
  await pane.navigate(dir);
  const call = M.fake.calls.find((c: { name: string }) => c.name === 'fs.list');
  assert.ok(call, 'fs.list was requested');
  return { pane, id: call.params.listingId as string };
}

test('PaneState: streamed chunks show at once, sorted, and complete on done', async () => {
  const { pane, id } = await listed('/d');
  assert.equal(pane.loading, true);
  M.fake.emit('dir.entries', { listingId: id, path: '/d', entries: [E('b'), E('a')], done: false });
  M.flushSync();
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), ['a', 'b'], 'first chunk shown immediately');
  M.fake.emit('dir.entries', { listingId: 'someone-else', path: '/d', entries: [E('zzz')], done: true });
  M.fake.emit('dir.entries', { listingId: id, path: '/d', entries: [E('sub', 'dir'), E('.h')], done: true });
  M.flushSync();
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), ['sub', 'a', 'b']);
  assert.equal(pane.loading, false);
  assert.equal(pane.hiddenCount, 1);
  pane.toggleHidden();
  assert.equal(pane.view.length, 4);
  pane.dispose();
});

test('PaneState: click, Ctrl+click, Shift+click, marks, targets and select all', async () => {
  const { pane, id } = await listed('/d');
  M.fake.emit('dir.entries', { listingId: id, path: '/d', entries: ['a', 'b', 'c', 'd', 'e'].map((n) => E(n)), done: true });
  pane.click(1, { ctrl: false, shift: false });
  assert.deepEqual([...pane.selected], ['/d/b']);
  pane.click(3, { ctrl: false, shift: true });
  assert.deepEqual([...pane.selected].sort(), ['/d/b', '/d/c', '/d/d']);
  pane.click(2, { ctrl: true, shift: false });
  assert.deepEqual([...pane.selected].sort(), ['/d/b', '/d/d']);
  pane.clearSelection();
  assert.deepEqual(pane.targets().map((e: { name: string }) => e.name), ['c'], 'no marks: the cursor entry');
  pane.setCursor(0);
  pane.toggleMark(true);
  pane.toggleMark(true);
  assert.deepEqual([...pane.selected].sort(), ['/d/a', '/d/b']);
  assert.equal(pane.cursor, 2);
  pane.selectAll();
  assert.equal(pane.selected.size, 5);
  // Type-ahead jumps to the next name with that prefix.
  pane.typeahead('d', 1000);
  assert.equal(pane.cursorEntry.name, 'd');
  pane.dispose();
});

test('PaneState: a re-list after dir.changed keeps marks and cursor by path, drops vanished entries', async () => {
  const { pane, id } = await listed('/d');
  M.fake.emit('dir.entries', { listingId: id, path: '/d', entries: ['a', 'b', 'c'].map((n) => E(n)), done: true });
  pane.setCursor(2);
  pane.click(0, { ctrl: true, shift: false });
  pane.click(2, { ctrl: true, shift: false });
  M.fake.calls.length = 0;
  pane.refresh();
  const relist = M.fake.calls.find((c: { name: string }) => c.name === 'fs.list');
  // Old rows stay until the new listing is complete (no flicker), then marks follow paths.
  M.fake.emit('dir.entries', { listingId: relist.params.listingId, path: '/d', entries: [E('0-new'), E('c')], done: false });
  assert.equal(pane.view.length, 3);
  M.fake.emit('dir.entries', { listingId: relist.params.listingId, path: '/d', entries: [], done: true });
  assert.deepEqual(pane.view.map((e: { name: string }) => e.name), ['0-new', 'c']);
  assert.deepEqual([...pane.selected], ['/d/c']);
  assert.equal(pane.cursorEntry.name, 'c');
  pane.dispose();
});

test('PaneState: a failed listing is an inline error, and up() puts the cursor on the folder left', async () => {
  M.fake.handlers['fs.list'] = async (p: { path: string }) => {
    if (p.path === '/denied') throw new M.fake.FerryError('EACCES', 'permission denied', { path: p.path });
    return { listingId: 'x', path: p.path, total: 0 };
  };
  try {
    const pane = new M.PaneState('right');
    await pane.navigate('/denied');
    await new Promise((r) => setImmediate(r));
    assert.equal(pane.error?.code, 'EACCES');
    assert.equal(pane.loading, false);
    M.fake.calls.length = 0;
    await pane.navigate('/p/child');
    pane.up();
    const list = M.fake.calls.filter((c: { name: string }) => c.name === 'fs.list').pop();
    assert.equal(list.params.path, '/p');
    M.fake.emit('dir.entries', { listingId: list.params.listingId, path: '/p', entries: [E('a', 'dir', 0, '/p'), E('child', 'dir', 0, '/p')], done: true });
    assert.equal(pane.cursorEntry.name, 'child');
    assert.equal(pane.canBack, true);
    pane.dispose();
  } finally {
    delete M.fake.handlers['fs.list'];
  }
});

test('naturalKey: the same keys as the rule spelled as a regular expression (digit runs without leading zeros, prefixed by their length)', () => {
  const reference = (name: string) =>
    name.toLowerCase().replace(/\d+/g, (d) => {
      const s = d.replace(/^0+/, '') || '0';
      return String.fromCharCode(0x30 + Math.min(s.length, 60)) + s;
    });
  const alphabet = ['0', '0', '00', '1', '9', '5', '0000000000', '1'.repeat(70), 'a', 'B', '-', '.', 'é', 'İ', ' '];
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  for (let k = 0; k < 5000; k++) {
    const name = Array.from({ length: rand(7) }, () => alphabet[rand(alphabet.length)]).join('');
    assert.equal(M.naturalKey(name), reference(name), JSON.stringify(name));
  }
});
