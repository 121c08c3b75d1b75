// Issue 9 in the real UI (serve mode + Debian's Chromium): the window says what start-up
// recovered; a stopped transfer says what became of every entry, the pane marks the partial copy
// it left and "Remove partial copy" takes it; names that are not UTF-8 (bytes ff fe) are listed,
// renamed and trashed under their exact bytes.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';
import { Journal, newStoredJob } from '../../electron/jobs/journal.js';
import { DEFAULT_OPTIONS } from '../../electron/jobs/recovery.js';
import { cssValue, rpc } from './page-rpc.js';

const skip = chromiumSkipReason();
const job = (id: string) => `.queue-area [data-job-id="${id}"]`;
const row = (side: 'left' | 'right', p: string) => `[data-pane="${side}"] [data-path=${cssValue(p)}]`;

async function until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!test()) {
    if (Date.now() > end) assert.fail(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('never say done: the window tells the truth', { skip }, () => {
  let root: string;
  let L: string;
  let R: string;
  let xdg: string;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-truth-e2e-'));
    L = path.join(root, 'left');
    R = path.join(root, 'right');
    xdg = path.join(root, 'xdg');
    for (const d of [L, R, xdg]) fs.mkdirSync(d);
    // A data folder as a crash left it: a job in the journal, the queue file cut short.
    const dataDir = path.join(root, 'data');
    const j = new Journal(dataDir);
    j.load();
    const s = newStoredJob({ id: 'jrecovered', kind: 'copy', sources: [path.join(L, 'gone')], destDir: R, options: DEFAULT_OPTIONS, createdAt: Date.now() });
    s.state = 'running';
    j.put(s);
    j.close();
    fs.writeFileSync(path.join(dataDir, 'queue.json'), '{"version":2,"jobs":[{"id":"jrec');
    served = await startServe({ left: L, right: R, dataDir, env: { XDG_DATA_HOME: xdg } });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector(`[data-pane="left"][data-cwd="${L}"][data-state="ready"]`);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await served?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('start-up recovery is told in the window; dismissing it is remembered', async () => {
    const n = page.locator('.notices .notice');
    await n.first().waitFor();
    assert.equal(await n.count(), 1);
    const text = await n.innerText();
    assert.match(text, /The transfer queue was damaged and has been recovered/);
    assert.match(text, /1 transfer recovered, 1 of them interrupted/);
    await n.locator('summary').click();
    assert.match(await n.locator('details').innerText(), /queue\.json: not valid JSON[\s\S]*recovered, ready to resume: copy of gone to/);
    await page.waitForSelector(`${job('jrecovered')}[data-state="interrupted"]`);
    await n.locator('[data-action="dismiss-notice"]').click();
    await n.waitFor({ state: 'detached' });
    await page.reload();
    await page.waitForSelector(`${job('jrecovered')}`);
    assert.equal(await page.locator('.notices .notice').count(), 0, 'dismissed for good');
    await rpc(page, 'jobs.control', { jobId: 'jrecovered', action: 'remove' });
  });

  test('a cancelled transfer: every entry accounted for, the partial folder marked in the pane, "Remove partial copy" takes it', async () => {
    const src = path.join(root, 'p-src');
    fs.mkdirSync(path.join(src, 'tree'), { recursive: true });
    for (let i = 0; i < 3000; i++) fs.writeFileSync(path.join(src, 'tree', `f${String(i).padStart(4, '0')}.txt`), `file ${i}\n`.repeat(50));
    fs.writeFileSync(path.join(src, 'x.txt'), 'new x');
    fs.writeFileSync(path.join(R, 'x.txt'), 'old x');
    // x.txt is asked about first; the tree is copied meanwhile; Escape cancels the transfer.
    const { jobId } = await rpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources: [path.join(src, 'x.txt'), path.join(src, 'tree')], destDir: R, options: { conflict: 'ask' } });
    const dialog = page.locator('[role="alertdialog"]');
    await dialog.waitFor();
    await until(() => fs.existsSync(path.join(R, 'tree')) || fs.readdirSync(R).some((n) => n.startsWith('.ferry-')), 'the tree being copied');
    await page.keyboard.press('Escape');
    const j = page.locator(`${job(jobId)}[data-state="cancelled"]`);
    await j.waitFor();
    const tree = path.join(R, 'tree');
    assert.ok(fs.existsSync(tree), 'a cancelled tree copy is published with what it had');
    const copied = fs.readdirSync(tree).length;
    assert.ok(copied > 0 && copied < 3000, `partial: ${copied} of 3000`);
    // The outcome line: copied + skipped + failed + not started = the total.
    const parts = await j.locator('[data-outcome] [data-count]').evaluateAll((els) => els.map((e) => [e.getAttribute('data-count'), Number(e.getAttribute('data-n'))] as const));
    const n = Object.fromEntries(parts);
    assert.equal(n.copied, copied);
    assert.equal((n.copied ?? 0) + (n.skipped ?? 0) + (n.failed ?? 0) + (n['not-started'] ?? 0), 3001, JSON.stringify(parts));
    assert.match(await j.locator('[data-outcome]').innerText(), /not started[\s\S]*of 3,001/);
    // The pane marks the partial folder.
    await page.locator('[data-pane="right"] .grid').focus();
    await page.keyboard.press('Control+r');
    const badge = page.locator(`${row('right', tree)} [data-incomplete="partial"]`);
    await badge.waitFor();
    await j.locator('[data-action="remove-partial"]').click();
    await until(() => !fs.existsSync(tree), 'the partial copy removed');
    await badge.waitFor({ state: 'detached' });
    assert.equal(fs.readFileSync(path.join(R, 'x.txt'), 'utf8'), 'old x', 'what was there before stays');
    await j.locator('[data-action="remove-partial"]').waitFor({ state: 'detached' });
  });

  test('a name that is not UTF-8 (bytes ff fe): listed, renamed and trashed under its exact bytes', async () => {
    const raw = Buffer.concat([Buffer.from(L + '/odd-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
    fs.writeFileSync(raw, 'odd bytes');
    const wire = `${L}/odd-\\xFF\\xFE.txt`;
    await page.locator('[data-pane="left"] .grid').focus();
    await page.keyboard.press('Control+r');
    const r = page.locator(row('left', wire));
    await r.waitFor();
    assert.equal(await r.getAttribute('data-escaped'), 'true');
    assert.equal(await r.locator('.name').innerText(), 'odd-\\xFF\\xFE.txt');
    // Rename (F2): the dialog starts from the name as shown; the new name keeps one odd byte.
    await r.click();
    await page.keyboard.press('F2');
    const input = page.locator('[data-testid="name-input"]');
    await input.waitFor();
    assert.equal(await input.inputValue(), 'odd-\\xFF\\xFE.txt');
    await input.fill('renamed-\\xFE.txt');
    await input.press('Enter');
    const renamed = Buffer.concat([Buffer.from(L + '/renamed-'), Buffer.from([0xfe]), Buffer.from('.txt')]);
    await until(() => fs.existsSync(renamed) && !fs.existsSync(raw), 'renamed on disk');
    assert.equal(fs.readFileSync(renamed, 'utf8'), 'odd bytes');
    const r2 = page.locator(row('left', `${L}/renamed-\\xFE.txt`));
    await r2.waitFor();
    // Trash (F8): to the freedesktop trash, byte for byte, restorable under its name.
    await r2.click();
    await page.keyboard.press('F8');
    const trash = page.locator('[data-testid="trash-dialog"]');
    await trash.waitFor();
    await page.keyboard.press('Enter');
    await until(() => !fs.existsSync(renamed), 'trashed');
    await r2.waitFor({ state: 'detached' });
    const infos = fs.readdirSync(path.join(xdg, 'Trash', 'info')).map((f) => fs.readFileSync(path.join(xdg, 'Trash', 'info', f), 'utf8'));
    assert.ok(infos.some((t) => t.includes(`Path=${L}/renamed-%FE.txt`)), infos.join('\n'));
  });
});
