// The free-space check of a job (spaceCheck) and fsInfo(), on real filesystems. Loop mounts need root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { formatSize } from '../../native/format.js';
import { fsInfo, scan, type EngineEvent } from '../../native/index.js';
import { fuseAvailable, makeMount, type Mount } from '../helpers/mounts.js';
import { Mounts, NEEDS_ROOT, run, tempLeftovers, tmpDir, writeRandom } from './_util.js';

const MiB = 1024 * 1024;

function free(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

describe('free-space check (spaceCheck)', { skip: NEEDS_ROOT }, () => {
  const m = new Mounts();
  const src = tmpDir('ferry-space-');
  let ext4 = '';
  let btrfs = '';
  before(() => {
    ext4 = m.loop('ext4', 32);
    btrfs = m.loop('btrfs', 256);
    fs.mkdirSync(path.join(src, 'tree'));
    writeRandom(path.join(src, 'tree', 'big.bin'), 48 * MiB);
    fs.writeFileSync(path.join(src, 'tree', 'small.txt'), 'small');
  });
  after(() => {
    m.cleanup();
    fs.rmSync(src, { recursive: true, force: true });
  });

  test('scan() checks space too (checkSpace), less what an earlier run already wrote (spaceCredit)', async () => {
    const tree = path.join(src, 'tree');
    const need = (await scan([tree]).done).needed;
    const avail = free(ext4);
    assert.ok(need > avail, `the test needs a tree larger than the free space (${need} vs ${avail})`);
    await assert.rejects(scan([tree], { dest: ext4, checkSpace: true }).done, (e: NodeJS.ErrnoException) => {
      assert.equal(e.code, 'ENOSPC');
      assert.equal(e.syscall, 'statfs');
      assert.equal(e.message, `ENOSPC: not enough space: needs ${formatSize(need)}, ${formatSize(avail)} free, statfs '${ext4}'`);
      return true;
    });
    // A resumed job whose earlier run wrote all but what fits: it goes ahead.
    const totals = await scan([tree], { dest: ext4, checkSpace: true, spaceCredit: need - avail }).done;
    assert.equal(totals.needed, need, 'the totals are what the sources hold; the credit only affects the check');
    // One MiB less credit than that: refused, and the message counts only what is still needed.
    const short = need - avail - MiB;
    await assert.rejects(scan([tree], { dest: ext4, checkSpace: true, spaceCredit: short }).done, (e: Error) => {
      assert.equal(e.message, `ENOSPC: not enough space: needs ${formatSize(need - short)}, ${formatSize(avail)} free, statfs '${ext4}'`);
      return true;
    });
    // Without checkSpace the scan only counts.
    assert.equal((await scan([tree], { dest: ext4 }).done).needed, need);
  });

  test('a tree that does not fit on a small ext4: ENOSPC for the job, nothing written', async () => {
    const before = fs.readdirSync(ext4);
    const need = (await scan([path.join(src, 'tree')]).done).needed;
    const avail = free(ext4);
    assert.ok(need > avail, `the test needs a tree larger than the free space (${need} vs ${avail})`);
    const events: EngineEvent[] = [];
    await assert.rejects(
      run([{ src: path.join(src, 'tree'), dest: path.join(ext4, 'tree') }], { recursive: true, spaceCheck: true }, (e) => events.push(e)),
      (e: NodeJS.ErrnoException & { dest?: string }) => {
        assert.equal(e.code, 'ENOSPC');
        assert.equal(e.errno, -28);
        assert.equal(e.syscall, 'statfs');
        assert.equal(e.path, ext4);
        assert.equal(e.message, `ENOSPC: not enough space: needs ${formatSize(need)}, ${formatSize(avail)} free, statfs '${ext4}'`);
        return true;
      },
    );
    assert.deepEqual(fs.readdirSync(ext4), before, 'nothing written, no temp');
    assert.equal(events.filter((e) => e.type === 'files').length, 0, 'no entry was copied or failed');
    assert.ok(events.some((e) => e.type === 'scan' && e.done), 'the scan was reported');
    // Without the check the same job starts copying (and runs out of space file by file).
    const r = await run([{ src: path.join(src, 'tree'), dest: path.join(ext4, 'tree2') }], { recursive: true });
    assert.ok(r.records.some((x) => x.error?.code === 'ENOSPC'));
    assert.deepEqual(tempLeftovers(ext4), []);
  });

  test('what fits is copied; a single file is checked against its folder too', async () => {
    const r = await run([{ src: path.join(src, 'tree', 'small.txt'), dest: path.join(ext4, 'small.txt') }], { spaceCheck: true });
    assert.equal(r.records[0]?.ok, true);
    await assert.rejects(run([{ src: path.join(src, 'tree', 'big.bin'), dest: path.join(ext4, 'new', 'big.bin') }], { spaceCheck: true }), {
      code: 'ENOSPC',
      path: ext4, // the nearest existing folder of a destination whose folders do not exist yet
    });
  });

  test('bytes that will be reflinked cost nothing (btrfs); the message says how many', async () => {
    const big = path.join(btrfs, 'big.bin');
    writeRandom(big, 150 * MiB);
    execFileSync('sync', ['-f', big]);
    const size = fs.statSync(big).size;
    assert.ok(free(btrfs) < size, `the test needs less free space (${free(btrfs)}) than the file (${size})`);
    const t = await scan([big], { dest: btrfs }).done;
    assert.equal(t.reflinkBytes, size);
    assert.equal(t.needed, 0);
    assert.equal(t.allocated, fs.statSync(big).blocks * 512);
    const r = await run([{ src: big, dest: path.join(btrfs, 'copy.bin') }], { spaceCheck: true });
    assert.equal(r.records[0]?.ok, true, JSON.stringify(r.records[0]?.error));
    assert.equal(r.records[0]?.method, 'reflink');
    // With a file that must really be written next to it, the refusal names the reflinked part.
    const avail = free(btrfs);
    await assert.rejects(
      run(
        [
          { src: big, dest: path.join(btrfs, 'copy2.bin') },
          { src: path.join(src, 'tree'), dest: path.join(btrfs, 'tree') },
        ],
        { recursive: true, spaceCheck: true },
      ),
      (e: Error) => {
        assert.match(e.message, new RegExp(`^ENOSPC: not enough space: needs [^,]+, ${formatSize(avail).replace('.', '\\.')} free \\(${formatSize(size)} will be reflinked\\), statfs '${btrfs}'$`));
        return true;
      },
    );
    assert.equal(fs.existsSync(path.join(btrfs, 'copy2.bin')), false);
  });
});

describe('fsInfo(): the engine’s one filesystem table', () => {
  test('procfs is pseudo, a missing path is ENOENT in Node’s shape', () => {
    const p = fsInfo('/proc/cpuinfo');
    assert.equal(p.type, 'procfs');
    assert.equal(p.pseudo, true);
    assert.equal(p.reflink, false);
    assert.equal(p.mountType, 'proc');
    assert.equal(p.mountPoint, '/proc');
    assert.equal(p.magic, 0x9fa0);
    assert.throws(() => fsInfo('/nonexistent/ferry'), { code: 'ENOENT', syscall: 'statfs', path: '/nonexistent/ferry' });
  });

  describe('on mounts', { skip: NEEDS_ROOT }, () => {
    const m = new Mounts();
    after(() => m.cleanup());
    test('btrfs and xfs can reflink, ext4 and tmpfs cannot; the mount is found', () => {
      for (const [kind, dir, reflink] of [
        ['btrfs', m.loop('btrfs'), true],
        ['xfs', m.loop('xfs'), true],
        ['ext4', m.loop('ext4'), false],
        ['tmpfs', m.tmpfs(8), false],
      ] as const) {
        fs.writeFileSync(path.join(dir, 'f'), 'x');
        const i = fsInfo(path.join(dir, 'f'));
        assert.equal(i.type, kind);
        assert.equal(i.known, true);
        assert.equal(i.reflink, reflink, kind);
        assert.equal(i.pseudo, false);
        assert.equal(i.mountPoint, dir);
        assert.equal(i.mountType, kind);
        assert.equal(i.subtype, null);
        assert.ok(i.totalBytes > 0 && i.availBytes <= i.freeBytes && i.freeBytes <= i.totalBytes, JSON.stringify(i));
      }
    });
  });

  describe('FUSE', { skip: NEEDS_ROOT || (fuseAvailable() ? false : 'bindfs or /dev/fuse is missing') }, () => {
    let mount: Mount | null = null;
    after(async () => {
      await mount?.cleanup();
    });
    test('a bindfs mount is fuse, with the daemon’s subtype from mountinfo', async () => {
      mount = await makeMount('bindfs', 8);
      const i = fsInfo(mount.dir);
      assert.equal(i.type, 'fuse');
      assert.equal(i.cfrCrossFs, true);
      assert.equal(i.mountPoint, mount.dir);
      assert.match(i.mountType ?? '', /^fuse/);
      assert.equal(i.subtype, 'bindfs');
    });
  });
});
