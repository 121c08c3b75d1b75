// The engine's one walker seen from JS: scan() totals against find/du on a real tree, a job's scan
// events, explainTrees() against what the copy then does, the engine's temp names.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ENGINE_TEMP_NAME,
  engineTempName,
  explain,
  explainTrees,
  scan,
  type ExplainItem,
  type ScanEvent,
  type ScanTotals,
} from '../../native/index.js';
import { run, tmpDir, writeRandom } from './_util.js';

const MiB = 1024 * 1024;

function sh(script: string): string {
  return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8' });
}
const count = (script: string) => Number(sh(`${script} | wc -l`).trim());
const sum = (script: string) => sh(script).split('\n').filter(Boolean).reduce((a, l) => a + Number(l), 0);

/** What find and du say about a tree, in ScanTotals' terms. */
function findTotals(top: string): Omit<ScanTotals, 'reflinkBytes' | 'needed'> {
  const q = `'${top}'`;
  return {
    files: count(`find ${q} ! -type d`),
    dirs: count(`find ${q} -type d`),
    symlinks: count(`find ${q} -type l`),
    specials: count(`find ${q} ! -type f ! -type d ! -type l`),
    bytes: sum(`find ${q} -type f -printf '%s\\n'`),
    // du counts a hard-linked file once, like the engine.
    allocated: Number(sh(`find ${q} -type f -print0 | du -B1 -c --files0-from=- | tail -1 | cut -f1`).trim()),
  };
}

