// A source that cannot be read (issue 9, EIO): a btrfs image with a damaged data block under one
// file (corruptBtrfsFileBlock: btrfs finds the checksum mismatch and answers EIO). That file fails
// with EIO in Node's shape, naming the source; nothing of it is left at the destination; the
// other files are copied; ferry-cp exits 1.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../native/_util.js';
import { runCli } from '../helpers/cli.js';
import { corruptBtrfsFileBlock, findTemps, hasCommand, makeMount, sha256File, skipUnlessMountable, type Mount } from '../helpers/mounts.js';

const skip = skipUnlessMountable('btrfs') || (!hasCommand('btrfs-map-logical') && 'btrfs-map-logical missing');

describe('a damaged source block', { skip }, () => {
  let btrfs: Mount;
  let dest: Mount;
  let tree = '';
  let victim = '';
  before(async () => {
    btrfs = await makeMount('btrfs', 128);
    dest = await makeMount('tmpfs', 64);
    tree = path.join(btrfs.dir, 'tree');
    fs.mkdirSync(tree);
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(tree, `ok${i}`), Buffer.alloc(256 << 10, i + 1));
    victim = path.join(tree, 'victim');
    fs.writeFileSync(victim, Buffer.alloc(4 << 20, 0x5a));
    corruptBtrfsFileBlock(btrfs, victim, 300); // past the first MiB: the copy has made progress when it fails
  });
  after(async () => {
    await dest?.cleanup();
    await btrfs?.cleanup();
  });

  for (const method of ['auto', 'buffered'] as const) {
    test(`the engine (${method}): EIO for that file, naming the source; nothing partial; the rest copied`, async () => {
      const to = path.join(dest.dir, `engine-${method}`);
      const r = await run([{ src: tree, dest: to }], { recursive: true, method });
      const bad = r.records.find((x) => x.src === victim);
      assert.ok(bad, JSON.stringify(r.records));
      assert.equal(bad.ok, false);
      assert.equal(bad.error?.code, 'EIO');
      assert.equal(bad.error?.errno, -5);
      assert.equal(bad.error?.syscall, 'read', `the source is what could not be read: ${bad.error?.message}`);
      assert.equal(bad.error?.path, victim);
      assert.match(bad.error?.message ?? '', /^EIO: .+, read '/);
      assert.ok(bad.error?.message.endsWith(`, read '${victim}' -> '${path.join(to, 'victim')}'`), bad.error?.message);
      assert.equal(fs.existsSync(path.join(to, 'victim')), false, 'no partial copy under the final name');
      for (let i = 0; i < 8; i++) assert.equal(await sha256File(path.join(to, `ok${i}`)), await sha256File(path.join(tree, `ok${i}`)));
      assert.equal(r.result.counts.failed, 1);
      assert.equal(r.result.counts.copied, 8);
      assert.deepEqual(findTemps(dest.dir), []);
    });
  }

  test('ferry-cp: exit 1, the error on stderr, the other files copied', async () => {
    const to = path.join(dest.dir, 'cli');
    const r = await runCli(['-r', tree, to]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.split('\n').some((l) => l.startsWith('ferry-cp: EIO: ') && l.includes(`, read '${victim}' -> '`)), r.stderr);
    assert.equal(fs.existsSync(path.join(to, 'victim')), false);
    assert.equal(fs.readdirSync(to).length, 8);
  });
});
