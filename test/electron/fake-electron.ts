// The one place where `electron` is mocked: a fake of the APIs the shell uses that behaves like
// Electron 41 where the difference has hidden real defects, and records what the shell did.
//
// Modelled on Electron v41.7.1 (sources and docs):
// - `shell.openPath` never settles on Linux (platform_util_linux.cc starts xdg-open and drops the
//   callback);
// - `webContents.startDrag` throws "Failed to load image from path '…'" for an icon path that is
//   not a loadable image, and silently starts no drag with an empty nativeImage;
// - `app.quit()` runs before-quit → close every window (a prevented 'close' stops the quit) →
//   will-quit (preventDefault stops it) → exit, synchronously: it never waits for async work
//   started in a handler. `app.exit()` exits at once, without those events;
// - `maximize()` also shows a hidden window; 'ready-to-show' fires once the page has loaded;
// - `protocol.registerSchemesAsPrivileged` only before ready, `protocol.handle` only after, once
//   per scheme; `loadURL` of a custom scheme goes through its handler;
// - the single-instance lock: `requestSingleInstanceLock(additionalData)`, and 'second-instance'
//   with (event, argv, workingDirectory, additionalData);
// - `dialog.showErrorBox` before ready only prints (Linux);
// - Electron's asar-patched `fs` (`patchFsForAsar`): lstat/stat/readdir treat `*.asar` as folders
//   (and throw "Invalid package" for a `.asar` that is no archive), opendir is not patched;
//   `originalFs` is the unpatched module.
// - `clipboard` (Linux, X11 and Wayland alike): every write replaces the whole clipboard, and
//   `writeBuffer` puts exactly one custom format on it (Electron 41 has no way to offer two
//   custom formats at once); `writeText` offers text/plain; reading a format that is not there
//   gives an empty Buffer (or ''). `fake.clipboard.offer()` plays another application copying.
import { EventEmitter } from 'node:events';
import nodeFs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import path from 'node:path';
import type { ElectronModule } from '../../electron/main-app.js';
import type { FsModule } from '../../native/user-fs.js';

type Handler = (event: unknown, ...args: unknown[]) => unknown;

export class FakeEvent {
  defaultPrevented = false;
  preventDefault() {
    this.defaultPrevented = true;
  }
}

// ------------------------------------------------------------------------------- nativeImage

