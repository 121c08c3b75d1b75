// ferry-cp on the odd things: pseudo files, empty files, FIFOs, symlinks, awkward names, paths
// longer than PATH_MAX, refusals, cp's SOURCE/DEST rules, usage errors. Runs in a scratch folder
// under os.tmpdir(); needs no mounts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, engineMissing, explanations, recordFor, runCli, sh } from '../helpers/cli.js';

const skip = engineMissing();

describe('ferry-cp: usage', () => {
  test('no operands, one operand, unknown option, bad --method and --jobs exit 2 with a usage line', async () => {
    for (const args of [[], ['only-one'], ['--bogus', 'a', 'b'], ['--method=teleport', 'a', 'b'], ['--jobs', 'x', 'a', 'b'], ['-Z', 'a', 'b']]) {
      const r = await runCli(args);
      assert.equal(r.code, 2, `ferry-cp ${args.join(' ')} → ${r.code}\n${r.stderr}`);
      assert.match(r.stderr, /^ferry-cp: /);
      assert.match(r.stderr, /Usage: ferry-cp|--help/);
      assert.equal(r.stdout, '');
    }
  });

  test('an empty operand is a usage error that names the operand, before anything is copied', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-empty-'));
    try {
      writeFileSync(path.join(dir, 'a'), 'a');
      for (const [args, which] of [[['', path.join(dir, 'b')], 'source operand 1'], [[path.join(dir, 'a'), ''], 'the destination operand'], [[path.join(dir, 'a'), '', dir], 'source operand 2']] as const) {
        const r = await runCli([...args]);
        assert.equal(r.code, 2, r.stderr);
        assert.equal(r.stderr.split('\n')[0], `ferry-cp: ${which} is empty: '' names no file (an unset shell variable?)`);
        assert.doesNotMatch(r.stderr, /pairs need/);
      }
      assert.deepEqual(readdirSync(dir), ['a']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help and --version exit 0 on stdout', async () => {
    const h = await runCli(['--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--method=METHOD/);
    const v = await runCli(['--version']);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^ferry-cp \(Ferry\) \d+\.\d+\.\d+/);
  });

  test('the launcher explains itself when dist/ is not built', async () => {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-launcher-'));
    try {
      mkdirSync(path.join(tmp, 'bin'));
      writeFileSync(path.join(tmp, 'bin', 'ferry-cp'), readFileSync(CLI));
      const r = spawnSync(process.execPath, [path.join(tmp, 'bin', 'ferry-cp'), '--version'], { encoding: 'utf8', timeout: 20_000 });
      assert.equal(r.status, 2);
      assert.match(r.stderr, /not built yet.*npm run build/);
    } finally {
      execFileSync('rm', ['-rf', tmp]);
    }
  });
});

describe('ferry-cp: special sources and names', { skip }, () => {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-cli-special-'));
  });
  after(() => {
    // Deep trees defeat rmSync's PATH_MAX; rm -rf walks them with openat.
    if (dir) execFileSync('rm', ['-rf', dir]);
  });

  test('several sources into a directory, and a non-directory target is a usage error', async () => {
    writeFileSync(path.join(dir, 'm1'), 'one');
    writeFileSync(path.join(dir, 'm2'), 'two');
    mkdirSync(path.join(dir, 'into'));
    const r = await runCli([path.join(dir, 'm1'), path.join(dir, 'm2'), path.join(dir, 'into')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '', 'quiet on success');
    assert.equal(readFileSync(path.join(dir, 'into', 'm1'), 'utf8'), 'one');
    assert.equal(readFileSync(path.join(dir, 'into', 'm2'), 'utf8'), 'two');
    // Single source onto an existing directory goes inside it too.
    const r2 = await runCli(['--json', path.join(dir, 'm1'), path.join(dir, 'into') + '/']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(r2.records[0]?.dest, path.join(dir, 'into', 'm1'));
    const bad = await runCli([path.join(dir, 'm1'), path.join(dir, 'm2'), path.join(dir, 'm1')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /target '.*m1' is not a directory/);
  });

  test('a directory without -r fails that entry, the others still copy (exit 1)', async () => {
    mkdirSync(path.join(dir, 'adir'));
    writeFileSync(path.join(dir, 'afile'), 'x');
    mkdirSync(path.join(dir, 'out-nor'));
    const r = await runCli(['--json', path.join(dir, 'adir'), path.join(dir, 'afile'), path.join(dir, 'out-nor')]);
    assert.equal(r.code, 1);
    const bad = recordFor(r, path.join(dir, 'out-nor', 'adir'));
    assert.equal(bad.ok, false);
    assert.match(bad.error?.message ?? '', /-r not specified; omitting directory/);
    assert.equal(existsSync(path.join(dir, 'out-nor', 'adir')), false);
    assert.equal(readFileSync(path.join(dir, 'out-nor', 'afile'), 'utf8'), 'x');
    const text = await runCli([path.join(dir, 'adir'), path.join(dir, 'out-nor', 'again')]);
    assert.equal(text.code, 1);
    assert.match(text.stderr, /^ferry-cp: -r not specified; omitting directory '.*adir'/);
  });

  test('/proc/cpuinfo copies like cat (st_size lies)', async () => {
    const dest = path.join(dir, 'cpuinfo');
    const r = await runCli(['--json', '/proc/cpuinfo', dest], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    const cat = execFileSync('cat', ['/proc/cpuinfo'], { encoding: 'utf8' });
    const strip = (s: string) => s.replace(/^cpu MHz.*$/gm, '');
    assert.ok(cat.length > 0);
    assert.equal(strip(readFileSync(dest, 'utf8')), strip(cat));
    assert.equal(r.records[0]?.bytes, readFileSync(dest).length);
  });

  test('a /sys file copies like cat, without spinning (st_size says 4096)', async (t) => {
    const candidates = ['/sys/kernel/mm/transparent_hugepage/enabled', '/sys/kernel/uevent_seqnum', '/sys/power/state'];
    const sys = candidates.find((p) => existsSync(p));
    if (!sys) {
      t.skip(`none of ${candidates.join(', ')} exists here`);
      return;
    }
    const d2 = path.join(dir, 'sysfile');
    const r2 = await runCli([sys, d2], { timeoutMs: 20_000 });
    assert.equal(r2.timedOut, false, 'no spin on sysfs');
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(readFileSync(d2, 'utf8'), execFileSync('cat', [sys], { encoding: 'utf8' }));
  });

  test('an empty file', async () => {
    writeFileSync(path.join(dir, 'empty'), '');
    const r = await runCli(['--json', '--verify', path.join(dir, 'empty'), path.join(dir, 'empty.copy')]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(path.join(dir, 'empty.copy')).size, 0);
    assert.equal(r.records[0]?.bytes, 0);
    assert.equal(r.records[0]?.ok, true);
    assert.equal(r.records[0]?.verified, true);
    // The NDJSON record carries every documented field.
    for (const k of ['src', 'dest', 'type', 'size', 'bytes', 'method', 'attempts', 'sparse', 'ms', 'ok', 'error', 'warnings', 'verified']) {
      assert.ok(k in (r.records[0] ?? {}), `record has ${k}: ${r.stdout}`);
    }
    assert.equal(r.stdout.trim().split('\n').length, 1, 'one line per entry');
  });

  test('a FIFO inside a tree is recreated, never opened (no hang)', async () => {
    const t = path.join(dir, 'fifotree');
    mkdirSync(t);
    execFileSync('mkfifo', [path.join(t, 'pipe')]);
    writeFileSync(path.join(t, 'plain'), 'p');
    const r = await runCli(['--json', '-r', t, path.join(dir, 'fifotree.copy')], { timeoutMs: 20_000 });
    assert.equal(r.timedOut, false, 'copying a FIFO hung');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(path.join(dir, 'fifotree.copy', 'pipe')).isFIFO());
    assert.equal(recordFor(r, path.join(dir, 'fifotree.copy', 'pipe')).type, 'fifo');
  });

  test('a top-level FIFO with no writer: SIGTERM ends the copy promptly, nothing left', async () => {
    const fifo = path.join(dir, 'lonely-fifo');
    execFileSync('mkfifo', [fifo]);
    const dest = path.join(dir, 'lonely-fifo.copy');
    let child: import('node:child_process').ChildProcess | null = null;
    const p = runCli(['--json', fifo, dest], { timeoutMs: 30_000, onSpawn: (c) => (child = c) });
    await new Promise((r) => setTimeout(r, 1500));
    (child as import('node:child_process').ChildProcess | null)?.kill('SIGTERM');
    const r = await p;
    assert.equal(r.timedOut, false, 'the CLI did not exit after SIGTERM');
    // Cancelled while waiting for a writer: 128 + SIGTERM, no copy, nothing left; the entry's
    // record says it was skipped because of the cancel (every started entry is accounted for).
    assert.equal(r.code, 143, `exit ${r.code}\n${r.stderr}`);
    assert.equal(r.signal, null, 'ferry-cp exits by itself, it is not killed by the signal');
    assert.equal(existsSync(dest), false);
    assert.deepEqual(
      r.records.map((x) => [x.ok, x.skipped, x.skipReason]),
      [[false, true, 'cancel']],
    );
    assert.deepEqual(readdirSync(dir).filter((n) => n.startsWith('.ferry-')), []);
  });

  test('symlinks (relative, dangling, looping) are copied as symlinks', async () => {
    const t = path.join(dir, 'links');
    mkdirSync(t);
    writeFileSync(path.join(t, 'target'), 'tgt');
    symlinkSync('target', path.join(t, 'rel'));
    symlinkSync('/nonexistent/ferry/nowhere', path.join(t, 'dangling'));
    symlinkSync('loop-b', path.join(t, 'loop-a'));
    symlinkSync('loop-a', path.join(t, 'loop-b'));
    const out = path.join(dir, 'links.copy');
    const r = await runCli(['--json', '--verify', '-r', t, out], { timeoutMs: 20_000 });
    assert.equal(r.code, 0, r.stderr);
    for (const n of ['rel', 'dangling', 'loop-a', 'loop-b']) {
      assert.ok(lstatSync(path.join(out, n)).isSymbolicLink(), `${n} is a symlink`);
      assert.equal(readlinkSync(path.join(out, n)), readlinkSync(path.join(t, n)));
      const rec = recordFor(r, path.join(out, n));
      assert.equal(rec.type, 'symlink');
      assert.equal(rec.verified, true);
    }
  });

  test('without -r a symlink operand is followed, like cp (a dangling one fails, exit 1)', async () => {
    const t = path.join(dir, 'follow');
    mkdirSync(t);
    writeFileSync(path.join(t, 'real.txt'), 'real data');
    symlinkSync('real.txt', path.join(t, 'link.txt'));
    symlinkSync('missing.txt', path.join(t, 'dead.txt'));
    const out = path.join(dir, 'follow.out');
    mkdirSync(out);
    const r = await runCli(['--json', path.join(t, 'link.txt'), path.join(t, 'dead.txt'), out]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(lstatSync(path.join(out, 'link.txt')).isFile(), true, 'the copy is a regular file');
    assert.equal(readFileSync(path.join(out, 'link.txt'), 'utf8'), 'real data');
    assert.equal(recordFor(r, path.join(out, 'link.txt')).type, 'file');
    const dead = recordFor(r, path.join(out, 'dead.txt'));
    assert.equal(dead.ok, false);
    assert.equal(dead.error?.code, 'ENOENT');
    assert.equal(existsSync(path.join(out, 'dead.txt')), false);
  });

  test('non-UTF-8 names and 255-byte names survive byte for byte', async () => {
    const t = path.join(dir, 'names');
    mkdirSync(t);
    const tb = Buffer.from(t);
    const weird = [
      Buffer.from([0x66, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), // f\xff\xfe.bin
      Buffer.from([0x6c, 0x61, 0x74, 0x69, 0x6e, 0x31, 0x2d, 0xe9]), // latin1-\xe9
      Buffer.from('a'.repeat(251) + '.txt'), // 255 bytes
      Buffer.from('é'.repeat(127) + 'x'), // 255 bytes, multibyte
      Buffer.from('back\\x41slash'), // a literal backslash-x that must not read as an escape
    ];
    for (const [i, n] of weird.entries()) {
      const p = Buffer.concat([tb, Buffer.from('/'), n]);
      const fd = openSync(p, 'w');
      writeFileSync(fd, `content ${i}`);
      closeSync(fd);
    }
    const out = path.join(dir, 'names.copy');
    const r = await runCli(['--json', '--verify', '-r', t, out]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(r.records.filter((x) => x.type === 'file').every((x) => x.verified === true), 'every file verified');
    const copied = readdirSync(out, { encoding: 'buffer' });
    for (const [i, n] of weird.entries()) {
      assert.ok(
        copied.some((c) => c.equals(n)),
        `name ${n.toString('hex')} missing; got ${copied.map((c) => c.toString('hex')).join(', ')}`,
      );
      assert.equal(readFileSync(Buffer.concat([Buffer.from(out), Buffer.from('/'), n]), 'utf8'), `content ${i}`);
    }
    assert.equal(copied.length, weird.length);
    // --explain: the engine walks the same tree by directory fds, so every entry is explained,
    // non-UTF-8 names too (spelled \xNN like the records), and each prediction is what the copy did.
    const ex = await runCli(['--explain', '--json', '-r', t, path.join(dir, 'names.explained')]);
    assert.equal(ex.code, 0, ex.stderr);
    const items = explanations(ex);
    assert.equal(items.length, weird.length + 1, ex.stdout);
    assert.equal(items.find((x) => x.src === `${t}/f\\xFF\\xFE.bin`)?.dest, `${path.join(dir, 'names.explained')}/f\\xFF\\xFE.bin`);
    for (const rec of r.records.filter((x) => x.type === 'file')) {
      const x = items.find((i) => path.basename(i.src) === path.basename(rec.src));
      assert.equal(x?.method, rec.method, `explain vs copy for ${rec.src}: ${x?.reason}`);
    }
    const text = await runCli(['--explain', '-r', t, path.join(dir, 'names.explained')]);
    assert.equal(text.stdout.trim().split('\n').length, weird.length + 1, text.stdout);
    assert.match(text.stdout, /f\\xFF\\xFE\.bin -> .*: (reflink|copy_file_range|splice|buffered) \(/);
    // The same literal name as an operand.
    const lit = path.join(t, 'back\\x41slash');
    const r2 = await runCli(['--json', '--verify', lit, path.join(dir, 'lit\\x42')]);
    assert.equal(r2.code, 0, r2.stderr + r2.stdout);
    assert.equal(readFileSync(path.join(dir, 'lit\\x42'), 'utf8'), `content ${weird.length - 1}`);
    assert.equal(r2.records[0]?.verified, true);
  });

  test('a path deeper than PATH_MAX (4096 bytes) is copied', async () => {
    const top = path.join(dir, 'deep');
    mkdirSync(top);
    // 25 components of 200 bytes: > 5000 bytes, made with relative mkdir/cd steps.
    sh(`cd "${top}"; for i in $(seq 1 25); do n=$(printf 'd%0199d' $i); mkdir "$n"; cd "$n"; done; printf 'deep leaf' > leaf.txt`);
    const out = path.join(dir, 'deep.copy');
    const r = await runCli(['--json', '-r', top, out], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    const found = sh(`find "${out}" -name leaf.txt`).trim();
    assert.ok(found.length > 4096, `leaf copied at a path of ${found.length} bytes`);
    const content = sh(`cd "${out}"; for i in $(seq 1 25); do cd "$(printf 'd%0199d' $i)"; done; cat leaf.txt`);
    assert.equal(content, 'deep leaf');
    const rec = r.records.find((x) => x.dest.endsWith('/leaf.txt'));
    assert.ok(rec?.ok, 'the leaf has an ok record');
  });

  test('same file and directory-into-itself are refused, nothing changes', async () => {
    const f = path.join(dir, 'self');
    writeFileSync(f, 'self content');
    const r = await runCli(['--json', f, f]);
    assert.equal(r.code, 1);
    assert.equal(r.records[0]?.ok, false);
    assert.match(r.records[0]?.error?.message ?? '', /same file/);
    assert.equal(readFileSync(f, 'utf8'), 'self content');
    const r2 = await runCli([f, path.join(dir, '.', 'self')]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /same file/);
    assert.equal(readFileSync(f, 'utf8'), 'self content');

    const d = path.join(dir, 'selfdir');
    mkdirSync(path.join(d, 'sub'), { recursive: true });
    writeFileSync(path.join(d, 'sub', 'f'), 'f');
    const r3 = await runCli(['--json', '-r', d, path.join(d, 'sub', 'inner')], { timeoutMs: 20_000 });
    assert.equal(r3.timedOut, false);
    assert.equal(r3.code, 1);
    assert.match(r3.records.find((x) => !x.ok)?.error?.message ?? '', /into itself/);
    assert.equal(existsSync(path.join(d, 'sub', 'inner')), false);
  });

  test('--no-preserve does not keep mtime; default does', async () => {
    const f = path.join(dir, 'old');
    writeFileSync(f, 'old');
    const t = new Date('2001-02-03T04:05:06Z');
    utimesSync(f, t, t);
    assert.equal((await runCli([f, path.join(dir, 'old.kept')])).code, 0);
    assert.equal(statSync(path.join(dir, 'old.kept')).mtimeMs, t.getTime());
    assert.equal((await runCli(['--no-preserve', f, path.join(dir, 'old.fresh')])).code, 0);
    assert.ok(statSync(path.join(dir, 'old.fresh')).mtimeMs > t.getTime() + 1e9);
  });

  test('--jobs copies a tree of many files completely; --explain matches each method', async () => {
    const t = path.join(dir, 'many');
    mkdirSync(path.join(t, 'a', 'b'), { recursive: true });
    for (let i = 0; i < 300; i++) writeFileSync(path.join(t, i % 3 === 0 ? 'a' : i % 3 === 1 ? 'a/b' : '.', `f${i}`), `file ${i}`);
    const out = path.join(dir, 'many.copy');
    const ex = await runCli(['--explain', '--json', '-r', t, out]);
    assert.equal(ex.code, 0, ex.stderr);
    const r = await runCli(['--json', '--jobs', '3', '-r', t, out]);
    assert.equal(r.code, 0, r.stderr);
    const files = r.records.filter((x) => x.type === 'file');
    assert.equal(files.length, 300);
    for (let i = 0; i < 300; i++) {
      assert.equal(readFileSync(path.join(out, i % 3 === 0 ? 'a' : i % 3 === 1 ? 'a/b' : '.', `f${i}`), 'utf8'), `file ${i}`);
    }
    const predicted = new Map(ex.records.map((x) => [x.dest, x.method]));
    for (const f of files) assert.equal(predicted.get(f.dest), f.method, `explain vs copy for ${f.dest}`);
    // Text form of --explain: one line per entry, SRC -> DEST: METHOD (reason).
    const tx = await runCli(['--explain', path.join(t, 'f2'), path.join(dir, 'f2.x')]);
    assert.equal(tx.code, 0);
    assert.match(tx.stdout, /^.*f2 -> .*f2\.x: (reflink|copy_file_range|splice|buffered) \(.+\)\n$/);
    assert.equal(existsSync(path.join(dir, 'f2.x')), false);
  });

  test('--verify: a source that changes between copy and re-read is EVERIFY, exit 1', async () => {
    // /proc/stat's context-switch counter moves between any two reads.
    const r = await runCli(['--json', '--verify', '/proc/stat', path.join(dir, 'stat.copy')], { timeoutMs: 20_000 });
    assert.equal(r.code, 1, r.stderr);
    const rec = r.records[0];
    assert.equal(rec?.ok, false);
    assert.equal(rec?.verified, false);
    assert.equal(rec?.error?.code, 'EVERIFY');
    const t = await runCli(['--verify', '/proc/stat', path.join(dir, 'stat.copy2')], { timeoutMs: 20_000 });
    assert.equal(t.code, 1);
    assert.match(t.stderr, /^ferry-cp: EVERIFY: /);
    // An unchanged file verifies, with --fsync too.
    writeFileSync(path.join(dir, 'stable'), 'stable bytes');
    const ok = await runCli(['--json', '--verify', '--fsync', path.join(dir, 'stable'), path.join(dir, 'stable.copy')]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.records[0]?.verified, true);
  });

  test('a reader that goes away (| head -1) does not stop the copy', async () => {
    const t = path.join(dir, 'piped');
    mkdirSync(t);
    for (let i = 0; i < 2000; i++) writeFileSync(path.join(t, `f${i}`), `${i}`);
    const out = path.join(dir, 'piped.copy');
    const status = sh(`"${process.execPath}" "${CLI}" -r --json "${t}" "${out}" | head -1 > /dev/null; echo \${PIPESTATUS[0]}`).trim();
    assert.equal(status, '0');
    assert.equal(readdirSync(out).length, 2000);
  });

  test('a missing source fails with a Node-style ENOENT message, exit 1', async () => {
    const r = await runCli([path.join(dir, 'does-not-exist'), path.join(dir, 'nope')]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^ferry-cp: ENOENT: no such file or directory/);
    assert.equal(existsSync(path.join(dir, 'nope')), false);
  });
});



