// The F5/F6 dialog and the conflict dialog in Chromium through serve mode (issue 12): totals from
// the engine's scan, methods per kind of pair (a rename for a move on one filesystem), an editable
// destination with completion, the default conflict choice and verify, free space with reflinks
// as free, a permission check up front (as nobody), problems with choices, errors naming the side;
// conflicts renamed in place and compared side by side (shared extents, hashes on request).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { JobFileRecord, JobSummary } from '../../electron/contract.js';
import { chromiumSkipReason } from '../helpers/browser.js';
import { isRoot, makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { finished, jobs, go, jobRow, openUi, pageRpc, pane, pick, sharedTmp, until, type Ui, pairPerSuite } from './steer-helpers.js';

const skip = chromiumSkipReason();
const dialog = '[data-testid="transfer-dialog"]';
const conflictDialog = '[role="alertdialog"]';

async function newestJob(page: Page): Promise<JobSummary> {
  const all = await jobs(page);
  return all.reduce((a, b) => (b.createdAt > a.createdAt ? b : a));
}
/** F5/F6 on the cursor entry of the left pane; resolves when the scan has finished. */
async function openTransfer(page: Page, key: 'F5' | 'F6'): Promise<void> {
  await page.locator(`${pane('left')} .grid`).focus();
  await page.keyboard.press(key);
  await page.waitForSelector(dialog);
  await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
}
/** Escape closes an open completion list first (as a combobox does), then the dialog. */
async function closeDialog(page: Page): Promise<void> {
  for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()) > 0; i++) {
    await page.keyboard.press('Escape');
    await page.waitForTimeout(50);
  }
  await page.waitForSelector(dialog, { state: 'detached' });
}