describe('scan() and a job scan: one walker, totals like find and du', () => {
  const dir = tmpDir('ferry-walk-');
  const top = path.join(dir, 'top');
  before(() => {
    fs.mkdirSync(path.join(top, 'sub', 'deep'), { recursive: true });
    fs.mkdirSync(path.join(top, 'empty'));
    fs.writeFileSync(path.join(top, 'a.txt'), 'x'.repeat(100));
    writeRandom(path.join(top, 'sub', 'b.bin'), 300 * 1024 + 7);
    fs.writeFileSync(path.join(top, 'sub', 'deep', 'c.bin'), '');
    // Sparse: 64 MiB apparent, 1 MiB of data in the middle.
    const fd = fs.openSync(path.join(top, 'sparse.bin'), 'w');
    fs.writeSync(fd, Buffer.alloc(MiB, 7), 0, MiB, 8 * MiB);
    fs.ftruncateSync(fd, 64 * MiB);
    fs.closeSync(fd);
    fs.symlinkSync('a.txt', path.join(top, 'link'));
    fs.symlinkSync('/nonexistent/ferry', path.join(top, 'sub', 'dangling'));
    execFileSync('mkfifo', [path.join(top, 'sub', 'fifo')]);
    fs.linkSync(path.join(top, 'sub', 'b.bin'), path.join(top, 'hard.bin'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The totals find and du can check (the copy dialog's extras left out). */
  const counts = (t: ScanTotals) => ({
    files: t.files, bytes: t.bytes, dirs: t.dirs, symlinks: t.symlinks, specials: t.specials, allocated: t.allocated, reflinkBytes: t.reflinkBytes, needed: t.needed,
  });

  test('scan() totals equal find/du: files, folders, symlinks, specials, apparent and allocated bytes', async () => {
    const want = findTotals(top);
    assert.ok(want.allocated < want.bytes / 4, `the tree has holes (allocated ${want.allocated} of ${want.bytes})`);
    const seen: ScanEvent[] = [];
    const s = scan([top], { recursive: true }, (e) => seen.push(e));
    const got = await s.done;
    assert.deepEqual({ ...counts(got), reflinkBytes: 0, needed: 0 }, { ...want, reflinkBytes: 0, needed: 0 });
    // Without a destination nothing is predicted: everything allocated is needed.
    assert.equal(got.reflinkBytes, 0);
    assert.equal(got.needed, got.allocated);
    // Streamed: the last event is the final one, with the same totals.
    const last = seen.at(-1);
    assert.ok(last, 'progress events arrived');
    assert.equal(last.done, true);
    assert.equal(seen.filter((e) => e.done).length, 1);
    const { type: _t, done: _d, ...lastTotals } = last;
    assert.deepEqual(lastTotals, got);
  });

  test('a job with scan: its scan events carry the same totals, and filesDone meets them', async () => {
    const full = await scan([top]).done;
    const r = await run([{ src: top, dest: path.join(dir, 'job-copy') }], { recursive: true, scan: true });
    const scans = r.events.filter((e): e is ScanEvent => e.type === 'scan');
    const last = scans.at(-1)!;
    assert.equal(last.done, true);
    const { type: _t, done: _d, ...totals } = last;
    // The job's scan knows the destination (kinds of pair, names taken there); the counts are the same.
    assert.deepEqual(counts(totals), counts(full));
    assert.equal(r.result.filesDone, full.files);
    // bytesDone counts bytes moved: a sparse file's holes and a hard link's second name move none.
    assert.ok(r.result.bytesDone < full.bytes);
    assert.equal(r.records.filter((x) => x.type === 'dir').length, full.dirs);
  });

  test('with a destination: a same-device move renames (reflinkBytes), a copy needs the allocated bytes', async () => {
    const dest = path.join(dir, 'elsewhere');
    fs.mkdirSync(dest);
    const move = await scan([top], { dest, move: true }).done;
    const unique = sum(`find '${top}' -type f -printf '%i %s\\n' | sort -u | cut -d' ' -f2`);
    assert.equal(move.reflinkBytes, unique);
    assert.equal(move.needed, 0);
    // One filesystem here: either everything is reflinked (btrfs, xfs) or everything is needed.
    const copy = await scan([top], { dest }).done;
    if (copy.reflinkBytes === 0) assert.equal(copy.needed, copy.allocated);
    else assert.deepEqual([copy.reflinkBytes, copy.needed], [unique, 0]);
  });

  test('scan() of a missing source counts nothing; several sources add up; cancel() ends it', async () => {
    const none = await scan([path.join(dir, 'missing')]).done;
    assert.equal(none.files + none.dirs, 0);
    const a = path.join(top, 'a.txt');
    const two = await scan([a, path.join(top, 'sub')]).done;
    const sub = await scan([path.join(top, 'sub')]).done;
    assert.equal(two.files, sub.files + 1);
    assert.equal(two.bytes, sub.bytes + 100);
    const many = path.join(dir, 'many');
    for (let i = 0; i < 20; i++) {
      fs.mkdirSync(path.join(many, `d${i}`), { recursive: true });
      for (let j = 0; j < 50; j++) fs.writeFileSync(path.join(many, `d${i}`, `f${j}`), '');
    }
    const s = scan([many]);
    s.cancel();
    const partial = await s.done;
    assert.ok(partial.files <= 1000);
    assert.throws(() => scan(['']), TypeError);
  });
});

describe('explainTrees(): the engine walks, the planner answers, the copy agrees', () => {
  const dir = tmpDir('ferry-explain-tree-');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('every entry in pre-order (names in byte order), with its destination; methods match the copy', async () => {
    const top = path.join(dir, 'tree');
    fs.mkdirSync(path.join(top, 'b', 'c'), { recursive: true });
    fs.writeFileSync(path.join(top, 'z.txt'), 'zz');
    fs.writeFileSync(path.join(top, 'b', 'one'), 'one');
    fs.writeFileSync(path.join(top, 'b', 'c', 'two'), '');
    fs.writeFileSync(Buffer.concat([Buffer.from(path.join(top, 'b') + '/'), Buffer.from([0x6e, 0xff])]), 'not utf-8');
    fs.symlinkSync('z.txt', path.join(top, 'a-link'));
    execFileSync('mkfifo', [path.join(top, 'fifo')]);
    const dest = path.join(dir, 'out', 'deeper', 'tree'); // folders that do not exist yet
    const items: ExplainItem[] = [];
    const r = await explainTrees([{ src: top, dest }], { recursive: true }, (xs) => items.push(...xs)).done;
    assert.equal(r.count, items.length);
    assert.equal(r.cancelled, false);
    assert.equal(items.length, count(`find '${top}'`));
    const rel = items.map((x) => x.src.slice(top.length));
    assert.deepEqual(rel, ['', '/a-link', '/b', '/b/c', '/b/c/two', '/b/n\\xFF', '/b/one', '/fifo', '/z.txt']);
    for (const x of items) {
      assert.equal(x.dest, dest + x.src.slice(top.length));
      assert.equal(x.error, undefined, JSON.stringify(x));
    }
    const byName = new Map(items.map((x) => [x.src.slice(top.length), x]));
    assert.equal(byName.get('/fifo')!.method, null);
    assert.match(byName.get('/fifo')!.reason, /FIFO: recreated/);
    assert.equal(byName.get('/a-link')!.type, 'symlink');
    assert.equal(byName.get('')!.type, 'dir');
    // Nothing was created by explaining.
    assert.equal(fs.existsSync(path.join(dir, 'out')), false);
    // The copy does what was predicted, entry by entry.
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const copy = await run([{ src: top, dest }], { recursive: true });
    for (const rec of copy.records) {
      const x = byName.get(rec.src.slice(top.length));
      assert.ok(x, `no explanation for ${rec.src}`);
      if (rec.type === 'file') assert.equal(x.method, rec.method, `${rec.src}: explained ${x.method} (${x.reason}), copied with ${rec.method}`);
      assert.equal(x.type, rec.type);
    }
  });

  test('a source that cannot be examined is an item with its error; the other pairs go on', async () => {
    const ok = path.join(dir, 'fine.txt');
    fs.writeFileSync(ok, 'fine');
    const items: ExplainItem[] = [];
    await explainTrees(
      [
        { src: path.join(dir, 'missing'), dest: path.join(dir, 'm') },
        { src: ok, dest: path.join(dir, 'fine2.txt') },
      ],
      {},
      (xs) => items.push(...xs),
    ).done;
    assert.equal(items.length, 2);
    assert.equal(items[0]!.type, null);
    assert.equal(items[0]!.method, null);
    assert.equal(items[0]!.error?.code, 'ENOENT');
    assert.equal(items[0]!.error?.syscall, 'lstat');
    assert.equal(items[1]!.type, 'file');
    assert.deepEqual(items[1], { ...explain(ok, path.join(dir, 'fine2.txt')) });
  });

  test("without recursive a top-level FIFO is explained as the copy treats it: its data, by splice", async () => {
    const f = path.join(dir, 'pipe');
    execFileSync('mkfifo', [f]);
    const dest = path.join(dir, 'pipe.out');
    const x = explain(f, dest, 'auto', { recursive: false });
    assert.equal(x.method, 'splice');
    assert.deepEqual(x.chain, ['splice', 'buffered']);
    assert.equal(explain(f, dest).method, null, 'in a tree it is recreated');
    assert.equal(explain(f, dest, 'reflink', { recursive: false }).method, null);
    assert.match(explain(f, dest, 'reflink', { recursive: false }).reason, /reflink not possible: the source is a FIFO/);
    const items: ExplainItem[] = [];
    await explainTrees([{ src: f, dest }], { recursive: false }, (xs) => items.push(...xs)).done;
    assert.equal(items[0]?.method, 'splice');
  });
});

describe("the engine's temp names", () => {
  test('ENGINE_TEMP_NAME matches the names the engine makes', () => {
    const names = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const n = engineTempName();
      assert.match(n, ENGINE_TEMP_NAME);
      names.add(n);
    }
    assert.equal(names.size, 200);
  });

  test('a tree being built stands under such a name next to its destination until it is complete', async () => {
    const dir = tmpDir('ferry-temp-name-');
    try {
      const src = path.join(dir, 'src');
      fs.mkdirSync(src);
      writeRandom(path.join(src, 'big.bin'), 96 * MiB);
      const out = path.join(dir, 'out');
      fs.mkdirSync(out);
      let seen = null as string[] | null;
      const r = await run([{ src, dest: path.join(out, 'copy') }], { recursive: true, method: 'buffered', threads: 1 }, (e, job) => {
        if (seen || e.type !== 'progress' || !e.current.some((c) => c.bytes > 0)) return;
        seen = fs.readdirSync(out);
        job.cancel();
      });
      assert.ok(seen, 'saw the copy in progress');
      assert.equal(seen!.length, 1, `one hidden tree: ${seen!.join(', ')}`);
      assert.match(seen![0]!, ENGINE_TEMP_NAME);
      assert.equal(r.result.cancelled, true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
