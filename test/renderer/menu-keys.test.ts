// The keyboard in menus (lib/menu-keys.ts, the context menu and places): arrows wrap, Home/End go
// to the ends, other keys do not move.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M } = rendererSuite(['lib/menu-keys.ts']);
const menuStep = (key: string, at: number, n: number): number | null => M.menuStep(key, at, n);

test('arrows wrap around, Home and End go to the ends, nothing focused starts at the top', () => {
  assert.equal(menuStep('ArrowDown', -1, 4), 0);
  assert.equal(menuStep('ArrowDown', 3, 4), 0);
  assert.equal(menuStep('ArrowUp', 0, 4), 3);
  assert.equal(menuStep('ArrowUp', 2, 4), 1);
  assert.equal(menuStep('Home', 2, 4), 0);
  assert.equal(menuStep('End', 0, 4), 3);
});

test('other keys do not move; an empty menu has nowhere to go', () => {
  for (const k of ['Escape', 'Tab', 'Enter', 'Delete', 'a']) assert.equal(menuStep(k, 1, 4), null);
  assert.equal(menuStep('ArrowDown', -1, 0), -1);
  assert.equal(menuStep('Escape', -1, 0), null);
});
