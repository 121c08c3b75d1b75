// Answer (lib/answer.svelte.ts): a request asked once, its value or its error as state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from './load.js';

const { M, fake } = rendererSuite(['lib/answer.svelte.ts']);

test('asks once at creation; the value when it arrives, or the error in Node\'s message shape', async () => {
  let asked = 0;
  const ok = new M.Answer(async () => {
    asked++;
    return { size: 3 };
  });
  assert.equal(ok.value, null, 'nothing before the answer');
  await settle();
  assert.deepEqual(ok.value, { size: 3 });
  assert.equal(ok.error, null);
  assert.equal(asked, 1);
  const failed = new M.Answer(() => Promise.reject(new fake.FerryError('ENOENT', 'no such file or directory', { syscall: 'lstat', path: '/gone' })));
  await settle();
  assert.equal(failed.value, null);
  assert.equal(failed.error, "ENOENT: no such file or directory, lstat '/gone'");
  const odd = new M.Answer(() => Promise.reject('plain string'));
  await settle();
  assert.equal(odd.error, 'plain string', 'anything thrown becomes a message');
});
