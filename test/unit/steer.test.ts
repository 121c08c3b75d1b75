// Pure parts of issue 12's service side: the working clock, and the survey service's path
// completion, destination check and comparison against real temp folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { WorkClock } from '../../electron/jobs/clock.js';
import { SurveyService } from '../../electron/survey-service.js';
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
  c.waitEnd(12_000); // answered long after
  assert.equal(c.ms(12_000), 600);
  assert.equal(c.ms(12_100), 700);
  // Two questions at once: work resumes when both are answered.
  c.waitStart(12_100);
  c.waitStart(12_100);
  c.waitEnd(13_000);
  assert.equal(c.ms(14_000), 700);
  c.waitEnd(14_000);
  c.stop(14_050);
  assert.equal(c.ms(99_999), 750, 'stopped: final');
  // A new run counts from zero.
  c.start(100_000);
  assert.equal(c.ms(100_010), 10);
});

test('survey: path completion of folders, hidden ones only when asked for, ~ is home', async () => {
  const root = tmpdir();
  for (const d of ['alpha', 'alpine', 'beta', '.hidden-al']) fs.mkdirSync(path.join(root, d));
  fs.writeFileSync(path.join(root, 'also-a-file'), '');
  fs.symlinkSync(path.join(root, 'beta'), path.join(root, 'al-link'));
  const s = new SurveyService({ emit: () => {} });
  const r = await s.complete({ path: path.join(root, 'al'), dirsOnly: true, limit: 50 });
  assert.equal(r.dir, root);
  assert.deepEqual(r.matches.map((m) => m.name), ['al-link', 'alpha', 'alpine']);
  const files = await s.complete({ path: path.join(root, 'al'), dirsOnly: false, limit: 50 });
  assert.ok(files.matches.some((m) => m.name === 'also-a-file' && !m.isDir));
  assert.deepEqual((await s.complete({ path: path.join(root, '.h'), dirsOnly: true, limit: 50 })).matches.map((m) => m.name), ['.hidden-al']);
  assert.deepEqual((await s.complete({ path: root + '/', dirsOnly: true, limit: 2 })).more, true);
  const home = await s.complete({ path: '~/', dirsOnly: true, limit: 5 });
  assert.equal(home.dir, path.resolve(process.env.HOME ?? '/'));
  await assert.rejects(s.complete({ path: 'relative', dirsOnly: true, limit: 5 }), (e: NodeJS.ErrnoException) => e.code === 'EINVAL');
  await assert.rejects(s.complete({ path: path.join(root, 'nope', 'x'), dirsOnly: true, limit: 5 }), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
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
