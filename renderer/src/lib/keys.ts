// Keyboard map of a pane's list, as tables: key → action. `paneKeydown` returns true when the key
// was handled (the caller then prevents the default). The component passes what only it knows
// (page size, focus moves). Moving between regions (Tab, Ctrl+J) is regions.ts's.
import type { AppState } from './app.svelte';
import { folderSizes } from './folder-sizes.svelte';
import type { PaneState } from './pane.svelte';
import { parentOf } from './format';

export interface KeyContext {
  app: AppState;
  pane: PaneState;
  pageRows: number;
  editPath: () => void;
  /** Ctrl+F: the quick filter's input. */
  editFilter: () => void;
  openMenu: () => void;
  /** Tab / Shift+Tab: the next or previous region (regions.ts: left pane → right pane → transfers). */
  cycleRegion: (dir: 1 | -1) => void;
}

/** Runs the key's action; returning false means "not mine" (the browser keeps the key). */
type Action = (c: KeyContext, e: KeyboardEvent) => void | false;

/** With Alt (history and properties; places, search; tab keys that browsers leave to the page). */
const ALT: Record<string, Action> = {
  ArrowUp: ({ pane }) => pane.up(),
  ArrowLeft: ({ pane }) => pane.back(),
  ArrowRight: ({ pane }) => pane.forward(),
  Enter: ({ app, pane }) => app.showProperties(pane.side),
  F1: ({ app }) => app.openPlaces('left'),
  F2: ({ app }) => app.openPlaces('right'),
  F7: ({ app, pane }) => app.askSearch(pane.side),
  t: ({ app, pane }) => newTab(app, pane),
  w: ({ pane }) => void pane.closeTab(),
  PageDown: ({ pane }) => pane.cycleTab(1),
  PageUp: ({ pane }) => pane.cycleTab(-1),
};

function newTab(app: AppState, pane: PaneState): void {
  if (!pane.newTab()) app.notify('This pane has as many tabs as it can keep', true);
}

/** With Ctrl and Alt. */
const CTRL_ALT: Record<string, Action> = {
  c: ({ app, pane }) => void app.copyText(pane.side, 'name'),
};

/** With Ctrl (letters in lower case), including Commander's sort keys Ctrl+F3…F6. */
const CTRL: Record<string, Action> = {
  a: ({ pane }) => pane.selectAll(),
  c: ({ app, pane }, e) => void (e.shiftKey ? app.copyText(pane.side, 'path') : app.toClipboard(pane.side, 'copy')),
  x: ({ app, pane }) => void app.toClipboard(pane.side, 'cut'),
  v: ({ app, pane }) => void app.paste(pane.side),
  z: ({ app, pane }) => app.askUndo(pane.side),
  f: (c, e) => (e.shiftKey ? c.app.askSearch(c.pane.side) : c.editFilter()),
  d: ({ app, pane }) => app.bookmark(pane.side),
  t: ({ app, pane }) => newTab(app, pane),
  w: ({ pane }) => void pane.closeTab(),
  Tab: ({ pane }, e) => pane.cycleTab(e.shiftKey ? -1 : 1),
  PageDown: ({ pane }) => pane.cycleTab(1),
  PageUp: ({ pane }) => pane.cycleTab(-1),
  h: ({ pane }) => pane.toggleHidden(),
  l: (c) => c.editPath(),
  u: ({ app }) => app.swap(),
  r: ({ pane }) => pane.refresh(),
  p: ({ pane }, e) => (e.shiftKey ? pane.togglePerms() : false),
  F3: ({ pane }) => pane.setSort('name'),
  F4: ({ pane }) => pane.setSort('size'),
  F5: ({ pane }) => pane.setSort('mtime'),
  F6: ({ pane }) => pane.setSort('mode'),
};

/**
 * `+`, `-`, `*` select by pattern, as the commanders do; inside a type-ahead ("c-" for "c-small")
 * the main keyboard's ones are part of the name typed. The keypad's always select.
 */
function patternKey({ pane }: KeyContext, e: KeyboardEvent, run: () => void): void {
  if (!e.code?.startsWith('Numpad') && pane.typingAhead()) pane.typeahead(e.key);
  else run();
}

