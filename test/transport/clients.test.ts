// Serve mode with several clients: each client's listings and watchers are its own (events go to
// the client that asked, a second client with the same ids replaces nothing), and a client that
// stops reading gets progress coalesced, and is closed once it stays over its bound.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import type { JobSummary, WsMessage } from '../../electron/contract.js';
import { startServer, type ClientLimits, type RunningServer } from '../../electron/ws-server.js';
import { fakeServices } from './fake-services.js';

let rendererDir: string;
let scratch: string;

before(() => {
  rendererDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-renderer-'));
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>Ferry</title>');
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-clients-'));
});
after(() => {
  fs.rmSync(rendererDir, { recursive: true, force: true });
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function serve(limits: Partial<ClientLimits> = {}) {
  const services = fakeServices();
  const server = await startServer({ services, rendererDir, port: 0, limits });
  return { services, server };
}

/** A test client that records every message it reads. */
class Client {
  ws: WebSocket;
  seen: WsMessage[] = [];
  closed: Promise<number>;
  #id = 0;
  #listeners = new Set<() => void>();

  constructor(server: RunningServer) {
    this.ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { origin: `http://127.0.0.1:${server.port}` });
    this.ws.on('message', (d) => {
      this.seen.push(JSON.parse(d.toString()) as WsMessage);
      for (const l of this.#listeners) l();
    });
    this.closed = new Promise((r) => this.ws.once('close', (code) => r(code)));
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  /** Resolves with the first message (seen already or later) that matches, or rejects after `ms`. */
  waitFor(pred: (m: WsMessage) => boolean, ms = 10_000): Promise<WsMessage> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.seen.find(pred);
        if (!hit) return false;
        this.#listeners.delete(check);
        clearTimeout(timer);
        resolve(hit);
        return true;
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(check);
        reject(new Error(`no matching message within ${ms} ms`));
      }, ms);
      if (!check()) this.#listeners.add(check);
    });
  }

  async call(method: string, params: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> {
    const id = ++this.#id;
    this.ws.send(JSON.stringify({ id, method, params }));
    const m = await this.waitFor((x) => x.kind === 'reply' && x.id === id);
    return m as unknown as { ok: boolean; value?: unknown };
  }

  events<T>(name: string): T[] {
    return this.seen.filter((m): m is Extract<WsMessage, { kind: 'event' }> => m.kind === 'event' && m.event === name).map((m) => m.payload as T);
  }
}

function folder(name: string, files: string[]): string {
  const d = path.join(scratch, name);
  fs.mkdirSync(d);
  for (const f of files) fs.writeFileSync(path.join(d, f), f);
  return d;
}

type Entries = { listingId: string; path: string; entries: { name: string }[]; done: boolean };
type Changed = { watchId: string; path: string };

test('two clients: listings and watchers with the same ids stay each client’s own', async () => {
  const { server, services } = await serve();
  const x = folder('x', ['x1', 'x2', 'x3']);
  const y = folder('y', ['y1', 'y2', 'y3', 'y4', 'y5']);
  const a = new Client(server);
  const b = new Client(server);
  try {
    await Promise.all([a.open(), b.open()]);
    // Both panes call their listing "L" and their watch "W".
    const [ra, rb] = await Promise.all([a.call('fs.list', { path: x, listingId: 'L' }), b.call('fs.list', { path: y, listingId: 'L' })]);
    assert.equal(ra.ok && rb.ok, true);
    await a.waitFor((m) => m.kind === 'event' && m.event === 'dir.entries' && (m.payload as Entries).done);
    await b.waitFor((m) => m.kind === 'event' && m.event === 'dir.entries' && (m.payload as Entries).done);
    assert.deepEqual(a.events<Entries>('dir.entries').flatMap((e) => e.entries.map((n) => n.name)).sort(), ['x1', 'x2', 'x3']);
    assert.deepEqual(b.events<Entries>('dir.entries').flatMap((e) => e.entries.map((n) => n.name)).sort(), ['y1', 'y2', 'y3', 'y4', 'y5']);
    assert.ok(a.events<Entries>('dir.entries').every((e) => e.path === x));
    assert.ok(b.events<Entries>('dir.entries').every((e) => e.path === y));

    assert.equal((await a.call('fs.watch', { path: x, watchId: 'W' })).ok, true);
    assert.equal((await b.call('fs.watch', { path: y, watchId: 'W' })).ok, true);
    fs.writeFileSync(path.join(x, 'new-in-x'), '');
    await a.waitFor((m) => m.kind === 'event' && m.event === 'dir.changed' && (m.payload as Changed).path === x);
    fs.writeFileSync(path.join(y, 'new-in-y'), '');
    await b.waitFor((m) => m.kind === 'event' && m.event === 'dir.changed' && (m.payload as Changed).path === y);
    await sleep(300); // the debounce is 100 ms: anything misrouted would have arrived by now
    assert.deepEqual(a.events<Changed>('dir.changed').map((c) => c.path), [x]);
    assert.deepEqual(b.events<Changed>('dir.changed').map((c) => c.path), [y]);

    // B's unwatch and then B's departure leave A's watcher alone.
    assert.equal((await b.call('fs.unwatch', { watchId: 'W' })).ok, true);
    b.ws.close();
    await b.closed;
    fs.writeFileSync(path.join(x, 'again-in-x'), '');
    await a.waitFor(() => a.events<Changed>('dir.changed').length === 2);
    assert.deepEqual(a.events<Changed>('dir.changed').map((c) => c.path), [x, x]);
    // Job progress is for everyone.
    services.emitAll('job.updated', { jobs: [] });
    await a.waitFor((m) => m.kind === 'event' && m.event === 'job.updated');
  } finally {
    a.ws.close();
    b.ws.close();
    await server.close();
    await services.close();
  }
});

