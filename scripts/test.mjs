#!/usr/bin/env node
// Runs Ferry's test suite (compiled to dist/test) with node's test runner and ends with one line
// CI can read: `N passed, N failed, N skipped`.
// Usage: node scripts/test.mjs [--unit] [files or folders under dist/test ...]
//   --unit  the fast tests for the edit-test loop (`npm run test:unit`): pure logic only, no loop
//           mounts, no Chromium, no engine jobs; they run in seconds.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve('dist/test');
function collect(p, out) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(path.join(p, name), out);
  } else if (p.endsWith('.test.js')) out.push(p);
  return out;
}
/** The folders of the fast unit tests (test/renderer: the renderer's pure logic, where it exists). */
const UNIT = ['unit', 'renderer'].map((d) => path.join(root, d)).filter((d) => existsSync(d));
const unit = process.argv.includes('--unit');
const args = process.argv.slice(2).filter((a) => a !== '--unit');
const files = [];
for (const a of unit ? [...UNIT, ...args] : args.length ? args : [root]) {
  if (!existsSync(a)) {
    console.error(`no such test path: ${a} (did you run npm run build?)`);
    process.exit(2);
  }
  collect(path.resolve(a), files);
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(2);
}

let passed = 0;
let failed = 0;
let skipped = 0;
const stream = run({ files, concurrency: Number(process.env.FERRY_TEST_CONCURRENCY ?? 2), timeout: 20 * 60 * 1000 });
stream.on('test:pass', (e) => {
  if (e.details?.type === 'suite') return;
  if (e.skip || e.todo) skipped++;
  else passed++;
});
stream.on('test:fail', (e) => {
  if (e.details?.type === 'suite' && e.details?.error?.failureType === 'subtestsFailed') return;
  failed++;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // Let the reporter flush before the closing line.
  setImmediate(() => {
    process.stdout.write(`\n${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    process.exitCode = failed > 0 ? 1 : 0;
  });
});
