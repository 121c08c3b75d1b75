// A client that stops reading must not grow the serve process without bound. The issue's
// reproduction: one such client asking for 400 listings pushed serve mode from 176 to 464 MiB.
// Here: a real serve process, a client that pauses its socket and asks for 200 listings of a
// 1000-entry folder (about 40 MB of entries), while a second client keeps working. Serve's
// resident memory is sampled throughout; then the lagging client reads again and must get every
// listing complete (backpressure delays, it loses nothing). Without backpressure serve grew by
// about 300 MiB here; with it, by about 60 (V8's heap growing for the work, not buffered data).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from 'ws';
import { rpc, startServe, type Served } from '../helpers/serve.js';

const LISTINGS = 200;
const ENTRIES = 1000;
const MiB = 1024 * 1024;

let served: Served;
let dir: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-lagging-'));
  for (let i = 0; i < ENTRIES; i++) fs.writeFileSync(path.join(dir, `a-file-with-a-longish-name-to-make-rows-heavier-${String(i).padStart(6, '0')}.txt`), '');
  served = await startServe();
});
after(async () => {
  await served?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Resident and peak resident memory of a process, in bytes (from /proc/PID/status). */
function memory(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function connect(): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${served.token}`, { origin: served.origin, maxPayload: 0 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

test('a client that stops reading: serve memory stays bounded, others are served, nothing is lost', async () => {
  const pid = served.proc.pid!;
  const other = await connect();
  // Warm up: one full listing through a reading client, so the baseline includes the code paths.
  let warmDone!: () => void;
  const warm = new Promise<void>((r) => (warmDone = r));
  other.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.kind === 'event' && m.event === 'dir.entries' && m.payload.listingId === 'warm' && m.payload.done) warmDone();
  });
  assert.equal((await rpc(other, 1, 'fs.list', { path: dir, listingId: 'warm' })).ok, true);
  await warm;
  await sleep(500);
  const base = memory(pid).rss;

  const lagging = await connect();
  const done = new Set<string>();
  const entries = new Map<string, number>();
  let replies = 0;
  lagging.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.kind === 'reply' && m.ok) replies++;
    if (m.kind === 'event' && m.event === 'dir.entries') {
      entries.set(m.payload.listingId, (entries.get(m.payload.listingId) ?? 0) + m.payload.entries.length);
      if (m.payload.done) done.add(m.payload.listingId);
    }
  });
  lagging.pause(); // stops reading: the kernel buffers fill, then serve's
  for (let i = 0; i < LISTINGS; i++) lagging.send(JSON.stringify({ id: i + 1, method: 'fs.list', params: { path: dir, listingId: `l${i}` } }));

  // For 8 s: sample serve's memory and keep the other client busy; each of its requests must be answered.
  let peak = base;
  let slowest = 0;
  for (let t = Date.now(), id = 100; Date.now() - t < 8000; id++) {
    const t0 = Date.now();
    assert.equal((await rpc(other, id, 'app.info', {})).ok, true);
    slowest = Math.max(slowest, Date.now() - t0);
    peak = Math.max(peak, memory(pid).rss);
    await sleep(100);
  }
  const grew = (peak - base) / MiB;
  console.log(`# serve RSS with a lagging client and ${LISTINGS} listings: ${(base / MiB).toFixed(0)} MiB before, ${(peak / MiB).toFixed(0)} MiB peak (+${grew.toFixed(1)} MiB); slowest reply to the other client ${slowest} ms`);
  assert.ok(grew < 96, `serve grew by ${grew.toFixed(1)} MiB`);
  assert.ok(slowest < 2000, `the other client waited ${slowest} ms`);

  // Reading again, the lagging client gets every listing, complete.
  lagging.resume();
  for (let t = Date.now(); done.size < LISTINGS && Date.now() - t < 120_000; ) await sleep(100);
  assert.equal(done.size, LISTINGS, `${done.size} of ${LISTINGS} listings finished`);
  assert.equal(replies, LISTINGS);
  assert.ok([...entries.values()].every((n) => n === ENTRIES), 'every listing has every entry');
  lagging.close();
  other.close();
  assert.equal(served.proc.exitCode, null);
});
