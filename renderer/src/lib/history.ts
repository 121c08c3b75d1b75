// A pane's folder history (Back / Forward) and what it remembers across reloads, as plain data
// and pure functions, testable without Svelte. PaneState holds one `History` in a `$state.raw`
// field and replaces it with what these return.
import { SORT_KEYS, type SortSpec } from './sort';

export interface History {
  /** Folders visited, oldest first. */
  readonly paths: readonly string[];
  /** Index of the folder shown; -1 before the first. */
  readonly pos: number;
}

export const NO_HISTORY: History = { paths: [], pos: -1 };
/** Folders kept; older ones are forgotten. */
export const HISTORY_LIMIT = 100;

/** A visit to `path`: the forward part is dropped, a repeat of the current folder is not added. */
export function visit(h: History, path: string): History {
  if (h.paths[h.pos] === path) return h;
  const paths = [...h.paths.slice(0, h.pos + 1), path];
  if (paths.length > HISTORY_LIMIT) paths.splice(0, paths.length - HISTORY_LIMIT);
  return { paths, pos: paths.length - 1 };
}

export function canGo(h: History, delta: -1 | 1): boolean {
  return h.pos + delta >= 0 && h.pos + delta < h.paths.length;
}

/** One step back (-1) or forward (1), or null when there is nowhere to go. */
export function go(h: History, delta: -1 | 1): { history: History; path: string } | null {
  if (!canGo(h, delta)) return null;
  const pos = h.pos + delta;
  return { history: { paths: h.paths, pos }, path: h.paths[pos]! };
}

// ------------------------------------------------------------------ remembered across reloads

/** What a pane remembers in the browser's storage. */
export interface PanePrefs {
  path: string;
  /** The start folder main gave when `path` was saved: a different one now means the user asked for it. */
  arg: string;
  sort: SortSpec;
  showHidden: boolean;
  showPerms: boolean;
}

type Store = Pick<Storage, 'getItem' | 'setItem'>;

const key = (side: string) => `ferry.pane.${side}`;

/** The saved preferences, each field only when it is valid (storage is user-editable). */
export function loadPrefs(side: string, store: Store): Partial<PanePrefs> {
  let raw: unknown;
  try {
    raw = JSON.parse(store.getItem(key(side)) ?? 'null');
  } catch {
    return {};
  }
  if (!raw || typeof raw !== 'object') return {};
  const o = raw as Record<string, unknown>;
  const out: Partial<PanePrefs> = {};
  if (typeof o.path === 'string' && o.path.startsWith('/')) out.path = o.path;
  if (typeof o.arg === 'string') out.arg = o.arg;
  const sort = o.sort as Partial<SortSpec> | undefined;
  if (sort && (SORT_KEYS as readonly unknown[]).includes(sort.key) && (sort.dir === 1 || sort.dir === -1)) out.sort = { key: sort.key!, dir: sort.dir };
  if (typeof o.showHidden === 'boolean') out.showHidden = o.showHidden;
  if (typeof o.showPerms === 'boolean') out.showPerms = o.showPerms;
  return out;
}

export function savePrefs(side: string, prefs: PanePrefs, store: Store): void {
  try {
    store.setItem(key(side), JSON.stringify(prefs));
  } catch {
    // storage full or disabled: not worth bothering the user
  }
}

/** The folder to open first: the saved one, unless main was given another start folder since. */
export function startFolder(saved: Partial<PanePrefs>, arg: string, fallback: string): string {
  return saved.path && saved.arg === arg ? saved.path : arg || fallback;
}
