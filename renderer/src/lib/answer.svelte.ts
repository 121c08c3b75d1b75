// A request's answer as state, for views that ask once when they open (the dialogs, keyed per
// dialog): `ask` runs once, at creation; `value` is its answer once it arrives, or `error` the
// failure in the user's terms (Node's message shape).
import { toWireError } from '../../../native/errors';

export class Answer<T> {
  #value = $state.raw<T | null>(null);
  #error = $state<string | null>(null);

  constructor(ask: () => Promise<T>) {
    ask().then(
      (v) => (this.#value = v),
      (e: unknown) => (this.#error = toWireError(e).message),
    );
  }

  get value(): T | null {
    return this.#value;
  }
  get error(): string | null {
    return this.#error;
  }
}
