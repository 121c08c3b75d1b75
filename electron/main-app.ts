// The Electron shell: one window, the IPC transport, and the main-process services.
//
// `electron` is passed in (main.ts passes the real module, tests a fake made in one place that
// behaves like Electron 41 where it matters), so the whole shell is unit-tested without an
// Electron binary.
//
// Security: contextIsolation, sandbox, no nodeIntegration; the page is served from the privileged
// app://ferry origin with a strict CSP header (app-protocol.ts); navigation, new windows, webviews
// and permission requests are all refused; IPC only from our own window's top frame on our page.
// Life cycle: a failed start shows why and exits non-zero (never an invisible process holding the
// single-instance lock); quitting waits for the services to flush their logs and journal; closing
// the window while transfers run asks first.
import fs from 'node:fs';
import path from 'node:path';
import type * as Electron from 'electron';
import { FerryError } from '../native/errors.js';
import { APP_PAGE, APP_SCHEME, APP_SCHEME_PRIVILEGES, appProtocolHandler, isOwnPage } from './app-protocol.js';
import { appMenuTemplate } from './app-menu.js';
import { parseLaunchArgs, UsageError, type LaunchOptions } from './args.js';
import { IPC_EVENT_CHANNEL, isActive, type EventName, type Events } from './contract.js';
import { clipboardBridge } from './clipboard.js';
import { registerIpc } from './ipc.js';
import { openWithDesktop, type OpenPathOptions } from './open-path.js';
import { createServices, repoRoot, type Services } from './services.js';
import { useUserFs, type FsModule } from '../native/user-fs.js';
import { loadWindowState, trackWindowState } from './window-state.js';

export type ElectronModule = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'session' | 'shell' | 'screen' | 'Menu' | 'nativeImage' | 'protocol' | 'dialog' | 'clipboard'> & {
  /** Electron's unpatched `fs` (`require('original-fs')`): user paths are read through it. */
  originalFs: FsModule;
};

export interface Paths {
  /** The built renderer folder, served as app://ferry/. */
  renderer: string;
  preload: string;
  icon: string;
}

/**
 * Where the shell finds its files. In the package, build/ (electron-builder's resources folder)
 * is not shipped: the icon travels as resources/icon.png, outside the asar (extraResources).
 */
export function defaultPaths(packaged: boolean, resourcesPath = (process as { resourcesPath?: string }).resourcesPath ?? ''): Paths {
  return {
    renderer: path.join(repoRoot, 'dist', 'renderer'),
    preload: path.join(repoRoot, 'dist', 'electron', 'preload.cjs'),
    icon: packaged ? path.join(resourcesPath, 'icon.png') : path.join(repoRoot, 'build', 'icon.png'),
  };
}

export interface AppHandle {
  window: Electron.BrowserWindow | null;
  services: Services | null;
  options: LaunchOptions | null;
  /** Resolves once the window has been created, or the start failed and was reported. */
  ready: Promise<void>;
}

