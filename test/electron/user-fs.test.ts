// `.asar` files in the user's folders. Electron patches node:fs so that lstat, stat and readdir
// treat *.asar as folders (opendir is not patched): the shell must read user paths through
// `original-fs`. The fake models the patch; the archives here are real ones made by @electron/asar.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import nodeFs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as asar from '@electron/asar';
import { APP_PAGE } from '../../electron/app-protocol.js';
import { IPC_PREFIX, type DirEntry, type Events } from '../../electron/contract.js';
import { FsService } from '../../electron/fs-service.js';
import { verifyPair } from '../../native/verify.js';
import { startApp } from '../../electron/main-app.js';
import { useUserFs } from '../../native/user-fs.js';
import { fakeServices } from '../transport/fake-services.js';
import { makeFakeElectron, patchFsForAsar } from './fake-electron.js';

let tmp: string;
let folder: string;
let archive: string;
let bogus: string;

before(async () => {
  tmp = nodeFs.mkdtempSync(path.join(os.tmpdir(), 'ferry-asar-'));
  const src = path.join(tmp, 'src');
  nodeFs.mkdirSync(path.join(src, 'dist'), { recursive: true });
  nodeFs.writeFileSync(path.join(src, 'package.json'), '{"name":"some-app","main":"dist/main.js"}');
  nodeFs.writeFileSync(path.join(src, 'dist', 'main.js'), 'console.log("hello");\n'.repeat(100));
  // Someone's installed app, in a folder the user browses.
  folder = path.join(tmp, 'Apps');
  nodeFs.mkdirSync(folder);
  archive = path.join(folder, 'app.asar');
  await asar.createPackage(src, archive);
  bogus = path.join(folder, 'notes.asar');
  nodeFs.writeFileSync(bogus, 'just text that happens to end in .asar\n');
});
after(() => nodeFs.rmSync(tmp, { recursive: true, force: true }));

function withElectronFs<T>(fn: () => Promise<T>): Promise<T> {
  const restore = patchFsForAsar();
  return fn().finally(restore);
}

test('fake: Electron-patched fs treats a real .asar as a folder, opendir does not; a non-archive .asar throws', () =>
  withElectronFs(async () => {
    assert.equal(nodeFs.lstatSync(archive).isDirectory(), true);
    assert.equal((await nodeFs.promises.stat(archive)).isDirectory(), true);
    assert.deepEqual((await nodeFs.promises.readdir(archive)).sort(), ['dist', 'package.json']);
    assert.equal(nodeFs.statSync(path.join(archive, 'dist', 'main.js')).isFile(), true);
    assert.throws(() => nodeFs.opendirSync(archive), { code: 'ENOTDIR' });
    assert.throws(() => nodeFs.lstatSync(bogus), /Invalid package/);
  }));

async function listViaIpc(fake: ReturnType<typeof makeFakeElectron>, dir: string, id: string) {
  const win = fake.windows[0]!;
  const ev = { sender: win.webContents, senderFrame: { url: APP_PAGE, parent: null } };
  const reply = (await fake.ipcHandlers.get(IPC_PREFIX + 'fs.list')!(ev, { path: dir, listingId: id })) as { ok: boolean; error?: { code: string } };
  if (!reply.ok) return { reply, entries: [] as DirEntry[] };
  for (let i = 0; i < 500; i++) {
    const done = win.webContents.sent.find((s) => s[1] === 'dir.entries' && (s[2] as Events['dir.entries']).listingId === id && (s[2] as Events['dir.entries']).done);
    if (done) return { reply, entries: (done[2] as Events['dir.entries']).entries };
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('listing never finished');
}

test('the shell reads user paths through original-fs: a user .asar is a file in panes, walks and verification', () =>
  withElectronFs(async () => {
    // Without original-fs (node:fs as Electron patches it) the pane row is a folder: the defect.
    useUserFs(nodeFs);
    const svc = new FsService({ emit: () => {}, trashItem: async () => {} });
    assert.equal((await svc.stat({ path: archive })).type, 'dir');

    const fake = makeFakeElectron(path.join(tmp, 'userData'));
    const realSize = fake.electron.originalFs.statSync(archive).size;
    const renderer = path.join(tmp, 'renderer');
    nodeFs.mkdirSync(renderer, { recursive: true });
    nodeFs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
    const h = startApp(fake.electron, [], {
      dataDir: path.join(tmp, 'data'),
      paths: { renderer, preload: path.join(tmp, 'preload.cjs'), icon: path.join(tmp, 'icon.png') },
      makeServices: async () => fakeServices(),
    });
    fake.ready();
    await h.ready;

    const { entries } = await listViaIpc(fake, folder, 'apps');
    const row = entries.find((e) => e.name === 'app.asar')!;
    assert.equal(row.type, 'file');
    assert.equal(row.size, realSize);
    assert.equal(row.error, undefined);
    const notes = entries.find((e) => e.name === 'notes.asar')!;
    assert.equal(notes.type, 'file');
    assert.equal(notes.error, undefined);
    const into = await listViaIpc(fake, archive, 'into');
    assert.equal(into.reply.error?.code, 'ENOTDIR');

    const copy = path.join(tmp, 'copy.asar');
    nodeFs.copyFileSync(archive, copy);
    assert.equal((await verifyPair(archive, copy)).outcome, 'equal');
    nodeFs.appendFileSync(copy, 'x');
    assert.equal((await verifyPair(archive, copy)).outcome, 'different');
  }));
