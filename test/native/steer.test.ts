// What the copy dialog and the conflict dialog ask the engine (issue 12): the scan's kinds of pair
// with their predicted method (a rename for a move on one filesystem), the names already taken at
// the destination and the entries that cannot be read; FIEMAP's "identical content"; a conflict
// answered with a name of the person's choosing; failures that say which side failed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { compareExtents, scan } from '../../native/index.js';
import { Mounts, NEEDS_ROOT, isRoot, run, tmpDir } from './_util.js';

describe('scan for the copy dialog', () => {
  const root = tmpDir('ferry-steer-scan-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('counts names taken at the destination (merged folders looked into) and samples them', async () => {
    const src = path.join(root, 'tree');
    const dest = path.join(root, 'dest');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.mkdirSync(path.join(dest, 'tree', 'sub'), { recursive: true });
    for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(src, n), n);
    fs.writeFileSync(path.join(src, 'sub', 'd'), 'd');
    fs.symlinkSync('a', path.join(src, 'link'));
    fs.writeFileSync(path.join(dest, 'tree', 'b'), 'old b');
    fs.writeFileSync(path.join(dest, 'tree', 'sub', 'd'), 'old d');
    fs.writeFileSync(path.join(dest, 'tree', 'link'), 'a file where the link goes');
    const t = await scan([src], { dest }).done;
    assert.equal(t.files, 5);
    assert.equal(t.dirs, 2);
    assert.equal(t.symlinks, 1);
    assert.equal(t.existing, 3, 'b, sub/d and link are taken; tree and sub are merged into');
    assert.deepEqual([...t.existingSample!].sort(), [path.join(src, 'b'), path.join(src, 'link'), path.join(src, 'sub', 'd')].sort());
    // Nothing is taken in an empty destination; without a destination nothing is looked up.
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    assert.equal((await scan([src], { dest: empty }).done).existing, 0);
    assert.equal((await scan([src]).done).existing, 0);
    // A top-level source whose name is taken by a file counts once.
    fs.writeFileSync(path.join(empty, 'tree'), 'x');
    assert.equal((await scan([src], { dest: empty }).done).existing, 1);
  });

  test('counts what cannot be read, by path', { skip: isRoot ? false : 'needs root to scan as another user' }, async (ctx) => {
    const src = path.join(root, 'locked-tree');
    fs.mkdirSync(path.join(src, 'open'), { recursive: true });
    fs.writeFileSync(path.join(src, 'open', 'f'), 'f');
    // root reads everything: the scan runs as nobody, in a child process.
    fs.mkdirSync(path.join(src, 'closed'));
    fs.writeFileSync(path.join(src, 'closed', 'secret'), 's');
    fs.chmodSync(path.join(src, 'closed'), 0o700);
    fs.chmodSync(root, 0o755);
    fs.chmodSync(src, 0o755);
    fs.chmodSync(path.join(src, 'open'), 0o755);
    fs.chmodSync(path.join(src, 'open', 'f'), 0o644);
    const script = `import('${path.resolve('dist/native/index.js')}').then(async (n) => { const t = await n.scan([${JSON.stringify(src)}]).done; console.log(JSON.stringify(t)); })`;
    let out: string;
    try {
      out = execFileSync(process.execPath, ['-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    } catch (e) {
      ctx.skip(`cannot run as nobody here: ${(e as Error).message.split('\n')[0]}`);
      return;
    }
    const t = JSON.parse(out) as { unreadable: number; unreadableSample: string[]; files: number };
    assert.equal(t.unreadable, 1);
    assert.deepEqual(t.unreadableSample, [path.join(src, 'closed')]);
    assert.equal(t.files, 1);
  });

  test('a move on one filesystem is a rename kind; a copy gets the planner\'s method and chain', async () => {
    const src = path.join(root, 'kinds');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'x'), 'xx');
    fs.writeFileSync(path.join(src, 'y'), 'yyy');
    const dest = path.join(root, 'kinds-dest');
    fs.mkdirSync(dest);
    const moved = await scan([src], { dest, move: true }).done;
    assert.equal(moved.kinds!.length, 1);
    assert.equal(moved.kinds![0]!.op, 'rename');
    assert.equal(moved.kinds![0]!.method, null);
    assert.equal(moved.kinds![0]!.files, 2);
    assert.equal(moved.kinds![0]!.bytes, 5);
    assert.match(moved.kinds![0]!.reason, /renam/);
    const copied = await scan([src], { dest }).done;
    assert.equal(copied.kinds!.length, 1);
    const k = copied.kinds![0]!;
    assert.equal(k.op, 'copy');
    assert.ok(k.method !== null && k.chain.includes(k.method), JSON.stringify(k));
    assert.equal(k.files, 2);
    // Without a destination nothing is predicted.
    assert.deepEqual((await scan([src]).done).kinds, []);
  });
});

