// Pure parts of issue 12's service side: the working clock, and the survey service's path
// destination check and comparison, and path completion (typed-path.ts, shared with the path bar),
// against real temp folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WorkClock } from '../../electron/jobs/clock.js';
import { SurveyService } from '../../electron/survey-service.js';
import { completeTyped } from '../../electron/typed-path.js';
import { tmpdir } from './fixtures.js';

test('WorkClock: pauses and unanswered questions are not work; progress while asking is', () => {
  const c = new WorkClock();
  c.start(0);
  assert.equal(c.ms(100), 100);
  c.pause(100);
  assert.equal(c.ms(5000), 100, 'paused');
  c.resume(5000);
  assert.equal(c.ms(5200), 300);
  c.waitStart(5200); // a conflict is asked
  assert.equal(c.ms(9000), 300, 'nothing moved while waiting');
  c.progress(5500); // other files went on copying meanwhile
  assert.equal(c.ms(9000), 600);
  c.progress(8000); // a mark 2.5 s after the last one: the engine was idle behind the question
  assert.equal(c.ms(9000), 600, 'an idle gap is not work, even when a mark ends it');
  c.progress(8200); // and then moved on again, 200 ms after that mark
  assert.equal(c.ms(9000), 800);
  c.waitEnd(12_000); // answered long after
  assert.equal(c.ms(12_000), 800);
  assert.equal(c.ms(12_100), 900);
  // Two questions at once: work resumes when both are answered.
  c.waitStart(12_100);
  c.waitStart(12_100);
  c.waitEnd(13_000);
  assert.equal(c.ms(14_000), 900);
  c.waitEnd(14_000);
  c.stop(14_050);
  assert.equal(c.ms(99_999), 950, 'stopped: final');
  // A new run counts from zero.
  c.start(100_000);
  assert.equal(c.ms(100_010), 10);
});

test('path completion of folders, hidden ones only when asked for, ~ is home, relative to the base', async () => {
  const root = tmpdir();
  for (const d of ['alpha', 'alpine', 'beta', '.hidden-al']) fs.mkdirSync(path.join(root, d));
  fs.writeFileSync(path.join(root, 'also-a-file'), '');
  fs.symlinkSync(path.join(root, 'beta'), path.join(root, 'al-link'));
  const r = await completeTyped({ input: path.join(root, 'al'), base: '/', dirsOnly: true, limit: 50 });
  assert.equal(r.dir, root);
  assert.deepEqual(r.matches.map((m) => m.name), ['al-link', 'alpha', 'alpine']);
  const files = await completeTyped({ input: path.join(root, 'al'), base: '/', dirsOnly: false, limit: 50 });
  assert.ok(files.matches.some((m) => m.name === 'also-a-file' && !m.isDir));
  assert.deepEqual((await completeTyped({ input: path.join(root, '.h'), base: '/', dirsOnly: true, limit: 50 })).matches.map((m) => m.name), ['.hidden-al']);
  assert.deepEqual((await completeTyped({ input: root + '/', base: '/', dirsOnly: true, limit: 2 })).more, true);
  const home = await completeTyped({ input: '~/', base: '/', dirsOnly: true, limit: 5 });
  assert.equal(home.dir, path.resolve(process.env.HOME ?? '/'));
  const relative = await completeTyped({ input: 'al', base: root, dirsOnly: true, limit: 5 });
  assert.deepEqual(relative.matches.map((m) => m.path), ['al-link', 'alpha', 'alpine'].map((n) => path.join(root, n)));
  await assert.rejects(completeTyped({ input: path.join(root, 'nope', 'x'), base: '/', dirsOnly: true, limit: 5 }), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
});

test('survey: the destination check says missing, not a folder, and writable; sources that are gone', async () => {
  const root = tmpdir();
  fs.writeFileSync(path.join(root, 'f'), 'f');
  const s = new SurveyService({ emit: () => {} });
  const ok = await s.check({ kind: 'copy', sources: [path.join(root, 'f'), path.join(root, 'gone')], destDir: root });
  assert.equal(ok.exists, true);
  assert.equal(ok.writable, true);
  assert.equal(ok.error, null);
  assert.equal(ok.sameFs, 1);
  assert.deepEqual(ok.missing.map((m) => [m.path, m.error.code, m.error.side]), [[path.join(root, 'gone'), 'ENOENT', 'source']]);
  assert.ok(ok.fs && ok.fs.freeBytes > 0 && ok.fs.readOnly === false);
  const missing = await s.check({ kind: 'copy', sources: [path.join(root, 'f')], destDir: path.join(root, 'nope') });
  assert.equal(missing.exists, false);
  assert.equal(missing.error?.code, 'ENOENT');
  assert.equal(missing.error?.side, 'destination');
  const notDir = await s.check({ kind: 'copy', sources: [path.join(root, 'f')], destDir: path.join(root, 'f') });
  assert.equal(notDir.error?.code, 'ENOTDIR');
});

test('survey: compare two files by size, date and content (hashing on request)', async () => {
  const root = tmpdir();
  const a = path.join(root, 'a');
  const b = path.join(root, 'b');
  const c = path.join(root, 'c');
  fs.writeFileSync(a, 'same content');
  fs.writeFileSync(b, 'same content');
  fs.writeFileSync(c, 'other content');
  const s = new SurveyService({ emit: () => {} });
  const quick = await s.compare({ a, b, hash: false });
  assert.equal(quick.a?.size, 12);
  assert.equal(quick.hash, null);
  assert.notEqual(quick.identical, false);
  const hashed = await s.compare({ a, b, hash: true });
  assert.equal(hashed.identical, true);
  assert.equal(hashed.hash?.equal, true);
  assert.match(hashed.why, /equal hashes/);
  const differs = await s.compare({ a, b: c, hash: true });
  assert.equal(differs.identical, false, 'different sizes: different, no hashing needed');
  fs.writeFileSync(c, 'same contenT');
  const sameSize = await s.compare({ a, b: c, hash: true });
  assert.equal(sameSize.identical, false);
  assert.equal(sameSize.hash?.equal, false);
  const gone = await s.compare({ a, b: path.join(root, 'nope'), hash: true });
  assert.equal(gone.b, null);
  assert.match(gone.why, /destination is gone/);
});

test('the side that failed survives the log: a record read back from its line still says which side failed', async () => {
  const { parseLogLine } = await import('../../electron/jobs/log-store.js');
  const { toWireError } = await import('../../native/errors.js');
  const error = { code: 'EACCES', message: "EACCES: permission denied, open '/a' -> '/b'", errno: -13, syscall: 'open', path: '/a', dest: '/b', side: 'destination' as const };
  assert.deepEqual(toWireError(error), error);
  const line = JSON.stringify({ src: '/a', dest: '/b', type: 'file', size: 1, bytes: 0, method: null, attempts: [], sparse: false, ms: 0, ok: false, skipped: false, error, warnings: [], jobId: 'j', time: 1 });
  assert.equal(parseLogLine(line)?.error?.side, 'destination');
  assert.equal(toWireError({ ...error, side: 'elsewhere' }).side, undefined, 'only the two sides');
});
