// The package as people install it: `npm run dist:check` (scripts/dist-check.mjs) builds the
// unpacked Linux app with electron-builder, offline, and checks what it holds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

test('package: electron-builder --linux dir (stub Electron) holds what the app needs and nothing else', () => {
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts', 'dist-check.mjs')], { cwd: repo, encoding: 'utf8', timeout: 10 * 60 * 1000 });
  const out = `${r.stdout}${r.stderr}`;
  assert.equal(r.status, 0, out.split('\n').filter((l) => !l.startsWith('  •')).join('\n'));
  assert.match(out, /dist:check: ok \(\d+ checks/);
  console.log(`# ${out.trim().split('\n').pop()}`);
});
