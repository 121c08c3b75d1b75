import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { DirEntry, Events, EventName } from '../../electron/contract.js';
import { FsService, type Requester } from '../../electron/fs-service.js';
import { entriesOfColumns, type ListingSort } from '../../native/types.js';
import { loadRenderer } from '../renderer/load.js';

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
  // A name that is not UTF-8 is a normal row, spelled with the engine's escape (lossless).
  const bad = ev.entries.find((e) => e.name.startsWith('bad-'))!;
  assert.equal(bad.name, 'bad-\\xFF\\xFE.txt');
  assert.equal(bad.path, `${d}/bad-\\xFF\\xFE.txt`);
  assert.equal(bad.escaped, true);
  assert.equal(bad.error, undefined);
  assert.equal(bad.size, 1);
});

test('names that are not UTF-8: stat, rename, mkdir and trash take the wire spelling and reach the exact bytes', async () => {
  const d = path.join(dir, 'bytes');
  fs.mkdirSync(d);
  const raw = (name: Buffer) => Buffer.concat([Buffer.from(d + '/'), name]);
  const ff = Buffer.from([0x66, 0xff, 0xfe]); // "f" + two bytes that are not UTF-8
  fs.writeFileSync(raw(ff), 'content');
  const wire = `${d}/f\\xFF\\xFE`;
  const st = await svc.stat({ path: wire });
  assert.deepEqual([st.name, st.size, st.escaped], ['f\\xFF\\xFE', 7, true]);
  // Rename to another such name, and to a literal backslash name (spelled \x5C on the wire).
  const r = await svc.rename({ path: wire, newName: 'g\\xE9' });
  assert.equal(r.path, `${d}/g\\xE9`);
  assert.equal(fs.readFileSync(raw(Buffer.from([0x67, 0xe9])), 'utf8'), 'content');
  await svc.rename({ path: r.path, newName: 'lit\\x5Cx41' });
  assert.equal(fs.readFileSync(raw(Buffer.from('lit\\x41')), 'utf8'), 'content', 'a literal backslash name stays literal');
  const m = await svc.mkdir({ parent: d, name: 'dir\\x80' });
  assert.ok(fs.statSync(raw(Buffer.from([0x64, 0x69, 0x72, 0x80]))).isDirectory());
  assert.equal(m.path, `${d}/dir\\x80`);
  await assert.rejects(svc.stat({ path: `${d}/missing\\xFF` }), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && e.path === `${d}/missing\\xFF` && e.message === `ENOENT: no such file or directory, lstat '${d}/missing\\xFF'`);
  // Trash: the desktop's call takes text, so such a name goes to the freedesktop trash byte for byte.
  const xdg = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-xdg-'));
  const before = process.env.XDG_DATA_HOME;
  process.env.XDG_DATA_HOME = xdg;
  try {
    fs.writeFileSync(raw(Buffer.from([0x74, 0xfe])), 'trash me');
    const t = await svc.trash({ paths: [`${d}/t\\xFE`] });
    assert.deepEqual([t.trashed, t.failed], [[`${d}/t\\xFE`], []]);
    assert.ok(!fs.existsSync(raw(Buffer.from([0x74, 0xfe]))));
    const [info] = fs.readdirSync(path.join(xdg, 'Trash', 'info'));
    assert.match(fs.readFileSync(path.join(xdg, 'Trash', 'info', info!), 'utf8'), new RegExp(`^\\[Trash Info\\]\\nPath=${d.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/t%FE\\nDeletionDate=\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\n$`));
    assert.equal(fs.readFileSync(path.join(xdg, 'Trash', 'files', info!.replace(/\.trashinfo$/, '')), 'utf8'), 'trash me');
    assert.deepEqual(trashed.filter((x) => x.includes('bytes')), [], 'the desktop trash call never got a garbled name');
  } finally {
    if (before === undefined) delete process.env.XDG_DATA_HOME;
    else process.env.XDG_DATA_HOME = before;
    fs.rmSync(xdg, { recursive: true, force: true });
  }
});

test('fs.list: a missing folder or a file is an error reply', async () => {
  await assert.rejects(svc.list({ path: path.join(dir, 'missing'), listingId: 'm' }), { code: 'ENOENT' });
  fs.writeFileSync(path.join(dir, 'file'), '');
  await assert.rejects(svc.list({ path: path.join(dir, 'file'), listingId: 'f' }), { code: 'ENOTDIR' });
});

