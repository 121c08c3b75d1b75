import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_NAMES, REQUEST_NAMES } from '../../electron/contract.js';
import { parseRequest, requestSchemas } from '../../electron/schemas.js';

function rejected(method: unknown, params: unknown): string {
  const r = parseRequest(method, params);
  assert.equal(r.ok, false, `expected ${String(method)} ${JSON.stringify(params)} to be rejected`);
  return r.ok ? '' : r.error.code;
}

test('contract: valid requests parse and get defaults filled in', () => {
  const r = parseRequest('jobs.start', { kind: 'copy', sources: ['/a/b'], destDir: '/c' });
  assert.equal(r.ok, true);
  if (r.ok) {
    const p = r.params as { options: { method: string; conflict: string; verify: boolean } };
    assert.equal(p.options.method, 'auto');
    assert.equal(p.options.conflict, 'ask');
    assert.equal(p.options.verify, false);
  }
  assert.equal(parseRequest('fs.list', { path: '/tmp', listingId: 'left-1' }).ok, true);
  assert.equal(parseRequest('app.info', {}).ok, true);
});

test('contract: unknown and prototype-polluting request names are refused', () => {
  for (const name of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', '', 42, null, undefined, {}, ['fs.list']]) {
    assert.equal(rejected(name, {}), 'EBADREQUEST');
  }
});

test('contract: malformed parameters are refused with EINVALIDPARAMS', () => {
  const cases: [string, unknown][] = [
    ['fs.list', undefined],
    ['fs.list', null],
    ['fs.list', 'path'],
    ['fs.list', { path: 'relative/path', listingId: 'a' }],
    ['fs.list', { path: '/tmp\0/etc/passwd', listingId: 'a' }],
    ['fs.list', { path: '/tmp', listingId: '../../x' }],
    ['fs.list', { path: '/tmp', listingId: 'a', extra: 1 }],
    ['fs.list', { path: 42, listingId: 'a' }],
    ['fs.list', { path: '/' + 'x'.repeat(70_000), listingId: 'a' }],
    ['fs.mkdir', { parent: '/tmp', name: '' }],
    ['fs.mkdir', { parent: '/tmp', name: 'a/b' }],
    ['fs.mkdir', { parent: '/tmp', name: '..' }],
    ['fs.mkdir', { parent: '/tmp', name: '.' }],
    ['fs.mkdir', { parent: '/tmp', name: 'é'.repeat(128) }],
    ['fs.rename', { path: '/tmp/a', newName: '../etc' }],
    ['fs.trash', { paths: [] }],
    ['fs.trash', { paths: ['/ok', 'rel'] }],
    ['jobs.start', { kind: 'delete', sources: ['/a'], destDir: '/b' }],
    ['jobs.start', { kind: 'copy', sources: [], destDir: '/b' }],
    ['jobs.start', { kind: 'copy', sources: ['/a'], destDir: '/b', options: { method: 'sendfile' } }],
    ['jobs.start', { kind: 'copy', sources: ['/a'], destDir: '/b', options: { conflict: 'clobber' } }],
    ['jobs.control', { jobId: 'j1', action: 'explode' }],
    ['jobs.files', { jobId: 'j1', offset: -1, limit: 10 }],
    ['jobs.files', { jobId: 'j1', offset: 0, limit: 1e9 }],
    ['jobs.files', { jobId: 'j1', offset: 0.5, limit: 10 }],
    ['log.read', { offset: 0, limit: 10, method: 'teleport' }],
    ['log.export', { format: 'xml' }],
  ];
  for (const [name, params] of cases) assert.equal(rejected(name, params), 'EINVALIDPARAMS', `${name} ${JSON.stringify(params)?.slice(0, 80)}`);
});

test('contract: hostile objects do not reach handlers or crash the parser', () => {
  const poisoned = JSON.parse('{"path":"/tmp","listingId":"a","__proto__":{"polluted":true}}');
  const r = parseRequest('fs.list', poisoned);
  // Either refused (unknown key) or parsed without polluting Object.prototype.
  assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  if (r.ok) assert.equal((r.params as { polluted?: boolean }).polluted, undefined);
  const getterBomb = Object.defineProperty({ listingId: 'a' }, 'path', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  assert.doesNotThrow(() => parseRequest('fs.list', getterBomb));
  assert.equal(parseRequest('fs.list', getterBomb).ok, false);
  const deep: unknown[] = [];
  let cur = deep;
  for (let i = 0; i < 10_000; i++) {
    const next: unknown[] = [];
    cur.push(next);
    cur = next;
  }
  assert.doesNotThrow(() => parseRequest('fs.trash', { paths: deep }));
});

test('contract: every request has a schema and the name lists are complete', () => {
  assert.deepEqual([...REQUEST_NAMES].sort(), Object.keys(requestSchemas).sort());
  assert.ok(REQUEST_NAMES.includes('copy.explain'));
  assert.ok(REQUEST_NAMES.includes('jobs.start'));
  assert.ok(REQUEST_NAMES.includes('log.read'));
  assert.ok(REQUEST_NAMES.includes('app.notices') && REQUEST_NAMES.includes('app.dismissNotice'));
  assert.ok(REQUEST_NAMES.includes('jobs.partials') && REQUEST_NAMES.includes('jobs.clearFinished'));
  assert.deepEqual([...EVENT_NAMES].sort(), ['app.notice', 'app.open', 'dir.changed', 'dir.entries', 'job.conflict', 'job.files', 'job.updated', 'measure.progress', 'scan.progress', 'search.results']);
});
