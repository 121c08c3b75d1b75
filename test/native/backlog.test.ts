// The engine's backlog (native/src/reporter.h): the records a job has added and JS has not taken
// are bounded, so a main thread that falls behind holds the engine instead of letting batches pile
// up in memory; nothing is lost on the way, and a cancel goes through while JS takes nothing.
// Each test blocks the JS thread inside the first onEvents call (Atomics.wait) and watches the
// destination on disk from there: what the engine does meanwhile is what it does without JS.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startJob, type FileRecord } from '../../native/index.js';
import { isRoot, Mounts, tmpDir } from './_util.js';

const N = 20_000;
const m = new Mounts();
let work = '';
let src = '';

before(() => {
  work = isRoot ? m.tmpfs(512) : tmpDir();
  src = path.join(work, 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < N; i++) fs.closeSync(fs.openSync(path.join(src, `file-${String(i).padStart(6, '0')}`), 'w'));
});
after(() => {
  m.cleanup();
  if (!isRoot) fs.rmSync(work, { recursive: true, force: true });
});

const cell = new Int32Array(new SharedArrayBuffer(4));
/** Sleeps without letting the event loop turn. */
const block = (ms: number) => Atomics.wait(cell, 0, 0, ms);

/** Files copied so far into `parent/name`, or into the hidden folder the new tree is built in. */
function copied(parent: string, name: string): number {
  let n = 0;
  for (const e of fs.readdirSync(parent)) if (e === name || e.startsWith('.ferry-')) n += fs.readdirSync(path.join(parent, e)).length;
  return n;
}

/** Blocks the JS thread until the copy stops growing for 600 ms (or is complete); returns its count. */
function blockUntilStill(parent: string, name: string): number {
  let last = -1;
  let still = 0;
  const t0 = Date.now();
  for (;;) {
    block(100);
    const n = copied(parent, name);
    still = n === last ? still + 1 : 0;
    last = n;
    if (n >= N || still >= 6 || Date.now() - t0 > 120_000) return n;
  }
}

describe('the engine waits for JS', () => {
  test('JS takes nothing for a while: the engine stops far short of the end, then nothing is lost', async () => {
    const parent = fs.mkdtempSync(path.join(work, 'slow-'));
    const dest = path.join(parent, 'copy');
    const records: FileRecord[] = [];
    let held = -1;
    const job = startJob([{ src, dest }], {
      recursive: true,
      onEvents: (evs) => {
        if (held < 0) held = blockUntilStill(parent, 'copy');
        for (const e of evs) if (e.type === 'files') records.push(...e.records);
      },
    });
    const r = await job.done;
    console.log(`# with JS blocked the engine stopped at ${held} of ${N} files`);
    // 512 KiB of records at about 300 bytes each, plus what the workers had in hand.
    assert.ok(held > 0 && held < 4000, `the engine went on to ${held} of ${N} files while JS took nothing`);
    assert.equal(r.cancelled, false);
    assert.equal(r.filesFailed, 0);
    const files = records.filter((x) => x.type === 'file');
    assert.equal(files.length, N, 'one record per file');
    assert.equal(new Set(files.map((x) => x.dest)).size, N, 'no record twice');
    assert.ok(files.every((x) => x.ok));
    assert.equal(fs.readdirSync(dest).length, N);
  });

  test('cancel while JS still takes nothing: the engine ends its work without JS', async () => {
    const parent = fs.mkdtempSync(path.join(work, 'cancel-'));
    const dest = path.join(parent, 'copy');
    const records: FileRecord[] = [];
    let published = false;
    let cancelMs = -1;
    const job = startJob([{ src, dest }], {
      recursive: true,
      onEvents: (evs) => {
        if (cancelMs < 0) {
          blockUntilStill(parent, 'copy');
          const t0 = Date.now();
          job.cancel();
          cancelMs = Date.now() - t0;
          // A cancelled new tree is renamed into place once its workers are done: that happens
          // while this thread still takes nothing, or the workers are stuck waiting for it.
          for (let i = 0; i < 100 && !published; i++) {
            block(50);
            published = fs.existsSync(dest);
          }
        }
        for (const e of evs) if (e.type === 'files') records.push(...e.records);
      },
    });
    const r = await job.done;
    assert.ok(cancelMs >= 0 && cancelMs < 100, `cancel() returned after ${cancelMs} ms`);
    assert.ok(published, 'the workers ended (the tree was published) while JS was still blocked');
    assert.equal(r.cancelled, true);
    // Every file the records call copied is there, and nothing else.
    const ok = records.filter((x) => x.type === 'file' && x.ok).map((x) => path.basename(x.dest));
    assert.deepEqual(fs.readdirSync(dest).sort(), ok.sort());
    assert.ok(ok.length < N, 'the cancel came before the end');
  });
});
