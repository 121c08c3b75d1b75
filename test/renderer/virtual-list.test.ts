// The one virtual list's maths (lib/virtual-list.ts), at the sizes the queue and the log meet:
// the spacer stays below the browsers' element-size limit, every row stays reachable, and only a
// window of rows is rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: L } = rendererSuite(['lib/virtual-list.ts']);

/** Firefox's limit is the smaller of the two (about 17.9M px; Chromium about 33.5M). */
const BROWSER_LIMIT = 17_800_000;

test('the cap is below the browsers\' limit; lists under it are not scaled', () => {
  assert.ok(L.MAX_SCROLL_PX < BROWSER_LIMIT);
  const g = { count: 100_000, rowHeight: 24, viewportHeight: 480 };
  assert.equal(L.spacerHeight(g), 2_400_000, '100k queue rows fit unscaled');
  assert.equal(L.toRealOffset(g, 960_000), 960_000);
  const w = L.visibleWindow(g, 960_000);
  assert.equal(w.start, 40_000 - 4, 'four rows of overscan above the first one shown');
  assert.ok(w.end - w.start <= 480 / 24 + 1 + 8, `a window of rows (${w.end - w.start})`);
  assert.equal(w.top, w.start * 24);
});

test('2 million rows: scaled scrolling reaches both ends and any row, rows stay contiguous', () => {
  const g = { count: 2_000_000, rowHeight: 24, viewportHeight: 600 };
  assert.equal(L.spacerHeight(g), L.MAX_SCROLL_PX);
  const maxTop = L.MAX_SCROLL_PX - 600;
  const first = L.visibleWindow(g, 0, 0);
  assert.deepEqual([first.start, first.top], [0, 0]);
  const last = L.visibleWindow(g, maxTop, 0);
  assert.equal(last.end, 2_000_000, 'the last row is rendered at the bottom');
  // Row i sits at top + (i - start) * rowHeight: the last row ends exactly at the spacer's end.
  assert.ok(Math.abs(last.top + (last.end - last.start) * 24 - L.MAX_SCROLL_PX) < 1e-6);
  for (const row of [1, 777_777, 1_999_999]) {
    const st = L.revealRow(g, maxTop / 2, row);
    assert.ok(st !== null && st >= 0 && st <= maxTop, `row ${row}: scrollTop ${st}`);
    const w = L.visibleWindow(g, st, 0);
    assert.ok(w.start <= row && row < w.end, `row ${row} is rendered at scrollTop ${st}`);
    const y = w.top + (row - w.start) * 24 - st;
    assert.ok(y >= -1e-6 && y + 24 <= 600 + 1e-6, `row ${row} is inside the viewport (${y})`);
    assert.equal(L.revealRow(g, st, row), null, 'and revealing it again does not scroll');
  }
});

test('edge cases: empty list, short list, page size, out-of-range scroll positions', () => {
  assert.deepEqual(L.visibleWindow({ count: 0, rowHeight: 24, viewportHeight: 300 }, 0), { start: 0, end: 0, top: 0 });
  const short = { count: 3, rowHeight: 24, viewportHeight: 300 };
  assert.deepEqual(L.visibleWindow(short, 500), { start: 0, end: 3, top: 0 }, 'a stale scrollTop (the list shrank): all rows from the top');
  const shrunk = { count: 100, rowHeight: 24, viewportHeight: 240 };
  const w = L.visibleWindow(shrunk, 1_000_000, 0);
  assert.equal(w.end, 100);
  assert.equal(w.top + (w.end - w.start) * 24, 2400, 'the last rows end at the spacer\'s end, where the browser shows them');
  assert.equal(L.revealRow(short, 0, 2), null);
  assert.equal(L.revealRow(short, 0, 3), null, 'no such row');
  assert.equal(L.pageRows({ count: 100, rowHeight: 24, viewportHeight: 240 }), 9);
  assert.equal(L.pageRows({ count: 100, rowHeight: 24, viewportHeight: 0 }), 1);
  assert.equal(L.visibleWindow({ count: 100, rowHeight: 24, viewportHeight: 240 }, -50).start, 0);
});
