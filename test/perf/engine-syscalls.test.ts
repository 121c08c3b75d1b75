// What the engine's speed-ups (issue 14) changed, checked by counting and ordering the syscalls
// the engine makes (strace), never by timing: a test must pass under any load.
//   - a regular file on a disk filesystem is copied with one copy_file_range (its size was
//     reached: no second call to see EOF), while a pseudo file is still read to EOF;
//   - a folder's files are copied in inode order (as cp does);
//   - a move across filesystems flushes per batch (syncfs), not per file (fsync), and a source
//     goes only once its copy is on disk: a write-back failure keeps the sources.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { dropCaches, hasCommand, makeMount, makeWritebackFailingMount, skipUnlessMountable, type Mount } from '../helpers/mounts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const INDEX = path.resolve(here, '..', '..', 'native', 'index.js');

const skip = skipUnlessMountable('ext4') || (!hasCommand('strace') && 'strace is not installed');

/** Runs one engine job in a child process under strace; returns the records and the trace lines. */
function traced(src: string, dest: string, opts: Record<string, unknown>, calls: string, logDir: string, ordered = false): { records: { src: string; ok: boolean; method: string | null; warnings: string[] }[]; lines: string[] } {
  fs.mkdirSync(logDir, { recursive: true });
  const script = `
    import { startJob } from ${JSON.stringify(INDEX)};
    const records = [];
    const job = startJob([{ src: process.argv[1], dest: process.argv[2] }], { ...JSON.parse(process.argv[3]), onEvents: (evs) => { for (const e of evs) if (e.type === 'files') records.push(...e.records); } });
    await job.done;
    process.stdout.write(JSON.stringify(records));`;
  // -ff: one log per thread, so no call is split into <unfinished ...> / <... resumed>.
  // `ordered`: each line starts with its time (-ttt), and the threads' lines are merged in time order.
  const r = spawnSync('strace', ['-ff', '-qq', ...(ordered ? ['-ttt'] : []), '-o', path.join(logDir, 't'), '-e', `trace=${calls}`, process.execPath, '--input-type=module', '-e', script, src, dest, JSON.stringify(opts)], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  assert.equal(r.status, 0, r.stderr);
  let lines = fs.readdirSync(logDir).flatMap((f) => fs.readFileSync(path.join(logDir, f), 'utf8').split('\n'));
  if (ordered)
    lines = lines
      .map((l) => /^(\d+\.\d+) (.*)$/.exec(l))
      .filter((m): m is RegExpExecArray => !!m)
      .sort((a, b) => Number(a[1]) - Number(b[1]))
      .map((m) => m[2]!);
  return { records: JSON.parse(r.stdout), lines };
}

describe('engine syscalls', { skip }, () => {
  let ext4: Mount;
  let tmpfs: Mount;
  before(async () => {
    ext4 = await makeMount('ext4', 256);
    tmpfs = await makeMount('tmpfs', 64);
  });
  after(async () => {
    await ext4?.cleanup();
    await tmpfs?.cleanup();
  });

  test('a regular file on ext4: one copy_file_range of its size, no second call for EOF; /proc still read to EOF', async () => {
    const src = path.join(ext4.dir, 'one');
    fs.mkdirSync(src);
    for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, `f${i}`), Buffer.alloc(4096 + i, i + 1));
    const { records, lines } = traced(src, path.join(ext4.dir, 'one.copy'), { recursive: true, threads: 1 }, 'copy_file_range', path.join(ext4.dir, 'st-eof'));
    assert.equal(records.filter((r) => r.ok && r.method === 'copy_file_range').length, 4, JSON.stringify(records));
    // The once-per-process probe copy_file_range(-1, …) aside, one call per file.
    const calls = lines.filter((l) => /^copy_file_range\(\d+,/.test(l));
    assert.equal(calls.length, 4, calls.join('\n'));
    for (let i = 0; i < 4; i++) assert.deepEqual(fs.readFileSync(path.join(ext4.dir, 'one.copy', `f${i}`)), Buffer.alloc(4096 + i, i + 1));

    // procfs says size 0: the engine reads on until EOF and copies the whole text.
    const proc = traced('/proc/self/mountinfo', path.join(ext4.dir, 'mountinfo'), {}, 'read', path.join(ext4.dir, 'st-proc'));
    assert.equal(proc.records[0]?.ok, true, JSON.stringify(proc.records));
    assert.ok(fs.statSync(path.join(ext4.dir, 'mountinfo')).size > 0, 'the pseudo file was copied with its content');
  });

  test('a folder is copied in inode order', async () => {
    const src = path.join(ext4.dir, 'order');
    fs.mkdirSync(src);
    // Names whose hash order (ext4 lists by name hash) differs from the creation (inode) order.
    for (let i = 0; i < 64; i++) fs.writeFileSync(path.join(src, `n${(i * 37) % 64}`), 'x');
    const byInode = fs
      .readdirSync(src)
      .map((n) => ({ n, ino: fs.statSync(path.join(src, n)).ino }))
      .sort((a, b) => a.ino - b.ino)
      .map((x) => x.n);
    assert.notDeepEqual(fs.readdirSync(src), byInode, 'the listing order is not already inode order');
    const { lines } = traced(src, path.join(ext4.dir, 'order.copy'), { recursive: true, threads: 1 }, 'openat', path.join(ext4.dir, 'st-order'));
    const opened = lines.map((l) => /^openat\(\d+, "(n\d+)", O_RDONLY/.exec(l)?.[1]).filter((n): n is string => !!n);
    assert.deepEqual(opened, byInode);
  });

  test('a move across filesystems: no fsync per file, a few syncfs for 600 files, each source after its own write-back check; sources gone, data intact', async () => {
    const src = path.join(ext4.dir, 'mv');
    for (const d of ['a', 'b']) {
      fs.mkdirSync(path.join(src, d), { recursive: true });
      for (let i = 0; i < 300; i++) fs.writeFileSync(path.join(src, d, `${d}${i}`), `${d}${i}`.repeat(100)); // names unique across folders
    }
    const dest = path.join(tmpfs.dir, 'mv');
    const { records, lines } = traced(src, dest, { recursive: true, move: true }, 'fsync,fdatasync,syncfs,sync_file_range,linkat,unlinkat,fchmod,fchown', path.join(ext4.dir, 'st-move'), true);
    const files = records.filter((r) => !/\/mv$|\/[ab]$/.test(r.src));
    assert.equal(files.length, 600);
    assert.ok(files.every((r) => r.ok && r.warnings.length === 0), JSON.stringify(files.find((r) => !r.ok || r.warnings.length)));
    const syncs = lines.filter((l) => /^syncfs\(/.test(l));
    // One device flush per batch: each folder fsynced once per batch, no fsync or fdatasync per file.
    const fsyncs = lines.filter((l) => /^fsync\(/.test(l));
    assert.ok(fsyncs.length >= 2 && fsyncs.length <= 3 * syncs.length, `folders once per batch, no fsync per file: ${fsyncs.length}`);
    assert.ok(fsyncs.every((l) => /= 0$/.test(l.trim())), fsyncs.find((l) => !/= 0$/.test(l.trim())));
    assert.equal(lines.filter((l) => /^fdatasync\(/.test(l)).length, 0);
    // Each copy's unnamed file was created with its final bits and owner: no fchmod or fchown per
    // file (the three folders still get theirs).
    assert.ok(lines.filter((l) => /^fch(mod|own)\(/.test(l)).length <= 6, lines.filter((l) => /^fch(mod|own)\(/.test(l)).slice(0, 8).join('\n'));
    // One per batch: a batch closes at 4096 entries, 1 GiB, after 1 s, or when no work is left.
    assert.ok(syncs.length >= 1 && syncs.length <= 20, `syncfs per batch, not per file: ${syncs.length}`);
    assert.ok(syncs.every((l) => /= 0$/.test(l.trim())), syncs.join('\n'));
    assert.equal(fs.existsSync(src), false, 'every source went');
    for (const d of ['a', 'b']) for (let i = 0; i < 300; i += 37) assert.equal(fs.readFileSync(path.join(dest, d, `${d}${i}`), 'utf8'), `${d}${i}`.repeat(100));

    // The order, all threads merged by time: a file's source is unlinked only after a syncfs and
    // after its own copy's write-back was checked (sync_file_range WAIT_AFTER, answering 0) through
    // the descriptor that wrote it (the one linkat gave the file's name).
    const fdName = new Map<string, string>(); // descriptor → file name it was published as
    const checked = new Set<string>();
    let synced = false;
    let unlinked = 0;
    for (const l of lines) {
      const link = /^linkat\((\d+), "", \d+, "([ab]\d+)", AT_EMPTY_PATH\) = 0/.exec(l);
      if (link) fdName.set(link[1]!, link[2]!);
      if (/^syncfs\(.*= 0$/.test(l)) synced = true;
      const wait = /^sync_file_range\((\d+), 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE\|SYNC_FILE_RANGE_WRITE\|SYNC_FILE_RANGE_WAIT_AFTER\) = 0/.exec(l);
      if (wait && fdName.has(wait[1]!)) {
        checked.add(fdName.get(wait[1]!)!);
        fdName.delete(wait[1]!);
      }
      const gone = /^unlinkat\(\d+, "([ab]\d+)", 0\) = 0/.exec(l);
      if (!gone) continue;
      unlinked++;
      assert.ok(synced, `${gone[1]}: its source went before any syncfs`);
      assert.ok(checked.has(gone[1]!), `${gone[1]}: its source went before its copy's write-back was checked`);
    }
    assert.equal(unlinked, 600, 'every source unlink was seen in the trace');
  });

  test('a move holds each copy open until its batch is flushed, but never more descriptors than the limit allows', async () => {
    // 1,000 files, a descriptor limit of 128 (soft and hard): a batch of 1,000 open copies would
    // fail with EMFILE; the batch is capped at a quarter of the limit instead.
    const src = path.join(ext4.dir, 'fds');
    fs.mkdirSync(src);
    for (let i = 0; i < 1000; i++) fs.writeFileSync(path.join(src, `f${i}`), `${i}`);
    const dest = path.join(tmpfs.dir, 'fds');
    const script = `
      import { startJob } from ${JSON.stringify(INDEX)};
      const r = await startJob([{ src: process.argv[1], dest: process.argv[2] }], { recursive: true, move: true }).done;
      process.stdout.write(JSON.stringify({ failed: r.filesFailed }));`;
    const r = spawnSync('prlimit', ['--nofile=128:128', process.execPath, '--input-type=module', '-e', script, src, dest], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).failed, 0, r.stdout);
    assert.equal(fs.existsSync(src), false, 'every source went');
    assert.equal(fs.readdirSync(dest).length, 1000);
    assert.equal(fs.readFileSync(path.join(dest, 'f999'), 'utf8'), '999');
  });

  test('a move whose destination fails at write-back keeps the sources of what was lost', async () => {
    const bad = await makeWritebackFailingMount(48, 1024);
    try {
      const src = path.join(ext4.dir, 'wb');
      fs.mkdirSync(src);
      const data = (i: number) => Buffer.alloc(2 << 20, i + 1);
      for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, `f${i}`), data(i)); // 80 MiB > 48 MiB backing
      const dest = path.join(bad.dir, 'wb');
      const { records } = traced(src, dest, { recursive: true, move: true }, 'syncfs', path.join(ext4.dir, 'st-wb'));
      const kept = records.filter((r) => r.warnings.some((w) => /source kept: the destination could not be flushed/.test(w)));
      assert.ok(kept.length > 0, `the write-back failure was seen: ${JSON.stringify(records.slice(0, 3))}`);
      dropCaches();
      // Nothing is lost: each file is either still at its source or intact at its destination.
      for (let i = 0; i < 40; i++) {
        const s = path.join(src, `f${i}`);
        if (fs.existsSync(s)) continue;
        let intact = false;
        try {
          intact = fs.readFileSync(path.join(dest, `f${i}`)).equals(data(i));
        } catch {
          intact = false;
        }
        assert.ok(intact, `f${i}: its source was removed but its copy is not intact`);
      }
    } finally {
      await bad.cleanup();
    }
  });
});
