// The native addon's loader as the packaged app uses it: only its own unpacked copy (never
// FERRY_NATIVE_ADDON there), and the real error when a build exists but does not load.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addonCandidates } from '../../native/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const built = path.join(repo, 'native', 'build', 'Release', 'ferry_engine.node');
const unpacked = (resources: string) => path.join(resources, 'app.asar.unpacked', 'native', 'build', 'Release', 'ferry_engine.node');
let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-addon-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('addon candidates: packaged Electron loads only its unpacked copy and ignores FERRY_NATIVE_ADDON', () => {
  const env = { FERRY_NATIVE_ADDON: '/tmp/evil.node' };
  assert.deepEqual(addonCandidates('/opt/Ferry/resources/app.asar/dist/native', env, { resourcesPath: '/opt/Ferry/resources' }), [unpacked('/opt/Ferry/resources')]);
  // `electron .` (defaultApp) and plain Node honour it.
  assert.deepEqual(addonCandidates('/repo/dist/native', env, { resourcesPath: '/usr/lib/electron/resources', defaultApp: true }), ['/tmp/evil.node']);
  assert.deepEqual(addonCandidates('/repo/dist/native', env, {}), ['/tmp/evil.node']);
  assert.deepEqual(addonCandidates('/repo/dist/native', {}, {}), ['/repo/dist/native/build/Release/ferry_engine.node', '/repo/native/build/Release/ferry_engine.node']);
});

/** Runs `code` as an ES module in a fresh Node with `process.resourcesPath` set (as Electron would). */
function node(code: string, env: NodeJS.ProcessEnv, resourcesPath?: string) {
  const pre = resourcesPath ? `process.resourcesPath = ${JSON.stringify(resourcesPath)};\n` : '';
  return spawnSync(process.execPath, ['--input-type=module', '-e', pre + code], { encoding: 'utf8', env: { ...process.env, ...env } });
}

test('packaged layout: the addon loads from app.asar.unpacked even with FERRY_NATIVE_ADDON set', () => {
  const resources = path.join(tmp, 'resources');
  fs.mkdirSync(path.dirname(unpacked(resources)), { recursive: true });
  fs.copyFileSync(built, unpacked(resources));
  const evil = path.join(tmp, 'evil.node');
  fs.writeFileSync(evil, 'not a library');
  const r = node(
    `const n = await import(${JSON.stringify(path.join(repo, 'dist', 'native', 'index.js'))});
     const name = n.errnoName(2);
     const maps = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8');
     console.log(JSON.stringify({ name, mapped: maps.split('\\n').filter((l) => l.endsWith('ferry_engine.node')).map((l) => l.split(/\\s+/).pop()) }));`,
    { FERRY_NATIVE_ADDON: evil },
    resources,
  );
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { name: string; mapped: string[] };
  assert.equal(out.name, 'ENOENT');
  assert.deepEqual([...new Set(out.mapped)], [unpacked(resources)]);
});

test('a build that exists but does not load is reported with the loader error, not as "not built"', () => {
  // dist/native copied next to a broken build; the source tree's candidate does not exist there.
  const here = path.join(tmp, 'a', 'b', 'native');
  fs.mkdirSync(path.join(here, 'build', 'Release'), { recursive: true });
  for (const f of fs.readdirSync(path.join(repo, 'dist', 'native'))) if (f.endsWith('.js')) fs.copyFileSync(path.join(repo, 'dist', 'native', f), path.join(here, f));
  const broken = path.join(here, 'build', 'Release', 'ferry_engine.node');
  fs.writeFileSync(broken, 'not a shared library '.repeat(200));
  const run = () => node(`const n = await import(${JSON.stringify(path.join(here, 'index.js'))}); n.errnoName(2);`, { FERRY_NATIVE_ADDON: '' });
  let r = run();
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, new RegExp(`cannot load the native copy engine ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*invalid ELF header`));
  assert.doesNotMatch(r.stderr, /not built|Cannot find module/);

  fs.rmSync(broken);
  r = run();
  assert.match(r.stderr, /the native copy engine is not built \(no .*ferry_engine\.node or .*ferry_engine\.node\)/);
});
