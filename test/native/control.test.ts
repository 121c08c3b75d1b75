// Job controls and policies: cancel, pause/resume, skipCurrent, conflicts (incl. the 'ask' round
// trip), move, progress throttling, onDone once, process exit.
import { after, before, describe, test } from 'node:test';
import { publicRuntime } from '../helpers/public-runtime.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startJob, type EngineEvent, type ProgressEvent } from '../../native/index.js';
import { copyOne, isRoot, Mounts, NEEDS_ROOT, run, sha256, tempLeftovers, tmpDir } from './_util.js';

const m = new Mounts();
let work = '';
let big = '';
const BIG = 768 * 1024 * 1024;

before(() => {
  // A RAM-backed place for the big file when we may mount; else the temp folder.
  work = isRoot ? m.tmpfs(3072) : tmpDir();
  big = path.join(work, 'big.bin');
  execFileSync('sh', ['-c', `head -c ${BIG} /dev/urandom > '${big}' 2>/dev/null || head -c ${BIG} /dev/zero > '${big}'`]);
});
after(() => {
  m.cleanup();
  if (!isRoot) fs.rmSync(work, { recursive: true, force: true });
});

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

describe('cancel, pause, skip', () => {
  test('cancel in the middle of a big file: cancelled result, nothing left', async () => {
    const dest = path.join(work, 'cancelled.bin');
    let cancelledAt = 0;
    const t0 = Date.now();
    const r = await run([{ src: big, dest }], { method: 'buffered', threads: 1 }, (e, job) => {
      if (e.type === 'progress' && !cancelledAt && e.current.some((c) => c.bytes > 0)) {
        cancelledAt = Date.now();
        job.cancel();
        job.cancel(); // twice is harmless
      }
    });
    assert.ok(cancelledAt > 0, 'saw progress before the end');
    assert.equal(r.result.cancelled, true);
    assert.equal(fs.existsSync(dest), false);
    assert.deepEqual(tempLeftovers(work), []);
    assert.equal(r.records.filter((x) => x.ok).length, 0);
    console.log(`# cancel landed ${Date.now() - cancelledAt} ms after cancel() (job ran ${Date.now() - t0} ms)`);
  });

  test('pause stops the bytes, resume finishes the copy; progress stays throttled', async () => {
    const dest = path.join(work, 'paused.bin');
    let paused = false;
    let pausedAt = 0;
    const whilePaused: ProgressEvent[] = [];
    let resumed = false;
    const r = await run([{ src: big, dest }], { method: 'buffered', threads: 1 }, (e, job) => {
      if (e.type !== 'progress') return;
      if (!paused && e.current.some((c) => c.bytes > 0)) {
        paused = true;
        pausedAt = Date.now();
        job.pause();
        setTimeout(() => {
          resumed = true;
          job.resume();
        }, 700);
      } else if (paused && !resumed && e.paused && Date.now() - pausedAt > 150) {
        whilePaused.push(e);
      }
    });
    assert.equal(r.result.cancelled, false);
    assert.equal(r.records[0]!.ok, true);
    assert.ok(whilePaused.length >= 1, 'progress events while paused');
    const bytes = whilePaused.map((e) => e.bytesDone);
    assert.equal(new Set(bytes).size, 1, `bytes moved while paused: ${bytes.join(',')}`);
    assert.ok(bytes[0]! < BIG);
    // ≤ 20 progress events a second (0.55 s window → at most ~12)
    assert.ok(whilePaused.length <= 13, `${whilePaused.length} progress events in ~0.55 s`);
    assert.equal(fs.statSync(dest).size, BIG);
    execFileSync('cmp', [big, dest]);
    fs.unlinkSync(dest);
  });

  test('skipCurrent abandons the file in flight, the next one is copied', async () => {
    const small = path.join(work, 'small.txt');
    fs.writeFileSync(small, 'small');
    const dBig = path.join(work, 'skipped.bin');
    const dSmall = path.join(work, 'small-copy.txt');
    let skipped = false;
    const r = await run(
      [
        { src: big, dest: dBig },
        { src: small, dest: dSmall },
      ],
      { method: 'buffered', threads: 1 },
      (e, job) => {
        if (e.type === 'progress' && !skipped && e.current.some((c) => c.src === big && c.bytes > 0)) {
          skipped = true;
          job.skipCurrent();
        }
      },
    );
    const rb = r.records.find((x) => x.src === big)!;
    assert.equal(rb.skipped, true);
    assert.equal(rb.ok, false);
    assert.equal(fs.existsSync(dBig), false);
    assert.equal(fs.readFileSync(dSmall, 'utf8'), 'small');
    assert.deepEqual(tempLeftovers(work), []);
  });

  test('paused: true starts the job paused: nothing is copied until resume(), then everything', async () => {
    const s = path.join(work, 'sp-src');
    fs.mkdirSync(s);
    for (let i = 0; i < 5; i++) fs.writeFileSync(path.join(s, `f${i}`), `f${i}`);
    const d = path.join(work, 'sp-dst');
    const job = startJob([{ src: s, dest: d }], { recursive: true, paused: true });
    let over = false;
    void job.done.then(() => (over = true));
    await sleep(300);
    assert.equal(over, false, 'a job started paused does not finish');
    assert.equal(fs.existsSync(d), false, 'nothing under the final name');
    job.resume();
    const r = await job.done;
    assert.equal(r.filesDone, 5);
    assert.deepEqual(fs.readdirSync(d).sort(), ['f0', 'f1', 'f2', 'f3', 'f4']);
  });

  test('progress: false sends no progress events, records still come; onDone once; controls after the end are no-ops', async () => {
    const s = path.join(work, 'np-src.txt');
    fs.writeFileSync(s, 'p');
    const events: EngineEvent[] = [];
    let doneCalls = 0;
    const job = startJob([{ src: s, dest: path.join(work, 'np-dst.txt') }], { progress: false, onEvents: (e) => events.push(...e) });
    await job.done.then(() => doneCalls++);
    await sleep(100);
    job.pause();
    job.resume();
    job.cancel();
    job.skipCurrent();
    job.resolveConflict(12345, 'skip', true);
    assert.equal(doneCalls, 1);
    assert.equal(events.filter((e) => e.type === 'progress').length, 0);
    assert.equal(events.filter((e) => e.type === 'files').length, 1);
  });
});

