// The one verifyPair (native/verify.ts): equal, different and unreadable are told apart, and the
// error says which file could not be read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { verifyPair, xxh64File } from '../../native/verify.js';
import { tmpdir } from './fixtures.js';

const dir = tmpdir('ferry-verify-');
const file = (name: string, content: string | Buffer): string => {
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
};

test('verify: equal files are equal, read to the end across chunks', async () => {
  const big = Buffer.alloc(3 * (1 << 20) + 17, 7);
  const a = file('a.bin', big);
  const b = file('b.bin', big);
  let read = 0;
  assert.deepEqual(await verifyPair(a, b, a, b, { onBytes: (n) => (read += n) }), { ok: true, outcome: 'equal' });
  assert.equal(read, 2 * big.length, 'both files, every byte');
  assert.equal(await xxh64File(a), await xxh64File(Buffer.from(b)), 'paths may be Buffers');
  const e = file('empty', '');
  assert.equal((await verifyPair(e, file('empty2', ''))).outcome, 'equal');
});

test('verify: different contents are EVERIFY, in Node shape, with both names', async () => {
  const a = file('c.txt', 'original');
  const b = file('d.txt', 'garbage!');
  const v = await verifyPair(a, b, '/shown/src', '/shown/dest');
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.equal(v.outcome, 'different');
  assert.equal(v.mismatch, true);
  assert.equal(v.code, 'EVERIFY');
  assert.match(v.message, /^EVERIFY: copy differs from source \(xxh64 [0-9a-f]+ != [0-9a-f]+\), verify '\/shown\/src' -> '\/shown\/dest'$/);
  assert.deepEqual([v.syscall, v.path, v.dest], ['verify', '/shown/src', '/shown/dest']);
  // A copy cut short differs too.
  assert.equal((await verifyPair(a, file('short.txt', 'origina'))).outcome, 'different');
});

test('verify: a file that cannot be read is unreadable, never "different", and names that file', async () => {
  const a = file('e.txt', 'content');
  const gone = path.join(dir, 'missing.txt');
  const v = await verifyPair(a, gone);
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.equal(v.outcome, 'unreadable');
  assert.equal(v.mismatch, false);
  assert.equal(v.code, 'ENOENT');
  assert.equal(v.errno, -2);
  assert.equal(v.path, gone);
  assert.equal(v.message, `ENOENT: cannot read the copy back to verify it (no such file or directory), open '${gone}'`);
  // The source side, and a read error after a successful open (a folder: EISDIR on read).
  const s = await verifyPair(path.join(dir, 'nope'), a);
  assert.ok(!s.ok && s.outcome === 'unreadable' && /cannot read the source/.test(s.message));
  const d = await verifyPair(a, dir);
  assert.ok(!d.ok && d.outcome === 'unreadable' && d.code === 'EISDIR' && d.syscall === 'read', JSON.stringify(d));
});

test('verify: the gate can hold and cancel', async () => {
  const a = file('g.bin', Buffer.alloc(3 << 20, 1));
  const b = file('h.bin', Buffer.alloc(3 << 20, 1));
  let calls = 0;
  const v = await verifyPair(a, b, a, b, { gate: async () => ++calls > 3 });
  assert.equal(v.ok, false);
  if (v.ok) return;
  assert.equal(v.outcome, 'cancelled');
  assert.equal(v.code, 'ECANCELED');
});
