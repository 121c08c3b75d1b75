// A pane's cursor and marks as plain data and pure functions, testable without Svelte. PaneState
// holds one `Selection` in a `$state.raw` field and replaces it with what these functions return
// (the same object when nothing changed, and the same `marked` set when only the cursor moved, so
// readers of the marks are not disturbed by cursor moves).
//
// Rows are the pane's sorted view; marks are kept by path, so they survive re-sorting and
// re-listing. Commander habits: Insert/Space mark, Shift extends a range from the anchor, Ctrl
// toggles. A plain click selects one row "implicitly": plain cursor moves then carry that
// selection along, as in a desktop file manager, until the user marks something on purpose.

export interface Row {
  readonly path: string;
  readonly name: string;
}

export interface Selection {
  /** Paths of the marked rows. */
  readonly marked: ReadonlySet<string>;
  /** Index of the cursor row in the view. */
  readonly cursor: number;
  /** Where a Shift range starts. */
  readonly anchor: number;
  /** The marks were made by a plain click: plain cursor moves carry them along. */
  readonly implicit: boolean;
}

export const NO_SELECTION: Selection = { marked: new Set(), cursor: 0, anchor: 0, implicit: false };

function clamp(i: number, n: number): number {
  return Math.max(0, Math.min(n - 1, i));
}

function range(rows: readonly Row[], a: number, b: number): Set<string> {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  const out = new Set<string>();
  for (let i = lo; i <= hi; i++) {
    const r = rows[i];
    if (r) out.add(r.path);
  }
  return out;
}

/** The cursor to row i (clamped); with `extend`, the marks become the range from the anchor. */
export function moveCursor(s: Selection, rows: readonly Row[], i: number, extend = false): Selection {
  if (rows.length === 0) return s;
  const cursor = clamp(i, rows.length);
  if (extend) return { marked: range(rows, s.anchor, cursor), cursor, anchor: s.anchor, implicit: false };
  return { marked: s.implicit ? new Set([rows[cursor]!.path]) : s.marked, cursor, anchor: cursor, implicit: s.implicit };
}

/** A mouse click on row i: plain selects it alone, Ctrl toggles it, Shift selects the range. */
export function click(s: Selection, rows: readonly Row[], i: number, mods: { ctrl: boolean; shift: boolean }): Selection {
  const row = rows[i];
  if (!row) return s;
  if (mods.shift) return { marked: range(rows, s.anchor, i), cursor: i, anchor: s.anchor, implicit: false };
  if (mods.ctrl) {
    // Ctrl+click after a plain click keeps the clicked row and adds (or removes) this one.
    const marked = new Set(s.implicit ? [] : s.marked);
    const current = rows[s.cursor]?.path;
    if (s.implicit && current !== undefined && s.marked.has(current)) marked.add(current);
    if (marked.has(row.path)) marked.delete(row.path);
    else marked.add(row.path);
    return { marked, cursor: i, anchor: i, implicit: false };
  }
  return { marked: new Set([row.path]), cursor: i, anchor: i, implicit: true };
}

/** Row i becomes the cursor and, unless it is marked, the only selected row (right-click, drag start). */
export function focusRow(s: Selection, rows: readonly Row[], i: number): Selection {
  const row = rows[i];
  if (!row) return s;
  if (s.marked.has(row.path)) return { ...s, cursor: i, anchor: i };
  return { marked: new Set([row.path]), cursor: i, anchor: i, implicit: true };
}

/** Insert/Space: toggles the mark on the cursor row; with `advance` (Insert) the cursor moves down. */
export function toggleMark(s: Selection, rows: readonly Row[], advance: boolean): Selection {
  const row = rows[s.cursor];
  if (!row) return s;
  const marked = new Set(s.implicit ? [] : s.marked);
  if (s.marked.has(row.path) && !s.implicit) marked.delete(row.path);
  else marked.add(row.path);
  const cursor = advance ? Math.min(rows.length - 1, s.cursor + 1) : s.cursor;
  return { marked, cursor, anchor: advance ? cursor : s.anchor, implicit: false };
}

export function markAll(s: Selection, rows: readonly Row[]): Selection {
  return { ...s, marked: new Set(rows.map((r) => r.path)), implicit: false };
}

export function clearMarks(s: Selection): Selection {
  return { ...s, marked: new Set(), implicit: false };
}

/** The row with this path as cursor and only selection; null when the view has no such row. */
export function selectOnly(rows: readonly Row[], path: string): Selection | null {
  const i = rows.findIndex((r) => r.path === path);
  return i < 0 ? null : { marked: new Set([path]), cursor: i, anchor: i, implicit: true };
}

