// One streamed scan as state (the engine's walker, through fs.scan): the totals grow while it
// walks (folder sizes, the copy dialog), `done` once it ends, `cancel()` stops it (the totals
// counted so far stay). A scan belongs to whoever made it; `dispose()` stops it and its events.
import type { ScanTotals, WireError } from '../../../electron/contract';
import { toWireError } from '../../../native/errors';
import { api } from './client';
import { newId, onScan } from './events';

export interface ScanRequest {
  paths: string[];
  /** With a destination: kinds of pair, names taken there, what space it needs. */
  destDir?: string;
  move?: boolean;
}

export class Scan {
  #totals = $state.raw<ScanTotals | null>(null);
  #done = $state(false);
  #cancelled = $state(false);
  #error = $state.raw<WireError | null>(null);
  #id: string | null = null;
  #off: (() => void) | null = null;

  get totals(): ScanTotals | null {
    return this.#totals;
  }
  get done(): boolean {
    return this.#done;
  }
  get running(): boolean {
    return this.#id !== null && !this.#done;
  }
  /** Stopped before the end: the totals are a lower bound. */
  get cancelled(): boolean {
    return this.#cancelled;
  }
  get error(): WireError | null {
    return this.#error;
  }

  /** Starts (or restarts) the scan; earlier totals are dropped. */
  start(req: ScanRequest, onDone?: (t: ScanTotals) => void): void {
    this.dispose();
    const id = newId('scan');
    this.#id = id;
    this.#totals = null;
    this.#done = false;
    this.#cancelled = false;
    this.#error = null;
    this.#off = onScan(id, (p) => {
      if (this.#id !== id) return;
      this.#totals = p.totals;
      if (!p.done) return;
      this.#done = true;
      if (p.error) this.#error = p.error;
      this.#off?.();
      this.#off = null;
      if (!p.error) onDone?.(p.totals);
    });
    api['fs.scan']({ scanId: id, paths: req.paths, ...(req.destDir ? { destDir: req.destDir } : {}), move: req.move ?? false }).catch((e: unknown) => {
      if (this.#id !== id) return;
      this.#error = toWireError(e);
      this.#done = true;
    });
  }

  /** Stops walking; the last totals arrive with done. */
  cancel(): void {
    const id = this.#id;
    if (!id || this.#done) return;
    this.#cancelled = true;
    api['fs.scanCancel']({ scanId: id }).catch(() => {});
  }

  /** Stops and forgets the scan (a closing dialog, a new destination). */
  dispose(): void {
    this.cancel();
    this.#off?.();
    this.#off = null;
    this.#id = null;
  }
}
