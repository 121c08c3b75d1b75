// One pane's state: its folder, the streamed listing's merge into the sorted view, sort and
// quick filter, the folder watch and the filesystem info for the status line; its tabs (each with
// its folder, sort and history, restored at start); and a search whose results it shows in place
// of the folder, usable like its rows. The listing's stream and pacing (listing-feed.ts), the
// folder watch and its debounce (folder-watch.ts), sorting
// (sort.ts), cursor and marks (selection.ts), history and remembered settings (history.ts) and
// tabs (tabs.ts) are plain TypeScript, composed here. Components read the getters and call the
// methods; they never write fields.
//
// Big data is `$state.raw`: the entries and the sorted view are plain arrays replaced as a whole
// (per throttled batch of `dir.entries` chunks), so 100,000 entries never become proxies. The
// selection and the history are immutable values, replaced on every change.
import type { DirEntry, Events, FsInfo, NamePattern, WireError } from '../../../electron/contract';
import { toWireError as toWire } from '../../../native/errors';
import { compilePattern } from '../../../electron/glob';
import { api } from './client';
import { newId, onListing, onSearch } from './events';
import { FolderWatch } from './folder-watch';
import { baseName, isDirLike, normalizePath, parentOf } from './format';
import { canGo, go, loadPrefs, NO_HISTORY, savePrefs, startFolder, visit } from './history';
import * as sel from './selection';
import { appendInOrder, mergeSorted, sortedView, type SortKey, type SortSpec } from './sort';
import * as tabs from './tabs';
import { BACKLOG_PUBLISH_MS, ListingFeed, MERGE_SLICE } from './listing-feed';

export type Side = 'left' | 'right';

/** A search shown in the pane: what was asked, and how far the walk has come. */
export interface SearchView {
  id: string;
  root: string;
  query: NamePattern;
  running: boolean;
  cancelled: boolean;
  folders: number;
  scanned: number;
  unreadable: number;
  error: WireError | null;
}

export interface TabInfo {
  path: string;
  label: string;
  active: boolean;
}

