#!/usr/bin/env node
// The README's first run, checked on a fresh clone (CI runs it from .ci/run; `npm run
// check:first-run` by hand): `npm install && npm start` exactly as written, with Electron's
// download host unreachable. `npm install` must succeed, and `npm start` must say in one line
// that it could not get Electron and print the serve URL, which must serve the page.
//
// The clone is of this checkout's HEAD commit (uncommitted changes are not in it). The
// environment is the caller's minus npm's and Electron's own variables, plus: a DISPLAY (so
// `npm start` tries the download instead of going straight to serve mode for want of a screen),
// an empty Electron download cache, a data folder for serve mode, and, only where github.com
// resolves, a mirror on a closed local port so the download fails as it does offline.
import { execFileSync, spawn } from 'node:child_process';
import dns from 'node:dns/promises';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INSTALL_TIMEOUT = 20 * 60_000;
const START_TIMEOUT = 10 * 60_000;

function fail(why, log = '') {
  console.error(`first run: FAILED: ${why}`);
  if (log) console.error(log.split('\n').slice(-40).join('\n'));
  process.exit(1);
}

/** Runs a command in its own process group; resolves with its exit and output. */
function run(cmd, argv, opts) {
  const child = spawn(cmd, argv, { ...opts, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exit };
}

function killGroup(child) {
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    /* already gone */
  }
}

const top = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: here, encoding: 'utf8' }).trim();
const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: top, encoding: 'utf8' }).trim();
if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: top, encoding: 'utf8' }).trim()) {
  console.error('first run: note: uncommitted changes are not part of the check (it clones HEAD)');
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-first-run-'));
const clone = path.join(tmp, 'ferry');
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
execFileSync('git', ['clone', '--quiet', '--no-checkout', top, clone]);
execFileSync('git', ['checkout', '--quiet', head], { cwd: clone });

// Under `npm run`, npm's own variables would leak into the clone's npm; Electron's would change the test.
const underNpm = Boolean(process.env.npm_lifecycle_event);
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(ELECTRON_|electron_)/.test(k) && !(underNpm && /^(npm_|INIT_CWD$)/.test(k))));
env.DISPLAY = ':404';
env.electron_config_cache = path.join(tmp, 'electron-cache');
env.XDG_DATA_HOME = path.join(tmp, 'data');
const githubResolves = await dns.lookup('github.com').then(
  () => true,
  () => false,
);
if (githubResolves) env.ELECTRON_MIRROR = 'http://127.0.0.1:9/';
console.error(`first run: ${head.slice(0, 10)} cloned to ${clone}; Electron's host ${githubResolves ? 'made unreachable (a mirror on a closed port)' : 'is unreachable here (github.com does not resolve)'}`);

const t0 = Date.now();
const install = run('npm', ['install'], { cwd: clone, env });
const timer = setTimeout(() => killGroup(install.child), INSTALL_TIMEOUT);
const installed = await install.exit;
clearTimeout(timer);
if (installed.code !== 0) fail(`npm install exited with ${installed.signal ?? installed.code}`, install.output());
const installSeconds = (Date.now() - t0) / 1000;
console.error(`first run: npm install: ok (${installSeconds.toFixed(0)} s)`);

const t1 = Date.now();
const start = run('npm', ['start'], { cwd: clone, env });
const url = await new Promise((resolve) => {
  const timeout = setTimeout(() => resolve(null), START_TIMEOUT);
  const look = () => {
    const m = /Ferry UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(start.output());
    if (m) {
      clearTimeout(timeout);
      resolve(m[1]);
    }
  };
  start.child.stdout.on('data', look);
  start.child.stderr.on('data', look);
  start.exit.then(() => {
    clearTimeout(timeout);
    look();
    resolve(null);
  });
});
if (!url) {
  killGroup(start.child);
  fail('npm start printed no serve URL', start.output());
}
const startSeconds = (Date.now() - t1) / 1000;
const status = await new Promise((resolve) => {
  http.get(url, (res) => {
    let body = '';
    res.on('data', (d) => (body += d));
    res.on('end', () => resolve(res.statusCode === 200 && /<title>/i.test(body) ? 200 : res.statusCode));
  }).on('error', (e) => resolve(e.message));
});
killGroup(start.child);
await start.exit;
const lines = start
  .output()
  .split('\n')
  .filter((l) => l.startsWith('ferry: '));
if (status !== 200) fail(`the serve URL answered ${status}`, start.output());
const said = lines.filter((l) => /could not download Electron/.test(l));
if (said.length !== 1) fail('npm start did not say in one line that it could not get Electron', start.output());
console.error(`first run: npm start: ok (${startSeconds.toFixed(0)} s to the URL, which serves the page)`);
for (const l of lines) console.error(`first run:   ${l}`);
console.error(`first run: ok`);
