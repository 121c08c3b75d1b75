import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openWithDesktop } from '../../electron/open-path.js';

let tmp: string;
function script(name: string, body: string): string {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return p;
}
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-open-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('open: exit 0 is opened; the file is passed as one argument', async () => {
  const opener = script('ok', `printf '%s|%s' "$#" "$1" > "${tmp}/args"`);
  await openWithDesktop('/a b/c#d.txt', { command: opener });
  assert.equal(fs.readFileSync(path.join(tmp, 'args'), 'utf8'), '1|/a b/c#d.txt');
});

test("open: xdg-open's exit statuses become errors in the user's terms, with what it said", async () => {
  const cases: [number, string, RegExp][] = [
    [2, 'ENOENT', /no such file or folder/],
    [3, 'ENOTSUP', /no application is set up to open this kind of file/],
    [4, 'EIO', /the application that opens this kind of file failed.*\(gio: No application is registered\)/],
    [1, 'EINVAL', /rejected its arguments/],
    [9, 'EIO', /failed with exit status 9/],
  ];
  for (const [status, code, message] of cases) {
    const opener = script(`exit${status}`, `echo "gio: No application is registered" >&2\nexit ${status}`);
    await assert.rejects(openWithDesktop('/x/report.pdf', { command: opener }), (e: Error & { code?: string; path?: string }) => {
      assert.equal(e.code, code, `exit ${status}`);
      assert.match(e.message, message);
      assert.equal(e.path, '/x/report.pdf');
      return true;
    });
  }
});

test('open: an opener that keeps running (the app in the foreground) counts as opened and is left running', async () => {
  const opener = script('foreground', `echo $$ > "${tmp}/pid"\nsleep 30`);
  const t0 = Date.now();
  await openWithDesktop('/x', { command: opener, settleMs: 200 });
  assert.ok(Date.now() - t0 < 5000);
  const pid = Number(fs.readFileSync(path.join(tmp, 'pid'), 'utf8'));
  assert.doesNotThrow(() => process.kill(pid, 0), 'still running');
  process.kill(-pid, 'SIGTERM'); // its own process group
});

test('open: no xdg-open installed is a clear error', async () => {
  await assert.rejects(openWithDesktop('/x', { command: path.join(tmp, 'no-such-opener') }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'ENOENT');
    assert.match(e.message, /is not installed \(package xdg-utils\)/);
    return true;
  });
});
