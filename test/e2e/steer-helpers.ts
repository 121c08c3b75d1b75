// Shared by the end-to-end tests of issue 12 (test/e2e/steer-*.test.ts): serve mode plus Chromium
// on a page, a request over the page's own WebSocket, and navigation the way a person does it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';
import type { Page } from 'playwright-core';
import type { JobSummary } from '../../electron/contract.js';

import { clickRow, go, openUi, pane, row, type Side, type Ui } from './ui.js';

// Serve and a page on two folders, the pane selectors and the path bar: shared with every e2e test (ui.ts).
export { go, openUi, pane, row, type Side, type Ui };
export const jobRow = (id: string) => `.queue-area [data-job-id="${id}"]`;

/** Two fresh folders, root/left and root/right (readable by everyone), shown in serve mode on a page. */
export async function openPair(prefix: string): Promise<{ root: string; L: string; R: string; ui: Ui }> {
  const root = sharedTmp(prefix);
  const L = path.join(root, 'left');
  const R = path.join(root, 'right');
  fs.mkdirSync(L);
  fs.mkdirSync(R);
  return { root, L, R, ui: await openUi({ left: L, right: R }) };
}

export type Pair = Awaited<ReturnType<typeof openPair>> & { page: Page };

/**
 * The suite's hooks, in one place: a fresh pair is opened before the suite's tests (handed to `set`)
 * and closed after them; after each test, whatever matches `open` is escaped, so that a test that
 * failed with a dialog open does not hold the next one.
 */
export function pairPerSuite(prefix: string, set: (pair: Pair) => void, open = 'dialog[open]'): void {
  let pair: Pair | undefined;
  before(async () => {
    const p = await openPair(prefix);
    pair = { ...p, page: p.ui.page };
    set(pair);
  });
  after(() => closePair(pair?.ui, pair?.root));
  afterEach(() => escapeAll(pair?.page, open));
}

/** Closes what openPair opened and removes its folders. */
export async function closePair(ui: Ui | undefined, root: string | undefined): Promise<void> {
  await ui?.close();
  if (root) fs.rmSync(root, { recursive: true, force: true });
}

/** Escape until nothing matching `open` is left (a test that failed with a dialog open must not hold the next one). */
export async function escapeAll(page: Page | undefined, open = 'dialog[open]'): Promise<void> {
  for (let i = 0; page && i < 3 && (await page.locator(open).count()) > 0; i++) await page.keyboard.press('Escape');
}

/** The queue's jobs (jobs.list from the page). */
export async function jobs(page: Page): Promise<JobSummary[]> {
  return (await rpc<{ jobs: JobSummary[] }>(page, 'jobs.list', {})).jobs;
}
/** Starts a copy from the page (jobs.start); its id. */
export async function copy(page: Page, sources: string[], destDir: string, options: Record<string, unknown> = {}): Promise<string> {
  return (await rpc<{ jobId: string }>(page, 'jobs.start', { kind: 'copy', sources, destDir, options })).jobId;
}
/** Waits until the queue shows job `id` finished (done, failed or cancelled); its summary. */
export async function finished(page: Page, id: string): Promise<JobSummary> {
  await page.waitForSelector(`${jobRow(id)}:is([data-state="done"], [data-state="failed"], [data-state="cancelled"])`, { timeout: 60_000 });
  return (await jobs(page)).find((j) => j.id === id)!;
}

/** One request over a fresh WebSocket from inside the page (page-rpc.ts, shared by the e2e tests). */
export { rpc as pageRpc } from './page-rpc.js';
import { rpc } from './page-rpc.js';

/** Puts the cursor on `p` in a pane (a click selects it) and focuses the list. */
export async function pick(page: Page, side: Side, p: string): Promise<void> {
  await page.waitForSelector(row(side, p));
  await clickRow(page, side, p);
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

/** The checkout (this file runs from dist/test/e2e). */
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A screenshot for the documentation: docs/screenshot-<name>.png (the README shows them). */
export async function docShot(page: Page, name: string): Promise<void> {
  const file = path.join(repo, 'docs', `screenshot-${name}.png`);
  await page.screenshot({ path: file });
  if (fs.statSync(file).size < 10_000) throw new Error(`${file}: a screenshot of almost nothing`);
}
