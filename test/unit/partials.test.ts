// Removing incomplete copies safely (electron/jobs/partials.ts), on real folders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { incompleteFolders, removePartial } from '../../electron/jobs/partials.js';
import { fileRecord, tmpdir } from './fixtures.js';

test('incomplete folders: the outermost folders whose records say entries are missing', () => {
  const dir = (dest: string, warnings: string[], ok = true) => fileRecord({ type: 'dir', dest, warnings, ok, method: null });
  const recs = [
    dir('/d/t', ['incomplete: the job was cancelled before everything inside was copied']),
    dir('/d/t/sub', ['incomplete: some entries inside were not copied (see their records)']),
    dir('/d/u', []),
    dir('/d/v', ['incomplete: x'], false),
    dir('/d/w2', ['incomplete: x']),
  ];
  assert.deepEqual(incompleteFolders(recs), ['/d/t', '/d/w2']);
});

test('a temp holding a file whose source is gone is the only copy: never removed', async () => {
  const src = tmpdir();
  const dst = tmpdir();
  fs.mkdirSync(path.join(src, 't'));
  fs.writeFileSync(path.join(src, 't', 'a'), 'a');
  const temp = path.join(dst, '.ferry-0123456789abcdef.tmp');
  fs.mkdirSync(temp);
  fs.writeFileSync(path.join(temp, 'a'), 'a');
  fs.writeFileSync(path.join(temp, 'b'), 'b'); // b's source was moved away after its verification
  const job = { startedAt: Date.now() - 10_000, records: new Map(), sources: [path.join(src, 't')] };
  const p = { path: temp, kind: 'temp' as const, finalPath: path.join(dst, 't'), jobId: 'j1', files: 2, bytes: 2, mtimeMs: 0 };
  const res = await removePartial(p, job);
  assert.deepEqual(res.removed, []);
  assert.match(res.kept[0]!.reason, /source was already moved away/);
  assert.ok(fs.existsSync(path.join(temp, 'b')));
  fs.writeFileSync(path.join(src, 't', 'b'), 'b');
  assert.deepEqual((await removePartial(p, job)).removed, [temp], 'once every source is there, the temp is only a copy');
  const odd = { ...p, path: path.join(dst, 'not-a-temp') };
  fs.mkdirSync(odd.path);
  assert.match((await removePartial(odd, job)).kept[0]!.reason, /not one of the engine/);
  assert.ok(fs.existsSync(odd.path));
});