describe('the copy dialog and the conflict dialog', { skip }, () => {
  let root: string;
  let L: string;
  let R: string;
  let page: Page;

  pairPerSuite('ferry-steer-dlg-', (p) => ({ root, L, R, page } = p));

  test('a 3,000-file folder: totals streamed from the engine\'s scan, methods per kind of pair', async () => {
    const big = path.join(L, 'big');
    fs.mkdirSync(big);
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(big, `f${i}`), 'x');
    await go(page, 'left', L);
    await pick(page, 'left', big);
    await openTransfer(page, 'F5');
    const totals = await page.locator(`${dialog} [data-testid="transfer-totals"]`).innerText();
    assert.equal(totals, '3,000 files · 1 folder · 2.9 KiB');
    const lines = await page.locator(`${dialog} [data-testid="transfer-methods"] li`).allInnerTexts();
    assert.match(lines[0]!, /3,000 files, 2\.9 KiB · \w+ → \w+/);
    assert.match(lines[1]!, /^1 folder/);
    assert.match(await page.locator(`${dialog} [data-testid="transfer-space"]`).innerText(), /^needs [\d.]+ \w+ of [\d.]+ \w+ free \(\w+\)/);
    // Once counted, it stays counted (the destination's check does not start the scan again).
    const restarts = await page.evaluate(async () => {
      const el = document.querySelector('[data-testid="transfer-totals"]')!;
      let n = 0;
      const obs = new MutationObserver(() => (el.getAttribute('data-done') === 'false' ? n++ : 0));
      obs.observe(el, { attributes: true });
      await new Promise((r) => setTimeout(r, 1500));
      obs.disconnect();
      return n;
    });
    assert.equal(restarts, 0);
    await closeDialog(page);
    fs.rmSync(big, { recursive: true });
  });

  test('a mixed selection: a folder counts as a folder, a link as a link', async () => {
    const mix = path.join(L, 'mix');
    fs.mkdirSync(path.join(mix, 'd'), { recursive: true });
    fs.writeFileSync(path.join(mix, 'd', 'one'), '1');
    fs.writeFileSync(path.join(mix, 'd', 'two'), '22');
    fs.writeFileSync(path.join(mix, 'f.txt'), 'fff');
    fs.symlinkSync('f.txt', path.join(mix, 'link'));
    await go(page, 'left', mix);
    await page.locator(`${pane('left')} .grid`).focus();
    await page.keyboard.press('Control+a');
    await openTransfer(page, 'F5');
    assert.equal(await page.locator(`${dialog} [data-testid="transfer-totals"]`).innerText(), '3 files · 1 folder · 1 link · 6 B');
    assert.equal(await page.locator(`${dialog} [data-testid="transfer-methods"] [data-line="links"]`).count(), 1);
    await closeDialog(page);
  });

  test('F6 within one filesystem predicts a rename, and the move renames', async () => {
    const dir = path.join(L, 'mv');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'moving.txt'), 'move me');
    await go(page, 'left', dir);
    await pick(page, 'left', path.join(dir, 'moving.txt'));
    await openTransfer(page, 'F6');
    const badge = page.locator(`${dialog} [data-testid="transfer-methods"] li[data-method] >> nth=0`);
    assert.equal(await badge.getAttribute('data-method'), 'rename');
    assert.match(await badge.innerText(), /renam/);
    await page.waitForSelector(`${dialog} [data-testid="transfer-space"][data-fits]`);
    assert.match(await page.locator(`${dialog} [data-testid="transfer-space"]`).innerText(), /moved by renaming: takes no space/);
    await page.click(`${dialog} [data-testid="transfer-confirm"]`);
    await until(() => fs.existsSync(path.join(R, 'moving.txt')) && !fs.existsSync(path.join(dir, 'moving.txt')), 'the move');
    const j = await finished(page, (await newestJob(page)).id);
    assert.equal(j.state, 'done');
  });

  test('an editable destination with completion, the default conflict choice and verify go with the job', async () => {
    const src = path.join(L, 'ed');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'a.txt'), 'new a');
    fs.writeFileSync(path.join(src, 'b.txt'), 'new b');
    for (const d of ['target-one', 'target-two', 'other']) fs.mkdirSync(path.join(R, d));
    fs.writeFileSync(path.join(R, 'target-one', 'a.txt'), 'old a');
    await go(page, 'left', src);
    await page.locator(`${pane('left')} .grid`).focus();
    await page.keyboard.press('Control+a');
    await openTransfer(page, 'F5');
    const dest = page.locator(`${dialog} [data-testid="transfer-dest"]`);
    assert.equal(await dest.inputValue(), R);
    await dest.fill(`${R}/tar`);
    await dest.press('Tab');
    await page.waitForFunction((v) => (document.querySelector('[data-testid="transfer-dest"]') as HTMLInputElement).value === v, `${R}/target-`);
    const options = page.locator(`${dialog} [role="listbox"] [role="option"]`);
    await options.first().waitFor();
    assert.deepEqual(await options.allInnerTexts(), ['target-one/', 'target-two/']);
    await dest.press('ArrowDown');
    await dest.press('Enter');
    assert.equal(await dest.inputValue(), `${R}/target-one/`);
    // The new destination is scanned again: one name is taken there. Its choices set the policy.
    const existing = page.locator(`${dialog} [data-problem="existing"]`);
    await existing.waitFor();
    assert.match(await existing.innerText(), /1 item already exists in .*target-one/);
    await existing.locator('[data-choice="conflict:skip"]').click();
    assert.equal(await page.locator(`${dialog} [data-testid="transfer-conflict"]`).inputValue(), 'skip');
    assert.equal(await existing.locator('[data-choice="conflict:skip"]').getAttribute('aria-pressed'), 'true');
    await page.check(`${dialog} [data-testid="transfer-verify"]`);
    await page.click(`${dialog} [data-testid="transfer-confirm"]`);
    await page.waitForSelector(dialog, { state: 'detached' });
    const j = await finished(page, (await newestJob(page)).id);
    assert.equal(j.state, 'done');
    assert.equal(j.destDir, path.join(R, 'target-one'));
    assert.equal(j.options?.conflict, 'skip');
    assert.equal(j.options?.verify, true);
    assert.equal(await page.locator(conflictDialog).count(), 0, 'skip by default: no question');
    assert.equal(fs.readFileSync(path.join(R, 'target-one', 'a.txt'), 'utf8'), 'old a');
    assert.equal(fs.readFileSync(path.join(R, 'target-one', 'b.txt'), 'utf8'), 'new b');
    const recs = (await pageRpc<{ records: JobFileRecord[] }>(page, 'jobs.files', { jobId: j.id, offset: 0, limit: 10 })).records;
    assert.equal(recs.find((r) => r.dest.endsWith('/b.txt'))?.verified, true, 'verified');
  });

  test('free space counts reflinked bytes as free; a destination that is too small blocks the copy', { skip: skipUnlessMountable('btrfs') || skipUnlessMountable('ext4') }, async () => {
    const btrfs = await makeMount('btrfs', 256);
    const ext4 = await makeMount('ext4', 32);
    try {
      const src = path.join(btrfs.dir, 'src');
      fs.mkdirSync(src);
      const fd = fs.openSync(path.join(src, 'big.bin'), 'w');
      const chunk = Buffer.alloc(1 << 20, 7);
      for (let i = 0; i < 150; i++) fs.writeSync(fd, chunk);
      fs.closeSync(fd);
      execFileSync('sync', ['-f', src]);
      const there = path.join(btrfs.dir, 'copies');
      fs.mkdirSync(there);
      await go(page, 'left', src);
      await go(page, 'right', there);
      await pick(page, 'left', path.join(src, 'big.bin'));
      await openTransfer(page, 'F5');
      const space = page.locator(`${dialog} [data-testid="transfer-space"]`);
      // The check answers after the dialog opens: wait for its verdict before reading it.
      await page.locator(`${dialog} [data-testid="transfer-space"][data-fits]`).waitFor();
      assert.equal(await space.getAttribute('data-fits'), 'true');
      assert.match(await space.innerText(), /needs 0 B of .* free \(btrfs\) · 150 MiB reflinked: takes no space/);
      assert.equal(await page.locator(`${dialog} [data-problem="space"]`).count(), 0);
      // Another destination, typed: a small ext4 has no room for 150 MiB.
      await page.locator(`${dialog} [data-testid="transfer-dest"]`).fill(ext4.dir);
      const problem = page.locator(`${dialog} [data-problem="space"]`);
      await problem.waitFor();
      assert.equal(await problem.getAttribute('data-severity'), 'block');
      assert.match(await problem.innerText(), /Not enough space in .*: the copy needs 150 MiB, [\d.]+ MiB is free/);
      assert.ok(await page.locator(`${dialog} [data-testid="transfer-confirm"]`).isDisabled());
      await problem.locator('[data-choice="edit-dest"]').click();
      await page.locator(`${dialog} [data-testid="transfer-dest"]:focus`).waitFor();
      await closeDialog(page);
    } finally {
      await closeDialog(page).catch(() => {});
      await go(page, 'left', L);
      await go(page, 'right', R);
      await btrfs.cleanup();
      await ext4.cleanup();
    }
  });

  test('a read-only filesystem is said up front; the status line says read-only', { skip: isRoot() ? false : 'needs root to mount' }, async () => {
    const ro = path.join(root, 'ro');
    fs.mkdirSync(ro);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro]);
    try {
      fs.writeFileSync(path.join(L, 'ro-src.txt'), 'x');
      await go(page, 'left', L);
      await go(page, 'right', ro);
      await page.waitForFunction(() => /read-only/.test(document.querySelector('[data-pane="right"] [data-testid="fs-info"]')?.textContent ?? ''));
      await pick(page, 'left', path.join(L, 'ro-src.txt'));
      await openTransfer(page, 'F5');
      const p = page.locator(`${dialog} [data-problem="destination"]`);
      await p.waitFor();
      assert.match(await p.innerText(), /read-only filesystem \(EROFS\)/);
      assert.ok(await page.locator(`${dialog} [data-testid="transfer-confirm"]`).isDisabled());
      await closeDialog(page);
    } finally {
      execFileSync('umount', ['-l', ro]);
      await go(page, 'right', R);
    }
  });

  test('a conflict renamed in place: the copy takes the name typed', async () => {
    const src = path.join(L, 'cf');
    const dst = path.join(R, 'cf');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    fs.writeFileSync(path.join(src, 'a.txt'), 'new');
    fs.writeFileSync(path.join(dst, 'a.txt'), 'old');
    await go(page, 'left', src);
    await go(page, 'right', dst);
    await pick(page, 'left', path.join(src, 'a.txt'));
    await openTransfer(page, 'F5');
    await page.keyboard.press('Enter');
    const c = page.locator(conflictDialog);
    await c.waitFor();
    await c.locator('[data-decision="rename-edit"]').click();
    const name = c.locator('[data-testid="conflict-new-name"]');
    await name.waitFor();
    assert.equal(await name.inputValue(), 'a (2).txt', 'a free name is offered, ready to edit');
    await name.fill('a.txt');
    assert.match(await c.locator('#conflict-name-error').innerText(), /already exists/);
    await name.fill('a-mine.txt');
    await name.press('Enter');
    await c.waitFor({ state: 'detached' });
    await until(() => fs.existsSync(path.join(dst, 'a-mine.txt')), 'the renamed copy');
    assert.equal(fs.readFileSync(path.join(dst, 'a-mine.txt'), 'utf8'), 'new');
    assert.equal(fs.readFileSync(path.join(dst, 'a.txt'), 'utf8'), 'old');
  });

  test('side by side: identical content by hashes on request, different content, and how many are left to decide', async () => {
    const src = path.join(root, 'cmp-src');
    const dst = path.join(root, 'cmp-dst');
    fs.mkdirSync(src);
    fs.mkdirSync(dst);
    for (let i = 0; i < 6; i++) {
      fs.writeFileSync(path.join(src, `f${i}`), `content ${i}`);
      fs.writeFileSync(path.join(dst, `f${i}`), i === 0 ? 'content 0' : `CONTENT ${i}`);
    }
    // The files into dst: six names taken, asked one by one.
    const c = page.locator(conflictDialog);
    const started = await pageRpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: fs.readdirSync(src).sort().map((n) => path.join(src, n)), destDir: dst, options: { conflict: 'ask' } });
    await c.waitFor();
    await page.waitForFunction(() => /\(5 more to decide\)/.test(document.querySelector('[role="alertdialog"] label.all')?.textContent ?? ''));
    for (let answered = 0; answered < 6; answered++) {
      await c.waitFor();
      const dest = (await c.getAttribute('data-conflict-id'))!;
      const name = (await c.locator('[data-row="name"] td >> nth=0').innerText()).trim();
      await page.waitForSelector(`${conflictDialog} [data-testid="conflict-content"]:not([data-identical="pending"])`);
      const content = c.locator('[data-testid="conflict-content"]');
      if (name === 'f0' || name === 'f1') {
        await c.locator('[data-testid="conflict-hash"]').click();
        if (process.env.STEER_DEBUG) {
          await page.waitForTimeout(1000);
          console.log('# content:', await content.innerText(), await content.getAttribute('data-identical'));
        }
        await page.waitForSelector(`${conflictDialog} [data-testid="conflict-content"]:is([data-identical="true"], [data-identical="false"])`);
        if (name === 'f0') assert.match(await content.innerText(), /^identical — equal hashes/);
        else assert.match(await content.innerText(), /^different — different hashes/);
      }
      const left = 5 - answered;
      // The count follows the job's summary (sent on the queue's tick): wait for it to settle.
      if (left > 0) await page.waitForFunction((n) => new RegExp(`\\(${n} more to decide\\)`).test(document.querySelector('[role="alertdialog"] label.all')?.textContent ?? ''), left, { timeout: 5000 });
      else await page.waitForFunction(() => !/more to decide/.test(document.querySelector('[role="alertdialog"] label.all')?.textContent ?? ''), undefined, { timeout: 5000 });
      await c.locator('[data-decision="skip"]').click();
      await page.waitForFunction((id) => document.querySelector('[role="alertdialog"]')?.getAttribute('data-conflict-id') !== id, dest);
    }
    const j = await finished(page, started.jobId);
    assert.equal(j.state, 'done');
    assert.equal(fs.readFileSync(path.join(dst, 'f3'), 'utf8'), 'CONTENT 3');
  });

  test('side by side on btrfs: a reflinked copy is identical by its shared extents, without reading', { skip: skipUnlessMountable('btrfs') }, async () => {
    const m = await makeMount('btrfs', 128);
    try {
      const src = path.join(m.dir, 'src');
      const dst = path.join(m.dir, 'dst');
      fs.mkdirSync(src);
      fs.mkdirSync(dst);
      fs.writeFileSync(path.join(src, 'same.bin'), Buffer.alloc(256 * 1024, 3));
      execFileSync('sync', ['-f', m.dir]);
      execFileSync('cp', ['--reflink=always', path.join(src, 'same.bin'), path.join(dst, 'same.bin')]);
      const { jobId } = await pageRpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [path.join(src, 'same.bin')], destDir: dst, options: { conflict: 'ask' } });
      const c = page.locator(conflictDialog);
      await c.waitFor();
      await page.waitForSelector(`${conflictDialog} [data-testid="conflict-content"][data-identical="true"]`);
      assert.match(await c.locator('[data-testid="conflict-content"]').innerText(), /identical — they share all their extents/);
      assert.equal(await c.locator('[data-testid="conflict-hash"]').count(), 0, 'nothing to hash');
      await c.locator('[data-decision="skip"]').click();
      await finished(page, jobId);
    } finally {
      await m.cleanup();
    }
  });
});

