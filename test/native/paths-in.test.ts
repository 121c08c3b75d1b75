// Paths handed TO the engine are read in its escaped spelling (issue 9, item 4): a top-level
// source whose name is not UTF-8 can be copied, moved, explained, scanned and examined, and a name
// holding a literal "\x41" stays itself when spelled with encodeEnginePath.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeEnginePath, encodeEnginePath, explain, explainTrees, fsInfo, scan, type ExplainItem } from '../../native/index.js';
import { run, tmpDir } from './_util.js';

let dir = '';
before(() => {
  dir = tmpDir();
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

describe('paths handed to the engine', () => {
  test('a top-level file and folder named with bytes ff fe: copied, moved, explained, scanned, examined', async () => {
    const d = Buffer.from(dir);
    const file = bytes(dir, '/', [0xff, 0xfe], '.txt');
    const folder = bytes(dir, '/', [0xff, 0xfe], '-dir');
    fs.writeFileSync(file, 'not utf-8 named');
    fs.mkdirSync(folder);
    fs.writeFileSync(Buffer.concat([folder, Buffer.from('/inside')]), 'inside');
    const fileE = encodeEnginePath(file);
    const folderE = encodeEnginePath(folder);
    assert.equal(fileE, `${dir}/\\xFF\\xFE.txt`);

    const copyE = `${dir}/copy-\\xFF`;
    const r = await run(
      [
        { src: fileE, dest: copyE },
        { src: folderE, dest: `${folderE}-copy` },
      ],
      { recursive: true },
    );
    assert.deepEqual(r.records.filter((x) => !x.ok), []);
    assert.ok(r.records.some((x) => x.src === fileE && x.dest === copyE), 'records echo the escaped spelling');
    assert.equal(fs.readFileSync(bytes(dir, '/copy-', [0xff]), 'utf8'), 'not utf-8 named');
    assert.equal(fs.readFileSync(Buffer.concat([folder, Buffer.from('-copy/inside')]), 'utf8'), 'inside');
    assert.ok(r.records.some((x) => x.dest === `${folderE}-copy/inside`));

    assert.equal(explain(fileE, `${dir}/x`).src, fileE);
    assert.equal((await scan([folderE]).done).files, 1);
    assert.equal(fsInfo(fileE).pseudo, false);
    const items: ExplainItem[] = [];
    await explainTrees([{ src: folderE, dest: `${dir}/e` }], { recursive: true }, (xs) => items.push(...xs)).done;
    assert.deepEqual(
      items.map((x) => [x.src, x.error?.code]),
      [
        [folderE, undefined],
        [`${folderE}/inside`, undefined],
      ],
    );

    const mv = await run([{ src: copyE, dest: `${dir}/moved-\\xFE` }], { move: true });
    assert.equal(mv.records[0]?.ok, true, JSON.stringify(mv.records));
    assert.ok(fs.existsSync(bytes(dir, '/moved-', [0xfe])));
    assert.equal(fs.readdirSync(d).some((n) => n === 'copy-\ufffd'), false);
  });

  test('a name holding a literal "\\x41" is itself when spelled \\x5Cx41', async () => {
    const name = 'lit\\x41.txt';
    fs.writeFileSync(path.join(dir, name), 'literal');
    const srcE = encodeEnginePath(path.join(dir, name));
    assert.equal(srcE, `${dir}/lit\\x5Cx41.txt`);
    assert.deepEqual(decodeEnginePath(srcE), Buffer.from(path.join(dir, name)));
    const r = await run([{ src: srcE, dest: encodeEnginePath(path.join(dir, 'out\\x42')) }]);
    assert.equal(r.records[0]?.ok, true, JSON.stringify(r.records));
    assert.equal(fs.readFileSync(path.join(dir, 'out\\x42'), 'utf8'), 'literal');
    assert.equal(fs.existsSync(path.join(dir, 'outB')), false);
  });
});
