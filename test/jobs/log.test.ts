// The copy-method log: JSON Lines per job, filters and paging across jobs, CSV/JSON export,
// retention, and persistence across a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../../electron/contract.js';
import { parseRequest } from '../../electron/schemas.js';
import { encodeAttempts } from '../../native/types.js';
import { Harness, makeTree, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

/** RFC 4180 parser (quoted fields may hold commas, quotes and newlines). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        f += '"';
        i++;
      } else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(f);
      f = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(f);
      rows.push(row);
      row = [];
      f = '';
      i++;
    } else f += c;
  }
  if (f || row.length) {
    row.push(f);
    rows.push(row);
  }
  return rows;
}

test('log: filters, paging across jobs, CSV and JSON export match the records, survives restart', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  const odd = path.join(src, 'odd');
  fs.mkdirSync(odd);
  const oddNames = ['comma,name.txt', 'quote"name.txt', 'new\nline.txt', 'plain.txt'];
  for (const n of oddNames) fs.writeFileSync(path.join(odd, n), n);
  makeTree(path.join(src, 'many'), 30, 100, 10);
  fs.mkdirSync(path.join(dst, 'many', 'd0'), { recursive: true });
  fs.writeFileSync(path.join(dst, 'many', 'd0', 'f3.bin'), 'in the way');
  let h = new Harness({ dataDir });
  try {
    const a = await h.svc.start({ kind: 'copy', sources: [odd], destDir: dst, options: opts() });
    assert.equal((await h.finished(a.jobId)).state, 'done');
    const b = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'many')], destDir: dst, options: opts({ conflict: 'error' }) });
    assert.equal((await h.finished(b.jobId)).state, 'failed');

    const all = await h.svc.logRead({ offset: 0, limit: 5000 });
    const files = all.records.filter((r) => r.type === 'file');
    assert.equal(files.length, 34);
    assert.deepEqual([...new Set(all.records.map((r) => r.jobId))], [a.jobId, b.jobId], 'oldest job first');
    // paging
    const p1 = await h.svc.logRead({ offset: 0, limit: 10 });
    const p2 = await h.svc.logRead({ offset: 10, limit: 10 });
    assert.equal(p1.total, all.total);
    assert.deepEqual([...p1.records, ...p2.records], all.records.slice(0, 20));
    // filters
    const errs = await h.svc.logRead({ offset: 0, limit: 100, errorsOnly: true });
    assert.deepEqual(errs.records.map((r) => [r.error!.code, r.scope ?? 'entry']), [['EEXIST', 'entry'], ['EPARTIAL', 'job']], 'the failed entry, and the job that failed because of it');
    assert.ok(errs.records[0]!.src.endsWith('f3.bin'));
    const text = await h.svc.logRead({ offset: 0, limit: 100, text: 'QUOTE"' });
    assert.equal(text.total, 1);
    const byJob = await h.svc.logRead({ offset: 0, limit: 100, jobId: a.jobId });
    assert.ok(byJob.records.every((r) => r.jobId === a.jobId));
    const method = files[0]!.method!;
    const byMethod = await h.svc.logRead({ offset: 0, limit: 5000, method });
    assert.equal(byMethod.total, all.records.filter((r) => r.method === method).length);
    const notFellBack = await h.svc.logRead({ offset: 0, limit: 5000, fellBack: false });
    const fell = await h.svc.logRead({ offset: 0, limit: 5000, fellBack: true });
    assert.equal(notFellBack.total + fell.total, all.total);

    // CSV: one row per record, fields round-trip
    const csv = await h.svc.logExport({ format: 'csv' });
    assert.match(csv.filename, /^ferry-log-all-.*\.csv$/);
    assert.equal(fs.readFileSync(csv.path, 'utf8'), csv.content);
    const rows = parseCsv(csv.content);
    const header = rows[0]!;
    assert.deepEqual(header.slice(0, 4), ['time', 'jobId', 'src', 'dest']);
    assert.equal(rows.length - 1, all.total);
    const col = (name: string) => header.indexOf(name);
    all.records.forEach((r: LogRecord, i) => {
      const row = rows[i + 1]!;
      assert.equal(row.length, header.length);
      assert.equal(row[col('src')], r.src);
      assert.equal(row[col('dest')], r.dest);
      assert.equal(row[col('jobId')], r.jobId);
      assert.equal(row[col('method')], r.method ?? '');
      assert.equal(row[col('attempts')], encodeAttempts(r.attempts));
      assert.equal(Number(row[col('size')]), r.size);
      assert.equal(Number(row[col('bytes')]), r.bytes);
      assert.equal(row[col('ok')], String(r.ok));
      assert.equal(new Date(row[col('time')]!).getTime(), r.time);
    });
    assert.ok(rows.some((r) => r[col('src')]!.endsWith('new\nline.txt')));
    // JSON export = the records
    const json = await h.svc.logExport({ format: 'json', jobId: a.jobId });
    assert.deepEqual(JSON.parse(json.content), byJob.records);

    // restart: the log is still there
    await h.svc.close();
    h = new Harness({ dataDir });
    await h.svc.init();
    const again = await h.svc.logRead({ offset: 0, limit: 5000 });
    assert.deepEqual(again.records, all.records);
    assert.equal(h.job(b.jobId).filesFailed, 1);
    assert.equal((await h.svc.files({ jobId: a.jobId, offset: 0, limit: 100 })).records.length, byJob.total);
  } finally {
    await h.dispose();
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  }
});

test('log retention: logs and finished jobs older than retentionDays go at init', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'old.txt'), 'old');
  fs.writeFileSync(path.join(src, 'new.txt'), 'new');
  let h = new Harness({ dataDir });
  try {
    const a = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'old.txt')], destDir: dst, options: opts() });
    await h.finished(a.jobId);
    const b = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'new.txt')], destDir: dst, options: opts() });
    await h.finished(b.jobId);
    await h.svc.close();
    // Age job a by 40 days: its log file and its finish time.
    const old = new Date(Date.now() - 40 * 86_400_000);
    fs.utimesSync(path.join(dataDir, 'logs', `${a.jobId}.jsonl`), old, old);
    const snap = JSON.parse(fs.readFileSync(path.join(dataDir, 'queue.json'), 'utf8')) as { jobs: { id: string; finishedAt: number }[] };
    snap.jobs.find((j) => j.id === a.jobId)!.finishedAt = old.getTime();
    fs.writeFileSync(path.join(dataDir, 'queue.json'), JSON.stringify(snap));
    h = new Harness({ dataDir, retentionDays: 30 });
    await h.svc.init();
    assert.ok(!fs.existsSync(path.join(dataDir, 'logs', `${a.jobId}.jsonl`)));
    assert.ok(fs.existsSync(path.join(dataDir, 'logs', `${b.jobId}.jsonl`)));
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id), [b.jobId]);
    const recs = await h.svc.logRead({ offset: 0, limit: 100 });
    assert.ok(recs.records.every((r) => r.jobId === b.jobId));
  } finally {
    await h.dispose();
  }
});

test('settings: saved, validated at the boundary, applied at once (a shorter retention prunes now), kept across restarts', async () => {
  const dataDir = tmpdir('ferry-data-');
  const src = tmpdir();
  const dst = tmpdir();
  fs.writeFileSync(path.join(src, 'a.txt'), 'a');
  fs.writeFileSync(path.join(src, 'b.txt'), 'b');
  let h = new Harness({ dataDir });
  try {
    assert.equal(h.svc.settings().retentionDays, 30);
    const a = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'a.txt')], destDir: dst, options: opts() });
    await h.finished(a.jobId);
    const b = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'b.txt')], destDir: dst, options: opts() });
    await h.finished(b.jobId);
    await h.svc.close();
    // Job a finished 10 days ago: kept with 30 days, gone as soon as retention becomes 7.
    const old = new Date(Date.now() - 10 * 86_400_000);
    fs.utimesSync(path.join(dataDir, 'logs', `${a.jobId}.jsonl`), old, old);
    const snap = JSON.parse(fs.readFileSync(path.join(dataDir, 'queue.json'), 'utf8')) as { jobs: { id: string; finishedAt: number }[] };
    snap.jobs.find((j) => j.id === a.jobId)!.finishedAt = old.getTime();
    fs.writeFileSync(path.join(dataDir, 'queue.json'), JSON.stringify(snap));
    h = new Harness({ dataDir });
    await h.svc.init();
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id).sort(), [a.jobId, b.jobId].sort());
    assert.equal(parseRequest('settings.set', { retentionDays: 0 }).ok, false);
    assert.equal(parseRequest('settings.set', { maxParallelDevices: 99 }).ok, false);
    assert.equal(h.svc.settings().askBeforeDrop, true, 'a drop asks first by default');
    assert.equal(parseRequest('settings.set', { askBeforeDrop: 'no' }).ok, false);
    const set = await h.svc.updateSettings({ retentionDays: 7, maxParallelDevices: 3, threads: 2, askBeforeDrop: false });
    assert.deepEqual(set, { retentionDays: 7, maxParallelDevices: 3, threads: 2, askBeforeDrop: false });
    assert.deepEqual(h.svc.list().jobs.map((j) => j.id), [b.jobId]);
    assert.ok(!fs.existsSync(path.join(dataDir, 'logs', `${a.jobId}.jsonl`)));
    await h.svc.close();
    h = new Harness({ dataDir });
    await h.svc.init();
    assert.deepEqual(h.svc.settings(), { retentionDays: 7, maxParallelDevices: 3, threads: 2, askBeforeDrop: false });
  } finally {
    await h.dispose();
  }
});
