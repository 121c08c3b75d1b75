// The transfer queue and the copy-method log in the real UI: serve mode + Debian's Chromium.
// Jobs are started through the page's own WebSocket API (same origin, same token) and then driven
// from the UI: the conflict dialog, the file list's method badges, the log view and its export.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';
import { makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { rpc } from './page-rpc.js';

const skip = chromiumSkipReason();

const job = (id: string) => `.queue-area [data-job-id="${id}"]`;

describe('transfer queue and method log', { skip }, () => {
  let root: string;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-queue-e2e-'));
    served = await startServe({ left: root, right: root });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector('.queue-area');
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await served?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('conflict dialog with apply-to-all, file rows with methods, log view and CSV export', async () => {
    const src = path.join(root, 'c-src');
    const dst = path.join(root, 'c-dst');
    fs.mkdirSync(path.join(src, 'docs'), { recursive: true });
    fs.mkdirSync(path.join(dst, 'docs'), { recursive: true });
    for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(src, 'docs', `n${i}.txt`), `new ${i} `.repeat(100));
    for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(dst, 'docs', `n${i}.txt`), 'old');
    const { jobId } = await rpc<{ jobId: string }>(page, 'jobs.start', {
      kind: 'copy',
      sources: [path.join(src, 'docs')],
      destDir: dst,
      options: { conflict: 'ask' },
    });
    await page.waitForSelector(job(jobId));
    const dialog = page.locator('[role="alertdialog"]');
    await dialog.waitFor();
    const text = await dialog.innerText();
    assert.match(text, /already exists/);
    assert.match(text, /3 B/, 'existing size shown');
    assert.match(text, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}/, 'dates shown');
    await dialog.locator('[data-apply-all]').check();
    await dialog.locator('[data-decision="skip"]').click();
    await page.waitForSelector(`${job(jobId)}[data-state="done"]`);
    assert.equal(await page.locator('[role="alertdialog"]').count(), 0, 'apply-to-all answered the rest');
    for (let i = 0; i < 3; i++) assert.equal(fs.readFileSync(path.join(dst, 'docs', `n${i}.txt`), 'utf8'), 'old', 'never overwritten silently');
    for (let i = 3; i < 6; i++) assert.equal(fs.readFileSync(path.join(dst, 'docs', `n${i}.txt`), 'utf8'), `new ${i} `.repeat(100));

    // The selected job's files, with a method badge on each copied row.
    await page.click(job(jobId));
    await page.waitForSelector('.queue-area .files .rec[data-type="file"][data-status="ok"]');
    const methods = await page.locator('.queue-area .files .rec[data-type="file"][data-status="ok"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
    assert.equal(methods.length, 3);
    assert.ok(methods.every((m) => m && m !== 'none'), `methods: ${methods.join(',')}`);
    assert.equal(await page.locator('.queue-area .files .rec[data-status="skipped"]').count(), 3);

    // The log tab lists the records and exports them.
    await page.click('[data-tab="log"]');
    await page.waitForSelector('.queue-area .log .rec[data-type="file"]');
    await page.selectOption('[data-filter="job"]', jobId);
    await page.waitForFunction(() => document.querySelectorAll('.queue-area .log .rec[data-type="file"]').length === 6);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="csv"]')]);
    assert.match(download.suggestedFilename(), /^ferry-log-.*\.csv$/);
    const csv = fs.readFileSync((await download.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    assert.match(lines[0]!, /^time,jobId,src,dest,/);
    assert.equal(lines.filter((l) => l.includes('/docs/n')).length, 6);
    // Summary for the job in the log view.
    await page.waitForSelector(`[data-summary-job="${jobId}"]`);
    await page.click('[data-tab="queue"]');
  });

  test('the conflict dialog is a keyboard dialog: Enter skips the file, Escape cancels the transfer', async () => {
    const src = path.join(root, 'k-src');
    const dst = path.join(root, 'k-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    fs.writeFileSync(path.join(src, 'a.txt'), 'new a');
    fs.writeFileSync(path.join(dst, 'a.txt'), 'old a');
    const start = () => rpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [path.join(src, 'a.txt')], destDir: dst, options: { conflict: 'ask' } });
    const dialog = page.locator('[role="alertdialog"]');

    const skipped = (await start()).jobId;
    await dialog.waitFor();
    await page.locator('[role="alertdialog"] [data-decision="skip"]:focus').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${job(skipped)}[data-state="done"]`);
    assert.equal(await dialog.count(), 0);

    const cancelled = (await start()).jobId;
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await page.waitForSelector(`${job(cancelled)}[data-state="cancelled"]`);
    assert.equal(await dialog.count(), 0);
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'old a', 'neither answer overwrote it');
  });

  test('a job\'s files and the log are virtual lists: a window of rows, the last one reachable', async () => {
    const src = path.join(root, 'v-src');
    const dst = path.join(root, 'v-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    const n = 300; // and the folder: n + 1 records
    for (let i = 0; i < n; i++) fs.writeFileSync(path.join(src, `v${String(i).padStart(5, '0')}.txt`), 'v');
    const { jobId } = await rpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [src], destDir: dst, options: {} });
    await page.waitForSelector(`${job(jobId)}[data-state="done"]`, { timeout: 60_000 });
    await page.click(job(jobId));
    // The last row of each list, as the server has it (files finish in any order).
    type Rec = { src: string; dest: string };
    const lastFile = (await rpc<{ total: number; records: Rec[] }>(page, 'jobs.files', { jobId, offset: n, limit: 10 })).records.at(-1)!;
    // The log shows the newest first: its last row is the oldest record.
    const lastLog = (await rpc<{ total: number; records: Rec[] }>(page, 'log.read', { jobId, offset: 0, limit: 1 })).records[0]!;
    const files = '.queue-area .files [role="grid"]';
    const log = '.queue-area .log [role="grid"]';
    await page.waitForSelector(`${files} .rec`);
    for (const [list, lastRec] of [[files, lastFile], [log, lastLog]] as const) {
      if (list === log) {
        await page.click('[data-tab="log"]');
        await page.selectOption('[data-filter="job"]', jobId);
        await page.waitForFunction(() => /301 records/.test(document.querySelector('.queue-area .log .total')?.textContent ?? ''));
      }
      const rendered = await page.locator(`${list} .rec`).count();
      assert.ok(rendered > 3 && rendered < 100, `${list}: only a window of rows is in the DOM (${rendered})`);
      await page.evaluate((sel) => {
        const el = document.querySelector(sel)!;
        el.scrollTop = el.scrollHeight;
      }, list);
      await page.locator(`${list} .rec[title="${lastRec.src} → ${lastRec.dest}"]`).waitFor();
      assert.ok((await page.locator(`${list} .rec`).count()) < 100, 'still a window at the end');
    }
    await page.click('[data-tab="queue"]');
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  });

  test('pause and resume from the job row, then remove the finished job', async () => {
    const src = path.join(root, 'p-src');
    const dst = path.join(root, 'p-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    const fd = fs.openSync(path.join(src, 'big.bin'), 'w');
    const chunk = Buffer.alloc(8 << 20);
    for (let i = 0; i < 96; i++) fs.writeSync(fd, chunk.fill(i)); // 768 MiB
    fs.closeSync(fd);
    const { jobId } = await rpc<{ jobId: string }>(page, 'jobs.start', {
      kind: 'copy',
      sources: [path.join(src, 'big.bin')],
      destDir: dst,
      options: { method: 'buffered', fsync: true },
    });
    await page.waitForSelector(`${job(jobId)}[data-state="running"]`);
    await page.click(`${job(jobId)} [data-action="pause"]`);
    await page.waitForSelector(`${job(jobId)}[data-state="paused"]`);
    assert.ok(!fs.existsSync(path.join(dst, 'big.bin')), 'nothing under the final name while paused');
    await page.click(`${job(jobId)} [data-action="resume"]`);
    // While it runs the page animates nothing: its bar moves once a tick, never by a transition
    // that restyles, lays out and paints every frame of the job (frame time, issue 14).
    const watched = await page.evaluate(
      (sel) =>
        new Promise<{ animations: number; values: number }>((resolve) => {
          const values = new Set<string>();
          let animations = 0;
          const t0 = performance.now();
          const frame = () => {
            const v = document.querySelector(`${sel} [role="progressbar"]`)?.getAttribute('aria-valuenow');
            if (v) values.add(v);
            animations = Math.max(animations, document.getAnimations().length);
            if (performance.now() - t0 < 1500) requestAnimationFrame(frame);
            else resolve({ animations, values: values.size });
          };
          requestAnimationFrame(frame);
        }),
      job(jobId),
    );
    assert.ok(watched.values >= 2, `the bar moved while watched (${watched.values} values)`);
    assert.equal(watched.animations, 0, 'no animation runs while a job progresses');
    await page.waitForSelector(`${job(jobId)}[data-state="done"]`, { timeout: 120_000 });
    assert.equal(fs.statSync(path.join(dst, 'big.bin')).size, 768 << 20);
    await page.click(`${job(jobId)} [data-action="remove"]`);
    await page.waitForSelector(job(jobId), { state: 'detached' });
    fs.rmSync(src, { recursive: true, force: true });
    fs.rmSync(dst, { recursive: true, force: true });
  });

  test('btrfs → btrfs: the queue and the log show reflink', { skip: skipUnlessMountable('btrfs') }, async () => {
    const m = await makeMount('btrfs', 128);
    try {
      const src = path.join(m.dir, 'src');
      const dst = path.join(m.dir, 'dst');
      fs.mkdirSync(src);
      fs.mkdirSync(dst);
      for (let i = 0; i < 4; i++) fs.writeFileSync(path.join(src, `r${i}.bin`), Buffer.alloc(256 * 1024, i + 1));
      const { jobId } = await rpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [src], destDir: dst, options: {} });
      await page.waitForSelector(`${job(jobId)}[data-state="done"]`);
      await page.click(job(jobId));
      await page.waitForSelector('.queue-area .files .rec[data-method="reflink"]');
      assert.equal(await page.locator('.queue-area .files .rec[data-type="file"][data-method="reflink"]').count(), 4);
      assert.match(await page.locator(job(jobId)).innerText(), /cloned instantly, 1\.0 MiB shared/);
      await page.click('[data-tab="log"]');
      await page.selectOption('[data-filter="job"]', jobId);
      await page.selectOption('[data-filter="method"]', 'reflink');
      await page.waitForSelector('.queue-area .log .rec[data-method="reflink"]');
      const all = await page.locator('.queue-area .log .rec').evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
      assert.ok(all.length >= 4 && all.every((x) => x === 'reflink'), all.join(','));
      await page.selectOption('[data-filter="method"]', '');
      await page.click('[data-tab="queue"]');
    } finally {
      await m.cleanup();
    }
  });
});
