// bin/ferry-cp runs the one-file bundle dist/bin/ferry-cp.cjs (start-up), and the ES modules
// tsc wrote whenever the bundle is missing or older than any of them, so a `tsc` without the
// bundling step never runs stale code. Runs in a scratch copy of the runtime; needs no mounts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/cli.js';

const ESM_MARK = 'ran the ES modules\n';

describe('ferry-cp launcher: bundle or ES modules', () => {
  let root = '';
  const bin = () => path.join(root, 'dist', 'bin');
  const ageAll = (dir: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    for (const n of readdirSync(dir)) utimesSync(path.join(dir, n), t, t);
  };
  /** Replaces the ES entry with one that says it ran, `secondsAgo` old. */
  const markEsm = (secondsAgo: number) => {
    const f = path.join(bin(), 'ferry-cp.mjs');
    writeFileSync(f, `process.stdout.write(${JSON.stringify(ESM_MARK)});\n`);
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(f, t, t);
  };
  const version = () => spawnSync(process.execPath, [path.join(root, 'bin', 'ferry-cp'), '--version'], { encoding: 'utf8', timeout: 20_000 });

  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-bundle-'));
    for (const p of ['package.json', 'bin/ferry-cp', 'bin/package.json', 'dist/bin', 'dist/native']) cpSync(path.join(REPO, p), path.join(root, p), { recursive: true });
    ageAll(path.join(root, 'dist', 'native'), 100);
    ageAll(bin(), 100);
    const t = Date.now() / 1000 - 50;
    utimesSync(path.join(bin(), 'ferry-cp.cjs'), t, t);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  test('the build makes the bundle, and an up-to-date bundle is what runs', () => {
    assert.ok(statSync(path.join(bin(), 'ferry-cp.cjs')).size > 0);
    markEsm(100);
    const r = version();
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ferry-cp \(Ferry\) \d+\.\d+\.\d+\n$/);
  });

  test('a module newer than the bundle (a later tsc) runs the ES modules instead', () => {
    markEsm(0);
    const r = version();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ESM_MARK);
  });

  test('without the bundle the ES modules run', () => {
    markEsm(100);
    rmSync(path.join(bin(), 'ferry-cp.cjs'));
    const r = version();
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, ESM_MARK);
  });
});
