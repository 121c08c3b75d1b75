// A pane's tabs as plain data and pure functions, testable without Svelte: each tab keeps its
// folder, sort, hidden-files setting and Back/Forward history; the set is saved in the browser's
// storage and restored at start. PaneState shows the active tab and replaces the set with what
// these functions return.
import { NO_HISTORY, type History } from './history';
import { SORT_KEYS, type SortSpec } from './sort';

export interface TabRecord {
  path: string;
  sort: SortSpec;
  showHidden: boolean;
  history: History;
}

export interface TabSet {
  tabs: readonly TabRecord[];
  /** Index of the tab shown. */
  active: number;
}

/** Tabs kept per pane (more are refused with a notice). */
export const MAX_TABS = 50;

type Store = Pick<Storage, 'getItem' | 'setItem'>;
const key = (side: string) => `ferry.tabs.${side}`;

function validHistory(h: unknown): History {
  const o = h as Partial<History> | null;
  if (!o || !Array.isArray(o.paths) || typeof o.pos !== 'number') return NO_HISTORY;
  const paths = o.paths.filter((p): p is string => typeof p === 'string' && p.startsWith('/')).slice(-100);
  const pos = Math.max(-1, Math.min(paths.length - 1, Math.trunc(o.pos)));
  return { paths, pos };
}

function validTab(t: unknown): TabRecord | null {
  const o = t as Partial<TabRecord> | null;
  if (!o || typeof o.path !== 'string' || !o.path.startsWith('/')) return null;
  const s = o.sort as Partial<SortSpec> | undefined;
  const sort: SortSpec = s && (SORT_KEYS as readonly unknown[]).includes(s.key) && (s.dir === 1 || s.dir === -1) ? { key: s.key!, dir: s.dir } : { key: 'name', dir: 1 };
  return { path: o.path, sort, showHidden: o.showHidden === true, history: validHistory(o.history) };
}

/** The saved tabs (only the valid ones; storage is user-editable), or null when none were saved. */
export function loadTabs(side: string, store: Store): TabSet | null {
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(key(side)) ?? 'null');
  } catch {
    return null;
  }
  const o = raw as { tabs?: unknown; active?: unknown } | null;
  if (!o || !Array.isArray(o.tabs)) return null;
  const tabs = o.tabs.map(validTab).filter((t): t is TabRecord => t !== null).slice(0, MAX_TABS);
  if (tabs.length === 0) return null;
  const active = typeof o.active === 'number' ? Math.max(0, Math.min(tabs.length - 1, Math.trunc(o.active))) : 0;
  return { tabs, active };
}

export function saveTabs(side: string, set: TabSet, store: Store): void {
  try {
    store.setItem(key(side), JSON.stringify(set));
  } catch {
    // storage full or disabled
  }
}

/** The set with the active tab's record replaced. */
export function withActive(set: TabSet, rec: TabRecord): TabSet {
  const tabs = set.tabs.slice();
  tabs[set.active] = rec;
  return { tabs, active: set.active };
}

/** A new tab right after the active one, made active (null when the pane has MAX_TABS). */
export function openTab(set: TabSet, rec: TabRecord): TabSet | null {
  if (set.tabs.length >= MAX_TABS) return null;
  const tabs = set.tabs.slice();
  tabs.splice(set.active + 1, 0, rec);
  return { tabs, active: set.active + 1 };
}

/** Closes tab i (never the last one): the tab to its right becomes active, or else to its left. */
export function closeTab(set: TabSet, i: number): TabSet | null {
  if (set.tabs.length <= 1 || i < 0 || i >= set.tabs.length) return null;
  const tabs = set.tabs.filter((_, k) => k !== i);
  let active = set.active;
  if (i < active || (i === active && active === tabs.length)) active--;
  return { tabs, active: Math.max(0, Math.min(tabs.length - 1, active)) };
}

/** The index `delta` tabs away from the active one, wrapping around. */
export function cycle(set: TabSet, delta: number): number {
  const n = set.tabs.length;
  return (((set.active + delta) % n) + n) % n;
}

/** A tab's title: its folder's name ("/" for the root). */
export function tabLabel(path: string): string {
  const t = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return t.slice(t.lastIndexOf('/') + 1) || '/';
}