describe('conflicts', () => {
  const dir = tmpDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const mk = (name: string, content: string, mtime?: number) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, content);
    if (mtime) fs.utimesSync(p, mtime, mtime);
    return p;
  };

  test('skip keeps the destination; overwrite replaces it atomically (new inode, no temp)', async () => {
    const s = mk('s1.txt', 'new');
    const d = mk('d1.txt', 'old');
    const rs = await copyOne(s, d, { conflict: 'skip' });
    assert.equal(rs.skipped, true);
    assert.equal(fs.readFileSync(d, 'utf8'), 'old');
    const ino = fs.statSync(d).ino;
    const ro = await copyOne(s, d, { conflict: 'overwrite' });
    assert.equal(ro.ok, true);
    assert.equal(fs.readFileSync(d, 'utf8'), 'new');
    assert.notEqual(fs.statSync(d).ino, ino);
    assert.deepEqual(tempLeftovers(dir), []);
  });

  test('rename keeps both: "name (1).ext", then "name (2).ext"', async () => {
    const s = mk('s2.txt', 'two');
    const d = mk('report.txt', 'orig');
    const r1 = await copyOne(s, d, { conflict: 'rename' });
    assert.equal(r1.dest, path.join(dir, 'report (1).txt'));
    const r2 = await copyOne(s, d, { conflict: 'rename' });
    assert.equal(r2.dest, path.join(dir, 'report (2).txt'));
    assert.equal(fs.readFileSync(d, 'utf8'), 'orig');
    assert.equal(fs.readFileSync(path.join(dir, 'report (2).txt'), 'utf8'), 'two');
  });

  test("rename on a top-level folder keeps both: 'name (1)'; other policies merge into it", async () => {
    const src = path.join(dir, 'kb-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'x'), 'new');
    const dest = path.join(dir, 'kb-dst');
    fs.mkdirSync(dest);
    fs.writeFileSync(path.join(dest, 'x'), 'old');
    const r = await run([{ src, dest }], { recursive: true, conflict: 'rename' });
    assert.equal(r.result.filesFailed, 0);
    assert.equal(fs.readFileSync(path.join(dir, 'kb-dst (1)', 'x'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(dest, 'x'), 'utf8'), 'old');
    const r2 = await run([{ src, dest }], { recursive: true, conflict: 'overwrite' });
    assert.equal(r2.result.filesFailed, 0);
    assert.equal(fs.readFileSync(path.join(dest, 'x'), 'utf8'), 'new');
  });

  test('newer overwrites only an older destination', async () => {
    const old = mk('old-src.txt', 'older', 1_000_000);
    const d = mk('n-dst.txt', 'dest', 2_000_000);
    const r1 = await copyOne(old, d, { conflict: 'newer' });
    assert.equal(r1.skipped, true);
    assert.equal(fs.readFileSync(d, 'utf8'), 'dest');
    const fresh = mk('new-src.txt', 'newer', 3_000_000);
    const r2 = await copyOne(fresh, d, { conflict: 'newer' });
    assert.equal(r2.ok, true);
    assert.equal(fs.readFileSync(d, 'utf8'), 'newer');
  });

  test("'ask': conflict events round trip, applyToAll answers the rest", async () => {
    const src = path.join(dir, 'ask-src');
    const dst = path.join(dir, 'ask-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    for (const n of ['a', 'b', 'c', 'd']) {
      fs.writeFileSync(path.join(src, n), `new-${n}`);
      fs.writeFileSync(path.join(dst, n), `old-${n}`);
    }
    const asked: string[] = [];
    const r = await run([{ src, dest: dst }], { recursive: true, conflict: 'ask', threads: 1 }, (e, job) => {
      if (e.type !== 'conflict') return;
      asked.push(path.basename(e.src));
      assert.equal(e.destSize, 5);
      assert.equal(e.srcSize, 5);
      // First answer for this one file, the second for all that follow.
      setTimeout(() => job.resolveConflict(e.conflictId, asked.length === 1 ? 'overwrite' : 'skip', asked.length > 1), 20);
    });
    assert.equal(asked.length, 2, `asked about ${asked.join(',')}`);
    const contents = ['a', 'b', 'c', 'd'].map((n) => fs.readFileSync(path.join(dst, n), 'utf8'));
    assert.equal(contents.filter((c) => c.startsWith('new-')).length, 1);
    assert.equal(contents.filter((c) => c.startsWith('old-')).length, 3);
    assert.equal(r.records.filter((x) => x.type === 'file' && x.skipped).length, 3);
  });

  test("'ask' answered with cancel cancels the job", async () => {
    const s = mk('ac-src.txt', 'x');
    const d = mk('ac-dst.txt', 'y');
    const r = await run([{ src: s, dest: d }], { conflict: 'ask' }, (e, job) => {
      if (e.type === 'conflict') job.resolveConflict(e.conflictId, 'cancel', false);
    });
    assert.equal(r.result.cancelled, true);
    assert.equal(fs.readFileSync(d, 'utf8'), 'y');
  });

  test('a job blocked on ask ends when cancelled', async () => {
    const s = mk('ab-src.txt', 'x');
    const d = mk('ab-dst.txt', 'y');
    const r = await run([{ src: s, dest: d }], { conflict: 'ask' }, (e, job) => {
      if (e.type === 'conflict') setTimeout(() => job.cancel(), 50);
    });
    assert.equal(r.result.cancelled, true);
  });
});

