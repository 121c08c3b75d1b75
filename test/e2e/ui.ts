// Shared by the end-to-end tests: serve mode on two folders and a Chromium page on it, ready
// (both panes listed), the pane selectors (data-pane, data-path), and going to a folder the way a
// person does (the path bar).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.js';
import { startServe, type Served } from '../helpers/serve.js';

export type Side = 'left' | 'right';
export const pane = (side: Side) => `[data-pane="${side}"]`;
export const row = (side: Side, p: string) => `${pane(side)} [data-path="${p}"]`;

/**
 * Clicks the row of `p` and waits until that row is the selected one. Rows are keyed by place, so
 * a folder refresh that lands between finding the row and clicking it can put the click on a
 * neighbour: then the click is made again (a person would click again too).
 */
export async function clickRow(page: Page, side: Side, p: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await page.click(row(side, p));
    try {
      await page.waitForSelector(`${row(side, p)}.selected`, { timeout: attempt < 3 ? 2_000 : undefined });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

export interface Ui {
  served: Served;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export interface UiOptions {
  left: string;
  right: string;
  width?: number;
  height?: number;
  /** Serve runs as this user (root only). */
  uid?: number;
  dataDir?: string;
  /** Added to serve's environment. */
  env?: NodeJS.ProcessEnv;
  /** Browser permissions granted to the page's origin (e.g. the clipboard). */
  permissions?: string[];
  /** Playwright's default timeout (ms). */
  timeout?: number;
}

/** Serve mode on two folders and a page on it, ready (both panes listed); page and console errors are logged. */
export async function openUi(opts: UiOptions): Promise<Ui> {
  const served = await startServe({
    left: opts.left,
    right: opts.right,
    ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
    ...(opts.dataDir ? { dataDir: opts.dataDir } : {}),
    ...(opts.env ? { env: opts.env } : {}),
  });
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: opts.width ?? 1400, height: opts.height ?? 900 }, acceptDownloads: true });
  if (opts.permissions) await context.grantPermissions(opts.permissions, { origin: served.origin });
  const page = await context.newPage();
  page.setDefaultTimeout(opts.timeout ?? 15_000);
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`# console error: ${m.text()}`);
  });
  await page.goto(served.url);
  await page.waitForSelector(`${pane('left')}[data-cwd="${opts.left}"][data-state="ready"]`);
  await page.waitForSelector(`${pane('right')}[data-cwd="${opts.right}"][data-state="ready"]`);
  return {
    served,
    browser,
    context,
    page,
    async close() {
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await served.stop();
    },
  };
}

/** Ctrl+L in the pane, type the path, Enter; waits until the pane shows it (listed, or its error). */
export async function go(page: Page, side: Side, p: string, state: 'ready' | 'error' = 'ready'): Promise<void> {
  await page.locator(`${pane(side)} .grid`).focus();
  await page.keyboard.press('Control+l');
  const input = page.locator(`${pane(side)} .path-input`);
  if (process.env.STEER_DEBUG) {
    await input.waitFor({ timeout: 3000 }).catch(async () => {
      await page.screenshot({ path: '/tmp/steer-go-fail.png' });
      console.log('# active:', await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200)));
    });
  }
  await input.fill(p);
  await input.press('Enter');
  // The editor closes once the path is resolved: until then the pane may still show the old folder
  // (or already this one, when going to where it is), and a late answer would land in the next step.
  await input.waitFor({ state: 'detached' });
  await page.waitForSelector(`${pane(side)}[data-cwd="${p}"][data-state="${state}"]`);
}
