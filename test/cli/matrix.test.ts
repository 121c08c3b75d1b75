// ferry-cp across every ordered pair of filesystems (btrfs, xfs reflink=1, ext4, tmpfs, bindfs):
// content, the method the engine reports (and the refused attempts on the way), holes, metadata,
// and --explain's prediction. Mounts are made once for the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync, utimesSync, writeSync, ftruncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Method } from '../../native/index.js';
import { cleanupAll, getXattr, makeMount, setXattr, sha256File, skipUnlessMountable, skipUnlessRoot, findTemps, type Mount, type MountKind } from '../helpers/mounts.js';
import { allocated, engineMissing, explanations, recordFor, runCli } from '../helpers/cli.js';

const KINDS: MountKind[] = ['btrfs', 'xfs', 'ext4', 'tmpfs', 'bindfs'];
const skip = skipUnlessRoot || engineMissing();

const DATA_SIZE = 3 * 1024 * 1024 + 12345;
const SPARSE_SIZE = 64 * 1024 * 1024;
const MTIME = new Date('2021-03-04T05:06:07.891Z');

function expectedMethods(a: MountKind, b: MountKind): Method[] {
  if (a !== b) return ['splice', 'buffered'];
  if (a === 'btrfs' || a === 'xfs') return ['reflink'];
  if (a === 'ext4' || a === 'tmpfs') return ['copy_file_range'];
  return ['copy_file_range', 'splice', 'buffered']; // bindfs: whatever this FUSE server supports
}

interface Fixture {
  dir: string;
  dataHash: string;
  sparseHash: string;
  xattr: boolean;
}

