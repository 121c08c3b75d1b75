// ferry-cp onto real foreign filesystems (exFAT through exfat-fuse, NTFS through ntfs-3g, on loop
// devices): a tree with every kind of problem copies with all the other items intact; each item
// the destination cannot hold fails with a plain reason and the raw errno beside it, or is
// skipped, mapped or replaced by what it points to as asked; nothing stray is left behind.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mapName, unmapName } from '../../native/index.js';
import { runCli, recordFor, type CliRun } from '../helpers/cli.js';
import { cleanupAll, makeMount, sha256File, skipUnlessMountable, type Mount } from '../helpers/mounts.js';
import { BAD_NAME, EXFAT_UNFIT, listTree, makeProblemTree, PLAIN_FILES, strays } from './_tree.js';

const skipExfat = skipUnlessMountable('exfat');
const skipNtfs = skipUnlessMountable('ntfs');

let tmp: string;
let src: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-foreign-cli-'));
  src = path.join(tmp, 'tree');
  if (process.getuid?.() === 0) makeProblemTree(src);
});
after(async () => {
  await cleanupAll();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The record of the entry at `rel` below the copy's top. */
const rec = (run: CliRun, dest: string, rel: string) => recordFor(run, `${dest}/${rel}`);

async function sameContent(dest: string, rel: string): Promise<void> {
  assert.equal(await sha256File(path.join(dest, rel)), await sha256File(path.join(src, rel)), `${rel} copied intact`);
}

describe('exFAT (exfat-fuse)', { skip: skipExfat }, () => {
  let m: Mount;
  before(async () => {
    m = await makeMount('exfat', 64);
  });

  test('default: each item exFAT cannot hold fails with a plain reason and its raw errno; the rest is intact; nothing stray', async () => {
    const dest = path.join(m.dir, 'fail');
    const r = await runCli(['-r', '--json', src, dest]);
    assert.equal(r.code, 1, r.stderr);
    const plain = (rel: string, code: string, words: RegExp) => {
      const x = rec(r, dest, rel);
      assert.equal(x.ok, false, `${rel} not copied`);
      assert.equal(x.error?.code, code, `${rel}: ${x.error?.message}`);
      assert.match(x.error?.message ?? '', words, rel);
    };
    plain('a:b.txt', 'ENOENT', /^ENOENT: name contains ':' which exFAT does not allow \(exFAT answered: no such file or directory\), open '/);
    assert.equal(rec(r, dest, 'a:b.txt').error?.errno, -2, 'the raw errno stays beside the words');
    plain('what?.txt', 'ENOENT', /name contains '\?' which exFAT does not allow/);
    plain('sub/pipe|x.txt', 'ENOENT', /name contains '\|' which exFAT does not allow/);
    plain('bad\\xFF', 'EILSEQ', /name is not valid UTF-8, which exFAT cannot store/);
    plain('case.txt', 'EEXIST', /'Case\.txt' and 'case\.txt' are the same name on exFAT/);
    plain('link', 'ENOSYS', /^ENOSYS: symbolic links cannot be stored on exFAT \(exFAT answered: function not implemented\), symlink/);
    plain('dirlink', 'ENOSYS', /symbolic links cannot be stored on exFAT/);
    plain('fifo', 'EIO', /^EIO: FIFOs cannot be stored on exFAT \(exFAT answered: input\/output error\), mknod/);
    plain('null', 'EIO', /device nodes cannot be stored on exFAT/);

    // Nothing stray: exfat-fuse leaves an empty file where it refused a FIFO; Ferry made it, so it goes.
    const kept = listTree(dest);
    for (const u of EXFAT_UNFIT) assert.ok(!kept.includes(u), `${u} left nothing behind (got ${kept.join(', ')})`);
    assert.deepEqual(strays(m.dir), []);
    for (const f of PLAIN_FILES) await sameContent(dest, f);
    assert.equal(await sha256File(path.join(dest, 'Case.txt')), await sha256File(path.join(src, 'Case.txt')), 'the first of two clashing names keeps its own content');

    // Changed, not failed: said on the entry.
    assert.match(rec(r, dest, 'trail.').warnings.join('\n'), /name ends with '\.' which Windows does not allow \(exFAT stores it; Windows cannot open it\)/);
    assert.match(rec(r, dest, 'CON').warnings.join('\n'), /'CON' is a device name Windows reserves/);
    assert.match(rec(r, dest, 'sparse.bin').warnings.join('\n'), /holes can't be kept on exFAT: 8\.0 MiB is written in full/);
    assert.match(rec(r, dest, 'hard2').warnings.join('\n') + rec(r, dest, 'hard1').warnings.join('\n'), /hard links cannot be stored on exFAT/);

    // Metadata exFAT cannot keep: one warning for the job, none per file.
    const metaLines = r.stderr.split('\n').filter((l) => /not kept on exFAT/.test(l));
    assert.equal(metaLines.length, 1, r.stderr);
    assert.match(metaLines[0]!, /^ferry-cp: warning: permissions, owners and extended attributes are not kept on exFAT, and file times only to the second/);
    for (const x of r.records) assert.ok(!x.warnings.some((w) => /(mode|owner|times) not kept|xattrs? .*not kept/.test(w)), `${x.dest}: ${x.warnings.join('; ')}`);
    assert.match(r.stderr, /warning: 10 items not copied as they are: exFAT cannot hold them/);
  });

  test('--unfit=skip leaves those items out, says why, and exits 0', async () => {
    const dest = path.join(m.dir, 'skip');
    const r = await runCli(['-r', '--json', '--unfit=skip', src, dest]);
    assert.equal(r.code, 0, r.stderr);
    for (const u of EXFAT_UNFIT) {
      const x = rec(r, dest, u);
      assert.equal(x.skipped, true, u);
      assert.match(x.warnings.join('\n'), /^skipped: /m, u);
    }
    assert.match(rec(r, dest, 'link').warnings.join('\n'), /skipped: symbolic links cannot be stored on exFAT/);
    for (const f of PLAIN_FILES) await sameContent(dest, f);
    assert.deepEqual(strays(m.dir), []);
  });

  test('--map-names and --follow-links: forbidden characters replaced reversibly, links copied as what they point to', async () => {
    const dest = path.join(m.dir, 'map');
    const r = await runCli(['-r', '--json', '--map-names', '--follow-links', src, dest]);
    assert.equal(r.code, 1, 'the clash, the FIFO, the device and the dangling link still fail');
    const mapped = mapName('a:b.txt');
    assert.equal(mapped, 'a\uF03Ab.txt', "':' becomes U+F03A");
    assert.equal(unmapName(mapped), 'a:b.txt', 'and back');
    assert.equal(fs.readFileSync(path.join(dest, mapped), 'utf8'), 'colon');
    assert.equal(fs.readFileSync(path.join(dest, 'what\uF03F.txt'), 'utf8'), 'question');
    assert.equal(fs.readFileSync(path.join(dest, 'sub', 'pipe\uF07Cx.txt'), 'utf8'), 'pipe');
    assert.equal(fs.readFileSync(path.join(dest, 'bad\uF0FF'), 'utf8'), 'bad', 'a byte that is not UTF-8 becomes U+F000 + the byte');
    assert.equal(unmapName('bad\uF0FF'), 'bad\\xFF');
    const x = recordFor(r, `${dest}/${mapped}`);
    assert.equal(x.ok, true);
    assert.match(x.warnings.join('\n'), /name changed to 'a\uF03Ab\.txt': name contains ':' which exFAT does not allow/);
    // Links: a file's content, a folder's tree; a dangling one fails with a plain reason.
    assert.equal(fs.readFileSync(path.join(dest, 'link'), 'utf8'), 'ok');
    assert.ok(fs.lstatSync(path.join(dest, 'link')).isFile());
    assert.equal(fs.readFileSync(path.join(dest, 'dirlink', 'inner.txt'), 'utf8'), 'inner');
    assert.match(rec(r, dest, 'link').warnings.join('\n'), /copied what the link points to \('ok\.txt'\)/);
    assert.match(rec(r, dest, 'dangling').error?.message ?? '', /the link points to nothing that can be read \('nowhere'\)/);
    assert.equal(rec(r, dest, 'case.txt').error?.code, 'EEXIST');
    assert.deepEqual(strays(m.dir), []);
  });

  test('--unfit=stop copies nothing and says, per item, why', async () => {
    const dest = path.join(m.dir, 'stop');
    const r = await runCli(['-r', '--json', '--unfit=stop', src, dest]);
    assert.equal(r.code, 1);
    assert.equal(fs.existsSync(dest), false, 'nothing copied');
    for (const u of EXFAT_UNFIT) assert.equal(rec(r, dest, u).error?.code, 'EUNFIT', u);
    assert.match(rec(r, dest, 'a:b.txt').error?.message ?? '', /^EUNFIT: name contains ':' which exFAT does not allow, copyfile/);
    assert.match(r.stderr, /EUNFIT: 10 items cannot be copied to exFAT as they are, so nothing was copied/);
    assert.deepEqual(strays(m.dir), []);
  });

  test('--explain lists the problems before anything is copied', async () => {
    const dest = path.join(m.dir, 'explained');
    const r = await runCli(['-r', '--explain', src, dest]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.existsSync(dest), false);
    assert.match(r.stdout, /a:b\.txt -> .*a:b\.txt: \w+ \(.*\)\n {2}cannot copy: name contains ':' which exFAT does not allow/);
    assert.match(r.stdout, /fifo: none \(FIFO: .*\)\n {2}cannot copy: FIFOs cannot be stored on exFAT/);
    assert.match(r.stdout, /case\.txt: .*\n {2}cannot copy: 'Case\.txt' and 'case\.txt' are the same name on exFAT/);
    assert.match(r.stdout, /sparse\.bin: .*\n {2}changed: holes can't be kept on exFAT/);
    const j = await runCli(['-r', '--explain', '--json', '--map-names', src, dest]);
    const item = j.records.find((x) => x.src === path.join(src, 'a:b.txt')) as unknown as { dest: string; problems: { kind: string; fails: boolean; fix: string }[] };
    assert.equal(item.dest, path.join(dest, 'a\uF03Ab.txt'), 'explained under the name the copy will write');
    assert.deepEqual(item.problems.map((p) => [p.kind, p.fails, p.fix]), [['name', false, 'map']]);
    assert.deepEqual(strays(m.dir), [], 'the probe left nothing');
  });

  test('--verify: copies whose times exFAT rounded read back equal', async () => {
    const dest = path.join(m.dir, 'verified');
    const r = await runCli(['-r', '--json', '--verify', '--unfit=skip', src, dest]);
    assert.equal(r.code, 0, r.stderr);
    for (const f of ['ok.txt', 'sparse.bin', 'hard1']) assert.equal(rec(r, dest, f).verified, true, f);
    const st = fs.statSync(path.join(src, 'ok.txt'));
    const dt = fs.statSync(path.join(dest, 'ok.txt'));
    assert.equal(Math.floor(dt.mtimeMs / 1000), Math.floor(st.mtimeMs / 1000), 'the time, to the second');
  });
});

describe('NTFS (ntfs-3g)', { skip: skipNtfs }, () => {
  test('default mount: everything Linux names allow is stored; Windows-unsafe names are copied with a warning; a name that is not UTF-8 fails plainly', async () => {
    const m = await makeMount('ntfs', 64);
    const dest = path.join(m.dir, 'tree');
    const r = await runCli(['-r', '--json', src, dest]);
    assert.equal(r.code, 1, r.stderr);
    const bad = rec(r, dest, 'bad\\xFF');
    assert.equal(bad.error?.code, 'EILSEQ');
    assert.match(bad.error?.message ?? '', /name is not valid UTF-8, which NTFS cannot store \(NTFS answered: /);
    assert.equal(fs.readFileSync(path.join(dest, 'a:b.txt'), 'utf8'), 'colon');
    assert.match(rec(r, dest, 'a:b.txt').warnings.join('\n'), /name contains ':' which Windows does not allow \(NTFS stores it; Windows cannot open it\)/);
    assert.match(rec(r, dest, 'case.txt').warnings.join('\n'), /'Case\.txt' and 'case\.txt' are the same name for Windows/);
    assert.equal(fs.readlinkSync(path.join(dest, 'link')), 'ok.txt', 'NTFS keeps links');
    assert.ok(fs.lstatSync(path.join(dest, 'fifo')).isFIFO(), 'and FIFOs');
    for (const f of PLAIN_FILES) await sameContent(dest, f);
    assert.ok(fs.statSync(path.join(dest, 'sparse.bin')).blocks * 512 < 8 << 20, 'and holes');
    assert.match(r.stderr, /warning: permissions and owners are not kept on NTFS/);
    assert.deepEqual(strays(m.dir), []);
    await m.cleanup();
  });

  test('windows_names mount: the names Windows forbids fail with the plain reason (ntfs-3g answers EINVAL)', async () => {
    const m = await makeMount('ntfs', 64, { mountOptions: 'windows_names' });
    const dest = path.join(m.dir, 'tree');
    const r = await runCli(['-r', '--json', src, dest]);
    assert.equal(r.code, 1);
    const colon = rec(r, dest, 'a:b.txt');
    assert.equal(colon.error?.code, 'EINVAL');
    assert.match(colon.error?.message ?? '', /^EINVAL: name contains ':' which NTFS does not allow \(NTFS answered: invalid argument\)/);
    assert.match(rec(r, dest, 'trail.').error?.message ?? '', /name ends with '\.' which NTFS does not allow/);
    assert.match(rec(r, dest, 'CON').error?.message ?? '', /'CON' is a device name, which NTFS does not allow/);
    assert.equal(fs.readFileSync(path.join(dest, 'ok.txt'), 'utf8'), 'ok');
    // Replaced, they copy.
    const mapped = path.join(m.dir, 'mapped');
    const r2 = await runCli(['-r', '--json', '--map-names', src, mapped]);
    assert.equal(fs.readFileSync(path.join(mapped, 'trail\uF02E'), 'utf8'), 'trailing dot');
    assert.equal(fs.readFileSync(path.join(mapped, 'CO\uF04E'), 'utf8'), 'device name');
    assert.equal(recordFor(r2, `${mapped}/a\uF03Ab.txt`).ok, true);
    assert.deepEqual(strays(m.dir), []);
    await m.cleanup();
  });
});

test('the problem tree itself is what the tests think it is', { skip: skipExfat }, () => {
  assert.ok(fs.existsSync(Buffer.concat([Buffer.from(src + '/'), BAD_NAME])));
  assert.equal(fs.statSync(path.join(src, 'hard1')).nlink, 2);
});
