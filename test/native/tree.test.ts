// Trees: odd names, deep paths, symlinks, FIFOs, sockets, metadata.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { decodeEnginePath } from '../../native/index.js';
import { run, sha256, tempLeftovers, tmpDir } from './_util.js';

describe('trees', () => {
  const dir = tmpDir();
  after(() => execFileSync('rm', ['-rf', dir])); // rm walks by fds: the deep tree is fine

  test('non-UTF-8 and 255-byte names are copied byte for byte; records escape invalid bytes as \\xNN', async () => {
    const src = path.join(dir, 'names');
    fs.mkdirSync(src);
    const bad = Buffer.concat([Buffer.from('bad-'), Buffer.from([0xff, 0xfe]), Buffer.from('.txt')]);
    fs.writeFileSync(Buffer.concat([Buffer.from(src + '/'), bad]), 'latin');
    const long = 'L'.repeat(251) + '.txt'; // 255 bytes
    fs.writeFileSync(path.join(src, long), 'long');
    const longUtf8 = 'é'.repeat(127) + 'x'; // 255 bytes of UTF-8
    fs.writeFileSync(path.join(src, longUtf8), 'accents');
    const dest = path.join(dir, 'names-copy');
    const r = await run([{ src, dest }], { recursive: true });
    assert.equal(r.result.filesFailed, 0, JSON.stringify(r.records.filter((x) => !x.ok)));
    const names = fs.readdirSync(dest, { encoding: 'buffer' });
    assert.ok(names.some((n) => n.equals(bad)), 'raw bytes kept');
    assert.equal(fs.readFileSync(Buffer.concat([Buffer.from(dest + '/'), bad]), 'utf8'), 'latin');
    assert.equal(fs.readFileSync(path.join(dest, long), 'utf8'), 'long');
    assert.equal(fs.readFileSync(path.join(dest, longUtf8), 'utf8'), 'accents');
    const rec = r.records.find((x) => x.src.includes('bad-'))!;
    assert.equal(rec.src, `${src}/bad-\\xFF\\xFE.txt`);
    assert.equal(rec.dest, `${dest}/bad-\\xFF\\xFE.txt`);
    // Lossless: the record's path decodes to the exact bytes, and a literal "\\x41" in a name survives.
    assert.equal(fs.readFileSync(decodeEnginePath(rec.dest), 'utf8'), 'latin');
    fs.writeFileSync(path.join(src, 'lit\\x41'), 'lit');
    const r2 = await run([{ src, dest: path.join(dir, 'names-copy2') }], { recursive: true });
    const lit = r2.records.find((x) => x.src.includes('lit'))!;
    assert.equal(lit.dest, path.join(dir, 'names-copy2', 'lit\\x5Cx41'));
    assert.equal(decodeEnginePath(lit.dest).toString(), path.join(dir, 'names-copy2', 'lit\\x41'));
    assert.equal(fs.readFileSync(decodeEnginePath(lit.dest), 'utf8'), 'lit');
  });

  test('a path deeper than 4096 bytes is copied (walk by directory fds)', async () => {
    const src = path.join(dir, 'deep');
    const seg = 'd'.repeat(200);
    const levels = 25; // > 5000 bytes
    const home = process.cwd();
    // Build and read the tree with relative chdir steps: a full path would be too long for any syscall.
    const walkTo = (root: string, create: boolean) => {
      process.chdir(root);
      for (let i = 0; i < levels; i++) {
        if (create) fs.mkdirSync(seg);
        process.chdir(seg);
      }
    };
    fs.mkdirSync(src);
    try {
      walkTo(src, true);
      fs.writeFileSync('leaf.txt', 'deep');
    } finally {
      process.chdir(home);
    }
    const dest = path.join(dir, 'deep-copy');
    const r = await run([{ src, dest }], { recursive: true });
    assert.equal(r.result.filesFailed, 0, JSON.stringify(r.records.filter((x) => !x.ok).slice(0, 2)));
    const leaf = r.records.find((x) => x.src.endsWith('leaf.txt'))!;
    assert.ok(leaf.ok);
    assert.ok(leaf.dest.length > 4096, `dest path is ${leaf.dest.length} bytes`);
    let out = '';
    try {
      walkTo(dest, false);
      out = fs.readFileSync('leaf.txt', 'utf8');
    } finally {
      process.chdir(home);
    }
    assert.equal(out, 'deep');
  });

  test('symlinks are copied as symlinks, dangling and looping ones too; FIFOs are recreated, not read', async () => {
    const src = path.join(dir, 'links');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'target.txt'), 't');
    fs.symlinkSync('target.txt', path.join(src, 'good'));
    fs.symlinkSync('does/not/exist', path.join(src, 'dangling'));
    fs.symlinkSync('loop2', path.join(src, 'loop1'));
    fs.symlinkSync('loop1', path.join(src, 'loop2'));
    execFileSync('mkfifo', [path.join(src, 'fifo')]); // nobody writes to it: reading would hang
    const dest = path.join(dir, 'links-copy');
    const r = await run([{ src, dest }], { recursive: true });
    assert.equal(r.result.filesFailed, 0, JSON.stringify(r.records.filter((x) => !x.ok)));
    assert.equal(fs.readlinkSync(path.join(dest, 'good')), 'target.txt');
    assert.equal(fs.readlinkSync(path.join(dest, 'dangling')), 'does/not/exist');
    assert.equal(fs.readlinkSync(path.join(dest, 'loop1')), 'loop2');
    assert.equal(fs.readlinkSync(path.join(dest, 'loop2')), 'loop1');
    assert.ok(fs.lstatSync(path.join(dest, 'fifo')).isFIFO());
    const types = Object.fromEntries(r.records.map((x) => [path.basename(x.src), x.type]));
    assert.equal(types.dangling, 'symlink');
    assert.equal(types.fifo, 'fifo');
    assert.equal(r.records.find((x) => x.type === 'fifo')!.method, null);
  });

  test('with recursive, a top-level FIFO pair is recreated as a FIFO', async () => {
    const f = path.join(dir, 'lone-fifo');
    execFileSync('mkfifo', [f]);
    const r = await run([{ src: f, dest: path.join(dir, 'lone-fifo-copy') }], { recursive: true });
    assert.equal(r.records[0]!.ok, true);
    assert.ok(fs.lstatSync(path.join(dir, 'lone-fifo-copy')).isFIFO());
  });

  test("without recursive, a FIFO's data is copied (splice) like cp does, and waiting for a writer can be cancelled", async () => {
    const f = path.join(dir, 'data-fifo');
    execFileSync('mkfifo', [f]);
    const writer = setTimeout(() => {
      // A writer comes late; the engine polls, it does not block in open().
      const fd = fs.openSync(f, 'w');
      fs.writeSync(fd, 'through the pipe');
      fs.closeSync(fd);
    }, 200);
    const dest = path.join(dir, 'data-fifo.out');
    const r = await run([{ src: f, dest }]);
    clearTimeout(writer);
    const rec = r.records[0]!;
    assert.equal(rec.ok, true, JSON.stringify(rec.error));
    assert.equal(rec.type, 'fifo');
    assert.equal(rec.method, 'splice');
    assert.equal(fs.readFileSync(dest, 'utf8'), 'through the pipe');
    assert.ok(fs.lstatSync(dest).isFile());
    // No writer at all: the job waits, and cancel ends it with nothing left.
    const dest2 = path.join(dir, 'never.out');
    const r2 = await run([{ src: f, dest: dest2 }], {}, (e, job) => {
      if (e.type === 'progress') job.cancel();
    });
    assert.equal(r2.result.cancelled, true);
    assert.equal(fs.existsSync(dest2), false);
  });

  test('without recursive, /dev/null gives an empty regular file', async () => {
    const dest = path.join(dir, 'null.out');
    const r = await run([{ src: '/dev/null', dest }]);
    assert.equal(r.records[0]!.ok, true);
    assert.equal(r.records[0]!.type, 'chardev');
    assert.ok(fs.lstatSync(dest).isFile());
    assert.equal(fs.statSync(dest).size, 0);
  });

  test('sockets are recreated as socket nodes', async () => {
    const src = path.join(dir, 'sock');
    fs.mkdirSync(src);
    const server = net.createServer();
    await new Promise<void>((res) => server.listen(path.join(src, 's.sock'), res));
    const dest = path.join(dir, 'sock-copy');
    const r = await run([{ src, dest }], { recursive: true });
    server.close();
    const rec = r.records.find((x) => x.src.endsWith('s.sock'))!;
    assert.equal(rec.type, 'socket');
    assert.ok(rec.ok || rec.skipped);
    if (rec.ok) assert.ok(fs.lstatSync(path.join(dest, 's.sock')).isSocket());
  });

  test('metadata kept: mtime to the nanosecond, mode, user xattrs, folder times', async () => {
    const src = path.join(dir, 'meta');
    fs.mkdirSync(path.join(src, 'sub'), { recursive: true });
    const f = path.join(src, 'sub', 'f.sh');
    fs.writeFileSync(f, '#!/bin/sh\n');
    fs.chmodSync(f, 0o751);
    execFileSync('touch', ['-d', '2001-02-03 04:05:06.123456789', f]);
    execFileSync('setfattr', ['-n', 'user.ferry', '-v', 'kept', f]);
    execFileSync('touch', ['-d', '2002-03-04 05:06:07.987654321', path.join(src, 'sub')]);
    fs.chmodSync(path.join(src, 'sub'), 0o750);
    const dest = path.join(dir, 'meta-copy');
    const r = await run([{ src, dest }], { recursive: true, preserve: true });
    assert.equal(r.result.filesFailed, 0);
    const s = fs.statSync(f, { bigint: true });
    const d = fs.statSync(path.join(dest, 'sub', 'f.sh'), { bigint: true });
    assert.equal(d.mtimeNs, s.mtimeNs);
    assert.equal(d.mode, s.mode);
    assert.equal(execFileSync('getfattr', ['--absolute-names', '--only-values', '-n', 'user.ferry', path.join(dest, 'sub', 'f.sh')], { encoding: 'utf8' }), 'kept');
    const sd = fs.statSync(path.join(src, 'sub'), { bigint: true });
    const dd = fs.statSync(path.join(dest, 'sub'), { bigint: true });
    assert.equal(dd.mtimeNs, sd.mtimeNs);
    assert.equal(dd.mode, sd.mode);
    assert.deepEqual(tempLeftovers(dir), []);
  });

  test('into existing folders (unnamed temp files, created with their bits): modes and owners exact beside a default ACL and a setgid folder', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (chown)');
    const src = path.join(dir, 'exact-src');
    fs.mkdirSync(src);
    const modes: Record<string, number> = { a: 0o640, b: 0o755, c: 0o600, d: 0o4755, e: 0o777 };
    for (const [n, m] of Object.entries(modes)) {
      fs.writeFileSync(path.join(src, n), n);
      fs.chmodSync(path.join(src, n), m);
    }
    fs.chownSync(path.join(src, 'c'), 1234, 1234);
    const dests = ['plain', 'acl', 'sgid'].map((n) => path.join(dir, `exact-${n}`));
    for (const d of dests) fs.mkdirSync(d);
    execFileSync('setfacl', ['-d', '-m', 'u::rwx,g::-,o::-', dests[1]!]); // files made here get their bits & the ACL's, not & the umask
    fs.chownSync(dests[2]!, 0, 4321);
    fs.chmodSync(dests[2]!, 0o2777); // files made here get group 4321
    const mask = process.umask();
    for (const d of dests) {
      for (const preserve of [true, false]) {
        const into = path.join(d, preserve ? 'kept' : 'plain');
        fs.mkdirSync(into); // a merge into an existing folder, and single files into one (the job's anchor)
        fs.mkdirSync(path.join(into, 'tree'));
        const pairs = [{ src, dest: path.join(into, 'tree') }, ...Object.keys(modes).map((n) => ({ src: path.join(src, n), dest: path.join(into, n) }))];
        const r = await run(pairs, { recursive: true, preserve });
        assert.equal(r.result.filesFailed, 0, JSON.stringify(r.records.find((x) => !x.ok)));
        for (const [n, m] of Object.entries(modes)) {
          for (const f of [path.join(into, 'tree', n), path.join(into, n)]) {
            const st = fs.statSync(f);
            const ss = fs.statSync(path.join(src, n));
            const want = preserve ? m : m & 0o777 & ~mask;
            assert.equal((st.mode & 0o7777).toString(8), want.toString(8), f);
            if (preserve) assert.deepEqual([st.uid, st.gid], [ss.uid, ss.gid], f);
          }
        }
      }
    }
  });

  test('without preserve: mode is source & ~umask, times are new', async () => {
    const f = path.join(dir, 'np.txt');
    fs.writeFileSync(f, 'x');
    fs.chmodSync(f, 0o777);
    execFileSync('touch', ['-d', '2001-01-01', f]);
    const dest = path.join(dir, 'np-copy.txt');
    const r = await run([{ src: f, dest }], { preserve: false });
    assert.equal(r.records[0]!.ok, true);
    const mask = process.umask();
    assert.equal(fs.statSync(dest).mode & 0o777, 0o777 & ~mask);
    assert.ok(fs.statSync(dest).mtimeMs > Date.parse('2020-01-01'));
  });

  test('hard links inside a tree stay hard links (preserve); without preserve they are copies', async () => {
    const src = path.join(dir, 'hl');
    fs.mkdirSync(path.join(src, 'x'), { recursive: true });
    fs.writeFileSync(path.join(src, 'a'), 'linked');
    fs.linkSync(path.join(src, 'a'), path.join(src, 'x', 'b'));
    fs.linkSync(path.join(src, 'a'), path.join(src, 'c'));
    const dest = path.join(dir, 'hl-copy');
    const r = await run([{ src, dest }], { recursive: true, threads: 4 });
    assert.equal(r.result.filesFailed, 0);
    const ino = fs.statSync(path.join(dest, 'a')).ino;
    assert.equal(fs.statSync(path.join(dest, 'x', 'b')).ino, ino);
    assert.equal(fs.statSync(path.join(dest, 'c')).ino, ino);
    assert.equal(fs.statSync(path.join(dest, 'a')).nlink, 3);
    assert.equal(fs.readFileSync(path.join(dest, 'x', 'b'), 'utf8'), 'linked');
    assert.equal(r.records.filter((x) => x.warnings.some((w) => w.startsWith('hard link to'))).length, 2);
    const dest2 = path.join(dir, 'hl-copy2');
    await run([{ src, dest: dest2 }], { recursive: true, preserve: false });
    assert.notEqual(fs.statSync(path.join(dest2, 'a')).ino, fs.statSync(path.join(dest2, 'c')).ino);
  });

  test('tree copy: every file equal, records for every entry, totals right', async () => {
    const src = path.join(dir, 'many');
    for (let i = 0; i < 20; i++) {
      fs.mkdirSync(path.join(src, `d${i}`), { recursive: true });
      for (let j = 0; j < 25; j++) fs.writeFileSync(path.join(src, `d${i}`, `f${j}`), `${i}/${j}`.repeat(j * 10 + 1));
    }
    const dest = path.join(dir, 'many-copy');
    const r = await run([{ src, dest }], { recursive: true, threads: 4, scan: true });
    assert.equal(r.result.filesDone, 500);
    assert.equal(r.records.filter((x) => x.type === 'dir').length, 21);
    for (let i = 0; i < 20; i += 7) for (let j = 0; j < 25; j += 6) assert.equal(sha256(path.join(dest, `d${i}`, `f${j}`)), sha256(path.join(src, `d${i}`, `f${j}`)));
    const scans = r.events.filter((e) => e.type === 'scan');
    const last = scans.at(-1);
    assert.ok(last && last.type === 'scan' && last.done && last.files === 500);
    assert.deepEqual(tempLeftovers(dir), []);
  });
});
