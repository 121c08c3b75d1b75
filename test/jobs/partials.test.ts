// Incomplete copies (issue 9, items 6 and 8): a cancelled job's partial folder is marked in the
// pane and can be removed — exactly what the job created, never what was there before; a crash's
// hidden temp is listed at start-up and can be resumed or removed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { DirEntry, Events } from '../../electron/contract.js';
import { FsService, type Requester } from '../../electron/fs-service.js';
import { Harness, engineWith, listFiles, makeTree, runUntilKilled, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

/**
 * The pane's rows of `dir`, through FsService with the job service's marks (wired as services.ts
 * does), to a client that takes the rows as JSON text (serve mode's socket).
 */
async function rows(h: Harness, dir: string): Promise<DirEntry[]> {
  let done: (e: DirEntry[]) => void;
  const got = new Promise<DirEntry[]>((r) => (done = r));
  const all: DirEntry[] = [];
  const take = (event: string, p: Events['dir.entries']) => {
    if (event !== 'dir.entries') return;
    all.push(...p.entries);
    if (p.done) done(all);
  };
  const fsvc = new FsService({ emit: () => {}, trashItem: async () => {}, partialAt: (p) => h.svc.partialAt(p), hasPartialIn: (d) => h.svc.hasPartialIn(d) });
  const client: Requester = {
    emit: (event, payload) => take(event, payload as Events['dir.entries']),
    emitJson: (event, json) => take(event, JSON.parse(json) as Events['dir.entries']),
    ready: async () => true,
    busy: () => () => {},
    onClose: () => {},
  };
  await fsvc.list({ path: dir, listingId: 'l' }, client);
  return got;
}

/** A copy of `src/t` cancelled once `n` files are reported. */
async function cancelledCopy(h: Harness & { jobId?: string }, src: string, dst: string): Promise<string> {
  const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 't')], destDir: dst, options: opts({ fsync: true }) });
  h.jobId = jobId;
  const j = await h.finished(jobId);
  assert.equal(j.state, 'cancelled');
  return jobId;
}

test('a cancelled copy: its partial folder is marked in the pane; "Remove partial copy" takes exactly what the job created', async () => {
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 't'), 400, 4096, 100);
  let cancel = true;
  const h: Harness & { jobId?: string } = new Harness({
    threads: 1,
    engine: engineWith((evs) => {
      const files = evs.reduce((n, e) => n + (e.type === 'files' ? e.records.length : 0), 0);
      if (cancel && h.jobId && files > 0) {
        cancel = false;
        void h.svc.control({ jobId: h.jobId, action: 'cancel' });
      }
    }),
  });
  try {
    const jobId = await cancelledCopy(h, src, dst);
    const j = h.job(jobId);
    const t = path.join(dst, 't');
    assert.deepEqual(j.partial, [t], 'the job says which folder it left incomplete');
    assert.ok(j.filesNotStarted! > 0);
    const row = (await rows(h, dst)).find((r) => r.path === t)!;
    assert.deepEqual(row.incomplete, { kind: 'partial', jobId }, 'the pane marks it');
    const copied = listFiles(t);
    assert.ok(copied.length > 0 && copied.length < 400, `partial: ${copied.length} files`);
    // Something the user put there afterwards is never the job's to remove.
    fs.writeFileSync(path.join(t, 'd0', 'mine.txt'), 'mine');
    const { items } = await h.svc.partials();
    assert.deepEqual(items.map((x) => [x.kind, x.path, x.jobId, x.files]), [['partial', t, jobId, copied.length + 1]]);
    let res = await h.svc.removePartial({ path: t });
    // The engine removes what the job's records say it created (their inodes): mine.txt is named by none.
    assert.deepEqual(res.kept.map((k) => k.path).sort(), [t, path.join(t, 'd0')]);
    for (const k of res.kept) assert.match(k.reason, /holds entries the job did not create/);
    assert.equal(res.removed.filter((p) => p.endsWith('.bin')).length, copied.length);
    assert.deepEqual(listFiles(t), ['d0/mine.txt']);
    assert.deepEqual(h.job(jobId).partial, [t], 'still incomplete: still marked');
    fs.rmSync(path.join(t, 'd0', 'mine.txt'));
    res = await h.svc.removePartial({ path: t });
    assert.ok(res.removed.includes(t));
    assert.ok(!fs.existsSync(t));
    assert.equal(h.job(jobId).partial, undefined, 'no partial copy left');
    assert.deepEqual((await h.svc.partials()).items, []);
  } finally {
    await h.dispose();
  }
});

