// Write-back failures (issue 9, item 1), on a real one: an ext4 image on a too-small tmpfs
// (makeWritebackFailingMount). Writes land in the page cache and succeed; write-back then fails
// and the data is gone once the cache is dropped. Whatever the engine reports must say so:
// - a job with `flush` syncfs()es through a descriptor opened before it wrote, and names every
//   copy that is not known to be on disk;
// - verifyPair() reads the copy from the device, so a lost copy is never "equal";
// - ferry-cp --fsync exits 1 and names what is not on disk.
// Each test needs a fresh mount: ext4 aborts its journal at the first such error.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startJob, type FileRecord } from '../../native/index.js';
import { verifyPair } from '../../native/verify.js';
import { runCli } from '../helpers/cli.js';
import { dropCaches, makeWritebackFailingMount, skipUnlessMountable } from '../helpers/mounts.js';
import { tmpDir, writeRandom } from '../native/_util.js';

const N = 40;
const SIZE = 2 << 20; // 40 × 2 MiB = 80 MiB into a filesystem backed by 48 MiB
const skip = skipUnlessMountable('ext4');

let src = '';
before(() => {
  if (skip) return;
  src = path.join(tmpDir('ferry-wb-'), 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < N; i++) writeRandom(path.join(src, `f${i}`), SIZE + i);
});
after(() => {
  if (src) fs.rmSync(path.dirname(src), { recursive: true, force: true });
});

/** The copies that do not read back equal from the device. */
function lost(destDir: string): string[] {
  dropCaches();
  const out: string[] = [];
  for (let i = 0; i < N; i++) {
    const d = path.join(destDir, `f${i}`);
    let same = false;
    try {
      same = readFileSync(d).equals(readFileSync(path.join(src, `f${i}`)));
    } catch {
      /* unreadable: lost */
    }
    if (!same) out.push(d);
  }
  return out;
}

describe('write-back errors', { skip }, () => {
  test('a job with flush: the failed syncfs is its error, and every lost copy is named not on disk', async () => {
    const m = await makeWritebackFailingMount(48, 1024);
    try {
      const dest = path.join(m.dir, 'copy');
      const records: FileRecord[] = [];
      const job = startJob([{ src, dest }], {
        recursive: true,
        flush: true,
        onEvents: (evs) => {
          for (const e of evs) if (e.type === 'files') records.push(...e.records);
        },
      });
      const r = await job.done; // the job ran: it resolves; the flush says what is not on disk
      assert.equal(records.filter((x) => x.ok && x.type === 'file').length, N, 'every copy was written (into the page cache)');
      assert.ok(r.flush, 'a job with flush reports its flush');
      assert.equal(r.flush.ok, false, JSON.stringify(r.flush.error));
      assert.match(r.flush.error?.code ?? '', /^(EIO|ENOSPC|EROFS)$/);
      assert.equal(r.flush.error?.syscall, 'syncfs');
      assert.equal(r.flush.error?.path, m.dir, 'the error names the destination folder the descriptor was opened on');
      assert.match(r.flush.error?.message ?? '', /^(EIO|ENOSPC|EROFS): .*, syncfs '/);
      const missing = lost(dest);
      assert.ok(missing.length > 0, 'the fault must lose data for this test to mean anything');
      const notOnDisk = new Set(r.flush.notOnDisk);
      for (const d of missing) assert.ok(notOnDisk.has(d), `${d} is lost but not reported not on disk`);
      assert.ok(notOnDisk.has(dest), 'the folder it made is not known to be on disk either');
    } finally {
      await m.cleanup();
    }
  });

  test('verifyPair reads the copy from the device: a lost copy is never "equal"', async () => {
    const m = await makeWritebackFailingMount(48, 1024);
    try {
      const dest = path.join(m.dir, 'copy');
      await startJob([{ src, dest }], { recursive: true }).done; // no flush: only the verifier can tell
      const outcomes = new Map<string, string>();
      for (let i = 0; i < N; i++) {
        const v = await verifyPair(path.join(src, `f${i}`), path.join(dest, `f${i}`));
        outcomes.set(path.join(dest, `f${i}`), v.outcome);
        if (!v.ok && v.outcome === 'unreadable') {
          assert.match(v.message, /^(EIO|ENOSPC|EROFS): the copy could not be written to the device .*, fdatasync '/);
          assert.equal(v.syscall, 'fdatasync');
        }
      }
      // Reading the page cache, all 40 read back "equal". From the device, the ones whose
      // write-back failed cannot be: their fdatasync fails, or the device holds other bytes.
      const notEqual = [...outcomes.values()].filter((o) => o !== 'equal').length;
      assert.ok(notEqual > 0, `every copy was reported equal: ${JSON.stringify([...outcomes])}`);
      assert.ok(lost(dest).length > 0, 'the fault must lose data for this test to mean anything');
    } finally {
      await m.cleanup();
    }
  });

  test('ferry-cp --fsync: exit 1, and every lost copy is a failed record or named not on disk', async () => {
    const m = await makeWritebackFailingMount(48, 1024);
    try {
      const dest = path.join(m.dir, 'copy');
      const r = await runCli(['-r', '--json', '--fsync', src, dest], { timeoutMs: 120_000 });
      assert.equal(r.code, 1, r.stderr);
      const failed = new Set(r.records.filter((x) => !x.ok).map((x) => x.dest));
      const named = new Set([...r.stderr.matchAll(/^ferry-cp: not on disk: '(.*)'$/gm)].map((x) => x[1]!));
      const missing = lost(dest);
      assert.ok(missing.length > 0, 'the fault must lose data for this test to mean anything');
      for (const d of missing) assert.ok(failed.has(d) || named.has(d), `${d} is lost but ferry-cp did not say so\n${r.stderr}`);
      // A file's own failure (its fsync, or a write once ext4 gave up) is in Node's shape.
      for (const x of r.records.filter((y) => !y.ok)) assert.match(x.error?.message ?? '', /^E[A-Z]+: .+, [a-z_]+ '/);
      assert.ok(r.records.some((x) => !x.ok && x.error?.syscall === 'fsync'), 'some per-file fsync reported the write-back error');
    } finally {
      await m.cleanup();
    }
  });
});
