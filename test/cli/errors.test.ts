// ferry-cp when things go wrong: a full disk, a read-only target, an unreadable source, a forced
// method that cannot apply, a signal mid-copy. Each time: the right exit status and error code,
// nothing under the final name, no `.ferry-*` temps. Also checks with strace that the reported
// method is the syscall that really moved the bytes.
import { after, before, describe, test } from 'node:test';
import { publicRuntime } from '../helpers/public-runtime.js';
import assert from 'node:assert/strict';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { cleanupAll, findTemps, hasCommand, makeMount, remount, sha256File, skipUnlessRoot, type Mount } from '../helpers/mounts.js';
import { engineMissing, recordFor, runCli, sh } from '../helpers/cli.js';

const skip = skipUnlessRoot || engineMissing();

function writeRandom(p: string, size: number): void {
  const fd = openSync(p, 'w');
  const chunk = randomBytes(Math.min(size, 1 << 20));
  for (let left = size; left > 0; left -= chunk.length) writeSync(fd, chunk, 0, Math.min(left, chunk.length));
  closeSync(fd);
}

/** Bytes the child has written so far (from /proc/PID/io), or 0. */
function wchar(pid: number): number {
  try {
    const m = /^wchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

describe('ferry-cp: failures leave nothing behind', { skip }, () => {
  let ext4: Mount;
  let xfs: Mount;
  let btrfs: Mount;
  let small: Mount;
  let tmp: Mount;
  let src = '';

  before(async () => {
    ext4 = await makeMount('ext4', 3000);
    xfs = await makeMount('xfs', 1024);
    btrfs = await makeMount('btrfs', 512);
    small = await makeMount('tmpfs', 16);
    tmp = await makeMount('tmpfs', 2600);
    src = path.join(ext4.dir, 'src');
    mkdirSync(src);
    writeRandom(path.join(src, 'mid.bin'), 8 * 1024 * 1024 + 7);
    writeRandom(path.join(src, 'big24.bin'), 24 * 1024 * 1024);
  });
  after(async () => {
    await cleanupAll();
  });

  test('ENOSPC on a 16 MiB tmpfs: exit 1, code ENOSPC, no file under the final name, no temps', async () => {
    const dest = path.join(small.dir, 'big24.bin');
    const r = await runCli(['--json', path.join(src, 'big24.bin'), dest]);
    assert.equal(r.code, 1, r.stderr);
    const rec = recordFor(r, dest);
    assert.equal(rec.ok, false);
    assert.equal(rec.error?.code, 'ENOSPC');
    assert.equal(existsSync(dest), false, 'nothing under the final name');
    assert.deepEqual(findTemps(small.dir), []);
    assert.deepEqual(readdirSync(small.dir), []);
    // The space is given back: a small file fits afterwards.
    writeFileSync(path.join(src, 'tiny'), 'tiny');
    const r2 = await runCli([path.join(src, 'tiny'), path.join(small.dir, 'tiny')]);
    assert.equal(r2.code, 0, r2.stderr);
  });

  test('a read-only target: exit 1, EROFS', async () => {
    const ro = await makeMount('tmpfs', 8);
    remount(ro, 'ro');
    const dest = path.join(ro.dir, 'mid.bin');
    const r = await runCli(['--json', path.join(src, 'mid.bin'), dest]);
    assert.equal(r.code, 1);
    assert.equal(recordFor(r, dest).error?.code, 'EROFS');
    assert.equal(existsSync(dest), false);
    const t = await runCli([path.join(src, 'mid.bin'), dest]);
    assert.match(t.stderr, /^ferry-cp: EROFS: read-only file system/);
    await ro.cleanup();
  });

  test('an unreadable source as an unprivileged user: EACCES record, the other file copies, exit 1', { skip: hasCommand('setpriv') ? false : 'setpriv missing' }, async () => {
    const d = path.join(tmp.dir, 'perm');
    mkdirSync(d);
    chmodSync(d, 0o755);
    writeFileSync(path.join(d, 'secret'), 'secret');
    chmodSync(path.join(d, 'secret'), 0o600);
    writeFileSync(path.join(d, 'public'), 'public');
    chmodSync(path.join(d, 'public'), 0o644);
    const out = path.join(tmp.dir, 'perm-out');
    mkdirSync(out);
    chmodSync(out, 0o1777);
    const r = await runCli(['--json', path.join(d, 'secret'), path.join(d, 'public'), out], {
      wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'],
      cli: path.join(publicRuntime(), 'bin', 'ferry-cp'),
      cwd: publicRuntime(),
    });
    assert.equal(r.code, 1, r.stderr);
    const bad = recordFor(r, path.join(out, 'secret'));
    assert.equal(bad.ok, false);
    assert.equal(bad.error?.code, 'EACCES');
    assert.equal(existsSync(path.join(out, 'secret')), false);
    assert.equal(readFileSync(path.join(out, 'public'), 'utf8'), 'public');
    assert.deepEqual(findTemps(out), []);
  });

  test('--method forcing: reflink on ext4 fails cleanly; splice and buffered are honoured', async () => {
    const s = path.join(src, 'mid.bin');
    const dest = path.join(ext4.dir, 'forced-reflink');
    const r = await runCli(['--json', '--method=reflink', s, dest]);
    assert.equal(r.code, 1);
    const rec = recordFor(r, dest);
    assert.equal(rec.ok, false);
    assert.ok(rec.error?.code, 'an error code');
    assert.match(rec.error?.message ?? '', /reflink|EOPNOTSUPP|not supported/i);
    assert.equal(existsSync(dest), false, 'nothing left');
    assert.deepEqual(findTemps(ext4.dir), []);
    assert.ok(rec.attempts.every((a) => a.method === 'reflink'), `only reflink tried: ${JSON.stringify(rec.attempts)}`);

    const r2 = await runCli(['--json', '--method=copy_file_range', s, path.join(xfs.dir, 'forced-cfr')]);
    assert.equal(r2.code, 1, 'copy_file_range across filesystems is refused');
    assert.equal(recordFor(r2, path.join(xfs.dir, 'forced-cfr')).error?.code, 'EXDEV');
    assert.equal(existsSync(path.join(xfs.dir, 'forced-cfr')), false);
    assert.deepEqual(findTemps(xfs.dir), []);

    const want = await sha256File(s);
    for (const m of ['splice', 'buffered', 'copy_file_range'] as const) {
      const d = path.join(ext4.dir, `forced-${m}`);
      const ok = await runCli(['--json', `--method=${m}`, s, d]);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(recordFor(ok, d).method, m);
      assert.equal(await sha256File(d), want);
    }
    // --explain honours --method too.
    const ex = await runCli(['--explain', '--json', '--method=reflink', s, path.join(ext4.dir, 'x')]);
    assert.equal(ex.records[0]?.method ?? null, null, 'explain says reflink cannot apply on ext4');
  });

  for (const [sig, status] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    test(`${sig} mid-copy cancels: exit ${status}, nothing under the final name, no temps`, async () => {
      const big = path.join(tmp.dir, 'big-2g.bin');
      if (!existsSync(big)) sh(`head -c 2G /dev/zero | tr '\\0' 'x' > "${big}"`);
      const dest = path.join(ext4.dir, `cancelled-${sig}.bin`);
      let pid = 0;
      const runP = runCli(['--json', '--method=buffered', big, dest], {
        onSpawn: (c) => {
          pid = c.pid ?? 0;
        },
        timeoutMs: 120_000,
      });
      let exited = false;
      void runP.then(() => {
        exited = true;
      });
      // Wait until the copy is well under way (≥ 64 MiB written), then signal.
      const t0 = Date.now();
      while (!exited && wchar(pid) < 64 * 1024 * 1024 && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 5));
      assert.equal(exited, false, 'the copy ended before it could be interrupted');
      process.kill(pid, sig);
      const r = await runP;
      assert.equal(r.code, status, `exit ${r.code} signal ${r.signal}\n${r.stderr}`);
      assert.equal(existsSync(dest), false, 'no half-written file under the final name');
      assert.deepEqual(findTemps(ext4.dir), []);
    });
  }

  test('strace: the reported method is the syscall that moved the bytes', { skip: hasCommand('strace') ? false : 'strace is not installed' }, async () => {
    const size = 8 * 1024 * 1024 + 7;
    const s = path.join(src, 'mid.bin');
    // Copy a btrfs source too, for FICLONE.
    const bs = path.join(btrfs.dir, 'mid.bin');
    const xs = path.join(xfs.dir, 'mid-src.bin');
    assert.equal((await runCli([s, bs])).code, 0);
    assert.equal((await runCli([s, xs])).code, 0);
    const cases = [
      { from: s, to: path.join(ext4.dir, 'st-cfr'), method: 'copy_file_range' },
      { from: bs, to: path.join(btrfs.dir, 'st-reflink'), method: 'reflink' },
      { from: xs, to: path.join(xfs.dir, 'st-reflink'), method: 'reflink' },
      { from: s, to: path.join(xfs.dir, 'st-splice'), method: 'splice' },
    ];
    for (const c of cases) {
      // -ff: one log per thread, so no call is split into <unfinished ...> / <... resumed>.
      const logDir = path.join(tmp.dir, `strace-${path.basename(path.dirname(path.dirname(c.to)))}-${path.basename(c.to)}`);
      mkdirSync(logDir);
      const r = await runCli(['--json', c.from, c.to], {
        wrap: ['strace', '-ff', '-qq', '-o', path.join(logDir, 't'), '-e', 'trace=copy_file_range,ioctl,splice,read,write'],
      });
      assert.equal(r.code, 0, r.stderr);
      const rec = recordFor(r, c.to);
      assert.equal(rec.method, c.method, `reported ${rec.method}: ${JSON.stringify(rec.attempts)}`);
      const lines = readdirSync(logDir).flatMap((f) => readFileSync(path.join(logDir, f), 'utf8').split('\n'));
      const ret = (re: RegExp) => lines.filter((l) => re.test(l)).map((l) => Number(/= (-?\d+)/.exec(l)?.[1] ?? -1));
      if (c.method === 'copy_file_range') {
        const sum = ret(/copy_file_range\(/).filter((n) => n > 0).reduce((a, b) => a + b, 0);
        assert.equal(sum, size, 'copy_file_range calls moved the whole file');
        assert.equal(ret(/splice\(/).filter((n) => n > 0).length, 0, 'no splice');
      } else if (c.method === 'reflink') {
        const clones = lines.filter((l) => /ioctl\(.*(FICLONE|BTRFS_IOC_CLONE)[ ,)]/.test(l) && /= 0$/.test(l.trim()));
        assert.ok(clones.length >= 1, `a successful FICLONE ioctl:\n${lines.filter((l) => /ioctl/.test(l)).join('\n')}`);
        assert.equal(ret(/copy_file_range\(/).filter((n) => n > 0).length, 0, 'no copy_file_range');
      } else {
        const moved = ret(/splice\(/).filter((n) => n > 0).reduce((a, b) => a + b, 0);
        assert.equal(moved, 2 * size, 'file → pipe and pipe → file, each the whole file');
        const cfr = lines.filter((l) => /copy_file_range\(/.test(l));
        // The engine's once-per-process probe copy_file_range(-1, …, -1, …) answers EBADF.
        assert.ok(cfr.every((l) => /= -1 (EXDEV|EBADF)/.test(l)), `copy_file_range only refused:\n${cfr.join('\n')}`);
        assert.ok(cfr.some((l) => /^copy_file_range\(\d+, .*= -1 EXDEV/.test(l)), `the real attempt got EXDEV:\n${cfr.join('\n')}`);
      }
      // No bulk read/write of file data on the fast paths.
      const bigWrites = ret(/^write\(/).filter((n) => n >= 65536);
      assert.equal(bigWrites.length, 0, 'no large write() calls');
    }
  });
});
