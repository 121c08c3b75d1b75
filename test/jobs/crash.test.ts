// Crash safety: a service in a child process is killed with SIGKILL mid-job; a new service on the
// same data dir shows the job as 'interrupted', and 'resume' finishes it without copying any
// finished file again and without a half-written file under a final name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../../electron/contract.js';
import { Harness, listFiles, makeTree, runUntilKilled, tmpdir } from './helpers.js';

test('SIGKILL mid-job → interrupted → resume: every file equal, none copied twice', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  const N = 3000;
  makeTree(path.join(src, 'tree'), N, 32 * 1024, 250);
  const params = { kind: 'copy', sources: [path.join(src, 'tree')], destDir: dst, options: { method: 'auto', conflict: 'ask', verify: false, fsync: true, preserve: true } };
  const { jobId, doneAtKill } = await runUntilKilled(dataDir, params, (done) => done >= 400);
  // What the killed run left. Under the final name, only complete files. A new top folder is
  // built under the engine's hidden name (.ferry-<hex>.tmp) and only renamed when complete.
  const finalTree = path.join(dst, 'tree');
  if (fs.existsSync(finalTree)) {
    for (const f of listFiles(finalTree)) assert.ok(fs.readFileSync(path.join(finalTree, f)).equals(fs.readFileSync(path.join(src, 'tree', f))), `complete: ${f}`);
  }
  const hidden = fs.readdirSync(dst).filter((n) => n.startsWith('.ferry-'));
  const where = (dest: string): string | null => {
    if (fs.existsSync(dest)) return dest;
    for (const n of hidden) {
      const p = path.join(dst, n, path.relative(finalTree, dest));
      if (fs.existsSync(p)) return p;
    }
    return null;
  };
  // Files the log says finished before the kill: remember their inodes (a copy would be a new one).
  const logged = fs
    .readFileSync(path.join(dataDir, 'logs', `${jobId}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LogRecord)
    .filter((r) => r.type === 'file' && r.ok);
  const before = new Map<string, number>();
  for (const r of logged) {
    const p = where(r.dest);
    assert.ok(p, `a logged file exists: ${r.dest}`);
    assert.ok(fs.readFileSync(p).equals(fs.readFileSync(r.src)), `a logged file is complete: ${r.dest}`);
    before.set(r.dest, fs.statSync(p).ino);
  }
  assert.ok(before.size >= 1 && before.size < N, `killed mid-job (${before.size} files logged, ${doneAtKill} reported)`);

  const h = new Harness({ dataDir });
  try {
    await h.svc.init();
    assert.equal(h.job(jobId).state, 'interrupted');
    await h.svc.control({ jobId, action: 'resume' });
    const j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    const failed = (await h.svc.logRead({ offset: 0, limit: 3, jobId, errorsOnly: true })).records;
    assert.equal(j.state, 'done', JSON.stringify([j.error, failed]));
    assert.equal(j.filesDone, N);
    assert.equal(h.events.filter((e) => e.event === 'job.conflict').length, 0, 'no conflict asked about our own files');
    assert.deepEqual(fs.readdirSync(dst), ['tree'], 'no hidden temp left behind');
    const after = listFiles(finalTree);
    assert.equal(after.length, N);
    for (const f of after) assert.ok(fs.readFileSync(path.join(finalTree, f)).equals(fs.readFileSync(path.join(src, 'tree', f))), f);
    // Finished files were not copied again: same inode (the engine publishes a copy as a new file).
    for (const [dest, ino] of before) assert.equal(fs.statSync(dest).ino, ino, `not copied twice: ${dest}`);
    // And the log has exactly one successful copy per source.
    const log = (await h.svc.logRead({ offset: 0, limit: 5000, jobId })).records as LogRecord[];
    const copies = new Map<string, number>();
    for (const r of log) if (r.type === 'file' && r.ok && !r.skipped) copies.set(r.src, (copies.get(r.src) ?? 0) + 1);
    assert.ok([...copies.values()].every((n) => n === 1), 'one copy per source in the log');
    console.log(`# crash: killed after ${before.size} of ${N} files; resume copied ${N - before.size}; log holds ${copies.size} copies`);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});
