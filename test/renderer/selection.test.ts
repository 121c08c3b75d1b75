// Cursor and marks (lib/selection.ts): commander keys, mouse clicks with modifiers, the implicit
// selection of a plain click, and how a selection follows its paths into a re-sorted or
// re-listed view. Plain functions: no Svelte involved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: S } = rendererSuite(['lib/selection.ts']);

const rows = (...names: string[]) => names.map((name) => ({ name, path: `/d/${name}` }));
const marked = (s: { marked: Set<string> }) => [...s.marked].sort();
const V = rows('a', 'b', 'c', 'd', 'e');

test('cursor moves clamp to the view; Shift extends from the anchor', () => {
  let s = S.moveCursor(S.NO_SELECTION, V, 3);
  assert.equal(s.cursor, 3);
  assert.equal(S.moveCursor(s, V, 99).cursor, 4);
  assert.equal(S.moveCursor(s, V, -5).cursor, 0);
  assert.equal(S.moveCursor(S.NO_SELECTION, [], 3), S.NO_SELECTION, 'an empty view changes nothing');
  s = S.moveCursor(s, V, 1, true);
  assert.deepEqual(marked(s), ['/d/b', '/d/c', '/d/d'], 'range from the anchor (3) to 1');
  assert.equal(s.anchor, 3);
  // A plain move keeps deliberate marks, and the very same set (its readers are not disturbed).
  const moved = S.moveCursor(s, V, 0);
  assert.equal(moved.marked, s.marked);
  assert.equal(moved.anchor, 0);
});

test('plain click selects one row implicitly; plain moves carry it; Ctrl and Shift clicks', () => {
  let s = S.click(S.NO_SELECTION, V, 1, { ctrl: false, shift: false });
  assert.deepEqual(marked(s), ['/d/b']);
  assert.equal(s.implicit, true);
  s = S.moveCursor(s, V, 2);
  assert.deepEqual(marked(s), ['/d/c'], 'the implicit selection follows the cursor');
  // Ctrl+click keeps the clicked row and adds another; a second Ctrl+click removes it.
  s = S.click(s, V, 4, { ctrl: true, shift: false });
  assert.deepEqual(marked(s), ['/d/c', '/d/e']);
  assert.equal(s.implicit, false);
  assert.deepEqual(marked(S.click(s, V, 4, { ctrl: true, shift: false })), ['/d/c']);
  // Shift+click: the range from the anchor (the last Ctrl-clicked row).
  s = S.click(s, V, 1, { ctrl: false, shift: true });
  assert.deepEqual(marked(s), ['/d/b', '/d/c', '/d/d', '/d/e']);
  assert.equal(s.cursor, 1);
  assert.equal(S.click(s, V, 9, { ctrl: false, shift: false }), s, 'a click past the rows changes nothing');
});

test('Insert and Space mark; marks stay put while the cursor moves; targets', () => {
  let s = S.toggleMark(S.NO_SELECTION, V, true);
  s = S.toggleMark(s, V, true);
  assert.deepEqual(marked(s), ['/d/a', '/d/b']);
  assert.equal(s.cursor, 2);
  s = S.moveCursor(s, V, 4);
  assert.deepEqual(marked(s), ['/d/a', '/d/b'], 'deliberate marks do not follow the cursor');
  s = S.toggleMark(S.moveCursor(s, V, 0), V, false);
  assert.deepEqual(marked(s), ['/d/b'], 'Space on a marked row unmarks it');
  assert.equal(s.cursor, 0, 'Space does not move');
  assert.deepEqual(S.targets(s, V).map((r: { name: string }) => r.name), ['b']);
  assert.deepEqual(S.targets(S.clearMarks(s), V).map((r: { name: string }) => r.name), ['a'], 'no marks: the cursor row');
  assert.deepEqual(S.targets(S.NO_SELECTION, []), []);
  assert.equal(S.markAll(s, V).marked.size, 5);
  // Space after a plain click marks on purpose: the click's row is not kept as a mark.
  const clicked = S.click(S.NO_SELECTION, V, 3, { ctrl: false, shift: false });
  assert.deepEqual(marked(S.toggleMark(S.moveCursor(clicked, V, 0), V, false)), ['/d/a']);
});

test('right-click or drag on a row: it becomes the selection unless it is already marked', () => {
  const s = S.markAll(S.NO_SELECTION, V);
  const kept = S.focusRow(s, V, 2);
  assert.equal(kept.marked, s.marked);
  assert.equal(kept.cursor, 2);
  const other = S.focusRow(S.toggleMark(S.NO_SELECTION, V, false), V, 3);
  assert.deepEqual(marked(other), ['/d/d']);
  assert.equal(other.implicit, true);
});

test('a selection follows its paths into a new view; gone rows drop their marks', () => {
  let s = S.click(S.NO_SELECTION, V, 1, { ctrl: false, shift: false });
  s = S.click(s, V, 3, { ctrl: true, shift: false });
  // Re-sorted backwards, and "b" deleted meanwhile.
  const after = rows('e', 'd', 'c', 'a');
  const { selection, focused } = S.follow(s, V, after);
  assert.deepEqual(marked(selection), ['/d/d']);
  assert.equal(after[selection.cursor]?.name, 'd', 'the cursor stays on its row');
  assert.equal(focused, false);
  // Coming up from a folder: the cursor goes to the folder left once it is listed.
  const up = S.follow(S.NO_SELECTION, [], rows('x', 'sub', 'y'), 'sub');
  assert.equal(up.selection.cursor, 1);
  assert.equal(up.focused, true);
  // Nothing moved: the very same selection comes back.
  assert.equal(S.follow(s, V, V).selection, s);
  // The cursor past the end of a shorter view is clamped.
  assert.equal(S.follow(S.moveCursor(S.NO_SELECTION, V, 4), rows('q'), rows('r', 's')).selection.cursor, 1);
  assert.equal(S.selectOnly(V, '/d/zz'), null);
  assert.deepEqual(S.selectOnly(V, '/d/c'), { marked: new Set(['/d/c']), cursor: 2, anchor: 2, implicit: true });
});

test('type-ahead: quick letters form a prefix; a repeated letter cycles', () => {
  const names = rows('alpha', 'beta', 'Bravo', 'bz', 'c');
  const t = new S.TypeAhead();
  assert.equal(t.push('B', 1000), 'b');
  assert.equal(S.findByPrefix(names, 'b', 0), 1);
  assert.equal(S.findByPrefix(names, 'b', 1), 2, 'a single letter starts after the cursor');
  assert.equal(S.findByPrefix(names, 'b', 3), 1, 'and wraps');
  assert.equal(t.push('r', 1500), 'br');
  assert.equal(S.findByPrefix(names, 'br', 2), 2, 'a longer prefix may stay on the cursor row');
  assert.equal(t.active(1500 + S.TYPEAHEAD_MS), true);
  assert.equal(t.active(1501 + S.TYPEAHEAD_MS), false);
  assert.equal(t.push('c', 1501 + S.TYPEAHEAD_MS), 'c', 'a pause starts a new prefix');
  assert.equal(S.findByPrefix(names, 'zz', 0), -1);
  assert.equal(S.findByPrefix([], 'a', 0), -1);
});