/**
 * Where `row` is in `rows`: the same object (a view re-sorted or merged with more rows keeps its
 * row objects: a comparison of references), else a row with its path (a re-list made new ones).
 */
function indexOfRow(rows: readonly Row[], row: Row): number {
  const i = rows.indexOf(row);
  if (i >= 0) return i;
  const p = row.path;
  return rows.findIndex((r) => r.path === p);
}

/**
 * The selection carried from view `before` to view `after` (re-sorted, filtered, re-listed): the
 * cursor and the anchor stay on their paths, marks of rows that are gone are dropped. With
 * `focusName`, the cursor goes to the row of that name instead when there is one (`focused`).
 */
export function follow(
  s: Selection,
  before: readonly Row[],
  after: readonly Row[],
  focusName: string | null = null,
): { selection: Selection; focused: boolean } {
  const cursorRow = before[s.cursor];
  const anchorRow = before[s.anchor];
  let found = focusName !== null ? after.findIndex((r) => r.name === focusName) : -1;
  const focused = found >= 0;
  if (found < 0 && cursorRow !== undefined) found = indexOfRow(after, cursorRow);
  const cursor = Math.max(0, Math.min(found < 0 ? s.cursor : found, after.length - 1));
  let anchor = s.anchor;
  if (anchorRow !== undefined) {
    const a = indexOfRow(after, anchorRow);
    anchor = a < 0 ? cursor : a;
  }
  let marked = s.marked;
  if (marked.size > 0) {
    const present = new Set<string>();
    for (const r of after) if (marked.has(r.path)) present.add(r.path);
    if (present.size !== marked.size) marked = present;
  }
  const same = cursor === s.cursor && anchor === s.anchor && marked === s.marked;
  return { selection: same ? s : { marked, cursor, anchor, implicit: s.implicit }, focused };
}

/** What an operation acts on: the marked rows in view order, or else the cursor row. */
export function targets<R extends Row>(s: Selection, rows: readonly R[]): R[] {
  if (s.marked.size > 0) return rows.filter((r) => s.marked.has(r.path));
  const c = rows[s.cursor];
  return c ? [c] : [];
}

// ------------------------------------------------------------------ type-ahead

export const TYPEAHEAD_MS = 900;

/**
 * Letters typed in quick succession (each within TYPEAHEAD_MS of the last) form a prefix; the
 * caller jumps to the first row whose name starts with it (`findByPrefix`).
 */
export class TypeAhead {
  #text = '';
  #at = -Infinity;

  /** Adds a typed character; returns the prefix typed so far (lower case). */
  push(ch: string, now: number): string {
    this.#text = now - this.#at > TYPEAHEAD_MS ? ch : this.#text + ch;
    this.#at = now;
    return this.#text.toLowerCase();
  }

  /** Whether a sequence is in progress (a Space then belongs to it). */
  active(now: number): boolean {
    return this.#text.length > 0 && now - this.#at <= TYPEAHEAD_MS;
  }
}

/**
 * The first row from `cursor` on (wrapping) whose name starts with `prefix`, case-insensitive, or
 * -1. A single letter starts after the cursor, so repeating it cycles through the rows with it.
 */
export function findByPrefix(rows: readonly Row[], prefix: string, cursor: number): number {
  const n = rows.length;
  const from = prefix.length === 1 ? cursor + 1 : cursor;
  for (let k = 0; k < n; k++) {
    const i = (from + k) % n;
    if (rows[i]!.name.toLowerCase().startsWith(prefix)) return i;
  }
  return -1;
}

// ------------------------------------------------------------------ by pattern

/** The rows for which `pick` is true get marked (`on`) or unmarked; other marks stay. */
export function markWhere<R extends Row>(s: Selection, rows: readonly R[], pick: (r: R) => boolean, on: boolean): Selection {
  const marked = new Set(s.implicit ? [] : s.marked);
  let changed = s.implicit && s.marked.size > 0;
  for (const r of rows) {
    if (!pick(r)) continue;
    if (on && !marked.has(r.path)) {
      marked.add(r.path);
      changed = true;
    } else if (!on && marked.delete(r.path)) changed = true;
  }
  return changed ? { ...s, marked, implicit: false } : s;
}

/** Every row's mark flipped. */
export function invertMarks(s: Selection, rows: readonly Row[]): Selection {
  const was = s.implicit ? new Set<string>() : s.marked;
  const marked = new Set<string>();
  for (const r of rows) if (!was.has(r.path)) marked.add(r.path);
  return { ...s, marked, implicit: false };
}