/** The chunks of one listing of `d`, and how many came as text, to a client that takes text or not; `marked`: an incomplete copy there. */
function listVia(d: string, o: { text: boolean; marked: string | null; columns: boolean; sort?: ListingSort }): Promise<{ chunks: Events['dir.entries'][]; texts: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Events['dir.entries'][] = [];
    let texts = 0;
    const take = (p: Events['dir.entries']) => {
      chunks.push(p);
      if (p.done) resolve({ chunks, texts });
    };
    const s = new FsService({
      emit: () => {},
      trashItem: async () => {},
      partialAt: (p) => (p === o.marked ? { kind: 'partial', jobId: 'j1' } : undefined),
      hasPartialIn: (f) => o.marked !== null && f === d,
    });
    const req: Requester = {
      emit: (event, payload) => event === 'dir.entries' && take(payload as Events['dir.entries']),
      ready: async () => true,
      busy: () => () => {},
      onClose: () => {},
    };
    if (o.text) {
      req.emitJson = (event, json) => {
        texts++;
        if (event === 'dir.entries') take(JSON.parse(json) as Events['dir.entries']);
      };
    }
    s.list({ path: d, listingId: 'tx', columns: o.columns, ...(o.sort ? { sort: o.sort } : {}) }, req).catch(reject);
  });
}

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

