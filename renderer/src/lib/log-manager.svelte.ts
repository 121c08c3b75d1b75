// The copy-method log in the renderer, one instance (`logManager`): the filters, the records as
// pages fetched when rows scroll into view (a plain cache behind a version counter), and export
// as a download. Setting a filter refetches; while the log is shown (`open()`), finished files of
// running jobs refetch it at most once a second. The component only reads and sets.
import type { LogRecord, Method, Params } from '../../../electron/contract';
import { api, on } from './client';
import { toWireError } from '../../../native/errors';

/** Records per `log.read` request. */
export const LOG_PAGE = 500;
/** While jobs run, the open log refetches at most this often. */
export const LOG_REFRESH_MS = 1000;
/** Typing in the text filter refetches once the typing pauses this long. */
export const TEXT_DEBOUNCE_MS = 150;
/** The contract's longest text filter. */
export const MAX_TEXT = 1000;

type Query = Omit<Params<'log.read'>, 'offset' | 'limit'>;

export class LogManager {
  #method = $state<Method | ''>('');
  #fellBack = $state(false);
  #errorsOnly = $state(false);
  #text = $state('');
  #jobId = $state('');
  #total = $state(0);
  #error = $state<string | null>(null);
  /** Bumped when #pages changes (it is plain, not reactive). */
  #version = $state(0);

  #pages = new Map<number, readonly LogRecord[]>();
  #pending = new Set<number>();
  /** Incremented by every refetch: answers to older requests are dropped. */
  #generation = 0;
  #textTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #lastRefresh = 0;

  // ------------------------------------------------------------------ filters

  get method(): Method | '' {
    return this.#method;
  }
  set method(v: Method | '') {
    if (v === this.#method) return;
    this.#method = v;
    void this.refresh();
  }
  get fellBack(): boolean {
    return this.#fellBack;
  }
  set fellBack(v: boolean) {
    if (v === this.#fellBack) return;
    this.#fellBack = v;
    void this.refresh();
  }
  get errorsOnly(): boolean {
    return this.#errorsOnly;
  }
  set errorsOnly(v: boolean) {
    if (v === this.#errorsOnly) return;
    this.#errorsOnly = v;
    void this.refresh();
  }
  get text(): string {
    return this.#text;
  }
  set text(v: string) {
    v = v.slice(0, MAX_TEXT);
    if (v === this.#text) return;
    this.#text = v;
    if (this.#textTimer) clearTimeout(this.#textTimer);
    this.#textTimer = setTimeout(() => {
      this.#textTimer = null;
      void this.refresh();
    }, TEXT_DEBOUNCE_MS);
  }
  /** '' for every job. */
  get jobId(): string {
    return this.#jobId;
  }
  set jobId(v: string) {
    if (v === this.#jobId) return;
    this.#jobId = v;
    void this.refresh();
  }
  get filtered(): boolean {
    return this.#method !== '' || this.#fellBack || this.#errorsOnly || this.#text !== '';
  }

  // ------------------------------------------------------------------ records

  /** Records matching the filters. */
  get total(): number {
    return this.#total;
  }
  get error(): string | null {
    return this.#error;
  }

  /** The record at index i, or undefined while its page loads (reading it asks for the page). */
  at(i: number): LogRecord | undefined {
    void this.#version;
    const p = Math.floor(i / LOG_PAGE);
    const page = this.#pages.get(p);
    if (!page) {
      void this.#load(p, this.#generation);
      return undefined;
    }
    return page[i - p * LOG_PAGE];
  }

  #query(): Query {
    return {
      ...(this.#method ? { method: this.#method } : {}),
      ...(this.#fellBack ? { fellBack: true } : {}),
      ...(this.#errorsOnly ? { errorsOnly: true } : {}),
      ...(this.#text ? { text: this.#text } : {}),
      ...(this.#jobId ? { jobId: this.#jobId } : {}),
    };
  }

  /** Drops the cache and fetches the first page again (filters changed, or new records). */
  async refresh(): Promise<void> {
    this.#lastRefresh = Date.now();
    const gen = ++this.#generation;
    this.#pending.clear();
    await this.#load(0, gen, true);
  }

  async #load(p: number, gen: number, reset = false): Promise<void> {
    if (!reset && this.#pending.has(p)) return;
    this.#pending.add(p);
    try {
      const r = await api['log.read']({ ...this.#query(), offset: p * LOG_PAGE, limit: LOG_PAGE });
      if (gen !== this.#generation) return;
      if (reset) this.#pages = new Map();
      this.#pages.set(p, r.records);
      this.#total = r.total;
      this.#error = null;
      this.#version++;
    } catch (e) {
      if (gen === this.#generation) this.#error = toWireError(e).message;
    } finally {
      if (gen === this.#generation) this.#pending.delete(p);
    }
  }

  // ------------------------------------------------------------------ while shown

  /**
   * The log is on screen: fetch now, and again (at most once every LOG_REFRESH_MS) whenever jobs
   * finish more files. Returns the function that stops following.
   */
  open(): () => void {
    void this.refresh();
    let progress = -1;
    const off = on('job.updated', ({ jobs }) => {
      const n = jobs.reduce((a, j) => a + j.filesDone + j.filesFailed, 0);
      if (n === progress) return;
      progress = n;
      this.#refreshSoon();
    });
    return () => {
      off();
      if (this.#refreshTimer) clearTimeout(this.#refreshTimer);
      this.#refreshTimer = null;
    };
  }

  #refreshSoon(): void {
    if (this.#refreshTimer) return;
    const wait = Math.max(0, this.#lastRefresh + LOG_REFRESH_MS - Date.now());
    this.#refreshTimer = setTimeout(() => {
      this.#refreshTimer = null;
      void this.refresh();
    }, wait);
  }

  // ------------------------------------------------------------------ export

  /** Exports the log (of the chosen job, or all) as a file download. */
  async export(format: 'csv' | 'json'): Promise<void> {
    try {
      const r = await api['log.export']({ format, ...(this.#jobId ? { jobId: this.#jobId } : {}) });
      const blob = new Blob([r.content], { type: format === 'csv' ? 'text/csv' : 'application/json' });
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = r.filename;
      a.dataset.exportPath = r.path;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      this.#error = toWireError(e).message;
    }
  }
}

export const logManager = new LogManager();
