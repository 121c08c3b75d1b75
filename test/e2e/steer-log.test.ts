// Honest numbers, the copy-method log, and keyboard and accessibility in Chromium through serve
// mode (issue 12): durations without waiting, reflinked bytes as "cloned instantly", sparse files'
// real bytes, folder sizes (Space, Properties); the log newest first with a record's details (the
// whole chain, each errno's reason), an export of exactly what is filtered (CSV, and JSON with
// each attempt's errno), job-level failures in the log, "Clear finished", a 900×600 window; region cycling, columnheader roles, AA contrast in both themes, and a
// background menu that acts on the folder.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { LogRecord } from '../../electron/contract.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { copy, finished, docShot, go, jobRow, pane, pick, row, type Ui, pairPerSuite } from './steer-helpers.js';

const skip = chromiumSkipReason();

async function showTab(page: Page, tab: 'queue' | 'log'): Promise<void> {
  await page.click(`.queue-area [data-tab="${tab}"]`);
}

/** WCAG contrast of an element's text against the first opaque background behind it. */
async function contrast(page: Page, selector: string): Promise<number> {
  return page.locator(selector).first().evaluate((el) => {
    const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    let bg: number[] = [255, 255, 255];
    for (let e: Element | null = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3]! > 0.99)) {
        bg = c;
        break;
      }
    }
    const a = lum(rgb(getComputedStyle(el).color));
    const b = lum(bg);
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

