// Method choice per filesystem pair, content equality, explain() accuracy, pseudo files, empty and
// sparse files, forced methods. Loop mounts need root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { explain, type FileRecord } from '../../native/index.js';
import { copyOne, Mounts, NEEDS_ROOT, sha256, tempLeftovers, tmpDir, writeRandom } from './_util.js';

function attemptsOf(r: FileRecord): string {
  return r.attempts.map((a) => `${a.method}:${a.outcome}${a.errno ? ':' + a.errno : ''}`).join(' ');
}

describe('method per filesystem pair', { skip: NEEDS_ROOT }, () => {
  const m = new Mounts();
  const fsDirs: Record<string, string> = {};
  before(() => {
    fsDirs.btrfs = m.loop('btrfs');
    fsDirs.xfs = m.loop('xfs');
    fsDirs.ext4 = m.loop('ext4');
    fsDirs.tmpfs = m.tmpfs(64);
    for (const d of Object.values(fsDirs)) writeRandom(path.join(d, 'src.bin'), 3 * 1024 * 1024 + 123);
  });
  after(() => m.cleanup());

  const cases: [string, string, string][] = [
    ['btrfs', 'btrfs', 'reflink'],
    ['xfs', 'xfs', 'reflink'],
    ['ext4', 'ext4', 'copy_file_range'],
    ['tmpfs', 'tmpfs', 'copy_file_range'],
    ['ext4', 'xfs', 'splice'],
    ['tmpfs', 'ext4', 'splice'],
    ['btrfs', 'ext4', 'splice'],
  ];
  for (const [from, to, want] of cases) {
    test(`${from} → ${to}: ${want}, same bytes, explain() agrees`, async () => {
      const src = path.join(fsDirs[from]!, 'src.bin');
      const dest = path.join(fsDirs[to]!, `from-${from}.bin`);
      const ex = explain(src, dest);
      const rec = await copyOne(src, dest);
      assert.equal(rec.ok, true, JSON.stringify(rec.error));
      assert.equal(rec.method, want, attemptsOf(rec));
      assert.equal(ex.method, rec.method, `explain said ${ex.method} (${ex.reason}); copy used ${rec.method}`);
      assert.equal(sha256(dest), sha256(src));
      assert.equal(rec.bytes, fs.statSync(src).size);
      if (want === 'splice') {
        const cfr = rec.attempts.find((a) => a.method === 'copy_file_range');
        assert.ok(cfr && cfr.outcome === 'unsupported' && cfr.errno === 'EXDEV', `expected a copy_file_range EXDEV attempt: ${attemptsOf(rec)}`);
        assert.match(ex.reason, /EXDEV/);
      }
      if (want === 'copy_file_range') {
        const rl = rec.attempts[0]!;
        assert.equal(rl.method, 'reflink');
        assert.equal(rl.errno, 'EOPNOTSUPP');
      }
      if (want === 'reflink') assert.match(ex.reason, /reflink/);
      assert.deepEqual(tempLeftovers(path.dirname(dest)), []);
    });
  }

  test('btrfs subvolume → another subvolume: reflink, and explain() knows it is one filesystem', async () => {
    const a = path.join(fsDirs.btrfs!, 'subA');
    const b = path.join(fsDirs.btrfs!, 'subB');
    execFileSync('btrfs', ['-q', 'subvolume', 'create', a]);
    execFileSync('btrfs', ['-q', 'subvolume', 'create', b]);
    assert.notEqual(fs.statSync(a).dev, fs.statSync(b).dev, 'subvolumes have their own st_dev');
    writeRandom(path.join(a, 'in.bin'), 1024 * 1024);
    const src = path.join(a, 'in.bin');
    const dest = path.join(b, 'out.bin');
    const ex = explain(src, dest);
    const rec = await copyOne(src, dest);
    assert.equal(rec.method, 'reflink', attemptsOf(rec));
    assert.equal(ex.method, 'reflink', ex.reason);
    assert.match(ex.reason, /another subvolume/);
    assert.equal(sha256(dest), sha256(src));
  });

  test('a second file on the same pair reuses the kernel answers (attempts still listed)', async () => {
    const src = path.join(fsDirs.ext4!, 'src.bin');
    const a = await copyOne(src, path.join(fsDirs.xfs!, 'again1.bin'));
    const b = await copyOne(src, path.join(fsDirs.xfs!, 'again2.bin'));
    assert.equal(attemptsOf(a), attemptsOf(b));
  });

  test('forced reflink on ext4 fails clearly and leaves nothing', async () => {
    const src = path.join(fsDirs.ext4!, 'src.bin');
    const dest = path.join(fsDirs.ext4!, 'forced.bin');
    const rec = await copyOne(src, dest, { method: 'reflink' });
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.code, 'EOPNOTSUPP');
    assert.match(rec.error!.message, /reflink not possible: EOPNOTSUPP/);
    assert.equal(fs.existsSync(dest), false);
    assert.deepEqual(tempLeftovers(fsDirs.ext4!), []);
    assert.equal(explain(src, dest, 'reflink').method, null);
  });

  test('forced copy_file_range across filesystems fails with EXDEV; forced buffered works', async () => {
    const src = path.join(fsDirs.ext4!, 'src.bin');
    const dest = path.join(fsDirs.xfs!, 'forced-cfr.bin');
    const rec = await copyOne(src, dest, { method: 'copy_file_range' });
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.code, 'EXDEV');
    assert.equal(fs.existsSync(dest), false);
    const rec2 = await copyOne(src, dest, { method: 'buffered' });
    assert.equal(rec2.ok, true);
    assert.equal(rec2.method, 'buffered');
    assert.deepEqual(rec2.attempts.map((a) => a.method), ['buffered']);
    assert.equal(sha256(dest), sha256(src));
  });

  test('sparse file keeps its holes on ext4 and btrfs', async () => {
    for (const fsName of ['ext4', 'btrfs', 'tmpfs']) {
      const dir = fsDirs[fsName]!;
      const src = path.join(dir, 'sparse.bin');
      const fd = fs.openSync(src, 'w');
      fs.writeSync(fd, Buffer.alloc(65536, 7), 0, 65536, 0);
      fs.writeSync(fd, Buffer.alloc(65536, 9), 0, 65536, 32 * 1024 * 1024);
      fs.ftruncateSync(fd, 64 * 1024 * 1024); // trailing hole
      fs.closeSync(fd);
      const dest = path.join(dir, 'sparse-copy.bin');
      const rec = await copyOne(src, dest);
      assert.equal(rec.ok, true);
      assert.equal(rec.sparse, true, `${fsName}: ${attemptsOf(rec)}`);
      const s = fs.statSync(src);
      const d = fs.statSync(dest);
      assert.equal(d.size, s.size);
      assert.ok(d.blocks <= s.blocks + 64, `${fsName}: dest has ${d.blocks} blocks, source ${s.blocks}`);
      assert.equal(sha256(dest), sha256(src));
    }
  });

  test('1 TiB sparse file with 1 MiB of data copies without filling the disk', async () => {
    const dir = fsDirs.xfs!;
    const src = path.join(dir, 'huge.bin');
    const fd = fs.openSync(src, 'w');
    fs.writeSync(fd, Buffer.alloc(1 << 20, 1), 0, 1 << 20, 512 * 1024 * 1024 * 1024);
    fs.ftruncateSync(fd, 1024 ** 4);
    fs.closeSync(fd);
    // Across filesystems, so no reflink: the extent walk has to do it (splice per extent).
    const dest = path.join(fsDirs.btrfs!, 'huge-copy.bin');
    const rec = await copyOne(src, dest);
    assert.equal(rec.ok, true, JSON.stringify(rec.error));
    assert.equal(rec.sparse, true);
    assert.equal(rec.bytes, 1 << 20);
    const d = fs.statSync(dest);
    assert.equal(d.size, 1024 ** 4);
    assert.ok(d.blocks * 512 < 8 * 1024 * 1024, `dest uses ${d.blocks * 512} bytes`);
    const buf = Buffer.alloc(16);
    const dfd = fs.openSync(dest, 'r');
    fs.readSync(dfd, buf, 0, 16, 512 * 1024 * 1024 * 1024);
    assert.equal(buf[0], 1);
    fs.readSync(dfd, buf, 0, 16, 1024);
    assert.equal(buf[0], 0);
    fs.closeSync(dfd);
    fs.unlinkSync(dest);
    fs.unlinkSync(src);
  });
});

