// A new tree's final name taken while the job runs (issue 9, item 6): another program creates it
// after the engine started building the tree under its hidden name. The job's conflict policy
// applies at publish time, as if the name had been taken at the start ("ask" asks); records that
// no longer say where an entry is get corrections (`replaces`); nothing stays hidden.
//
// Deterministic: the job starts paused (`paused: true`); once its hidden folder exists, the test
// creates the final name, then resumes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findTemps, startJob, type ConflictPolicy, type EngineEvent, type FileRecord, type JobResult, type RunningJob } from '../../native/index.js';
import { isRoot, Mounts, tmpDir } from './_util.js';

const m = new Mounts();
let dir = '';
let src = '';
const FILES = ['a.txt', 'b.txt', 'sub/c.txt', 'sub/d.txt'];

before(() => {
  dir = isRoot ? m.tmpfs(256) : tmpDir();
  src = path.join(dir, 'src');
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(src, f)), { recursive: true });
    fs.writeFileSync(path.join(src, f), `ours: ${f}`);
  }
});
after(() => {
  m.cleanup();
  if (!isRoot) fs.rmSync(dir, { recursive: true, force: true });
});

/** The job's word on each destination, corrections applied (a later record replaces the one it names). */
function finalRecords(records: FileRecord[]): Map<string, FileRecord> {
  const out = new Map<string, FileRecord>();
  for (const r of records) {
    if (r.replaces !== undefined) out.delete(r.replaces);
    out.set(r.dest, r);
  }
  return out;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(cond(), 'timed out');
}

/**
 * Copies `src` to `dest` (a new folder) and, while the tree is hidden, runs `take` (the other
 * program). `onConflict` answers 'ask'.
 */
async function copyWhileTaken(
  dest: string,
  conflict: ConflictPolicy,
  take: () => void,
  onConflict?: (e: Extract<EngineEvent, { type: 'conflict' }>, job: RunningJob) => void,
): Promise<{ records: FileRecord[]; result: JobResult; conflicts: string[] }> {
  const records: FileRecord[] = [];
  const conflicts: string[] = [];
  let job!: RunningJob;
  job = startJob([{ src, dest }], {
    recursive: true,
    conflict,
    // Paused from its start (a pause() after startJob() can come after a 4-file job is over).
    paused: true,
    onEvents: (evs) => {
      for (const e of evs) {
        if (e.type === 'files') records.push(...e.records);
        if (e.type === 'conflict') {
          conflicts.push(e.dest);
          onConflict?.(e, job);
        }
      }
    },
  });
  const parent = path.dirname(dest);
  await until(() => fs.readdirSync(parent).some((n) => /^\.ferry-[0-9a-f]{16}\.tmp$/.test(n)));
  take();
  job.resume();
  const result = await job.done;
  return { records, result, conflicts };
}

async function noTemps(): Promise<void> {
  assert.deepEqual(await findTemps(dir, { recursive: true }), []);
}