test('fs.list to a client that takes JSON text: the engine\'s rows go out as text, the same as the objects; a folder with an incomplete copy is marked', async () => {
  const d = path.join(dir, 'text');
  fs.mkdirSync(d);
  for (let i = 0; i < 700; i++) fs.writeFileSync(path.join(d, `t${i}`), 'x'.repeat(i % 7));
  fs.symlinkSync('t1', path.join(d, 'link'));
  fs.writeFileSync(Buffer.concat([Buffer.from(d + '/odd-'), Buffer.from([0xfe]), Buffer.from('"\\')]), '');
  const partial = path.join(d, 't5');
  const list = (text: boolean, marked: boolean) => listVia(d, { text, marked: marked ? partial : null, columns: false });
  const rowsOf = (chunks: Events['dir.entries'][]) => chunks.flatMap((c) => c.entries).sort((a, b) => (a.name < b.name ? -1 : 1));
  const asText = await list(true, false);
  assert.ok(asText.chunks.length >= 2 && asText.texts === asText.chunks.length, 'every chunk went out as text');
  const asObjects = await list(false, false);
  assert.deepEqual(rowsOf(asText.chunks), rowsOf(asObjects.chunks));
  const heads = (cs: Events['dir.entries'][]) => cs.map((c) => [c.listingId, c.path, c.done, c.error]);
  assert.deepEqual(heads(asText.chunks), heads(asObjects.chunks));
  assert.equal(rowsOf(asText.chunks).length, 702);
  assert.equal(rowsOf(asText.chunks).find((e) => e.name.startsWith('odd-'))?.name, 'odd-\\xFE"\\');
  // An incomplete copy in the folder: its rows are looked up and marked, whichever the client.
  const marked = await list(true, true);
  assert.equal(marked.texts, 0);
  assert.deepEqual(rowsOf(marked.chunks).find((e) => e.path === partial)?.incomplete, { kind: 'partial', jobId: 'j1' });
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

test('fs.info of a mount point whose name is not UTF-8: the engine reads its exact bytes', { skip: process.getuid?.() !== 0 && 'needs root (mount)' }, async () => {
  const mnt = Buffer.concat([Buffer.from(path.join(dir, 'mnt-')), Buffer.from([0xff])]);
  fs.mkdirSync(mnt);
  execFileSync('sh', ['-c', `mount -t tmpfs -o size=1M ferry-t "$(printf '%s\\377' "$1")"`, 'sh', path.join(dir, 'mnt-')]);
  try {
    const i = await svc.info({ path: path.join(dir, 'mnt-\\xFF') });
    assert.equal(i.fsType, 'tmpfs', 'the mount itself, not the folder it sits in');
    assert.equal(i.totalBytes, 1 << 20);
  } finally {
    execFileSync('sh', ['-c', `umount "$(printf '%s\\377' "$1")"`, 'sh', path.join(dir, 'mnt-')]);
  }
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

test('fs.list with columns: the compact form holds exactly the rows of the object form, odd names, links and errors included; marked folders still get rows', async () => {
  const d = path.join(dir, 'columns');
  fs.mkdirSync(d);
  // Over a thousand entries: the engine stats the batch's halves on two threads.
  for (let i = 0; i < 1500; i++) fs.writeFileSync(path.join(d, `c${i}`), 'x'.repeat(i % 5));
  fs.writeFileSync(path.join(d, '.dot'), '');
  fs.writeFileSync(path.join(d, 'quote"back\\slash\nnewline'), '');
  fs.writeFileSync(Buffer.concat([Buffer.from(d + '/raw-'), Buffer.from([0xff]), Buffer.from('\\x41')]), 'ab');
  fs.mkdirSync(path.join(d, 'sub'));
  fs.symlinkSync('c1', path.join(d, 'good'));
  fs.symlinkSync('nowhere', path.join(d, 'dangling'));
  fs.symlinkSync('loop', path.join(d, 'loop'));
  fs.symlinkSync('sub', path.join(d, 'to-dir'));
  execFileSync('mkfifo', [path.join(d, 'pipe')]);
  const rowsOf = (chunks: Events['dir.entries'][]) =>
    chunks.flatMap((c): DirEntry[] => (c.columns ? entriesOfColumns(c.path, c.columns) : c.entries)).sort((a, b) => (a.name < b.name ? -1 : 1));
  const objects = rowsOf((await listVia(d, { text: false, marked: null, columns: false })).chunks);
  assert.equal(objects.length, 1509);
  for (const text of [true, false]) {
    const { chunks } = await listVia(d, { text, marked: null, columns: true });
    assert.ok(chunks.every((c) => c.columns !== undefined && c.entries.length === 0), 'every chunk in columns');
    assert.ok(chunks.length >= 2, 'the first rows come in a chunk of their own');
    assert.deepEqual(rowsOf(chunks), objects);
  }
  const by = new Map(objects.map((e) => [e.name, e]));
  assert.equal(by.get('pipe')?.type, 'fifo');
  assert.equal(by.get('to-dir')?.targetType, 'dir');
  assert.equal(by.get('.dot')?.hidden, true);
  assert.equal(by.get('raw-\\xFF\\x5Cx41')?.escaped, true);
  // An incomplete copy inside: rows, marked, even when columns were asked for.
  const marked = await listVia(d, { text: true, marked: path.join(d, 'c7'), columns: true });
  assert.ok(marked.chunks.every((c) => c.columns === undefined));
  assert.deepEqual(rowsOf(marked.chunks).find((e) => e.name === 'c7')?.incomplete, { kind: 'partial', jobId: 'j1' });
});

test('fs.list with sort: the rows come in the pane order (renderer sort.ts), both directions, odd names, folders and links to folders first', async () => {
  /* eslint-disable-next-line @typescript-eslint/no-explicit-any */
  const R: any = await loadRenderer(['lib/sort.ts']);
  const d = path.join(dir, 'sorted');
  fs.mkdirSync(d);
  // Over 10,000 names: the engine keys and sorts the halves on two threads and merges them.
  for (let i = 0; i < 10_500; i++) fs.writeFileSync(path.join(d, `${['f', 'F', 'img_', 'Img-'][i % 4]}${i % 3 === 0 ? '00' : ''}${i}`), '');
  // Case folding the engine does as JS does: Latin-1, Latin Extended-A, Greek, Cyrillic, Vietnamese, fullwidth.
  const odd = ['Émile', 'émile2', 'Zoë', 'zoe', 'ÆON', 'æon1', 'Łódź', 'łódź9', 'Ωmega', 'ωmega', 'Άλφα', 'άλφα', 'Жук', 'жук10', 'Ёж', 'ёж', 'Ấn', 'ấn3', 'Ｆull', 'ｆull', 'ß', 'Ÿes', 'ÿes'];
  // An upper-case name before a lower-case one that sorts between them only once both are folded.
  odd.push('éa', 'ła', 'ωa', 'άα', 'жа', 'ёа', 'ấa', 'ｆa', 'ÿa');
  // Digit runs: leading zeros, a run of zeros, a run longer than 60 digits, names that differ only in case or zeros.
  odd.push('v0', 'v00', 'v000', 'v1.2.10', 'v1.2.9', 'x' + '9'.repeat(70), 'x' + '1'.repeat(61), 'A', 'a', 'a1', 'a01', 'a001', '#1', '~x', ' lead', '.hidden', '.Hidden2');
  for (const n of odd) fs.writeFileSync(path.join(d, n), '');
  fs.writeFileSync(Buffer.concat([Buffer.from(d + '/raw-'), Buffer.from([0xc3, 0x28]), Buffer.from('B9')]), '');
  for (const n of ['Sub', 'sub2', 'Ånother', '0dir']) fs.mkdirSync(path.join(d, n));
  fs.symlinkSync('Sub', path.join(d, 'link-to-dir'));
  fs.symlinkSync('f1', path.join(d, 'Link-to-file'));
  fs.symlinkSync('nowhere', path.join(d, 'broken'));
  const rows = (chunks: Events['dir.entries'][]) => chunks.flatMap((c): DirEntry[] => (c.columns ? entriesOfColumns(c.path, c.columns) : c.entries));
  for (const sort of [{ key: 'name', dir: 1 }, { key: 'name', dir: -1 }] as const) {
    for (const columns of [true, false]) {
      const got = rows((await listVia(d, { text: true, marked: null, columns, sort })).chunks);
      assert.equal(got.length, 10_500 + odd.length + 8);
      const want = R.sortedView(got, sort, true).map((e: DirEntry) => e.name);
      assert.deepEqual(got.map((e) => e.name), want, `rows in the pane's ${sort.dir === 1 ? 'ascending' : 'descending'} name order`);
    }
  }
  // Without `sort`, as the folder gives them (the older callers' order is unchanged).
  const plain = rows((await listVia(d, { text: true, marked: null, columns: true })).chunks).map((e) => e.name);
  const ondisk = fs.readdirSync(d, { encoding: 'buffer' }).length;
  assert.equal(plain.length, ondisk);
});
