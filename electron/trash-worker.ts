// Serve mode's trash (the Electron window uses shell.trashItem): the `trash` package, which
// follows the freedesktop.org trash spec, run in one worker thread. Neither its loading (close to a
// second of module evaluation the first time) nor its work per path (it reads the mount table and
// writes a .trashinfo file) ever holds the thread that answers the UI.
//
// This file is both sides: imported, it exports `WorkerTrash`; run as the worker, it trashes the
// paths it is sent, one answer per path.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { toWireError } from '../native/errors.js';
import type { WireError } from './contract.js';

const ROLE = 'ferry-trash';

interface Ask {
  id: number;
  path: string;
}
interface Answer {
  id: number;
  error: WireError | null;
}

/** Moves paths to the trash in a worker started on first use; `trashItem` fits FsService. */
export class WorkerTrash {
  #worker: Worker | null = null;
  #pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  #next = 1;

  trashItem = (p: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { resolve, reject });
      this.#start().postMessage({ id, path: p } satisfies Ask);
    });

  #start(): Worker {
    if (this.#worker) return this.#worker;
    const w = new Worker(new URL(import.meta.url), { workerData: ROLE });
    w.unref();
    w.on('message', (a: Answer) => {
      const p = this.#pending.get(a.id);
      if (!p) return;
      this.#pending.delete(a.id);
      if (a.error) p.reject(Object.assign(new Error(a.error.message), a.error));
      else p.resolve();
    });
    const fail = (why: string) => {
      if (this.#worker !== w) return;
      this.#worker = null;
      const e = Object.assign(new Error(`trash: ${why}`), { code: 'EINTERNAL' });
      for (const p of this.#pending.values()) p.reject(e);
      this.#pending.clear();
    };
    w.on('error', (e) => fail(e.message));
    w.on('exit', (code) => fail(`the trash worker stopped (exit code ${code})`));
    this.#worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.#worker;
    if (w) await w.terminate();
  }
}

if (!isMainThread && workerData === ROLE && parentPort) {
  const port = parentPort;
  const { default: trash } = await import('trash');
  port.on('message', (ask: Ask) => {
    trash(ask.path, { glob: false }).then(
      () => port.postMessage({ id: ask.id, error: null } satisfies Answer),
      (e: unknown) => port.postMessage({ id: ask.id, error: toWireError(e) } satisfies Answer),
    );
  });
}
