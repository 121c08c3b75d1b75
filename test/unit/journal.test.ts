// The queue journal: append-only lines over an atomic snapshot; torn lines and huge source lists;
// damaged files (moved aside, never overwritten), self-sufficient lines, a data folder Ferry cannot use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { DataDirError, Journal, JOURNAL, newStoredJob, prepareDataDir, PREV_SNAPSHOT, SNAPSHOT, type StoredJob } from '../../electron/jobs/journal.js';
import { LogStore } from '../../electron/jobs/log-store.js';
import { fileRecord, tmpdir } from './fixtures.js';

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
    // Loading compacted everything into the snapshot and started a new journal (a header line only).
    assert.deepEqual(fs.readFileSync(path.join(dir, 'queue.journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).op), ['begin']);
    const snap = JSON.parse(fs.readFileSync(path.join(dir, 'queue.json'), 'utf8')) as { jobs: StoredJob[] };
    assert.equal(snap.jobs.length, 2);
    assert.deepEqual(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temp snapshot left');
    k.close();
    j.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const J = (dir: string, name: string) => path.join(dir, name);
const ids = (jobs: StoredJob[]) => jobs.map((x) => x.id);

test('journal: a damaged snapshot is moved aside, never overwritten; the previous one and both journals rebuild the queue exactly', () => {
  const dir = tmpdir('ferry-journal-');
  const j = new Journal(dir);
  j.load();
  const sources = Array.from({ length: 1000 }, (_, i) => `/src/f${i}`);
  const a = job('a', sources);
  j.put(a);
  j.put(job('b', ['/b']));
  j.compact();
  a.state = 'running';
  j.put(a);
  j.put(job('c', ['/c']));
  j.compact();
  a.state = 'done';
  a.filesDone = 1000;
  j.put(a);
  j.remove('b');
  j.order(['c', 'a']);
  const expected = j.jobs();
  // Cut the newest snapshot short, as a crash during a copy of the data folder would.
  const snap = fs.readFileSync(J(dir, SNAPSHOT));
  fs.writeFileSync(J(dir, SNAPSHOT), snap.subarray(0, snap.length >> 1));
  const damaged = fs.readFileSync(J(dir, SNAPSHOT));
  const k = new Journal(dir);
  const { jobs, report } = k.load();
  assert.deepEqual(jobs, expected, 'rebuilt exactly: the previous snapshot plus both journals');
  assert.equal(report.source, 'previous');
  assert.equal(report.lost.length, 0);
  assert.equal(report.damaged.length, 1);
  assert.equal(report.damaged[0]!.file, SNAPSHOT);
  assert.ok(fs.readFileSync(J(dir, report.damaged[0]!.keptAs)).equals(damaged), 'the damaged file is kept as it was');
  assert.deepEqual(new Journal(dir).load().jobs, expected, 'and the new snapshot is good');
});

test('journal: a job comes back from the journal alone with its sources, or is reported lost — never with sources: []', () => {
  const dir = tmpdir('ferry-journal-');
  const j = new Journal(dir);
  j.load();
  const a = job('a', ['/s/1', '/s/2']);
  j.put(a);
  j.compact();
  a.state = 'running'; // the first line about a after a compaction carries it whole
  j.put(a);
  a.state = 'paused'; // later lines leave the sources out
  j.put(a);
  const lines = fs.readFileSync(J(dir, JOURNAL), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => [l.op, Array.isArray(l.job?.sources)]), [['begin', false], ['put', true], ['put', false]]);
  // Both snapshots are lost (a second crash while the disk was full, say).
  fs.rmSync(J(dir, SNAPSHOT));
  fs.rmSync(J(dir, PREV_SNAPSHOT));
  // An old journal line about a job whose sources were only in a lost snapshot.
  fs.appendFileSync(J(dir, JOURNAL), JSON.stringify({ op: 'put', job: { ...job('z', ['/x']), sources: undefined, state: 'running' } }) + '\n');
  const { jobs, report } = new Journal(dir).load();
  assert.deepEqual(ids(jobs), ['a']);
  assert.deepEqual(jobs[0]!.sources, ['/s/1', '/s/2']);
  assert.equal(jobs[0]!.state, 'paused');
  assert.equal(report.source, 'journal');
  assert.deepEqual(report.lost, [{ id: 'z', destDir: '/d', state: 'running' }]);
});

test('journal: bad lines (null, wrong shapes, garbage, a torn tail) are skipped and kept aside; Ferry still starts', () => {
  const dir = tmpdir('ferry-journal-');
  const x = job('x', ['/s/x']);
  const text = [
    JSON.stringify({ op: 'begin', gen: 1 }),
    JSON.stringify({ op: 'put', job: x }),
    'null',
    '{"op":"order","ids":null}',
    'garbage {{{',
    '{"op":"put","job":null}',
    '{"op":"put","job":{"id":"../etc","kind":"copy","state":"done","destDir":"/d"}}',
    '{"op":"put","job":{"id":"y","kind":"copy","state":"queued","destDir":"/d","sources":[]}}',
    '42',
    JSON.stringify({ op: 'put', job: { ...x, sources: undefined, state: 'done', filesDone: 3 } }),
    '{"op":"put","jo',
  ].join('\n');
  fs.writeFileSync(J(dir, JOURNAL), text);
  const { jobs, report } = new Journal(dir).load();
  assert.deepEqual(ids(jobs), ['x']);
  assert.equal(jobs[0]!.state, 'done');
  assert.equal(jobs[0]!.filesDone, 3);
  assert.equal(report.badLines, 8);
  const kept = report.damaged.find((d) => d.file === JOURNAL)!;
  assert.equal(fs.readFileSync(J(dir, kept.keptAs), 'utf8'), text, 'the journal with its bad lines is kept aside as it was');
});

test('journal: a folder where queue.json should be is moved aside, and the queue comes from the journal', () => {
  const dir = tmpdir('ferry-journal-');
  const j = new Journal(dir);
  j.load();
  j.put(job('a', ['/s/a']));
  fs.rmSync(J(dir, SNAPSHOT));
  fs.rmSync(J(dir, PREV_SNAPSHOT), { force: true });
  fs.mkdirSync(J(dir, SNAPSHOT));
  const { jobs, report } = new Journal(dir).load();
  assert.deepEqual(ids(jobs), ['a']);
  assert.equal(report.damaged[0]!.file, SNAPSHOT);
  assert.ok(fs.statSync(J(dir, report.damaged[0]!.keptAs)).isDirectory(), 'moved aside, not deleted');
  assert.ok(fs.statSync(J(dir, SNAPSHOT)).isFile());
});

test('data folder: a file where the logs folder should be is moved aside; one Ferry cannot write is a DataDirError in the user\'s terms', { skip: process.getuid?.() !== 0 && 'needs root (chattr +i)' }, () => {
  const dir = tmpdir('ferry-data-');
  fs.writeFileSync(J(dir, 'logs'), 'not a folder');
  const damaged = prepareDataDir(dir);
  assert.equal(damaged[0]!.file, 'logs');
  assert.ok(fs.statSync(J(dir, 'logs')).isDirectory());
  const locked = tmpdir('ferry-data-');
  execFileSync('chattr', ['+i', locked]);
  try {
    assert.throws(
      () => prepareDataDir(locked),
      (e: unknown) => e instanceof DataDirError && e.code === 'EPERM' && e.message.startsWith(`EPERM: Ferry's data folder '${locked}' cannot be used: operation not permitted`) && !/\n\s+at /.test(e.message),
    );
    assert.throws(() => new Journal(locked).load(), (e: unknown) => e instanceof DataDirError && e.code === 'EPERM');
  } finally {
    execFileSync('chattr', ['-i', locked]);
  }
});

test('job log: lines that are not records are skipped and reported once; a record appended after a torn tail stays readable', async () => {
  const dataDir = tmpdir('ferry-data-');
  const logs = new LogStore(dataDir);
  const good = { ...fileRecord({ dest: '/d/1' }), jobId: 'j1', time: 1 };
  fs.writeFileSync(logs.file('j1'), [JSON.stringify(good), 'null', '{"src":1}', '[]', 'garbage', '{"src":"/s","dest":"/d/2","ty'].join('\n'));
  const damaged: [string, number][] = [];
  logs.onDamaged = (id, n) => damaged.push([id, n]);
  assert.deepEqual((await logs.records('j1')).map((r) => r.dest), ['/d/1']);
  assert.deepEqual(damaged, [['j1', 5]]);
  logs.append('j1', [fileRecord({ dest: '/d/3' })]);
  await logs.closeJob('j1');
  const again = new LogStore(dataDir);
  assert.deepEqual((await again.records('j1')).map((r) => r.dest), ['/d/1', '/d/3']);
});

test('recovery notice: says where the queue came from, what was kept aside, what was recovered and what was lost', async () => {
  const { recoveryNotice } = await import('../../electron/jobs/notices.js');
  const kept = { file: SNAPSHOT, keptAs: 'queue.json.damaged-x', error: 'not valid JSON' };
  assert.equal(recoveryNotice({ source: 'snapshot', damaged: [], badLines: 0, lost: [] }, [], 3), null, 'a clean start says nothing');
  const ok = recoveryNotice({ source: 'previous', damaged: [kept], badLines: 0, lost: [] }, [job('a', ['/s/photos'])], 2)!;
  assert.equal(ok.level, 'warning');
  assert.equal(ok.title, 'The transfer queue was damaged and has been recovered');
  assert.match(ok.message, /^Ferry rebuilt its queue from the previous copy of the queue file and the journal: 2 transfers recovered, 1 of them interrupted/);
  assert.deepEqual(ok.details, ['queue.json: not valid JSON; kept as queue.json.damaged-x', 'recovered, ready to resume: copy of photos to /d']);
  const none = recoveryNotice({ source: 'empty', damaged: [kept], badLines: 0, lost: [] }, [], 0)!;
  assert.equal(none.level, 'error');
  assert.equal(none.title, 'The transfer queue was damaged and could not be recovered');
  const lost = recoveryNotice({ source: 'journal', damaged: [], badLines: 1, lost: [{ id: 'z', destDir: '/m', state: 'running' }] }, [], 0)!;
  assert.match(lost.title, /1 transfer could not be recovered/);
  assert.ok(lost.details.includes('not recovered (its list of sources was lost): transfer z to /m, last running'));
  const settings = recoveryNotice({ source: 'snapshot', damaged: [{ file: 'settings.json', keptAs: 'settings.json.damaged-x', error: 'bad' }], badLines: 0, lost: [] }, [], 1)!;
  assert.match(settings.message, /The transfer queue was not affected/);
});
