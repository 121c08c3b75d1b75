// Drag with a confirmation in Chromium through serve mode (issue 12): a drop opens the F5/F6
// dialog pre-filled (the operation, the drop target as destination) and nothing happens before
// the answer; the operation can be changed there; "Don't ask again on drops" and Settings › "Ask before a drop" (saved in
// settings.json, kept across a reload) make drops start at once, and turn the question back on.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumSkipReason } from '../helpers/browser.js';
import { docShot, go, pageRpc, pane, row, until, type Ui, pairPerSuite } from './steer-helpers.js';

const skip = chromiumSkipReason();
const dialog = '[data-testid="transfer-dialog"]';

function saved(ui: Ui): { askBeforeDrop?: boolean } {
  const f = path.join(ui.served.dataDir, 'settings.json');
  return fs.existsSync(f) ? (JSON.parse(fs.readFileSync(f, 'utf8')) as { askBeforeDrop?: boolean }) : {};
}

describe('drag with a confirmation', { skip }, () => {
  let L: string;
  let R: string;
  let ui: Ui;
  let page: Page;

  /** Drags the left pane's row `name` onto the right pane (onto its row `onto`, else its background). */
  async function drop(name: string, onto?: string): Promise<void> {
    await page.waitForSelector(row('left', path.join(L, name)));
    await page.dragAndDrop(row('left', path.join(L, name)), onto ? row('right', onto) : `${pane('right')} .grid`, onto ? undefined : { targetPosition: { x: 40, y: 200 } });
  }
  async function settingsTab(): Promise<import('playwright-core').Locator> {
    await page.click('.queue-area [data-tab="settings"]');
    const box = page.locator('form[aria-label="Transfer settings"] input[name="askBeforeDrop"]');
    await box.waitFor();
    // The form shows the saved settings once they have arrived.
    await page.waitForFunction(() => document.querySelector('form[aria-label="Transfer settings"] input[name="retentionDays"]') !== null);
    return box;
  }

  pairPerSuite('ferry-steer-drop-', (p) => ({ L, R, ui, page } = p));

  test('a drop onto a folder row opens the copy dialog with that folder; Escape copies nothing, confirming copies', async () => {
    fs.writeFileSync(path.join(L, 'one.txt'), 'one');
    fs.mkdirSync(path.join(R, 'inbox'));
    await go(page, 'left', L);
    await go(page, 'right', R);
    assert.equal(saved(ui).askBeforeDrop, undefined, 'nothing saved yet: the default asks');
    await drop('one.txt', path.join(R, 'inbox'));
    const d = page.locator(dialog);
    await d.waitFor();
    assert.equal(await d.getAttribute('data-kind'), 'copy');
    assert.equal(await d.locator('[data-testid="transfer-dest"]').inputValue(), path.join(R, 'inbox'));
    assert.match(await d.locator('[data-testid="transfer-items"]').innerText(), /^one\.txt/);
    await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
    assert.equal(await d.locator('[data-testid="transfer-totals"]').innerText(), '1 file · 3 B');
    await page.waitForSelector(`${dialog} [data-testid="transfer-space"][data-fits]`);
    await docShot(page, 'drop-dialog');
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(path.join(R, 'inbox', 'one.txt')), 'cancelled: nothing copied');
    assert.equal((await pageRpc<{ jobs: unknown[] }>(page, 'jobs.list', {})).jobs.length, 0, 'no job was started');

    await drop('one.txt', path.join(R, 'inbox'));
    await d.waitFor();
    await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
    await d.locator('[data-testid="transfer-confirm"]').click();
    await d.waitFor({ state: 'detached' });
    await until(() => fs.existsSync(path.join(R, 'inbox', 'one.txt')), 'the copy into the folder dropped on');
    assert.ok(fs.existsSync(path.join(L, 'one.txt')), 'a copy keeps its source');
  });

  test('the drop\'s operation can be changed in the dialog: a move within one filesystem, predicted as a rename', async () => {
    fs.writeFileSync(path.join(L, 'moving.txt'), 'moving');
    await go(page, 'left', L);
    await go(page, 'right', R);
    await drop('moving.txt');
    const d = page.locator(dialog);
    await d.waitFor();
    assert.ok(await d.locator('[data-testid="transfer-op-copy"]').isChecked(), 'a plain drop copies');
    await d.locator('[data-testid="transfer-op-move"]').check();
    await page.waitForSelector(`${dialog}[data-kind="move"]`);
    await page.waitForSelector(`${dialog} [data-testid="transfer-methods"] li[data-method="rename"]`);
    await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
    assert.equal(await d.locator('[data-testid="transfer-confirm"]').innerText(), 'Move');
    await d.locator('[data-testid="transfer-confirm"]').click();
    await until(() => fs.existsSync(path.join(R, 'moving.txt')) && !fs.existsSync(path.join(L, 'moving.txt')), 'the move');
  });

  test('"Don\'t ask again on drops" saves the setting; then a drop starts at once; Settings turns the question back on, across a reload', async () => {
    fs.writeFileSync(path.join(L, 'two.txt'), 'two');
    fs.writeFileSync(path.join(L, 'three.txt'), 'three');
    fs.writeFileSync(path.join(L, 'four.txt'), 'four');
    await go(page, 'left', L);
    await go(page, 'right', R);
    assert.ok(await (await settingsTab()).isChecked(), 'Settings: "Ask before a drop" is on by default');

    await drop('two.txt');
    const d = page.locator(dialog);
    await d.waitFor();
    assert.equal(await d.locator('[data-testid="transfer-dest"]').inputValue(), R);
    await d.locator('[data-testid="transfer-stop-asking"]').check();
    await page.waitForSelector(`${dialog} [data-testid="transfer-totals"][data-done="true"]`);
    await d.locator('[data-testid="transfer-confirm"]').click();
    await until(() => fs.existsSync(path.join(R, 'two.txt')), 'the confirmed copy');
    await until(() => saved(ui).askBeforeDrop === false, 'askBeforeDrop saved as false');

    // Asking is off: the drop copies without a dialog.
    await drop('three.txt');
    await until(() => fs.existsSync(path.join(R, 'three.txt')), 'the copy started by the drop alone');
    assert.equal(await page.locator(dialog).count(), 0, 'no dialog');
    // The Settings tab, open all along, follows the change (a later Save must not turn it back on).
    await settingsTab();
    await page.waitForFunction(() => (document.querySelector('input[name="askBeforeDrop"]') as HTMLInputElement | null)?.checked === false, undefined, { timeout: 5000 });

    // Still off after a reload (read from settings.json at start).
    await page.reload();
    await page.waitForSelector(`${pane('left')}[data-cwd="${L}"][data-state="ready"]`);
    await page.waitForSelector(`${pane('right')}[data-cwd="${R}"][data-state="ready"]`);
    const box = await settingsTab();
    await page.waitForFunction(() => (document.querySelector('input[name="askBeforeDrop"]') as HTMLInputElement | null)?.checked === false);
    // Settings turns it back on: the next drop asks again.
    await box.check();
    await page.click('form[aria-label="Transfer settings"] button[type="submit"]');
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    assert.equal(saved(ui).askBeforeDrop, true);
    await drop('four.txt');
    await d.waitFor();
    assert.ok(!fs.existsSync(path.join(R, 'four.txt')), 'asks again: nothing copied before the answer');
    await page.keyboard.press('Escape');
    await d.waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(path.join(R, 'four.txt')));
  });
});
