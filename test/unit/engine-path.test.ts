// The engine's path spelling on the wire (native/index.ts): names are bytes, JS strings are UTF-8.
// encodeEnginePath spells bytes the way the engine spells record paths; decodeEnginePath undoes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { decodeEnginePath, encodeEnginePath } from '../../native/index.js';

test('engine path spelling: invalid bytes as \\xNN, a backslash that reads as an escape as \\x5C, round trip exact', () => {
  assert.equal(encodeEnginePath(Buffer.from([0x61, 0xff, 0xfe, 0x62])), 'a\\xFF\\xFEb');
  assert.equal(encodeEnginePath('/tmp/café ü.txt'), '/tmp/café ü.txt');
  assert.equal(encodeEnginePath('a\\x41b'), 'a\\x5Cx41b', 'a literal \\x41 is not an escape');
  assert.equal(encodeEnginePath('a\\b\\x4'), 'a\\b\\x4', 'backslashes that cannot read as an escape stay');
  // Overlong, surrogate and truncated sequences are invalid UTF-8 (the engine's rule).
  assert.equal(encodeEnginePath(Buffer.from([0xc0, 0xaf])), '\\xC0\\xAF');
  assert.equal(encodeEnginePath(Buffer.from([0xed, 0xa0, 0x80])), '\\xED\\xA0\\x80');
  assert.equal(encodeEnginePath(Buffer.from([0x41, 0xe2, 0x82])), 'A\\xE2\\x82');
  assert.equal(encodeEnginePath(Buffer.from('😀', 'utf8')), '😀');
  for (let i = 0; i < 2000; i++) {
    const b = randomBytes(1 + (i % 40));
    if (i % 3 === 0) b[0] = 0x5c;
    const s = encodeEnginePath(b);
    assert.ok(decodeEnginePath(s).equals(b), `round trip of ${b.toString('hex')} via ${s}`);
    assert.equal(encodeEnginePath(decodeEnginePath(s)), s, 'one spelling per name');
  }
});

test('names on the wire: the 255-byte limit counts bytes on disk (an escape is one byte)', async () => {
  const { nameBytes, parseRequest } = await import('../../electron/schemas.js');
  assert.equal(nameBytes('a\\xFFb'), 3);
  assert.equal(nameBytes('é'), 2);
  const max = '\\xFF'.repeat(255);
  assert.equal(decodeEnginePath(max).length, nameBytes(max));
  assert.equal(parseRequest('fs.rename', { path: '/tmp/x', newName: max }).ok, true, '255 bytes spelled in 1020 characters');
  assert.equal(parseRequest('fs.rename', { path: '/tmp/x', newName: max + 'a' }).ok, false);
});
