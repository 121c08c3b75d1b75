// Honest numbers and the conflict dialog's service side (issue 12): working time excludes the time
// a conflict waited for its answer; a job of reflinks moves no bytes; a sparse file counts its data
// bytes; conflicts still to come are counted from the scan; a conflict answered with a name;
// "Clear finished"; the log newest first, records numbered, export of exactly what is filtered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ConflictInfo, JobSummary } from '../../electron/contract.js';
import { Harness, isRoot, tmpdir } from './helpers.js';
import { Mounts } from '../native/_util.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

test('a conflict that waits 1.5 s for its answer: the working time leaves the wait out; conflicts to come are counted', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  for (let i = 0; i < 4; i++) {
    fs.writeFileSync(path.join(src, `f${i}`), `new ${i}`);
    fs.writeFileSync(path.join(dst, `f${i}`), 'old');
  }
  fs.writeFileSync(path.join(src, 'fresh'), 'fresh');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: fs.readdirSync(src).map((n) => path.join(src, n)), destDir: dst, options: opts() });
    await h.until(() => (h.job(jobId).conflicts?.length ?? 0) > 0, 'a conflict');
    const j0 = h.job(jobId);
    assert.equal(j0.conflictsLeft, 4, 'four names are taken: four questions, asked one or more at a time');
    await new Promise((r) => setTimeout(r, 1500));
    const first = h.job(jobId).conflicts![0]!;
    h.svc.resolveConflict({ jobId, conflictId: first.conflictId, decision: 'skip', applyToAll: false });
    await h.until(() => (h.job(jobId).conflicts ?? []).some((c) => c.conflictId !== first.conflictId) || h.job(jobId).state === 'done', 'the next conflict');
    assert.equal(h.job(jobId).conflictsLeft, 3);
    const next = h.job(jobId).conflicts![0]!;
    h.svc.resolveConflict({ jobId, conflictId: next.conflictId, decision: 'skip', applyToAll: true });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.equal(j.conflictsLeft, 0);
    // The 1.5 s wait is left out of the working time; the rest (the final flush of the whole
    // filesystem included, seconds on a busy disk) is work, so compare with the wall clock.
    const wall = j.finishedAt! - j.startedAt!;
    assert.ok(wall >= 1500, 'the wall clock did include it');
    assert.ok(j.activeMs !== undefined && j.activeMs <= wall - 1200, `working time without the wait: ${j.activeMs} ms of ${wall} ms`);
  } finally {
    await h.dispose();
  }
});

test('a conflict answered with a chosen name; a name with another decision is refused', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'a.txt'), 'new');
  fs.writeFileSync(path.join(dst, 'a.txt'), 'old');
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'a.txt')], destDir: dst, options: opts() });
    await h.until(() => (h.job(jobId).conflicts?.length ?? 0) > 0, 'the conflict');
    const c: ConflictInfo = h.job(jobId).conflicts![0]!;
    assert.throws(() => h.svc.resolveConflict({ jobId, conflictId: c.conflictId, decision: 'skip', applyToAll: false, newName: 'x' }), /rename/);
    assert.equal(h.svc.resolveConflict({ jobId, conflictId: c.conflictId, decision: 'rename', applyToAll: false, newName: 'a (new).txt' }).ok, true);
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'a (new).txt'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'old');
  } finally {
    await h.dispose();
  }
});

test('a sparse file: bytes moved are its data, next to its logical size', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  const f = path.join(src, 'sparse.img');
  const fd = fs.openSync(f, 'w');
  fs.writeSync(fd, Buffer.alloc(64 * 1024, 1), 0, 64 * 1024, 0);
  fs.ftruncateSync(fd, 64 * 1024 * 1024);
  fs.closeSync(fd);
  try {
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [f], destDir: dst, options: opts() });
    const j: JobSummary = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.equal(j.bytesDone, 64 * 1024 * 1024, 'done counts the logical size');
    assert.ok(j.bytesMoved! < 1024 * 1024, `moved: ${j.bytesMoved}`);
    assert.equal(j.runBytesMoved, j.bytesMoved);
    assert.deepEqual(j.sparse, { files: 1, size: 64 * 1024 * 1024, bytes: j.bytesMoved });
  } finally {
    await h.dispose();
  }
});

test('reflinks move no bytes', { skip: isRoot ? false : 'needs root for a btrfs mount' }, async () => {
  const m = new Mounts();
  const h = new Harness();
  try {
    const dir = m.loop('btrfs');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src);
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(src, `r${i}`), Buffer.alloc(300_000, i + 1));
    fs.mkdirSync(path.join(dir, 'dst'));
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [src], destDir: path.join(dir, 'dst'), options: opts() });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done');
    assert.equal(j.bytesReflinked, 900_000);
    assert.equal(j.bytesMoved, 0);
    assert.equal(j.runBytesMoved, 0);
  } finally {
    await h.dispose();
    m.cleanup();
  }
});

test('the log newest first, numbered; export of exactly what is filtered; Clear finished', async () => {
  const h = new Harness();
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'one'), '1');
  fs.writeFileSync(path.join(src, 'two'), '22');
  try {
    const a = (await h.svc.start({ kind: 'copy', sources: [path.join(src, 'one')], destDir: dst, options: opts() })).jobId;
    await h.finished(a);
    const b = (await h.svc.start({ kind: 'copy', sources: [path.join(src, 'two')], destDir: dst, options: opts() })).jobId;
    await h.finished(b);
    // The same file again, with the policy "error": its record is a failure (EEXIST).
    const c = (await h.svc.start({ kind: 'copy', sources: [path.join(src, 'one')], destDir: dst, options: opts({ conflict: 'error' }) })).jobId;
    await h.finished(c);
    const oldest = await h.svc.logRead({ offset: 0, limit: 100 });
    const newest = await h.svc.logRead({ offset: 0, limit: 100, newestFirst: true });
    assert.deepEqual(newest.records.map((r) => r.src), oldest.records.map((r) => r.src).reverse());
    assert.equal(newest.records[0]!.jobId, c);
    assert.deepEqual((await h.svc.files({ jobId: a, offset: 0, limit: 10 })).records.map((r) => (r as { seq?: number }).seq), [0]);
    // Export with "errors only": the one failure, not the whole log.
    const all = await h.svc.logExport({ format: 'json' });
    const errors = await h.svc.logExport({ format: 'json', errorsOnly: true });
    const shown = await h.svc.logRead({ offset: 0, limit: 100, errorsOnly: true });
    const exported = JSON.parse(errors.content) as { src: string }[];
    assert.ok((JSON.parse(all.content) as unknown[]).length > exported.length);
    assert.deepEqual(exported.map((r) => r.src), shown.records.map((r) => r.src));
    assert.match(errors.content, /EEXIST/);
    // A failure's message is written once in the CSV, not "EEXIST: EEXIST: …".
    const csv = (await h.svc.logExport({ format: 'csv', errorsOnly: true })).content;
    assert.match(csv, /EEXIST: /);
    assert.doesNotMatch(csv, /EEXIST: EEXIST/);
    // Clear finished: every finished job goes, at once.
    assert.deepEqual(h.svc.clearFinished().removed.sort(), [a, b, c].sort());
    assert.equal(h.svc.list().jobs.length, 0);
  } finally {
    await h.dispose();
  }
});