test('a cancelled copy into a folder that existed: nothing that was there before is removed', async () => {
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 't'), 300, 4096, 300);
  fs.mkdirSync(path.join(dst, 't', 'd0'), { recursive: true });
  fs.writeFileSync(path.join(dst, 't', 'd0', 'old.txt'), 'old');
  fs.writeFileSync(path.join(dst, 't', 'keep.txt'), 'keep');
  let cancel = true;
  const h: Harness & { jobId?: string } = new Harness({
    threads: 1,
    engine: engineWith((evs) => {
      if (cancel && h.jobId && evs.some((e) => e.type === 'files' && e.records.length > 0)) {
        cancel = false;
        void h.svc.control({ jobId: h.jobId, action: 'cancel' });
      }
    }),
  });
  try {
    await cancelledCopy(h, src, dst);
    const t = path.join(dst, 't');
    await h.svc.removePartial({ path: t }).catch(() => null);
    assert.equal(fs.readFileSync(path.join(t, 'd0', 'old.txt'), 'utf8'), 'old');
    assert.equal(fs.readFileSync(path.join(t, 'keep.txt'), 'utf8'), 'keep');
  } finally {
    await h.dispose();
  }
});

test('a crash leaves a copy under the engine\'s temporary name: start-up lists it; remove takes it, resume finishes it', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  makeTree(path.join(src, 'tree'), 3000, 8192, 250);
  const params = { kind: 'copy', sources: [path.join(src, 'tree')], destDir: dst, options: opts({ fsync: true }) };
  const { jobId } = await runUntilKilled(dataDir, params, (done) => done >= 300);
  const temps = fs.readdirSync(dst).filter((n) => n.startsWith('.ferry-'));
  assert.equal(temps.length, 1, `killed while the tree was hidden: ${fs.readdirSync(dst).join(', ')}`);
  const temp = path.join(dst, temps[0]!);
  let h = new Harness({ dataDir });
  try {
    await h.svc.init();
    const notice = h.svc.notices().notices.find((n) => /incomplete copy was left under a temporary name/.test(n.title));
    assert.ok(notice, JSON.stringify(h.svc.notices()));
    assert.ok(notice.details[0]!.startsWith(`${temp} (to become ${path.join(dst, 'tree')})`));
    const { items } = await h.svc.partials();
    assert.deepEqual(items.map((x) => [x.kind, x.path, x.finalPath, x.jobId]), [['temp', temp, path.join(dst, 'tree'), jobId]]);
    assert.deepEqual((await rows(h, dst)).find((r) => r.path === temp)?.incomplete, { kind: 'temp', jobId });
    // Resume finishes it: the temp becomes the tree, and is no longer listed.
    await h.svc.control({ jobId, action: 'resume' });
    const j = await h.untilState(jobId, ['done', 'failed', 'cancelled']);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.deepEqual(fs.readdirSync(dst), ['tree']);
    assert.deepEqual((await h.svc.partials()).items, []);
  } finally {
    await h.dispose();
  }
  // Another crash, and this time the user removes the leftover instead.
  fs.rmSync(path.join(dst, 'tree'), { recursive: true });
  const dataDir2 = tmpdir('ferry-data-');
  await runUntilKilled(dataDir2, params, (done) => done >= 300);
  const temp2 = path.join(dst, fs.readdirSync(dst).find((n) => n.startsWith('.ferry-'))!);
  h = new Harness({ dataDir: dataDir2 });
  try {
    await h.svc.init();
    const res = await h.svc.removePartial({ path: temp2 });
    assert.deepEqual(res, { removed: [temp2], kept: [] });
    assert.deepEqual(fs.readdirSync(dst), []);
    assert.deepEqual((await h.svc.partials()).items, []);
  } finally {
    await h.dispose();
  }
});
