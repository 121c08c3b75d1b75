// The queue: jobs in the user's order, and which waiting jobs may start. Jobs whose destination
// is on one device (st_dev of the destination folder) run one after another; jobs on different
// devices run in parallel, at most `maxDevices` at a time.
import { fs } from '../../native/user-fs.js';
import { FerryError } from '../../native/errors.js';
import { decodeEnginePath } from '../../native/index.js';
import type { Job } from './job.js';

/** What scheduling looks at in a job. */
export interface Schedulable {
  readonly s: { readonly state: string };
  readonly running: unknown;
  dev: number | null;
}

/**
 * The queued jobs to start now, in queue order: a device that already runs a job runs no second
 * one, and no more than `maxDevices` devices are busy. `devOf` finds a job's device when it is not
 * known yet (-1 when it cannot: the run then reports the error).
 */
export function startable<J extends Schedulable>(jobs: Iterable<J>, maxDevices: number, devOf: (j: J) => number): J[] {
  const all = [...jobs];
  const busy = new Set<number>();
  for (const j of all) if (j.running) busy.add(j.dev ?? -1);
  const out: J[] = [];
  for (const j of all) {
    if (j.s.state !== 'queued' || j.running) continue;
    if (busy.size >= maxDevices) break;
    j.dev ??= devOf(j);
    if (busy.has(j.dev)) continue;
    busy.add(j.dev);
    out.push(j);
  }
  return out;
}

export function destDevice(j: Job): number {
  try {
    return fs.statSync(decodeEnginePath(j.s.destDir)).dev;
  } catch {
    return -1;
  }
}

const waiting = (j: Job): boolean => j.s.state === 'queued' || j.s.state === 'interrupted';

export class JobQueue {
  #jobs = new Map<string, Job>();
  #order: string[] = [];

  get(id: string): Job {
    const job = this.#jobs.get(id);
    if (!job) throw new FerryError('ENOENT', `no such transfer: ${id}`);
    return job;
  }

  add(job: Job): void {
    this.#jobs.set(job.id, job);
    this.#order.push(job.id);
  }

  delete(id: string): void {
    this.#jobs.delete(id);
    this.#order = this.#order.filter((x) => x !== id);
  }

  /** Jobs in queue order. */
  *[Symbol.iterator](): IterableIterator<Job> {
    for (const id of this.#order) yield this.#jobs.get(id)!;
  }

  get ids(): string[] {
    return [...this.#order];
  }

  /**
   * Moves a waiting job one place up or down: it swaps with the nearest waiting job in that
   * direction (running and finished ones keep their place). Returns whether the order changed.
   */
  move(job: Job, dir: -1 | 1): boolean {
    if (!waiting(job)) return false;
    const i = this.#order.indexOf(job.id);
    for (let k = i + dir; k >= 0 && k < this.#order.length; k += dir) {
      const other = this.#jobs.get(this.#order[k]!)!;
      if (waiting(other)) {
        this.#order[i] = other.id;
        this.#order[k] = job.id;
        return true;
      }
    }
    return false;
  }
}