/** The quick filter: a wildcard pattern when it has one, else the names that contain the text. */
function filterMatcher(text: string): (name: string) => boolean {
  const t = text.trim();
  if (/[*?[{]/.test(t)) {
    try {
      return compilePattern({ pattern: t });
    } catch {
      /* not a usable pattern: the text as it is */
    }
  }
  const lower = t.toLowerCase();
  return (name) => name.toLowerCase().includes(lower);
}

/** `dir.changed` bursts are folded into one re-list. */

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
  #sel = $state.raw<sel.Selection>(sel.NO_SELECTION);
  #fsInfo = $state.raw<FsInfo | null>(null);
  #history = $state.raw(NO_HISTORY);
  /** Bumped when the cursor should be scrolled into view. */
  #revealTick = $state(0);
  #filter = $state('');
  /** Entries left out of the view by the hidden setting, and by the quick filter. */
  #hiddenN = $state(0);
  #filteredN = $state(0);
  #search = $state.raw<SearchView | null>(null);
  #tabs = $state.raw<tabs.TabSet>({ tabs: [], active: 0 });

  #listing: ListingFeed | null = null;
  /** The folder's watch: a burst of changes re-lists once (not while a search shows). */
  #watch: FolderWatch;
  #relistAfter = false;
  #typeahead = new sel.TypeAhead();
  #startArg = '';
  /** A path to select once it shows up in the listing (a folder just created, a file just renamed). */
  #pendingFocus: string | null = null;

  // Deriveds of the parts, so readers of the marks do not re-run when only the cursor moves.
  #selected = $derived(this.#sel.marked);
  #cursor = $derived(this.#sel.cursor);
  #selectedBytes = $derived.by(() => {
    const marked = this.#selected;
    if (marked.size === 0) return 0;
    let n = 0;
    for (const e of this.#entries) if (marked.has(e.path) && e.type === 'file') n += e.size;
    return n;
  });
  #names = $derived(this.#search ? new Set<string>() : new Set(this.#entries.map((e) => e.name)));
  #tabInfo = $derived(this.#tabs.tabs.map((t, i): TabInfo => {
    const active = i === this.#tabs.active;
    const p = active ? this.#path : t.path;
    return { path: p, label: tabs.tabLabel(p), active };
  }));

  constructor(side: Side) {
    this.side = side;
    this.#watch = new FolderWatch(`w${side}`, (gone) => this.#folderChanged(gone));
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
    return canGo(this.#history, -1);
  }
  get canForward(): boolean {
    return canGo(this.#history, 1);
  }
  get canUp(): boolean {
    return this.#path !== '/' && this.#path !== '';
  }
  get revealTick(): number {
    return this.#revealTick;
  }
  /** Hidden entries not shown (Ctrl+H shows them). */
  get hiddenCount(): number {
    return this.#hiddenN;
  }
  /** The quick filter's text ('' when the pane is not filtered). */
  get filter(): string {
    return this.#filter;
  }
  /** Entries the quick filter leaves out. */
  get filteredCount(): number {
    return this.#filteredN;
  }
  /** The search shown in place of the folder, or null. */
  get search(): SearchView | null {
    return this.#search;
  }
  get tabs(): readonly TabInfo[] {
    return this.#tabInfo;
  }
  get tabIndex(): number {
    return this.#tabs.active;
  }
  /** Names in the current folder (for "already exists" checks; none while showing search results). */
  get names(): ReadonlySet<string> {
    return this.#names;
  }

  /** What an operation acts on: the marked entries, or else the entry under the cursor. */
  targets(): DirEntry[] {
    return sel.targets(this.#sel, this.#view);
  }

  // ------------------------------------------------------------------ navigation

  /**
   * Restores the tabs (each with its folder, sort and history) and opens the active one: `open`
   * when given (in the active tab), else the remembered folder (or main's start folder for this
   * side, when main was given another one since).
   */
  start(arg: string, fallback: string, open?: string): void {
    this.#startArg = arg;
    const saved = loadPrefs(this.side, localStorage);
    if (saved.showPerms !== undefined) this.#showPerms = saved.showPerms;
    const set = tabs.loadTabs(this.side, localStorage);
    const first = startFolder(saved, arg, fallback);
    if (set) {
      this.#tabs = set;
      const t = set.tabs[set.active]!;
      this.#sort = t.sort;
      this.#showHidden = t.showHidden;
      this.#history = t.history;
      // The active tab follows a new start folder from main, as the single pane did.
      const path = open ?? (saved.path && saved.arg === arg ? t.path : first);
      void this.navigate(path, { history: t.history.paths[t.history.pos] !== path });
      return;
    }
    if (saved.sort) this.#sort = saved.sort;
    if (saved.showHidden !== undefined) this.#showHidden = saved.showHidden;
    this.#tabs = { tabs: [this.#snapshot()], active: 0 };
    void this.navigate(open ?? first);
  }

  /** The active tab as it is now. */
  #snapshot(): tabs.TabRecord {
    return { path: this.#path, sort: this.#sort, showHidden: this.#showHidden, history: this.#history };
  }

  #persist(): void {
    savePrefs(this.side, { path: this.#path, arg: this.#startArg, sort: this.#sort, showHidden: this.#showHidden, showPerms: this.#showPerms }, localStorage);
    if (this.#tabs.tabs.length === 0) return;
    this.#tabs = tabs.withActive(this.#tabs, this.#snapshot());
    tabs.saveTabs(this.side, this.#tabs, localStorage);
  }

  async navigate(raw: string, opts: { history?: boolean; focusName?: string | null; select?: string | null } = {}): Promise<void> {
    const path = normalizePath(raw);
    if (opts.history !== false) this.#history = visit(this.#history, path);
    this.#path = path;
    this.#stopSearch();
    this.#search = null;
    this.#filter = '';
    this.#pendingFocus = opts.select ?? null;
    this.#persist();
    this.#startListing(path, false, opts.focusName ?? null);
    this.#watch.start(path);
    void this.refreshInfo();
  }

  /** Re-lists the current folder, keeping marks, cursor and scroll position (search results: searches again). */
  refresh(): void {
    if (!this.#path) return;
    const s = this.#search;
    if (s) {
      this.#runSearch(s.query);
      return;
    }
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
    if (this.#search) {
      this.closeSearch();
      return;
    }
    if (!this.canUp) return;
    const from = this.#path;
    void this.navigate(parentOf(from), { focusName: baseName(from) });
  }

  /** Up to the nearest folder above that exists (from a folder that is gone or was never there). */
  async upToExisting(): Promise<void> {
    let d = parentOf(this.#path);
    while (d !== '/') {
      const ok = await api['fs.stat']({ path: d }).then((e) => isDirLike(e), () => false);
      if (ok) break;
      d = parentOf(d);
    }
    void this.navigate(d, { focusName: null });
  }

  /** Back (-1) or forward (1) in the history; going back up a level puts the cursor on the folder left. */
  #step(delta: -1 | 1): void {
    const from = this.#path;
    const to = go(this.#history, delta);
    if (!to) return;
    this.#history = to.history;
    void this.navigate(to.path, { history: false, focusName: parentOf(from) === to.path ? baseName(from) : null });
  }
  back(): void {
    this.#step(-1);
  }
  forward(): void {
    this.#step(1);
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

  #startListing(path: string, refresh: boolean, focusName: string | null, query: NamePattern | null = null): void {
    this.#cancelListing();
    this.#relistAfter = false;
    const l: ListingFeed = new ListingFeed(
      { id: newId('ls'), path, refresh, focusName, mark: `ferry:list:${this.side}` },
      {
        apply: () => this.#apply(l),
        absorb: () => this.#absorb(l),
        received: (n, done) => {
          if (n - this.#received >= 5000 || done) this.#received = n;
        },
        error: (e) => {
          this.#error = e;
        },
        complete: (applied) => this.#completed(l, applied),
      },
    );
    this.#listing = l;
    if (!refresh) {
      this.#entries = [];
      this.#view = [];
      this.#sel = sel.NO_SELECTION;
      this.#error = null;
      this.#gone = false;
      this.#fsInfo = null;
    }
    this.#loading = true;
    this.#received = 0;
    this.#total = 0;
    performance.mark(`ferry:list:${this.side}:start`);
    const failed = (err: unknown) => {
      if (this.#listing !== l) return;
      this.#error = toWire(err);
      if (refresh) {
        // The folder we were showing is no longer readable: show that instead of stale rows.
        this.#entries = [];
        this.#view = [];
        this.#sel = sel.clearMarks(this.#sel);
      }
      l.finish(false);
    };
    if (query) {
      l.listen(
        onSearch(l.id, (p) => {
          this.#searchProgress(l.id, p);
          l.feed(p);
        }),
      );
      api['fs.search']({ searchId: l.id, root: path, ...query, hidden: this.#showHidden }).catch((err: unknown) => {
        this.#searchProgress(l.id, null, toWire(err));
        failed(err);
      });
      return;
    }
    l.listen(onListing(l.id, (p) => l.feed(p)));
    // Rows in the pane's order when it is by name (the engine sorts; #apply checks, sorts if need be).
    const order = this.#sort.key === 'name' ? { sort: { key: 'name' as const, dir: this.#sort.dir } } : {};
    api['fs.list']({ path, listingId: l.id, columns: true, ...order }).then((r) => {
      if (this.#listing === l) this.#total = r.total;
    }, failed);
  }

  #cancelListing(): void {
    this.#listing?.stop();
    this.#listing = null;
  }

  /** The listing is over (`applied`: every row is in the view). */
  #completed(l: ListingFeed, applied: boolean): void {
    if (applied) {
      if (l.refresh && !l.failed) this.#error = null;
      this.#gone = false;
      // Rows that came in later may have pushed the cursor out of view.
      if (l.revealAtEnd) this.#revealTick++;
    }
    this.#listing = null;
    this.#loading = false;
    if (this.#relistAfter) {
      this.#relistAfter = false;
      if (l.path === this.#path) this.refresh();
    }
  }

  /**
   * Takes the entries received so far into the view: new arrays, re-sorted; cursor and marks
   * follow paths. While a new folder streams in, each call sorts only the entries that arrived
   * since the last one (a slice at most) and merges them into the listing's sorted rows; these
   * are published (the rows drawn again) once every received entry is in, or BACKLOG_PUBLISH_MS
   * after the last time: slices of a backlog are merged one per macrotask without each being
   * drawn (that redrew the rows in view 50 times for 100,000 entries, most of the listing's
   * renderer time). A re-list, a sort change or a filter sorts everything at once.
   */
  #apply(l: ListingFeed): void {
    const t0 = performance.now();
    const spec = this.#sort;
    const hidden = this.#showHidden;
    const incremental = this.#incremental(l);
    // Rows in order are appended whole (O(new rows)); others merged a slice at a time.
    let merged = incremental ? appendInOrder(l.sorted!, l.buf.slice(l.applied), spec, hidden) : null;
    let upto = l.buf.length;
    if (incremental && !merged) {
      upto = Math.min(l.buf.length, l.applied + MERGE_SLICE);
      merged = mergeSorted(l.sorted!, l.buf.slice(l.applied, upto), spec, hidden);
    }
    l.applied = upto;
    if (merged && upto < l.buf.length && t0 - l.publishedAt < BACKLOG_PUBLISH_MS) {
      l.sorted = merged;
      l.cost = performance.now() - t0;
      return;
    }
    l.shownOnce = true;
    l.publishedAt = t0;
    this.#entries = upto === l.buf.length ? l.buf.slice() : l.buf.slice(0, upto);
    l.sorted = this.#rebuildView(l.focusName, merged);
    l.sortedBy = spec;
    l.sortedHidden = hidden;
    l.cost = performance.now() - t0;
    if (!l.refresh && l.buf.length > 0 && !l.marked) {
      l.marked = true;
      performance.mark(`ferry:list:${this.side}:first-rows`);
      globalThis.requestAnimationFrame?.(() => performance.mark(`ferry:list:${this.side}:first-frame`));
    }
    if (l.focusName && this.#view[this.#cursor]?.name === l.focusName) l.focusName = null;
  }

  /** The listing's rows can be merged into its sorted rows so far (a new folder streaming in, same order, no filter). */
  #incremental(l: ListingFeed): boolean {
    return !l.refresh && l.sorted !== null && l.sortedBy === this.#sort && l.sortedHidden === this.#showHidden && this.#filter === '';
  }

  /** Appends the rows received since the last merge to the listing's sorted rows, unpublished, when they are in order. */
  #absorb(l: ListingFeed): void {
    if (!this.#incremental(l) || l.applied === l.buf.length) return;
    const merged = appendInOrder(l.sorted!, l.buf.slice(l.applied), this.#sort, this.#showHidden);
    if (!merged) return;
    l.sorted = merged;
    l.applied = l.buf.length;
  }

  /** Sorts (or takes `merged`, sorted already), filters and publishes the view; returns the rows before the filter. */
  #rebuildView(focusName: string | null = null, merged: DirEntry[] | null = null): DirEntry[] {
    const before = this.#view;
    const shown = merged ?? sortedView(this.#entries, this.#sort, this.#showHidden);
    const match = this.#filter ? filterMatcher(this.#filter) : null;
    const view = match ? shown.filter((e) => match(e.name)) : shown;
    this.#hiddenN = this.#entries.length - shown.length;
    this.#filteredN = shown.length - view.length;
    this.#view = view;
    const { selection, focused } = sel.follow(this.#sel, before, view, focusName);
    this.#sel = selection;
    if (focused) this.#revealTick++;
    const pending = this.#pendingFocus;
    if (pending && this.#select(sel.selectOnly(view, pending), true)) this.#pendingFocus = null;
    if ((focused || (pending && !this.#pendingFocus)) && this.#listing) this.#listing.revealAtEnd = true;
    return shown;
  }

  // ------------------------------------------------------------------ watching

  #folderChanged(gone: boolean): void {
    if (this.#search) return;
    if (gone) this.#gone = true;
    // A re-list in flight is not restarted (a folder being filled by a copy changes all the
    // time, and a big listing would never finish): it is followed by one more instead.
    if (this.#listing?.refresh) this.#relistAfter = true;
    else this.refresh();
  }

  dispose(): void {
    this.#stopSearch();
    this.#cancelListing();
    this.#watch.stop();
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

  /** The quick filter (Ctrl+F): narrows the rows to names containing `text` (or matching it, with wildcards). */
  setFilter(text: string): void {
    if (text === this.#filter) return;
    this.#filter = text;
    this.#rebuildView();
    this.#revealTick++;
  }

  // ------------------------------------------------------------------ search

  /** Searches below the pane's folder; the results replace the rows until closeSearch(). */
  startSearch(query: NamePattern): void {
    if (!this.#path) return;
    this.#filter = '';
    this.#runSearch(query);
  }

  #runSearch(query: NamePattern): void {
    this.#stopSearch();
    this.#watch.stop();
    this.#startListing(this.#path, false, null, query);
    this.#search = { id: this.#listing!.id, root: this.#path, query, running: true, cancelled: false, folders: 0, scanned: 0, unreadable: 0, error: null };
    void this.refreshInfo();
  }

  #searchProgress(id: string, p: Events['search.results'] | null, error: WireError | null = null): void {
    const s = this.#search;
    if (!s || s.id !== id) return;
    this.#search = p
      ? { ...s, folders: p.folders, scanned: p.scanned, unreadable: p.unreadable, running: !p.done, error: p.error ?? null }
      : { ...s, running: false, error };
  }

  /** Stops a running search; the results found so far stay. */
  cancelSearch(): void {
    const s = this.#search;
    if (!s?.running) return;
    this.#stopSearch();
    const l = this.#listing;
    if (l && l.id === s.id) l.finish();
    this.#search = { ...s, running: false, cancelled: true };
  }

  #stopSearch(): void {
    const s = this.#search;
    if (s?.running) api['fs.searchCancel']({ searchId: s.id }).catch(() => {});
  }

  /** Back from the results to the folder, as it was. */
  closeSearch(): void {
    if (!this.#search) return;
    this.#stopSearch();
    void this.navigate(this.#path, { history: false });
  }

  // ------------------------------------------------------------------ tabs

  /** Ctrl+T: a new tab on the same folder, right after this one. */
  newTab(): boolean {
    this.#persist();
    const next = tabs.openTab(this.#tabs, { ...this.#snapshot(), history: visit(NO_HISTORY, this.#path) });
    if (!next) return false;
    this.#tabs = next;
    this.#persist();
    return true;
  }

  /** Ctrl+W: closes a tab (the active one by default); the last tab stays. */
  closeTab(i = this.#tabs.active): boolean {
    this.#persist();
    const next = tabs.closeTab(this.#tabs, i);
    if (!next) return false;
    const switching = i === this.#tabs.active;
    this.#tabs = next;
    if (switching) this.#show(next.tabs[next.active]!);
    else tabs.saveTabs(this.side, this.#tabs, localStorage);
    return true;
  }

  /** Shows tab i (Ctrl+Tab: the next). */
  selectTab(i: number): void {
    if (i === this.#tabs.active || i < 0 || i >= this.#tabs.tabs.length) return;
    this.#persist();
    this.#tabs = { tabs: this.#tabs.tabs, active: i };
    this.#show(this.#tabs.tabs[i]!);
  }

  cycleTab(delta: number): void {
    if (this.#tabs.tabs.length > 1) this.selectTab(tabs.cycle(this.#tabs, delta));
  }

  #show(t: tabs.TabRecord): void {
    this.#stopSearch();
    this.#sort = t.sort;
    this.#showHidden = t.showHidden;
    this.#history = t.history;
    void this.navigate(t.path, { history: t.history.paths[t.history.pos] !== t.path });
  }

  // ------------------------------------------------------------------ selection by pattern

  /**
   * `+` / `-`: marks (or unmarks) the files whose names match the pattern (glob list or regular
   * expression); a glob ending in "/" applies to folders instead. Returns how many rows matched.
   */
  markByPattern(p: NamePattern, on: boolean): number {
    const folders = !p.regex && /\/\s*$/.test(p.pattern);
    const match = compilePattern(folders ? { ...p, pattern: p.pattern.replace(/\/\s*$/, '') } : p);
    const pick = (e: DirEntry) => isDirLike(e) === folders && match(e.name);
    let n = 0;
    for (const e of this.#view) if (pick(e)) n++;
    this.#select(sel.markWhere(this.#sel, this.#view, pick, on));
    return n;
  }

  /** `*`: every row's mark flipped. */
  invertSelection(): void {
    this.#select(sel.invertMarks(this.#sel, this.#view));
  }

  // ------------------------------------------------------------------ cursor and marks

  /**
   * Applies a new selection; true when there was one. A selection made since an entry was due to
   * be selected once listed (a paste, a rename, a path typed) wins: that entry is no longer due.
   */
  #select(next: sel.Selection | null, reveal = false): boolean {
    if (!next) return false;
    this.#sel = next;
    this.#pendingFocus = null;
    if (reveal) this.#revealTick++;
    return true;
  }

  setCursor(i: number, opts: { extend?: boolean } = {}): void {
    this.#select(sel.moveCursor(this.#sel, this.#view, i, opts.extend), this.#view.length > 0);
  }

  moveCursor(delta: number, extend = false): void {
    this.setCursor(this.#sel.cursor + delta, { extend });
  }

  /** Mouse click on row i with the event's modifiers. */
  click(i: number, mods: { ctrl: boolean; shift: boolean }): void {
    this.#select(sel.click(this.#sel, this.#view, i, mods));
  }

  /** Makes row i the cursor and, unless it is marked, the only selected entry (right-click, drag start). */
  focusRow(i: number): void {
    this.#select(sel.focusRow(this.#sel, this.#view, i));
  }

  /** Insert/Space: toggles the mark on the cursor entry; Insert also moves down. */
  toggleMark(advance: boolean): void {
    this.#select(sel.toggleMark(this.#sel, this.#view, advance), advance && this.cursorEntry !== undefined);
  }

  selectAll(): void {
    this.#select(sel.markAll(this.#sel, this.#view));
  }

  clearSelection(): void {
    this.#select(sel.clearMarks(this.#sel));
  }

  /** Selects exactly this path (after a rename or mkdir, the new entry), now or once it is listed. */
  selectPath(path: string): void {
    if (!this.#select(sel.selectOnly(this.#view, path), true)) this.#pendingFocus = path;
  }

  /** Type-ahead: letters typed in quick succession jump to the first entry starting with them. */
  typeahead(ch: string, now = Date.now()): boolean {
    const i = sel.findByPrefix(this.#view, this.#typeahead.push(ch, now), this.#sel.cursor);
    if (i >= 0) this.setCursor(i);
    return i >= 0;
  }

  /** Whether a type-ahead sequence is in progress (Space then belongs to it). */
  typingAhead(now = Date.now()): boolean {
    return this.#typeahead.active(now);
  }
}
