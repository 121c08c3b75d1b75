// What the main process has to tell the user outside any request (one instance, `noticeBoard`,
// started by the App): what start-up recovered from a crash or a damaged file and what it could
// not, a data folder Ferry cannot use, a damaged log. Kept until the user dismisses them; the
// ones written before this window connected come with `app.notices`, later ones as events.
import type { Notice } from '../../../electron/contract';
import { api, on } from './client';

export class NoticeBoard {
  #notices = $state.raw<readonly Notice[]>([]);

  get notices(): readonly Notice[] {
    return this.#notices;
  }

  /** Subscribes to new notices and loads the ones already there. Returns `stop`. */
  start(): () => void {
    const off = on('app.notice', (n) => this.#add([n]));
    api['app.notices']({}).then(
      ({ notices }) => this.#add(notices),
      () => {
        /* an older main process without notices: nothing to show */
      },
    );
    return off;
  }

  #add(list: readonly Notice[]): void {
    const known = new Set(this.#notices.map((n) => n.id));
    const fresh = list.filter((n) => !known.has(n.id));
    if (fresh.length) this.#notices = [...this.#notices, ...fresh].sort((a, b) => a.time - b.time);
  }

  /** Hides a notice here and for every other window (the main process forgets it). */
  async dismiss(id: string): Promise<void> {
    this.#notices = this.#notices.filter((n) => n.id !== id);
    await api['app.dismissNotice']({ id }).catch(() => {});
  }
}

export const noticeBoard = new NoticeBoard();
