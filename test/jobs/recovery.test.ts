// Start-up after damage (issue 9, item 3): a damaged queue file or journal, a data folder Ferry
// cannot write, a damaged job log. Ferry always starts, says what it recovered and what it could
// not (a notice through the contract), and a recovered job resumes with its real sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Journal, newStoredJob } from '../../electron/jobs/journal.js';
import { DEFAULT_OPTIONS } from '../../electron/jobs/recovery.js';
import { Harness, isRoot, listFiles, makeTree, tmpdir } from './helpers.js';

test('a damaged queue file after a crash: the job comes back from the journal with its sources and resumes to a real "done"; a job that cannot be rebuilt is reported, not faked', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  const N = 400;
  makeTree(path.join(src, 'tree'), N, 1000, 100);
  // What a crashed Ferry left: a journal with the job mid-run (its first line whole, later ones
  // without the source list), and a queue file cut short.
  const j = new Journal(dataDir);
  j.load();
  const a = newStoredJob({ id: 'jcrashed1', kind: 'copy', sources: [path.join(src, 'tree')], destDir: dst, options: DEFAULT_OPTIONS, createdAt: Date.now() });
  a.state = 'running';
  a.startedAt = Date.now();
  a.filesTotal = N;
  j.put(a);
  a.filesDone = 134;
  j.put(a);
  // A line from an older journal format: a job whose source list was only in the lost snapshot.
  fs.appendFileSync(path.join(dataDir, 'queue.journal.jsonl'), JSON.stringify({ op: 'put', job: { ...newStoredJob({ id: 'jlost2', kind: 'move', sources: [], destDir: '/media/usb', options: DEFAULT_OPTIONS, createdAt: 1 }), sources: undefined, state: 'running' } }) + '\n');
  fs.writeFileSync(path.join(dataDir, 'queue.json'), '{"version":2,"gen":1,"jobs":[{"id":"jcrashed1","kind":"co');
  const h = new Harness({ dataDir });
  try {
    await h.svc.init();
    assert.deepEqual(h.svc.list().jobs.map((x) => [x.id, x.state, x.sources]), [['jcrashed1', 'interrupted', [path.join(src, 'tree')]]]);
    const { notices } = h.svc.notices();
    assert.equal(notices.length, 1);
    const n = notices[0]!;
    assert.equal(n.level, 'error');
    assert.match(n.title, /1 transfer could not be recovered/);
    assert.ok(n.details.some((d) => d.startsWith('queue.json: not valid JSON') && /kept as queue\.json\.damaged-/.test(d)), n.details.join('\n'));
    assert.ok(n.details.some((d) => d === `recovered, ready to resume: copy of tree to ${dst}`), n.details.join('\n'));
    assert.ok(n.details.some((d) => d.startsWith('not recovered (its list of sources was lost): transfer jlost2 to /media/usb')), n.details.join('\n'));
    assert.ok(fs.readdirSync(dataDir).some((f) => f.startsWith('queue.json.damaged-')), 'the damaged file is kept');
    assert.deepEqual(h.svc.dismissNotice({ id: n.id }), { ok: true });
    assert.deepEqual(h.svc.notices().notices, []);

    await h.svc.control({ jobId: 'jcrashed1', action: 'resume' });
    const done = await h.untilState('jcrashed1', ['done', 'failed', 'cancelled']);
    assert.equal(done.state, 'done', JSON.stringify(done.error));
    assert.deepEqual([done.filesDone, done.filesTotal], [N, N]);
    assert.equal(listFiles(path.join(dst, 'tree')).length, N, 'every file copied, not "done" with nothing');
  } finally {
    await h.dispose();
  }
});

test('a data folder Ferry cannot write (EPERM): Ferry starts, says why in its window (no stack trace), and transfers still work', { skip: !isRoot && 'needs root (chattr +i)' }, async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'a.txt'), 'a');
  execFileSync('chattr', ['+i', dataDir]);
  const h = new Harness({ dataDir });
  try {
    await h.svc.init();
    const [n, ...more] = h.svc.notices().notices;
    assert.equal(more.length, 0);
    assert.equal(n!.level, 'error');
    assert.equal(n!.title, 'Ferry cannot use its data folder');
    assert.ok(n!.message.startsWith(`EPERM: Ferry's data folder '${dataDir}' cannot be used: operation not permitted`), n!.message);
    assert.ok(!/\n\s+at /.test(n!.message), 'no stack trace');
    assert.ok(n!.message.includes(h.svc.dataDir), 'it says where this session is kept');
    assert.notEqual(h.svc.dataDir, dataDir);
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'a.txt')], destDir: dst, options: DEFAULT_OPTIONS });
    assert.equal((await h.finished(jobId)).state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'a');
  } finally {
    execFileSync('chattr', ['-i', dataDir]);
    const fallback = h.svc.dataDir;
    await h.dispose();
    fs.rmSync(fallback, { recursive: true, force: true });
  }
});

test('a job log with bad lines: the job and the rest of its log still show; a notice says what was skipped', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 't'), 3, 10, 10);
  let h = new Harness({ dataDir });
  await h.svc.init();
  const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: DEFAULT_OPTIONS });
  await h.finished(jobId);
  await h.svc.close();
  fs.appendFileSync(path.join(dataDir, 'logs', `${jobId}.jsonl`), 'null\n{"op":"order","ids":null}\ngarbage\n{"src":"/a","de');
  h = new Harness({ dataDir });
  try {
    await h.svc.init();
    assert.equal(h.job(jobId).state, 'done');
    assert.equal((await h.svc.files({ jobId, offset: 0, limit: 100 })).records.filter((r) => r.type === 'file').length, 3);
    const n = h.svc.notices().notices;
    assert.equal(n.length, 1);
    assert.equal(n[0]!.level, 'warning');
    assert.match(n[0]!.message, /^4 unreadable lines in the log of the copy of t to .* were skipped/);
    assert.ok(h.events.some((e) => e.event === 'app.notice'), 'sent to windows already open');
  } finally {
    await h.dispose();
  }
});
