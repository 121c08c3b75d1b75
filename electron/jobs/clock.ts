// A run's working time: what "took 2 s" and the average speed of a finished transfer divide by.
// Time in the queue is never counted (the clock starts with the run); time paused is not; and time
// spent waiting for a person to answer a conflict is counted only while the engine still makes
// progress on other files (it stops being work once nothing moves). Pure: the caller passes the
// time, so every rule is a unit test away.
/** The engine reports progress several times a second while it works; a longer gap while a question waits is idle. */
export const IDLE_GAP_MS = 500;

export class WorkClock {
  #ms = 0;
  /** Start of the interval being counted, or null when not counting (stopped, paused, or idle in a wait). */
  #since: number | null = null;
  #running = false;
  #paused = false;
  /** Open questions (conflicts) waiting for an answer. */
  #waits = 0;

  /** A run starts: counting from zero. */
  start(now: number): void {
    this.#ms = 0;
    this.#running = true;
    this.#paused = false;
    this.#waits = 0;
    this.#since = now;
  }

  /** The run ended (done, failed, cancelled): the total is final. */
  stop(now: number): void {
    this.#close(now);
    this.#running = false;
  }

  pause(now: number): void {
    this.#close(now);
    this.#paused = true;
  }

  resume(now: number): void {
    this.#paused = false;
    this.#open(now);
  }

  /** A question was put to the person: from now on only progress counts as work. */
  waitStart(now: number): void {
    this.#waits++;
    this.#close(now);
  }

  /** A question was answered (or dropped: cancel, apply to all). */
  waitEnd(now: number, count = 1): void {
    this.#waits = Math.max(0, this.#waits - count);
    if (this.#waits === 0) this.#open(now);
  }

  /**
   * Bytes moved or entries finished: while a question is open, the time since the last mark was
   * work — unless the marks are further apart than the engine reports while it works
   * (IDLE_GAP_MS): such a gap is the engine idle behind the question, and a mark after it (a late
   * record of a file finished long ago) does not make the wait count.
   */
  progress(now: number): void {
    if (!this.#running || this.#paused || this.#waits === 0) return;
    if (this.#since !== null) {
      const gap = Math.max(0, now - this.#since);
      if (gap <= IDLE_GAP_MS) this.#ms += gap;
    }
    this.#since = now;
  }

  /** Working milliseconds so far (including the interval now being counted). */
  ms(now: number): number {
    return Math.round(this.#ms + (this.#since !== null && this.#waits === 0 ? Math.max(0, now - this.#since) : 0));
  }

  #close(now: number): void {
    if (this.#since !== null) this.#ms += Math.max(0, now - this.#since);
    // While a question is open, progress() re-opens the interval from its own mark.
    this.#since = this.#waits > 0 && this.#running && !this.#paused ? now : null;
  }

  #open(now: number): void {
    if (this.#running && !this.#paused && this.#waits === 0) this.#since = now;
  }
}
