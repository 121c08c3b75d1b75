#!/usr/bin/env node
// `npm start`: opens the Ferry window when an Electron binary is installed; otherwise says so in
// one line and starts serve mode with the same options (--left, --right, --port, --data-dir).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

function electronBinary() {
  try {
    const p = createRequire(import.meta.url)('electron');
    return typeof p === 'string' && existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

const bin = electronBinary();
if (bin) {
  const child = spawn(bin, [repo, ...args], { stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
} else {
  console.error('ferry: no Electron binary is installed (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1?), so starting serve mode: open the URL below in a browser.');
  const child = spawn(process.execPath, [path.join(repo, 'dist', 'electron', 'serve.js'), ...args], { stdio: 'inherit' });
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
}
