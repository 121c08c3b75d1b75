// The native folder listing behind fs.list (native listDir): every entry once, rows in the panes'
// shape, names that are not UTF-8 kept exactly (`\xNN`), rows read only when asked for (bounded
// memory for huge folders), and a folder that cannot be read is an error in Node's shape.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { decodeEnginePath, listDir, type ListedEntry } from '../../native/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-listing-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function all(p: string, max: number): Promise<{ total: number; batches: ListedEntry[][] }> {
  const l = await listDir(p);
  const batches: ListedEntry[][] = [];
  for (;;) {
    const { rows, done } = await l.next(max);
    batches.push(rows);
    if (done) return { total: l.total, batches };
  }
}

test('listDir: rows in the panes shape; symlinks with their targets; a non-UTF-8 name kept exactly', async () => {
  const d = path.join(dir, 'odd');
  fs.mkdirSync(d);
  fs.writeFileSync(path.join(d, 'plain'), 'hello');
  fs.writeFileSync(path.join(d, '.hidden'), '');
  fs.mkdirSync(path.join(d, 'sub'));
  fs.symlinkSync('nowhere', path.join(d, 'dangling'));
  fs.symlinkSync('loop', path.join(d, 'loop'));
  fs.symlinkSync('plain', path.join(d, 'good-link'));
  const badBytes = Buffer.concat([Buffer.from('bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
  fs.writeFileSync(Buffer.concat([Buffer.from(d + '/'), badBytes]), 'x');
  const { total, batches } = await all(d, 1000);
  assert.equal(total, 7);
  const rows = batches.flat();
  const by = new Map(rows.map((e) => [e.name, e]));
  const st = fs.lstatSync(path.join(d, 'plain'));
  const { mtimeMs, ...plain } = by.get('plain')!;
  assert.deepEqual(plain, { name: 'plain', path: path.join(d, 'plain'), type: 'file', size: 5, mode: st.mode, hidden: false });
  assert.ok(Math.abs(mtimeMs - st.mtimeMs) < 0.001, `${mtimeMs} vs ${st.mtimeMs}`);
  assert.equal(by.get('.hidden')?.hidden, true);
  assert.equal(by.get('sub')?.type, 'dir');
  assert.equal(by.get('good-link')?.type, 'symlink');
  assert.equal(by.get('good-link')?.linkTarget, 'plain');
  assert.equal(by.get('good-link')?.targetType, 'file');
  assert.equal(by.get('good-link')?.size, 5, 'a link to a file shows its size');
  assert.equal(by.get('dangling')?.targetType, null);
  assert.match(by.get('dangling')?.error?.message ?? '', /broken symlink: target missing/);
  assert.match(by.get('loop')?.error?.message ?? '', /broken symlink: loops/);
  const bad = rows.find((e) => e.name.startsWith('bad-'))!;
  assert.equal(bad.name, 'bad-\\xFF\\xFE.txt');
  assert.equal(bad.escaped, true, 'a name that is not UTF-8 is a normal row that says so');
  assert.equal(bad.error, undefined);
  assert.deepEqual(decodeEnginePath(bad.path), Buffer.concat([Buffer.from(d + '/'), badBytes]), 'the path names the very file');
  assert.equal(fs.readFileSync(decodeEnginePath(bad.path), 'utf8'), 'x');
});

test('listDir: a big folder comes in the batches asked for, every entry once', async () => {
  const d = path.join(dir, 'big');
  fs.mkdirSync(d);
  for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(d, `n${i}`), '');
  const { total, batches } = await all(d, 700);
  assert.equal(total, 3000);
  assert.ok(batches.every((b) => b.length <= 700), 'no batch is larger than asked');
  assert.ok(batches.length >= 5);
  const names = batches.flat().map((e) => e.name);
  assert.equal(names.length, 3000);
  assert.equal(new Set(names).size, 3000);
});

test('listDir: a batch big enough to be stat\'ed on two threads gives the same rows, in the same order, as small batches', async () => {
  const d = path.join(dir, 'halves');
  fs.mkdirSync(d);
  for (let i = 0; i < 2500; i++) fs.writeFileSync(path.join(d, `h${i}`), 'x'.repeat(i % 5));
  fs.symlinkSync('h3', path.join(d, 'link'));
  fs.symlinkSync('gone', path.join(d, 'broken'));
  const big = await all(d, 5000);
  const small = await all(d, 100);
  assert.equal(big.batches.length, 1);
  assert.deepEqual(big.batches.flat(), small.batches.flat());
  const rows = big.batches.flat();
  assert.equal(rows.length, 2502);
  for (const r of rows) if (r.name.startsWith('h')) assert.equal(r.size, Number(r.name.slice(1)) % 5, r.name);
  assert.equal(rows.find((r) => r.name === 'link')?.targetType, 'file');
  assert.match(rows.find((r) => r.name === 'broken')?.error?.message ?? '', /broken symlink/);
});

test('listDir: a missing folder or a file is an error in Node’s shape', async () => {
  await assert.rejects(listDir(path.join(dir, 'missing')), { code: 'ENOENT', syscall: 'scandir' });
  fs.writeFileSync(path.join(dir, 'file'), '');
  await assert.rejects(listDir(path.join(dir, 'file')), { code: 'ENOTDIR' });
});
