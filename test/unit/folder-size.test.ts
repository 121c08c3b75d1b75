// fs.scan is the one folder-size request; fs.measure, its older name, is the same walk in the
// same service (survey-service.ts): one engine scan per request, the same totals, ids of the two
// names apart, cancel and a client that goes away stop it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { EventName, Events } from '../../electron/contract.js';
import type { Requester } from '../../electron/fs-service.js';
import { SurveyService, type SurveyEngine } from '../../electron/survey-service.js';
import * as native from '../../native/index.js';
import { tmpdir } from './fixtures.js';

type Sent = { event: EventName; payload: unknown };

/** A client that records its events and can go away. */
function client(): Requester & { sent: Sent[]; close: () => void } {
  const sent: Sent[] = [];
  const closers: (() => void)[] = [];
  return {
    sent,
    emit: <E extends EventName>(event: E, payload: Events[E]) => void sent.push({ event, payload }),
    ready: async () => true,
    busy: () => () => {},
    onClose: (f: () => void) => void closers.push(f),
    close: () => closers.forEach((f) => f()),
  };
}

/** The real engine's scan, counted; `hold` keeps each walk running until it is cancelled. */
function engine(hold = false): SurveyEngine & { walks: string[][]; cancels: number } {
  const e: SurveyEngine & { walks: string[][]; cancels: number } = {
    walks: [] as string[][],
    cancels: 0,
    fsInfo: native.fsInfo,
    compareExtents: native.compareExtents,
    scan: ((sources: string[], opts?: native.ScanOptions, onProgress?: (t: native.ScanEvent) => void) => {
      e.walks.push(sources);
      const run = native.scan(sources, opts, onProgress);
      if (!hold) return { done: run.done, cancel: () => (e.cancels++, run.cancel()) };
      let release!: () => void;
      const held = new Promise<void>((r) => (release = r));
      return {
        done: held.then(() => run.done),
        cancel: () => {
          e.cancels++;
          run.cancel();
          release();
        },
      };
    }) as typeof native.scan,
  };
  return e;
}

function tree(): string {
  const root = tmpdir();
  fs.mkdirSync(path.join(root, 'd', 'e'), { recursive: true });
  fs.writeFileSync(path.join(root, 'd', 'a'), 'x'.repeat(1000));
  fs.writeFileSync(path.join(root, 'd', 'e', 'b'), 'y'.repeat(24));
  fs.symlinkSync('a', path.join(root, 'd', 'l'));
  return path.join(root, 'd');
}

test('fs.measure is fs.scan\'s walk: one engine scan each, the same totals', async () => {
  const dir = tree();
  const eng = engine();
  const s = new SurveyService({ emit: () => {}, engine: eng });
  const c = client();
  s.scan({ scanId: 'a', paths: [dir], move: false, method: 'auto' }, c);
  const m = await s.measure({ measureId: 'b', paths: [dir] }, c);
  for (let i = 0; i < 200 && !c.sent.some((x) => (x.payload as Events['scan.progress']).done); i++) await new Promise((r) => setTimeout(r, 10));
  const last = c.sent.find((x) => x.event === 'scan.progress' && (x.payload as Events['scan.progress']).done)!.payload as Events['scan.progress'];
  assert.deepEqual(eng.walks, [[dir], [dir]]);
  assert.deepEqual(m, { measureId: 'b', cancelled: false, files: 3, dirs: 2, symlinks: 1, specials: 0, bytes: 1024, allocated: m.allocated });
  const t = last.totals;
  assert.deepEqual([t.files, t.dirs, t.symlinks, t.specials, t.bytes, t.allocated], [m.files, m.dirs, m.symlinks, m.specials, m.bytes, m.allocated]);
});

test('a measure and a scan with the same id are two walks; cancel and a client going away stop them', async () => {
  const dir = tree();
  const eng = engine(true);
  const s = new SurveyService({ emit: () => {}, engine: eng });
  const c = client();
  s.scan({ scanId: 'x', paths: [dir], move: false, method: 'auto' }, c);
  const measured = s.measure({ measureId: 'x', paths: [dir] }, c);
  assert.equal(eng.cancels, 0, 'the measure did not replace the scan of the same id');
  assert.deepEqual(s.measureCancel({ measureId: 'x' }, c), { measureId: 'x' });
  const m = await measured;
  assert.equal(m.cancelled, true);
  assert.equal(eng.cancels, 1);
  assert.equal(s.scanCancel({ scanId: 'x' }, c).cancelled, true, 'the scan still ran');
  // A client that goes away takes its measures with it.
  const other = client();
  const gone = s.measure({ measureId: 'y', paths: [dir] }, other);
  other.close();
  assert.equal((await gone).cancelled, true);
  assert.equal(s.measureCancel({ measureId: 'y' }, other).measureId, 'y', 'cancelling what is gone is harmless');
});
