// ferry-cp --fsync (issue 9, item 1): each file's data is flushed through the descriptor it was
// written with, the folder that holds its new name is flushed after linkat/renameat2, and at the
// end each destination filesystem is syncfs()ed (its answer checked: test/faults/durability).
// Seen with strace: the syscalls and their order.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { engineMissing, runCli } from '../helpers/cli.js';
import { hasCommand } from '../helpers/mounts.js';
import { tmpDir } from '../native/_util.js';

const skip = engineMissing() || (!hasCommand('strace') && 'strace is not installed');
let dir = '';
before(() => {
  dir = tmpDir('ferry-fsync-');
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The traced syscalls, as "name(args) = result" lines, with strace -y's paths for descriptors. */
async function traced(args: string[]): Promise<{ code: number | null; calls: string[] }> {
  const log = path.join(dir, `strace-${Math.random().toString(16).slice(2)}.log`);
  const r = await runCli(args, { wrap: ['strace', '-f', '-y', '-e', 'trace=fsync,fdatasync,linkat,renameat2,syncfs', '-o', log] });
  const calls = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\d+\s+/, ''))
    .filter((l) => /^(fsync|fdatasync|linkat|renameat2|syncfs)\(/.test(l) && l.includes(dir));
  return { code: r.code, calls };
}

const index = (calls: string[], re: RegExp): number => calls.findIndex((c) => re.test(c));

describe('ferry-cp --fsync', { skip }, () => {
  test('a file: its data, then its folder after linkat, then the filesystem', async () => {
    fs.writeFileSync(path.join(dir, 'a'), 'a');
    const { code, calls } = await traced(['--fsync', path.join(dir, 'a'), path.join(dir, 'a2')]);
    assert.equal(code, 0);
    const link = index(calls, /^linkat\(.*"a2"/);
    assert.ok(link > 0, calls.join('\n'));
    assert.ok(index(calls, /^f(data)?sync\(\d+<.*\(deleted\)>\) = 0/) < link, 'the data (of the unnamed file) before the link');
    const dirSync = calls.findIndex((c, i) => i > link && new RegExp(`^fsync\\(\\d+<${dir}>\\) = 0`).test(c));
    assert.ok(dirSync > link, `the folder after the link:\n${calls.join('\n')}`);
    assert.ok(index(calls, new RegExp(`^syncfs\\(\\d+<${dir}>\\) = 0`)) > dirSync, 'the filesystem last');
  });

  test('a tree: each folder once its names are in, the parent after renameat2 publishes the tree', async () => {
    fs.mkdirSync(path.join(dir, 't', 's'), { recursive: true });
    fs.writeFileSync(path.join(dir, 't', 's', 'b'), 'b');
    const { code, calls } = await traced(['-r', '--fsync', path.join(dir, 't'), path.join(dir, 't2')]);
    assert.equal(code, 0);
    const rename = index(calls, /^renameat2\(.*"t2", RENAME_NOREPLACE\) = 0/);
    assert.ok(rename > 0, calls.join('\n'));
    assert.ok(index(calls, /^fsync\(\d+<.*\/\.ferry-[0-9a-f]{16}\.tmp\/s>\) = 0/) < rename, 'the inner folder before the publishing rename');
    assert.ok(index(calls, /^fsync\(\d+<.*\/\.ferry-[0-9a-f]{16}\.tmp>\) = 0/) < rename, 'the tree folder before the publishing rename');
    const parent = calls.findIndex((c, i) => i > rename && new RegExp(`^fsync\\(\\d+<${dir}>\\) = 0`).test(c));
    assert.ok(parent > rename, `the parent after the rename:\n${calls.join('\n')}`);
    assert.ok(index(calls, /^syncfs\(/) > parent, 'the filesystem last');
  });

  test('without --fsync: no fsync, no syncfs (cp speed)', async () => {
    fs.writeFileSync(path.join(dir, 'c'), 'c');
    const { code, calls } = await traced([path.join(dir, 'c'), path.join(dir, 'c2')]);
    assert.equal(code, 0);
    assert.deepEqual(
      calls.filter((c) => /^(fsync|fdatasync|syncfs)/.test(c)),
      [],
    );
  });
});
