#!/usr/bin/env node
// `npm start`: the Ferry window where Electron can run, serve mode everywhere else.
//
// `npm install` does not download Electron's binary: package.json's `allowScripts` keeps
// electron's install script from running, so installing works offline. The first `npm start`
// fetches the binary with electron's own install.js (cached by @electron/get, once). When that
// fails (offline, blocked, or no progress for 20 s), when there is no display to open a window
// on, or when the window cannot start, it says why in one line and starts serve mode with the
// same options (--left, --right, --port, --data-dir), which prints
//   Ferry UI: http://127.0.0.1:PORT/?token=TOKEN
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const require = createRequire(import.meta.url);
/** A download that has not grown for this long is given up. */
const STALL_MS = 20_000;
/** A window that exits with an error this soon never started. */
const EARLY_EXIT_MS = 10_000;
const SERVE_HINT = 'so starting serve mode: open the URL below in a browser.';

function say(line) {
  process.stderr.write(`ferry: ${line}\n`);
}

/** The Electron binary, or null when none is installed. */
function electronBinary() {
  try {
    delete require.cache[require.resolve('electron')];
    const p = require('electron');
    return typeof p === 'string' && fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

/** Bytes of the files under `dir` (0 when it does not exist). */
function bytesUnder(dir) {
  let n = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += bytesUnder(p);
    else if (e.isFile()) n += fs.statSync(p, { throwIfNoEntry: false })?.size ?? 0;
  }
  return n;
}

/**
 * Runs electron's install.js. Resolves null when the binary is in place, else why not (one line).
 * The download goes to a temporary folder of our own, so its growth shows progress; a download
 * that stops growing for STALL_MS is stopped.
 */
function download(electronDir, version) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-electron-'));
  const progress = () => bytesUnder(tmp) + bytesUnder(path.join(electronDir, 'dist'));
  const tty = process.stderr.isTTY;
  const note = `no Electron binary yet: downloading Electron ${version} (about 100 MB, once)`;
  if (tty) process.stderr.write(`ferry: ${note}…`);
  else say(`${note}…`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(electronDir, 'install.js')], {
      cwd: electronDir,
      env: { ...process.env, TMPDIR: tmp, ELECTRON_GET_NO_PROGRESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let seen = 0;
    let lastGrowth = Date.now();
    let stalled = false;
    const watch = setInterval(() => {
      const now = progress();
      if (now > seen) {
        seen = now;
        lastGrowth = Date.now();
        if (tty) process.stderr.write(`\rferry: ${note}… ${(now / 1e6).toFixed(0)} MB`);
      } else if (Date.now() - lastGrowth > STALL_MS) {
        stalled = true;
        child.kill('SIGTERM');
      }
    }, 1000);
    const done = (why) => {
      clearInterval(watch);
      fs.rmSync(tmp, { recursive: true, force: true });
      if (tty) process.stderr.write('\n');
      resolve(why);
    };
    child.on('error', (e) => done(e.message));
    child.on('close', (code, signal) => {
      if (stalled) return done(`the download made no progress for ${STALL_MS / 1000} s`);
      if (code === 0 && electronBinary()) return done(null);
      const first = output
        .split('\n')
        .map((l) => l.trim())
        .find((l) => l && !l.startsWith('at '));
      done((first ?? `install.js ended with ${signal ?? `exit code ${code}`}`).slice(0, 200));
    });
  });
}

function run(command, argv, onExit) {
  const child = spawn(command, argv, { stdio: 'inherit' });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    onExit(code, signal);
  });
  return child;
}

function serve() {
  run(process.execPath, [path.join(repo, 'dist', 'electron', 'serve.js'), ...args], (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}

function window(bin) {
  const started = Date.now();
  run(bin, [repo, ...args], (code, signal) => {
    // 2 is Ferry's own usage error (already reported); anything else this early is the
    // environment (missing libraries, no sandbox as root…): fall back rather than leave nothing.
    if (!signal && code !== 0 && code !== 2 && code !== null && Date.now() - started < EARLY_EXIT_MS) {
      say(`the Electron window could not start (exit code ${code}), ${SERVE_HINT}`);
      return serve();
    }
    process.exit(signal ? 1 : (code ?? 0));
  });
}

async function main() {
  let electronDir = null;
  try {
    electronDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    say(`Electron is not installed (npm install --omit=dev?), ${SERVE_HINT}`);
    return serve();
  }
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    say(`no display to open a window on (DISPLAY and WAYLAND_DISPLAY are unset), ${SERVE_HINT}`);
    return serve();
  }
  let bin = electronBinary();
  if (!bin) {
    if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
      say(`no Electron binary is installed and ELECTRON_SKIP_BINARY_DOWNLOAD is set, ${SERVE_HINT}`);
      return serve();
    }
    const { version } = JSON.parse(fs.readFileSync(path.join(electronDir, 'package.json'), 'utf8'));
    const why = await download(electronDir, version);
    bin = why === null ? electronBinary() : null;
    if (!bin) {
      say(`could not download Electron (${why ?? 'no binary after install.js'}), ${SERVE_HINT}`);
      return serve();
    }
  }
  window(bin);
}

await main();
