// A move killed with SIGKILL at random points, then resumed (issue 9, item 2): the resumed move
// finishes the move. A destination that is complete and equal to its source (same size and mtime,
// or the same hash with verify on) has its source removed, entries moved but not yet logged are
// counted, folders the move emptied go. After each round: nothing left at the source, every file
// at the destination equal to what it was, and the job "done" with the right counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { Harness, listFiles, makeTree, runUntilKilled, tmpdir, treeContent } from './helpers.js';

const N = 240;
const SIZE = 48 * 1024;
const PER_DIR = 40;

async function round(label: string, destRoot: string, verify: boolean, killAt: number): Promise<string> {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = fs.mkdtempSync(path.join(destRoot, 'dst-'));
  makeTree(path.join(src, 'tree'), N, SIZE, PER_DIR);
  fs.writeFileSync(path.join(src, 'loose.txt'), 'loose');
  const params = { kind: 'move', sources: [path.join(src, 'tree'), path.join(src, 'loose.txt')], destDir: dst, options: { method: 'auto', conflict: 'ask', verify, fsync: false, preserve: true } };
  // With verify on, the kill point falls in the copy (first half) or in the verification (second).
  const { jobId, killed, doneAtKill } = await runUntilKilled(dataDir, params, (done, t) => (verify ? done + t.verified : done) >= killAt);
  const leftAtSource = fs.existsSync(path.join(src, 'tree')) ? listFiles(path.join(src, 'tree')).length : 0;
  const h = new Harness({ dataDir });
  try {
    await h.svc.init();
    if (h.job(jobId).state === 'interrupted') await h.svc.control({ jobId, action: 'resume' });
    const j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    const errors = (await h.svc.logRead({ offset: 0, limit: 5, jobId, errorsOnly: true })).records.map((r) => r.error?.message);
    assert.ok(!fs.existsSync(path.join(src, 'tree')), `${label}: nothing left at the source (${fs.existsSync(path.join(src, 'tree')) ? listFiles(path.join(src, 'tree')).join(', ') : ''})`);
    assert.ok(!fs.existsSync(path.join(src, 'loose.txt')), `${label}: the loose file moved`);
    assert.equal(j.state, 'done', `${label}: ${JSON.stringify([j.error, errors])}`);
    assert.deepEqual(
      { done: j.filesDone, skipped: j.filesSkipped, failed: j.filesFailed, notStarted: j.filesNotStarted, total: j.filesTotal },
      { done: N + 1, skipped: 0, failed: 0, notStarted: 0, total: N + 1 },
      `${label}: the right counts`,
    );
    const files = listFiles(path.join(dst, 'tree'));
    assert.equal(files.length, N, `${label}: every file at the destination`);
    for (let i = 0; i < N; i++) {
      const rel = path.join('tree', `d${Math.floor(i / PER_DIR)}`, `f${i}.bin`);
      assert.ok(fs.readFileSync(path.join(dst, rel)).equals(treeContent(i, SIZE)), `${label}: ${rel} equal`);
    }
    assert.deepEqual(fs.readdirSync(dst).sort(), ['loose.txt', 'tree'], `${label}: no temp left`);
    return `${label}: killed ${killed ? `after ${doneAtKill}` : 'never (finished first)'}, ${leftAtSource} left at the source`;
  } finally {
    await h.dispose();
    fs.rmSync(dst, { recursive: true, force: true });
  }
}

test('kill -9 at random points of a move across filesystems, then resume: the move is finished, counts right', { skip: skipUnlessMountable('ext4') }, async () => {
  const m = await makeMount('ext4', 160);
  const notes: string[] = [];
  try {
    for (let i = 0; i < 6; i++) notes.push(await round(`move #${i + 1}`, m.dir, false, 1 + Math.floor(Math.random() * (N - 1))));
    for (let i = 0; i < 3; i++) notes.push(await round(`verified move #${i + 1}`, m.dir, true, 1 + Math.floor(Math.random() * (2 * N - 1))));
  } finally {
    await m.cleanup();
  }
  for (const n of notes) console.log(`# ${n}`);
});

test('kill -9 during a move on one filesystem, then resume: done, nothing left at the source', async () => {
  const notes: string[] = [];
  for (let i = 0; i < 2; i++) notes.push(await round(`same-fs move #${i + 1}`, tmpdir(), false, 1));
  for (const n of notes) console.log(`# ${n}`);
});
