// Sorting of directory entries: folders (and links to folders) first, then by the chosen column,
// ties broken by name. Names compare "naturally" (file2 < file10, case-insensitive) through a
// precomputed key per entry, so sorting 100,000 entries is a plain string sort (a collator-based
// comparator is several times slower).
import type { DirEntry } from '../../../electron/contract';
import { isDirLike } from './format';

export const SORT_KEYS = ['name', 'size', 'mtime', 'mode'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export interface SortSpec {
  key: SortKey;
  dir: 1 | -1;
}

const keys = new WeakMap<DirEntry, string>();

/** Case-folded name with each digit run prefixed by its length, so "9" < "10". */
export function naturalKey(name: string): string {
  return name.toLowerCase().replace(/\d+/g, (d) => {
    const s = d.replace(/^0+/, '') || '0';
    return String.fromCharCode(0x30 + Math.min(s.length, 60)) + s;
  });
}

function keyOf(e: DirEntry): string {
  let k = keys.get(e);
  if (k === undefined) {
    k = naturalKey(e.name);
    keys.set(e, k);
  }
  return k;
}

interface Decorated {
  dir: boolean;
  key: string;
  num: number;
  e: DirEntry;
}

function numeric(e: DirEntry, key: SortKey): number {
  return key === 'size' ? e.size : key === 'mtime' ? e.mtimeMs : key === 'mode' ? e.mode & 0o7777 : 0;
}

function decorate(e: DirEntry, key: SortKey): Decorated {
  return { dir: isDirLike(e), key: keyOf(e), num: numeric(e, key), e };
}

function compareDecorated(spec: SortSpec): (a: Decorated, b: Decorated) => number {
  const d = spec.dir;
  const byNum = spec.key !== 'name';
  return (a, b) => {
    if (a.dir !== b.dir) return a.dir ? -1 : 1;
    if (byNum && a.num !== b.num) return d * (a.num - b.num);
    if (a.key !== b.key) return d * (a.key < b.key ? -1 : 1);
    return d * (a.e.name < b.e.name ? -1 : a.e.name > b.e.name ? 1 : 0);
  };
}

/**
 * `sorted` (already in `spec` order) plus `more`, in order: sorts only the new entries and finds
 * each one's place by binary search, so a listing (or a search) streamed in chunks costs
 * O(k log n) comparisons and one native copy of the references per chunk, not a pass that
 * compares all n entries again (that held a 100,000-row search for half a second per chunk).
 * An entry equal to one already there goes after it.
 */
export function mergeSorted(sorted: readonly DirEntry[], more: readonly DirEntry[], spec: SortSpec, showHidden: boolean): DirEntry[] {
  const add = sortedView(more, spec, showHidden);
  if (add.length === 0) return sorted.slice();
  if (sorted.length === 0) return add;
  const cmp = compareDecorated(spec);
  const out = new Array<DirEntry>(sorted.length + add.length);
  let k = 0;
  let from = 0;
  for (const e of add) {
    const d = decorate(e, spec.key);
    let lo = from;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmp(decorate(sorted[mid]!, spec.key), d) <= 0) lo = mid + 1;
      else hi = mid;
    }
    while (from < lo) out[k++] = sorted[from++]!;
    out[k++] = e;
  }
  while (from < sorted.length) out[k++] = sorted[from++]!;
  return out;
}

/** A new sorted array of the entries to show. */
export function sortedView(entries: readonly DirEntry[], spec: SortSpec, showHidden: boolean): DirEntry[] {
  const dec: Decorated[] = [];
  for (const e of entries) {
    if (!showHidden && e.hidden) continue;
    dec.push(decorate(e, spec.key));
  }
  dec.sort(compareDecorated(spec));
  return dec.map((x) => x.e);
}
