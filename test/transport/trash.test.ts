// fs.trash of 100 000 paths must not hold the event loop (target: no stall over 50 ms while it
// runs; see helpers/stall.ts for how a stall is measured on a loaded machine), and serve mode's
// trash (the `trash` package in a worker) puts files in the freedesktop trash without a stall,
// even on first use.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import type { Results } from '../../electron/contract.js';
import { FsService } from '../../electron/fs-service.js';
import { WorkerTrash } from '../../electron/trash-worker.js';
import { startServer, type RunningServer } from '../../electron/ws-server.js';
import { cleanupAll, isRoot, makeMount } from '../helpers/mounts.js';
import { measureStalls } from '../helpers/stall.js';
import { fakeServices } from './fake-services.js';

const N = Number(process.env.N ?? 100_000);
const STALL_MS = 50;

let scratch: string;
/** Where the 100 000 files live: a tmpfs when we may mount one (creating them on a busy disk is slow). */
let bulk: string;
let rendererDir: string;

before(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-trash-'));
  bulk = isRoot() ? (await makeMount('tmpfs', 64)).dir : scratch;
  rendererDir = path.join(scratch, 'renderer');
  fs.mkdirSync(rendererDir);
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Ferry</title>');
});
after(async () => {
  await cleanupAll();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function makeFiles(dir: string, n: number): string[] {
  fs.mkdirSync(dir);
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = path.join(dir, `f${i}`);
    fs.closeSync(fs.openSync(p, 'w'));
    paths.push(p);
  }
  return paths;
}

test(`fs.trash of ${N} paths over the socket: no event-loop stall over ${STALL_MS} ms`, async () => {
  const src = path.join(bulk, 'many');
  const paths = makeFiles(src, N);
  const bin = path.join(bulk, 'bin');
  fs.mkdirSync(bin);
  let k = 0;
  // The Electron window's trash is asynchronous (shell.trashItem); a rename stands in for it.
  const services = fakeServices();
  const fsService = new FsService({
    emit: () => {},
    trashItem: (p) => new Promise<void>((resolve, reject) => fs.rename(p, path.join(bin, String(k++)), (e) => (e ? reject(e) : resolve()))),
  });
  (services.handlers as { 'fs.trash': unknown })['fs.trash'] = (p: { paths: string[] }) => fsService.trash(p);
  const server: RunningServer = await startServer({ services, rendererDir, port: 0 });
  // A zero mask and no UTF-8 check: the client's own work in this process stays out of the measure.
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, {
    origin: `http://127.0.0.1:${server.port}`,
    generateMask: (mask) => mask.fill(0),
    skipUTF8Validation: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    const request = Buffer.from(JSON.stringify({ id: 1, method: 'fs.trash', params: { paths } }));
    const { value: raw, stalls } = await measureStalls(
      () =>
        new Promise<Buffer>((resolve) => {
          ws.once('message', (d: Buffer) => resolve(d));
          ws.send(request, { binary: false });
        }),
    );
    const reply = JSON.parse(raw.toString()) as { ok: boolean; value: Results['fs.trash'] };
    assert.equal(reply.ok, true, raw.toString().slice(0, 300));
    assert.equal(reply.value.trashed.length, N);
    assert.deepEqual(reply.value.failed, []);
    assert.equal(fs.readdirSync(src).length, 0);
    assert.equal(fs.readdirSync(bin).length, N);
    console.log(`# fs.trash of ${N} paths: longest stall ${stalls.cpuMs.toFixed(1)} ms of main-thread CPU (target ≤ ${STALL_MS}), ${stalls.wallMs.toFixed(1)} ms wall-clock on this machine`);
    assert.ok(stalls.cpuMs <= STALL_MS, `the event loop was held for ${stalls.cpuMs.toFixed(1)} ms`);
  } finally {
    ws.close();
    await server.close();
    await services.close();
  }
});

test('serve mode trash: the trash package in a worker, freedesktop layout, no stall on first use', async () => {
  const home = path.join(scratch, 'data-home');
  fs.mkdirSync(home);
  process.env.XDG_DATA_HOME = home; // the worker reads it when it starts
  const trash = new WorkerTrash();
  const fsService = new FsService({ emit: () => {}, trashItem: trash.trashItem });
  try {
    const files = makeFiles(path.join(scratch, 'some'), 500);
    const folder = path.join(scratch, 'folder');
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, 'inner'), 'x');
    const missing = path.join(scratch, 'missing');
    const { value: r, stalls } = await measureStalls(() => fsService.trash({ paths: [...files, folder, path.join(folder, 'inner'), missing] }));
    console.log(`# serve-mode trash of 502 paths (worker started on first use): longest stall ${stalls.cpuMs.toFixed(1)} ms of main-thread CPU, ${stalls.wallMs.toFixed(1)} ms wall-clock`);
    assert.equal(r.trashed.length, 502);
    assert.ok(r.trashed.includes(path.join(folder, 'inner')), 'a path inside a trashed folder went with it');
    assert.deepEqual(r.failed.map((f) => [f.path, f.error.code]), [[missing, 'ENOENT']]);
    const trashFiles = fs.readdirSync(path.join(home, 'Trash', 'files'));
    const infos = fs.readdirSync(path.join(home, 'Trash', 'info'));
    assert.equal(trashFiles.length, 501, 'the files and the folder (with what it holds), once each');
    assert.equal(infos.length, 501);
    const info = fs.readFileSync(path.join(home, 'Trash', 'info', infos.find((i) => fs.readFileSync(path.join(home, 'Trash', 'info', i), 'utf8').includes('/folder'))!), 'utf8');
    assert.match(info, /^\[Trash Info\]\nPath=.*\/folder\nDeletionDate=/);
    assert.ok(stalls.cpuMs <= STALL_MS, `the event loop was held for ${stalls.cpuMs.toFixed(1)} ms`);
  } finally {
    await trash.close();
  }
});
