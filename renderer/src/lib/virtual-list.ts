// Framework-free maths for a virtualised list of fixed-height rows.
//
// The list element scrolls over a spacer whose height is the rows' total height, capped below
// the browsers' element-size limit (Chromium ~33.5M px, Firefox ~17.9M px). When the real height
// is larger than the cap, scroll positions are mapped proportionally: a scroll fraction f of the
// spacer shows the rows at fraction f of the real content. Only the visible window of rows is
// rendered, each absolutely positioned at `rowTop(i)` inside the spacer.

/** Spacer heights above this are scaled. */
export const MAX_SCROLL_PX = 8_000_000;

export interface ListGeometry {
  count: number;
  rowHeight: number;
  viewportHeight: number;
  /** Defaults to MAX_SCROLL_PX; tests pass a small cap to exercise the scaled mapping. */
  maxScroll?: number;
}

export interface VisibleWindow {
  /** First rendered row (inclusive) and last (exclusive). */
  start: number;
  end: number;
  /** Top of row `start` inside the spacer, in px; row i sits at `top + (i - start) * rowHeight`. */
  top: number;
}

/** Height of the content if nothing were capped. */
export function realHeight(g: ListGeometry): number {
  return g.count * g.rowHeight;
}

/** Height to give the spacer element. */
export function spacerHeight(g: ListGeometry): number {
  return Math.min(realHeight(g), g.maxScroll ?? MAX_SCROLL_PX);
}

function scrollRange(g: ListGeometry): { real: number; virt: number } {
  const vh = Math.max(0, g.viewportHeight);
  return { real: Math.max(0, realHeight(g) - vh), virt: Math.max(0, spacerHeight(g) - vh) };
}

/** Content offset (px into the real, uncapped content) shown at the top for a scrollTop. */
export function toRealOffset(g: ListGeometry, scrollTop: number): number {
  const { real, virt } = scrollRange(g);
  if (virt <= 0 || real === virt) return Math.min(Math.max(0, scrollTop), real);
  return (Math.min(Math.max(0, scrollTop), virt) / virt) * real;
}

/** The scrollTop that shows real content offset `offset` at the top. */
export function toScrollTop(g: ListGeometry, offset: number): number {
  const { real, virt } = scrollRange(g);
  const o = Math.min(Math.max(0, offset), real);
  if (real <= 0 || real === virt) return o;
  return (o / real) * virt;
}

/** Rows to render for a scroll position, with `overscan` extra rows on each side. */
export function visibleWindow(g: ListGeometry, scrollTop: number, overscan = 4): VisibleWindow {
  if (g.count === 0 || g.rowHeight <= 0) return { start: 0, end: 0, top: 0 };
  // A scrollTop past the end (the list just got shorter) is where the browser clamps it.
  const st = Math.min(Math.max(0, scrollTop), scrollRange(g).virt);
  const offset = toRealOffset(g, st);
  const first = Math.floor(offset / g.rowHeight);
  const shown = Math.ceil(Math.max(0, g.viewportHeight) / g.rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(g.count, first + shown + overscan);
  // Row i's top inside the spacer: where it is relative to the viewport top, plus scrollTop.
  const top = start * g.rowHeight - offset + st;
  return { start, end, top };
}

/**
 * The scrollTop that makes row `index` fully visible, moving as little as possible;
 * null when it already is.
 */
export function revealRow(g: ListGeometry, scrollTop: number, index: number): number | null {
  if (index < 0 || index >= g.count) return null;
  const offset = toRealOffset(g, scrollTop);
  const rowTop = index * g.rowHeight;
  const rowBottom = rowTop + g.rowHeight;
  if (rowTop < offset) return toScrollTop(g, rowTop);
  if (rowBottom > offset + g.viewportHeight) return toScrollTop(g, rowBottom - g.viewportHeight);
  return null;
}

/** Rows that fit in the viewport (for PageUp/PageDown). */
export function pageRows(g: ListGeometry): number {
  return Math.max(1, Math.floor(g.viewportHeight / g.rowHeight) - 1);
}