describe('kinds of pair across real filesystems, and FIEMAP', { skip: NEEDS_ROOT }, () => {
  const m = new Mounts();
  let btrfs = '';
  let ext4 = '';
  before(() => {
    btrfs = m.loop('btrfs');
    ext4 = m.loop('ext4');
  });
  after(() => m.cleanup());

  test('btrfs → btrfs is reflink, btrfs → ext4 splice, each counted', async () => {
    const src = path.join(btrfs, 'src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'data');
    const same = await scan([src], { dest: path.join(btrfs) }).done;
    assert.equal(same.kinds![0]!.method, 'reflink');
    assert.equal(same.kinds![0]!.srcFs, 'btrfs');
    assert.equal(same.kinds![0]!.destFs, 'btrfs');
    const other = await scan([src], { dest: ext4 }).done;
    assert.equal(other.kinds![0]!.method, 'splice');
    assert.equal(other.kinds![0]!.destFs, 'ext4');
    assert.match(other.kinds![0]!.reason, /EXDEV/);
    const moved = await scan([src], { dest: ext4, move: true }).done;
    assert.equal(moved.kinds![0]!.op, 'copy', 'a move across filesystems copies');
  });

  test('compareExtents: a reflinked copy is identical, a plain copy cannot tell, other sizes differ', () => {
    const a = path.join(btrfs, 'a.bin');
    fs.writeFileSync(a, Buffer.alloc(256 * 1024, 7));
    execFileSync('sync', ['-f', a]);
    const clone = path.join(btrfs, 'clone.bin');
    execFileSync('cp', ['--reflink=always', a, clone]);
    const plain = path.join(btrfs, 'plain.bin');
    execFileSync('cp', ['--reflink=never', a, plain]);
    execFileSync('sync', ['-f', plain]);
    const shorter = path.join(btrfs, 'short.bin');
    fs.writeFileSync(shorter, 'short');
    assert.equal(compareExtents(a, clone).identical, true);
    assert.match(compareExtents(a, clone).why, /share/);
    assert.equal(compareExtents(a, plain).identical, null, 'equal bytes stored apart: only hashing can tell');
    assert.equal(compareExtents(a, shorter).identical, false);
    const onExt4 = path.join(ext4, 'a.bin');
    fs.copyFileSync(a, onExt4);
    assert.equal(compareExtents(a, onExt4).identical, null);
    assert.match(compareExtents(a, onExt4).why, /different filesystems/);
    assert.throws(() => compareExtents(a, path.join(btrfs, 'missing')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
  });
});

describe('conflicts answered with a chosen name', () => {
  const root = tmpDir('ferry-steer-rename-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('the copy takes the name given; a taken name is asked again; a folder too', async () => {
    const src = path.join(root, 'src');
    const dest = path.join(root, 'dest');
    fs.mkdirSync(src);
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(src, 'a.txt'), 'new');
    fs.writeFileSync(path.join(dest, 'a.txt'), 'old');
    fs.writeFileSync(path.join(dest, 'taken.txt'), 'taken');
    const asked: string[] = [];
    const r = await run([{ src: path.join(src, 'a.txt'), dest: path.join(dest, 'a.txt') }], { conflict: 'ask' }, (e, job) => {
      if (e.type !== 'conflict') return;
      asked.push(e.dest);
      job.resolveConflict(e.conflictId, 'rename', false, asked.length === 1 ? 'taken.txt' : 'a (mine).txt');
    });
    assert.deepEqual(asked, [path.join(dest, 'a.txt'), path.join(dest, 'taken.txt')]);
    assert.equal(fs.readFileSync(path.join(dest, 'a (mine).txt'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8'), 'old');
    assert.equal(fs.readFileSync(path.join(dest, 'taken.txt'), 'utf8'), 'taken');
    const rec = r.records.find((x) => x.src === path.join(src, 'a.txt'))!;
    assert.equal(rec.ok, true);
    assert.equal(rec.dest, path.join(dest, 'a (mine).txt'));

    // A folder onto a file of its name: the folder takes the chosen name.
    fs.mkdirSync(path.join(src, 'dir'));
    fs.writeFileSync(path.join(src, 'dir', 'in'), 'in');
    fs.writeFileSync(path.join(dest, 'dir'), 'a file');
    await run([{ src: path.join(src, 'dir'), dest: path.join(dest, 'dir') }], { conflict: 'ask', recursive: true }, (e, job) => {
      if (e.type === 'conflict') job.resolveConflict(e.conflictId, 'rename', false, 'dir 2');
    });
    assert.equal(fs.readFileSync(path.join(dest, 'dir 2', 'in'), 'utf8'), 'in');
    assert.equal(fs.readFileSync(path.join(dest, 'dir'), 'utf8'), 'a file');
  });

  test('newName is checked before it reaches the engine', async () => {
    const src = path.join(root, 'chk.txt');
    fs.writeFileSync(src, 'x');
    fs.writeFileSync(path.join(root, 'chk-dest.txt'), 'y');
    let thrown: unknown = null;
    await run([{ src, dest: path.join(root, 'chk-dest.txt') }], { conflict: 'ask' }, (e, job) => {
      if (e.type !== 'conflict') return;
      try {
        job.resolveConflict(e.conflictId, 'rename', false, 'a/b');
      } catch (err) {
        thrown = err;
      }
      job.resolveConflict(e.conflictId, 'skip', false);
    });
    assert.ok(thrown instanceof TypeError);
  });
});

describe('failures name their side', () => {
  const root = tmpDir('ferry-steer-side-');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a missing source is the source; a destination folder that cannot be created in is the destination', async () => {
    const r = await run([{ src: path.join(root, 'missing'), dest: path.join(root, 'out') }]);
    assert.equal(r.records[0]!.error?.side, 'source');
    fs.writeFileSync(path.join(root, 'f'), 'f');
    fs.mkdirSync(path.join(root, 'ro'));
    const m = isRoot ? new Mounts() : null;
    try {
      // A read-only filesystem refuses even root: the destination failed.
      const dir = m ? m.tmpfs(1, ['ro']) : null;
      if (!dir) return;
      const r2 = await run([{ src: path.join(root, 'f'), dest: path.join(dir, 'f') }]);
      assert.equal(r2.records[0]!.error?.code, 'EROFS');
      assert.equal(r2.records[0]!.error?.side, 'destination');
    } finally {
      m?.cleanup();
    }
  });
});
