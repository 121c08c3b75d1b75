// A source that changes while it is copied (issue 9, item 7). The copy holds what the file was
// when it was opened (never more than its size then; pseudo files excepted) and its record says
// "changed during copy"; a move keeps such a source (ECHANGED); ferry-cp exits 1, as GNU tar does.
//
// Deterministic: the job is paused as soon as it starts (the worker has opened the file and
// waits before its first chunk), another process changes the file, then the job resumes. One
// test also runs a writer that appends the whole time, without pausing anything.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startJob, type FileRecord, type RunningJob, type StartOptions } from '../../native/index.js';
import { runCli } from '../helpers/cli.js';
import { isRoot, Mounts, tmpDir, writeRandom } from '../native/_util.js';

const MiB = 1 << 20;
const m = new Mounts();
let a = ''; // source side
let b = ''; // destination side: another filesystem when we may mount (a move copies then)

before(() => {
  a = isRoot ? m.tmpfs(1200) : tmpDir();
  b = isRoot ? m.tmpfs(1200) : tmpDir();
});
after(() => {
  m.cleanup();
  if (!isRoot) for (const d of [a, b]) fs.rmSync(d, { recursive: true, force: true });
});

/** Runs `sh -c script` to the end: the other program that changes the file. */
function writer(script: string): void {
  const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
}

/**
 * Copies src → dest with the job paused from its start; once the file is in flight, `change`
 * runs, then the job resumes. Returns the file's record.
 */
async function copyWhileChanging(src: string, dest: string, change: () => void, opts: StartOptions = {}): Promise<FileRecord> {
  const records: FileRecord[] = [];
  let changed = false;
  let job!: RunningJob;
  job = startJob([{ src, dest }], {
    method: 'buffered',
    threads: 1,
    ...opts,
    onEvents: (evs) => {
      for (const e of evs) {
        if (e.type === 'files') records.push(...e.records);
        // The file is open (its size taken) and the worker waits at its first chunk.
        if (e.type === 'progress' && !changed && e.current.some((c) => c.src === src)) {
          changed = true;
          change();
          job.resume();
        }
      }
    },
  });
  job.pause();
  await job.done;
  assert.ok(changed, 'the change was made while the file was in flight');
  const rec = records.find((r) => r.src === src);
  assert.ok(rec, JSON.stringify(records));
  return rec;
}

