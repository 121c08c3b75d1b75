// `npm start` (scripts/start.mjs) where the window cannot be had: it says why in one line and
// starts serve mode, whose URL serves the page. (The whole first run on a fresh clone,
// `npm install && npm start`, is scripts/first-run.mjs, which CI runs.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function electronInstalled(): boolean {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown;
    return typeof p === 'string' && fs.existsSync(p);
  } catch {
    return false;
  }
}

/** Runs start.mjs until it prints the serve URL; returns its `ferry:` lines and the page's status. */
async function startUntilUrl(env: NodeJS.ProcessEnv): Promise<{ said: string[]; status: number }> {
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-start-'));
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(DISPLAY|WAYLAND_DISPLAY|ELECTRON_.*|electron_.*)$/.test(k)));
  const child = spawn(process.execPath, [path.join(repo, 'scripts', 'start.mjs'), '--port', '0', '--data-dir', data], {
    cwd: repo,
    env: { ...clean, ...env, electron_config_cache: path.join(data, 'electron-cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const m = /Ferry UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
        if (m) resolve(m[1]!);
      };
      child.stdout.on('data', look);
      void exited.then(() => reject(new Error(`start.mjs exited before printing the URL:\n${out}`)));
    });
    const status = await new Promise<number>((resolve, reject) => {
      http.get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    return { said: out.split('\n').filter((l) => l.startsWith('ferry: ')), status };
  } finally {
    child.kill('SIGTERM'); // forwarded to serve mode, which exits, and start.mjs with it
    await exited;
    fs.rmSync(data, { recursive: true, force: true });
  }
}

test('npm start without a display: one line says so, then serve mode', async () => {
  const r = await startUntilUrl({});
  assert.equal(r.status, 200);
  assert.deepEqual(r.said, ['ferry: no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset), so starting serve mode: open the URL below in a browser.']);
});

test('npm start when Electron cannot be downloaded: one line says why, then serve mode', { skip: electronInstalled() && 'an Electron binary is installed here' }, async () => {
  // A display (never opened) and a download mirror on a closed local port: the download fails at once.
  const r = await startUntilUrl({ DISPLAY: ':404', ELECTRON_MIRROR: 'http://127.0.0.1:9/' });
  assert.equal(r.status, 200);
  assert.equal(r.said.length, 2, r.said.join('\n'));
  assert.match(r.said[0]!, /^ferry: no Electron binary yet: downloading Electron \d+\.\d+\.\d+ \(about 100 MB, once\)…$/);
  assert.match(r.said[1]!, /^ferry: could not download Electron \(.*ECONNREFUSED.*\), so starting serve mode: open the URL below in a browser\.$/);
});