describe('pseudo files and small cases (no mounts)', () => {
  const dir = tmpDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('/proc/cpuinfo equals cat: buffered, size not trusted', async () => {
    const dest = path.join(dir, 'cpuinfo');
    const rec = await copyOne('/proc/cpuinfo', dest);
    assert.equal(rec.ok, true);
    assert.equal(rec.method, 'buffered');
    assert.deepEqual(rec.attempts.map((a) => a.method), ['buffered']);
    assert.ok(rec.warnings.some((w) => /procfs/.test(w)));
    // All of it, like cat (only the live "cpu MHz" lines may change between two reads): a copy cut
    // short anywhere fails this.
    const strip = (t: string) => t.replace(/^cpu MHz.*$/gm, '');
    const copied = fs.readFileSync(dest, 'utf8');
    assert.ok(copied.length > 0);
    assert.equal(strip(copied), strip(execFileSync('cat', ['/proc/cpuinfo'], { encoding: 'utf8' })));
    assert.equal(rec.bytes, fs.statSync(dest).size);
    assert.equal(explain('/proc/cpuinfo', dest).method, 'buffered');
  });

  test('a /sys file equals cat (reported size 4096 is not trusted)', async (t) => {
    const candidates = ['/sys/kernel/mm/transparent_hugepage/enabled', '/sys/kernel/uevent_seqnum', '/sys/power/state', '/sys/kernel/ostype'];
    const src = candidates.find((c) => fs.existsSync(c));
    if (!src) {
      t.skip(`none of ${candidates.join(', ')} exists here`);
      return;
    }
    assert.equal(fs.statSync(src).size, 4096, 'sysfs reports 4096 whatever the length');
    const dest = path.join(dir, 'sysfile');
    const rec = await copyOne(src, dest);
    assert.equal(rec.ok, true);
    assert.equal(rec.method, 'buffered');
    assert.equal(fs.readFileSync(dest, 'utf8'), execFileSync('cat', [src], { encoding: 'utf8' }));
    assert.notEqual(fs.statSync(dest).size, 4096);
    assert.equal(explain(src, dest).method, 'buffered');
    assert.match(explain(src, dest).reason, /sysfs/);
  });

  test('empty file: ok, 0 bytes, explain agrees', async () => {
    const src = path.join(dir, 'empty');
    fs.writeFileSync(src, '');
    const dest = path.join(dir, 'empty-copy');
    const rec = await copyOne(src, dest);
    assert.equal(rec.ok, true);
    assert.equal(rec.bytes, 0);
    assert.equal(fs.statSync(dest).size, 0);
    assert.equal(explain(src, path.join(dir, 'x')).method, rec.method);
  });

  test('explain() refuses a missing source like Node does', () => {
    assert.throws(() => explain(path.join(dir, 'nope'), path.join(dir, 'x')), (e: NodeJS.ErrnoException) => e.code === 'ENOENT' && /lstat/.test(e.message));
  });
});

test('explain() for a destination deep inside folders that do not exist yet uses the nearest existing one', () => {
  const dir = tmpDir('ferry-explain-');
  try {
    writeRandom(path.join(dir, 'a.bin'), 10_000);
    const ex = explain(path.join(dir, 'a.bin'), path.join(dir, 'new', 'deeper', 'a.bin'));
    assert.equal(ex.type, 'file');
    assert.notEqual(ex.method, null, ex.reason);
    assert.match(ex.reason, /same /);
    assert.throws(() => explain(path.join(dir, 'missing.bin'), path.join(dir, 'x')), { code: 'ENOENT' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
