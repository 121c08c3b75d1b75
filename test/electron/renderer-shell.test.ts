// The renderer's side of the desktop integration, without a browser: the drag-out gesture and
// file:// URIs (transfer.ts), and folders a launch asks for (AppState: AppInfo.open at start, the
// app.open event later). Loaded through test/renderer/load.ts against the fake client.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from '../renderer/load.js';

const { M, fake } = rendererSuite(['lib/transfer.ts', 'lib/app.svelte.ts']);
const store = new Map<string, string>();
before(() => {
  (globalThis as Record<string, unknown>).localStorage = {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => void store.set(k, v),
  };
});

test('drag out: each path segment is escaped in file:// URIs, and they read back exactly', () => {
  const paths = ['/home/u/a#b.txt', '/home/u/what?.txt', '/home/u/100% done/x y.txt', '/home/u/Ünïcode/ö.txt'];
  const uris = paths.map((p) => M.fileUri(p) as string);
  assert.deepEqual(uris.slice(0, 3), ['file:///home/u/a%23b.txt', 'file:///home/u/what%3F.txt', 'file:///home/u/100%25%20done/x%20y.txt']);
  for (const u of uris) assert.doesNotMatch(u.slice('file://'.length), /[#? ]/);
  assert.deepEqual(M.pathsFromUriList(uris.join('\r\n')), paths);
});

test('drag out: the gesture is Ctrl+Shift (Alt+drag belongs to the window manager)', () => {
  const mods = (o: Partial<Record<'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey', boolean>>) => ({ ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...o });
  assert.equal(M.isDragOutGesture(mods({ ctrlKey: true, shiftKey: true })), true);
  assert.equal(M.isDragOutGesture(mods({ altKey: true })), false);
  assert.equal(M.isDragOutGesture(mods({ ctrlKey: true })), false, 'Ctrl alone copies inside Ferry');
  assert.equal(M.isDragOutGesture(mods({ shiftKey: true })), false, 'Shift alone moves inside Ferry');
});

test('launch folders: AppInfo.open wins over the remembered folders; a later launch opens in the active pane', async () => {
  for (const side of ['left', 'right']) store.set(`ferry.pane.${side}`, JSON.stringify({ path: '/home/u/remembered', arg: '/home/u' }));
  const info = { version: 't', transport: 'ipc', platform: 'linux', home: '/home/u', left: '/home/u', right: '/home/u', canOpenExternally: true, canStartDrag: true, open: ['/srv/a', '/srv/b'] };
  fake.handlers['app.info'] = () => info;
  fake.handlers['fs.list'] = (p: { path: string; listingId: string }) => ({ listingId: p.listingId, path: p.path, total: 0 });
  const app = new M.AppState();
  const started = app.start();
  // A second launch while app.info is on its way: kept, applied once the panes started.
  fake.emit('app.open', { paths: ['/srv/early'] });
  await started;
  await settle();
  assert.equal(app.left.path, '/srv/early');
  assert.equal(app.right.path, '/srv/b', 'not the remembered folder');
  app.activate('right');
  fake.emit('app.open', { paths: ['/srv/c'] });
  await settle();
  assert.deepEqual([app.left.path, app.right.path], ['/srv/early', '/srv/c']);
  fake.emit('app.open', { paths: ['/srv/l', '/srv/r'] });
  await settle();
  assert.deepEqual([app.left.path, app.right.path], ['/srv/l', '/srv/r']);
});
