// The pane's keyboard map (lib/keys.ts): which key calls what, and which keys are left to the
// browser. The pane and the app are recorders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite } from './load.js';

const { M: K } = rendererSuite(['lib/keys.ts']);

/** A KeyContext whose pane and app record every call; `state` sets what the pane reports. */
function context(state: { selected?: number; typingAhead?: boolean } = {}) {
  const calls: string[] = [];
  const recorder = (who: string, props: Record<string, unknown>) =>
    new Proxy(props, {
      get: (t, name: string) => (name in t ? t[name] : (...args: unknown[]) => void calls.push(`${who}.${name}(${args.map((a) => JSON.stringify(a)).join(',')})`)),
    });
  const pane = recorder('pane', {
    side: 'left',
    view: [{}, {}, {}],
    cursorEntry: { name: 'x' },
    selected: { size: state.selected ?? 0 },
    typingAhead: () => state.typingAhead ?? false,
  });
  const app = recorder('app', {});
  const c = {
    app, pane, pageRows: 20,
    editPath: () => calls.push('editPath'),
    openMenu: () => calls.push('openMenu'),
    cycleRegion: (dir: number) => calls.push(`cycleRegion(${dir})`),
  };
  return { c, calls };
}

function press(key: string, mods: { ctrl?: boolean; alt?: boolean; shift?: boolean } = {}, state = {}) {
  const { c, calls } = context(state);
  const handled = K.paneKeydown({ key, ctrlKey: !!mods.ctrl, metaKey: false, altKey: !!mods.alt, shiftKey: !!mods.shift }, c);
  return { handled, calls };
}

test('plain keys: cursor, marks, commander function keys, type-ahead', () => {
  const cases: [string, object, string][] = [
    ['ArrowDown', {}, 'pane.moveCursor(1,false)'],
    ['ArrowUp', { shift: true }, 'pane.moveCursor(-1,true)'],
    ['PageDown', {}, 'pane.moveCursor(20,false)'],
    ['End', { shift: true }, 'pane.setCursor(2,{"extend":true})'],
    ['Enter', {}, 'app.openEntry("left",{"name":"x"})'],
    ['Backspace', {}, 'pane.up()'],
    ['Insert', {}, 'pane.toggleMark(true)'],
    [' ', {}, 'pane.toggleMark(false)'],
    ['F2', {}, 'app.askRename("left")'],
    ['F5', {}, 'app.askTransfer("copy","left")'],
    ['F6', {}, 'app.askTransfer("move","left")'],
    ['F7', {}, 'app.askMkdir("left")'],
    ['Delete', {}, 'app.askTrash("left")'],
    ['F10', { shift: true }, 'openMenu'],
    ['Tab', {}, 'cycleRegion(1)'],
    ['Tab', { shift: true }, 'cycleRegion(-1)'],
    ['q', {}, 'pane.typeahead("q")'],
    ['Q', { shift: true }, 'pane.typeahead("Q")'],
  ];
  for (const [key, mods, call] of cases) assert.deepEqual(press(key, mods), { handled: true, calls: [call] }, key);
  assert.deepEqual(press(' ', {}, { typingAhead: true }).calls, ['pane.typeahead(" ")'], 'Space inside a type-ahead');
  assert.deepEqual(press('Escape', {}, { selected: 2 }).calls, ['pane.clearSelection()']);
});

test('Ctrl and Alt keys; letters whatever the Shift state', () => {
  assert.deepEqual(press('a', { ctrl: true }).calls, ['pane.selectAll()']);
  assert.deepEqual(press('H', { ctrl: true, shift: true }).calls, ['pane.toggleHidden()']);
  assert.deepEqual(press('l', { ctrl: true }).calls, ['editPath']);
  assert.deepEqual(press('u', { ctrl: true }).calls, ['app.swap()']);
  assert.deepEqual(press('P', { ctrl: true, shift: true }).calls, ['pane.togglePerms()']);
  assert.deepEqual(press('F4', { ctrl: true }).calls, ['pane.setSort("size")']);
  assert.deepEqual(press('ArrowLeft', { alt: true }).calls, ['pane.back()']);
  assert.deepEqual(press('Enter', { alt: true }).calls, ['app.showProperties("left")']);
});

test('keys left to the browser', () => {
  for (const [key, mods, state] of [
    ['Escape', {}, {}],
    ['F5', { shift: true }, {}],
    ['F10', {}, {}],
    ['p', { ctrl: true }, {}],
    ['c', { ctrl: true }, {}],
    // Ctrl+J belongs to the window (regions.ts), wherever the focus is.
    ['j', { ctrl: true }, {}],
    ['x', { alt: true }, {}],
    ['ArrowUp', { ctrl: true, alt: true }, {}],
    ['F12', {}, {}],
  ] as const) {
    assert.deepEqual(press(key, mods, state), { handled: false, calls: [] }, `${key} ${JSON.stringify(mods)}`);
  }
});
