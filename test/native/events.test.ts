// How a job's records reach JS (native/src/json.cc events_to_json, native/index.ts EngineFiles):
// each files event's records cross as one JSON text, decoded only when a consumer reads them, and
// the event says how many records it holds, failed and changed without decoding anything.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startJob, type EngineEvent, type FilesEvent } from '../../native/index.js';
import { tmpDir } from './_util.js';

const N = 600;
let dir = '';
let src = '';
before(() => {
  dir = tmpDir('ferry-events-');
  src = path.join(dir, 'src');
  fs.mkdirSync(src);
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(src, `f${i}.txt`), `file ${i}`);
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs a copy of the tree plus two missing sources (2 failures); `read` decides whether records are read. */
async function copy(dest: string, read: boolean): Promise<FilesEvent[]> {
  const files: FilesEvent[] = [];
  const job = startJob(
    [
      { src, dest },
      { src: path.join(dir, 'missing-1'), dest: path.join(dir, 'm1') },
      { src: path.join(dir, 'missing-2'), dest: path.join(dir, 'm2') },
    ],
    {
      recursive: true,
      threads: 2,
      onEvents: (evs: EngineEvent[]) => {
        for (const e of evs) {
          if (e.type !== 'files') continue;
          files.push(e);
          if (read) assert.ok(e.records.length > 0);
        }
      },
    },
  );
  const r = await job.done;
  assert.equal(r.filesDone, N);
  assert.equal(r.filesFailed, 2);
  return files;
}

describe('files events', () => {
  test('each says how many records it holds, failed and changed, as its records do; JSON gives the plain shape', async () => {
    const files = await copy(path.join(dir, 'copy-a'), false);
    let count = 0;
    let failed = 0;
    for (const e of files) {
      assert.equal(e.count, e.records.length);
      assert.equal(e.failed, e.records.filter((r) => !r.ok && !r.skipped).length);
      assert.equal(e.changed, e.records.filter((r) => r.changed).length);
      count += e.count;
      failed += e.failed;
      const plain = JSON.parse(JSON.stringify(e)) as FilesEvent;
      assert.deepEqual(plain, { type: 'files', records: e.records, count: e.count, failed: e.failed, changed: e.changed });
    }
    assert.equal(count, N + 1 + 2, 'every file, the folder and the two missing sources');
    assert.equal(failed, 2);
    const missing = files.flatMap((e) => e.records).find((r) => r.src.endsWith('missing-1'));
    assert.equal(missing?.error?.code, 'ENOENT');
  });

  test('records are decoded only when read: a consumer that counts parses none of them', async () => {
    const parse = JSON.parse;
    let recordTexts = 0;
    JSON.parse = ((text: string, reviver?: Parameters<typeof JSON.parse>[1]) => {
      if (typeof text === 'string' && text.startsWith('[{"src":')) recordTexts++;
      return parse(text, reviver);
    }) as typeof JSON.parse;
    try {
      const counted = await copy(path.join(dir, 'copy-b'), false);
      assert.equal(recordTexts, 0, 'nothing decoded for a consumer that did not read records');
      assert.ok(counted.length > 0);
      const read = await copy(path.join(dir, 'copy-c'), true);
      assert.equal(recordTexts, read.length, 'one decode per files event, when read');
    } finally {
      JSON.parse = parse;
    }
  });
});
