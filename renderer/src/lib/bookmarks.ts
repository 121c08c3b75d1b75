// Bookmarked folders (Ctrl+D), kept in the browser's storage and shared by both panes. Pure
// functions; the places menu holds the list in its state.

type Store = Pick<Storage, 'getItem' | 'setItem'>;
const KEY = 'ferry.bookmarks';
export const MAX_BOOKMARKS = 200;

export function loadBookmarks(store: Store): string[] {
  try {
    const v = JSON.parse(store.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(v) ? [...new Set(v.filter((p): p is string => typeof p === 'string' && p.startsWith('/')))].slice(0, MAX_BOOKMARKS) : [];
  } catch {
    return [];
  }
}

export function saveBookmarks(list: readonly string[], store: Store): void {
  try {
    store.setItem(KEY, JSON.stringify(list));
  } catch {
    // storage full or disabled
  }
}

/** The list with `path` added at the end; the same list when it is there already. */
export function addBookmark(list: readonly string[], path: string): readonly string[] {
  if (list.includes(path) || list.length >= MAX_BOOKMARKS) return list;
  return [...list, path];
}

export function removeBookmark(list: readonly string[], path: string): readonly string[] {
  return list.filter((p) => p !== path);
}
