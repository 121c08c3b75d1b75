import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { IPC_EVENT_CHANNEL, IPC_PREFIX, REQUEST_NAMES } from '../../electron/contract.js';
import { buildPreloadApi } from '../../electron/preload-api.js';

function fakeIpcRenderer() {
  const em = new EventEmitter();
  const invoked: [string, unknown][] = [];
  return {
    em,
    invoked,
    ipc: {
      invoke: async (ch: string, p: unknown) => {
        invoked.push([ch, p]);
        return { ok: true, value: ch };
      },
      on: (ch: string, fn: (...a: unknown[]) => void) => em.on(ch, fn),
      removeListener: (ch: string, fn: (...a: unknown[]) => void) => em.removeListener(ch, fn),
    },
  };
}

test('preload: one named verb per request, each invoking its own channel', async () => {
  const f = fakeIpcRenderer();
  const api = buildPreloadApi(f.ipc as never, () => '/dropped/file') as unknown as Record<string, unknown>;
  for (const name of REQUEST_NAMES) assert.equal(typeof api[name], 'function', name);
  const r = await (api['fs.stat'] as (p: unknown) => Promise<{ value: string }>)({ path: '/x' });
  assert.equal(r.value, IPC_PREFIX + 'fs.stat');
  assert.deepEqual(f.invoked, [[IPC_PREFIX + 'fs.stat', { path: '/x' }]]);
  assert.equal(api.ipcRenderer, undefined);
  assert.equal(api.send, undefined);
  assert.equal(api.invoke, undefined);
  assert.ok(Object.isFrozen(api));
  assert.equal((api.pathForFile as (f: unknown) => string)({}), '/dropped/file');
});

test('preload: on() delivers only its event and can be removed; unknown events throw', () => {
  const f = fakeIpcRenderer();
  const api = buildPreloadApi(f.ipc as never, () => '');
  const got: unknown[] = [];
  const off = api.on('dir.changed', (p) => got.push(p));
  f.em.emit(IPC_EVENT_CHANNEL, {}, 'dir.changed', { a: 1 });
  f.em.emit(IPC_EVENT_CHANNEL, {}, 'job.updated', { b: 2 });
  off();
  f.em.emit(IPC_EVENT_CHANNEL, {}, 'dir.changed', { a: 3 });
  assert.deepEqual(got, [{ a: 1 }]);
  assert.throws(() => api.on('evil' as never, () => {}), /unknown event/);
});
