// A long list of records held as pages fetched from the server when a row reads them (the rows on
// screen), for the queue's finished files (jobs.files) and the copy-method log (log.read). The
// pages are plain (records never become reactive proxies), behind a version counter that reading
// a row depends on; the count is state of its own, so rows on screen do not redraw when only the
// count grows. A page is fetched once, and again only after the count has grown past what it held
// when it was asked for (its last rows were not there yet). Each `reset` starts a new list:
// answers to requests made before it are dropped.
import { toWireError } from '../../../native/errors';

/** One answer of the server: `limit` records from `offset` at most, and how many the list holds. */
export interface RecordPage<T> {
  records: readonly T[];
  total: number;
}
export type FetchPage<T> = (offset: number, limit: number) => Promise<RecordPage<T>>;

export class PagedRecords<T> {
  readonly pageSize: number;
  #total = $state(0);
  #error = $state<string | null>(null);
  /** Bumped whenever #pages changes (it is plain, not reactive). */
  #version = $state(0);
  #fetch: FetchPage<T> | null = null;
  /** Each page's records, and the count when it was asked for. */
  #pages = new Map<number, { records: readonly T[]; askedAt: number }>();
  #pending = new Set<number>();
  /** Incremented by every reset: answers to older requests are dropped. */
  #generation = 0;

  constructor(pageSize: number) {
    this.pageSize = pageSize;
  }

  /** How many records the list holds (as far as known: the last answer, or `grow`). */
  get total(): number {
    return this.#total;
  }
  /** The last fetch's failure in the user's terms; cleared by the next good one and by reset. */
  get error(): string | null {
    return this.#error;
  }

  /** Record i, or undefined while its page loads (reading it asks for the page). */
  at(i: number): T | undefined {
    void this.#version;
    const p = Math.floor(i / this.pageSize);
    const page = this.#pages.get(p);
    const r = page?.records[i - p * this.pageSize];
    if (r === undefined && i < this.#total && (!page || page.askedAt < this.#total)) void this.#load(p, this.#generation, false);
    return r;
  }

  /** The list has grown to `total` records (known from elsewhere: a job's progress tick). */
  grow(total: number): void {
    if (total > this.#total) this.#total = total;
  }

  /**
   * Starts a list over: its pages come from `fetch` (null: an empty list). `keep`: the same list
   * fetched again (new records, other filters): the rows shown stay until the first page's answer
   * replaces them all; else they go at once. Resolves once the first page is in (or failed).
   */
  async reset(fetch: FetchPage<T> | null, keep = false): Promise<void> {
    const gen = ++this.#generation;
    this.#fetch = fetch;
    this.#pending.clear();
    this.#error = null;
    if (!keep) {
      this.#pages = new Map();
      this.#total = 0;
      this.#version++;
    }
    if (fetch) await this.#load(0, gen, keep);
  }

  /** Fetches page p (one request per page at a time); `replace`: the answer replaces every page and the count. */
  async #load(p: number, gen: number, replace: boolean): Promise<void> {
    const fetch = this.#fetch;
    if (fetch === null || this.#pending.has(p)) return;
    this.#pending.add(p);
    const askedAt = this.#total;
    try {
      const page = await fetch(p * this.pageSize, this.pageSize);
      if (gen !== this.#generation) return;
      if (replace) this.#pages = new Map();
      this.#pages.set(p, { records: page.records, askedAt: replace ? page.total : Math.max(askedAt, page.total) });
      this.#total = replace ? page.total : Math.max(this.#total, page.total);
      this.#error = null;
      this.#version++;
    } catch (e) {
      if (gen === this.#generation) this.#error = toWireError(e).message;
    } finally {
      if (gen === this.#generation) this.#pending.delete(p);
    }
  }
}
