// Every item accounted for (issue 9, item 5, the engine's part): a folder that fails carries the
// count of what is below it (notStarted); skipped records say why (skipReason); a cancelled job
// reports what was in flight; the job's counts add up to the scan's total.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scan, type FileRecord, type JobResult } from '../../native/index.js';
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

/** A tree: 10 files at the top, and `sub` holding `n` files of `size` bytes. */
function tree(root: string, n: number, size = 100): void {
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  for (let i = 0; i < 10; i++) fs.writeFileSync(path.join(root, `top${i}`), `top ${i}`);
  const chunk = Buffer.alloc(size, 7);
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(root, 'sub', `f${i}`), chunk);
}

function sum(r: JobResult): number {
  return r.counts.copied + r.counts.skipped + r.counts.failed + r.counts.notStarted;
}

/** Entries (not folders) the records account for: one each, plus the folders' notStarted. */
function accounted(records: FileRecord[]): number {
  return records.filter((r) => r.type !== 'dir').length + records.reduce((n, r) => n + (r.notStarted?.files ?? 0), 0);
}

describe('accounting', () => {
  test('a folder that cannot be created: its 1,000 files are counted not started, the sums add up', async () => {
    const src = path.join(dir, 'acc-src');
    tree(src, 1000);
    const dest = path.join(dir, 'acc-dest');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'sub'), 'a file where the folder would go');
    const total = (await scan([src]).done).files;
    const r = await run([{ src, dest }], { recursive: true, conflict: 'error', scan: false });
    const sub = r.records.find((x) => x.type === 'dir' && x.dest === path.join(dest, 'sub'));
    assert.ok(sub, JSON.stringify(r.records.filter((x) => x.type === 'dir')));
    assert.equal(sub.ok, false);
    assert.equal(sub.error?.code, 'EEXIST');
    assert.deepEqual(sub.notStarted, { files: 1000, bytes: 100_000 });
    assert.deepEqual(r.result.counts, { copied: 10, skipped: 0, failed: 0, notStarted: 1000 });
    assert.equal(sum(r.result), total);
    assert.equal(accounted(r.records), total);
    assert.deepEqual(r.result.incomplete, [{ path: dest, where: 'final' }]);
  });

  test('a real mkdir failure (EPERM in an immutable folder): the same accounting', { skip: isRoot ? false : 'needs root for chattr and a loop mount' }, async () => {
    const ext4 = m.loop('ext4', 64);
    const src = path.join(dir, 'imm-src');
    tree(src, 1000, 10);
    const dest = path.join(ext4, 'imm');
    fs.mkdirSync(dest);
    execFileSync('chattr', ['+i', dest]);
    try {
      const total = (await scan([src]).done).files;
      const r = await run([{ src, dest }], { recursive: true, scan: false });
      const sub = r.records.find((x) => x.type === 'dir' && x.dest === path.join(dest, 'sub'));
      assert.equal(sub?.error?.code, 'EPERM', JSON.stringify(sub));
      assert.equal(sub?.error?.syscall, 'mkdir');
      assert.deepEqual(sub?.notStarted, { files: 1000, bytes: 10_000 });
      assert.equal(r.result.counts.failed, 10, 'the top files fail one by one');
      assert.equal(r.result.counts.notStarted, 1000);
      assert.equal(sum(r.result), total);
      assert.equal(accounted(r.records), total);
    } finally {
      execFileSync('chattr', ['-i', dest]);
    }
  });

  test("a folder skipped by the policy carries what it holds; skipped records say why ('conflict', 'newer')", async () => {
    const src = path.join(dir, 'skip-src');
    tree(src, 20);
    const dest = path.join(dir, 'skip-dest');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'sub'), 'taken');
    fs.writeFileSync(path.join(dest, 'top0'), 'older');
    const r = await run([{ src, dest }], { recursive: true, conflict: 'skip', scan: false });
    const sub = r.records.find((x) => x.dest === path.join(dest, 'sub'))!;
    assert.equal(sub.skipped, true);
    assert.equal(sub.skipReason, 'conflict');
    assert.deepEqual(sub.notStarted, { files: 20, bytes: 2000 });
    const top0 = r.records.find((x) => x.dest === path.join(dest, 'top0'))!;
    assert.deepEqual([top0.skipped, top0.skipReason], [true, 'conflict']);
    for (const x of r.records) assert.equal(x.skipped, 'skipReason' in x, `skipReason exactly on skipped records: ${JSON.stringify(x)}`);
    assert.equal(sum(r.result), 30);

    fs.utimesSync(path.join(dest, 'top1'), new Date(), new Date(Date.now() + 3600_000));
    const n = await run([{ src: path.join(src, 'top1'), dest: path.join(dest, 'top1') }], { conflict: 'newer' });
    assert.deepEqual([n.records[0]?.skipped, n.records[0]?.skipReason], [true, 'newer']);
    assert.deepEqual(n.result.counts, { copied: 0, skipped: 1, failed: 0, notStarted: 0 });
  });

  test('skipCurrent: skipped, skipReason skip-current', async () => {
    const src = path.join(dir, 'skipcur.bin');
    writeRandom(src, 96 << 20);
    const r = await run([{ src, dest: path.join(dir, 'skipcur.copy') }], { method: 'buffered', threads: 1 }, (e, job) => {
      if (e.type === 'progress' && e.current.some((c) => c.bytes > 0)) job.skipCurrent();
    });
    assert.deepEqual([r.records[0]?.skipped, r.records[0]?.skipReason], [true, 'skip-current']);
    assert.equal(fs.existsSync(path.join(dir, 'skipcur.copy')), false);
    fs.rmSync(src);
  });

  test('cancel: what was in flight is reported (skipped, cancel); with the job scan the counts reach the total', async () => {
    const src = path.join(dir, 'cancel-src');
    // big.bin first: the lowest inode in 'sub', so the walk (inode order) reaches it before the
    // small files, and the cancel comes while most of them are still to do.
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    writeRandom(path.join(src, 'sub', 'big.bin'), 128 << 20);
    tree(src, 3000, 4096);
    const dest = path.join(dir, 'cancel-dest');
    let cancelled = false;
    const r = await run([{ src, dest }], { recursive: true, method: 'buffered', threads: 2, scan: true }, (e, job) => {
      if (!cancelled && e.type === 'progress' && e.current.some((c) => c.src.endsWith('big.bin') && c.bytes > 0)) {
        cancelled = true;
        job.cancel();
      }
    });
    assert.ok(cancelled);
    assert.equal(r.result.cancelled, true);
    const big = r.records.find((x) => x.src.endsWith('big.bin'));
    assert.ok(big, 'the file in flight at cancel has a record');
    assert.deepEqual([big.ok, big.skipped, big.skipReason], [false, true, 'cancel']);
    assert.equal(fs.existsSync(path.join(dest, 'sub', 'big.bin')), false);
    assert.equal(sum(r.result), 3011, JSON.stringify(r.result.counts));
    assert.ok(r.result.counts.notStarted > 0);
    // The cancelled tree stands under its final name, missing entries: the result says so.
    assert.deepEqual(r.result.incomplete, [{ path: dest, where: 'final' }]);
    assert.ok(r.records.find((x) => x.dest === dest)?.warnings.some((w) => w.startsWith('incomplete')));
  });

  test('a folder moved by one rename says what it holds; the counts count its files', async () => {
    const src = path.join(dir, 'mv-src');
    tree(src, 50);
    const dest = path.join(dir, 'mv-dest');
    const r = await run([{ src, dest }], { recursive: true, move: true, scan: false });
    assert.equal(r.records.length, 1);
    assert.deepEqual(r.records[0]?.contains, { files: 60, bytes: 50 * 100 + 10 * 5 });
    assert.equal(r.result.counts.copied, 60);
    assert.equal('ino' in (r.records[0] ?? {}), false, 'a move is never removable as "created"');
  });
});
