// The Electron IPC transport: one `ipcMain.handle` channel per contract request. Each call is
// checked for its sender (our window, our page, top frame) before anything else, then validated
// and dispatched like a WebSocket request. Replies are `Reply` envelopes so errors keep their
// Node fields (ipcMain.handle would keep only `message` of a thrown error).
import type * as Electron from 'electron';
import { IPC_PREFIX, REQUEST_NAMES, type EventName, type Reply } from './contract.js';
import { dispatch, type Handlers } from './handlers.js';

export type TrustCheck = (sender: Electron.WebContents, frameUrl: string) => boolean;
export type DragStarter = (sender: Electron.WebContents, files: string[]) => void;

export function registerIpc(ipcMain: Electron.IpcMain, handlers: Handlers, trusted: TrustCheck, startDrag: DragStarter, mute?: (event: EventName, muted: boolean) => void): () => void {
  for (const name of REQUEST_NAMES) {
    ipcMain.handle(IPC_PREFIX + name, async (event, params: unknown): Promise<Reply<unknown>> => {
      const frame = event.senderFrame;
      const topLevel = frame !== null && frame !== undefined && frame.parent === null;
      if (!topLevel || !trusted(event.sender, frame.url)) {
        return { ok: false, error: { code: 'EACCES', message: `refused ${name}: the request did not come from Ferry's window` } };
      }
      return dispatch(handlers, name, params, {
        transport: 'ipc',
        startDrag: (files) => startDrag(event.sender, files),
        ...(mute ? { mute } : {}),
      });
    });
  }
  return () => {
    for (const name of REQUEST_NAMES) ipcMain.removeHandler(IPC_PREFIX + name);
  };
}
