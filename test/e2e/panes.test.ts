// The dual-pane browser end to end: serve mode + the built renderer in Debian's Chromium, on real
// temp folders. Waits for named UI states (data-state, data-cwd, test ids) and polls the
// filesystem with bounded waits; never sleeps for a fixed time.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { chromiumSkipReason } from '../helpers/browser.js';
import type { Served } from '../helpers/serve.js';
import { go as goTo, openUi, pane, row, type Side, type Ui } from './ui.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const skip = chromiumSkipReason();
if (skip) console.log(`# skipping pane e2e tests: ${skip}`);
const isRoot = process.getuid?.() === 0;

let diagnostics: () => Promise<string> = async () => '';

/** Polls the filesystem until `p` exists (or, with exists=false, is gone); fails after `ms`. */
async function waitForPath(p: string, exists = true, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (fs.existsSync(p) === exists) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`${p} should ${exists ? 'exist' : 'be gone'} within ${ms} ms\n${await diagnostics()}`);
}


describe('dual-pane browser', { skip }, () => {
  let root: string;
  let L: string;
  let R: string;
  let trashHome: string;
  let served: Served;
  let ui: Ui | undefined;
  let page: Page;

  /** Makes a fresh pair of folders for one test and shows them in the panes. */
  async function fresh(name: string): Promise<{ l: string; r: string }> {
    const l = path.join(L, name);
    const r = path.join(R, name);
    fs.mkdirSync(l, { recursive: true });
    fs.mkdirSync(r, { recursive: true });
    await go('left', l);
    await go('right', r);
    return { l, r };
  }

  const go = (side: Side, p: string, state: 'ready' | 'error' = 'ready') => goTo(page, side, p, state);

  /** A drop opened the transfer dialog for `kind` into `destDir`, and nothing started yet: confirm it. */
  async function confirmDrop(kind: 'copy' | 'move', destDir: string): Promise<void> {
    const dialog = page.locator(`[data-testid="transfer-dialog"][data-kind="${kind}"]`);
    await dialog.waitFor();
    assert.equal(await dialog.locator('[data-testid="transfer-dest"]').inputValue(), destDir);
    await page.waitForSelector('[data-testid="transfer-dialog"] [data-testid="transfer-totals"][data-done="true"]');
    await dialog.locator('[data-testid="transfer-confirm"]').click();
    await dialog.waitFor({ state: 'detached' });
  }

  /** jobs.list over a second WebSocket (for failure diagnostics). */
  async function jobsList(): Promise<string> {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${served.token}`, { origin: served.origin });
    try {
      return await new Promise<string>((resolve, reject) => {
        ws.on('open', () => ws.send(JSON.stringify({ id: 1, method: 'jobs.list', params: {} })));
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as { kind: string; id?: number };
          if (m.kind === 'reply' && m.id === 1) resolve(JSON.stringify(m));
        });
        ws.on('error', reject);
      });
    } finally {
      ws.close();
    }
  }

  async function focusPane(side: Side): Promise<void> {
    await page.locator(`${pane(side)} .grid`).focus();
  }

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-panes-'));
    L = path.join(root, 'left');
    R = path.join(root, 'right');
    trashHome = path.join(root, 'xdg-data');
    fs.mkdirSync(L);
    fs.mkdirSync(R);
    fs.mkdirSync(trashHome);
    // The start folders: a few files of different sizes, a folder, a hidden file, links.
    fs.writeFileSync(path.join(L, 'b-medium.txt'), Buffer.alloc(5000));
    fs.writeFileSync(path.join(L, 'a-large.bin'), Buffer.alloc(90_000));
    fs.writeFileSync(path.join(L, 'c-small.txt'), 'x');
    fs.writeFileSync(path.join(L, '.hidden-file'), 'h');
    fs.mkdirSync(path.join(L, 'zz-folder'));
    fs.writeFileSync(path.join(L, 'zz-folder', 'inside.txt'), 'i');
    fs.symlinkSync(path.join(root, 'nowhere'), path.join(L, 'dangling-link'));
    fs.writeFileSync(path.join(R, 'right-file.txt'), 'r');
    ui = await openUi({ left: L, right: R, env: { XDG_DATA_HOME: trashHome }, width: 1280, height: 800, timeout: 10_000 });
    ({ served, page } = ui);
    diagnostics = async () => {
      const notices = await page.locator('[data-testid="notice"]').allInnerTexts().catch(() => []);
      const queue = await page.locator('.queue-area').innerText().catch(() => '');
      const jobs = await jobsList().catch((e: Error) => `jobs.list failed: ${e.message}`);
      return `notices: ${JSON.stringify(notices)}\nqueue area: ${queue.slice(0, 1500)}\njobs.list: ${jobs.slice(0, 3000)}\nserve stderr (tail): ${served.stderr().slice(-1500)}`;
    };
  });

  after(async () => {
    await ui?.close();
    if (root) {
      fs.chmodSync(root, 0o755);
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('both panes list their temp folders, folders first, hidden entries hidden', async () => {
    await page.waitForSelector(row('left', path.join(L, 'a-large.bin')));
    await page.waitForSelector(row('right', path.join(R, 'right-file.txt')));
    const paths = await page.locator(`${pane('left')} [data-path]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-path')));
    assert.equal(paths[0], path.join(L, 'zz-folder'), 'folders come first');
    assert.ok(!paths.includes(path.join(L, '.hidden-file')), 'hidden file not shown by default');
    // A dangling symlink is shown as a row marked broken, not dropped and not fatal.
    const dangling = page.locator(row('left', path.join(L, 'dangling-link')));
    assert.equal(await dangling.getAttribute('data-type'), 'symlink');
    assert.match((await dangling.getAttribute('class')) ?? '', /\bbad\b/);
    assert.match(await page.locator(`${pane('left')} [data-testid="item-count"]`).innerText(), /5 items/);
  });

  test('sorting by a column header, and toggling direction', async () => {
    const names = async () =>
      (await page.locator(`${pane('left')} [data-path]`).evaluateAll((els) => els.map((e) => e.getAttribute('data-path')!)))
        .map((p) => path.basename(p))
        .filter((n) => n.endsWith('.txt') || n.endsWith('.bin'));
    assert.deepEqual(await names(), ['a-large.bin', 'b-medium.txt', 'c-small.txt']);
    const size = page.locator(`${pane('left')} .header [data-sort="size"]`);
    await size.click();
    await page.waitForSelector(`${pane('left')} .header [data-sort="size"][aria-label$="now ascending"]`);
    assert.deepEqual(await names(), ['c-small.txt', 'b-medium.txt', 'a-large.bin']);
    await size.click();
    await page.waitForSelector(`${pane('left')} .header [data-sort="size"][aria-label$="now descending"]`);
    assert.deepEqual(await names(), ['a-large.bin', 'b-medium.txt', 'c-small.txt']);
    // Folders stay first whatever the direction.
    assert.equal(await page.locator(row('left', path.join(L, 'zz-folder'))).getAttribute('data-index'), '0');
    await page.click(`${pane('left')} .header [data-sort="name"]`);
    await page.waitForSelector(`${pane('left')} .header [data-sort="name"][aria-label$="now ascending"]`);
    await page.waitForSelector(`${pane('left')} [data-path$="a-large.bin"][data-index="1"]`);
  });

  test('Ctrl+H shows and hides hidden files', async () => {
    await focusPane('left');
    await page.keyboard.press('Control+h');
    await page.waitForSelector(row('left', path.join(L, '.hidden-file')));
    await page.keyboard.press('Control+h');
    await page.waitForSelector(row('left', path.join(L, '.hidden-file')), { state: 'detached' });
  });

  test('keyboard: arrows, Enter into a folder, Backspace up, Tab to the other pane, type-ahead', async () => {
    await focusPane('left');
    await page.keyboard.press('Home');
    const folder = path.join(L, 'zz-folder');
    await page.waitForSelector(`${row('left', folder)}.cursor`);
    await page.keyboard.press('ArrowDown');
    await page.waitForSelector(`${row('left', path.join(L, 'a-large.bin'))}.cursor`);
    await page.keyboard.press('ArrowUp');
    await page.waitForSelector(`${row('left', folder)}.cursor`);
    await page.keyboard.press('Enter');
    await page.waitForSelector(`${pane('left')}[data-cwd="${folder}"][data-state="ready"]`);
    await page.waitForSelector(row('left', path.join(folder, 'inside.txt')));
    await page.keyboard.press('Backspace');
    await page.waitForSelector(`${pane('left')}[data-cwd="${L}"][data-state="ready"]`);
    // Coming back up puts the cursor on the folder we left.
    await page.waitForSelector(`${row('left', folder)}.cursor`);
    // Type-ahead jumps to the first name starting with the letters typed.
    await page.keyboard.type('c-');
    await page.waitForSelector(`${row('left', path.join(L, 'c-small.txt'))}.cursor`);
    // History: Alt+Left goes back into the folder, Alt+Right forward again.
    await page.keyboard.press('Alt+ArrowLeft');
    await page.waitForSelector(`${pane('left')}[data-cwd="${folder}"][data-state="ready"]`);
    await page.keyboard.press('Alt+ArrowRight');
    await page.waitForSelector(`${pane('left')}[data-cwd="${L}"][data-state="ready"]`);
    // Tab goes to the other pane (and, from the right one, on to the transfers: see steer-log).
    await page.keyboard.press('Tab');
    await page.waitForSelector(`${pane('right')} .grid:focus`);
    await page.keyboard.press('Shift+Tab');
    await page.waitForSelector(`${pane('left')} .grid:focus`);
    // Ctrl+J moves into the transfers area, and again back to the pane.
    await page.keyboard.press('Control+j');
    await page.waitForSelector('.transfers:focus-within');
    await page.keyboard.press('Control+j');
    await page.waitForSelector(`${pane('left')} .grid:focus`);
    // Ctrl+U swaps the panes' folders, and again swaps them back.
    await page.keyboard.press('Control+u');
    await page.waitForSelector(`${pane('left')}[data-cwd="${R}"][data-state="ready"]`);
    await page.waitForSelector(`${pane('right')}[data-cwd="${L}"][data-state="ready"]`);
    await page.keyboard.press('Control+u');
    await page.waitForSelector(`${pane('left')}[data-cwd="${L}"][data-state="ready"]`);
    await page.waitForSelector(`${pane('right')}[data-cwd="${R}"][data-state="ready"]`);
  });

  test('each pane remembers its folder across a reload', async () => {
    const folder = path.join(L, 'zz-folder');
    await go('left', folder);
    await page.reload();
    await page.waitForSelector(`${pane('left')}[data-cwd="${folder}"][data-state="ready"]`);
    await page.waitForSelector(`${pane('right')}[data-cwd="${R}"][data-state="ready"]`);
    await go('left', L);
  });

  test('drag copies to the other pane, Shift+drag moves; a drop where the items already are is refused', async () => {
    const { l, r } = await fresh('dnd');
    fs.writeFileSync(path.join(l, 'drag-copy.txt'), 'copy me');
    fs.writeFileSync(path.join(l, 'drag-move.txt'), 'move me');
    const src = path.join(l, 'drag-copy.txt');
    await page.waitForSelector(row('left', src));

    // Copy: drag the row onto the right pane's background; the label says what will happen.
    const target = page.locator(`${pane('right')} .grid`);
    const box = (await target.boundingBox())!;
    await page.locator(row('left', src)).hover();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    const label = page.locator('[data-testid="drag-label"]');
    await label.waitFor();
    assert.equal((await label.innerText()).replace(/^\W+/, ''), `Copy "drag-copy.txt" to ${r}`);
    await page.mouse.up();
    // The drop asks first (the F5 dialog, pre-filled); nothing is copied before the answer.
    await page.waitForSelector('[data-testid="transfer-dialog"]');
    assert.ok(!fs.existsSync(path.join(r, 'drag-copy.txt')), 'nothing copied before the answer');
    await confirmDrop('copy', r);
    await page.locator('[data-testid="notice"]', { hasText: 'drag-copy.txt' }).waitFor();
    await waitForPath(path.join(r, 'drag-copy.txt'));
    assert.equal(fs.readFileSync(path.join(r, 'drag-copy.txt'), 'utf8'), 'copy me');
    assert.ok(fs.existsSync(src), 'a copy keeps the source');

    // Refused: dropping onto the pane the item already lives in.
    await page.locator(row('left', src)).hover();
    await page.mouse.down();
    const lbox = (await page.locator(`${pane('left')} .grid`).boundingBox())!;
    await page.mouse.move(lbox.x + lbox.width / 2, lbox.y + lbox.height - 20, { steps: 5 });
    await page.waitForSelector('[data-testid="drag-label"].refused');
    assert.match(await label.innerText(), /Already in/);
    await page.mouse.up();
    await label.waitFor({ state: 'detached' });
    assert.equal(await page.locator('[data-testid="transfer-dialog"]').count(), 0, 'a refused drop asks nothing');

    // Move: the same gesture, with Shift pressed once the drag is under way (Chromium does not
    // start a drag from a Shift+mousedown, which extends the selection instead).
    const moved = path.join(l, 'drag-move.txt');
    await page.locator(row('left', moved)).hover();
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 5 });
    await page.waitForSelector('[data-testid="drag-label"][data-kind="copy"]');
    await page.keyboard.down('Shift');
    try {
      await page.mouse.move(box.x + box.width / 2 + 10, box.y + box.height / 2, { steps: 2 });
      await page.waitForSelector('[data-testid="drag-label"][data-kind="move"]');
      assert.match(await label.innerText(), /^\W*Move "drag-move.txt" to /);
      await page.mouse.up();
    } finally {
      await page.keyboard.up('Shift');
    }
    await confirmDrop('move', r);
    await waitForPath(path.join(r, 'drag-move.txt'));
    await waitForPath(moved, false);
  });

  test('drag onto a folder row copies into that folder', async () => {
    const { l, r } = await fresh('dnd-row');
    fs.mkdirSync(path.join(r, 'into'));
    fs.writeFileSync(path.join(l, 'to-folder.txt'), 'f');
    await page.waitForSelector(row('right', path.join(r, 'into')));
    await page.waitForSelector(row('left', path.join(l, 'to-folder.txt')));
    await page.dragAndDrop(row('left', path.join(l, 'to-folder.txt')), row('right', path.join(r, 'into')));
    await confirmDrop('copy', path.join(r, 'into'));
    await waitForPath(path.join(r, 'into', 'to-folder.txt'));
  });

  test('context menu "Copy here" brings the other pane\'s selection into this folder', async () => {
    const { l, r } = await fresh('menu');
    const f = path.join(l, 'from-menu.txt');
    fs.writeFileSync(f, 'menu');
    await page.waitForSelector(row('left', f));
    await page.click(row('left', f));
    await page.waitForSelector(`${row('left', f)}.selected`);
    const box = (await page.locator(`${pane('right')} .grid`).boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 30, { button: 'right' });
    const item = page.locator('[role="menu"] [data-action="copy-here"]');
    await item.waitFor();
    // The menu is keyboard driven too: its first item has focus, Escape closes it.
    await page.keyboard.press('Escape');
    await item.waitFor({ state: 'detached' });
    await page.mouse.click(box.x + box.width / 2, box.y + box.height - 30, { button: 'right' });
    await item.click();
    await waitForPath(path.join(r, 'from-menu.txt'));
    assert.ok(fs.existsSync(f));

    // From the keyboard: Shift+F10 opens the menu on the cursor row, arrows move, Enter runs.
    const g = path.join(l, 'from-keys.txt');
    fs.writeFileSync(g, 'keys');
    await page.waitForSelector(row('left', g));
    await page.click(row('left', g));
    await page.keyboard.press('Shift+F10');
    await page.locator('[role="menu"] button:focus').waitFor();
    await page.keyboard.press('End');
    await page.locator('[role="menu"] [data-action="properties"]:focus').waitFor();
    await page.keyboard.press('Home');
    // Walk down to "Copy to other pane" (items above it may be disabled and are skipped).
    for (let i = 0; i < 5 && (await page.locator('[role="menu"] [data-action="copy-to-other"]:focus').count()) === 0; i++) {
      await page.keyboard.press('ArrowDown');
    }
    await page.locator('[role="menu"] [data-action="copy-to-other"]:focus').waitFor();
    await page.keyboard.press('Enter');
    const dlg = page.locator('[data-testid="transfer-dialog"]');
    await dlg.waitFor();
    await page.keyboard.press('Enter');
    await dlg.waitFor({ state: 'detached' });
    await waitForPath(path.join(r, 'from-keys.txt'));
  });

  test('F5 and F6 ask first (target, predicted methods); Escape cancels, Enter confirms', async () => {
    const { l, r } = await fresh('fkeys');
    const a = path.join(l, 'f5.txt');
    const b = path.join(l, 'f6.txt');
    fs.writeFileSync(a, 'five');
    fs.writeFileSync(b, 'six');
    await page.waitForSelector(row('left', b));
    await page.click(row('left', a));
    await page.keyboard.press('F5');
    const dlg = page.locator('[data-testid="transfer-dialog"]');
    await dlg.waitFor();
    assert.equal(await dlg.locator('[data-testid="transfer-dest"]').inputValue(), r);
    const method = dlg.locator('[data-testid="transfer-methods"] li[data-method]').first();
    await method.waitFor();
    assert.match((await method.getAttribute('data-method'))!, /^(reflink|copy_file_range|splice|buffered)$/);
    assert.match(await method.innerText(), /1 file, 4 B/);
    await page.keyboard.press('Escape');
    await dlg.waitFor({ state: 'detached' });
    assert.ok(!fs.existsSync(path.join(r, 'f5.txt')), 'Escape started nothing');
    await page.keyboard.press('F5');
    await dlg.waitFor();
    await page.keyboard.press('Enter');
    await dlg.waitFor({ state: 'detached' });
    await waitForPath(path.join(r, 'f5.txt'));

    // Explain copy… from the row's context menu: one line per file, with the method and why.
    await page.click(row('left', b), { button: 'right' });
    await page.locator('[role="menu"] [data-action="explain"]').click();
    const explain = page.locator('[data-testid="explain-dialog"]');
    await explain.locator(`[data-src="${b}"] .method-badge`).first().waitFor();
    assert.match(await explain.locator(`[data-src="${b}"]`).innerText(), /reflink|copy_file_range|splice|buffered/);
    await page.keyboard.press('Escape');
    await explain.waitFor({ state: 'detached' });
    // Properties (Alt+Enter) of the cursor entry: fs.stat in a dialog.
    await page.keyboard.press('Alt+Enter');
    const props = page.locator('[data-testid="properties-dialog"]');
    await props.locator('dl').waitFor();
    assert.match(await props.innerText(), /f6\.txt[\s\S]*3 B[\s\S]*-rw/);
    await page.keyboard.press('Escape');
    await props.waitFor({ state: 'detached' });

    await page.click(row('left', b));
    await page.keyboard.press('F6');
    await dlg.waitFor();
    assert.match(await dlg.locator('h2').innerText(), /^Move/);
    await page.keyboard.press('Enter');
    await dlg.waitFor({ state: 'detached' });
    await waitForPath(path.join(r, 'f6.txt'));
    await waitForPath(b, false);
  });

  test('rename (F2) and new folder (F7) validate names inline; trash (F8) moves to the trash', async () => {
    const { l } = await fresh('names');
    const f = path.join(l, 'old-name.txt');
    fs.writeFileSync(f, 'n');
    fs.writeFileSync(path.join(l, 'taken.txt'), 't');
    await page.waitForSelector(row('left', f));
    await page.click(row('left', f));
    await page.keyboard.press('F2');
    const input = page.locator('[data-testid="name-input"]');
    const err = page.locator('[data-testid="name-error"]');
    await input.waitFor();
    await input.fill('a/b');
    await page.locator('[data-testid="name-error"]', { hasText: 'must not contain "/"' }).waitFor();
    await input.fill('taken.txt');
    await page.locator('[data-testid="name-error"]', { hasText: 'already exists' }).waitFor();
    await input.fill('');
    await page.locator('[data-testid="name-error"]', { hasText: 'must not be empty' }).waitFor();
    assert.ok(fs.existsSync(f), 'invalid names send nothing');
    await input.fill('new-name.txt');
    assert.equal(await err.innerText(), '');
    await input.press('Enter');
    await input.waitFor({ state: 'detached' });
    await waitForPath(path.join(l, 'new-name.txt'));
    await waitForPath(f, false);
    // The renamed entry shows up selected.
    await page.waitForSelector(`${row('left', path.join(l, 'new-name.txt'))}.selected`);

    await page.keyboard.press('F7');
    await input.waitFor();
    await input.fill('zz-folder-made');
    await input.press('Enter');
    await input.waitFor({ state: 'detached' });
    await waitForPath(path.join(l, 'zz-folder-made'));
    assert.ok(fs.statSync(path.join(l, 'zz-folder-made')).isDirectory());
    await page.waitForSelector(row('left', path.join(l, 'zz-folder-made')));

    await page.click(row('left', path.join(l, 'new-name.txt')));
    await page.keyboard.press('F8');
    const trash = page.locator('[data-testid="trash-dialog"]');
    await trash.waitFor();
    await page.keyboard.press('Enter');
    await trash.waitFor({ state: 'detached' });
    await waitForPath(path.join(l, 'new-name.txt'), false);
    await page.waitForSelector(row('left', path.join(l, 'new-name.txt')), { state: 'detached' });
    // It went to the freedesktop trash under XDG_DATA_HOME (the .trashinfo records where from).
    const infoDir = path.join(trashHome, 'Trash', 'info');
    const infos = fs.readdirSync(infoDir).map((n) => fs.readFileSync(path.join(infoDir, n), 'utf8'));
    assert.ok(infos.some((t) => t.includes(`Path=${encodeURI(path.join(l, 'new-name.txt'))}`) || t.includes(`Path=${path.join(l, 'new-name.txt')}`)), infos.join('\n'));
  });

  test('the path editor gives focus back to its list only when it still has it: an answer that comes after the user moved to the other pane leaves the focus there', async () => {
    const leftAt = await page.locator(pane('left')).getAttribute('data-cwd');
    await page.locator(`${pane('left')} .grid`).focus();
    await page.keyboard.press('Control+l');
    await page.locator(`${pane('left')} .path-input`).waitFor();
    // Enter, and before the path's answer comes back the user is already in the other pane: the
    // late answer navigates the left pane but leaves the focus where the user put it.
    const starts = () => performance.getEntriesByName('ferry:list:left:start').length;
    const before = await page.evaluate(starts);
    await page.evaluate(() => {
      document.querySelector<HTMLFormElement>('[data-pane="left"] form.edit')!.requestSubmit();
      document.querySelector<HTMLElement>('[data-pane="right"] .grid')!.focus();
    });
    // The answer came: the left pane lists the folder again.
    await page.waitForFunction(`performance.getEntriesByName('ferry:list:left:start').length > ${before}`);
    await page.waitForSelector(`${pane('left')}[data-cwd="${leftAt}"][data-state="ready"]`);
    assert.equal(await page.evaluate(() => document.activeElement?.closest('[data-pane]')?.getAttribute('data-pane')), 'right');
    // Escape in the editor: the list it belongs to takes the focus back.
    await page.keyboard.press('Control+l');
    const input = page.locator(`${pane('right')} .path-input`);
    await input.waitFor();
    await input.press('Escape');
    await input.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.matches('[data-pane="right"] .grid') ?? false), true);
  });

  test('errors show inline: a missing folder, a folder that vanishes while shown, and (non-root) permission denied', async () => {
    // A typed path that does not exist is said under the path bar; the pane stays where it was.
    const missing = path.join(root, 'does-not-exist');
    const was = await page.locator(pane('right')).getAttribute('data-cwd');
    await page.locator(`${pane('right')} .grid`).focus();
    await page.keyboard.press('Control+l');
    const input = page.locator(`${pane('right')} .path-input`);
    await input.fill(missing);
    await input.press('Enter');
    assert.match(await page.locator(`${pane('right')} [data-testid="path-error"]`).innerText(), /^no such file or folder/);
    assert.equal(await page.locator(pane('right')).getAttribute('data-cwd'), was);
    await input.press('Escape');
    const err = page.locator(`${pane('right')} [data-testid="pane-error"]`);

    // A folder removed while shown (works as root too): the watch fires and the pane says so.
    const doomed = path.join(root, 'doomed');
    fs.mkdirSync(doomed);
    fs.writeFileSync(path.join(doomed, 'x.txt'), 'x');
    await go('right', doomed);
    await page.waitForSelector(row('right', path.join(doomed, 'x.txt')));
    fs.rmSync(doomed, { recursive: true });
    await page.waitForSelector(`${pane('right')}[data-state="error"] [data-testid="pane-error"]`);
    assert.match(await err.innerText(), /no longer exists|does not exist|ENOENT/);
    assert.equal(await page.locator(`${pane('right')} [data-path]`).count(), 0, 'stale rows are not left behind');
    assert.equal(await err.getAttribute('data-code'), 'ENOENT');
    // The pane is still usable: Up goes to the nearest folder that exists.
    await err.locator('button', { hasText: 'Go up' }).click();
    await page.waitForSelector(`${pane('right')}[data-cwd="${root}"][data-state="ready"]`);

    // A name that is not UTF-8 is a normal row, spelled with the engine's \xNN escape (lossless).
    const odd = path.join(root, 'odd');
    fs.mkdirSync(odd);
    fs.writeFileSync(Buffer.concat([Buffer.from(`${odd}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]), 'b');
    fs.writeFileSync(path.join(odd, 'good.txt'), 'g');
    await go('right', odd);
    await page.waitForSelector(row('right', path.join(odd, 'good.txt')));
    const bad = page.locator(`${pane('right')} .row[data-escaped="true"]`);
    await bad.waitFor();
    assert.equal(await bad.getAttribute('data-path'), `${odd}/bad-\\xFF\\xFE.txt`);
    assert.match((await bad.getAttribute('title')) ?? '', /not valid UTF-8/);
    assert.equal(await page.locator(`${pane('right')} .row.bad`).count(), 0, 'no error row');

    if (!isRoot) {
      const locked = path.join(root, 'locked');
      fs.mkdirSync(locked);
      fs.chmodSync(locked, 0o000);
      await go('right', locked, 'error');
      assert.equal(await err.getAttribute('data-code'), 'EACCES');
      fs.chmodSync(locked, 0o755);
    } else {
      console.log('# running as root: permission denied is not testable (root bypasses modes); covered by ENOENT and vanished-folder cases');
    }
  });

  test('a 100,000-entry folder shows its first rows quickly and renders only visible rows', async () => {
    const big = path.join(root, 'big');
    fs.mkdirSync(big);
    for (let i = 0; i < 100_000; i++) fs.closeSync(fs.openSync(path.join(big, `f${String(i).padStart(6, '0')}`), 'w'));
    await focusPane('left');
    await page.keyboard.press('Control+l');
    const input = page.locator(`${pane('left')} .path-input`);
    await input.fill(big);
    const t0 = Date.now();
    await input.press('Enter');
    await page.waitForSelector(row('left', path.join(big, 'f000000')));
    const firstRows = Date.now() - t0;
    await page.waitForSelector(`${pane('left')}[data-cwd="${big}"][data-state="ready"]`);
    const complete = Date.now() - t0;
    const marks = await page.evaluate<Record<string, number>>(
      `Object.fromEntries(performance.getEntriesByType('mark').filter((m) => m.name.startsWith('ferry:list:left')).map((m) => [m.name.split(':').pop(), m.startTime]))`,
    );
    const firstChunk = Math.round((marks['first-chunk'] ?? NaN) - (marks['start'] ?? NaN));
    const applied = Math.round((marks['first-rows'] ?? NaN) - (marks['start'] ?? NaN));
    const frame = Math.round((marks['first-frame'] ?? NaN) - (marks['start'] ?? NaN));
    console.log(
      `# 100k entries: first rows seen by the test after ${firstRows} ms; in the page: first dir.entries chunk ${firstChunk} ms and first rows in the view ${applied} ms, next frame ${frame} ms after fs.list was sent; listing complete after ${complete} ms`,
    );
    assert.match(await page.locator(`${pane('left')} [data-testid="item-count"]`).innerText(), /100,000 items/);
    const rendered = await page.locator(`${pane('left')} [data-path]`).count();
    assert.ok(rendered > 10 && rendered < 200, `only visible rows are in the DOM (${rendered})`);
    // Scrolling to the middle renders the rows there (and still only a window of them).
    await page.evaluate(`document.querySelector('[data-pane="left"] .grid').scrollTop = 50000 * 22`);
    await page.waitForSelector(row('left', path.join(big, 'f050000')));
    assert.ok((await page.locator(`${pane('left')} [data-path]`).count()) < 200);
    assert.equal(await page.locator(row('left', path.join(big, 'f000000'))).count(), 0, 'rows scrolled away are gone');
    // End jumps to the last entry, which is rendered and in view.
    await page.keyboard.press('End');
    await page.waitForSelector(`${row('left', path.join(big, 'f099999'))}.cursor`);
    const last = (await page.locator(row('left', path.join(big, 'f099999'))).boundingBox())!;
    const grid = (await page.locator(`${pane('left')} .grid`).boundingBox())!;
    assert.ok(last.y >= grid.y - 1 && last.y + last.height <= grid.y + grid.height + 1, 'last row is inside the viewport');
    await page.keyboard.press('Home');
    await page.waitForSelector(`${row('left', path.join(big, 'f000000'))}.cursor`);
  });

  test('screenshots of the light and dark themes', async () => {
    await go('left', L);
    await go('right', R);
    await focusPane('left');
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Insert');
    await page.keyboard.press('Insert');
    await page.waitForSelector(`${pane('left')} [data-testid="selected-count"]`);
    await page.mouse.move(640, 790); // no hover highlight in the pictures
    fs.mkdirSync(path.join(repo, 'docs'), { recursive: true });
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const bg = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
      await page.screenshot({ path: path.join(repo, 'docs', `screenshot-${scheme}.png`) });
      assert.ok(fs.statSync(path.join(repo, 'docs', `screenshot-${scheme}.png`)).size > 10_000);
      // The themes differ (prefers-color-scheme is honoured).
      if (scheme === 'light') assert.equal(bg, 'rgb(255, 255, 255)');
      else assert.notEqual(bg, 'rgb(255, 255, 255)');
    }
    await page.emulateMedia({ colorScheme: null });
  });
});
