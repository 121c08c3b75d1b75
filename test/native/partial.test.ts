// What a job created, and removing exactly that (issue 9, item 8): records carry the inode of
// what the job made under a free name (`ino`), never for what it replaced; removePartial() takes
// away only entries whose inode is still that one, and folders only once they are empty. Also the
// final flush on a healthy filesystem, and after a cancel.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { removePartial } from '../../native/index.js';
import { isRoot, Mounts, run, tmpDir, writeRandom } from './_util.js';

const m = new Mounts();
let dir = '';
before(() => {
  dir = isRoot ? m.tmpfs(512) : tmpDir();
});
after(() => {
  m.cleanup();
  if (!isRoot) fs.rmSync(dir, { recursive: true, force: true });
});

function source(name: string): string {
  const src = path.join(dir, name);
  fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, `f${i}`), `file ${i}`);
  for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(src, 'sub', `g${i}`), `sub file ${i}`);
  fs.symlinkSync('f0', path.join(src, 'link'));
  return src;
}

describe('what a job created', () => {
  test('records carry the inode of what the job created, and none for what it replaced', async () => {
    const src = source('ino-src');
    const dest = path.join(dir, 'ino-dest');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'f1'), 'there before');
    const r = await run([{ src, dest }], { recursive: true, conflict: 'overwrite' });
    for (const rec of r.records) {
      if (rec.dest === path.join(dest, 'f1') || rec.dest === dest) {
        assert.equal('ino' in rec, false, `${rec.dest} existed before: not created by the job`);
      } else {
        assert.equal(rec.ino, fs.lstatSync(rec.dest).ino, rec.dest);
      }
    }
  });

  test('removePartial after a cancel: what the job made goes; what was there before, or came after, stays', async () => {
    const src = source('rp-src');
    writeRandom(path.join(src, 'sub', 'big.bin'), 128 << 20);
    const dest = path.join(dir, 'rp-dest');
    fs.mkdirSync(path.join(dest, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dest, 'mine.txt'), 'the user had this');
    fs.writeFileSync(path.join(dest, 'f3'), 'old f3, replaced by the copy');
    let cancelled = false;
    const r = await run([{ src, dest }], { recursive: true, conflict: 'overwrite', method: 'buffered', threads: 1 }, (e, job) => {
      if (!cancelled && e.type === 'progress' && e.current.some((c) => c.src.endsWith('big.bin') && c.bytes > 0)) {
        cancelled = true;
        job.cancel();
      }
    });
    assert.ok(r.result.cancelled);
    assert.deepEqual(r.result.incomplete, [{ path: dest, where: 'final' }]);
    // After the job: someone adds a file in a folder the job copied into.
    fs.writeFileSync(path.join(dest, 'sub', 'later.txt'), 'added after the job');
    const created = r.records.filter((x) => x.ok && x.ino !== undefined).map((x) => x.dest);
    assert.ok(created.length > 10, `${created.length}`);

    const rep = await removePartial([{ path: dest }], r.records);
    for (const p of created) assert.equal(fs.existsSync(p), false, `${p} was created by the job and should be gone`);
    assert.equal(fs.readFileSync(path.join(dest, 'mine.txt'), 'utf8'), 'the user had this');
    assert.equal(fs.readFileSync(path.join(dest, 'sub', 'later.txt'), 'utf8'), 'added after the job');
    assert.ok(fs.existsSync(path.join(dest, 'f3')), 'a file the job replaced is kept (removing it would lose both)');
    assert.deepEqual(rep.removed.sort(), created.sort());
    assert.deepEqual(rep.kept, []);
  });

  test('removePartial of a new tree: all of it, unless something changed since', async () => {
    const src = source('rp2-src');
    const dest = path.join(dir, 'rp2-dest');
    const r = await run([{ src, dest }], { recursive: true });
    fs.writeFileSync(path.join(dest, 'f5'), 'edited by the user: another size');
    fs.rmSync(path.join(dest, 'f6'));
    fs.writeFileSync(path.join(dest, 'f6'), 'file 6'); // same content and size, another inode
    const rep = await removePartial([{ path: dest }], r.records);
    assert.deepEqual(fs.readdirSync(dest).sort(), ['f5', 'f6']);
    assert.deepEqual(rep.kept.map((k) => [path.basename(k.path), k.reason]).sort(), [
      ['f5', 'changed since the job created it'],
      ['f6', 'replaced since the job created it'],
      ['rp2-dest', 'it holds entries the job did not create'],
    ]);
  });

  test('a later record for the same destination wins (corrections)', async () => {
    const dest = path.join(dir, 'corr');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'x'), 'x');
    const ino = fs.lstatSync(path.join(dest, 'x')).ino;
    const base = { type: 'file' as const, size: 1, ok: true };
    const rep = await removePartial([{ path: dest }], [
      { ...base, dest: path.join(dest, 'x'), ino },
      { ...base, dest: path.join(dest, 'x'), replaces: path.join(dest, 'x') }, // it replaced something after all
    ]);
    assert.deepEqual(rep, { removed: [], kept: [] });
    assert.ok(fs.existsSync(path.join(dest, 'x')));
  });
});

describe('the final flush', () => {
  test('healthy: ok, no error, nothing not on disk; also after a cancel', async () => {
    const src = source('flush-src');
    const r = await run([{ src, dest: path.join(dir, 'flush-dest') }], { recursive: true, flush: true });
    assert.deepEqual(r.result.flush, { ok: true, error: null, notOnDisk: [] });
    // The cancel lands while the job waits on a question (a job of 41 small files can be over
    // before its first event arrives, so a cancel on the first event may come too late).
    const cdest = path.join(dir, 'flush-cancel');
    fs.mkdirSync(cdest);
    fs.writeFileSync(path.join(cdest, 'f5'), 'there before');
    const c = await run([{ src, dest: cdest }], { recursive: true, flush: true, conflict: 'ask', threads: 1 }, (e, job) => {
      if (e.type === 'conflict') job.cancel();
    });
    assert.equal(c.result.cancelled, true);
    assert.deepEqual(c.result.flush, { ok: true, error: null, notOnDisk: [] });
    const none = await run([{ src, dest: path.join(dir, 'noflush') }], { recursive: true });
    assert.equal('flush' in none.result, false, 'no flush asked, none reported');
  });
});
