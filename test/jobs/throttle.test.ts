// Progress to the renderer is throttled whatever the file count: ≤ 30 messages in any second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { FileRecord } from '../../electron/contract.js';
import { Harness, makeTree, tmpdir } from './helpers.js';

test('a 20k-file job sends ≤ 30 messages per second and every record exactly once', async () => {
  const N = 20_000;
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'small'), N, 64, 1000);
  const h = new Harness();
  try {
    const { jobId } = await h.svc.start({
      kind: 'copy',
      sources: [path.join(src, 'small')],
      destDir: dst,
      options: { method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true },
    });
    const j = await h.finished(jobId);
    // Records may trail the final state by a few ticks (messages are capped in size).
    const sentFiles = () => h.events.filter((e) => e.event === 'job.files').reduce((a, e) => a + (e.payload as { records: FileRecord[] }).records.filter((r) => r.type === 'file').length, 0);
    await h.until(() => sentFiles() >= N, 'every record sent');
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.equal(j.filesDone, N);
    const times = h.events.map((e) => e.t);
    let worst = 0;
    for (let i = 0, k = 0; i < times.length; i++) {
      while (times[i]! - times[k]! >= 1000) k++;
      worst = Math.max(worst, i - k + 1);
    }
    const first = times[0]!;
    const secs = Math.max(1, (times[times.length - 1]! - first) / 1000);
    console.log(`# throttle: ${N} files, ${h.events.length} messages over ${secs.toFixed(1)} s, worst 1-s window ${worst}`);
    assert.ok(worst <= 30, `at most 30 messages in any 1-s window (saw ${worst})`);
    const recs = h.events.filter((e) => e.event === 'job.files').flatMap((e) => (e.payload as { records: FileRecord[] }).records);
    const files = recs.filter((r) => r.type === 'file');
    assert.equal(files.length, N);
    assert.equal(new Set(files.map((r) => r.src)).size, N);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});
