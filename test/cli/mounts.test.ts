// The shared loop-mount helper: each kind mounts, is the filesystem it claims, and cleanup leaves
// no mount, loop device or folder behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanupAll, liveMountCount, makeMount, MOUNT_KINDS, sha256File, skipUnlessMountable } from '../helpers/mounts.js';

const FSTYPE = { btrfs: 'btrfs', xfs: 'xfs', ext4: 'ext4', tmpfs: 'tmpfs', bindfs: 'fuse' } as const;

for (const kind of MOUNT_KINDS) {
  test(`makeMount(${kind}) mounts a writable ${kind} and cleans up completely`, { skip: skipUnlessMountable(kind) }, async () => {
    const m = await makeMount(kind, 64);
    const base = path.dirname(m.dir);
    try {
      const line = readFileSync('/proc/self/mounts', 'utf8').split('\n').find((l) => l.split(' ')[1] === m.dir);
      assert.ok(line, `${m.dir} is mounted`);
      assert.match(line.split(' ')[2] ?? '', new RegExp(`^${FSTYPE[kind]}`));
      writeFileSync(path.join(m.dir, 'f'), 'hello');
      assert.equal(await sha256File(path.join(m.dir, 'f')), '2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824');
      if (kind === 'xfs') {
        const info = spawnSync('xfs_info', [m.dir], { encoding: 'utf8' }).stdout;
        assert.match(info, /reflink=1/);
      }
    } finally {
      await m.cleanup();
    }
    assert.equal(existsSync(base), false, 'folder removed');
    assert.ok(!readFileSync('/proc/self/mounts', 'utf8').includes(base), 'nothing mounted there');
    const loops = spawnSync('losetup', ['-a'], { encoding: 'utf8' }).stdout;
    assert.ok(!loops.includes(base), 'no loop device left');
  });
}

test('cleanupAll unmounts everything still mounted', { skip: skipUnlessMountable('tmpfs') }, async () => {
  await makeMount('tmpfs', 4);
  await makeMount('tmpfs', 4);
  assert.equal(liveMountCount(), 2);
  await cleanupAll();
  assert.equal(liveMountCount(), 0);
});
