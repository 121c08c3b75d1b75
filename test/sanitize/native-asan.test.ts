// The native tests again, against an AddressSanitizer + UndefinedBehaviorSanitizer build of the
// engine (FERRY_SANITIZE=1, see native/binding.gyp), built in a scratch copy of native/ so the
// normal binary stays in place. Any sanitizer report fails the test. Leak detection is off:
// Node itself holds allocations until exit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function runtime(name: string): string | null {
  const r = spawnSync('gcc', [`-print-file-name=${name}`], { encoding: 'utf8' });
  const p = r.stdout?.trim();
  return p && path.isAbsolute(p) && fs.existsSync(p) ? p : null;
}
const asan = runtime('libasan.so');
const ubsan = runtime('libubsan.so');
const skip = process.env.FERRY_SKIP_SANITIZE === '1' ? 'FERRY_SKIP_SANITIZE=1' : !asan || !ubsan ? 'gcc sanitizer runtimes (libasan, libubsan) not found' : false;
if (skip) console.log(`# skipping the sanitizer run: ${skip}`);

test('native tests under ASan + UBSan: no sanitizer report', { skip, timeout: 15 * 60 * 1000 }, () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-asan-'));
  fs.chmodSync(scratch, 0o755); // one native test loads the addon as an unprivileged user
  try {
    const built = path.join(repo, 'native', 'build');
    fs.cpSync(path.join(repo, 'native'), path.join(scratch, 'native'), { recursive: true, filter: (p) => p !== built && !p.startsWith(built + path.sep) });
    fs.symlinkSync(path.join(repo, 'node_modules'), path.join(scratch, 'node_modules'));
    const build = spawnSync(process.execPath, [path.join(scratch, 'native', 'build.mjs')], { env: { ...process.env, FERRY_SANITIZE: '1' }, encoding: 'utf8' });
    assert.equal(build.status, 0, `sanitizer build failed:\n${build.stdout}\n${build.stderr}`.slice(-3000));
    const addon = path.join(scratch, 'native', 'build', 'Release', 'ferry_engine.node');
    // A clean environment for the nested runner: NODE_TEST_CONTEXT would make it report to us.
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT;
    const run = spawnSync(process.execPath, [path.join(repo, 'scripts', 'test.mjs'), path.join(repo, 'dist', 'test', 'native')], {
      cwd: repo,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
      env: {
        ...env,
        FERRY_NATIVE_ADDON: addon,
        LD_PRELOAD: `${asan} ${ubsan}`,
        ASAN_OPTIONS: 'detect_leaks=0:abort_on_error=0:halt_on_error=1',
        UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
      },
    });
    const out = `${run.stdout}\n${run.stderr}`;
    // The runner's closing line (the last one of its kind in the output).
    const summary = [...out.matchAll(/^(\d+) passed, (\d+) failed/gm)].pop();
    console.log(`# sanitizer run: ${summary?.[0] ?? 'no summary'}`);
    assert.doesNotMatch(out, /ERROR: AddressSanitizer|runtime error:|ERROR: UndefinedBehaviorSanitizer/, out.slice(-4000));
    assert.equal(run.status, 0, out.slice(-4000));
    assert.ok(summary && Number(summary[1]) > 20 && summary[2] === '0', `the native suite ran under the sanitizers: ${summary?.[0]}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
