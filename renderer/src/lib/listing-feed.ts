// One listing (or search) streaming into a pane: the rows received so far and when to publish
// them. Plain TypeScript, no Svelte: the pane (pane.svelte.ts) owns the state the user sees and
// is called back to publish (`apply`), to count (`received`), to show an error and to complete.
//
// Pacing: the first chunk is published at once (the first screenful shows without waiting);
// later chunks that come in the pane's order (the engine sorts by name) are appended as they
// arrive and published at most every STREAM_APPLY_MS; others are merged in batches (MERGE_SLICE
// rows at most) spaced so merging takes at most ~1/5 of the time; once all rows are in, rows in
// order are appended at once, others merged a slice per macrotask, so input
// and painting never wait behind one long merge. A re-list of the folder already shown (`refresh`) publishes
// only once complete (its old rows stay until then).
import type { DirEntry, ListedColumns, WireError } from '../../../electron/contract';
import { entriesOfColumns } from '../../../native/types';
import type { SortSpec } from './sort';

/** Later chunks are merged at most this often while streaming (and published at most this often). */
export const STREAM_APPLY_MS = 250;
/**
 * New rows merged into the view per task at most: a 100,000-row search (or listing) that arrives
 * faster than it can be merged is merged in slices, one per macrotask. Each merge copies the rows
 * merged so far: slices of 2,000 made merging 100,000 rows 1.7× one sort of them, 25,000 1.0×.
 */
export const MERGE_SLICE = 20_000;
/** While a backlog is merged slice by slice, the view is published at most this often (else once it is all in). */
export const BACKLOG_PUBLISH_MS = 1000;

/** What the pane does for its listing. */
export interface FeedHooks {
  /** Publishes the rows received so far (or the next slice of them): sets `applied`, `cost`. */
  apply(): void;
  /**
   * Takes the rows received so far into the listing's sorted rows without publishing them, when
   * that is an append (they came in the pane's order); else leaves them to `apply`.
   */
  absorb(): void;
  /** `n` rows have arrived (`done`: all of them). */
  received(n: number, done: boolean): void;
  /** An event of this listing carried an error (rows received so far stay). */
  error(e: WireError): void;
  /** The listing is over: every row published (`applied`), or it failed or was ended without. */
  complete(applied: boolean): void;
}

export interface FeedChunk {
  entries: DirEntry[];
  done: boolean;
  error?: WireError;
  /** The rows in the compact form (a listing asked with `columns: true`); `path`: the folder listed. */
  columns?: ListedColumns;
  path?: string;
}

export class ListingFeed {
  readonly id: string;
  readonly path: string;
  /** A re-list of the folder already shown: keep the old rows until the new listing is complete. */
  readonly refresh: boolean;
  /** Every row received, in arrival order. */
  readonly buf: DirEntry[] = [];
  /** How many of `buf` the view already holds. */
  applied = 0;
  /** Rows were published once. */
  shownOnce = false;
  /** The first rows were marked for the bench (performance marks). */
  marked = false;
  /** An event of this listing carried an error. */
  failed = false;
  /** How long the last merge (copy + sort) took, in ms. */
  cost = 0;
  /** The pane's rows so far, sorted (before its filter), the order they are in, and when they were last published. */
  sorted: DirEntry[] | null = null;
  sortedBy: SortSpec | null = null;
  sortedHidden = false;
  publishedAt = -Infinity;
  /** Name to put the cursor on once it appears (the folder we came up from). */
  focusName: string | null;
  /** The cursor was put on an entry while rows still arrived: bring it into view once all are in. */
  revealAtEnd = false;

  #hooks: FeedHooks;
  #mark: string;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #off: () => void = () => {};
  #live = true;

  /** `mark`: prefix of the performance marks (`…:first-chunk`, `…:last-chunk`, `…:complete`). */
  constructor(opts: { id: string; path: string; refresh: boolean; focusName: string | null; mark: string }, hooks: FeedHooks) {
    this.id = opts.id;
    this.path = opts.path;
    this.refresh = opts.refresh;
    this.focusName = opts.focusName;
    this.#mark = opts.mark;
    this.#hooks = hooks;
  }

  /** Still the pane's listing (not stopped, not complete). */
  get live(): boolean {
    return this.#live;
  }

  /** Keeps the unsubscribe function of the events feeding this listing. */
  listen(off: () => void): void {
    this.#off = off;
  }

  /** One event's rows. */
  feed(p: FeedChunk): void {
    if (!this.#live) return;
    if (this.buf.length === 0) performance.mark(`${this.#mark}:first-chunk`);
    if (p.done) performance.mark(`${this.#mark}:last-chunk`);
    const rows = p.columns ? entriesOfColumns(p.path ?? this.path, p.columns) : p.entries;
    for (const e of rows) this.buf.push(e);
    this.#hooks.received(this.buf.length, p.done);
    if (p.error) {
      this.failed = true;
      this.#hooks.error(p.error);
    }
    if (p.done) {
      this.finish();
    } else if (!this.refresh) {
      if (!this.shownOnce) {
        this.#hooks.apply();
      } else {
        // Rows in order cost an append now, while the page waits for the next chunk anyway.
        this.#hooks.absorb();
        this.#applyLater();
      }
    }
  }

  /** Ends the listing without completing it (a newer one replaces it, the pane goes away). */
  stop(): void {
    this.#clearTimer();
    this.#off();
    this.#live = false;
  }

  /**
   * Ends the listing: with `apply`, what is left is published a slice per macrotask before it
   * counts as complete; without (it failed), at once.
   */
  finish(apply = true): void {
    this.#clearTimer();
    this.#off();
    if (apply) {
      this.#hooks.apply();
      if (this.applied < this.buf.length) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          if (this.#live) this.finish();
        }, 0);
        return;
      }
    }
    this.#live = false;
    performance.mark(`${this.#mark}:complete`);
    this.#hooks.complete(apply);
  }

  /**
   * While rows still arrive, one merge (a slice at most) per pause, even with a backlog: the
   * thread stays free to take in the rows (a browser reads a socket only as fast as its page takes
   * the messages); the backlog goes back to back once all is in (finish).
   */
  #applyLater(): void {
    this.#timer ??= setTimeout(
      () => {
        this.#timer = null;
        if (!this.#live) return;
        this.#hooks.apply();
        if (this.buf.length > this.applied) this.#applyLater();
      },
      Math.max(STREAM_APPLY_MS, this.cost * 5),
    );
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
