// One pane's state: its folder, the streamed listing, sort and filter, cursor and marks, history,
// the folder watch and the filesystem info for the status line. Components read the getters and
// call the methods; they never write fields.
//
// Big data is `$state.raw`: the entries and the sorted view are plain arrays replaced as a whole
// (per throttled batch of `dir.entries` chunks), so 100,000 entries never become proxies. The
// selection is a plain Set, replaced on every change.
import type { DirEntry, FsInfo, WireError } from '../../../electron/contract';
import { toWireError as toWire } from '../../../native/errors';
import { api } from './client';
import { newId, onListing, onWatch } from './events';
import { isDirLike, normalizePath, parentOf } from './format';
import { mergeSorted, sortedView, type SortKey, type SortSpec } from './sort';

export type Side = 'left' | 'right';

/** First chunk is shown at once; later chunks are merged at most this often while streaming. */
const STREAM_APPLY_MS = 250;
/** `dir.changed` bursts are folded into one re-list. */
const CHANGE_DEBOUNCE_MS = 200;
const TYPEAHEAD_MS = 900;

interface Listing {
  id: string;
  path: string;
  buf: DirEntry[];
  /** How many of `buf` the view already holds. */
  applied: number;
  /** A re-list of the folder already shown: keep the old rows until the new listing is complete. */
  refresh: boolean;
  shownOnce: boolean;
  marked?: boolean;
  /** An event of this listing carried an error (shown inline; rows received so far stay). */
  failed?: boolean;
  /** How long the last merge (copy + sort) took, in ms. */
  cost: number;
  timer: ReturnType<typeof setTimeout> | null;
  off: () => void;
  /** Name to put the cursor on once it appears (the folder we came up from). */
  focusName: string | null;
}

interface Stored {
  path: string;
  /** The start folder main gave us when `path` was saved: a different one now means the user asked for it. */
  arg: string;
  sort?: SortSpec;
  showHidden?: boolean;
  showPerms?: boolean;
}

function storageKey(side: Side): string {
  return `ferry.pane.${side}`;
}

export class PaneState {
  readonly side: Side;

  #path = $state('');
  #entries = $state.raw<readonly DirEntry[]>([]);
  #view = $state.raw<readonly DirEntry[]>([]);
  #loading = $state(false);
  #total = $state(0);
  #received = $state(0);
  #error = $state.raw<WireError | null>(null);
  #gone = $state(false);
  #sort = $state.raw<SortSpec>({ key: 'name', dir: 1 });
  #showHidden = $state(false);
  #showPerms = $state(false);
  #selected = $state.raw<ReadonlySet<string>>(new Set());
  #cursor = $state(0);
  #fsInfo = $state.raw<FsInfo | null>(null);
  #history = $state.raw<readonly string[]>([]);
  #historyPos = $state(-1);
  /** Bumped when the cursor should be scrolled into view. */
  #revealTick = $state(0);

  #anchor = 0;
  /** Selection made by a plain click: plain arrow keys carry it along with the cursor. */
  #implicit = false;
  #listing: Listing | null = null;
  #watchId: string | null = null;
  #unwatch: (() => void) | null = null;
  #changeTimer: ReturnType<typeof setTimeout> | null = null;
  #relistAfter = false;
  #typeahead = '';
  #typeaheadAt = 0;
  #startArg = '';
  /** A path to select once it shows up in the listing (a folder just created, a file just renamed). */
  #pendingFocus: string | null = null;

