// The window's state: the two panes, which one is active, the open dialog or menu, the drag in
// progress and the last notice. Operations that span both panes (copy to the other pane, swap)
// live here; everything about one folder lives in PaneState.
import type { AppInfo, CopyOptions, DirEntry, JobKind, WireError } from '../../../electron/contract';
import { api, on } from './client';
import { toWireError as toWire } from '../../../native/errors';
import { describeError } from '../../../native/reasons';
import { PaneState, type Side } from './pane.svelte';
import { transferVerdict, type DragPayload } from './transfer';

export const OPEN_DISABLED = 'Opening files with other applications needs the Ferry desktop app (not available in the browser).';

export type Dialog =
  | { kind: 'transfer'; op: JobKind; sources: string[]; destDir: string; side: Side }
  | { kind: 'explain'; sources: string[]; destDir: string; side: Side }
  | { kind: 'properties'; path: string; side: Side }
  | { kind: 'rename'; entry: DirEntry; side: Side }
  | { kind: 'mkdir'; side: Side }
  | { kind: 'trash'; paths: string[]; side: Side };

export interface MenuState {
  side: Side;
  x: number;
  y: number;
  /** The folder row right-clicked, or null for the pane background. */
  entry: DirEntry | null;
}

export interface DropHint {
  side: Side;
  /** Folder the drop would go into. */
  destDir: string;
  /** The folder row under the pointer, if any (highlighted instead of the pane). */
  rowPath: string | null;
  kind: JobKind;
  ok: boolean;
  label: string;
  x: number;
  y: number;
}

export interface Notice {
  text: string;
  error: boolean;
  id: number;
}

export class AppState {
  readonly left = new PaneState('left');
  readonly right = new PaneState('right');

  #info = $state.raw<AppInfo | null>(null);
  #fatal = $state.raw<WireError | null>(null);
  #active = $state<Side>('left');
  #dialog = $state.raw<Dialog | null>(null);
  #menu = $state.raw<MenuState | null>(null);
  #drag = $state.raw<DragPayload | null>(null);
  #dropHint = $state.raw<DropHint | null>(null);
  #notice = $state.raw<Notice | null>(null);
  #noticeTimer: ReturnType<typeof setTimeout> | null = null;
  #noticeId = 0;

  get info(): AppInfo | null {
    return this.#info;
  }
  get fatal(): WireError | null {
    return this.#fatal;
  }
  get active(): Side {
    return this.#active;
  }
  get dialog(): Dialog | null {
    return this.#dialog;
  }
  get menu(): MenuState | null {
    return this.#menu;
  }
  get drag(): DragPayload | null {
    return this.#drag;
  }
  get dropHint(): DropHint | null {
    return this.#dropHint;
  }
  get notice(): Notice | null {
    return this.#notice;
  }
  get canOpenExternally(): boolean {
    return this.#info?.canOpenExternally ?? false;
  }

  async start(): Promise<void> {
    // Folders a later launch asks for; kept until the panes have started.
    let early: string[][] | null = [];
    on('app.open', ({ paths }) => (early ? early.push(paths) : this.openFolders(paths)));
    try {
      const info = await api['app.info']({});
      this.#info = info;
      // Folders the launch named (`ferry DIR [DIR]`, "Open with Ferry") win over remembered ones.
      this.left.start(info.left, info.home || '/', info.open?.[0]);
      this.right.start(info.right, info.home || '/', info.open?.[1]);
      for (const paths of early) this.openFolders(paths);
      early = null;
    } catch (e) {
      this.#fatal = toWire(e);
    }
  }

