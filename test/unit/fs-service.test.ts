import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Events, EventName } from '../../electron/contract.js';
import { FsService } from '../../electron/fs-service.js';

let dir: string;
const events: { event: EventName; payload: unknown }[] = [];
const trashed: string[] = [];
const svc = new FsService({
  emit: (event, payload) => events.push({ event, payload }),
  trashItem: async (p) => {
    if (p.endsWith('locked')) throw Object.assign(new Error(`EPERM: operation not permitted, trash '${p}'`), { code: 'EPERM', path: p });
    trashed.push(p);
    fs.rmSync(p, { recursive: true });
  },
});

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-fs-'));
});
after(() => {
  svc.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function waitFor<E extends EventName>(event: E, pred: (p: Events[E]) => boolean): Promise<Events[E]> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 10_000;
    const tick = () => {
      const hit = events.find((e) => e.event === event && pred(e.payload as Events[E]));
      if (hit) return resolve(hit.payload as Events[E]);
      if (Date.now() > deadline) return reject(new Error(`no ${event} event`));
      setTimeout(tick, 10);
    };
    tick();
  });
}

test('fs.list: odd entries become rows with inline errors, never a failed listing', async () => {
  const d = path.join(dir, 'odd');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'plain'), 'hello');
  fs.writeFileSync(path.join(d, '.hidden'), '');
  fs.symlinkSync('nowhere', path.join(d, 'dangling'));
  fs.symlinkSync('loop', path.join(d, 'loop'));
  fs.symlinkSync('plain', path.join(d, 'good-link'));
  fs.writeFileSync(Buffer.concat([Buffer.from(d + '/bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'x');
  const r = await svc.list({ path: d, listingId: 'odd' });
  assert.equal(r.total, 6);
  const ev = await waitFor('dir.entries', (p) => p.listingId === 'odd' && p.done);
  const by = new Map(ev.entries.map((e) => [e.name, e]));
  assert.equal(by.get('plain')?.size, 5);
  assert.equal(by.get('.hidden')?.hidden, true);
  assert.match(by.get('dangling')?.error?.message ?? '', /broken symlink: target missing/);
  assert.equal(by.get('dangling')?.targetType, null);
  assert.match(by.get('loop')?.error?.message ?? '', /broken symlink: loops/);
  assert.equal(by.get('good-link')?.targetType, 'file');
  assert.equal(by.get('good-link')?.linkTarget, 'plain');
  const bad = ev.entries.find((e) => e.name.startsWith('bad-'));
  assert.equal(bad?.error?.code, 'EILSEQ');
});

test('fs.list: a missing folder or a file is an error reply', async () => {
  await assert.rejects(svc.list({ path: path.join(dir, 'missing'), listingId: 'm' }), { code: 'ENOENT' });
  fs.writeFileSync(path.join(dir, 'file'), '');
  await assert.rejects(svc.list({ path: path.join(dir, 'file'), listingId: 'f' }), { code: 'ENOTDIR' });
});

test('fs.list: a large folder streams in chunks, first chunk before the last', async () => {
  const d = path.join(dir, 'big');
  fs.mkdirSync(d);
  for (let i = 0; i < 5000; i++) fs.writeFileSync(path.join(d, `n${i}`), '');
  await svc.list({ path: d, listingId: 'big' });
  await waitFor('dir.entries', (p) => p.listingId === 'big' && p.done);
  const chunks = events.filter((e) => e.event === 'dir.entries' && (e.payload as Events['dir.entries']).listingId === 'big').map((e) => e.payload as Events['dir.entries']);
  assert.ok(chunks.length >= 3, `several chunks, got ${chunks.length}`);
  assert.ok(chunks[0]!.entries.length <= 200, 'the first chunk is small so the first rows show at once');
  assert.equal(chunks.reduce((n, c) => n + c.entries.length, 0), 5000);
  assert.equal(new Set(chunks.flatMap((c) => c.entries.map((e) => e.name))).size, 5000);
  assert.deepEqual(chunks.map((c) => c.done), [...Array(chunks.length - 1).fill(false), true]);
});

test('fs.mkdir and fs.rename never overwrite', async () => {
  const made = await svc.mkdir({ parent: dir, name: 'newdir' });
  assert.ok(fs.statSync(made.path).isDirectory());
  await assert.rejects(svc.mkdir({ parent: dir, name: 'newdir' }), { code: 'EEXIST' });
  fs.writeFileSync(path.join(dir, 'a.txt'), 'A');
  fs.writeFileSync(path.join(dir, 'b.txt'), 'B');
  await assert.rejects(svc.rename({ path: path.join(dir, 'a.txt'), newName: 'b.txt' }), { code: 'EEXIST' });
  assert.equal(fs.readFileSync(path.join(dir, 'b.txt'), 'utf8'), 'B');
  const r = await svc.rename({ path: path.join(dir, 'a.txt'), newName: 'c.txt' });
  assert.equal(fs.readFileSync(r.path, 'utf8'), 'A');
});

test('fs.trash reports each path; one failure does not stop the others', async () => {
  fs.writeFileSync(path.join(dir, 't1'), '');
  fs.writeFileSync(path.join(dir, 'locked'), '');
  const r = await svc.trash({ paths: [path.join(dir, 't1'), path.join(dir, 'locked'), path.join(dir, 'nope')] });
  assert.deepEqual(r.trashed, [path.join(dir, 't1')]);
  assert.deepEqual(r.failed.map((f) => f.error.code), ['EPERM', 'ENOENT']);
});

test('fs.info names the filesystem and its free space', async () => {
  const i = await svc.info({ path: dir });
  assert.ok(i.totalBytes > 0 && i.freeBytes >= 0 && i.freeBytes <= i.totalBytes);
  assert.ok(i.fsType.length > 0);
  const proc = await svc.info({ path: '/proc' });
  assert.equal(proc.fsType, 'procfs'); // the engine's table (native/src/fsinfo.cc) names it
  assert.equal(proc.reflink, false);
});

test('fs.watch reports changes and a vanished folder', async () => {
  const d = path.join(dir, 'watched');
  fs.mkdirSync(d);
  svc.watch({ path: d, watchId: 'w1' });
  fs.writeFileSync(path.join(d, 'new'), '');
  await waitFor('dir.changed', (p) => p.watchId === 'w1' && !p.gone);
  fs.rmSync(d, { recursive: true });
  await waitFor('dir.changed', (p) => p.watchId === 'w1' && p.gone);
  svc.unwatch({ watchId: 'w1' });
});