/** Width and height of a PNG (its IHDR), or null when the bytes are no PNG. */
function pngSize(buf: Buffer): { width: number; height: number } | null {
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (buf.length < 24 || !buf.subarray(0, 8).equals(sig) || buf.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

export class FakeNativeImage {
  constructor(
    readonly width: number,
    readonly height: number,
  ) {}
  isEmpty() {
    return this.width === 0 || this.height === 0;
  }
  getSize() {
    return { width: this.width, height: this.height };
  }
  resize(o: { width?: number; height?: number }) {
    if (this.isEmpty()) return this;
    const w = o.width ?? Math.round(((o.height ?? this.height) * this.width) / this.height);
    const h = o.height ?? Math.round(((o.width ?? this.width) * this.height) / this.width);
    return new FakeNativeImage(w, h);
  }
}

/** nativeImage.createFromPath: an empty image when the file is missing or not an image. */
function imageFromPath(p: string): FakeNativeImage {
  try {
    const size = pngSize(nodeFs.readFileSync(p));
    return size ? new FakeNativeImage(size.width, size.height) : new FakeNativeImage(0, 0);
  } catch {
    return new FakeNativeImage(0, 0);
  }
}

// ------------------------------------------------------------------------------- clipboard

export class FakeClipboard {
  /** What the clipboard offers now, by MIME type. */
  formats = new Map<string, Buffer>();
  /** Another application takes the clipboard and offers these formats. */
  offer(formats: Record<string, string>) {
    this.formats = new Map(Object.entries(formats).map(([k, v]) => [k, Buffer.from(v, 'utf8')]));
  }
  availableFormats() {
    return [...this.formats.keys()];
  }
  readBuffer(format: string) {
    return Buffer.from(this.formats.get(format) ?? Buffer.alloc(0));
  }
  readText() {
    return (this.formats.get('text/plain') ?? Buffer.alloc(0)).toString('utf8');
  }
  writeBuffer(format: string, buffer: Buffer) {
    if (!Buffer.isBuffer(buffer)) throw new TypeError('buffer must be a node Buffer');
    this.formats = new Map([[format, Buffer.from(buffer)]]);
  }
  writeText(text: string) {
    this.formats = new Map([['text/plain', Buffer.from(text, 'utf8')]]);
  }
}

// ------------------------------------------------------------------------------- web contents

export class FakeWebContents extends EventEmitter {
  sent: unknown[][] = [];
  drags: { files: string[]; icon: { width: number; height: number } }[] = [];
  windowOpenHandler: ((d: unknown) => { action: string }) | null = null;
  destroyed = false;
  send(...args: unknown[]) {
    this.sent.push(args);
  }
  setWindowOpenHandler(h: (d: unknown) => { action: string }) {
    this.windowOpenHandler = h;
  }
  /** As api_web_contents.cc: the icon must load, an empty image drags nothing. */
  startDrag(item: { file?: string; files?: string[]; icon?: unknown }) {
    const files = item.files ?? (item.file !== undefined ? [item.file] : []);
    if (item.icon === undefined) throw new Error("'icon' parameter is required");
    let image: FakeNativeImage;
    if (typeof item.icon === 'string') {
      image = imageFromPath(item.icon);
      if (image.isEmpty()) throw new Error(`Failed to load image from path '${item.icon}'`);
    } else if (item.icon instanceof FakeNativeImage) {
      image = item.icon;
    } else {
      throw new TypeError('Argument must be a file path or a NativeImage');
    }
    if (image.isEmpty()) return;
    if (files.length === 0) throw new Error("Must specify either 'file' or 'files' option");
    this.drags.push({ files, icon: image.getSize() });
  }
  isDestroyed() {
    return this.destroyed;
  }
}

// ------------------------------------------------------------------------------- windows

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  static fake: Fake | null = null;
  options: Record<string, unknown>;
  webContents = new FakeWebContents();
  loaded: string | null = null;
  maximized = false;
  visible = false;
  /** Set when the window became visible before its page had rendered. */
  shownBeforeReady = false;
  readyToShow = false;
  destroyed = false;
  menuBarVisible = true;
  focused = 0;
  bounds = { x: 10, y: 20, width: 1000, height: 700 };
  constructor(options: Record<string, unknown>) {
    super();
    this.options = options;
    if (options.show !== false) this.#becomeVisible();
    FakeBrowserWindow.instances.push(this);
  }
  #becomeVisible() {
    if (!this.visible && !this.readyToShow) this.shownBeforeReady = true;
    this.visible = true;
  }
  /** Loads through the registered protocol handler; rejects like Electron on a failed load. */
  async loadURL(url: string) {
    const fake = FakeBrowserWindow.fake!;
    const res = await fake.fetch(url);
    if (!res.ok) throw new Error(`ERR_FILE_NOT_FOUND (-6) loading '${url}'`);
    this.loaded = url;
    this.webContents.emit('did-finish-load');
    setImmediate(() => {
      if (this.destroyed) return;
      this.readyToShow = true;
      this.emit('ready-to-show');
    });
  }
  async loadFile(p: string) {
    this.loaded = p;
  }
  setMenuBarVisibility(v: boolean) {
    this.menuBarVisible = v;
  }
  isMinimized() {
    return false;
  }
  restore() {}
  focus() {
    this.focused++;
  }
  show() {
    this.#becomeVisible();
  }
  isVisible() {
    return this.visible;
  }
  /** Electron: "This will also show (but not focus) the window if it isn't being displayed already." */
  maximize() {
    this.maximized = true;
    this.#becomeVisible();
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
  /** 'close' (preventable), then 'closed'; the last window closing outside a quit fires window-all-closed. */
  close(): boolean {
    if (this.destroyed) return true;
    const ev = new FakeEvent();
    this.emit('close', ev);
    if (ev.defaultPrevented) return false;
    this.destroy();
    const fake = FakeBrowserWindow.fake!;
    if (!fake.quitting && FakeBrowserWindow.instances.every((w) => w.destroyed)) fake.appEvents.emit('window-all-closed', new FakeEvent());
    return true;
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    this.emit('closed');
  }
}

// ------------------------------------------------------------------------------- the fake

export interface MenuItem {
  label?: string;
  role?: string;
  accelerator?: string;
  visible?: boolean;
  type?: string;
  click?: () => void;
  submenu?: MenuItem[];
}

export interface Fake {
  electron: ElectronModule;
  windows: FakeBrowserWindow[];
  ipcHandlers: Map<string, Handler>;
  appEvents: EventEmitter;
  isReady: boolean;
  quitCalls: number;
  /** True while app.quit() closes the windows (no window-all-closed then). */
  quitting: boolean;
  exitCodes: number[];
  /** The process is gone (quit went through, or app.exit). Nothing async runs after this. */
  exited: boolean;
  /** Ordered life-cycle notes ('exit', and whatever tests add) to check what happened first. */
  log: string[];
  permissionHandler: ((wc: unknown, permission: string, cb: (ok: boolean) => void) => void) | null;
  privilegedSchemes: { scheme: string; privileges?: Record<string, boolean> }[];
  protocolHandlers: Map<string, (req: Request) => Response | Promise<Response>>;
  lock: boolean;
  lockData: unknown[];
  userData: string;
  trashed: string[];
  opened: string[];
  errorBoxes: { title: string; content: string }[];
  messageBoxes: { message: string; buttons: string[] }[];
  /** Answers of the next message boxes (button index); 0 when none is queued. */
  messageBoxAnswers: number[];
  applicationMenu: { template: MenuItem[] } | null;
  displays: { workArea: { x: number; y: number; width: number; height: number } }[];
  clipboard: FakeClipboard;
  /** Fires app 'ready'. */
  ready(): void;
  /** What the page would get for a URL (through the registered protocol handler). */
  fetch(url: string): Promise<Response>;
  /** Another launch of the app: Electron's 'second-instance' in this (the first) instance. */
  secondInstance(argv: string[], workingDirectory: string, additionalData: unknown): void;
}

export function makeFakeElectron(userData: string, opts: { packaged?: boolean } = {}): Fake {
  let readyResolve!: () => void;
  const whenReady = new Promise<void>((r) => (readyResolve = r));
  const appEvents = new EventEmitter();
  FakeBrowserWindow.instances = [];
  const fake: Fake = {
    electron: null as unknown as ElectronModule,
    windows: FakeBrowserWindow.instances,
    ipcHandlers: new Map(),
    appEvents,
    isReady: false,
    quitCalls: 0,
    quitting: false,
    exitCodes: [],
    exited: false,
    log: [],
    permissionHandler: null,
    privilegedSchemes: [],
    protocolHandlers: new Map(),
    lock: true,
    lockData: [],
    userData,
    trashed: [],
    opened: [],
    errorBoxes: [],
    messageBoxes: [],
    messageBoxAnswers: [],
    applicationMenu: null,
    displays: [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
    clipboard: new FakeClipboard(),
    ready: () => {
      fake.isReady = true;
      readyResolve();
    },
    fetch: async (url) => {
      const scheme = new URL(url).protocol.slice(0, -1);
      const h = fake.protocolHandlers.get(scheme);
      if (!h) throw new Error(`ERR_UNKNOWN_URL_SCHEME (-302) loading '${url}'`);
      return h(new Request(url));
    },
    secondInstance: (argv, cwd, data) => {
      appEvents.emit('second-instance', new FakeEvent(), argv, cwd, data);
    },
  };
  FakeBrowserWindow.fake = fake;
  const exit = (code: number) => {
    if (fake.exited) return;
    fake.exited = true;
    fake.exitCodes.push(code);
    fake.log.push('exit');
  };
  const app = {
    isPackaged: opts.packaged ?? false,
    requestSingleInstanceLock: (data?: unknown) => {
      fake.lockData.push(data);
      return fake.lock;
    },
    quit: () => {
      fake.quitCalls++;
      if (fake.exited) return;
      const before = new FakeEvent();
      appEvents.emit('before-quit', before);
      if (before.defaultPrevented) return;
      fake.quitting = true;
      try {
        for (const w of FakeBrowserWindow.instances) if (!w.close()) return;
      } finally {
        fake.quitting = false;
      }
      const will = new FakeEvent();
      appEvents.emit('will-quit', will);
      if (will.defaultPrevented) return;
      appEvents.emit('quit', new FakeEvent(), 0);
      exit(0);
    },
    exit,
    on: (ev: string, fn: (...a: unknown[]) => void) => {
      appEvents.on(ev, fn);
      return app;
    },
    once: (ev: string, fn: (...a: unknown[]) => void) => {
      appEvents.once(ev, fn);
      return app;
    },
    whenReady: () => whenReady,
    getPath: (name: string) => (name === 'userData' ? fake.userData : `/tmp/${name}`),
  };
  const ipcMain = {
    handle: (ch: string, fn: Handler) => {
      if (fake.ipcHandlers.has(ch)) throw new Error(`Attempted to register a second handler for '${ch}'`);
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
    },
  };
  const protocol = {
    registerSchemesAsPrivileged: (schemes: Fake['privilegedSchemes']) => {
      if (fake.isReady) throw new Error('protocol.registerSchemesAsPrivileged should be called before app is ready');
      fake.privilegedSchemes.push(...schemes);
    },
    handle: (scheme: string, handler: (req: Request) => Response | Promise<Response>) => {
      if (!fake.isReady) throw new Error('protocol.handle can only be used after the app is ready');
      if (fake.protocolHandlers.has(scheme)) throw new Error(`Failed to register protocol: ${scheme}`);
      fake.protocolHandlers.set(scheme, handler);
    },
  };
  const shell = {
    trashItem: async (p: string) => {
      fake.trashed.push(p);
    },
    /** Never settles on Linux in Electron 41. */
    openPath: (p: string) => {
      fake.opened.push(p);
      return new Promise<string>(() => {});
    },
  };
  const dialog = {
    showErrorBox: (title: string, content: string) => {
      // Before ready on Linux this only prints to stderr: no one sees a dialog.
      if (fake.isReady) fake.errorBoxes.push({ title, content });
    },
    showMessageBox: async (_win: unknown, o: { message: string; buttons: string[] }) => {
      fake.messageBoxes.push({ message: o.message, buttons: o.buttons });
      return { response: fake.messageBoxAnswers.shift() ?? 0, checkboxChecked: false };
    },
  };
  const Menu = {
    buildFromTemplate: (template: MenuItem[]) => ({ template }),
    setApplicationMenu: (m: Fake['applicationMenu']) => {
      fake.applicationMenu = m;
    },
  };
  const nativeImage = {
    createFromPath: (p: string) => imageFromPath(p),
    createEmpty: () => new FakeNativeImage(0, 0),
  };
  const screen = { getAllDisplays: () => fake.displays };
  fake.electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    ipcMain,
    session,
    shell,
    screen,
    Menu,
    nativeImage,
    protocol,
    dialog,
    clipboard: fake.clipboard,
    originalFs: unpatchedFs,
  } as unknown as ElectronModule;
  return fake;
}

// ------------------------------------------------------------------------------- asar-patched fs

/** node:fs as it is before any patch: what Electron exposes as `original-fs`. */
const unpatchedFs = { ...nodeFs, promises: { ...nodeFs.promises } } as FsModule;

interface AsarNode {
  files?: Record<string, AsarNode>;
  size?: number;
  link?: string;
}

/** Splits at the first path component that ends in `.asar` (Electron's asar.splitPath). */
function splitAsar(p: unknown): { archive: string; inner: string } | null {
  if (typeof p !== 'string' && !Buffer.isBuffer(p) && !(p instanceof URL)) return null;
  const s = p instanceof URL ? p.pathname : p.toString();
  const m = /^(.*?\.asar)(?:\/(.*))?$/.exec(path.normalize(s));
  return m ? { archive: m[1]!, inner: m[2] ?? '' } : null;
}

/** The archive's header, or an "Invalid package" error as Electron throws. */
function readHeader(archive: string): AsarNode {
  try {
    const fd = unpatchedFs.openSync(archive, 'r');
    try {
      const head = Buffer.alloc(16);
      unpatchedFs.readSync(fd, head, 0, 16, 0);
      if (head.readUInt32LE(0) !== 4) throw new Error('no pickle');
      const json = Buffer.alloc(head.readUInt32LE(12));
      unpatchedFs.readSync(fd, json, 0, json.length, 16);
      const header = JSON.parse(json.toString('utf8')) as AsarNode;
      if (!header.files) throw new Error('no files');
      return header;
    } finally {
      unpatchedFs.closeSync(fd);
    }
  } catch {
    throw new Error(`Invalid package ${archive}`);
  }
}

function lookup(archive: string, inner: string): AsarNode {
  let node = readHeader(archive);
  for (const part of inner.split('/').filter(Boolean)) {
    const next = node.files?.[part];
    if (!next) throw Object.assign(new Error(`ENOENT, ${inner} not found in ${archive}`), { code: 'ENOENT', errno: -2 });
    node = next;
  }
  return node;
}

function asarStats(node: AsarNode): nodeFs.Stats {
  const dir = node.files !== undefined;
  const mode = dir ? nodeFs.constants.S_IFDIR | 0o555 : node.link ? nodeFs.constants.S_IFLNK | 0o777 : nodeFs.constants.S_IFREG | 0o444;
  const t = new Date(0);
  return Object.assign(Object.create(nodeFs.Stats.prototype) as nodeFs.Stats, {
    dev: 1, ino: 0, mode, nlink: 1, uid: 0, gid: 0, rdev: 0, size: dir ? 0 : (node.size ?? 0), blksize: 4096, blocks: 0,
    atimeMs: 0, mtimeMs: 0, ctimeMs: 0, birthtimeMs: 0, atime: t, mtime: t, ctime: t, birthtime: t,
  });
}

function asarReaddir(archive: string, inner: string, withFileTypes: boolean): (string | nodeFs.Dirent)[] {
  const node = lookup(archive, inner);
  if (!node.files) throw Object.assign(new Error(`ENOTDIR, not a directory`), { code: 'ENOTDIR', errno: -20 });
  const dir = path.join(archive, inner);
  const Dirent = nodeFs.Dirent as unknown as new (name: string, type: number, path: string) => nodeFs.Dirent;
  return Object.entries(node.files).map(([name, n]) => (withFileTypes ? new Dirent(name, n.files ? 2 : n.link ? 3 : 1, dir) : name));
}

type AnyFn = (...a: unknown[]) => unknown;

/**
 * Patches node:fs in place the way Electron's asar support does (lstat, stat, readdir in their
 * sync, callback and promise forms; opendir untouched). Returns the function that undoes it.
 */
export function patchFsForAsar(): () => void {
  const saved: [Record<string, unknown>, string, unknown][] = [];
  const patch = (obj: Record<string, unknown>, name: string, make: (orig: AnyFn) => AnyFn) => {
    saved.push([obj, name, obj[name]]);
    obj[name] = make(obj[name] as AnyFn);
  };
  const fsObj = nodeFs as unknown as Record<string, unknown>;
  const promisesObj = nodeFs.promises as unknown as Record<string, unknown>;
  const wantsTypes = (o: unknown) => typeof o === 'object' && o !== null && (o as { withFileTypes?: boolean }).withFileTypes === true;
  const callbackOf = (args: unknown[]) => args[args.length - 1] as (e: unknown, v?: unknown) => void;

  for (const name of ['lstat', 'stat']) {
    const sync = (p: unknown, orig: AnyFn, args: unknown[]) => {
      const s = splitAsar(p);
      return s ? asarStats(lookup(s.archive, s.inner)) : orig(p, ...args);
    };
    patch(fsObj, `${name}Sync`, (orig) => (p, ...args) => sync(p, orig, args));
    patch(promisesObj, name, (orig) => async (p, ...args) => (splitAsar(p) ? sync(p, orig, args) : orig(p, ...args)));
    patch(fsObj, name, (orig) => (p, ...args) => {
      if (!splitAsar(p)) return orig(p, ...args);
      const cb = callbackOf(args);
      try {
        const st = sync(p, orig, []);
        process.nextTick(() => cb(null, st));
      } catch (e) {
        process.nextTick(() => cb(e));
      }
    });
  }
  const readdir = (p: unknown, orig: AnyFn, args: unknown[]) => {
    const s = splitAsar(p);
    return s ? asarReaddir(s.archive, s.inner, wantsTypes(args[0])) : orig(p, ...args);
  };
  patch(fsObj, 'readdirSync', (orig) => (p, ...args) => readdir(p, orig, args));
  patch(promisesObj, 'readdir', (orig) => async (p, ...args) => (splitAsar(p) ? readdir(p, orig, args) : orig(p, ...args)));
  patch(fsObj, 'readdir', (orig) => (p, ...args) => {
    if (!splitAsar(p)) return orig(p, ...args);
    const cb = callbackOf(args);
    try {
      const list = readdir(p, orig, typeof args[0] === 'function' ? [] : [args[0]]);
      process.nextTick(() => cb(null, list));
    } catch (e) {
      process.nextTick(() => cb(e));
    }
  });
  syncBuiltinESMExports();
  return () => {
    for (const [obj, name, orig] of saved.reverse()) obj[name] = orig;
    syncBuiltinESMExports();
  };
}
