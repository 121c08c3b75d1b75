import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { APP_PAGE, APP_SCHEME } from '../../electron/app-protocol.js';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_NAMES, type JobSummary } from '../../electron/contract.js';
import { defaultPaths, hardenContents, startApp, type Paths, type StartOverrides } from '../../electron/main-app.js';
import { createServices, type ServicesOptions } from '../../electron/services.js';
import { fakeServices } from '../transport/fake-services.js';
import { FakeWebContents, makeFakeElectron, type Fake, type MenuItem } from './fake-electron.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

let tmp: string;
let fake: Fake;
let paths: Paths;
let servicesOptions: ServicesOptions | null;
let services: ReturnType<typeof fakeServices>;

function makeRenderer(dir: string): void {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Ferry</title><script type="module" src="./assets/app.js"></script>');
  fs.writeFileSync(path.join(dir, 'assets', 'app.js'), 'export {};');
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-shell-'));
  fake = makeFakeElectron(path.join(tmp, 'userData'));
  paths = { renderer: path.join(tmp, 'renderer'), preload: path.join(tmp, 'preload.cjs'), icon: path.join(repo, 'build', 'icon.png') };
  makeRenderer(paths.renderer);
  servicesOptions = null;
  services = fakeServices();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function launch(argv: string[] = [], more: StartOverrides = {}, f: Fake = fake) {
  const handle = startApp(f.electron, argv, {
    dataDir: path.join(tmp, 'data'),
    paths,
    makeServices: async (o) => {
      servicesOptions = o;
      return services;
    },
    ...more,
  });
  f.ready();
  await handle.ready;
  return handle;
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
function ipcEvent(sender: unknown, url: string, parent: unknown = null) {
  return { sender, senderFrame: { url, parent } };
}
type ReplyLike = { ok: boolean; value?: unknown; error?: { code: string; message: string } };
function call(f: Fake, ev: unknown, name: string, params: unknown): Promise<ReplyLike> {
  return f.ipcHandlers.get(IPC_PREFIX + name)!(ev, params) as Promise<ReplyLike>;
}
const own = () => ipcEvent(fake.windows[0]!.webContents, APP_PAGE);

test('shell: the window is hardened (isolation, sandbox, no node, our preload) and loads app://ferry/', async () => {
  const h = await launch(['--left', tmp, '--right', os.tmpdir()]);
  assert.equal(fake.windows.length, 1);
  const win = fake.windows[0]!;
  const wp = win.options.webPreferences as Record<string, unknown>;
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.preload, paths.preload);
  assert.equal(wp.devTools, true, 'DevTools only outside the package');
  assert.equal(win.loaded, APP_PAGE);
  assert.deepEqual(fake.privilegedSchemes.map((s) => s.scheme), [APP_SCHEME]);
  assert.equal(fake.privilegedSchemes[0]!.privileges?.standard, true);
  assert.equal(fake.privilegedSchemes[0]!.privileges?.secure, true);
  assert.equal(win.menuBarVisible, false);
  assert.equal(servicesOptions!.left, tmp);
  assert.equal(servicesOptions!.right, os.tmpdir());
  assert.equal(servicesOptions!.canStartDrag, true);
  assert.ok(servicesOptions!.openPath, 'Electron can open files with the desktop app');
  assert.equal(h.window, win);
  assert.equal(win.options.icon, paths.icon);
});

test('shell: the packaged app finds its icon beside the asar (build/ is not packaged), and has no DevTools', async () => {
  const p = defaultPaths(true, '/opt/Ferry/resources');
  assert.equal(p.icon, '/opt/Ferry/resources/icon.png');
  assert.equal(defaultPaths(false).icon, path.join(repo, 'build', 'icon.png'));
  assert.ok(fs.existsSync(defaultPaths(false).icon));
  const packaged = makeFakeElectron(path.join(tmp, 'userData'), { packaged: true });
  await launch([], {}, packaged);
  assert.equal((packaged.windows[0]!.options.webPreferences as Record<string, unknown>).devTools, false);
  const items = flatten(packaged.applicationMenu!.template);
  assert.ok(!items.some((i) => i.role === 'toggleDevTools'), 'no DevTools in the packaged menu');
});

test('shell: permission requests are denied', async () => {
  await launch();
  let granted: boolean | null = null;
  fake.permissionHandler!({}, 'media', (ok) => (granted = ok));
  assert.equal(granted, false);
});

test('shell: navigation away, redirects, new windows and webviews are refused', () => {
  const wc = new FakeWebContents();
  hardenContents(wc as never);
  const prevented: string[] = [];
  const ev = (name: string) => ({ preventDefault: () => prevented.push(name) });
  wc.emit('will-navigate', ev('evil'), 'https://evil.example/');
  wc.emit('will-navigate', ev('file'), 'file:///etc/passwd');
  wc.emit('will-navigate', ev('own-file'), pathToFileURL(path.join(paths.renderer, 'index.html')).href);
  wc.emit('will-navigate', ev('own'), APP_PAGE);
  wc.emit('will-navigate', ev('own-hash'), `${APP_PAGE}#x`);
  wc.emit('will-redirect', ev('redirect'), 'https://evil.example/');
  wc.emit('will-attach-webview', ev('webview'));
  assert.deepEqual(prevented, ['evil', 'file', 'own-file', 'redirect', 'webview']);
  assert.deepEqual(wc.windowOpenHandler!({ url: 'https://x' }), { action: 'deny' });
});

test('shell: IPC has one handler per request and serves only our window, our page, top frame', async () => {
  await launch();
  assert.deepEqual([...fake.ipcHandlers.keys()].sort(), REQUEST_NAMES.map((n) => IPC_PREFIX + n).sort());
  const win = fake.windows[0]!;
  const ok = await call(fake, own(), 'app.info', {});
  assert.equal(ok.ok, true);
  assert.equal((ok.value as { transport: string }).transport, 'ipc');

  const otherWindow = await call(fake, ipcEvent(new FakeWebContents(), APP_PAGE), 'app.info', {});
  assert.equal(otherWindow.error?.code, 'EACCES');
  const otherPage = await call(fake, ipcEvent(win.webContents, 'https://evil.example/'), 'fs.stat', { path: '/etc/passwd' });
  assert.equal(otherPage.error?.code, 'EACCES');
  const fileUrl = await call(fake, ipcEvent(win.webContents, pathToFileURL(path.join(paths.renderer, 'index.html')).href), 'app.info', {});
  assert.equal(fileUrl.error?.code, 'EACCES', 'a file:// page is not ours');
  const subframe = await call(fake, ipcEvent(win.webContents, APP_PAGE, { url: APP_PAGE }), 'app.info', {});
  assert.equal(subframe.error?.code, 'EACCES');
  const malformed = await call(fake, own(), 'fs.stat', { path: 'relative' });
  assert.equal(malformed.error?.code, 'EINVALIDPARAMS');
  const missing = await call(fake, own(), 'fs.stat', { path: path.join(tmp, 'nope') });
  assert.equal(missing.error?.code, 'ENOENT');
});

test('shell: installed under a path with %, # and spaces, the page loads and IPC answers', async () => {
  const odd = path.join(tmp, 'Ferry 100% #1', 'resources', 'app');
  paths = { ...paths, renderer: path.join(odd, 'dist', 'renderer') };
  makeRenderer(paths.renderer);
  await launch();
  assert.equal(fake.windows[0]!.loaded, APP_PAGE);
  assert.equal((await call(fake, own(), 'app.info', {})).ok, true);
  assert.equal((await fake.fetch(`${APP_PAGE.replace('index.html', '')}assets/app.js`)).status, 200);
});

test('shell: startDrag gets a loaded ~32 px image; a missing icon is a clear error, not a throw inside Electron', async () => {
  await launch();
  const win = fake.windows[0]!;
  const r = await call(fake, own(), 'app.startDrag', { paths: ['/a', '/b'] });
  assert.equal(r.ok, true);
  assert.deepEqual(win.webContents.drags, [{ files: ['/a', '/b'], icon: { width: 32, height: 32 } }]);

  // The fake behaves like Electron 41: a path it cannot load throws, an empty image drags nothing.
  assert.throws(() => win.webContents.startDrag({ file: '/a', icon: path.join(tmp, 'build', 'icon.png') }), /Failed to load image from path/);
  win.webContents.startDrag({ file: '/a', icon: fake.electron.nativeImage.createEmpty() });
  assert.equal(win.webContents.drags.length, 1);

  paths.icon = path.join(tmp, 'build', 'icon.png'); // as when build/ was not packaged
  const missing = await call(fake, own(), 'app.startDrag', { paths: ['/a'] });
  assert.equal(missing.ok, false);
  assert.equal(missing.error?.code, 'ENOENT');
  assert.match(missing.error!.message, /drag icon could not be loaded/);
});

test('shell: events reach the window', async () => {
  await launch();
  services.emitAll('dir.changed', { watchId: 'w', path: '/x', gone: false });
  assert.deepEqual(fake.windows[0]!.webContents.sent, [[IPC_EVENT_CHANNEL, 'dir.changed', { watchId: 'w', path: '/x', gone: false }]]);
});

test('shell: jobs.fileEvents {send: false} stops job.files to the window (its queue pages jobs.files); other events still come', async () => {
  await launch();
  const sent = fake.windows[0]!.webContents.sent;
  services.emitAll('job.files', { jobId: 'j', records: [] });
  assert.deepEqual((await call(fake, own(), 'jobs.fileEvents', { send: false })).value, { send: false });
  services.emitAll('job.files', { jobId: 'k', records: [] });
  services.emitAll('job.updated', { jobs: [] });
  assert.deepEqual(sent.map((m) => [m[1], (m[2] as { jobId?: string }).jobId]), [['job.files', 'j'], ['job.updated', undefined]]);
});

test('shell: opening a file answers (Electron 41 shell.openPath never settles on Linux)', async () => {
  const opener = path.join(tmp, 'opener');
  fs.writeFileSync(opener, '#!/bin/sh\n[ "$1" = "/nowhere" ] && exit 2\necho "$1" >> "$(dirname "$0")/opened"\n', { mode: 0o755 });
  // The real services: the request goes through handlers.ts to the shell's opener.
  const h = await launch([], { openPath: { command: opener }, makeServices: createServices });
  try {
    const r = await Promise.race([call(fake, own(), 'fs.open', { path: '/etc/hostname' }), tick(5000).then(() => 'hung')]);
    assert.notEqual(r, 'hung', 'fs.open must answer');
    assert.equal((r as ReplyLike).ok, true, JSON.stringify(r));
    assert.equal(fs.readFileSync(path.join(tmp, 'opened'), 'utf8'), '/etc/hostname\n');
    assert.deepEqual(fake.opened, [], 'shell.openPath is not used');
    const bad = await call(fake, own(), 'fs.open', { path: '/nowhere' });
    assert.equal(bad.error?.code, 'ENOENT');
  } finally {
    await h.services?.close();
  }
});

test('shell: quitting waits for the services to flush before the process exits', async () => {
  services.close = async () => {
    await tick(50);
    fake.log.push('services closed');
  };
  await launch();
  fake.electron.app.quit();
  assert.equal(fake.exited, false, 'will-quit held the quit');
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  assert.deepEqual(fake.log, ['services closed', 'exit']);
  assert.deepEqual(fake.exitCodes, [0]);
  assert.equal(fake.ipcHandlers.size, 0, 'IPC handlers removed');
});

test('shell: quitting gives up on services that never close', async () => {
  services.close = () => new Promise(() => {});
  await launch([], { quitTimeoutMs: 30 });
  fake.electron.app.quit();
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  assert.deepEqual(fake.exitCodes, [0]);
});

function runningJob(): JobSummary {
  return { id: 'j1', kind: 'copy', sources: ['/a'], destDir: '/b', state: 'running' } as JobSummary;
}

test('shell: closing the window while transfers run asks first; "keep open" keeps it', async () => {
  await launch();
  services.handlers['jobs.list'] = () => ({ jobs: [runningJob()] });
  const win = fake.windows[0]!;
  fake.messageBoxAnswers.push(0);
  win.close();
  await tick(10);
  assert.equal(fake.messageBoxes.length, 1);
  assert.match(fake.messageBoxes[0]!.message, /transfer is still running/);
  assert.equal(win.destroyed, false);
  assert.equal(fake.exited, false);

  // Ctrl+Q (the menu's Quit) asks the same way; "stop and quit" quits after the services closed.
  services.close = async () => {
    fake.log.push('services closed');
  };
  fake.messageBoxAnswers.push(1);
  const quit = flatten(fake.applicationMenu!.template).find((i) => i.label === '&Quit')!;
  quit.click!();
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  assert.equal(fake.messageBoxes.length, 2);
  assert.equal(win.destroyed, true);
  assert.deepEqual(fake.log, ['services closed', 'exit']);
});

test('shell: closing the window with nothing running closes and quits without asking', async () => {
  await launch();
  fake.windows[0]!.close();
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  assert.equal(fake.messageBoxes.length, 0);
  assert.deepEqual(fake.exitCodes, [0]);
});

test('shell: a job list that fails does not keep the window from closing', async () => {
  await launch();
  services.handlers['jobs.list'] = () => {
    throw new Error('journal gone');
  };
  fake.windows[0]!.close();
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  assert.deepEqual(fake.exitCodes, [0]);
});

test('shell: a failed start shows why and exits non-zero (no invisible process holding the lock)', async () => {
  const h = startApp(fake.electron, [], {
    dataDir: path.join(tmp, 'data'),
    paths,
    makeServices: async () => {
      throw new Error('EACCES: permission denied, open /data/journal');
    },
  });
  fake.ready();
  await h.ready;
  assert.deepEqual(fake.exitCodes, [1]);
  assert.equal(fake.errorBoxes.length, 1);
  assert.match(fake.errorBoxes[0]!.content, /EACCES: permission denied/);

  // A renderer that does not load (a broken install) fails the same way.
  const f2 = makeFakeElectron(path.join(tmp, 'userData'));
  paths = { ...paths, renderer: path.join(tmp, 'no-renderer') };
  await launch([], {}, f2);
  assert.deepEqual(f2.exitCodes, [1]);
  assert.match(f2.errorBoxes[0]!.content, /ERR_FILE_NOT_FOUND/);
});

test('shell: a maximised window is maximised and shown only once it has rendered', async () => {
  fs.mkdirSync(fake.userData, { recursive: true });
  fs.writeFileSync(path.join(fake.userData, 'window-state.json'), JSON.stringify({ x: 0, y: 0, width: 900, height: 600, maximized: true }));
  await launch();
  const win = fake.windows[0]!;
  await tick(10);
  assert.equal(win.maximized, true);
  assert.equal(win.visible, true);
  assert.equal(win.shownBeforeReady, false, 'maximize() would show the window before its page rendered');
});

function flatten(items: MenuItem[]): MenuItem[] {
  return items.flatMap((i) => [i, ...flatten(i.submenu ?? [])]);
}

test("shell: Ferry's own menu replaces Electron's default: no reload, no close, no keys the panes use", async () => {
  await launch();
  assert.ok(fake.applicationMenu, 'an application menu is installed');
  const items = flatten(fake.applicationMenu.template);
  const roles = items.map((i) => i.role).filter(Boolean);
  for (const bad of ['reload', 'forceReload', 'close', 'quit', 'toggleDevTools']) {
    if (bad === 'toggleDevTools') continue; // development only (see the packaged test)
    assert.ok(!roles.includes(bad), `no ${bad} role`);
  }
  const ferryKeys = ['A', 'H', 'L', 'U', 'J', 'R', 'W', 'Shift+P'].map((k) => `CommandOrControl+${k}`);
  const accels = items.map((i) => i.accelerator).filter((a): a is string => Boolean(a));
  for (const a of accels) {
    assert.ok(!ferryKeys.includes(a), `${a} is a pane key`);
    assert.doesNotMatch(a, /^(F([1-9]|10)$|Alt\+)/, `${a} collides with the F-key bar or Alt keys`);
  }
  assert.ok(accels.includes('CommandOrControl+Q'), 'Quit is Ctrl+Q');
});

test('shell: folders named on the command line (paths, file:// URIs, a file) open in the panes', async () => {
  const a = path.join(tmp, 'a b#1');
  const b = path.join(tmp, 'b');
  fs.mkdirSync(a);
  fs.mkdirSync(b);
  fs.writeFileSync(path.join(b, 'doc.txt'), '');
  const h = await launch([pathToFileURL(a).href, path.join(b, 'doc.txt'), '--no-sandbox']);
  assert.deepEqual(h.options!.open, [a, b]);
  assert.deepEqual(servicesOptions!.open, [a, b], 'app.info tells the page');
  assert.deepEqual(fake.lockData, [{ ferryOpen: [a, b] }], 'handed to a running instance');
});

test('shell: a launch argument that is not a local folder is a usage error shown to the user (exit 2)', async () => {
  for (const [argv, msg] of [
    [[path.join(tmp, 'missing')], /no such file or folder/],
    [['sftp://host/dir'], /not a local folder/],
    [['file://otherhost/dir'], /not a local file URI/],
    [[tmp, tmp, tmp], /at most two folders/],
    [['--left', path.join(tmp, 'missing')], /--left: no such folder/],
  ] as const) {
    const f = makeFakeElectron(path.join(tmp, 'userData'));
    const h = startApp(f.electron, [...argv], { paths, makeServices: async () => services });
    f.ready();
    await h.ready;
    assert.deepEqual(f.exitCodes, [2], String(argv));
    assert.match(f.errorBoxes[0]?.content ?? '', msg);
    assert.deepEqual(f.lockData, [], 'no lock taken');
  }
});

test('shell: a second launch hands its folders to the running window, which opens them and comes forward', async () => {
  await launch();
  const win = fake.windows[0]!;
  const d = path.join(tmp, 'dir');
  fs.mkdirSync(d);
  fake.secondInstance(['/opt/Ferry/ferry', '--original-process-start-time=1', 'junk'], '/', { ferryOpen: [d] });
  assert.deepEqual(win.webContents.sent.at(-1), [IPC_EVENT_CHANNEL, 'app.open', { paths: [d] }]);
  assert.equal(win.focused, 1);

  // An instance that handed over nothing: its argv (relative to its working directory) is read.
  fake.secondInstance(['/usr/bin/electron', '/repo', 'dir', '--original-process-start-time=1'], tmp, null);
  assert.deepEqual(win.webContents.sent.at(-1), [IPC_EVENT_CHANNEL, 'app.open', { paths: [d] }]);
  assert.equal(win.focused, 2);

  // The second instance itself: no lock, so it quits at once after handing over.
  const second = makeFakeElectron(path.join(tmp, 'userData2'));
  second.lock = false;
  const h = startApp(second.electron, [d], { paths, makeServices: async () => services });
  assert.equal(second.quitCalls, 1);
  assert.equal(h.window, null);
  assert.deepEqual(second.lockData, [{ ferryOpen: [d] }]);
});

test('shell: window size and position are remembered, never restored off-screen', async () => {
  await launch();
  const win = fake.windows[0]!;
  win.bounds = { x: 100, y: 50, width: 1111, height: 777 };
  win.close();
  for (let i = 0; i < 100 && !fake.exited; i++) await tick(10);
  const saved = JSON.parse(fs.readFileSync(path.join(fake.userData, 'window-state.json'), 'utf8'));
  assert.deepEqual(saved, { x: 100, y: 50, width: 1111, height: 777, maximized: false });

  const fake2 = makeFakeElectron(fake.userData);
  await launch([], { makeServices: async () => fakeServices() }, fake2);
  const o = fake2.windows[0]!.options;
  assert.deepEqual([o.x, o.y, o.width, o.height], [100, 50, 1111, 777]);

  fs.writeFileSync(path.join(fake.userData, 'window-state.json'), JSON.stringify({ x: 5000, y: 5000, width: 900, height: 600 }));
  const fake3 = makeFakeElectron(fake.userData);
  await launch([], { makeServices: async () => fakeServices() }, fake3);
  const o3 = fake3.windows[0]!.options;
  assert.equal(o3.x, undefined, 'off-screen position dropped');
  assert.equal(o3.width, 900);
});

test("shell: the desktop's clipboard, in the formats Linux file managers exchange", async () => {
  const h = await launch([], { makeServices: createServices });
  try {
    const info = await call(fake, own(), 'app.info', {});
    assert.equal((info.value as { systemClipboard: boolean }).systemClipboard, true);
    const read = async () => (await call(fake, own(), 'clipboard.read', {})).value as { files: { op: string; paths: string[] } | null; text: string };

    // Nautilus, Nemo, Thunar, Double Commander: x-special/gnome-copied-files, cut or copy.
    fake.clipboard.offer({ 'x-special/gnome-copied-files': 'cut\nfile:///tmp/a%20b\nfile:///tmp/%23c%25\n', 'text/plain': '/tmp/a b\n/tmp/#c%' });
    assert.deepEqual((await read()).files, { op: 'cut', paths: ['/tmp/a b', '/tmp/#c%'] });
    // Dolphin: text/uri-list (CRLF, comments, other schemes skipped); KDE marks a cut apart.
    fake.clipboard.offer({ 'text/uri-list': '# from Dolphin\r\nfile:///srv/x\r\nhttps://example.com/y\r\nfile://localhost/srv/%C3%A9t%C3%A9\r\n' });
    assert.deepEqual((await read()).files, { op: 'copy', paths: ['/srv/x', '/srv/été'] });
    fake.clipboard.offer({ 'text/uri-list': 'file:///srv/x\r\n', 'application/x-kde-cutselection': '1' });
    assert.deepEqual((await read()).files, { op: 'cut', paths: ['/srv/x'] });
    // A file on another host is not a local file.
    fake.clipboard.offer({ 'text/uri-list': 'file://otherhost/srv/x\r\n' });
    assert.equal((await read()).files, null);
    // A terminal: paths as plain text copy; any other text is only text.
    fake.clipboard.offer({ 'text/plain': '/etc/hostname\n/etc/hosts\n' });
    assert.deepEqual((await read()).files, { op: 'copy', paths: ['/etc/hostname', '/etc/hosts'] });
    fake.clipboard.offer({ 'text/plain': 'hello /etc/hosts' });
    assert.deepEqual(await read(), { files: null, text: 'hello /etc/hosts' });

    // Ferry's Ctrl+X: what the other file managers read, names escaped as URIs.
    assert.equal((await call(fake, own(), 'clipboard.write', { files: { op: 'cut', paths: ['/home/u/a b', '/home/u/#1?%'] } })).ok, true);
    assert.equal(fake.clipboard.readBuffer('x-special/gnome-copied-files').toString(), 'cut\nfile:///home/u/a%20b\nfile:///home/u/%231%3F%25');
    assert.deepEqual((await read()).files, { op: 'cut', paths: ['/home/u/a b', '/home/u/#1?%'] });
    // Copy path: plain text.
    await call(fake, own(), 'clipboard.write', { text: '/home/u/a b' });
    assert.deepEqual(fake.clipboard.availableFormats(), ['text/plain']);
    assert.equal(fake.clipboard.readText(), '/home/u/a b');
    // Not a list of paths: refused before it reaches the clipboard.
    assert.equal((await call(fake, own(), 'clipboard.write', { files: { op: 'move', paths: ['/x'] } })).error?.code, 'EINVALIDPARAMS');
  } finally {
    await h.services?.close();
  }
});
