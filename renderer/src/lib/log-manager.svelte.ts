// The copy-method log in the renderer, one instance (`logManager`): the filters, the records as
// pages fetched when rows scroll into view (PagedRecords, newest record first), the record whose
// details are shown, and export of exactly what the filters show as a download. Setting a filter
// refetches (any other change cancels a pending text refetch: one fetch with every filter); while
// the log is shown (`open()`), finished files of running jobs refetch it at most once a second.
// The component only reads and sets.
import type { LogRecord, Method, Params } from '../../../electron/contract';
import { EXPORT_PATH } from '../../../electron/contract';
import { api, on, transportKind } from './client';
import { app } from './app.svelte';
import { plural } from './format';
import { toWireError } from '../../../native/errors';
import { PagedRecords } from './paged-records.svelte';

/** Records per `log.read` request. */
export const LOG_PAGE = 500;
/** While jobs run, the open log refetches at most this often. */
export const LOG_REFRESH_MS = 1000;
/** Typing in the text filter refetches once the typing pauses this long. */
export const TEXT_DEBOUNCE_MS = 150;
/** The contract's longest text filter. */
export const MAX_TEXT = 1000;

/** What the log view filters by ('' and false: no filter). */
export interface LogFilters {
  /** One job's records, or '' for every job. */
  jobId: string;
  method: Method | '';
  fellBack: boolean;
  errorsOnly: boolean;
  text: string;
}

const NO_FILTERS: LogFilters = { jobId: '', method: '', fellBack: false, errorsOnly: false, text: '' };

export class LogManager {
  #filters = $state.raw<LogFilters>(NO_FILTERS);
  /** Export's failure (the records' own is theirs). */
  #error = $state<string | null>(null);

  /** The record whose details are shown (kept across refetches: it is the same record). */
  #detail = $state.raw<LogRecord | null>(null);
  /** The records matching the filters, newest first; each refetch starts them over. */
  #records = new PagedRecords<LogRecord>(LOG_PAGE);
  #textTimer: ReturnType<typeof setTimeout> | null = null;
  #refreshTimer: ReturnType<typeof setTimeout> | null = null;
  #lastRefresh = 0;

  // ------------------------------------------------------------------ filters

  get filters(): Readonly<LogFilters> {
    return this.#filters;
  }

  /** Changes one filter and fetches again (for the text, once typing pauses). */
  setFilter<K extends keyof LogFilters>(key: K, value: LogFilters[K]): void {
    const v = key === 'text' ? ((value as string).slice(0, MAX_TEXT) as LogFilters[K]) : value;
    if (this.#filters[key] === v) return;
    this.#filters = { ...this.#filters, [key]: v };
    if (key !== 'text') void this.refresh();
    else {
      if (this.#textTimer) clearTimeout(this.#textTimer);
      this.#textTimer = setTimeout(() => void this.refresh(), TEXT_DEBOUNCE_MS);
    }
  }

  /** Whether any filter narrows the records (the job is a scope, not a filter). */
  get filtered(): boolean {
    const f = this.#filters;
    return f.method !== '' || f.fellBack || f.errorsOnly || f.text !== '';
  }

  // ------------------------------------------------------------------ records

  /** Records matching the filters. */
  get total(): number {
    return this.#records.total;
  }
  get error(): string | null {
    return this.#error ?? this.#records.error;
  }

  /** The record shown in the detail pane, or null. */
  get detail(): LogRecord | null {
    return this.#detail;
  }
  showDetail(r: LogRecord | null): void {
    this.#detail = r;
  }

  /** The record at index i, or undefined while its page loads (reading it asks for the page). */
  at(i: number): LogRecord | undefined {
    return this.#records.at(i);
  }

  /** The filters as request parameters (log.read and log.export take the same). */
  #filterParams(): Omit<Params<'log.read'>, 'offset' | 'limit' | 'newestFirst'> {
    const f = this.#filters;
    return {
      ...(f.jobId ? { jobId: f.jobId } : {}),
      ...(f.method ? { method: f.method } : {}),
      ...(f.fellBack ? { fellBack: true } : {}),
      ...(f.errorsOnly ? { errorsOnly: true } : {}),
      ...(f.text ? { text: f.text } : {}),
    };
  }

  /**
   * Fetches the records again from the first page (filters changed, or new records); the rows
   * shown stay until it comes. Every page of one fetch is read with the same filters.
   */
  async refresh(): Promise<void> {
    if (this.#textTimer) clearTimeout(this.#textTimer);
    this.#textTimer = null;
    this.#lastRefresh = Date.now();
    this.#error = null;
    const filters = this.#filterParams();
    await this.#records.reset((offset, limit) => api['log.read']({ ...filters, newestFirst: true, offset, limit }), true);
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
      // Anything that adds log records: entries done, skipped or failed, and a job ending (its own record when it fails).
      const n = jobs.reduce((a, j) => a + j.filesDone + j.filesFailed + (j.filesSkipped ?? 0) + (j.finishedAt ?? 0), 0);
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

  /**
   * Exports exactly the records the filters show (oldest first). In the Ferry window: the save
   * dialog, then the main process writes the file streamed. In serve mode: a download streamed by
   * the server (GET /log-export, the token cookie authorises it). Neither holds the log in memory.
   */
  async export(format: 'csv' | 'json'): Promise<void> {
    const p = { format, ...this.#filterParams() };
    try {
      if (transportKind === 'ipc') {
        const r = await api['log.saveAs'](p);
        if (r.path !== null) app.notify(`Exported ${plural(r.records, 'record')} to ${r.path}`);
        return;
      }
      const q = new URLSearchParams();
      for (const [k, v] of Object.entries(p)) q.set(k, String(v));
      const a = document.createElement('a');
      a.href = `${EXPORT_PATH}?${q}`;
      a.download = ''; // the server names the file
      document.body.appendChild(a);
      a.click();
      a.remove();
    } catch (e) {
      this.#error = toWireError(e).message;
    }
  }
}

export const logManager = new LogManager();
