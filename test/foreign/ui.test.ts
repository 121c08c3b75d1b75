// The copy dialog before a copy to a USB stick (exFAT through exfat-fuse on a loop device), in the
// real UI: serve mode + Debian's Chromium. F5 on a tree with every kind of problem lists each item
// exFAT cannot hold, with its reason in plain words, and what it cannot keep, before anything is
// copied; "Skip them" copies all the other items intact; F6 with the same choice moves what could
// be copied and leaves the rest at the source, and the job's row in the queue says so.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { chromiumSkipReason, launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';
import { cleanupAll, makeMount, sha256File, skipUnlessMountable, type Mount } from '../helpers/mounts.js';
import { EXFAT_UNFIT, listTree, makeProblemTree, PLAIN_FILES, strays } from './_tree.js';

const skip = chromiumSkipReason() || skipUnlessMountable('exfat');
const pane = (side: 'left' | 'right') => `[data-pane="${side}"]`;

/** What each unfit item of the tree is listed with in the dialog (by its path below the tree). */
const REASONS: Record<string, RegExp> = {
  'a:b.txt': /name contains ':' which exFAT does not allow/,
  'what?.txt': /name contains '\?' which exFAT does not allow/,
  'sub/pipe|x.txt': /name contains '\|' which exFAT does not allow/,
  'case.txt': /'Case\.txt' and 'case\.txt' are the same name on exFAT/,
  link: /symbolic links cannot be stored on exFAT/,
  dirlink: /symbolic links cannot be stored on exFAT/,
  dangling: /symbolic links cannot be stored on exFAT/,
  fifo: /FIFOs cannot be stored on exFAT/,
  null: /device nodes cannot be stored on exFAT/,
};

