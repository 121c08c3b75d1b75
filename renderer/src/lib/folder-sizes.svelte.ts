// Folder sizes measured on request, commander style: Space on a folder (and Properties) starts a
// scan with the engine's walker; the row shows the bytes as they are counted, then the total.
// Cancellable (Escape in the pane stops every measurement; the counted part stays, marked as
// such). One instance, `folderSizes`, holding one Scan per measured folder (the same state the
// dialogs use); the map is replaced only when a folder is added, and each row reads its own scan.
import { Scan } from './scan.svelte';

export interface FolderSize {
  bytes: number;
  /** Entries that are not folders, and folders below (the folder itself included). */
  files: number;
  dirs: number;
  done: boolean;
  /** Stopped before the end: the numbers are what was counted. */
  cancelled: boolean;
  error?: string;
}

export class FolderSizes {
  #scans = $state.raw<ReadonlyMap<string, Scan>>(new Map());

  get(path: string): FolderSize | undefined {
    const s = this.#scans.get(path);
    if (!s) return undefined;
    const t = s.totals;
    return { bytes: t?.bytes ?? 0, files: t?.files ?? 0, dirs: t?.dirs ?? 0, done: s.done, cancelled: s.cancelled, ...(s.error ? { error: s.error.message } : {}) };
  }
  /** Measurements in progress. */
  get measuring(): number {
    let n = 0;
    for (const s of this.#scans.values()) if (s.running) n++;
    return n;
  }

  /** Measures a folder (again); the size shows as it grows. */
  measure(path: string): void {
    this.#scans.get(path)?.dispose();
    const scan = new Scan();
    const next = new Map(this.#scans);
    next.set(path, scan);
    this.#scans = next;
    scan.start({ paths: [path] });
  }

  /** Stops every measurement in progress (their last counts arrive and stay, marked cancelled). */
  cancelAll(): void {
    for (const s of this.#scans.values()) s.cancel();
  }
}

export const folderSizes = new FolderSizes();
