// Event throttling: whatever the file count, the renderer gets at most one tick every `tickMs`,
// and a tick is one `job.updated` (every job's summary) plus at most FILES_EVENTS_PER_TICK
// `job.files` batches of at most FILES_PER_EVENT records (150 ms → ≤ 4 messages a tick → ≤ 27
// messages a second). Conflicts do not wait for a tick: a person has to answer them anyway.
// Ferry's own page turns `job.files` off (jobs.fileEvents) and pages its rows from the log.
import type { JobFileRecord } from '../contract.js';

export const FILES_EVENTS_PER_TICK = 3;
export const FILES_PER_EVENT = 2500;

/** Something with finished records waiting to be sent. */
export interface Outbox {
  readonly id: string;
  pendingFiles: JobFileRecord[];
}

/**
 * Takes this tick's `job.files` batches, in queue order, off the outboxes. Bounded messages: a
 * burst of tiny files is spread over a few ticks instead of one multi-megabyte message that would
 * freeze the renderer while it parses. `more` says records are still waiting.
 */
export function takeFileBatches(
  outboxes: Iterable<Outbox>,
  maxEvents = FILES_EVENTS_PER_TICK,
  perEvent = FILES_PER_EVENT,
): { batches: { jobId: string; records: JobFileRecord[] }[]; more: boolean } {
  const batches: { jobId: string; records: JobFileRecord[] }[] = [];
  let more = false;
  for (const o of outboxes) {
    if (o.pendingFiles.length === 0) continue;
    if (batches.length >= maxEvents) {
      more = true;
      break;
    }
    const all = o.pendingFiles;
    const records = all.length <= perEvent ? all : all.slice(0, perEvent);
    o.pendingFiles = records === all ? [] : all.slice(perEvent);
    if (o.pendingFiles.length > 0) more = true;
    batches.push({ jobId: o.id, records });
  }
  return { batches, more };
}

/**
 * Calls `tick` at most once every `tickMs` after something changed. `tick` returns true to be
 * called again (jobs running: speed and time left move even without events; batches waiting).
 */
export class Ticker {
  readonly #tickMs: number;
  readonly #tick: () => boolean;
  #timer: NodeJS.Timeout | null = null;
  #last = 0;
  #stopped = false;

  constructor(tickMs: number, tick: () => boolean) {
    this.#tickMs = tickMs;
    this.#tick = tick;
  }

  /** Something changed: tick as soon as the rate allows. */
  changed(): void {
    if (this.#timer || this.#stopped) return;
    const wait = Math.max(0, this.#last + this.#tickMs - Date.now());
    this.#timer = setTimeout(() => this.#run(), wait);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #run(): void {
    this.#timer = null;
    this.#last = Date.now();
    if (this.#tick()) this.changed();
  }
}