describe('the final name taken while the tree was built', () => {
  test("'skip', taken by a file: the tree is removed, every entry's record is corrected to skipped", async () => {
    const dest = path.join(dir, 'skip-file');
    const { records, result } = await copyWhileTaken(dest, 'skip', () => fs.writeFileSync(dest, 'theirs'));
    assert.equal(fs.readFileSync(dest, 'utf8'), 'theirs');
    const fin = finalRecords(records);
    for (const f of FILES) {
      const r = fin.get(path.join(dest, f));
      assert.deepEqual([r?.ok, r?.skipped, r?.skipReason, r?.replaces], [false, true, 'conflict', path.join(dest, f)], JSON.stringify(r));
    }
    const top = fin.get(dest)!;
    assert.deepEqual([top.skipped, top.skipReason], [true, 'conflict']);
    assert.deepEqual(result.counts, { copied: 0, skipped: 4, failed: 0, notStarted: 0 });
    assert.deepEqual(result.incomplete, []);
    await noTemps();
  });

  test("'rename', taken by a folder: the tree is published as 'name (1)', records moved there", async () => {
    const dest = path.join(dir, 'ren');
    const { records, result } = await copyWhileTaken(dest, 'rename', () => {
      fs.mkdirSync(dest);
      fs.writeFileSync(path.join(dest, 'theirs.txt'), 'theirs');
    });
    assert.deepEqual(fs.readdirSync(dest), ['theirs.txt'], 'their folder is untouched');
    const now = path.join(dir, 'ren (1)');
    const fin = finalRecords(records);
    for (const f of FILES) {
      assert.equal(fs.readFileSync(path.join(now, f), 'utf8'), `ours: ${f}`);
      const r = fin.get(path.join(now, f));
      assert.deepEqual([r?.ok, r?.replaces], [true, path.join(dest, f)], JSON.stringify(r));
      assert.equal(r?.ino, fs.lstatSync(path.join(now, f)).ino);
      assert.equal(fin.has(path.join(dest, f)), false);
    }
    assert.equal(fin.get(now)?.ok, true);
    assert.deepEqual(result.counts, { copied: 4, skipped: 0, failed: 0, notStarted: 0 });
    await noTemps();
  });

  test("'overwrite', taken by a folder: merged into it; a name both have gets ours (no longer 'created'), theirs stay", async () => {
    const dest = path.join(dir, 'ovw');
    const { records, result } = await copyWhileTaken(dest, 'overwrite', () => {
      fs.mkdirSync(path.join(dest, 'sub'), { recursive: true });
      fs.writeFileSync(path.join(dest, 'a.txt'), 'theirs a');
      fs.writeFileSync(path.join(dest, 'sub', 'extra.txt'), 'theirs extra');
    });
    for (const f of FILES) assert.equal(fs.readFileSync(path.join(dest, f), 'utf8'), `ours: ${f}`);
    assert.equal(fs.readFileSync(path.join(dest, 'sub', 'extra.txt'), 'utf8'), 'theirs extra');
    const fin = finalRecords(records);
    const a = fin.get(path.join(dest, 'a.txt'))!;
    assert.deepEqual([a.ok, a.replaces, 'ino' in a], [true, path.join(dest, 'a.txt'), false]);
    assert.equal(fin.get(path.join(dest, 'b.txt'))?.replaces, undefined, 'a free name needs no correction');
    assert.ok(fin.get(dest)?.warnings.some((w) => /was created while the copy ran: merged into it/.test(w)));
    assert.deepEqual(result.counts, { copied: 4, skipped: 0, failed: 0, notStarted: 0 });
    await noTemps();
  });

  test("'ask': the merge asks about the taken name through the conflict event", async () => {
    const dest = path.join(dir, 'ask');
    const { records, conflicts } = await copyWhileTaken(
      dest,
      'ask',
      () => {
        fs.mkdirSync(dest);
        fs.writeFileSync(path.join(dest, 'b.txt'), 'theirs b');
      },
      (e, job) => job.resolveConflict(e.conflictId, 'skip', false),
    );
    assert.deepEqual(conflicts, [path.join(dest, 'b.txt')]);
    assert.equal(fs.readFileSync(path.join(dest, 'b.txt'), 'utf8'), 'theirs b');
    assert.equal(fs.readFileSync(path.join(dest, 'a.txt'), 'utf8'), 'ours: a.txt');
    const b = finalRecords(records).get(path.join(dest, 'b.txt'))!;
    assert.deepEqual([b.skipped, b.skipReason, b.replaces], [true, 'conflict', path.join(dest, 'b.txt')]);
    await noTemps();
  });

  test("'error', taken by a file: the folder fails EEXIST, its entries' records say failed, nothing hidden", async () => {
    const dest = path.join(dir, 'err');
    const { records, result } = await copyWhileTaken(dest, 'error', () => fs.writeFileSync(dest, 'theirs'));
    const fin = finalRecords(records);
    assert.equal(fin.get(dest)?.error?.code, 'EEXIST');
    for (const f of FILES) assert.equal(fin.get(path.join(dest, f))?.error?.code, 'EEXIST');
    assert.deepEqual(result.counts, { copied: 0, skipped: 0, failed: 4, notStarted: 0 });
    assert.equal(fs.readFileSync(dest, 'utf8'), 'theirs');
    await noTemps();
  });
});
