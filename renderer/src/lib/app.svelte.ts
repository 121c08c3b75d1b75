// The window's state: the two panes, which one is active, the open dialog or menu, the drag in
// progress and the last notice; the clipboard, the undo list, the bookmarks, and which pane the
// quick view follows. Operations that span both panes (copy to the other pane, swap, paste) live
// here; everything about one folder lives in PaneState.
import type { AppInfo, ClipboardFiles, CopyOptions, DirEntry, JobKind, JobSummary, Settings, WireError } from '../../../electron/contract';
import { pathsInText } from '../../../electron/file-uri';
import { api, on } from './client';
import { toWireError as toWire } from '../../../native/errors';
import { describeError } from '../../../native/reasons';
import { addBookmark, loadBookmarks, removeBookmark, saveBookmarks } from './bookmarks';
import { baseName, isDirLike, joinPath, parentOf, plural } from './format';
import { copyName } from './names';
import { PaneState, type Side } from './pane.svelte';
import { describeItems, transferVerdict, type DragPayload } from './transfer';
import { describeUndo, moveBackGroups, pushUndo, type UndoAction } from './undo';

export const OPEN_DISABLED = 'Opening files with other applications needs the Ferry desktop app (not available in the browser).';
/** Where the browser remembers that the user agreed to open files with this computer's applications. */
const OPEN_CONSENT_KEY = 'ferry.openConsent';

