// Shared by the end-to-end tests of issue 12 (test/e2e/steer-*.test.ts): serve mode plus Chromium
// on a page, a request over the page's own WebSocket, and navigation the way a person does it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before } from 'node:test';
import type { Page } from 'playwright-core';
import type { JobSummary } from '../../electron/contract.js';
import { rpc } from './page-rpc.js';
import { go, openUi, pane, row, type Side, type Ui } from './ui.js';

export { go, openUi, pane, row, type Side, type Ui };
export const jobRow = (id: string) => `.queue-area [data-job-id="${id}"]`;

/** One request over a fresh WebSocket from inside the page (page-rpc.ts, shared by the e2e tests). */
export { rpc as pageRpc };

/** What a describe block of the steer tests works in: two fresh folders, the page on them. */
export interface UiSuite {
  readonly root: string;
  readonly L: string;
  readonly R: string;
  readonly ui: Ui;
  readonly page: Page;
}

/**
 * Call inside a describe: serve and a page on `<tmp>/left` and `<tmp>/right` (a fresh folder named
 * by `prefix`) before its tests, gone after them; after each test, what is still open (dialogs,
 * and `menus` too) is closed with Escape, so a test that failed cannot hold the next one.
 */
export function uiSuite(prefix: string, opts: { menus?: boolean } = {}): UiSuite {
  let root = '';
  let ui: Ui | undefined;
  const open = opts.menus ? 'dialog[open], [role="menu"]' : 'dialog[open]';
  before(async () => {
    root = sharedTmp(prefix);
    fs.mkdirSync(path.join(root, 'left'));
    fs.mkdirSync(path.join(root, 'right'));
    ui = await openUi({ left: path.join(root, 'left'), right: path.join(root, 'right') });
  });
  after(async () => {
    await ui?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    const page = ui?.page;
    for (let i = 0; page && i < 3 && (await page.locator(open).count()) > 0; i++) await page.keyboard.press('Escape');
  });
  return {
    get root() {
      return root;
    },
    get L() {
      return path.join(root, 'left');
    },
    get R() {
      return path.join(root, 'right');
    },
    get ui() {
      return ui!;
    },
    get page() {
      return ui!.page;
    },
  };
}

/** The queue's jobs (jobs.list). */
export async function jobs(page: Page): Promise<JobSummary[]> {
  return (await rpc<{ jobs: JobSummary[] }>(page, 'jobs.list', {})).jobs;
}

/** Waits until the job's queue row says it ended; its summary then. */
export async function finished(page: Page, id: string): Promise<JobSummary> {
  await page.waitForSelector(`${jobRow(id)}:is([data-state="done"], [data-state="failed"], [data-state="cancelled"])`, { timeout: 60_000 });
  return (await jobs(page)).find((j) => j.id === id)!;
}

/** Puts the cursor on `p` in a pane (a click selects it) and focuses the list. */
export async function pick(page: Page, side: Side, p: string): Promise<void> {
  await page.waitForSelector(row(side, p));
  await page.click(row(side, p));
  await page.locator(`${pane(side)} .grid`).focus();
}

/** A temp folder readable by everyone (serve may run as another user). */
export function sharedTmp(prefix: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(d, 0o755);
  return d;
}

/** Polls until `test` holds (files on disk); fails after `ms`. */
export async function until(test: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (test()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out: ${what}`);
}