describe('honest numbers, the method log, keyboard and accessibility', { skip }, () => {
  let L: string;
  let R: string;
  let ui: Ui;
  let page: Page;

  pairPerSuite('ferry-steer-log-', (p) => ({ L, R, ui, page } = p), 'dialog[open], [role="menu"]');

  test('a reflinked job: cloned instantly, N shared, never a speed; its time is the work alone', { skip: skipUnlessMountable('btrfs') }, async () => {
    const m = await makeMount('btrfs', 256);
    try {
      const src = path.join(m.dir, 'big.bin');
      fs.writeFileSync(src, Buffer.alloc(64 << 20, 5));
      execFileSync('sync', ['-f', m.dir]);
      fs.mkdirSync(path.join(m.dir, 'to'));
      const id = await copy(page, [src], path.join(m.dir, 'to'));
      const j = await finished(page, id);
      assert.equal(j.state, 'done');
      assert.equal(j.bytesReflinked, 64 << 20);
      const took = await page.locator(`${jobRow(id)} [data-testid="job-took"]`).innerText();
      assert.match(took, /cloned instantly, 64 MiB shared/);
      assert.doesNotMatch(took, /\/s/, 'reflinked bytes are not a transfer speed');
      assert.ok((j.activeMs ?? Infinity) < 3000, `working time ${j.activeMs} ms`);
    } finally {
      await m.cleanup();
    }
  });

  test('waiting on a question is not working time', async () => {
    const src = path.join(L, 'w.txt');
    fs.writeFileSync(src, 'new');
    fs.writeFileSync(path.join(R, 'w.txt'), 'old');
    const id = await copy(page, [src], R, { conflict: 'ask' });
    const c = page.locator('[role="alertdialog"]');
    await c.waitFor();
    const asked = Date.now();
    await page.waitForTimeout(2500);
    await c.locator('[data-decision="overwrite"]').click();
    const waited = Date.now() - asked;
    const j = await finished(page, id);
    assert.equal(fs.readFileSync(path.join(R, 'w.txt'), 'utf8'), 'new');
    const total = j.finishedAt! - j.startedAt!;
    // The wait is left out (whatever the rest took on a loaded machine).
    assert.ok(j.activeMs !== undefined && j.activeMs <= total - waited + 250, `working time ${j.activeMs} ms of ${total} ms, ${waited} ms waiting`);
    assert.match(await page.locator(`${jobRow(id)} [data-testid="job-took"]`).innerText(), /^\d+ (ms|s)\b/);
  });

  test('a sparse file counts the bytes really read and written, next to its size', async () => {
    const src = path.join(L, 'sparse.img');
    const fd = fs.openSync(src, 'w');
    fs.writeSync(fd, Buffer.alloc(1 << 20, 1), 0, 1 << 20, 0);
    fs.ftruncateSync(fd, 512 << 20);
    fs.closeSync(fd);
    const id = await copy(page, [src], R);
    const j = await finished(page, id);
    assert.equal(j.state, 'done');
    assert.ok(fs.statSync(path.join(R, 'sparse.img')).blocks * 512 < 8 << 20, 'holes stay holes');
    assert.equal(j.sparse?.size, 512 << 20);
    assert.ok(j.sparse!.bytes < 8 << 20, `data bytes ${j.sparse!.bytes}`);
    const nums = await page.locator(`${jobRow(id)} .nums`).innerText();
    assert.match(nums, /512 MiB sparse, [\d.]+ MiB of data/);
  });

  test('folder size: Space in the pane, and Properties from the background menu (which offers nothing for the cursor row)', async () => {
    const dir = path.join(L, 'many');
    fs.mkdirSync(dir);
    for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(dir, `f${i}`), 'ab');
    await go(page, 'left', L);
    await pick(page, 'left', dir);
    await page.keyboard.press('Escape'); // the click marked it; Space marks and measures
    await page.keyboard.press(' ');
    const measured = page.locator(`${row('left', dir)} .measured[data-measured="done"]`);
    await measured.waitFor();
    assert.equal(await measured.innerText(), '3.9 KiB');
    // The background menu is the folder's: no trash (the cursor row is not its subject), and
    // Properties measures the folder shown.
    await pick(page, 'left', dir);
    const box = (await page.locator(`${pane('left')} .grid`).boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 10, { button: 'right' });
    const menu = page.locator('[role="menu"]');
    await menu.waitFor();
    assert.equal(await menu.locator('[data-action="trash"]').count(), 0);
    await menu.locator('[data-action="properties"]').click();
    const size = page.locator('[data-testid="properties-size"][data-done="true"]');
    await size.waitFor();
    let files = 0;
    for (const e of fs.readdirSync(L, { recursive: true, withFileTypes: true })) if (!e.isDirectory()) files++;
    assert.ok(files > 2000);
    assert.match(await page.locator('[data-testid="properties-contains"]').innerText(), new RegExp(`${files.toLocaleString('en-US')} files`));
    assert.doesNotMatch(await size.innerText(), /^4\.0 KiB/);
    assert.match(await page.locator('[data-testid="properties-mtime"]').innerText(), /^\d{4}-\d\d-\d\d \d\d:\d\d/, 'ISO dates, as in the lists');
    await page.keyboard.press('Escape');
    await go(page, 'left', L);
  });

  test('the log: newest first, a record\'s details with the whole chain and why, an export of exactly what is filtered', { skip: skipUnlessMountable('tmpfs') }, async () => {
    const m = await makeMount('tmpfs', 16);
    try {
      const src = path.join(L, 'logsrc');
      fs.mkdirSync(src);
      for (const n of ['keep-1.txt', 'keep-2.txt', 'other-1.txt']) fs.writeFileSync(path.join(src, n), n.repeat(50));
      const first = await copy(page, [path.join(src, 'keep-1.txt'), path.join(src, 'other-1.txt')], m.dir);
      await finished(page, first);
      const second = await copy(page, [path.join(src, 'keep-2.txt')], m.dir);
      await finished(page, second);
      await showTab(page, 'log');
      const recs = page.locator('.logtab .rec');
      await recs.first().waitFor();
      assert.match(await recs.first().locator('.name .base').innerText(), /^keep-2\.txt$/, 'newest first');
      // Details: source, destination, the whole chain with each errno's reason, time and bytes.
      await recs.first().click();
      const detail = page.locator('[data-testid="record-detail"]');
      await detail.waitFor();
      assert.equal(await detail.locator('[data-testid="record-src"]').innerText(), path.join(src, 'keep-2.txt'));
      assert.equal(await detail.locator('[data-testid="record-dest"]').innerText(), path.join(m.dir, 'keep-2.txt'));
      const chain = detail.locator('[data-testid="record-chain"] li');
      assert.ok((await chain.count()) >= 2, 'the fallback chain in full');
      assert.equal(await chain.last().getAttribute('data-outcome'), 'ok');
      assert.match(await chain.first().innerText(), /EXDEV: different filesystems/);
      assert.match(await detail.locator('[data-testid="record-bytes"]').innerText(), /500 B \(500 bytes\) · 500 B read and written/);
      assert.match(await detail.locator('[data-testid="record-time"]').innerText(), /^[\d.]+ m?s · [\d.]+ \w+\/s · finished \d{4}-\d\d-\d\d/, 'spaces on both sides of each ·');
      await docShot(page, 'log');
      await detail.locator('[data-testid="record-detail-close"]').click();
      // Filtered by text: the export holds exactly the rows shown.
      await page.fill('[data-filter="text"]', 'keep-');
      await page.waitForFunction(() => document.querySelectorAll('.logtab .rec').length === 2);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="csv"]')]);
      const lines = fs.readFileSync((await download.path())!, 'utf8').trim().split('\n');
      assert.equal(lines.length - 1, 2, 'a header and the two rows shown');
      assert.ok(lines.slice(1).every((l) => l.includes('keep-')));
      await page.fill('[data-filter="text"]', '');
    } finally {
      await m.cleanup();
    }
  });

  test('job-level failures are in the log with their error: a failed free-space check, a destination gone before the job ran', { skip: skipUnlessMountable('tmpfs') }, async () => {
    const m = await makeMount('tmpfs', 4);
    await showTab(page, 'queue');
    try {
      const big = path.join(L, 'too-big.bin');
      fs.writeFileSync(big, Buffer.alloc(8 << 20, 1));
      const full = await copy(page, [big], m.dir);
      const j = await finished(page, full);
      assert.equal(j.state, 'failed');
      assert.equal(j.error?.code, 'ENOSPC');
      // The destination vanishes while its job waits behind another on the same device.
      const holder = path.join(L, 'holder.txt');
      fs.writeFileSync(holder, 'new');
      fs.writeFileSync(path.join(R, 'holder.txt'), 'old');
      const gone = path.join(R, 'gone');
      fs.mkdirSync(gone);
      const first = await copy(page, [holder], R, { conflict: 'ask' });
      const c = page.locator('[role="alertdialog"]');
      await c.waitFor();
      fs.writeFileSync(path.join(L, 'late.txt'), 'late');
      const second = await copy(page, [path.join(L, 'late.txt')], gone);
      await page.waitForSelector(`${jobRow(second)}[data-state="queued"]`);
      fs.rmdirSync(gone);
      await c.locator('[data-decision="skip"]').click();
      await finished(page, first);
      const g = await finished(page, second);
      assert.equal(g.state, 'failed');
      assert.equal(g.error?.code, 'ENOENT');

      await showTab(page, 'log');
      await page.check('[data-filter="errors"]');
      const jobRows = page.locator('.logtab .rec[data-type="job"]');
      await page.waitForFunction(() => document.querySelectorAll('.logtab .rec[data-type="job"]').length >= 2);
      const texts = await jobRows.locator('.status').allInnerTexts();
      assert.ok(texts.some((t) => /^the transfer failed: ENOSPC: .*free/.test(t)), texts.join('\n'));
      assert.ok(texts.some((t) => /^the transfer failed: ENOENT: no such file or directory.*gone/.test(t)), texts.join('\n'));
      // Its details carry the error itself.
      await jobRows.filter({ hasText: 'ENOSPC' }).first().click();
      const detail = page.locator('[data-testid="record-detail"]');
      await detail.waitFor();
      assert.match(await detail.locator('[data-testid="record-error"]').innerText(), /^ENOSPC: /);
      await detail.locator('[data-testid="record-detail-close"]').click();
    } finally {
      await page.uncheck('[data-filter="errors"]').catch(() => {});
      await m.cleanup();
    }
  });

  test('the JSON export holds exactly the records shown, parses, and carries each attempt with its errno', { skip: skipUnlessMountable('tmpfs') }, async () => {
    const m = await makeMount('tmpfs', 16);
    await showTab(page, 'queue');
    try {
      const src = path.join(L, 'jsonsrc');
      fs.mkdirSync(src);
      for (const n of ['json-a.txt', 'json-b.txt', 'json-c.txt', 'plain.txt']) fs.writeFileSync(path.join(src, n), n);
      const across = await copy(page, ['json-a.txt', 'json-b.txt', 'plain.txt'].map((n) => path.join(src, n)), m.dir);
      await finished(page, across);
      // Forced to one method: nothing to fall back from.
      const here = await copy(page, [path.join(src, 'json-c.txt')], R, { method: 'buffered' });
      await finished(page, here);
      await showTab(page, 'log');
      await page.fill('[data-filter="text"]', 'json-');
      await page.waitForFunction(() => document.querySelectorAll('.logtab .rec').length === 3);
      // Across filesystems each file fell back (EXDEV); the buffered copy did not.
      await page.check('[data-filter="fellBack"]');
      const shownCount = async () => page.evaluate(() => document.querySelectorAll('.logtab .rec').length);
      await page.waitForFunction(() => document.querySelectorAll('.logtab .rec').length === 2);
      const shown = (await page.locator('.logtab .rec').evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''))).map((t) => t.split(' → ')[1]!).sort();
      assert.equal(shown.length, await shownCount());
      const total = await page.locator('.logtab .total').innerText();
      assert.match(total, new RegExp(`^${shown.length} records? shown$`));
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-export="json"]')]);
      assert.match(download.suggestedFilename(), /^ferry-log-all-.*\.json$/);
      const records = JSON.parse(fs.readFileSync((await download.path())!, 'utf8')) as LogRecord[];
      assert.ok(Array.isArray(records));
      assert.deepEqual(records.map((r) => r.dest).sort(), shown, 'exactly the rows shown');
      assert.ok(records.every((r) => r.dest.includes('json-')), 'the text filter');
      assert.ok(!records.some((r) => r.dest.endsWith('plain.txt')));
      assert.ok(!records.some((r) => r.dest.endsWith('json-c.txt')), 'the fell-back filter');
      for (const r of records) {
        assert.ok(r.attempts.length >= 2, `${r.dest}: the whole chain`);
        const failedFirst = r.attempts.slice(0, -1);
        assert.ok(failedFirst.every((a) => a.outcome !== 'ok' && typeof a.errno === 'string' && /^E[A-Z]+$/.test(a.errno)), `${r.dest}: ${JSON.stringify(r.attempts)}`);
        assert.equal(r.attempts.at(-1)!.outcome, 'ok');
        assert.equal(r.attempts.at(-1)!.errno, null);
      }
      assert.ok(records.some((r) => r.attempts.some((a) => a.errno === 'EXDEV')), 'across filesystems: EXDEV');
      // Oldest first, as the button says.
      const times = records.map((r) => r.time);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    } finally {
      await page.uncheck('[data-filter="fellBack"]').catch(() => {});
      await page.fill('[data-filter="text"]', '').catch(() => {});
      await m.cleanup();
    }
  });

  test('Clear finished empties the queue of finished transfers', async () => {
    await showTab(page, 'queue');
    assert.ok((await page.locator('.queue-area [data-job-id]').count()) > 0);
    await page.click('[data-testid="clear-finished"]');
    await page.waitForFunction(() => document.querySelectorAll('.queue-area [data-job-id]').length === 0);
    assert.ok(await page.locator('[data-testid="clear-finished"]').isDisabled());
  });

  test('at 900×600 the queue\'s names and the log\'s file column are readable', async () => {
    const src = path.join(L, 'readable-name.txt');
    fs.writeFileSync(src, 'r');
    const small = await ui.browser.newContext({ viewport: { width: 900, height: 600 } });
    try {
      const p = await small.newPage();
      await p.goto(ui.served.url);
      await p.waitForSelector('.queue-area');
      const id = await copy(p, [src], path.join(R));
      await finished(p, id);
      const what = p.locator(`${jobRow(id)} .what`);
      const fits = (sel: import('playwright-core').Locator) => sel.evaluate((e) => e.scrollWidth <= e.clientWidth + 1 && e.clientWidth > 40);
      assert.ok(await fits(what), 'the queue shows the whole name');
      await p.click('.queue-area [data-tab="log"]');
      const base = p.locator('.logtab .rec .name .base').first();
      await base.waitFor();
      assert.ok(await fits(base), 'the log shows the whole file name');
    } finally {
      await small.close();
    }
  });

  test('keyboard: Tab cycles left pane → right pane → transfers → left pane; Ctrl+J and Escape come back', async () => {
    await page.locator(`${pane('left')} .grid`).focus();
    await page.keyboard.press('Tab');
    await page.waitForSelector(`${pane('right')} .grid:focus`);
    await page.keyboard.press('Tab');
    await page.waitForSelector('.transfers :focus');
    let back = false;
    for (let i = 0; i < 60 && !back; i++) {
      await page.keyboard.press('Tab');
      back = await page.evaluate(() => !!document.activeElement?.closest('[data-pane="left"]'));
    }
    assert.ok(back, 'past the last control of the transfers area, Tab reaches the left pane');
    await page.keyboard.press('Shift+Tab');
    await page.waitForSelector('.transfers :focus');
    await page.keyboard.press('Escape');
    await page.waitForSelector(`${pane('left')} .grid:focus`);
    await page.keyboard.press('Control+j');
    await page.waitForSelector('.transfers :focus');
    await page.keyboard.press('Control+j');
    await page.waitForSelector(`${pane('left')} .grid:focus`);
  });

  test('column headers have columnheader roles; dim text meets WCAG AA in both themes', async () => {
    fs.mkdirSync(path.join(L, 'a-folder'), { recursive: true });
    fs.symlinkSync('a-folder', path.join(L, 'a-link'));
    await go(page, 'left', L);
    assert.ok((await page.locator(`${pane('left')} [role="columnheader"]`).count()) >= 3);
    await showTab(page, 'log');
    assert.ok((await page.locator('.logtab [role="columnheader"]').count()) >= 5);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const folder = `${row('left', path.join(L, 'a-folder'))} .c-size .dim`;
      const ratio = await contrast(page, folder);
      assert.ok(ratio >= 4.5, `"folder" in ${scheme}: ${ratio.toFixed(2)}:1`);
      const link = await contrast(page, `${row('left', path.join(L, 'a-link'))} .link`);
      assert.ok(link >= 4.5, `a link target in ${scheme}: ${link.toFixed(2)}:1`);
      const dir = await contrast(page, '.logtab .rec .name .dir');
      assert.ok(dir >= 4.5, `the log's folder column in ${scheme}: ${dir.toFixed(2)}:1`);
    }
    await page.emulateMedia({ colorScheme: null });
  });
});
