// The renderer's side of the desktop integration, without a browser: the drag-out gesture and
// file:// URIs (transfer.ts), and folders a launch asks for (AppState: AppInfo.open at start, the
// app.open event later). Bundled with esbuild against a fake client, runes compiled by Svelte.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build, transform, type Plugin } from 'esbuild';
import { compileModule } from 'svelte/compiler';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const lib = path.join(repo, 'renderer', 'src', 'lib');

/* eslint-disable @typescript-eslint/no-explicit-any */
let M: any;
let tmp: string;

const FAKE_CLIENT = `
const listeners = new Map();
export const info = { version: 't', transport: 'ipc', platform: 'linux', home: '/home/u', left: '/home/u', right: '/home/u', canOpenExternally: true, canStartDrag: true };
export const api = new Proxy({}, { get: (_, name) => async (params) => {
  if (name === 'app.info') return info;
  if (name === 'fs.list') return { listingId: params.listingId, path: params.path, total: 0 };
  return {};
} });
export function on(event, l) {
  if (!listeners.has(event)) listeners.set(event, new Set());
  listeners.get(event).add(l);
  return () => listeners.get(event).delete(l);
}
export function emit(event, payload) { for (const l of listeners.get(event) ?? []) l(payload); }
export function pathForFile() { return null; }
export const transportKind = 'ipc';
`;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-rshell-'));
  const plugin: Plugin = {
    name: 'ferry-shell-test',
    setup(b) {
      b.onResolve({ filter: /(^\.\/client$)|(\/renderer\/src\/lib\/client$)/ }, (args) =>
        args.importer.startsWith(lib) || args.importer.startsWith(tmp) ? { path: 'fake-client', namespace: 'fake' } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: 'fake' }, () => ({ contents: FAKE_CLIENT, loader: 'js' }));
      b.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
        const js = (await transform(await fs.promises.readFile(args.path, 'utf8'), { loader: 'ts', format: 'esm' })).code;
        return { contents: compileModule(js, { filename: args.path, generate: 'client', dev: false }).js.code, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
  const entry = path.join(tmp, 'entry.ts');
  fs.writeFileSync(
    entry,
    [
      `export * from ${JSON.stringify(path.join(lib, 'transfer.ts'))};`,
      `export { AppState } from ${JSON.stringify(path.join(lib, 'app.svelte.ts'))};`,
      `export * as client from ${JSON.stringify(path.join(lib, 'client'))};`,
    ].join('\n'),
  );
  const outfile = path.join(tmp, 'bundle.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, conditions: ['browser'], plugins: [plugin], nodePaths: [path.join(repo, 'node_modules')], logLevel: 'error' });
  const store = new Map<string, string>();
  (globalThis as Record<string, unknown>).localStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  M = await import(pathToFileURL(outfile).href);
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('drag out: each path segment is escaped in file:// URIs, and they read back exactly', () => {
  const paths = ['/home/u/a#b.txt', '/home/u/what?.txt', '/home/u/100% done/x y.txt', '/home/u/Ünïcode/ö.txt'];
  const uris = paths.map(M.fileUri);
  assert.deepEqual(uris.slice(0, 3), ['file:///home/u/a%23b.txt', 'file:///home/u/what%3F.txt', 'file:///home/u/100%25%20done/x%20y.txt']);
  for (const u of uris as string[]) assert.doesNotMatch(u.slice('file://'.length), /[#? ]/);
  assert.deepEqual(M.pathsFromUriList(uris.join('\r\n')), paths);
});

test('drag out: the gesture is Ctrl+Shift (Alt+drag belongs to the window manager)', () => {
  const mods = (o: Partial<Record<'ctrlKey' | 'shiftKey' | 'altKey' | 'metaKey', boolean>>) => ({ ctrlKey: false, shiftKey: false, altKey: false, metaKey: false, ...o });
  assert.equal(M.isDragOutGesture(mods({ ctrlKey: true, shiftKey: true })), true);
  assert.equal(M.isDragOutGesture(mods({ altKey: true })), false);
  assert.equal(M.isDragOutGesture(mods({ ctrlKey: true })), false, 'Ctrl alone copies inside Ferry');
  assert.equal(M.isDragOutGesture(mods({ shiftKey: true })), false, 'Shift alone moves inside Ferry');
});

const tick = () => new Promise((r) => setTimeout(r, 10));

test('launch folders: AppInfo.open wins over the remembered folders; a later launch opens in the active pane', async () => {
  for (const side of ['left', 'right']) localStorage.setItem(`ferry.pane.${side}`, JSON.stringify({ path: '/home/u/remembered', arg: '/home/u' }));
  M.client.info.open = ['/srv/a', '/srv/b'];
  const app = new M.AppState();
  const started = app.start();
  // A second launch while app.info is on its way: kept, applied once the panes started.
  M.client.emit('app.open', { paths: ['/srv/early'] });
  await started;
  await tick();
  assert.equal(app.left.path, '/srv/early');
  assert.equal(app.right.path, '/srv/b');
  app.activate('right');
  M.client.emit('app.open', { paths: ['/srv/c'] });
  await tick();
  assert.equal(app.right.path, '/srv/c');
  assert.equal(app.left.path, '/srv/early');
  M.client.emit('app.open', { paths: ['/srv/l', '/srv/r'] });
  await tick();
  assert.deepEqual([app.left.path, app.right.path], ['/srv/l', '/srv/r']);
});
