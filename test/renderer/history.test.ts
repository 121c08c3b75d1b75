// A pane's Back/Forward history and the settings it remembers across reloads (lib/history.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: H } = rendererSuite(['lib/history.ts']);

function memoryStore(init: Record<string, string> = {}) {
  const m = new Map(Object.entries(init));
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

test('visits, back and forward; a new visit drops the forward part', () => {
  let h = H.NO_HISTORY;
  assert.equal(H.canGo(h, -1), false);
  for (const p of ['/a', '/b', '/c']) h = H.visit(h, p);
  assert.equal(H.visit(h, '/c'), h, 'visiting the folder shown adds nothing');
  const back = H.go(h, -1);
  assert.equal(back.path, '/b');
  assert.equal(H.canGo(back.history, 1), true);
  assert.equal(H.go(back.history, 1).path, '/c');
  h = H.visit(back.history, '/x');
  assert.deepEqual(h.paths, ['/a', '/b', '/x']);
  assert.equal(H.go(h, 1), null);
  assert.equal(H.go(H.go(H.go(h, -1).history, -1).history, -1), null);
});

test('the history keeps the last HISTORY_LIMIT folders', () => {
  let h = H.NO_HISTORY;
  for (let i = 0; i < H.HISTORY_LIMIT + 20; i++) h = H.visit(h, `/f${i}`);
  assert.equal(h.paths.length, H.HISTORY_LIMIT);
  assert.equal(h.paths[0], '/f20');
  assert.equal(h.paths[h.pos], `/f${H.HISTORY_LIMIT + 19}`);
});

test('remembered settings: saved, read back, invalid fields ignored', () => {
  const store = memoryStore();
  const prefs = { path: '/home/u/x', arg: '/home/u', sort: { key: 'size', dir: -1 }, showHidden: true, showPerms: false };
  H.savePrefs('left', prefs, store);
  assert.deepEqual(H.loadPrefs('left', store), prefs);
  assert.deepEqual(H.loadPrefs('right', store), {});
  const bad = memoryStore({ 'ferry.pane.left': JSON.stringify({ path: 'relative', arg: 3, sort: { key: 'colour', dir: 1 }, showHidden: 'yes', showPerms: true }) });
  assert.deepEqual(H.loadPrefs('left', bad), { showPerms: true });
  assert.deepEqual(H.loadPrefs('left', memoryStore({ 'ferry.pane.left': '{not json' })), {});
  // A store that refuses writes (full, disabled) is not an error.
  H.savePrefs('left', prefs, { getItem: () => null, setItem: () => { throw new Error('QuotaExceededError'); } });
});

test('the first folder: the saved one, unless main was given another start folder since', () => {
  assert.equal(H.startFolder({ path: '/saved', arg: '/start' }, '/start', '/home'), '/saved');
  assert.equal(H.startFolder({ path: '/saved', arg: '/start' }, '/other', '/home'), '/other');
  assert.equal(H.startFolder({}, '', '/home'), '/home');
});
