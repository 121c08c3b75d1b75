// The Electron shell end to end with Playwright's _electron. Runs where an Electron binary is
// installed; elsewhere (npm install does not download it; the first `npm start` does) it skips and says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron } from 'playwright-core';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}
const bin = electronBinary();
const needsDisplay = !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skip = !bin
  ? 'no Electron binary installed (npm install does not download it; the first `npm start` does); the same UI is tested through serve mode'
  : needsDisplay
    ? 'Electron needs a display: run under xvfb-run'
    : false;
if (skip) console.log(`# skipping Electron end-to-end test: ${skip}`);

test('electron: the window opens with two panes listing temp folders', { skip }, async () => {
  const left = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-el-left-'));
  const right = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-el-right-'));
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-el-data-'));
  fs.writeFileSync(path.join(left, 'one.txt'), '1');
  fs.writeFileSync(path.join(right, 'two.txt'), '2');
  const app = await _electron.launch({
    executablePath: bin!,
    args: [repo, '--left', left, '--right', right, '--data-dir', data, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
  });
  try {
    const win = await app.firstWindow();
    assert.equal(new URL(win.url()).href, 'app://ferry/index.html', 'the page comes from the app:// scheme, not file://');
    await win.locator(`[data-pane="left"] [data-path="${path.join(left, 'one.txt')}"]`).waitFor();
    await win.locator(`[data-pane="right"] [data-path="${path.join(right, 'two.txt')}"]`).waitFor();
    const exposed = await win.evaluate(() => {
      const g = globalThis as unknown as { ferry?: Record<string, unknown>; require?: unknown; process?: unknown };
      return { verbs: Object.keys(g.ferry ?? {}).length, require: typeof g.require, process: typeof g.process };
    });
    assert.ok(exposed.verbs > 10);
    assert.equal(exposed.require, 'undefined');
    assert.equal(exposed.process, 'undefined');
  } finally {
    await app.close();
    for (const d of [left, right, data]) fs.rmSync(d, { recursive: true, force: true });
  }
});
