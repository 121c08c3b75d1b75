// The Electron shell: one window, the IPC transport, and the main-process services.
//
// `electron` is passed in (main.ts passes the real module, tests a fake made in one place), so the
// whole shell is unit-tested without an Electron binary.
//
// Security: contextIsolation, sandbox, no nodeIntegration, a strict CSP (meta tag in the built
// page plus a response header), navigation, new windows, webviews and permission requests all
// refused; IPC only from our own window's top frame loaded from our own files.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Electron from 'electron';
import { FerryError } from '../native/errors.js';
import { IPC_EVENT_CHANNEL } from './contract.js';
import { parseLaunchArgs, UsageError, type LaunchOptions } from './args.js';
import { registerIpc } from './ipc.js';
import { createServices, repoRoot, type Services } from './services.js';
import { loadWindowState, trackWindowState } from './window-state.js';

export type ElectronModule = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'session' | 'shell' | 'screen' | 'Menu' | 'nativeImage'>;

export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface Paths {
  rendererIndex: string;
  preload: string;
  icon: string;
}

export function defaultPaths(): Paths {
  return {
    rendererIndex: path.join(repoRoot, 'dist', 'renderer', 'index.html'),
    preload: path.join(repoRoot, 'dist', 'electron', 'preload.cjs'),
    icon: path.join(repoRoot, 'build', 'icon.png'),
  };
}

/** True when a URL is our own renderer page (file:// inside the renderer folder). */
export function isOwnPage(url: string, rendererIndex: string): boolean {
  try {
    const u = new URL(url);
    if (u.protocol !== 'file:') return false;
    const own = pathToFileURL(rendererIndex);
    return u.pathname === own.pathname;
  } catch {
    return false;
  }
}

export interface AppHandle {
  window: Electron.BrowserWindow | null;
  services: Services | null;
  options: LaunchOptions | null;
  /** Resolves once the window has been created (or the app quit early). */
  ready: Promise<void>;
}

/** Hardens every web contents: no navigation away, no new windows, no webviews. */
export function hardenContents(contents: Electron.WebContents, rendererIndex: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url, rendererIndex)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export interface StartOverrides {
  dataDir?: string;
  paths?: Paths;
  /** Tests pass fake services; the app builds the real ones. */
  makeServices?: typeof createServices;
}

export function startApp(electron: ElectronModule, argv: string[], overrides: StartOverrides = {}): AppHandle {
  const paths = overrides.paths ?? defaultPaths();
  const makeServices = overrides.makeServices ?? createServices;
  const { app, BrowserWindow, ipcMain, session, shell, screen } = electron;
  const handle: AppHandle = { window: null, services: null, options: null, ready: Promise.resolve() };

  let options: LaunchOptions;
  try {
    options = parseLaunchArgs(argv, true);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ferry: ${e.message}\n`);
      app.exit(2);
      return handle;
    }
    throw e;
  }
  handle.options = options;

  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return handle;
  }

  app.on('second-instance', () => {
    const w = handle.window;
    if (w) {
      if (w.isMinimized()) w.restore();
      w.focus();
    }
  });

  app.on('web-contents-created', (_e, contents) => hardenContents(contents, paths.rendererIndex));

  app.on('window-all-closed', () => app.quit());

  let disposeIpc: (() => void) | null = null;
  app.on('before-quit', () => {
    disposeIpc?.();
    void handle.services?.close();
  });

  handle.ready = app.whenReady().then(async () => {
    const ses = session.defaultSession;
    ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    ses.setPermissionCheckHandler(() => false);
    ses.webRequest.onHeadersReceived((details, callback) => {
      callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
    });

    const dataDir = overrides.dataDir ?? options.dataDir ?? path.join(app.getPath('userData'), 'data');
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });

    const services = await makeServices({
      dataDir,
      left: options.left,
      right: options.right,
      trashItem: (p) => shell.trashItem(p),
      openPath: async (p) => {
        const err = await shell.openPath(p);
        if (err) throw new FerryError('EOPEN', err, { path: p });
      },
      canStartDrag: true,
    });
    handle.services = services;

    const stateFile = path.join(app.getPath('userData'), 'window-state.json');
    const state = loadWindowState(stateFile, screen);
    const win = new BrowserWindow({
      ...state.bounds,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Ferry',
      backgroundColor: '#1e1f22',
      icon: paths.icon,
      // Kept inline (not built by a helper) so electronegativity can read every flag.
      webPreferences: {
        // Our own bundled preload: it exposes named contract verbs, never ipcRenderer (reviewed).
        preload: paths.preload, // eng-disable PRELOAD_JS_CHECK
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        nodeIntegrationInWorker: false,
        nodeIntegrationInSubFrames: false,
        webSecurity: true,
        allowRunningInsecureContent: false,
        experimentalFeatures: false,
        disableBlinkFeatures: 'Auxclick',
        webviewTag: false,
        navigateOnDragDrop: false,
        spellcheck: false,
        safeDialogs: true,
      },
    });
    if (state.maximized) win.maximize();
    trackWindowState(win, stateFile);
    handle.window = win;

    disposeIpc = registerIpc(ipcMain, services.handlers, (sender, frameUrl) => sender === win.webContents && isOwnPage(frameUrl, paths.rendererIndex), (sender, files) => {
      sender.startDrag({ file: files[0]!, files, icon: paths.icon });
    });
    const detach = services.addSink((event, payload) => {
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
    });
    win.on('closed', () => {
      detach();
      handle.window = null;
    });
    win.once('ready-to-show', () => win.show());
    await win.loadFile(paths.rendererIndex);
  });
  return handle;
}
