// Folder sizes have one request (fs.scan) and one state class (Scan): the commander's Space
// (FolderSizes), quick view's folder statistics and the delete confirmation all count through it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendererSuite, settle } from './load.js';

const { M, fake } = rendererSuite(['lib/folder-sizes.svelte.ts', 'lib/quick-view.svelte.ts', 'lib/scan.svelte.ts']);

const totals = (o: Record<string, unknown> = {}) => ({ files: 0, bytes: 0, dirs: 1, symlinks: 0, specials: 0, allocated: 0, reflinkBytes: 0, needed: 0, ...o });

function progress(scanId: string, t: Record<string, unknown>, done = false, error?: Record<string, unknown>): void {
  fake.emit('scan.progress', { scanId, totals: totals(t), done, ...(error ? { error } : {}) });
  M.flushSync();
}

test('Space on a folder: one fs.scan, the size as it grows, then the total', async () => {
  const sizes = new M.FolderSizes();
  sizes.measure('/data/photos');
  const [req] = fake.requests('fs.scan');
  assert.deepEqual(req, { scanId: req!.scanId, paths: ['/data/photos'], move: false });
  assert.equal(fake.requests('fs.measure').length, 0, 'the older name is not used');
  assert.deepEqual(sizes.get('/data/photos'), { bytes: 0, files: 0, dirs: 0, done: false, cancelled: false });
  assert.equal(sizes.measuring, 1);
  progress(req!.scanId as string, { bytes: 4096, files: 3, dirs: 2 });
  assert.deepEqual(sizes.get('/data/photos'), { bytes: 4096, files: 3, dirs: 2, done: false, cancelled: false });
  progress(req!.scanId as string, { bytes: 8192, files: 5, dirs: 2 }, true);
  assert.deepEqual(sizes.get('/data/photos'), { bytes: 8192, files: 5, dirs: 2, done: true, cancelled: false });
  assert.equal(sizes.measuring, 0);
  await settle();
});

test('Escape stops every measurement: what was counted stays, marked stopped, through the last events', () => {
  const sizes = new M.FolderSizes();
  sizes.measure('/a');
  sizes.measure('/b');
  const [a, b] = fake.requests('fs.scan').map((r: Record<string, unknown>) => r.scanId as string);
  progress(b!, { bytes: 10 }, true);
  sizes.cancelAll();
  assert.deepEqual(fake.requests('fs.scanCancel'), [{ scanId: a }], 'only the running one is stopped');
  // The engine's walk may report once more before its last event.
  progress(a!, { bytes: 100, files: 1 });
  progress(a!, { bytes: 200, files: 2 }, true);
  assert.deepEqual(sizes.get('/a'), { bytes: 200, files: 2, dirs: 1, done: true, cancelled: true });
  assert.deepEqual(sizes.get('/b'), { bytes: 10, files: 0, dirs: 1, done: true, cancelled: false }, 'a finished size is not "stopped"');
  // Measuring again starts afresh and stops the old scan's events from counting.
  sizes.measure('/a');
  progress(a!, { bytes: 999 }, true);
  assert.deepEqual(sizes.get('/a'), { bytes: 0, files: 0, dirs: 0, done: false, cancelled: false });
});

test('a walk that fails says why in the row', () => {
  const sizes = new M.FolderSizes();
  sizes.measure('/locked');
  const [r] = fake.requests('fs.scan');
  progress(r!.scanId as string, {}, true, { code: 'EACCES', message: "EACCES: permission denied, open '/locked'" });
  assert.equal(sizes.get('/locked')?.error, "EACCES: permission denied, open '/locked'");
  assert.equal(sizes.get('/locked')?.done, true);
});

test('quick view counts a folder with fs.scan; moving on cancels the count', async () => {
  fake.handlers['fs.peek'] = async () => ({ kind: 'dir', path: '/d' });
  const qv = new M.QuickViewState();
  qv.show({ name: 'd', path: '/d', type: 'dir', size: 0, mtimeMs: 0 });
  await settle();
  const [r] = fake.requests('fs.scan');
  assert.deepEqual(r!.paths, ['/d']);
  assert.equal(fake.requests('fs.measure').length, 0);
  assert.equal(qv.counting, true);
  progress(r!.scanId as string, { files: 7, bytes: 70, allocated: 4096 });
  assert.equal(qv.measure.files, 7);
  assert.equal(qv.measure.allocated, 4096);
  fake.handlers['fs.peek'] = async () => ({ kind: 'text', text: 'x', offset: 0, bytesRead: 1, truncated: false });
  qv.show({ name: 'f', path: '/f', type: 'file', size: 1, mtimeMs: 0 });
  assert.deepEqual(fake.requests('fs.scanCancel'), [{ scanId: r!.scanId }]);
  assert.equal(qv.measure, null);
  assert.equal(qv.counting, false);
  await settle();
});
