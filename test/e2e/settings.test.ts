// The transfer settings tab: a changed setting is saved in main and still there after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { Browser } from 'playwright-core';
import { chromiumSkipReason, launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';

const skip = chromiumSkipReason();
let served: Served;
let browser: Browser;

before(async () => {
  if (skip) return;
  served = await startServe({});
  browser = await launchBrowser();
});
after(async () => {
  if (skip) return;
  await browser?.close();
  await served?.stop();
});

test('settings tab: retention and parallel devices are saved and survive a reload', { skip }, async () => {
  const page = await browser.newPage();
  await page.goto(served.url);
  await page.click('[data-tab="settings"]');
  const retention = page.locator('input[name="retentionDays"]');
  await retention.waitFor();
  assert.equal(await retention.inputValue(), '30');
  await retention.fill('12');
  await page.locator('input[name="maxParallelDevices"]').fill('3');
  await page.click('form[aria-label="Transfer settings"] button[type="submit"]');
  await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  const saved = JSON.parse(fs.readFileSync(`${served.dataDir}/settings.json`, 'utf8')) as { retentionDays: number; maxParallelDevices: number };
  assert.equal(saved.retentionDays, 12);
  assert.equal(saved.maxParallelDevices, 3);
  await page.reload();
  await page.click('[data-tab="settings"]');
  await page.waitForFunction(() => (document.querySelector('input[name="retentionDays"]') as HTMLInputElement | null)?.value === '12');
  await page.close();
});