export type Dialog =
  /** F5/F6, "Copy here", and a drop (`dropped`: the dialog offers to stop asking on drops). */
  | { kind: 'transfer'; op: JobKind; sources: string[]; destDir: string; side: Side; dropped?: boolean }
  | { kind: 'explain'; sources: string[]; destDir: string; side: Side }
  | { kind: 'properties'; path: string; side: Side }
  | { kind: 'rename'; entry: DirEntry; side: Side }
  | { kind: 'mkdir'; side: Side }
  | { kind: 'trash'; paths: string[]; side: Side }
  | { kind: 'search'; side: Side }
  /** `+` (mark) and `-` (unmark) by pattern. */
  | { kind: 'pattern'; mark: boolean; side: Side }
  | { kind: 'duplicate'; sources: DirEntry[]; side: Side }
  | { kind: 'delete'; paths: string[]; side: Side }
  | { kind: 'undo'; action: UndoAction; side: Side }
  /** Open (asking first in serve mode) or "Open with…" (choose: the applications listed). */
  | { kind: 'open'; entry: DirEntry; choose: boolean; side: Side };

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
  /** Files copied (Ctrl+C) or cut (Ctrl+X) in Ferry. */
  #clip = $state.raw<ClipboardFiles | null>(null);
  #cut = $derived(new Set(this.#clip?.op === 'cut' ? this.#clip.paths : []));
  #undo = $state.raw<readonly UndoAction[]>([]);
  #bookmarks = $state.raw<readonly string[]>([]);
  /** The pane whose places menu is open. */
  #places = $state<Side | null>(null);
  /** The pane whose cursor the quick view follows (shown in the other pane's place). */
  #quickView = $state<Side | null>(null);
  /** Files dropped on a pane open the transfer dialog first (the setting "Ask before a drop"). */
  #askBeforeDrop = $state(true);
  /** Jobs whose end someone waits for (duplicates report how they were made). */
  #jobWatch = new Map<string, (j: JobSummary) => void>();

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
  get clipboard(): ClipboardFiles | null {
    return this.#clip;
  }
  /** Paths cut to the clipboard (their rows are dimmed until pasted). */
  get cutPaths(): ReadonlySet<string> {
    return this.#cut;
  }
  get bookmarks(): readonly string[] {
    return this.#bookmarks;
  }
  get placesFor(): Side | null {
    return this.#places;
  }
  get quickView(): Side | null {
    return this.#quickView;
  }
  get askBeforeDrop(): boolean {
    return this.#askBeforeDrop;
  }
  /** The settings in force (read at start, and again whenever they are saved). */
  useSettings(s: Pick<Settings, 'askBeforeDrop'>): void {
    this.#askBeforeDrop = s.askBeforeDrop;
  }
  /** What Ctrl+Z would undo, in words; null when nothing. */
  get undoLabel(): string | null {
    const a = this.#undo.at(-1);
    return a ? describeUndo(a) : null;
  }

  async start(): Promise<void> {
    // Folders a later launch asks for; kept until the panes have started.
    let early: string[][] | null = [];
    on('app.open', ({ paths }) => (early ? early.push(paths) : this.openFolders(paths)));
    on('job.updated', ({ jobs }) => {
      if (this.#jobWatch.size === 0) return;
      for (const j of jobs) {
        const cb = this.#jobWatch.get(j.id);
        if (cb && (j.state === 'done' || j.state === 'failed' || j.state === 'cancelled')) {
          this.#jobWatch.delete(j.id);
          cb(j);
        }
      }
    });
    this.#bookmarks = loadBookmarks(localStorage);
    // Until they arrive a drop asks (the default, and the safe side).
    api['settings.get']({}).then((s) => this.useSettings(s), () => {});
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
    // Both panes on one folder: F5 copies under new names (as Total Commander asks for one).
    if (op === 'copy' && sources.every((s) => parentOf(s) === destDir)) {
      this.askDuplicate(side);
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
      const { jobId } = await api['jobs.start']({ kind, sources, destDir, options });
      if (kind === 'move') this.recordUndo({ kind: 'move', jobId, items: sources.map((from) => ({ from, to: joinPath(destDir, baseName(from)) })) });
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
    if (this.openNeedsConsent) {
      this.openDialog({ kind: 'open', entry: e, choose: false, side });
      return;
    }
    await this.openWithDefault(e);
  }

  /** Serve mode until the user agreed: opening runs this computer's applications, so the page asks first. */
  get openNeedsConsent(): boolean {
    if (!this.#info?.openNeedsConsent) return false;
    try {
      return localStorage.getItem(OPEN_CONSENT_KEY) !== 'yes' && sessionStorage.getItem(OPEN_CONSENT_KEY) !== 'yes';
    } catch {
      return true;
    }
  }

  /** The user agreed to open files with this computer's applications (for this tab, or `always` in this browser). */
  consentToOpen(always: boolean): void {
    try {
      (always ? localStorage : sessionStorage).setItem(OPEN_CONSENT_KEY, 'yes');
    } catch {
      /* storage disabled: ask again next time */
    }
  }

  async openWithDefault(e: DirEntry): Promise<boolean> {
    try {
      await api['fs.open']({ path: e.path });
      return true;
    } catch (err) {
      this.notify(`Cannot open "${e.name}": ${toWire(err).message}`, true);
      return false;
    }
  }

  /** "Open with…": the applications that claim the file's type. */
  askOpenWith(side: Side, e: DirEntry | undefined = this.pane(side).cursorEntry): void {
    if (!e || isDirLike(e)) return;
    if (!this.canOpenExternally) {
      this.notify(OPEN_DISABLED, true);
      return;
    }
    this.openDialog({ kind: 'open', entry: e, choose: true, side });
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
  askSearch(side: Side): void {
    if (this.pane(side).path) this.openDialog({ kind: 'search', side });
  }
  askPattern(side: Side, mark: boolean): void {
    this.openDialog({ kind: 'pattern', mark, side });
  }
  /** Shift+F5: copies in place under a new name. */
  askDuplicate(side: Side): void {
    const sources = this.pane(side).targets();
    if (sources.length === 0) this.notify('Nothing to duplicate', true);
    else this.openDialog({ kind: 'duplicate', sources, side });
  }
  /** Shift+Delete: deletes for good, after a confirmation naming the count and the size. */
  askDelete(side: Side): void {
    const paths = this.pane(side).targets().map((e) => e.path);
    if (paths.length) this.openDialog({ kind: 'delete', paths, side });
  }

  // ------------------------------------------------------------------ duplicate

  /**
   * Copies each source into its own folder under the new name, one job per folder; when a job
   * ends, a notice says how (an instant clone where the filesystem shares extents).
   */
  async duplicate(sources: readonly DirEntry[], names: readonly string[]): Promise<string | null> {
    const groups = new Map<string, { sources: string[]; names: string[] }>();
    sources.forEach((e, i) => {
      const d = parentOf(e.path);
      const g = groups.get(d) ?? { sources: [], names: [] };
      g.sources.push(e.path);
      g.names.push(names[i]!);
      groups.set(d, g);
    });
    for (const [destDir, g] of groups) {
      try {
        const { jobId } = await api['jobs.start']({ kind: 'copy', sources: g.sources, destDir, names: g.names });
        const what = g.sources.length === 1 ? `"${baseName(g.sources[0]!)}" as "${g.names[0]}"` : plural(g.sources.length, 'item');
        this.#jobWatch.set(jobId, (j) => this.notify(duplicateOutcome(what, j), j.state !== 'done'));
        for (const side of ['left', 'right'] as const) if (this.pane(side).path === destDir && g.names.length === 1) this.pane(side).selectPath(joinPath(destDir, g.names[0]!));
      } catch (e) {
        const w = toWire(e);
        this.notify(`Duplicate failed: ${w.message}`, true);
        return w.message;
      }
    }
    return null;
  }

  // ------------------------------------------------------------------ clipboard

  /** Ctrl+C / Ctrl+X: the selection goes to the clipboard (the desktop's too, in Electron). */
  async toClipboard(side: Side, op: ClipboardFiles['op']): Promise<void> {
    const paths = this.pane(side).targets().map((e) => e.path);
    if (paths.length === 0) {
      this.notify(`Nothing to ${op}`, true);
      return;
    }
    this.#clip = { op, paths };
    if (this.#info?.systemClipboard) await api['clipboard.write']({ files: { op, paths } }).catch(() => {});
    this.notify(`${op === 'copy' ? 'Copied' : 'Cut'} ${describeItems(paths)} — paste with Ctrl+V`);
  }

  /** What is on the clipboard to paste: the desktop's files (Electron), else Ferry's own, else paths as text. */
  async #clipboardFiles(): Promise<ClipboardFiles | null> {
    if (this.#info?.systemClipboard) {
      try {
        const r = await api['clipboard.read']({});
        // Our own cut comes back as written; anything else another application put there wins.
        return r.files;
      } catch {
        return this.#clip;
      }
    }
    if (this.#clip) return this.#clip;
    try {
      const paths = pathsInText(await navigator.clipboard.readText());
      return paths.length ? { op: 'copy', paths } : null;
    } catch {
      return null;
    }
  }

  /** Ctrl+V: a transfer job into the pane's folder (a copy into the files' own folder duplicates them). */
  async paste(side: Side): Promise<void> {
    const pane = this.pane(side);
    const files = await this.#clipboardFiles();
    if (!files || files.paths.length === 0) {
      this.notify('Nothing to paste: copy (Ctrl+C) or cut (Ctrl+X) files first', true);
      return;
    }
    const destDir = pane.path;
    const kind: JobKind = files.op === 'cut' ? 'move' : 'copy';
    if (kind === 'copy' && files.paths.every((p) => parentOf(p) === destDir)) {
      const taken = new Set(pane.names);
      const entries = files.paths.map((p) => pane.entries.find((e) => e.path === p) ?? ({ name: baseName(p), path: p, type: 'file', size: 0, mtimeMs: 0, mode: 0, hidden: false } satisfies DirEntry));
      const names = entries.map((e) => {
        const n = copyName(e.name, isDirLike(e), taken);
        taken.add(n);
        return n;
      });
      await this.duplicate(entries, names);
      return;
    }
    const failed = await this.startJob(kind, files.paths, destDir);
    // A cut is pasted once (as file managers do); a copy can be pasted again.
    if (!failed && kind === 'move') {
      this.#clip = null;
      if (this.#info?.systemClipboard) await api['clipboard.write']({ text: '' }).catch(() => {});
    }
  }

  /** Ctrl+Shift+C "Copy path" and "Copy name": the selection's full paths (or names), one a line, as text. */
  async copyText(side: Side, what: 'path' | 'name'): Promise<void> {
    const entries = this.pane(side).targets();
    const list = entries.length ? entries.map((e) => (what === 'path' ? e.path : e.name)) : what === 'path' ? [this.pane(side).path] : [];
    if (list.length === 0) return;
    const text = list.join('\n');
    try {
      if (this.#info?.systemClipboard) await api['clipboard.write']({ text });
      else await navigator.clipboard.writeText(text);
      this.notify(list.length === 1 ? `Copied ${what}: ${list[0]}` : `Copied ${list.length} ${what}s`);
    } catch (e) {
      this.notify(`Cannot copy to the clipboard: ${toWire(e).message}`, true);
    }
  }

  // ------------------------------------------------------------------ undo

  recordUndo(a: UndoAction): void {
    this.#undo = pushUndo(this.#undo, a);
  }

  /** Ctrl+Z: says what it would undo and asks. */
  askUndo(side: Side): void {
    const a = this.#undo.at(-1);
    if (!a) this.notify('Nothing to undo');
    else this.openDialog({ kind: 'undo', action: a, side });
  }

  /** Undoes `a` (the newest action): refuses what cannot be undone safely, and says why. Returns an error message or null. */
  async undo(a: UndoAction, jobs: readonly JobSummary[]): Promise<string | null> {
    if (this.#undo.at(-1) !== a) return 'something else happened since';
    this.#undo = this.#undo.slice(0, -1);
    try {
      switch (a.kind) {
        case 'rename':
          if (parentOf(a.from) !== parentOf(a.to)) throw new Error('it was renamed into another folder');
          await api['fs.rename']({ path: a.to, newName: baseName(a.from) });
          for (const side of ['left', 'right'] as const) if (this.pane(side).path === parentOf(a.from)) this.pane(side).selectPath(a.from);
          break;
        case 'mkdir':
          await api['fs.rmdir']({ path: a.path });
          break;
        case 'move': {
          const job = jobs.find((j) => j.id === a.jobId);
          if (!job) throw new Error('the move is no longer in the transfer list');
          if (job.state !== 'done') throw new Error(`the move is ${job.state === 'failed' || job.state === 'cancelled' ? job.state : 'not finished'}: nothing is moved back`);
          for (const g of moveBackGroups(a.items)) await api['jobs.start']({ kind: 'move', sources: g.sources, destDir: g.destDir });
          break;
        }
        case 'trash': {
          const r = await api['fs.untrash']({ paths: a.paths, since: a.at });
          if (r.failed.length) throw new Error(r.failed.length === a.paths.length ? r.failed[0]!.error.message : `${r.failed.length} of ${a.paths.length} could not be restored: ${r.failed[0]!.error.message}`);
          break;
        }
      }
    } catch (e) {
      this.refreshAll();
      return toWire(e).message;
    }
    this.refreshAll();
    this.notify(`Undone: ${describeUndo(a)}`);
    return null;
  }

  refreshAll(): void {
    this.left.refresh();
    this.right.refresh();
  }

  // ------------------------------------------------------------------ places, bookmarks, quick view

  openPlaces(side: Side): void {
    this.#menu = null;
    this.#places = side;
  }
  closePlaces(): void {
    this.#places = null;
  }
  /** Ctrl+D: the pane's folder joins the bookmarks. */
  bookmark(side: Side): void {
    const path = this.pane(side).path;
    if (!path) return;
    if (this.#bookmarks.includes(path)) {
      this.notify(`Already bookmarked: ${path}`);
      return;
    }
    this.#bookmarks = addBookmark(this.#bookmarks, path);
    saveBookmarks(this.#bookmarks, localStorage);
    this.notify(`Bookmarked ${path} — Alt+F1 / Alt+F2 lists places`);
  }
  unbookmark(path: string): void {
    this.#bookmarks = removeBookmark(this.#bookmarks, path);
    saveBookmarks(this.#bookmarks, localStorage);
  }

  /** F3: the quick view follows this pane's cursor (in the other pane's place); again to close. */
  toggleQuickView(side: Side): void {
    this.#quickView = this.#quickView === side ? null : side;
  }
  closeQuickView(): void {
    this.#quickView = null;
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

/** A finished duplicate job in words: how it was made (an instant clone where extents are shared). */
export function duplicateOutcome(what: string, j: JobSummary): string {
  if (j.state !== 'done' || j.filesFailed > 0) return `Duplicate of ${what} ${j.state === 'cancelled' ? 'cancelled' : `failed${j.error ? `: ${j.error.message}` : ''}`}`;
  const reflinked = j.byMethod.reflink?.bytes ?? 0;
  if (j.bytesTotal > 0 && reflinked >= j.bytesTotal) return `Duplicated ${what}: an instant clone (reflink), no data copied`;
  const methods = Object.keys(j.byMethod).join(', ');
  if (reflinked > 0) return `Duplicated ${what}: partly cloned (reflink), the rest copied (${methods})`;
  return `Duplicated ${what}${methods ? ` (copied with ${methods})` : ''}`;
}
