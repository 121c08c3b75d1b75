// The copy-method log in the renderer: filters, paged loading for a virtualised view (pages are
// fetched as rows scroll into view), export as a download.
import type { LogRecord, Method } from '../../../electron/contract';
import { api } from '../lib/client';

const PAGE = 500;

export class LogManager {
  method = $state<Method | ''>('');
  fellBack = $state(false);
  errorsOnly = $state(false);
  text = $state('');
  jobId = $state('');
  total = $state(0);
  version = $state(0);
  error = $state<string | null>(null);
  #pages = new Map<number, LogRecord[]>();
  #pending = new Set<number>();
  #generation = 0;

  #params() {
    return {
      ...(this.method ? { method: this.method } : {}),
      ...(this.fellBack ? { fellBack: true } : {}),
      ...(this.errorsOnly ? { errorsOnly: true } : {}),
      ...(this.text ? { text: this.text } : {}),
      ...(this.jobId ? { jobId: this.jobId } : {}),
    };
  }

  /** Drops the cache and reloads the first page (filters changed or new records). */
  async refresh(): Promise<void> {
    const gen = ++this.#generation;
    this.#pending.clear();
    try {
      const r = await api['log.read']({ ...this.#params(), offset: 0, limit: PAGE });
      if (gen !== this.#generation) return;
      this.#pages = new Map([[0, r.records]]);
      this.total = r.total;
      this.error = null;
      this.version++;
    } catch (e) {
      this.error = (e as Error).message;
    }
  }

  /** The record at index i, or undefined while its page loads. */
  at(i: number): LogRecord | undefined {
    void this.version;
    const p = Math.floor(i / PAGE);
    const page = this.#pages.get(p);
    if (!page) {
      void this.#load(p);
      return undefined;
    }
    return page[i - p * PAGE];
  }

  async #load(p: number): Promise<void> {
    if (this.#pending.has(p)) return;
    this.#pending.add(p);
    const gen = this.#generation;
    try {
      const r = await api['log.read']({ ...this.#params(), offset: p * PAGE, limit: PAGE });
      if (gen !== this.#generation) return;
      this.#pages.set(p, r.records);
      this.total = r.total;
      this.version++;
    } catch (e) {
      this.error = (e as Error).message;
    } finally {
      this.#pending.delete(p);
    }
  }

  async export(format: 'csv' | 'json'): Promise<void> {
    try {
      const r = await api['log.export']({ format, ...(this.jobId ? { jobId: this.jobId } : {}) });
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
      this.error = (e as Error).message;
    }
  }
}