async function waitFor(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out: ${what}`);
}

describe('copy dialog: problems on an exFAT destination', { skip }, () => {
  let root: string;
  let stick: Mount;
  let served: Served;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-foreign-ui-'));
    stick = await makeMount('exfat', 64);
    served = await startServe({ left: root, right: stick.dir });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
    await page.goto(served.url);
    await page.waitForSelector(`${pane('left')}[data-state="ready"]`);
    await page.waitForSelector(`${pane('right')}[data-state="ready"]`);
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await served?.stop();
    await cleanupAll();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** Makes the problem tree `name` in the left pane, selects it and opens the F5/F6 dialog. */
  async function openDialog(name: string, key: 'F5' | 'F6') {
    const src = path.join(root, name);
    makeProblemTree(src);
    const row = `${pane('left')} [data-path="${src}"]`;
    await page.waitForSelector(row);
    await page.click(row);
    await page.keyboard.press(key);
    const dlg = page.locator('[data-testid="transfer-dialog"]');
    await dlg.waitFor();
    const problems = dlg.locator('[data-testid="destination-problems"][data-state="ready"]');
    await problems.waitFor({ timeout: 30_000 });
    return { src, dlg, problems };
  }

  test('F5 lists every problem before the copy; "Skip them" copies all the other items intact', async () => {
    const { src, dlg, problems } = await openDialog('tree', 'F5');
    const dest = path.join(stick.dir, 'tree');
    assert.equal(fs.existsSync(dest), false, 'nothing copied while the dialog asks');
    assert.match(await problems.locator('h3').innerText(), /Problems on this destination \(exFAT\)/);
    assert.match(await problems.locator('[data-testid="problems-headline"]').innerText(), /^10 items cannot be copied to exFAT as they are; \d+ will be changed$/);
    const rows = await problems.locator('li').evaluateAll((els) =>
      els.map((e) => ({ path: e.querySelector('.path')?.textContent ?? '', reason: e.querySelector('.reason')?.textContent ?? '', fails: e.classList.contains('fails') })),
    );
    const find = (rel: string) => rows.filter((r) => r.path === `tree/${rel}`);
    for (const [rel, words] of Object.entries(REASONS)) {
      const r = find(rel);
      assert.ok(r.some((x) => x.fails && words.test(x.reason)), `${rel} listed with "${words.source}" (rows: ${JSON.stringify(rows)})`);
    }
    assert.ok(rows.some((r) => r.fails && /name is not valid UTF-8, which exFAT cannot store/.test(r.reason)), 'the name that is not UTF-8');
    assert.equal(rows.filter((r) => r.fails).length, EXFAT_UNFIT.length, 'every item exFAT cannot hold, once');
    // Changes, not failures: holes, Windows-only name rules, hard links.
    assert.ok(find('sparse.bin').some((r) => !r.fails && /holes can't be kept on exFAT/.test(r.reason)));
    assert.ok(find('trail.').some((r) => !r.fails && /name ends with '\.' which Windows does not allow/.test(r.reason)));
    assert.ok(find('CON').some((r) => !r.fails && /'CON' is a device name Windows reserves/.test(r.reason)));
    assert.match(await problems.locator('[data-testid="problems-lost"]').innerText(), /^Permissions, owners and extended attributes are not kept on exFAT/);
    // The choices: skip is the default; replacing characters and following links are offered.
    assert.equal(await problems.locator('[data-testid="choice-skip"]').isChecked(), true);
    await problems.locator('[data-testid="choice-map"]').waitFor();
    await problems.locator('[data-testid="choice-follow"]').waitFor();

    await dlg.locator('[data-testid="transfer-confirm"]').click();
    await dlg.waitFor({ state: 'detached' });
    await waitFor(() => PLAIN_FILES.every((f) => fs.existsSync(path.join(dest, f))), 'the plain files copied');
    for (const f of PLAIN_FILES) assert.equal(await sha256File(path.join(dest, f)), await sha256File(path.join(src, f)), f);
    // Give the job its end, then check nothing of the skipped items (nor of Ferry) is there.
    await page.waitForSelector('.queue-area [data-job-id][data-state="done"]', { timeout: 20_000 });
    const kept = listTree(dest);
    for (const u of EXFAT_UNFIT) assert.ok(!kept.includes(u), `${u} skipped (got ${kept.join(', ')})`);
    assert.deepEqual(strays(stick.dir), []);
  });

  test('Explain copy… says what the stick cannot hold of an item, in the same words', async () => {
    const file = path.join(root, 'when:now.txt');
    fs.writeFileSync(file, 'colon');
    await page.waitForSelector(`${pane('left')} [data-path="${file}"]`);
    await page.click(`${pane('left')} [data-path="${file}"]`, { button: 'right' });
    await page.locator('[role="menu"] [data-action="explain"]').click();
    const explain = page.locator('[data-testid="explain-dialog"]');
    const problem = explain.locator(`[data-src="${file}"] .problem.fails[data-problem="name"]`);
    await problem.waitFor();
    assert.equal(await problem.innerText(), "cannot copy: name contains ':' which exFAT does not allow");
    await page.keyboard.press('Escape');
    await explain.waitFor({ state: 'detached' });
  });

  test('F6 "Stop" copies nothing; F6 with "Skip them" moves what exFAT holds and leaves the rest at the source', async () => {
    const { src, dlg, problems } = await openDialog('moved', 'F6');
    const dest = path.join(stick.dir, 'moved');
    assert.match(await problems.locator('label:has([data-testid="choice-skip"])').innerText(), /they stay where they are/);
    await problems.locator('[data-testid="choice-stop"]').click();
    await dlg.waitFor({ state: 'detached' });
    assert.equal(fs.existsSync(dest), false, 'Stop started nothing');

    await page.click(`${pane('left')} [data-path="${src}"]`);
    await page.keyboard.press('F6');
    await dlg.waitFor();
    await dlg.locator('[data-testid="destination-problems"][data-state="ready"]').waitFor({ timeout: 30_000 });
    await dlg.locator('[data-testid="transfer-confirm"]').click();
    await dlg.waitFor({ state: 'detached' });
    // The job ends saying so, once, in its row of the queue.
    // The move's row: the newest first in the queue (its kind says Move; "Remove" buttons do not count).
    const row = page.locator('.queue-area [data-job-id]', { has: page.locator('.kind', { hasText: /^Move$/ }) }).first();
    await row.locator('[data-testid="job-warning"]', { hasText: 'stay at the source' }).waitFor({ timeout: 20_000 });
    const said = await row.locator('[data-testid="job-warning"]').allInnerTexts();
    assert.ok(said.includes('10 items stay at the source: exFAT cannot hold them (see their records)'), JSON.stringify(said));
    assert.ok(said.some((w) => /not kept on exFAT/.test(w)), JSON.stringify(said));
    const left = listTree(src);
    for (const u of EXFAT_UNFIT) assert.ok(left.includes(u), `${u} stays at the source (left: ${left.join(', ')})`);
    for (const f of PLAIN_FILES) assert.ok(!left.includes(f), `${f} moved (left: ${left.join(', ')})`);
    assert.equal(fs.readFileSync(path.join(dest, 'ok.txt'), 'utf8'), 'ok');
    assert.deepEqual(strays(stick.dir), []);
  });
});
