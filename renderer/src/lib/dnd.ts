// HTML5 drag and drop between and within panes. Rows are the drag sources (the list component
// starts the drag); each pane is a drop zone: onto a folder row drops into that folder, anywhere
// else into the pane's folder. Copy by default, Shift moves, Ctrl copies. A drop opens the F5/F6
// transfer dialog pre-filled (the operation, the drop target as destination) unless the setting
// "Ask before a drop" is off, when the job starts at once. Our own drags carry
// FERRY_MIME (JSON paths); drops from other apps may carry file:// URIs in text/uri-list, or
// (in Electron) File objects whose paths the preload resolves.
// Dragging out to other applications: the HTML5 drag also carries text/uri-list, and in Electron
// a drag started with Ctrl+Shift held starts a native OS drag of the files (webContents.startDrag).
import type { JobKind } from '../../../electron/contract';
import type { AppState } from './app.svelte';
import { api, pathForFile } from './client';
import { isDirLike, plural } from './format';
import type { PaneState } from './pane.svelte';
import { FERRY_MIME, fileUri, isDragOutGesture, parseDragPayload, pathsFromUriList, transferVerdict, type DragPayload } from './transfer';

export function kindFor(e: DragEvent): JobKind {
  if (e.ctrlKey) return 'copy';
  return e.shiftKey ? 'move' : 'copy';
}

/** Starts dragging the pane's selection (or row i when it is not selected). */
export function startRowDrag(app: AppState, pane: PaneState, i: number, e: DragEvent): boolean {
  const dt = e.dataTransfer;
  if (!dt || !pane.view[i]) return false;
  pane.focusRow(i);
  const paths = pane.targets().map((t) => t.path);
  if (isDragOutGesture(e) && app.info?.canStartDrag) {
    // A native drag that file managers and other applications accept.
    e.preventDefault();
    api['app.startDrag']({ paths }).catch((err: Error) => app.notify(`Cannot drag out: ${err.message}`, true));
    return true;
  }
  const payload: DragPayload = { paths, srcDir: pane.path };
  dt.setData(FERRY_MIME, JSON.stringify(payload));
  dt.setData('text/uri-list', paths.map(fileUri).join('\r\n'));
  dt.setData('text/plain', paths.join('\n'));
  dt.effectAllowed = 'copyMove';
  // A compact drag image: the name, or how many items.
  const ghost = document.createElement('div');
  ghost.className = 'drag-ghost';
  ghost.textContent = paths.length === 1 ? pane.targets()[0]!.name : plural(paths.length, 'item');
  document.body.appendChild(ghost);
  dt.setDragImage(ghost, -10, -6);
  setTimeout(() => ghost.remove(), 0);
  app.beginDrag(payload);
  return true;
}

function isOurs(dt: DataTransfer): boolean {
  return dt.types.includes(FERRY_MIME);
}
function isFileDrop(dt: DataTransfer): boolean {
  return isOurs(dt) || dt.types.includes('text/uri-list') || dt.types.includes('Files');
}

/** Paths of files dropped from another application (Electron only; a browser hides them). */
function droppedFilePaths(dt: DataTransfer): string[] {
  const out: string[] = [];
  for (const f of Array.from(dt.files)) {
    const p = pathForFile(f);
    if (p) out.push(p);
  }
  return out;
}

function target(pane: PaneState, e: DragEvent): { destDir: string; rowPath: string | null } {
  const row = (e.target as Element | null)?.closest?.('[data-index]');
  const idx = row ? Number(row.getAttribute('data-index')) : -1;
  const entry = idx >= 0 ? pane.view[idx] : undefined;
  if (entry && isDirLike(entry)) return { destDir: entry.path, rowPath: entry.path };
  return { destDir: pane.path, rowPath: null };
}

/** A drop: the transfer dialog, pre-filled, or (asking turned off) the job at once. */
function dropped(app: AppState, kind: JobKind, paths: string[], destDir: string): void {
  if (!app.askBeforeDrop) {
    void app.startJob(kind, paths, destDir);
    return;
  }
  const v = transferVerdict(kind, paths, destDir);
  if (!v.ok) {
    app.notify(v.label, true);
    return;
  }
  // Focus comes back to the pane it was in (the drag's source, for our own drags).
  app.openDialog({ kind: 'transfer', op: kind, sources: paths, destDir, side: app.active, dropped: true });
}

/** Attachment making a pane's root element a drop zone. */
export function dropZone(app: AppState, pane: PaneState): (el: HTMLElement) => () => void {
  return (el) => {
    const over = (e: DragEvent) => {
      const dt = e.dataTransfer;
      if (!dt || !isFileDrop(dt) || !pane.path) return;
      const { destDir, rowPath } = target(pane, e);
      const kind = kindFor(e);
      const drag = isOurs(dt) ? app.drag : null;
      const verdict = drag
        ? transferVerdict(kind, drag.paths, destDir)
        : { ok: true, label: `${kind === 'copy' ? 'Copy' : 'Move'} dropped items to ${destDir}` };
      app.setDropHint({ side: pane.side, destDir, rowPath, kind, ok: verdict.ok, label: verdict.label, x: e.clientX, y: e.clientY });
      if (verdict.ok) {
        e.preventDefault();
        dt.dropEffect = kind;
      } else {
        dt.dropEffect = 'none';
      }
    };
    const leave = (e: DragEvent) => {
      const to = e.relatedTarget as Node | null;
      if (to && el.contains(to)) return;
      if (app.dropHint?.side === pane.side) app.setDropHint(null);
    };
    const drop = (e: DragEvent) => {
      const dt = e.dataTransfer;
      if (!dt || !isFileDrop(dt)) return;
      e.preventDefault();
      const { destDir } = target(pane, e);
      const kind = kindFor(e);
      const ours = dt.getData(FERRY_MIME);
      const payload = ours ? parseDragPayload(ours) : null;
      let paths = payload ? payload.paths : pathsFromUriList(dt.getData('text/uri-list'));
      if (paths.length === 0 && dt.files.length > 0) paths = droppedFilePaths(dt);
      app.endDrag();
      if (paths.length === 0) {
        app.notify('The dropped items carry no file paths', true);
        return;
      }
      dropped(app, kind, paths, destDir);
    };
    el.addEventListener('dragenter', over);
    el.addEventListener('dragover', over);
    el.addEventListener('dragleave', leave);
    el.addEventListener('drop', drop);
    return () => {
      el.removeEventListener('dragenter', over);
      el.removeEventListener('dragover', over);
      el.removeEventListener('dragleave', leave);
      el.removeEventListener('drop', drop);
    };
  };
}