describe('move', () => {
  const dir = tmpDir();
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('same filesystem: one rename, method null, note "renamed", inode kept', async () => {
    const src = path.join(dir, 'mv-src');
    fs.mkdirSync(path.join(src, 'in'), { recursive: true });
    fs.writeFileSync(path.join(src, 'in', 'f'), 'moved');
    const ino = fs.statSync(path.join(src, 'in', 'f')).ino;
    const dest = path.join(dir, 'mv-dst');
    const r = await run([{ src, dest }], { recursive: true, move: true });
    assert.equal(r.records.length, 1);
    assert.equal(r.records[0]!.method, null);
    assert.ok(r.records[0]!.warnings.includes('renamed'));
    assert.equal(fs.existsSync(src), false);
    assert.equal(fs.statSync(path.join(dest, 'in', 'f')).ino, ino);
    const f = path.join(dir, 'mv-file');
    fs.writeFileSync(f, 'file');
    const rf = await copyOne(f, path.join(dir, 'mv-file2'), { move: true });
    assert.equal(rf.method, null);
    assert.equal(fs.existsSync(f), false);
  });

  test('across filesystems: copy, then remove each source', { skip: NEEDS_ROOT }, async () => {
    const a = m.tmpfs(32);
    const b = m.tmpfs(32);
    const src = path.join(a, 'tree');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(src, 'sub', 'x'), 'xx');
    fs.writeFileSync(path.join(src, 'y'), 'yy');
    fs.symlinkSync('y', path.join(src, 'ln'));
    const before = sha256(path.join(src, 'sub', 'x'));
    const dest = path.join(b, 'tree');
    const r = await run([{ src, dest }], { recursive: true, move: true });
    assert.equal(r.result.filesFailed, 0, JSON.stringify(r.records.filter((x) => !x.ok)));
    assert.equal(fs.existsSync(src), false);
    assert.equal(sha256(path.join(dest, 'sub', 'x')), before);
    assert.equal(fs.readlinkSync(path.join(dest, 'ln')), 'y');
    const x = r.records.find((rec) => rec.src.endsWith('/x'))!;
    assert.equal(x.method, 'splice');
  });

  test('a move onto an existing file with conflict=error leaves both', async () => {
    const s = path.join(dir, 'mvc-s');
    const d = path.join(dir, 'mvc-d');
    fs.writeFileSync(s, 's');
    fs.writeFileSync(d, 'd');
    const rec = await copyOne(s, d, { move: true });
    assert.equal(rec.error?.code, 'EEXIST');
    assert.equal(fs.readFileSync(s, 'utf8'), 's');
    assert.equal(fs.readFileSync(d, 'utf8'), 'd');
  });
});

