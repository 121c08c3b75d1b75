// A finished tree is never left hidden (issue 9, item 6), seen from the queue: another program
// takes the tree's final name while the job builds it under the engine's hidden name. The job's
// conflict policy applies at publish time ("ask" asks, through the queue's conflict dialog), the
// engine's corrections (`replaces`) are counted in place of the records they name, and nothing
// stays under `.ferry-*.tmp`.
//
// Deterministic: the engine job is paused from its start; once its hidden folder exists the test
// creates the final name, then resumes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ConflictInfo } from '../../electron/contract.js';
import type { RunningJob } from '../../native/index.js';
import { Harness, engine, listFiles, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;
const FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt'];

/** A job service whose engine jobs start paused; `held` resolves with the first one. */
function heldHarness(): { h: Harness; held: Promise<RunningJob> } {
  let got!: (j: RunningJob) => void;
  const held = new Promise<RunningJob>((r) => (got = r));
  const h = new Harness({
    engine: {
      ...engine,
      startJob(pairs, o) {
        const j = engine.startJob(pairs, o);
        j.pause();
        got(j);
        return j;
      },
    },
  });
  return { h, held };
}

function sourceTree(): string {
  const src = tmpdir();
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(src, 't', f)), { recursive: true });
    fs.writeFileSync(path.join(src, 't', f), `ours: ${f}`);
  }
  return src;
}

async function hiddenFolder(h: Harness, dst: string): Promise<void> {
  await h.until(() => fs.readdirSync(dst).some((n) => /^\.ferry-[0-9a-f]{16}\.tmp$/.test(n)), 'the hidden folder');
}

test("the final name taken while the tree was hidden, policy 'ask': the queue asks, the answer holds, the counts add up, nothing hidden", async () => {
  const src = sourceTree();
  const dst = tmpdir();
  const { h, held } = heldHarness();
  const asked: ConflictInfo[] = [];
  h.onEvent = (e) => {
    if (e.event === 'job.conflict') asked.push(e.payload as ConflictInfo);
  };
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: opts() });
    const job = await held;
    await hiddenFolder(h, dst);
    fs.mkdirSync(path.join(dst, 't'));
    fs.writeFileSync(path.join(dst, 't', 'a.txt'), 'theirs'); // the other program's file
    job.resume();
    await h.until(() => asked.length > 0, 'the conflict dialog');
    assert.equal(asked[0]!.dest, path.join(dst, 't', 'a.txt'));
    assert.deepEqual(h.svc.resolveConflict({ jobId, conflictId: asked[0]!.conflictId, decision: 'skip', applyToAll: false }), { ok: true });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.equal(asked.length, 1, 'asked once, for the one name taken');
    assert.equal(fs.readFileSync(path.join(dst, 't', 'a.txt'), 'utf8'), 'theirs', 'kept, as answered');
    assert.deepEqual(listFiles(path.join(dst, 't')).sort(), FILES.slice().sort());
    assert.deepEqual(fs.readdirSync(dst), ['t'], 'nothing left under a hidden name');
    // Corrections replace the records they name: 3 copied + 1 skipped = 4, never 5.
    assert.deepEqual([j.filesDone, j.filesSkipped, j.filesFailed, j.filesNotStarted, j.filesTotal], [3, 1, 0, 0, 4]);
    assert.deepEqual(j.skippedBy, { conflict: 1 });
  } finally {
    await h.dispose();
  }
});

test("the final name taken while the tree was hidden, policy 'rename': the tree is published as 't (1)', counted once there", async () => {
  const src = sourceTree();
  const dst = tmpdir();
  const { h, held } = heldHarness();
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: opts({ conflict: 'rename' }) });
    const job = await held;
    await hiddenFolder(h, dst);
    fs.writeFileSync(path.join(dst, 't'), 'a file took the name');
    job.resume();
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.deepEqual(fs.readdirSync(dst).sort(), ['t', 't (1)']);
    assert.deepEqual(listFiles(path.join(dst, 't (1)')).sort(), FILES.slice().sort());
    assert.deepEqual([j.filesDone, j.filesSkipped, j.filesFailed, j.filesTotal], [4, 0, 0, 4], 'each file once, at its new place');
    const recs = (await h.svc.files({ jobId, offset: 0, limit: 100 })).records;
    assert.ok(recs.some((r) => r.dest === path.join(dst, 't (1)', 'sub', 'c.txt')), 'the queue lists where the files are');
  } finally {
    await h.dispose();
  }
});
