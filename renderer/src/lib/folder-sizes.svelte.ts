// Folder sizes measured on request, commander style: Space on a folder (and Properties) starts a
// scan with the engine's walker; the row shows the bytes as they are counted, then the total.
// Cancellable (Escape in the pane stops every measurement; the counted part stays, marked as
// such). One instance, `folderSizes`; the map is replaced on each update, so rows re-render only
// when a size changes.
import { api } from './client';
import { newId, onScan } from './events';

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
  #sizes = $state.raw<ReadonlyMap<string, FolderSize>>(new Map());
  #running = $state(0);
  /** path → scan id of the measurement in progress. */
  #scans = new Map<string, { id: string; off: () => void }>();

  get(path: string): FolderSize | undefined {
    return this.#sizes.get(path);
  }
  /** Measurements in progress. */
  get measuring(): number {
    return this.#running;
  }

  #set(path: string, v: FolderSize): void {
    const next = new Map(this.#sizes);
    next.set(path, v);
    this.#sizes = next;
  }

  /** Measures a folder (again); the size shows as it grows. */
  measure(path: string): void {
    this.#stop(path);
    const id = newId('size');
    const off = onScan(id, (p) => {
      if (this.#scans.get(path)?.id !== id) return;
      const t = p.totals;
      const prev = this.#sizes.get(path);
      this.#set(path, { bytes: t.bytes, files: t.files, dirs: t.dirs, done: p.done, cancelled: p.done && (prev?.cancelled ?? false), ...(p.error ? { error: p.error.message } : {}) });
      if (p.done) this.#end(path);
    });
    this.#scans.set(path, { id, off });
    this.#running = this.#scans.size;
    this.#set(path, { bytes: 0, files: 0, dirs: 0, done: false, cancelled: false });
    api['fs.scan']({ scanId: id, paths: [path] }).catch((e: Error) => {
      if (this.#scans.get(path)?.id !== id) return;
      this.#set(path, { bytes: 0, files: 0, dirs: 0, done: true, cancelled: false, error: e.message });
      this.#end(path);
    });
  }

  /** Stops every measurement in progress (their last counts arrive and stay, marked cancelled). */
  cancelAll(): void {
    for (const [path, s] of this.#scans) {
      const cur = this.#sizes.get(path);
      if (cur) this.#set(path, { ...cur, cancelled: true });
      api['fs.scanCancel']({ scanId: s.id }).catch(() => {});
    }
  }

  #stop(path: string): void {
    const s = this.#scans.get(path);
    if (!s) return;
    api['fs.scanCancel']({ scanId: s.id }).catch(() => {});
    this.#end(path);
  }

  #end(path: string): void {
    this.#scans.get(path)?.off();
    this.#scans.delete(path);
    this.#running = this.#scans.size;
  }
}

export const folderSizes = new FolderSizes();