function head(file: string, n: number): Buffer {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = fs.readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

describe('a source that changes during the copy', () => {
  test('growing: the copy stops at the size seen at open, marked changed', async () => {
    const src = path.join(a, 'grow.bin');
    writeRandom(src, 64 * MiB);
    const dest = path.join(b, 'grow.bin');
    const rec = await copyWhileChanging(src, dest, () => writer(`head -c ${8 * MiB} /dev/urandom >> '${src}'`));
    assert.equal(fs.statSync(src).size, 72 * MiB, 'the writer appended');
    assert.equal(rec.ok, true);
    assert.equal(rec.changed, true);
    assert.equal(rec.size, 64 * MiB);
    assert.equal(rec.bytes, 64 * MiB);
    assert.equal(fs.statSync(dest).size, 64 * MiB, 'not followed to the new end');
    assert.ok(head(dest, 64 * MiB).equals(head(src, 64 * MiB)));
    assert.ok(rec.warnings.some((w) => /^changed during copy: the source grew from 67108864 to 75497472 bytes/.test(w)), JSON.stringify(rec.warnings));
  });

  test('shrinking: copied short, marked changed', async () => {
    const src = path.join(a, 'shrink.bin');
    writeRandom(src, 64 * MiB);
    const dest = path.join(b, 'shrink.bin');
    const rec = await copyWhileChanging(src, dest, () => writer(`truncate -s ${16 * MiB} '${src}'`));
    assert.equal(rec.ok, true);
    assert.equal(rec.changed, true);
    assert.ok(fs.statSync(dest).size <= 16 * MiB + MiB, `at most what was there: ${fs.statSync(dest).size}`);
    assert.ok(rec.warnings.some((w) => /^changed during copy: the source shrank/.test(w)), JSON.stringify(rec.warnings));
  });

  test('a sparse file extended with data far beyond its end: cut at the old size, marked changed', async () => {
    const src = path.join(a, 'sparse.bin');
    writer(`truncate -s ${256 * MiB} '${src}' && dd if=/dev/urandom of='${src}' bs=1M count=1 conv=notrunc status=none && dd if=/dev/urandom of='${src}' bs=1M count=1 seek=128 conv=notrunc status=none`);
    const dest = path.join(b, 'sparse.bin');
    const rec = await copyWhileChanging(src, dest, () => writer(`dd if=/dev/urandom of='${src}' bs=1M count=1 seek=400 conv=notrunc status=none`));
    assert.equal(fs.statSync(src).size, 401 * MiB);
    assert.equal(rec.ok, true);
    assert.equal(rec.sparse, true, 'copied extent by extent');
    assert.equal(rec.changed, true);
    assert.equal(fs.statSync(dest).size, 256 * MiB);
    assert.ok(rec.warnings.some((w) => /^changed during copy: the source grew/.test(w)), JSON.stringify(rec.warnings));
  });

  test('modified in place (same size): marked changed', async () => {
    const src = path.join(a, 'inplace.bin');
    writeRandom(src, 32 * MiB);
    const rec = await copyWhileChanging(src, path.join(b, 'inplace.bin'), () => writer(`dd if=/dev/zero of='${src}' bs=1M count=1 seek=20 conv=notrunc status=none`));
    assert.equal(rec.changed, true);
    assert.ok(rec.warnings.some((w) => /^changed during copy: the source was modified/.test(w)), JSON.stringify(rec.warnings));
  });

  test('an unchanged file has no mark', async () => {
    const src = path.join(a, 'still.bin');
    writeRandom(src, 4 * MiB);
    const rec = await copyWhileChanging(src, path.join(b, 'still.bin'), () => {});
    assert.equal(rec.ok, true);
    assert.equal('changed' in rec, false);
  });

  test('a writer appending the whole time: the copy is bounded, not followed', async () => {
    const src = path.join(a, 'log.bin');
    writeRandom(src, 128 * MiB);
    const w = spawn('sh', ['-c', `while :; do head -c 1048576 /dev/zero >> '${src}' || exit 0; done`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const records: FileRecord[] = [];
      await startJob([{ src, dest: path.join(b, 'log.bin') }], {
        method: 'buffered',
        onEvents: (evs) => {
          for (const e of evs) if (e.type === 'files') records.push(...e.records);
        },
      }).done;
      const rec = records[0]!;
      assert.equal(rec.ok, true);
      assert.equal(rec.changed, true);
      assert.equal(fs.statSync(path.join(b, 'log.bin')).size, rec.size, 'exactly the size seen at open');
    } finally {
      w.kill('SIGKILL');
    }
    await new Promise((r) => w.once('exit', r));
    assert.ok(fs.statSync(src).size > 128 * MiB);
  });

  test('a move whose source changed keeps the source and moves nothing (ECHANGED)', { skip: isRoot ? false : 'needs two filesystems (root)' }, async () => {
    const src = path.join(a, 'move.bin');
    writeRandom(src, 32 * MiB);
    const dest = path.join(b, 'move.bin');
    const rec = await copyWhileChanging(src, dest, () => writer(`head -c ${MiB} /dev/urandom >> '${src}'`), { move: true });
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.code, 'ECHANGED');
    assert.match(rec.error?.message ?? '', /^ECHANGED: source changed while it was copied \(it grew from 33554432 to 34603008 bytes\): it was kept, nothing was moved/);
    assert.equal(fs.statSync(src).size, 33 * MiB, 'the source is still there, with what the writer added');
    assert.equal(fs.existsSync(dest), false, 'nothing published');
    assert.deepEqual(fs.readdirSync(b).filter((n) => n.startsWith('.ferry-')), []);
  });

  test('a hard link added or removed while it is copied moves ctime, not the data: no mark, and a move goes ahead', { skip: isRoot ? false : 'needs two filesystems (root)' }, async () => {
    const src = path.join(a, 'linked.bin');
    writeRandom(src, 8 * MiB);
    const rec = await copyWhileChanging(src, path.join(b, 'linked.bin'), () => fs.linkSync(src, path.join(a, 'linked.bin.2')));
    assert.equal(rec.ok, true);
    assert.equal('changed' in rec, false, JSON.stringify(rec.warnings));
    // A move of one name while its other name goes (what a move of both names does on a
    // destination that cannot hold hard links): the source goes, the copy is whole.
    const dest = path.join(b, 'linked-moved.bin');
    const sum = fs.readFileSync(src);
    const moved = await copyWhileChanging(src, dest, () => fs.unlinkSync(path.join(a, 'linked.bin.2')), { move: true });
    assert.equal(moved.ok, true, JSON.stringify(moved.error));
    assert.equal(fs.existsSync(src), false, 'the source went');
    assert.ok(fs.readFileSync(dest).equals(sum));
  });

  test('ferry-cp: "file changed as we read it" on stderr, exit 1, also with --json', async () => {
    const src = path.join(a, 'cli.bin');
    writeRandom(src, 128 * MiB);
    const w = spawn('sh', ['-c', `while :; do head -c 1048576 /dev/zero >> '${src}' || exit 0; done`], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 50));
      const r = await runCli(['--json', '--method=buffered', src, path.join(b, 'cli.bin')]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^ferry-cp: ${src}: file changed as we read it \\(the source grew from \\d+ to \\d+ bytes`, 'm'));
      assert.equal(r.records[0]?.changed, true);
      assert.equal(r.records[0]?.ok, true);
    } finally {
      w.kill('SIGKILL');
    }
  });
});
