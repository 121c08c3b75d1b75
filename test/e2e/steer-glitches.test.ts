// The small glitches of issue 12 ("Honest numbers › Other glitches"), each seen in Chromium through
// serve mode: "1 file" (never "1 files"); the spaces in "· xfs · reflink" and in "transfer (N more
// to decide)"; that count taken from the scan's conflicts, not only those in flight; a cancelled
// job's button says what it will do ("Resume", never "Retry failed"); the Queue tab's count is
// explained; a new job is selected and scrolled into view; the toast covers neither status line
// (nor the path bars), at 1400×900 and 900×600; a quick job's file list shows each file once.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { chromiumSkipReason } from '../helpers/browser.js';
import { makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { copy, finished, jobs, go, jobRow, pageRpc, pane, pick, type Ui, pairPerSuite } from './steer-helpers.js';

const skip = chromiumSkipReason();
const dialog = '[data-testid="transfer-dialog"]';
const conflictDialog = '[role="alertdialog"]';

/** F5 on the left pane's cursor entry, confirmed once the scan is done; the new job's id. */
async function f5(page: Page): Promise<string> {
  const before = new Set((await jobs(page)).map((j) => j.id));
  await page.locator(`${pane('left')} .grid`).focus();
  await page.keyboard.press('F5');
  await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
  await page.click(`${dialog} [data-testid="transfer-confirm"]`);
  await page.waitForSelector(dialog, { state: 'detached' });
  let id: string | undefined;
  for (let i = 0; i < 100 && !id; i++) {
    id = (await jobs(page)).find((j) => !before.has(j.id))?.id;
    if (!id) await page.waitForTimeout(50);
  }
  assert.ok(id, 'a job was started');
  return id;
}
type Box = { x: number; y: number; width: number; height: number };
function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}
async function boxOf(l: Locator): Promise<Box> {
  const b = await l.boundingBox();
  assert.ok(b, 'visible');
  return b;
}