/** Without Ctrl or Alt (Shift extends a selection where it means anything). */
const PLAIN: Record<string, Action> = {
  ArrowDown: ({ pane }, e) => pane.moveCursor(1, e.shiftKey),
  ArrowUp: ({ pane }, e) => pane.moveCursor(-1, e.shiftKey),
  PageDown: ({ pane, pageRows }, e) => pane.moveCursor(pageRows, e.shiftKey),
  PageUp: ({ pane, pageRows }, e) => pane.moveCursor(-pageRows, e.shiftKey),
  Home: ({ pane }, e) => pane.setCursor(0, { extend: e.shiftKey }),
  End: ({ pane }, e) => pane.setCursor(pane.view.length - 1, { extend: e.shiftKey }),
  Enter: ({ app, pane }, e) => {
    const entry = pane.cursorEntry;
    if (!entry) return;
    // Shift+Enter on a search result: its folder, with it selected.
    if (e.shiftKey && pane.search) void pane.navigate(parentOf(entry.path), { select: entry.path });
    else void app.openEntry(pane.side, entry);
  },
  Backspace: ({ pane }) => pane.up(),
  Insert: ({ pane }) => pane.toggleMark(true),
  ' ': ({ pane }) => {
    if (pane.typingAhead()) return void pane.typeahead(' ');
    // Commander style: Space on a folder marks it and measures what it holds.
    const e = pane.cursorEntry;
    if (e?.type === 'dir' && !pane.selected.has(e.path)) folderSizes.measure(e.path);
    pane.toggleMark(false);
  },
  Escape: ({ app, pane }) => {
    if (pane.filter) pane.setFilter('');
    else if (app.quickView) app.closeQuickView();
    else if (pane.search?.running) pane.cancelSearch();
    else if (folderSizes.measuring > 0) folderSizes.cancelAll();
    else if (pane.selected.size > 0) pane.clearSelection();
    else return false;
  },
  F2: ({ app, pane }) => app.askRename(pane.side),
  F3: ({ app, pane }) => app.toggleQuickView(pane.side),
  F5: ({ app, pane }, e) => (e.shiftKey ? app.askDuplicate(pane.side) : app.askTransfer('copy', pane.side)),
  F6: ({ app, pane }) => app.askTransfer('move', pane.side),
  F7: ({ app, pane }) => app.askMkdir(pane.side),
  F8: ({ app, pane }, e) => (e.shiftKey ? app.askDelete(pane.side) : app.askTrash(pane.side)),
  Delete: ({ app, pane }, e) => (e.shiftKey ? app.askDelete(pane.side) : app.askTrash(pane.side)),
  '+': (c, e) => patternKey(c, e, () => c.app.askPattern(c.pane.side, true)),
  '-': (c, e) => patternKey(c, e, () => c.app.askPattern(c.pane.side, false)),
  '*': (c, e) => patternKey(c, e, () => c.pane.invertSelection()),
  F10: (c, e) => (e.shiftKey ? c.openMenu() : false),
  ContextMenu: (c) => c.openMenu(),
};

export function paneKeydown(e: KeyboardEvent, c: KeyContext): boolean {
  const ctrl = e.ctrlKey || e.metaKey;
  const k = e.key;
  if (k === 'Tab' && !ctrl && !e.altKey) {
    // The next region: left pane → right pane → transfers → left pane (Shift: the other way).
    c.cycleRegion(e.shiftKey ? -1 : 1);
    return true;
  }
  const table = e.altKey ? (ctrl ? CTRL_ALT : ALT) : ctrl ? CTRL : PLAIN;
  // Named keys as they are ("F3"); letters whatever the Shift state ("A" is "a").
  const name = table && (Object.hasOwn(table, k) ? k : Object.hasOwn(table, k.toLowerCase()) ? k.toLowerCase() : null);
  const action = table && name !== null ? table[name] : undefined;
  if (action) return action(c, e) !== false;
  // Type-ahead: any other printable key jumps to the first name starting with what was typed.
  if (!e.altKey && !ctrl && k.length === 1) {
    c.pane.typeahead(k);
    return true;
  }
  return false;
}
