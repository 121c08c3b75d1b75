// An in-memory stand-in for renderer/src/lib/client.ts, bundled in its place by ./load.ts: every
// request is recorded in `calls` and answered by `handlers[name]` (or `{}`); tests push events with
// `emit`. One instance per bundle, shared by every renderer module in it.
import type { EventName, Events, Params, RequestName } from '../../electron/contract.js';
import { FerryError } from '../../native/errors.js';

export { FerryError };

type Handler<K extends RequestName> = (params: Params<K>) => unknown;

export const calls: { name: RequestName; params: Record<string, unknown> }[] = [];
export const handlers: { [K in RequestName]?: Handler<K> } = {};

export const api = new Proxy(
  {},
  {
    get: (_, name: string) => async (params: Record<string, unknown>) => {
      calls.push({ name: name as RequestName, params });
      const h = handlers[name as RequestName] as ((p: unknown) => unknown) | undefined;
      return h ? h(params) : {};
    },
  },
);

const listeners = new Map<EventName, Set<(payload: never) => void>>();

export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  let set = listeners.get(event);
  if (!set) listeners.set(event, (set = new Set()));
  set.add(listener as (payload: never) => void);
  return () => set.delete(listener as (payload: never) => void);
}

export function emit<E extends EventName>(event: E, payload: Events[E]): void {
  for (const l of listeners.get(event) ?? []) (l as (p: Events[E]) => void)(payload);
}

/** Requests of one name, in order. */
export function requests(name: RequestName): Record<string, unknown>[] {
  return calls.filter((c) => c.name === name).map((c) => c.params);
}

/** Forgets calls and handlers (between tests). Listeners stay: modules subscribe once (lib/events.ts). */
export function reset(): void {
  calls.length = 0;
  for (const k of Object.keys(handlers)) delete handlers[k as RequestName];
}

export const transportKind = 'ws';
export function pathForFile(): string | null {
  return null;
}
