// The renderer's only transport code. At start-up it picks one of two carriers for the same
// contract: Electron IPC through the preload's `window.ferry` (named verbs), or, in serve mode,
// a WebSocket to the page's own origin authenticated with the page's ?token=.
import type { Api, ClientEvents, EventName, Events, PreloadApi, Reply, RequestName, WireError, WsMessage } from '../../../electron/contract';
import { REQUEST_NAMES } from '../../../electron/contract';
import { FerryError } from '../../../native/errors';

export { FerryError };

function unwrap<T>(r: Reply<T>): T {
  if (r.ok) return r.value;
  throw FerryError.from(r.error);
}

type Listener = (payload: unknown) => void;

function ipcTransport(bridge: PreloadApi): { api: Api; events: ClientEvents } {
  const api = {} as Record<RequestName, (p: unknown) => Promise<unknown>>;
  for (const name of REQUEST_NAMES) {
    const verb = bridge[name] as (p: unknown) => Promise<Reply<unknown>>;
    api[name] = async (p) => unwrap(await verb(p));
  }
  return { api: api as unknown as Api, events: { on: (e, l) => bridge.on(e, l) } };
}

function wsTransport(): { api: Api; events: ClientEvents } {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const listeners = new Map<EventName, Set<Listener>>();
  let nextId = 1;
  let socket: WebSocket | null = null;
  let opened: Promise<WebSocket> | null = null;

  function connect(): Promise<WebSocket> {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new FerryError('ECONNREFUSED', 'cannot reach Ferry serve mode'));
      ws.onclose = () => {
        socket = null;
        opened = null;
        for (const p of pending.values()) p.reject(new FerryError('ECONNRESET', 'connection to Ferry closed'));
        pending.clear();
      };
      ws.onmessage = (ev) => {
        let msg: WsMessage;
        try {
          msg = JSON.parse(String(ev.data)) as WsMessage;
        } catch {
          return;
        }
        if (msg.kind === 'reply') {
          const p = pending.get(msg.id);
          if (!p) return;
          pending.delete(msg.id);
          if (msg.ok) p.resolve(msg.value);
          else p.reject(FerryError.from(msg.error));
        } else if (msg.kind === 'event') {
          for (const l of listeners.get(msg.event) ?? []) l(msg.payload);
        }
      };
    });
    return opened;
  }

  const api = {} as Record<RequestName, (p: unknown) => Promise<unknown>>;
  for (const name of REQUEST_NAMES) {
    api[name] = async (params) => {
      const ws = socket ?? (await connect());
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        ws.send(JSON.stringify({ id, method: name, params }));
      });
    };
  }
  const events: ClientEvents = {
    on(event, listener) {
      void connect();
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener as Listener);
      return () => set.delete(listener as Listener);
    },
  };
  return { api: api as unknown as Api, events };
}

const bridge = (globalThis as { ferry?: PreloadApi }).ferry;
const transport = bridge ? ipcTransport(bridge) : wsTransport();

/** Every request of the contract, as an async function. */
export const api: Api = transport.api;
/** Subscribe to a contract event; returns the unsubscribe function. */
export function on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
  return transport.events.on(event, listener);
}
export const transportKind: 'ipc' | 'ws' = bridge ? 'ipc' : 'ws';

/** The absolute path of a file dropped from another application; null outside Electron. */
export function pathForFile(file: File): string | null {
  try {
    return bridge ? bridge.pathForFile(file) || null : null;
  } catch {
    return null;
  }
}
