// The engine against a real exFAT stick (exfat-fuse on a loop device): what it knows of the
// destination, the room a copy needs there (holes written in full, each file rounded up to a
// cluster), and moves that never remove a source whose copy is not complete.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fsInfo, scan, startJob, type DestinationFit } from '../../native/index.js';
import { cleanupAll, makeMount, sha256File, skipUnlessMountable, type Mount } from '../helpers/mounts.js';
import { EXFAT_UNFIT, listTree, makeProblemTree, PLAIN_FILES, strays } from './_tree.js';

const skip = skipUnlessMountable('exfat');

describe('engine onto exFAT (exfat-fuse)', { skip }, () => {
  let tmp: string;
  let m: Mount;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-foreign-engine-'));
    m = await makeMount('exfat', 64);
  });
  after(async () => {
    await cleanupAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function fit(src: string): Promise<DestinationFit> {
    const r = await scan([src], { dest: m.dir }).done;
    assert.equal(r.destinations.length, 1);
    return r.destinations[0]!;
  }

  test('fsInfo knows the stick: exFAT through FUSE, what it cannot hold, its cluster', () => {
    const i = fsInfo(m.dir);
    assert.equal(i.type, 'fuse');
    assert.equal(i.mountType, 'fuseblk');
    assert.equal(i.label, 'exFAT');
    assert.equal(i.foreign, true);
    assert.deepEqual(
      [i.holds.winNames, i.holds.foldCase, i.holds.symlinks, i.holds.specials, i.holds.modes, i.holds.holes],
      [true, true, false, false, false, false],
    );
    assert.ok(i.clusterSize && i.clusterSize >= 512, `cluster ${i.clusterSize}`);
  });

  test('room: a sparse file counts at full size, and the refusal says why in plain words', async () => {
    const src = path.join(tmp, 'sparse');
    fs.mkdirSync(src);
    const fd = fs.openSync(path.join(src, 'disk.img'), 'w');
    fs.writeSync(fd, Buffer.alloc(4096, 1), 0, 4096, 0);
    fs.ftruncateSync(fd, 100 << 20);
    fs.closeSync(fd);
    const d = await fit(src);
    assert.equal(d.needed, 100 << 20, 'the holes are written in full');
    assert.equal(d.holes, (100 << 20) - 4096);
    assert.ok(d.free < 64 << 20);
    assert.match(d.space?.message ?? '', /^ENOSPC: holes can't be kept on exFAT: needs 100 MiB, \d+ MiB free/);
    // The job refuses the same way before writing anything.
    const job = startJob([{ src, dest: path.join(m.dir, 'sparse') }], { recursive: true, spaceCheck: true });
    await assert.rejects(job.done, (e: Error & { code?: string }) => e.code === 'ENOSPC' && /holes can't be kept on exFAT: needs 100 MiB/.test(e.message));
    assert.equal(fs.existsSync(path.join(m.dir, 'sparse')), false);
    assert.deepEqual(strays(m.dir), []);
  });

  test('room: each file takes whole clusters', async () => {
    const src = path.join(tmp, 'small');
    fs.mkdirSync(src);
    for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(src, `f${i}`), 'y');
    const d = await fit(src);
    assert.ok(d.cluster >= 512);
    assert.equal(d.needed, 300 * d.cluster, `300 one-byte files need 300 clusters of ${d.cluster}`);
    assert.equal(d.space, null);
  });

  test('a move removes only what was copied; what exFAT cannot hold stays at the source, and the job says so', async () => {
    const src = path.join(tmp, 'moved');
    makeProblemTree(src);
    const sums = new Map<string, string>();
    for (const f of PLAIN_FILES) sums.set(f, await sha256File(path.join(src, f)));
    const dest = path.join(m.dir, 'moved');
    const r = await startJob([{ src, dest }], { recursive: true, move: true }).done;
    assert.equal(r.filesFailed, EXFAT_UNFIT.length);
    const left = listTree(src);
    for (const u of EXFAT_UNFIT) assert.ok(left.includes(u), `${u} stays at the source (left: ${left.join(', ')})`);
    for (const f of PLAIN_FILES) {
      assert.ok(!left.includes(f), `${f} moved`);
      assert.equal(await sha256File(path.join(dest, f)), sums.get(f), `${f} intact`);
    }
    assert.ok((r.warnings ?? []).some((w) => w === '10 items stay at the source: exFAT cannot hold them (see their records)'), JSON.stringify(r.warnings));
    assert.deepEqual(strays(m.dir), []);
  });
});
