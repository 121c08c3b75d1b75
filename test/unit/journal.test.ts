// The queue journal: append-only lines over an atomic snapshot; torn lines and huge source lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Journal, newStoredJob, type StoredJob } from '../../electron/jobs/journal.js';
import { tmpdir } from './fixtures.js';

function job(id: string, sources: string[]): StoredJob {
  return newStoredJob({
    id,
    kind: 'copy',
    sources,
    destDir: '/d',
    options: { method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true },
    createdAt: 1,
  });
}

test('journal: replays lines over the snapshot, ignores a torn last line, writes big source lists once', () => {
  const dir = tmpdir('ferry-journal-');
  try {
    const j = new Journal(dir);
    j.load();
    const sources = Array.from({ length: 10_000 }, (_, i) => `/src/file-${i}`);
    const a = job('a', sources);
    j.put(a);
    for (const st of ['scanning', 'running', 'paused', 'running'] as const) {
      a.state = st;
      j.put(a);
    }
    j.put(job('b', ['/x']));
    j.order(['b', 'a']);
    j.remove('gone');
    const journal = fs.readFileSync(path.join(dir, 'queue.journal.jsonl'), 'utf8');
    assert.equal(journal.split('/src/file-9999').length - 1, 1, 'the source list is written once');
    // A crash mid-append leaves half a line.
    fs.appendFileSync(path.join(dir, 'queue.journal.jsonl'), '{"op":"put","job":{"id":"a","sta');
    const k = new Journal(dir);
    const { jobs } = k.load();
    assert.deepEqual(jobs.map((x) => x.id), ['b', 'a']);
    assert.equal(jobs[1]!.state, 'running');
    assert.equal(jobs[1]!.sources.length, 10_000);
    // Loading compacted everything into the snapshot and emptied the journal.
    assert.equal(fs.readFileSync(path.join(dir, 'queue.journal.jsonl'), 'utf8'), '');
    const snap = JSON.parse(fs.readFileSync(path.join(dir, 'queue.json'), 'utf8')) as { jobs: StoredJob[] };
    assert.equal(snap.jobs.length, 2);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp snapshot left');
    k.close();
    j.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
