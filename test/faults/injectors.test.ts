// The fault injectors the durability tests rely on must really inject their fault: otherwise a
// test that expects Ferry to notice a fault would pass with no fault at all.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import test from 'node:test';
import { corruptBtrfsFileBlock, dropCaches, hasCommand, makeMount, makeWritebackFailingMount, skipUnlessMountable } from '../helpers/mounts.js';

test('corruptBtrfsFileBlock: reading the damaged block fails with EIO, other data still reads', { skip: skipUnlessMountable('btrfs') || (!hasCommand('btrfs-map-logical') && 'btrfs-map-logical missing') }, async () => {
  const m = await makeMount('btrfs', 128);
  try {
    const victim = path.join(m.dir, 'victim');
    const other = path.join(m.dir, 'other');
    fs.writeFileSync(victim, Buffer.alloc(1 << 20, 7));
    fs.writeFileSync(other, Buffer.alloc(1 << 20, 9));
    corruptBtrfsFileBlock(m, victim, 3);
    const fd = fs.openSync(victim, 'r');
    try {
      const buf = Buffer.alloc(4096);
      assert.equal(fs.readSync(fd, buf, 0, 4096, 0), 4096, 'block 0 is intact');
      assert.throws(() => fs.readSync(fd, buf, 0, 4096, 3 * 4096), (e: NodeJS.ErrnoException) => e.code === 'EIO');
    } finally {
      fs.closeSync(fd);
    }
    assert.deepEqual(fs.readFileSync(other), Buffer.alloc(1 << 20, 9));
  } finally {
    await m.cleanup();
  }
});

test('makeWritebackFailingMount: writes succeed, syncfs reports the write-back error, data is lost', { skip: skipUnlessMountable('ext4') }, async () => {
  const m = await makeWritebackFailingMount(48, 1024);
  try {
    const chunk = Buffer.alloc(2 << 20, 1);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(m.dir, `f${i}`), chunk); // 80 MiB > 48 MiB backing
    const r = spawnSync('sync', ['-f', path.join(m.dir, 'f0')], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, `sync -f should fail: ${r.stderr}`);
    dropCaches();
    let intact = 0;
    for (let i = 0; i < 40; i++) {
      try {
        if (fs.readFileSync(path.join(m.dir, `f${i}`)).equals(chunk)) intact++;
      } catch {
        /* unreadable counts as lost */
      }
    }
    assert.ok(intact < 40, `some data must be lost after the failed write-back (intact: ${intact}/40)`);
  } finally {
    await m.cleanup();
  }
});
