// Keyboard map of a pane's list, as tables: key → action. `paneKeydown` returns true when the key
// was handled (the caller then prevents the default). The component passes what only it knows
// (page size, focus moves). Moving between regions (Tab, Ctrl+J) is regions.ts's.
import type { AppState } from './app.svelte';
import { folderSizes } from './folder-sizes.svelte';
import type { PaneState } from './pane.svelte';

export interface KeyContext {
  app: AppState;
  pane: PaneState;
  pageRows: number;
  editPath: () => void;
  openMenu: () => void;
  /** Tab / Shift+Tab: the next or previous region (regions.ts: left pane → right pane → transfers). */
  cycleRegion: (dir: 1 | -1) => void;
}

/** Runs the key's action; returning false means "not mine" (the browser keeps the key). */
type Action = (c: KeyContext, e: KeyboardEvent) => void | false;

/** With Alt (history and properties). */
const ALT: Record<string, Action> = {
  ArrowUp: ({ pane }) => pane.up(),
  ArrowLeft: ({ pane }) => pane.back(),
  ArrowRight: ({ pane }) => pane.forward(),
  Enter: ({ app, pane }) => app.showProperties(pane.side),
};

/** With Ctrl (letters in lower case), including Commander's sort keys Ctrl+F3…F6. */
const CTRL: Record<string, Action> = {
  a: ({ pane }) => pane.selectAll(),
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

/** Without Ctrl or Alt (Shift extends a selection where it means anything). */
const PLAIN: Record<string, Action> = {
  ArrowDown: ({ pane }, e) => pane.moveCursor(1, e.shiftKey),
  ArrowUp: ({ pane }, e) => pane.moveCursor(-1, e.shiftKey),
  PageDown: ({ pane, pageRows }, e) => pane.moveCursor(pageRows, e.shiftKey),
  PageUp: ({ pane, pageRows }, e) => pane.moveCursor(-pageRows, e.shiftKey),
  Home: ({ pane }, e) => pane.setCursor(0, { extend: e.shiftKey }),
  End: ({ pane }, e) => pane.setCursor(pane.view.length - 1, { extend: e.shiftKey }),
  Enter: ({ app, pane }) => {
    const entry = pane.cursorEntry;
    if (entry) void app.openEntry(pane.side, entry);
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
  Escape: ({ pane }) => (folderSizes.measuring > 0 ? folderSizes.cancelAll() : pane.selected.size > 0 ? pane.clearSelection() : false),
  F2: ({ app, pane }) => app.askRename(pane.side),
  F5: ({ app, pane }, e) => (e.shiftKey ? false : app.askTransfer('copy', pane.side)),
  F6: ({ app, pane }) => app.askTransfer('move', pane.side),
  F7: ({ app, pane }) => app.askMkdir(pane.side),
  F8: ({ app, pane }) => app.askTrash(pane.side),
  Delete: ({ app, pane }) => app.askTrash(pane.side),
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
  const table = e.altKey ? (ctrl ? null : ALT) : ctrl ? CTRL : PLAIN;
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
