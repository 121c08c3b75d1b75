// The one place where `electron` is mocked: a small fake of the APIs the shell uses, recording
// what the shell did so tests can assert on it.
import { EventEmitter } from 'node:events';
import type { ElectronModule } from '../../electron/main-app.js';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  sent: unknown[][] = [];
  drags: unknown[] = [];
  windowOpenHandler: ((d: unknown) => { action: string }) | null = null;
  destroyed = false;
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  setWindowOpenHandler(h: (d: unknown) => { action: string }) {
    this.windowOpenHandler = h;
  }
  startDrag(item: unknown) {
    this.drags.push(item);
  }
  isDestroyed() {
    return this.destroyed;
  }
}

export interface Fake {
  electron: ElectronModule;
  windows: FakeBrowserWindow[];
  ipcHandlers: Map<string, Handler>;
  appEvents: EventEmitter;
  quitCalls: number;
  exitCodes: number[];
  permissionHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null;
  headersHook: ((details: { responseHeaders?: Record<string, string[]> }, cb: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | null;
  lock: boolean;
  userData: string;
  trashed: string[];
  opened: string[];
  displays: { workArea: { x: number; y: number; width: number; height: number } }[];
  /** Fires app 'ready'. */
  ready(): void;
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  options: Record<string, unknown>;
  webContents = new FakeWebContents();
  loaded: string | null = null;
  maximized = false;
  destroyed = false;
  bounds = { x: 10, y: 20, width: 1000, height: 700 };
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    FakeBrowserWindow.instances.push(this);
  }
  async loadFile(p: string) {
    this.loaded = p;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {}
  show() {}
  maximize() {
    this.maximized = true;
  }
  isMaximized() {
    return this.maximized;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return this.bounds;
  }
}

export function makeFakeElectron(userData: string): Fake {
  let readyResolve!: () => void;
  const whenReady = new Promise<void>((r) => (readyResolve = r));
  const appEvents = new EventEmitter();
  FakeBrowserWindow.instances = [];
  const fake: Fake = {
    electron: null as unknown as ElectronModule,
    windows: FakeBrowserWindow.instances,
    ipcHandlers: new Map(),
    appEvents,
    quitCalls: 0,
    exitCodes: [],
    permissionHandler: null,
    headersHook: null,
    lock: true,
    userData,
    trashed: [],
    opened: [],
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    ready: () => readyResolve(),
  };
  const app = {
    isPackaged: false,
    requestSingleInstanceLock: () => fake.lock,
    quit: () => {
      fake.quitCalls++;
    },
    exit: (code: number) => {
      fake.exitCodes.push(code);
    },
    on: (ev: string, fn: (...a: unknown[]) => void) => {
      appEvents.on(ev, fn);
      return app;
    },
    whenReady: () => whenReady,
    getPath: (name: string) => (name === 'userData' ? fake.userData : `/tmp/${name}`),
  };
  const ipcMain = {
    handle: (ch: string, fn: Handler) => {
      if (fake.ipcHandlers.has(ch)) throw new Error(`second handler for ${ch}`);
      fake.ipcHandlers.set(ch, fn);
    },
    removeHandler: (ch: string) => {
      fake.ipcHandlers.delete(ch);
    },
  };
  const session = {
    defaultSession: {
      setPermissionRequestHandler: (h: Fake['permissionHandler']) => {
        fake.permissionHandler = h;
      },
      setPermissionCheckHandler: () => {},
      webRequest: {
        onHeadersReceived: (h: Fake['headersHook']) => {
          fake.headersHook = h;
        },
      },
    },
  };
  const shell = {
    trashItem: async (p: string) => {
      fake.trashed.push(p);
    },
    openPath: async (p: string) => {
      fake.opened.push(p);
      return '';
    },
  };
  const screen = { getAllDisplays: () => fake.displays };
  fake.electron = { app, BrowserWindow: FakeBrowserWindow, ipcMain, session, shell, screen, Menu: {}, nativeImage: {} } as unknown as ElectronModule;
  return fake;
}
