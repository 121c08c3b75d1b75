// Keyboard map of a pane's list. Returns true when the key was handled (the caller then
// prevents the default). The component passes what only it knows (page size, focus moves).
import type { AppState } from './app.svelte';
import type { PaneState } from './pane.svelte';

export interface KeyContext {
  app: AppState;
  pane: PaneState;
  pageRows: number;
  focusOther: () => void;
  editPath: () => void;
  openMenu: () => void;
  /** Ctrl+J: into the transfers area below the panes (Tab is taken by pane switching). */
  focusTransfers: () => void;
}

export function paneKeydown(e: KeyboardEvent, c: KeyContext): boolean {
  const { app, pane } = c;
  const side = pane.side;
  const ctrl = e.ctrlKey || e.metaKey;
  const k = e.key;

  if (k === 'Tab' && !ctrl && !e.altKey) {
    c.focusOther();
    return true;
  }
  if (e.altKey && !ctrl) {
    if (k === 'ArrowUp') return pane.up(), true;
    if (k === 'ArrowLeft') return pane.back(), true;
    if (k === 'ArrowRight') return pane.forward(), true;
    if (k === 'Enter') return app.showProperties(side), true;
    return false;
  }
  if (ctrl) {
    switch (k.toLowerCase()) {
      case 'a':
        pane.selectAll();
        return true;
      case 'h':
        pane.toggleHidden();
        return true;
      case 'l':
        c.editPath();
        return true;
      case 'u':
        app.swap();
        return true;
      case 'r':
        pane.refresh();
        return true;
      case 'j':
        c.focusTransfers();
        return true;
      case 'p':
        if (!e.shiftKey) return false;
        pane.togglePerms();
        return true;
    }
    // Commander-style sort keys.
    if (k === 'F3') return pane.setSort('name'), true;
    if (k === 'F4') return pane.setSort('size'), true;
    if (k === 'F5') return pane.setSort('mtime'), true;
    if (k === 'F6') return pane.setSort('mode'), true;
    return false;
  }
  switch (k) {
    case 'ArrowDown':
      pane.moveCursor(1, e.shiftKey);
      return true;
    case 'ArrowUp':
      pane.moveCursor(-1, e.shiftKey);
      return true;
    case 'PageDown':
      pane.moveCursor(c.pageRows, e.shiftKey);
      return true;
    case 'PageUp':
      pane.moveCursor(-c.pageRows, e.shiftKey);
      return true;
    case 'Home':
      pane.setCursor(0, { extend: e.shiftKey });
      return true;
    case 'End':
      pane.setCursor(pane.view.length - 1, { extend: e.shiftKey });
      return true;
    case 'Enter': {
      const entry = pane.cursorEntry;
      if (entry) void app.openEntry(side, entry);
      return true;
    }
    case 'Backspace':
      pane.up();
      return true;
    case 'Insert':
      pane.toggleMark(true);
      return true;
    case ' ':
      if (pane.typingAhead()) return pane.typeahead(' '), true;
      pane.toggleMark(false);
      return true;
    case 'Escape':
      if (pane.selected.size > 0) {
        pane.clearSelection();
        return true;
      }
      return false;
    case 'F2':
      app.askRename(side);
      return true;
    case 'F5':
      if (e.shiftKey) return false;
      app.askTransfer('copy', side);
      return true;
    case 'F6':
      app.askTransfer('move', side);
      return true;
    case 'F7':
      app.askMkdir(side);
      return true;
    case 'F8':
    case 'Delete':
      app.askTrash(side);
      return true;
    case 'F10':
      if (!e.shiftKey) return false;
      c.openMenu();
      return true;
    case 'ContextMenu':
      c.openMenu();
      return true;
  }
  if (k.length === 1) return pane.typeahead(k), true;
  return false;
}