describe('as a user who may not write to the destination', { skip: skip || (isRoot() ? false : 'needs root to start serve mode as nobody') }, () => {
  let root: string;
  let ui: Ui;
  let page: Page;
  let data: string;

  let cannot: string | null = null;

  before(async () => {
    root = sharedTmp('ferry-steer-nobody-');
    fs.mkdirSync(path.join(root, 'mine'));
    fs.mkdirSync(path.join(root, 'theirs'));
    fs.writeFileSync(path.join(root, 'mine', 'doc.txt'), 'doc');
    fs.chmodSync(path.join(root, 'mine'), 0o755);
    fs.chmodSync(path.join(root, 'mine', 'doc.txt'), 0o644);
    fs.chmodSync(path.join(root, 'theirs'), 0o755);
    data = sharedTmp('ferry-steer-nobody-data-');
    fs.chownSync(data, 65534, 65534);
    try {
      execFileSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(path.resolve('dist/electron/serve.js'))})`], { uid: 65534, gid: 65534 });
    } catch {
      cannot = 'nobody cannot read this checkout (clone it somewhere world-readable)';
      return;
    }
    ui = await openUi({ left: path.join(root, 'mine'), right: path.join(root, 'theirs'), uid: 65534, dataDir: data });
    page = ui.page;
  });
  after(async () => {
    await ui?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
    if (data) fs.rmSync(data, { recursive: true, force: true });
  });

  test('the dialog says so before copying; the status line does not call the filesystem read-only; a failure names the destination', async (t) => {
    if (cannot) return t.skip(cannot);
    const info = await page.locator(`${pane('right')} [data-testid="fs-info"]`).innerText();
    assert.match(info, /no write permission here/);
    assert.doesNotMatch(info, /read-only/);
    await pick(page, 'left', path.join(root, 'mine', 'doc.txt'));
    await openTransfer(page, 'F5');
    const p = page.locator(`${dialog} [data-problem="destination"]`);
    await p.waitFor();
    assert.equal(await p.locator('.text').innerText(), `You may not create files in ${path.join(root, 'theirs')}: permission denied (EACCES).`);
    assert.ok(await page.locator(`${dialog} [data-testid="transfer-confirm"]`).isDisabled());
    await closeDialog(page);
    // Started anyway (another client): the file fails, and says the destination failed.
    const { jobId } = await pageRpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [path.join(root, 'mine', 'doc.txt')], destDir: path.join(root, 'theirs'), options: {} });
    await page.waitForSelector(`${jobRow(jobId)}[data-state="failed"]`);
    await page.click(`${jobRow(jobId)} [data-job-pick]`);
    // The file's own row (the job's failure is a row of its own, data-type="job").
    const status = page.locator('.queue-area .files .rec[data-status="error"]:not([data-type="job"]) .status');
    await status.waitFor();
    assert.equal(await status.innerText(), 'Cannot create it in the destination: permission denied (EACCES)');
    const text = await page.locator('body').innerText();
    assert.doesNotMatch(text, /(E[A-Z]+): \1/, 'no code said twice');
    // The record's details keep the raw error beside the words.
    await page.click('.queue-area .files .rec[data-status="error"]');
    await page.waitForSelector('[data-testid="record-detail"]');
    assert.match(await page.locator('[data-testid="record-error"]').innerText(), /^EACCES: permission denied/);
    assert.equal(fs.readdirSync(path.join(root, 'theirs')).length, 0);
  });
});