function job(seq: number, padBytes: number): JobSummary {
  return {
    id: `job${seq}`,
    kind: 'copy',
    sources: ['/src/' + 'p'.repeat(padBytes)],
    destDir: '/dest',
    state: 'running',
    createdAt: seq,
    startedAt: seq,
    finishedAt: null,
    filesTotal: 1,
    filesDone: 0,
    filesFailed: 0,
    bytesTotal: 1,
    bytesDone: 0,
    bytesReflinked: 0,
    speed: 0,
    etaSeconds: null,
    byMethod: {},
    error: null,
  };
}

const seqOf = (p: { jobs: JobSummary[] }) => p.jobs[0]!.createdAt;

test('a client that stops reading gets job.updated coalesced to the newest; a reading client loses nothing it needs', async () => {
  // Bounds far above what this test sends, so only coalescing is at work.
  const { server, services } = await serve({ lagBytes: 64 * 1024, maxBytes: 1 << 30, hardBytes: 1 << 30, stallMs: 60_000 });
  const slow = new Client(server);
  const fast = new Client(server);
  try {
    await Promise.all([slow.open(), fast.open()]);
    slow.ws.pause();
    const N = 3000;
    for (let i = 0; i < N; i++) {
      services.emitAll('job.updated', { jobs: [job(i, 8 * 1024)] }); // 3000 × 8 KiB: more than loopback buffers hold
      if (i % 20 === 0) await sleep(1);
    }
    await fast.waitFor((m) => m.kind === 'event' && m.event === 'job.updated' && seqOf(m.payload as { jobs: JobSummary[] }) === N - 1);
    slow.ws.resume();
    await slow.waitFor((m) => m.kind === 'event' && m.event === 'job.updated' && seqOf(m.payload as { jobs: JobSummary[] }) === N - 1);
    const got = slow.events<{ jobs: JobSummary[] }>('job.updated').map(seqOf);
    assert.ok(got.length < N / 2, `the lagging client got ${got.length} of ${N} updates`);
    assert.deepEqual(got, [...got].sort((p, q) => p - q), 'in order');
    assert.equal(got.at(-1), N - 1, 'the newest update arrives');
    assert.equal(server.clients(), 2, 'coalescing alone closes nobody');
  } finally {
    slow.ws.close();
    fast.ws.close();
    await server.close();
    await services.close();
  }
});

test('a client that stays over its bound is closed; the others keep everything', async () => {
  const { server, services } = await serve({ lagBytes: 64 * 1024, maxBytes: 2 * 1024 * 1024, stallMs: 500, hardBytes: 1 << 30 });
  const stuck = new Client(server);
  const fast = new Client(server);
  try {
    await Promise.all([stuck.open(), fast.open()]);
    stuck.ws.pause();
    const records = Array.from({ length: 100 }, (_, i) => ({ src: `/s/${'f'.repeat(400)}${i}` }));
    const N = 400; // 400 × ~45 KiB of job.files, which cannot be coalesced
    for (let i = 0; i < N && server.clients() === 2; i++) {
      services.emitAll('job.files', { jobId: `j${i}`, records: records as never });
      await sleep(2);
    }
    for (let t = Date.now(); server.clients() === 2 && Date.now() - t < 10_000; ) await sleep(50);
    assert.equal(server.clients(), 1, 'the client that does not read is closed');
    stuck.ws.resume();
    assert.equal(await stuck.closed, 1006, 'closed without a handshake (its buffer is full)');
    const ids = fast.events<{ jobId: string }>('job.files').map((f) => f.jobId);
    assert.ok(ids.length > 40, `${ids.length} batches sent before the close`);
    assert.deepEqual(ids, ids.map((_, i) => `j${i}`), 'the reading client got every batch, in order');
    assert.equal((await fast.call('app.info', {})).ok, true);
  } finally {
    stuck.ws.close();
    fast.ws.close();
    await server.close();
    await services.close();
  }
});

test('jobs.fileEvents: a client that turns job.files off gets none (its queue pages jobs.files); the others still get every batch', async () => {
  const { server, services } = await serve();
  const quiet = new Client(server);
  const all = new Client(server);
  try {
    await Promise.all([quiet.open(), all.open()]);
    assert.deepEqual((await quiet.call('jobs.fileEvents', { send: false })).value, { send: false });
    for (let i = 0; i < 3; i++) services.emitAll('job.files', { jobId: `j${i}`, records: [] });
    services.emitAll('job.updated', { jobs: [] });
    await quiet.waitFor((m) => m.kind === 'event' && m.event === 'job.updated');
    await all.waitFor((m) => m.kind === 'event' && m.event === 'job.updated');
    assert.deepEqual(quiet.events('job.files'), [], 'muted: no record batches');
    assert.deepEqual(all.events<{ jobId: string }>('job.files').map((f) => f.jobId), ['j0', 'j1', 'j2']);
    // And on again.
    assert.deepEqual((await quiet.call('jobs.fileEvents', { send: true })).value, { send: true });
    services.emitAll('job.files', { jobId: 'j3', records: [] });
    await quiet.waitFor((m) => m.kind === 'event' && m.event === 'job.files');
    assert.deepEqual(quiet.events<{ jobId: string }>('job.files').map((f) => f.jobId), ['j3']);
    assert.equal((await quiet.call('jobs.fileEvents', { send: 'no' })).ok, false, 'validated');
  } finally {
    quiet.ws.close();
    all.ws.close();
    await server.close();
    await services.close();
  }
});