describe('ferry-cp filesystem matrix', { skip }, () => {
  const mounts: Partial<Record<MountKind, Mount>> = {};
  const why: Partial<Record<MountKind, string>> = {};
  const fixtures: Partial<Record<MountKind, Fixture>> = {};
  const xattrOk: Partial<Record<MountKind, boolean>> = {};

  before(async () => {
    for (const k of KINDS) {
      const s = skipUnlessMountable(k);
      if (s) {
        why[k] = s;
        continue;
      }
      try {
        mounts[k] = await makeMount(k, k === 'xfs' ? 300 : 256);
      } catch (e) {
        why[k] = (e as Error).message;
        continue;
      }
      const m = mounts[k]!;
      const dir = path.join(m.dir, 'src');
      mkdirSync(dir);
      const data = path.join(dir, 'data.bin');
      const fd = openSync(data, 'w');
      writeSync(fd, randomBytes(DATA_SIZE));
      closeSync(fd);
      // A sparse file: 64 MiB long, 1 MiB of data at 4 MiB, 4 KiB at 40 MiB, trailing hole.
      const sparse = path.join(dir, 'sparse.bin');
      const sfd = openSync(sparse, 'w');
      writeSync(sfd, randomBytes(1024 * 1024), 0, 1024 * 1024, 4 * 1024 * 1024);
      writeSync(sfd, randomBytes(4096), 0, 4096, 40 * 1024 * 1024);
      ftruncateSync(sfd, SPARSE_SIZE);
      closeSync(sfd);
      chmodSync(data, 0o640);
      chmodSync(sparse, 0o604);
      const xa = setXattr(data, 'user.ferry', 'matrix-' + k);
      utimesSync(data, MTIME, MTIME);
      utimesSync(sparse, MTIME, MTIME);
      fixtures[k] = { dir, dataHash: await sha256File(data), sparseHash: await sha256File(sparse), xattr: xa };
      // Can this filesystem hold user.* xattrs as a destination?
      const probe = path.join(m.dir, 'xattr-probe');
      closeSync(openSync(probe, 'w'));
      xattrOk[k] = setXattr(probe, 'user.probe', '1');
    }
  });

  after(async () => {
    await cleanupAll();
  });

  for (const a of KINDS) {
    for (const b of KINDS) {
      test(`${a} → ${b}: content, method, holes, metadata, explain`, async (t) => {
        if (!mounts[a] || !mounts[b]) {
          t.skip(`no ${!mounts[a] ? a : b} mount: ${why[!mounts[a] ? a : b] ?? 'not made'}`);
          return;
        }
        const fx = fixtures[a]!;
        const destDir = path.join(mounts[b]!.dir, `from-${a}`);

        // --explain first: it must predict what the copy then does, and copy nothing.
        const ex = await runCli(['--explain', '--json', '-r', fx.dir, destDir]);
        assert.equal(ex.code, 0, ex.stderr);
        assert.equal(existsSync(destDir), false, '--explain must not create anything');
        const predicted = new Map(explanations(ex).map((x) => [x.dest, x.method]));

        const run = await runCli(['--json', '--verify', '-r', fx.dir, destDir]);
        assert.equal(run.code, 0, `exit ${run.code}\n${run.stderr}\n${run.stdout}`);
        assert.equal(run.timedOut, false);

        // Data file.
        const data = path.join(destDir, 'data.bin');
        const rec = recordFor(run, data);
        assert.equal(rec.ok, true);
        assert.equal(rec.type, 'file');
        assert.equal(rec.verified, true);
        assert.equal(await sha256File(data), fx.dataHash, 'content differs');
        assert.equal(rec.bytes, DATA_SIZE);
        const want = expectedMethods(a, b);
        assert.ok(rec.method && want.includes(rec.method), `method ${rec.method}, expected one of ${want.join('/')}; attempts ${JSON.stringify(rec.attempts)}`);
        const last = rec.attempts[rec.attempts.length - 1];
        assert.ok(last, 'no attempts recorded');
        assert.equal(last.method, rec.method, 'the last attempt is the method reported');
        assert.equal(last.outcome, 'ok');
        assert.equal(last.bytes, DATA_SIZE);
        for (const at of rec.attempts.slice(0, -1)) {
          assert.notEqual(at.outcome, 'ok', `only the last attempt may succeed: ${JSON.stringify(rec.attempts)}`);
          assert.ok(at.errno, `a refused attempt says why: ${JSON.stringify(at)}`);
        }
        if (a !== b) {
          const cfr = rec.attempts.find((x) => x.method === 'copy_file_range');
          assert.ok(cfr, `cross-filesystem copy records the refused copy_file_range: ${JSON.stringify(rec.attempts)}`);
          assert.equal(cfr.errno, 'EXDEV');
        }
        assert.equal(predicted.get(data), rec.method, `--explain predicted ${predicted.get(data)}, copy used ${rec.method}`);

        // Metadata.
        const ss = statSync(path.join(fx.dir, 'data.bin'), { bigint: true });
        const ds = statSync(data, { bigint: true });
        assert.equal(ds.mode & 0o7777n, 0o640n, 'mode');
        assert.equal(ds.mtimeNs, ss.mtimeNs, 'mtime (ns)');
        if (fx.xattr && xattrOk[b]) assert.equal(getXattr(data, 'user.ferry'), 'matrix-' + a, 'user.* xattr');

        // Sparse file: same bytes, holes kept.
        const sparse = path.join(destDir, 'sparse.bin');
        const srec = recordFor(run, sparse);
        assert.equal(srec.ok, true);
        assert.equal(statSync(sparse).size, SPARSE_SIZE);
        assert.equal(await sha256File(sparse), fx.sparseHash, 'sparse content differs');
        assert.equal(statSync(sparse).mode & 0o7777, 0o604);
        const srcAlloc = allocated(path.join(fx.dir, 'sparse.bin'));
        if (srcAlloc < SPARSE_SIZE / 2) {
          // The source really has holes (bindfs may not pass SEEK_HOLE through: then it looks dense).
          assert.ok(allocated(sparse) <= 4 * 1024 * 1024, `copy of a sparse file allocated ${allocated(sparse)} bytes (source ${srcAlloc})`);
          if (srec.method !== 'reflink') assert.equal(srec.sparse, true, 'record says sparse');
        }
        assert.equal(predicted.get(sparse) !== undefined, true);
        assert.deepEqual(findTemps(mounts[b]!.dir), [], 'no .ferry-* temps left');
      });
    }
  }
});