  pane(side: Side): PaneState {
    return side === 'left' ? this.left : this.right;
  }
  other(side: Side): PaneState {
    return side === 'left' ? this.right : this.left;
  }
  get activePane(): PaneState {
    return this.pane(this.#active);
  }

  activate(side: Side): void {
    this.#active = side;
  }

  /** Another launch asked for folders: one opens in the active pane, two in left and right. */
  openFolders(paths: readonly string[]): void {
    if (paths.length === 1) void this.activePane.navigate(paths[0]!);
    else if (paths.length >= 2) {
      void this.left.navigate(paths[0]!);
      void this.right.navigate(paths[1]!);
    }
  }

  /** Ctrl+U: the panes exchange folders. */
  swap(): void {
    const l = this.left.path;
    const r = this.right.path;
    void this.left.navigate(r);
    void this.right.navigate(l);
  }

  // ------------------------------------------------------------------ dialogs and menus

  openDialog(d: Dialog): void {
    this.#menu = null;
    this.#dialog = d;
  }
  closeDialog(): void {
    this.#dialog = null;
  }
  openMenu(m: MenuState): void {
    this.#menu = m;
  }
  closeMenu(): void {
    this.#menu = null;
  }

  notify(text: string, error = false): void {
    this.#notice = { text, error, id: ++this.#noticeId };
    if (this.#noticeTimer) clearTimeout(this.#noticeTimer);
    this.#noticeTimer = setTimeout(() => (this.#notice = null), error ? 10_000 : 4_000);
  }

  // ------------------------------------------------------------------ copy and move

  /** F5/F6: asks to copy/move the active pane's selection into the other pane's folder. */
  askTransfer(op: JobKind, side: Side = this.#active): void {
    const sources = this.pane(side).targets().map((e) => e.path);
    const destDir = this.other(side).path;
    if (sources.length === 0) {
      this.notify(`Nothing to ${op}`, true);
      return;
    }
    this.openDialog({ kind: 'transfer', op, sources, destDir, side });
  }

  /**
   * Starts a copy/move job; returns an error in plain words that name the side that failed (for
   * the caller to show inline), or null.
   */
  async startJob(kind: JobKind, sources: string[], destDir: string, options: Partial<CopyOptions> = {}): Promise<string | null> {
    const v = transferVerdict(kind, sources, destDir);
    if (!v.ok) {
      this.notify(v.label, true);
      return v.label;
    }
    try {
      await api['jobs.start']({ kind, sources, destDir, options });
      this.notify(`${v.label} — started`);
      return null;
    } catch (e) {
      const said = describeError(toWire(e));
      this.notify(`${kind === 'copy' ? 'Copy' : 'Move'} failed. ${said}`, true);
      return said;
    }
  }

  // ------------------------------------------------------------------ entry actions

  /** Enter / double-click / "Open": folders open in the pane, files with the desktop's app. */
  async openEntry(side: Side, e: DirEntry): Promise<void> {
    const pane = this.pane(side);
    if (pane.enter(e)) return;
    if (e.type === 'symlink' && !e.targetType) {
      this.notify(`"${e.name}" is a broken link${e.linkTarget ? ` to ${e.linkTarget}` : ''}`, true);
      return;
    }
    if (!this.canOpenExternally) {
      this.notify(OPEN_DISABLED, true);
      return;
    }
    try {
      await api['fs.open']({ path: e.path });
    } catch (err) {
      this.notify(`Cannot open "${e.name}": ${toWire(err).message}`, true);
    }
  }

  askRename(side: Side): void {
    const e = this.pane(side).cursorEntry;
    if (e) this.openDialog({ kind: 'rename', entry: e, side });
  }
  askMkdir(side: Side): void {
    if (this.pane(side).path) this.openDialog({ kind: 'mkdir', side });
  }
  askTrash(side: Side): void {
    const paths = this.pane(side).targets().map((e) => e.path);
    if (paths.length) this.openDialog({ kind: 'trash', paths, side });
  }
  /** Properties of an entry (the cursor row by default), or with `folder` of the pane's folder itself. */
  showProperties(side: Side, e: DirEntry | undefined = this.pane(side).cursorEntry, folder = false): void {
    this.openDialog({ kind: 'properties', path: e && !folder ? e.path : this.pane(side).path, side });
  }
  explain(side: Side): void {
    const sources = this.pane(side).targets().map((e) => e.path);
    if (sources.length) this.openDialog({ kind: 'explain', sources, destDir: this.other(side).path, side });
  }

  // ------------------------------------------------------------------ drag and drop

  beginDrag(p: DragPayload): void {
    this.#drag = p;
  }
  endDrag(): void {
    this.#drag = null;
    this.#dropHint = null;
  }
  setDropHint(h: DropHint | null): void {
    const o = this.#dropHint;
    if (
      o && h && o.side === h.side && o.destDir === h.destDir && o.rowPath === h.rowPath && o.kind === h.kind &&
      o.label === h.label && Math.abs(o.x - h.x) < 2 && Math.abs(o.y - h.y) < 2
    ) return;
    this.#dropHint = h;
  }
}

export const app = new AppState();
