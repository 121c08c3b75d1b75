// Builds what the preload exposes on `window.ferry`: one named verb per contract request and `on`
// for contract events. Never exposes ipcRenderer itself.
import type * as Electron from 'electron';
import { EVENT_NAMES, IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_NAMES, type EventName, type PreloadApi, type Reply } from './contract.js';

export function buildPreloadApi(ipcRenderer: Pick<Electron.IpcRenderer, 'invoke' | 'on' | 'removeListener'>, getPathForFile: (f: File) => string): PreloadApi {
  const api: Record<string, unknown> = {};
  for (const name of REQUEST_NAMES) {
    api[name] = (params: unknown): Promise<Reply<unknown>> => ipcRenderer.invoke(IPC_PREFIX + name, params) as Promise<Reply<unknown>>;
  }
  api.on = (event: EventName, listener: (payload: unknown) => void) => {
    if (!EVENT_NAMES.includes(event)) throw new TypeError(`unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    const handler = (_e: unknown, name: unknown, payload: unknown) => {
      if (name === event) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, handler);
    };
  };
  api.pathForFile = (file: File) => getPathForFile(file);
  return Object.freeze(api) as unknown as PreloadApi;
}