describe('lifetime', () => {
  test('the process exits by itself after a job, also when the JS side dropped the job handle', () => {
    const dir = tmpDir();
    const f = path.join(dir, 'f');
    fs.writeFileSync(f, Buffer.alloc(4 << 20, 3));
    const index = path.join(publicRuntime(), 'dist', 'native', 'index.js');
    const script = `
      import { startJob } from ${JSON.stringify(index)};
      // No reference kept to the job: the handle may be collected while the copy runs.
      for (let i = 0; i < 8; i++) startJob([{ src: ${JSON.stringify(f)}, dest: ${JSON.stringify(dir)} + '/c' + i }], { onEvents: () => {} }).done.then((r) => { if (r.filesDone !== 1) process.exit(3); });
      for (let i = 0; i < 20; i++) { globalThis.gc?.(); await new Promise((r) => setTimeout(r, 5)); }
    `;
    const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { timeout: 30_000, encoding: 'utf8' });
    assert.equal(out, '');
    for (let i = 0; i < 8; i++) assert.equal(fs.statSync(path.join(dir, 'c' + i)).size, 4 << 20);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('teardown', () => {
  test('process.exit() in the middle of a copy: clean exit, nothing left; a worker thread ending mid-job is no crash', () => {
    const index = path.join(publicRuntime(), 'dist', 'native', 'index.js');
    const dest = path.join(work, 'exit.copy');
    const script = `
      import { startJob } from ${JSON.stringify(index)};
      startJob([{ src: ${JSON.stringify(big)}, dest: ${JSON.stringify(dest)} }], { method: 'buffered', onEvents: (e) => {
        if (e.some((x) => x.type === 'progress' && x.current.some((c) => c.bytes > 0))) process.exit(7);
      } });
    `;
    let status = 0;
    try {
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { timeout: 30_000, stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
    }
    assert.equal(status, 7);
    assert.equal(fs.existsSync(dest), false);
    assert.deepEqual(tempLeftovers(work), []);
    const wdest = path.join(work, 'worker.copy');
    const wfile = path.join(work, 'w.cjs');
    fs.writeFileSync(
      wfile,
      `const { parentPort } = require('node:worker_threads');
       import(${JSON.stringify(index)}).then(({ startJob }) => {
         startJob([{ src: ${JSON.stringify(big)}, dest: ${JSON.stringify(wdest)} }], { method: 'buffered', onEvents: (e) => {
           if (e.some((x) => x.type === 'progress' && x.current.some((c) => c.bytes > 0))) parentPort.postMessage('running');
         } });
       });`,
    );
    const wscript = `
      const { Worker } = require('node:worker_threads');
      const w = new Worker(${JSON.stringify(wfile)});
      w.on('message', async () => { await w.terminate(); setTimeout(() => process.stdout.write('main alive'), 100); });
    `;
    const out = execFileSync(process.execPath, ['-e', wscript], { timeout: 30_000, encoding: 'utf8' });
    fs.unlinkSync(wfile);
    assert.equal(out, 'main alive');
    assert.equal(fs.existsSync(wdest), false);
  });
});

describe('unprivileged', () => {
  test('as an ordinary user: O_TMPFILE is linked through /proc/self/fd, trees and overwrites work', { skip: isRoot ? false : 'needs root to switch to an ordinary user' }, () => {
    const dir = tmpDir();
    fs.chmodSync(dir, 0o777);
    const index = path.join(publicRuntime(), 'dist', 'native', 'index.js');
    const script = `
      import fs from 'node:fs';
      import { startJob } from ${JSON.stringify(index)};
      const d = ${JSON.stringify(dir)};
      fs.mkdirSync(d + '/t/sub', { recursive: true });
      fs.writeFileSync(d + '/t/sub/a', 'aaa');
      fs.writeFileSync(d + '/f', 'fff');
      fs.writeFileSync(d + '/g', 'old');
      const recs = [];
      const onEvents = (evs) => { for (const e of evs) if (e.type === 'files') recs.push(...e.records); };
      await startJob([{ src: d + '/t', dest: d + '/t2' }], { recursive: true, onEvents }).done;
      await startJob([{ src: d + '/f', dest: d + '/f2' }, { src: d + '/f', dest: d + '/g' }], { conflict: 'overwrite', onEvents }).done;
      process.stdout.write(JSON.stringify(recs.map((r) => [r.ok, r.error && r.error.message])));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, cwd: dir, timeout: 30_000, encoding: 'utf8' });
    const recs = JSON.parse(out) as [boolean, string | null][];
    assert.ok(recs.length >= 4);
    assert.ok(recs.every(([ok]) => ok), out);
    assert.equal(fs.readFileSync(path.join(dir, 't2', 'sub', 'a'), 'utf8'), 'aaa');
    assert.equal(fs.readFileSync(path.join(dir, 'f2'), 'utf8'), 'fff');
    assert.equal(fs.readFileSync(path.join(dir, 'g'), 'utf8'), 'fff');
    assert.equal(fs.statSync(path.join(dir, 'f2')).uid, 65534);
    assert.deepEqual(tempLeftovers(dir), []);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