  #selectedBytes = $derived.by(() => {
    const sel = this.#selected;
    if (sel.size === 0) return 0;
    let n = 0;
    for (const e of this.#entries) if (sel.has(e.path) && e.type === 'file') n += e.size;
    return n;
  });
  #names = $derived(new Set(this.#entries.map((e) => e.name)));

  constructor(side: Side) {
    this.side = side;
  }

  // ------------------------------------------------------------------ getters

  get path(): string {
    return this.#path;
  }
  get entries(): readonly DirEntry[] {
    return this.#entries;
  }
  /** Sorted, filtered rows as shown. */
  get view(): readonly DirEntry[] {
    return this.#view;
  }
  get loading(): boolean {
    return this.#loading;
  }
  /** Entries main announced for the listing in flight, and how many arrived so far. */
  get total(): number {
    return this.#total;
  }
  get received(): number {
    return this.#received;
  }
  get error(): WireError | null {
    return this.#error;
  }
  get gone(): boolean {
    return this.#gone;
  }
  get sort(): SortSpec {
    return this.#sort;
  }
  get showHidden(): boolean {
    return this.#showHidden;
  }
  get showPerms(): boolean {
    return this.#showPerms;
  }
  get selected(): ReadonlySet<string> {
    return this.#selected;
  }
  get selectedBytes(): number {
    return this.#selectedBytes;
  }
  get cursor(): number {
    return this.#cursor;
  }
  get cursorEntry(): DirEntry | undefined {
    return this.#view[this.#cursor];
  }
  get fsInfo(): FsInfo | null {
    return this.#fsInfo;
  }
  get canBack(): boolean {
    return this.#historyPos > 0;
  }
  get canForward(): boolean {
    return this.#historyPos < this.#history.length - 1;
  }
  get canUp(): boolean {
    return this.#path !== '/' && this.#path !== '';
  }
  get revealTick(): number {
    return this.#revealTick;
  }
  get hiddenCount(): number {
    return this.#entries.length - this.#view.length;
  }
  /** Names in the current folder (for "already exists" checks). */
  get names(): ReadonlySet<string> {
    return this.#names;
  }

  /** What an operation acts on: the marked entries, or else the entry under the cursor. */
  targets(): DirEntry[] {
    if (this.#selected.size > 0) return this.#view.filter((e) => this.#selected.has(e.path));
    const c = this.cursorEntry;
    return c ? [c] : [];
  }

  // ------------------------------------------------------------------ navigation

  /** Opens `open` when given, else the remembered folder (or main's start folder for this side). */
  start(arg: string, fallback: string, open?: string): void {
    this.#startArg = arg;
    let stored: Stored | null = null;
    try {
      stored = JSON.parse(localStorage.getItem(storageKey(this.side)) ?? 'null') as Stored | null;
    } catch {
      stored = null;
    }
    if (stored?.sort) this.#sort = stored.sort;
    if (stored?.showHidden !== undefined) this.#showHidden = stored.showHidden;
    if (stored?.showPerms !== undefined) this.#showPerms = stored.showPerms;
    const path = open ?? (stored && stored.arg === arg && stored.path ? stored.path : arg || fallback);
    void this.navigate(path);
  }

  #persist(): void {
    const s: Stored = { path: this.#path, arg: this.#startArg, sort: this.#sort, showHidden: this.#showHidden, showPerms: this.#showPerms };
    try {
      localStorage.setItem(storageKey(this.side), JSON.stringify(s));
    } catch {
      // storage full or disabled: not worth bothering the user
    }
  }

  async navigate(raw: string, opts: { history?: boolean; focusName?: string | null } = {}): Promise<void> {
    const path = normalizePath(raw);
    if (opts.history !== false && this.#history[this.#historyPos] !== path) {
      const h = this.#history.slice(0, this.#historyPos + 1);
      h.push(path);
      if (h.length > 100) h.shift();
      this.#history = h;
      this.#historyPos = h.length - 1;
    }
    this.#path = path;
    this.#persist();
    this.#startListing(path, false, opts.focusName ?? null);
    this.#startWatch(path);
    void this.refreshInfo();
  }

  /** Re-lists the current folder, keeping marks, cursor and scroll position. */
  refresh(): void {
    if (!this.#path) return;
    this.#startListing(this.#path, true, null);
    void this.refreshInfo();
  }

  async refreshInfo(): Promise<void> {
    const path = this.#path;
    try {
      const info = await api['fs.info']({ path });
      if (path === this.#path) this.#fsInfo = info;
    } catch {
      if (path === this.#path) this.#fsInfo = null;
    }
  }

  up(): void {
    if (!this.canUp) return;
    const from = this.#path;
    const name = from.slice(from.lastIndexOf('/') + 1);
    void this.navigate(parentOf(from), { focusName: name });
  }

  back(): void {
    if (!this.canBack) return;
    const from = this.#path;
    this.#historyPos--;
    const to = this.#history[this.#historyPos]!;
    void this.navigate(to, { history: false, focusName: parentOf(from) === to ? from.slice(from.lastIndexOf('/') + 1) : null });
  }

  forward(): void {
    if (!this.canForward) return;
    this.#historyPos++;
    void this.navigate(this.#history[this.#historyPos]!, { history: false });
  }

  /** Enter on an entry: folders (and links to folders) are opened in the pane. */
  enter(e: DirEntry): boolean {
    if (isDirLike(e)) {
      void this.navigate(e.path);
      return true;
    }
    return false;
  }

  // ------------------------------------------------------------------ listing

  #startListing(path: string, refresh: boolean, focusName: string | null): void {
    this.#cancelListing();
    this.#relistAfter = false;
    const l: Listing = { id: newId('ls'), path, buf: [], applied: 0, refresh, shownOnce: false, cost: 0, timer: null, off: () => {}, focusName };
    this.#listing = l;
    if (!refresh) {
      this.#entries = [];
      this.#view = [];
      this.#selected = new Set();
      this.#cursor = 0;
      this.#anchor = 0;
      this.#error = null;
      this.#gone = false;
      this.#fsInfo = null;
    }
    this.#loading = true;
    this.#received = 0;
    this.#total = 0;
    performance.mark(`ferry:list:${this.side}:start`);
    l.off = onListing(l.id, (p) => {
      if (this.#listing !== l) return;
      if (l.buf.length === 0) performance.mark(`ferry:list:${this.side}:first-chunk`);
      for (const e of p.entries) l.buf.push(e);
      if (l.buf.length - this.#received >= 5000 || p.done) this.#received = l.buf.length;
      if (p.error) {
        this.#error = p.error;
        l.failed = true;
      }
      if (p.done) {
        this.#finish(l);
      } else if (!l.refresh) {
        if (!l.shownOnce) this.#apply(l);
        // Later chunks are merged in batches, spaced so merging takes at most ~1/5 of the time.
        else l.timer ??= setTimeout(() => {
          l.timer = null;
          if (this.#listing === l) this.#apply(l);
        }, Math.max(STREAM_APPLY_MS, l.cost * 5));
      }
    });
    api['fs.list']({ path, listingId: l.id }).then(
      (r) => {
        if (this.#listing === l) this.#total = r.total;
      },
      (err: unknown) => {
        if (this.#listing !== l) return;
        this.#error = toWire(err);
        if (refresh) {
          // The folder we were showing is no longer readable: show that instead of stale rows.
          this.#entries = [];
          this.#view = [];
          this.#selected = new Set();
        }
        this.#finish(l, false);
      },
    );
  }

  #cancelListing(): void {
    const l = this.#listing;
    if (!l) return;
    if (l.timer) clearTimeout(l.timer);
    l.off();
    this.#listing = null;
  }

  #finish(l: Listing, apply = true): void {
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    l.off();
    if (apply) {
      if (l.refresh && !l.failed) this.#error = null;
      this.#apply(l);
      this.#gone = false;
    }
    this.#listing = null;
    this.#loading = false;
    if (this.#relistAfter) {
      this.#relistAfter = false;
      if (l.path === this.#path) this.refresh();
    }
  }

  /** Publishes the entries received so far: new arrays, re-sorted; cursor and marks follow paths. */
  #apply(l: Listing): void {
    const t0 = performance.now();
    // While a new folder streams in, each merge sorts only the entries that arrived since the last
    // one and merges them into the view; a re-list (or a sort change) sorts everything once.
    const incremental = !l.refresh && l.shownOnce && this.#entries.length === l.applied;
    const view = incremental ? mergeSorted(this.#view, l.buf.slice(l.applied), this.#sort, this.#showHidden) : null;
    l.shownOnce = true;
    this.#entries = l.buf.slice();
    l.applied = l.buf.length;
    this.#rebuildView(l.focusName, view);
    l.cost = performance.now() - t0;
    if (!l.refresh && l.buf.length > 0 && !l.marked) {
      l.marked = true;
      performance.mark(`ferry:list:${this.side}:first-rows`);
      globalThis.requestAnimationFrame?.(() => performance.mark(`ferry:list:${this.side}:first-frame`));
    }
    if (l.focusName && this.#view[this.#cursor]?.name === l.focusName) l.focusName = null;
  }

  #rebuildView(focusName: string | null = null, merged: DirEntry[] | null = null): void {
    const cursorPath = this.#view[this.#cursor]?.path;
    const anchorPath = this.#view[this.#anchor]?.path;
    const view = merged ?? sortedView(this.#entries, this.#sort, this.#showHidden);
    this.#view = view;
    let cursor = -1;
    if (focusName) cursor = view.findIndex((e) => e.name === focusName);
    if (cursor < 0 && cursorPath !== undefined) cursor = view.findIndex((e) => e.path === cursorPath);
    const focusChanged = cursor >= 0 && focusName !== null;
    this.#cursor = Math.max(0, Math.min(cursor < 0 ? this.#cursor : cursor, view.length - 1));
    if (anchorPath !== undefined) {
      const a = view.findIndex((e) => e.path === anchorPath);
      this.#anchor = a < 0 ? this.#cursor : a;
    }
    if (this.#selected.size > 0) {
      const present = new Set<string>();
      for (const e of view) if (this.#selected.has(e.path)) present.add(e.path);
      if (present.size !== this.#selected.size) this.#selected = present;
    }
    if (focusChanged) this.#revealTick++;
    const pending = this.#pendingFocus;
    if (pending) {
      const i = view.findIndex((e) => e.path === pending);
      if (i >= 0) {
        this.#pendingFocus = null;
        this.selectPath(pending);
      }
    }
  }

  // ------------------------------------------------------------------ watching

  #startWatch(path: string): void {
    this.#stopWatch();
    const watchId = newId(`w${this.side}`);
    this.#watchId = watchId;
    this.#unwatch = onWatch(watchId, (p) => {
      if (this.#watchId !== watchId) return;
      if (this.#changeTimer) clearTimeout(this.#changeTimer);
      this.#changeTimer = setTimeout(() => {
        this.#changeTimer = null;
        if (this.#watchId !== watchId) return;
        if (p.gone) this.#gone = true;
        // A re-list in flight is not restarted (a folder being filled by a copy changes all the
        // time, and a big listing would never finish): it is followed by one more instead.
        if (this.#listing?.refresh) this.#relistAfter = true;
        else this.refresh();
      }, CHANGE_DEBOUNCE_MS);
    });
    api['fs.watch']({ path, watchId }).catch(() => {
      // Not watchable (e.g. unreadable): the listing shows the error; F5-less refresh (Ctrl+R) still works.
    });
  }

  #stopWatch(): void {
    if (this.#changeTimer) clearTimeout(this.#changeTimer);
    this.#changeTimer = null;
    this.#unwatch?.();
    this.#unwatch = null;
    const id = this.#watchId;
    this.#watchId = null;
    if (id) api['fs.unwatch']({ watchId: id }).catch(() => {});
  }

  dispose(): void {
    this.#cancelListing();
    this.#stopWatch();
  }

  // ------------------------------------------------------------------ view options

  setSort(key: SortKey): void {
    this.#sort = this.#sort.key === key ? { key, dir: this.#sort.dir === 1 ? -1 : 1 } : { key, dir: 1 };
    this.#rebuildView();
    this.#revealTick++;
    this.#persist();
  }

  toggleHidden(): void {
    this.#showHidden = !this.#showHidden;
    this.#rebuildView();
    this.#revealTick++;
    this.#persist();
  }

  togglePerms(): void {
    this.#showPerms = !this.#showPerms;
    this.#persist();
  }

  // ------------------------------------------------------------------ cursor and marks

  setCursor(i: number, opts: { extend?: boolean; keepMarks?: boolean } = {}): void {
    const n = this.#view.length;
    if (n === 0) return;
    const idx = Math.max(0, Math.min(n - 1, i));
    this.#cursor = idx;
    if (opts.extend) {
      this.#selectRange(this.#anchor, idx);
      this.#implicit = false;
    } else {
      this.#anchor = idx;
      if (this.#implicit && !opts.keepMarks) this.#selected = new Set([this.#view[idx]!.path]);
    }
    this.#revealTick++;
  }

  moveCursor(delta: number, extend = false): void {
    this.setCursor(this.#cursor + delta, { extend });
  }

  /** Mouse click on row i with the event's modifiers. */
  click(i: number, mods: { ctrl: boolean; shift: boolean }): void {
    const e = this.#view[i];
    if (!e) return;
    if (mods.shift) {
      this.#selectRange(this.#anchor, i);
      this.#cursor = i;
      this.#implicit = false;
    } else if (mods.ctrl) {
      const s = new Set(this.#implicit ? [] : this.#selected);
      if (this.#implicit && this.#selected.has(this.#view[this.#cursor]?.path ?? '')) s.add(this.#view[this.#cursor]!.path);
      if (s.has(e.path)) s.delete(e.path);
      else s.add(e.path);
      this.#selected = s;
      this.#cursor = i;
      this.#anchor = i;
      this.#implicit = false;
    } else {
      this.#selected = new Set([e.path]);
      this.#cursor = i;
      this.#anchor = i;
      this.#implicit = true;
    }
  }

  /** Makes row i the cursor and, unless it is marked, the only selected entry (right-click, drag start). */
  focusRow(i: number): void {
    const e = this.#view[i];
    if (!e) return;
    this.#cursor = i;
    this.#anchor = i;
    if (!this.#selected.has(e.path)) {
      this.#selected = new Set([e.path]);
      this.#implicit = true;
    }
  }

  #selectRange(a: number, b: number): void {
    const [lo, hi] = a <= b ? [a, b] : [b, a];
    const s = new Set<string>();
    for (let i = lo; i <= hi; i++) {
      const e = this.#view[i];
      if (e) s.add(e.path);
    }
    this.#selected = s;
  }

  /** Insert/Space: toggles the mark on the cursor entry; Insert also moves down. */
  toggleMark(advance: boolean): void {
    const e = this.cursorEntry;
    if (!e) return;
    const s = new Set(this.#implicit ? [] : this.#selected);
    if (this.#selected.has(e.path) && !this.#implicit) s.delete(e.path);
    else s.add(e.path);
    this.#selected = s;
    this.#implicit = false;
    if (advance) {
      this.#cursor = Math.min(this.#view.length - 1, this.#cursor + 1);
      this.#anchor = this.#cursor;
      this.#revealTick++;
    }
  }

  selectAll(): void {
    this.#selected = new Set(this.#view.map((e) => e.path));
    this.#implicit = false;
  }

  clearSelection(): void {
    this.#selected = new Set();
    this.#implicit = false;
  }

  /** Selects exactly these paths (after a rename or mkdir, the new entry). */
  selectPath(path: string): void {
    const i = this.#view.findIndex((e) => e.path === path);
    if (i >= 0) {
      this.#cursor = i;
      this.#anchor = i;
      this.#selected = new Set([path]);
      this.#implicit = true;
      this.#revealTick++;
    } else {
      this.#pendingFocus = path;
    }
  }

  /** Type-ahead: letters typed in quick succession jump to the first entry starting with them. */
  typeahead(ch: string, now = Date.now()): boolean {
    this.#typeahead = now - this.#typeaheadAt > TYPEAHEAD_MS ? ch : this.#typeahead + ch;
    this.#typeaheadAt = now;
    const prefix = this.#typeahead.toLowerCase();
    const v = this.#view;
    const n = v.length;
    // A repeated single letter cycles through entries with that letter.
    const startAt = prefix.length === 1 ? this.#cursor + 1 : this.#cursor;
    for (let k = 0; k < n; k++) {
      const i = (startAt + k) % n;
      if (v[i]!.name.toLowerCase().startsWith(prefix)) {
        this.setCursor(i);
        return true;
      }
    }
    return false;
  }

  /** Whether a type-ahead sequence is in progress (Space then belongs to it). */
  typingAhead(now = Date.now()): boolean {
    return this.#typeahead.length > 0 && now - this.#typeaheadAt <= TYPEAHEAD_MS;
  }
}
