import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_NAMES } from '../../electron/contract.js';
import { CSP, hardenContents, isOwnPage, startApp, type Paths } from '../../electron/main-app.js';
import type { ServicesOptions } from '../../electron/services.js';
import { fakeServices } from '../transport/fake-services.js';
import { FakeWebContents, makeFakeElectron, type Fake } from './fake-electron.js';

let tmp: string;
let fake: Fake;
let paths: Paths;
let servicesOptions: ServicesOptions | null;
let services: ReturnType<typeof fakeServices>;

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-shell-'));
  fake = makeFakeElectron(path.join(tmp, 'userData'));
  paths = { rendererIndex: path.join(tmp, 'renderer', 'index.html'), preload: path.join(tmp, 'preload.cjs'), icon: path.join(tmp, 'icon.png') };
  servicesOptions = null;
  services = fakeServices();
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function launch(argv: string[] = []) {
  const handle = startApp(fake.electron, argv, {
    dataDir: path.join(tmp, 'data'),
    paths,
    makeServices: async (o) => {
      servicesOptions = o;
      return services;
    },
  });
  fake.ready();
  await handle.ready;
  return handle;
}

const ownUrl = () => pathToFileURL(paths.rendererIndex).href;
function ipcEvent(sender: unknown, url: string, parent: unknown = null) {
  return { sender, senderFrame: { url, parent } };
}

test('shell: the window is hardened (isolation, sandbox, no node, our preload) and loads built files', async () => {
  const h = await launch(['--left', tmp, '--right', os.tmpdir()]);
  assert.equal(fake.windows.length, 1);
  const wp = fake.windows[0]!.options.webPreferences as Record<string, unknown>;
  assert.equal(wp.contextIsolation, true);
  assert.equal(wp.sandbox, true);
  assert.equal(wp.nodeIntegration, false);
  assert.equal(wp.webviewTag, false);
  assert.equal(wp.webSecurity, true);
  assert.equal(wp.preload, paths.preload);
  assert.equal(fake.windows[0]!.loaded, paths.rendererIndex);
  assert.equal(servicesOptions!.left, tmp);
  assert.equal(servicesOptions!.right, os.tmpdir());
  assert.equal(servicesOptions!.canStartDrag, true);
  assert.ok(servicesOptions!.openPath, 'Electron can open files with the desktop app');
  assert.equal(h.window, fake.windows[0]);
});

test('shell: CSP header on every response, every permission request denied', async () => {
  await launch();
  let headers: Record<string, string[]> = {};
  fake.headersHook!({ responseHeaders: { 'X-A': ['1'] } }, (r) => (headers = r.responseHeaders));
  assert.deepEqual(headers['Content-Security-Policy'], [CSP]);
  assert.match(CSP, /default-src 'self'/);
  assert.doesNotMatch(CSP, /unsafe-eval/);
  let granted: boolean | null = null;
  fake.permissionHandler!({}, 'media', (ok) => (granted = ok));
  assert.equal(granted, false);
});

test('shell: navigation away, redirects, new windows and webviews are refused', () => {
  const wc = new FakeWebContents();
  hardenContents(wc as never, '/app/dist/renderer/index.html');
  const prevented: string[] = [];
  const ev = (name: string) => ({ preventDefault: () => prevented.push(name) });
  wc.emit('will-navigate', ev('evil'), 'https://evil.example/');
  wc.emit('will-navigate', ev('file'), 'file:///etc/passwd');
  wc.emit('will-navigate', ev('own'), 'file:///app/dist/renderer/index.html');
  wc.emit('will-redirect', ev('redirect'), 'https://evil.example/');
  wc.emit('will-attach-webview', ev('webview'));
  assert.deepEqual(prevented, ['evil', 'file', 'redirect', 'webview']);
  assert.deepEqual(wc.windowOpenHandler!({ url: 'https://x' }), { action: 'deny' });
  assert.equal(isOwnPage('file:///app/dist/renderer/index.html?x=1', '/app/dist/renderer/index.html'), true);
  assert.equal(isOwnPage('http://127.0.0.1/index.html', '/app/dist/renderer/index.html'), false);
});

