// A pane's watch on its folder: the `fs.watch` subscription and the debounce of its `dir.changed`
// events. Bursts of changes (a copy filling the folder) become one call of `changed` after
// CHANGE_DEBOUNCE_MS of quiet; a folder that went away says so (`gone`). Starting a new watch or
// stopping ends the old one, and a late event of an old watch is ignored. Plain TypeScript: the
// pane decides what a change means (re-list now, or after the re-list in flight).
import { api } from './client';
import { newId, onWatch } from './events';

export const CHANGE_DEBOUNCE_MS = 200;

export class FolderWatch {
  readonly #prefix: string;
  readonly #changed: (gone: boolean) => void;
  #id: string | null = null;
  #off: (() => void) | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #gone = false;

  constructor(prefix: string, changed: (gone: boolean) => void) {
    this.#prefix = prefix;
    this.#changed = changed;
  }

  /** The id of the watch in force, or null. */
  get id(): string | null {
    return this.#id;
  }

  start(path: string): void {
    this.stop();
    const id = newId(this.#prefix);
    this.#id = id;
    this.#gone = false;
    this.#off = onWatch(id, (p) => {
      if (this.#id !== id) return;
      if (p.gone) this.#gone = true;
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.#timer = null;
        if (this.#id === id) this.#changed(this.#gone);
      }, CHANGE_DEBOUNCE_MS);
    });
    api['fs.watch']({ path, watchId: id }).catch(() => {
      // Not watchable (e.g. unreadable): the listing shows the error; a refresh (Ctrl+R) still works.
    });
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#off?.();
    this.#off = null;
    const id = this.#id;
    this.#id = null;
    if (id) api['fs.unwatch']({ watchId: id }).catch(() => {});
  }
}
