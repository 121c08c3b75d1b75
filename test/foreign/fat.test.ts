// FAT32 (mkfs.fat -F 32 on a loop device, mounted with fusefat: this kernel has no vfat driver):
// a file over 4 GiB is predicted and refused before a byte is written, in plain words; a name
// fusefat refuses (it answers EPERM) is said plainly; the metadata FAT cannot keep is one warning
// for the job, even for folders; and FAT's 2-second clock does not make "overwrite if newer" see
// a changed file; and a new tree arrives whole although fusefat (0.1a) empties a folder that is
// renamed (there the engine makes a new tree under its own name, not under a hidden one).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, recordFor } from '../helpers/cli.js';
import { cleanupAll, makeMount, skipUnlessMountable, type Mount } from '../helpers/mounts.js';
import { copyOne } from '../native/_util.js';
import { strays } from './_tree.js';

const skip = skipUnlessMountable('fat');

describe('FAT32 (fusefat)', { skip }, () => {
  let tmp: string;
  let m: Mount;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-foreign-fat-'));
    m = await makeMount('fat', 64);
  });
  after(async () => {
    await cleanupAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('a file over 4 GiB: predicted, then refused before anything is written; the rest copies', async () => {
    const big = path.join(tmp, 'big.bin');
    fs.closeSync(fs.openSync(big, 'w'));
    fs.truncateSync(big, 5 * 1024 ** 3);
    const ok = path.join(tmp, 'ok.txt');
    fs.writeFileSync(ok, 'ok');
    const ex = await runCli(['--explain', big, ok, m.dir]);
    assert.equal(ex.code, 0, ex.stderr);
    assert.match(ex.stdout, /big\.bin: .*\n {2}cannot copy: file is 5\.0 GiB, FAT32 stores at most 4 GiB\n/);
    const r = await runCli(['--json', big, ok, m.dir]);
    assert.equal(r.code, 1, r.stderr);
    const b = recordFor(r, path.join(m.dir, 'big.bin'));
    assert.equal(b.error?.code, 'EFBIG');
    assert.match(b.error?.message ?? '', /^EFBIG: file is 5\.0 GiB, FAT32 stores at most 4 GiB, copyfile /);
    assert.equal(b.bytes, 0, 'nothing written');
    assert.equal(fs.existsSync(path.join(m.dir, 'big.bin')), false);
    assert.equal(fs.readFileSync(path.join(m.dir, 'ok.txt'), 'utf8'), 'ok');
    assert.match(r.stderr, /warning: 1 item not copied as it is: FAT32 cannot hold it/);
    assert.deepEqual(strays(m.dir), []);
  });

  test("a name with ':' fails in plain words (fusefat answers EPERM); metadata is one warning, not one per folder", async () => {
    const src = path.join(tmp, 'flat');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a:b.txt'), 'colon');
    fs.writeFileSync(path.join(src, 'plain.txt'), 'plain');
    fs.chmodSync(path.join(src, 'plain.txt'), 0o640);
    const dest = path.join(m.dir, 'flat');
    fs.mkdirSync(dest);
    // Onto the folder that exists (merged).
    const r = await runCli(['-r', '--json', src, m.dir]);
    assert.equal(r.code, 1, r.stderr);
    const colon = recordFor(r, path.join(dest, 'a:b.txt'));
    assert.equal(colon.error?.code, 'EPERM');
    assert.equal(colon.error?.errno, -1, 'the raw errno stays beside the words');
    assert.match(colon.error?.message ?? '', /^EPERM: name contains ':' which FAT32 does not allow \(FAT32 answered: operation not permitted\), (open|rename) /);
    assert.equal(fs.readFileSync(path.join(dest, 'plain.txt'), 'utf8'), 'plain');
    for (const x of r.records) assert.ok(!x.warnings.some((w) => /(mode|owner|times) not (kept|set)/.test(w)), `${x.dest}: ${x.warnings.join('; ')}`);
    const meta = r.stderr.split('\n').filter((l) => /not kept on FAT32/.test(l));
    assert.equal(meta.length, 1, r.stderr);
    assert.match(meta[0]!, /permissions, owners and extended attributes are not kept on FAT32, and file times only to 2 seconds/);
    assert.deepEqual(strays(m.dir), []);
  });

  test('a new tree arrives whole (fusefat would empty a folder renamed into place)', async () => {
    const src = path.join(tmp, 'tree');
    fs.mkdirSync(path.join(src, 'sub', 'deeper'), { recursive: true });
    fs.writeFileSync(path.join(src, 'top.txt'), 'top');
    fs.writeFileSync(path.join(src, 'sub', 'deeper', 'leaf.txt'), 'leaf');
    const r = await runCli(['-r', '--json', src, m.dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(path.join(m.dir, 'tree', 'top.txt'), 'utf8'), 'top');
    assert.equal(fs.readFileSync(path.join(m.dir, 'tree', 'sub', 'deeper', 'leaf.txt'), 'utf8'), 'leaf');
    assert.deepEqual(strays(m.dir), []);
  });

  test("FAT's 2-second clock: verify reads the copy back as equal, and 'newer' does not take it for a changed file", async () => {
    const src = path.join(tmp, 'odd.txt');
    fs.writeFileSync(src, 'odd second');
    fs.utimesSync(src, 1_700_000_001.5, 1_700_000_001.5); // FAT stores 1_700_000_000
    const r = await runCli(['--json', '--verify', src, m.dir]);
    assert.equal(r.code, 0, r.stderr);
    const dest = path.join(m.dir, 'odd.txt');
    assert.equal(recordFor(r, dest).verified, true);
    // The time FAT keeps of it (fusefat drops a time set through the descriptor before close, so
    // it is set here by name as a FAT driver stores a preserved time).
    fs.utimesSync(dest, 1_700_000_001.5, 1_700_000_001.5);
    const off = fs.statSync(src).mtimeMs - fs.statSync(dest).mtimeMs;
    assert.ok(off > 1000 && off < 2000, `FAT rounded the time by more than a second (${off} ms)`);
    const again = await copyOne(src, dest, { conflict: 'newer' });
    assert.equal(again.skipped, true, 'the same file, not a newer one');
    // A source really newer than FAT's clock can tell is copied.
    fs.writeFileSync(src, 'changed');
    fs.utimesSync(src, 1_700_000_004, 1_700_000_004);
    const newer = await copyOne(src, dest, { conflict: 'newer' });
    assert.equal(newer.ok && !newer.skipped, true, JSON.stringify(newer));
    assert.equal(fs.readFileSync(dest, 'utf8'), 'changed');
    assert.deepEqual(strays(m.dir), []);
  });
});