test('shell: a second instance quits and focuses the first', async () => {
  fake.lock = false;
  const h = startApp(fake.electron, [], { paths, makeServices: async () => services });
  assert.equal(fake.quitCalls, 1);
  assert.equal(h.window, null);
});

test('shell: bad --left exits with a usage error', () => {
  startApp(fake.electron, ['--left', path.join(tmp, 'missing')], { paths, makeServices: async () => services });
  assert.deepEqual(fake.exitCodes, [2]);
});

test('shell: IPC has one handler per request and serves only our window, our page, top frame', async () => {
  await launch();
  assert.deepEqual([...fake.ipcHandlers.keys()].sort(), REQUEST_NAMES.map((n) => IPC_PREFIX + n).sort());
  const win = fake.windows[0]!;
  const call = (ev: unknown, name: string, params: unknown) => fake.ipcHandlers.get(IPC_PREFIX + name)!(ev, params) as Promise<{ ok: boolean; value?: unknown; error?: { code: string } }>;

  const ok = await call(ipcEvent(win.webContents, ownUrl()), 'app.info', {});
  assert.equal(ok.ok, true);
  assert.equal((ok.value as { transport: string }).transport, 'ipc');

  const otherWindow = await call(ipcEvent(new FakeWebContents(), ownUrl()), 'app.info', {});
  assert.equal(otherWindow.error?.code, 'EACCES');
  const otherPage = await call(ipcEvent(win.webContents, 'https://evil.example/'), 'fs.stat', { path: '/etc/passwd' });
  assert.equal(otherPage.error?.code, 'EACCES');
  const subframe = await call(ipcEvent(win.webContents, ownUrl(), { url: ownUrl() }), 'app.info', {});
  assert.equal(subframe.error?.code, 'EACCES');
  const malformed = await call(ipcEvent(win.webContents, ownUrl()), 'fs.stat', { path: 'relative' });
  assert.equal(malformed.error?.code, 'EINVALIDPARAMS');
  const missing = await call(ipcEvent(win.webContents, ownUrl()), 'fs.stat', { path: path.join(tmp, 'nope') });
  assert.equal(missing.error?.code, 'ENOENT');
});

test('shell: startDrag drags files out of our window; events reach the window', async () => {
  await launch();
  const win = fake.windows[0]!;
  const r = (await fake.ipcHandlers.get(IPC_PREFIX + 'app.startDrag')!(ipcEvent(win.webContents, ownUrl()), { paths: ['/a', '/b'] })) as { ok: boolean };
  assert.equal(r.ok, true);
  assert.deepEqual(win.webContents.drags, [{ file: '/a', files: ['/a', '/b'], icon: paths.icon }]);
  services.emitAll('dir.changed', { watchId: 'w', path: '/x', gone: false });
  assert.deepEqual(win.webContents.sent, [[IPC_EVENT_CHANNEL, 'dir.changed', { watchId: 'w', path: '/x', gone: false }]]);
});

test('shell: window size and position are remembered, never restored off-screen', async () => {
  await launch();
  const win = fake.windows[0]!;
  win.bounds = { x: 100, y: 50, width: 1111, height: 777 };
  win.emit('close');
  const saved = JSON.parse(fs.readFileSync(path.join(fake.userData, 'window-state.json'), 'utf8'));
  assert.deepEqual(saved, { x: 100, y: 50, width: 1111, height: 777, maximized: false });

  const fake2 = makeFakeElectron(fake.userData);
  startApp(fake2.electron, [], { dataDir: path.join(tmp, 'data'), paths, makeServices: async () => fakeServices() });
  fake2.ready();
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 10));
  const o = fake2.windows[0]!.options;
  assert.deepEqual([o.x, o.y, o.width, o.height], [100, 50, 1111, 777]);

  fs.writeFileSync(path.join(fake.userData, 'window-state.json'), JSON.stringify({ x: 5000, y: 5000, width: 900, height: 600 }));
  const fake3 = makeFakeElectron(fake.userData);
  startApp(fake3.electron, [], { dataDir: path.join(tmp, 'data'), paths, makeServices: async () => fakeServices() });
  fake3.ready();
  await new Promise((r) => setTimeout(r, 10));
  const o3 = fake3.windows[0]!.options;
  assert.equal(o3.x, undefined, 'off-screen position dropped');
  assert.equal(o3.width, 900);
});