describe('the glitches: words, spaces, counts, labels, scrolling, the toast, the file list', { skip }, () => {
  let root: string;
  let L: string;
  let R: string;
  let ui: Ui;
  let page: Page;

  pairPerSuite('ferry-steer-glitch-', (p) => ({ root, L, R, ui, page } = p));

  test('one file is "1 file" in the dialog, the queue and the outcome, never "1 files"', async () => {
    const dir = path.join(L, 'single');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'only.txt'), 'only');
    fs.mkdirSync(path.join(R, 'single-to'));
    await go(page, 'left', dir);
    await go(page, 'right', path.join(R, 'single-to'));
    await pick(page, 'left', path.join(dir, 'only.txt'));
    await page.keyboard.press('F5');
    await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
    assert.equal(await page.locator(`${dialog} [data-testid="transfer-totals"]`).innerText(), '1 file · 4 B');
    await page.click(`${dialog} [data-testid="transfer-confirm"]`);
    await page.waitForSelector(dialog, { state: 'detached' });
    const id = (await jobs(page)).find((j) => j.destDir === path.join(R, 'single-to'))!.id;
    await finished(page, id);
    assert.equal(await page.locator(`${jobRow(id)} [data-testid="job-files"]`).innerText(), '1 / 1 file');
    assert.match(await page.locator(`${jobRow(id)} [data-outcome]`).innerText(), /of 1$/);
    assert.doesNotMatch(await page.locator('body').innerText(), /\b1 files\b/);
    await go(page, 'left', L);
    await go(page, 'right', R);
  });

  test('the status line of an xfs folder reads "· xfs · reflink", spaces on both sides', { skip: skipUnlessMountable('xfs') }, async () => {
    const m = await makeMount('xfs', 300);
    try {
      await go(page, 'right', m.dir);
      const info = page.locator(`${pane('right')} [data-testid="fs-info"]`);
      await page.waitForFunction(() => /xfs/.test(document.querySelector('[data-pane="right"] [data-testid="fs-info"]')?.textContent ?? ''));
      assert.match(await info.innerText(), /^[\d.]+ \w+ free of [\d.]+ \w+ · xfs · reflink$/);
    } finally {
      await go(page, 'right', R);
      await m.cleanup();
    }
  });

  test('"transfer (N more to decide)": N counts every conflict the scan found, not just those asked now', async () => {
    const src = path.join(root, 'many-src');
    const dst = path.join(root, 'many-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    for (let i = 0; i < 40; i++) {
      fs.writeFileSync(path.join(src, `c${i}`), 'new');
      fs.writeFileSync(path.join(dst, `c${i}`), 'old');
    }
    const id = await copy(page, fs.readdirSync(src).map((n) => path.join(src, n)), dst, { conflict: 'ask' });
    const c = page.locator(conflictDialog);
    await c.waitFor();
    // At most a few are asked at once (one per engine thread); the scan found 40.
    await page.waitForFunction(() => /this transfer \(39 more to decide\)$/.test(document.querySelector('[role="alertdialog"] label.all')?.textContent?.trim() ?? ''), undefined, { timeout: 5000 });
    const open = (await jobs(page)).find((j) => j.id === id)!;
    assert.ok((open.conflictsLeft ?? 0) >= 40, `the scan's count: ${open.conflictsLeft}`);
    await c.locator('[data-apply-all]').check();
    await c.locator('[data-decision="skip"]').click();
    const j = await finished(page, id);
    assert.equal(j.state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'c7'), 'utf8'), 'old');
  });

  test('a cancelled job\'s button says "Resume" (never "Retry failed"), and resuming finishes it', async () => {
    const src = path.join(root, 'cancel-src');
    const dst = path.join(root, 'cancel-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    for (const n of ['a', 'b', 'c']) fs.writeFileSync(path.join(src, n), n);
    fs.writeFileSync(path.join(dst, 'a'), 'old');
    const id = await copy(page, ['a', 'b', 'c'].map((n) => path.join(src, n)), dst, { conflict: 'ask' });
    const c = page.locator(conflictDialog);
    await c.waitFor();
    await c.locator('[data-decision="cancel"]').click();
    assert.equal((await finished(page, id)).state, 'cancelled');
    const retry = page.locator(`${jobRow(id)} [data-action="retry"]`);
    assert.equal(await retry.innerText(), 'Resume');
    assert.equal(await retry.getAttribute('title'), 'go on where it stopped');
    await retry.click();
    if (process.env.STEER_DEBUG) {
      await page.waitForTimeout(2000);
      console.log('# after resume:', JSON.stringify((await jobs(page)).find((j) => j.id === id)), fs.readdirSync(dst), fs.readFileSync(path.join(dst, 'a'), 'utf8'));
      console.log(JSON.stringify((await pageRpc<{ records: unknown[] }>(page, 'jobs.files', { jobId: id, offset: 0, limit: 20 })).records));
    }
    await c.waitFor();
    await c.locator('[data-decision="overwrite"]').click();
    assert.equal((await finished(page, id)).state, 'done');
    for (const n of ['a', 'b', 'c']) assert.equal(fs.readFileSync(path.join(dst, n), 'utf8'), n);
  });

  test('the Queue tab\'s count is in words, and explained by its title', async () => {
    const tab = page.locator('.queue-area [data-tab="queue"]');
    const n = (await jobs(page)).length;
    assert.ok(n > 0);
    await page.waitForFunction((k) => document.querySelector('[data-testid="queue-count"]')?.textContent === ` · ${k} transfer${k === 1 ? '' : 's'}`, n);
    assert.equal(await tab.getAttribute('title'), `${n} transfer${n === 1 ? '' : 's'} in the queue, 0 running`);
    assert.doesNotMatch(await tab.innerText(), /\(\d+\/\d+\)/, 'no bare "(0/9)"');
  });

  test('a new job is selected and scrolled into view, even with the list scrolled to its end', async () => {
    const src = path.join(root, 'scroll-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'x.txt'), 'x');
    for (let i = 0; i < 16; i++) await finished(page, await copy(page, [path.join(src, 'x.txt')], root, { conflict: 'overwrite' }));
    const list = page.locator('.queue-area .jobs');
    assert.ok(await list.evaluate((e) => e.scrollHeight > e.clientHeight + 50), 'the list overflows');
    // The oldest job selected, the list scrolled to the end: the top is out of view.
    const all = await jobs(page);
    const oldest = all.reduce((a, b) => (a.createdAt < b.createdAt ? a : b));
    await page.click(`${jobRow(oldest.id)} [data-job-pick]`);
    await list.evaluate((e) => (e.scrollTop = e.scrollHeight));
    await go(page, 'left', src);
    await pick(page, 'left', path.join(src, 'x.txt'));
    const id = await f5(page);
    await page.waitForSelector(`${jobRow(id)}.selected`);
    await page.waitForFunction(
      (sel) => {
        const r = document.querySelector(sel)!.getBoundingClientRect();
        const v = document.querySelector('.queue-area .jobs')!.getBoundingClientRect();
        return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;
      },
      jobRow(id),
      { timeout: 5000 },
    );
    await go(page, 'left', L);
  });

  test('the toast covers neither status line nor the path bars, at 1400×900 and at 900×600', async () => {
    for (const size of [{ width: 1400, height: 900 }, { width: 900, height: 600 }]) {
      await page.setViewportSize(size);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(r)));
      await go(page, 'left', L);
      await pick(page, 'left', path.join(L, 'single'));
      // A notice: copying names the clipboard's content for a few seconds.
      await page.keyboard.press('Control+c');
      const toast = page.locator('[data-testid="notice"]');
      await toast.waitFor();
      const t = await boxOf(toast);
      for (const side of ['left', 'right'] as const) {
        const status = await boxOf(page.locator(`${pane(side)} .status`));
        assert.ok(!overlaps(t, status), `${size.width}×${size.height}: the toast ${JSON.stringify(t)} covers the ${side} status line ${JSON.stringify(status)}`);
        const bar = await boxOf(page.locator(`${pane(side)} .crumbs`).first());
        assert.ok(!overlaps(t, bar), `${size.width}×${size.height}: the toast ${JSON.stringify(t)} covers the ${side} path bar ${JSON.stringify(bar)}`);
      }
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  test('a quick job\'s file list shows each file once, even when its list loads slower than its live updates come', async () => {
    const src = path.join(root, 'quick-src');
    fs.mkdirSync(src);
    const names = ['q1.txt', 'q2.txt', 'q3.txt', 'q4.txt', 'q5.txt'];
    for (const n of names) fs.writeFileSync(path.join(src, n), n);
    // A page whose jobs.files requests reach the main process 400 ms late (a busy process): the
    // records of a new job arrive live while its list is loading, and the list read holds them too.
    const p = await ui.context.newPage();
    try {
      await p.routeWebSocket(/\/ws\?/, (ws) => {
        const server = ws.connectToServer();
        ws.onMessage((m) => {
          const msg = JSON.parse(String(m)) as { method?: string };
          if (msg.method === 'jobs.files') setTimeout(() => server.send(m), 400);
          else server.send(m);
        });
      });
      await p.goto(ui.served.url);
      await p.waitForSelector('.queue-area');
      for (let round = 0; round < 3; round++) {
        const dst = path.join(root, `quick-dst-${round}`);
        fs.mkdirSync(dst);
        const id = await copy(p, names.map((n) => path.join(src, n)), dst);
        await finished(p, id);
        await p.waitForSelector(`${jobRow(id)}.selected`);
        await p.waitForTimeout(600); // the slow page has come, and any late update
        assert.equal(await p.locator('.queue-area .files [role="grid"]').getAttribute('aria-rowcount'), String(names.length + 1), `round ${round}: a row per file (and the header)`);
        assert.deepEqual((await p.locator('.queue-area .files .rec .name .base').allInnerTexts()).sort(), names, `round ${round}: each file once`);
      }
    } finally {
      await p.close();
    }
  });
});