/** Hardens every web contents: no navigation away, no new windows, no webviews. */
export function hardenContents(contents: Electron.WebContents): void {
  contents.on('will-navigate', (event, url) => {
    if (!isOwnPage(url)) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** What a second instance hands over (`requestSingleInstanceLock`'s additionalData). */
interface Handover {
  ferryOpen: string[];
}
function handoverFolders(data: unknown): string[] | null {
  const open = (data as Partial<Handover> | null)?.ferryOpen;
  return Array.isArray(open) && open.every((p) => typeof p === 'string' && path.isAbsolute(p)) ? open : null;
}

export interface StartOverrides {
  dataDir?: string;
  paths?: Paths;
  /** Tests pass fake services; the app builds the real ones. */
  makeServices?: typeof createServices;
  /** How long quitting waits for the services to close (default 10 s). */
  quitTimeoutMs?: number;
  /** How files are opened with the desktop's application (tests pass a script). */
  openPath?: OpenPathOptions;
}

/** Closes the services, giving up after `ms` (then says so on stderr). */
async function closeWithin(services: Services | null, ms: number): Promise<void> {
  if (!services) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
  try {
    const r = await Promise.race([services.close().then(() => 'closed' as const), timeout]);
    if (r === 'timeout') process.stderr.write(`ferry: quitting without a clean shutdown: the services did not close within ${ms} ms\n`);
  } catch (e) {
    process.stderr.write(`ferry: error while shutting down: ${(e as Error).message}\n`);
  } finally {
    clearTimeout(timer);
  }
}

export function startApp(electron: ElectronModule, argv: string[], overrides: StartOverrides = {}): AppHandle {
  const { app, BrowserWindow, ipcMain, session, shell, screen, Menu, nativeImage, protocol, dialog } = electron;
  const handle: AppHandle = { window: null, services: null, options: null, ready: Promise.resolve() };
  const quitTimeoutMs = overrides.quitTimeoutMs ?? 10_000;

  // A start that fails says why (stderr, and a dialog once the app is ready) and exits non-zero.
  let failed = false;
  const fail = (title: string, e: unknown, code: number): Promise<void> => {
    failed = true;
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`ferry: ${title}: ${message}\n`);
    return app.whenReady().then(async () => {
      dialog.showErrorBox(title, message);
      await closeWithin(handle.services, quitTimeoutMs);
      app.exit(code);
    });
  };

  useUserFs(electron.originalFs);
  const paths = overrides.paths ?? defaultPaths(app.isPackaged);

  let options: LaunchOptions;
  try {
    options = parseLaunchArgs(argv, true);
  } catch (e) {
    handle.ready = fail(e instanceof UsageError ? 'Ferry cannot open that' : 'Ferry could not start', e, e instanceof UsageError ? 2 : 1);
    return handle;
  }
  handle.options = options;
  /** Folders to open that the page has not asked for yet (read by app.info). */
  const launchOpen = [...options.open];

  const handover: Handover = { ferryOpen: options.open };
  if (!app.requestSingleInstanceLock(handover)) {
    app.quit();
    return handle;
  }

  let pageLoaded = false;
  const openFolders = (folders: string[]) => {
    const w = handle.window;
    if (folders.length > 0) {
      if (w && pageLoaded && !w.isDestroyed()) {
        const payload: Events['app.open'] = { paths: folders };
        w.webContents.send(IPC_EVENT_CHANNEL, 'app.open', payload);
      } else {
        launchOpen.splice(0, launchOpen.length, ...folders);
      }
    }
    // Brought forward; a window still starting shows itself once its page has rendered.
    if (w && !w.isDestroyed() && pageLoaded) {
      if (w.isMinimized()) w.restore();
      w.show();
      w.focus();
    }
  };
  app.on('second-instance', (_e, secondArgv, cwd, data) => {
    let folders = handoverFolders(data);
    if (folders === null) {
      // An instance that sent no handover (another version): read its argv, as main.ts does.
      try {
        folders = parseLaunchArgs(secondArgv.slice(app.isPackaged ? 1 : 2), true, cwd).open;
      } catch {
        folders = [];
      }
    }
    openFolders(folders);
  });

  protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES]);
  app.on('web-contents-created', (_e, contents) => hardenContents(contents));
  app.on('window-all-closed', () => app.quit());

  // Electron does not wait for async work in before-quit: hold the quit in will-quit until the
  // services have flushed (with a timeout), then quit for real.
  let disposeIpc: (() => void) | null = null;
  let closing: Promise<void> | null = null;
  let closed = false;
  app.on('will-quit', (event) => {
    if (closed || failed) return;
    event.preventDefault();
    if (closing) return;
    disposeIpc?.();
    disposeIpc = null;
    closing = closeWithin(handle.services, quitTimeoutMs).then(() => {
      closed = true;
      app.quit();
    });
  });

  handle.ready = app
    .whenReady()
    .then(async () => {
      Menu.setApplicationMenu(Menu.buildFromTemplate(appMenuTemplate({ quit: () => app.quit(), development: !app.isPackaged })));
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
      ses.setPermissionCheckHandler(() => false);
      protocol.handle(APP_SCHEME, appProtocolHandler(paths.renderer));

      const dataDir = overrides.dataDir ?? options.dataDir ?? path.join(app.getPath('userData'), 'data');
      fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });

      const services = await (overrides.makeServices ?? createServices)({
        dataDir,
        left: options.left,
        right: options.right,
        open: launchOpen,
        trashItem: (p) => shell.trashItem(p),
        openPath: (p) => openWithDesktop(p, overrides.openPath),
        // The log export: the desktop's save dialog, then main writes the file streamed.
        chooseSavePath: async (name) => {
          const w = handle.window;
          const o = { title: 'Export the copy log', defaultPath: path.join(app.getPath('downloads'), name) };
          const r = w && !w.isDestroyed() ? await dialog.showSaveDialog(w, o) : await dialog.showSaveDialog(o);
          return r.canceled || !r.filePath ? null : r.filePath;
        },
        canStartDrag: true,
        clipboard: clipboardBridge(electron.clipboard),
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
          devTools: !app.isPackaged,
        },
      });
      win.setMenuBarVisibility(false);
      trackWindowState(win, stateFile);
      handle.window = win;

      // Events the window asked not to get (jobs.fileEvents: its queue pages jobs.files instead).
      const mutedEvents = new Set<EventName>();
      disposeIpc = registerIpc(
        ipcMain,
        services.handlers,
        (sender, frameUrl) => sender === win.webContents && isOwnPage(frameUrl),
        (sender, files) => {
          // startDrag throws on an icon path it cannot load and silently drags nothing with an
          // empty image: hand it a loaded ~32 px image, or say what is missing.
          const icon = nativeImage.createFromPath(paths.icon);
          if (icon.isEmpty()) throw new FerryError('ENOENT', 'cannot drag out: the drag icon could not be loaded', { path: paths.icon });
          sender.startDrag({ file: files[0]!, files, icon: icon.resize({ width: 32, height: 32, quality: 'best' }) });
        },
        (event, muted) => void (muted ? mutedEvents.add(event) : mutedEvents.delete(event)),
      );
      const detach = services.addSink((event, payload) => {
        if (!win.isDestroyed() && !mutedEvents.has(event)) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
      });

      // Closing the window (or Ctrl+Q) while transfers run asks first.
      let closeConfirmed = false;
      let asking = false;
      win.on('close', (event) => {
        if (closeConfirmed) return;
        event.preventDefault();
        if (asking) return;
        asking = true;
        void Promise.resolve()
          .then(() => services.handlers['jobs.list']({}, { transport: 'ipc' }))
          .then(async ({ jobs }) => {
            const running = jobs.filter((j) => j.state === 'queued' || isActive(j.state)).length;
            if (running === 0) return true;
            const { response } = await dialog.showMessageBox(win, {
              type: 'warning',
              title: 'Transfers are running',
              message: running === 1 ? 'A transfer is still running.' : `${running} transfers are still running.`,
              detail: 'Quitting stops them now. They come back as interrupted the next time Ferry starts, and can be resumed from there.',
              buttons: ['Keep Ferry open', 'Stop and quit'],
              defaultId: 0,
              cancelId: 0,
              noLink: true,
            });
            return response === 1;
          })
          .catch(() => true)
          .then((go) => {
            asking = false;
            if (!go || win.isDestroyed()) return;
            closeConfirmed = true;
            win.close();
          });
      });
      win.on('closed', () => {
        detach();
        handle.window = null;
      });
      // Shown (and maximised: maximize() shows the window) only once the page has rendered.
      win.once('ready-to-show', () => {
        if (state.maximized) win.maximize();
        win.show();
      });
      win.webContents.on('did-finish-load', () => {
        pageLoaded = true;
      });
      await win.loadURL(APP_PAGE);
    })
    .catch((e: unknown) => fail('Ferry could not start', e, 1));
  return handle;
}
