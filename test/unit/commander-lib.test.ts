// The pure parts behind the commander requests (issue 13), edge cases the end-to-end tests do not
// reach: name patterns (search, selection), Exec lines and desktop entries ("Open with…"), MIME
// by name, mountinfo and which mounts are the system's (places), text detection (quick view),
// typed paths (path bar) and .trashinfo (undo of a trash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePattern, PatternError } from '../../electron/glob.js';
import { appsFor, execArgs, mimeByName, mimeLineage, parseDesktopEntry, type DesktopEntry, type MimeDb } from '../../electron/desktop-apps.js';
import { isSystemMount, parseMountinfo } from '../../electron/places.js';
import { decodeText } from '../../electron/peek.js';
import { expandTyped } from '../../electron/typed-path.js';
import { parseTrashInfo } from '../../electron/trash-restore.js';

test('name patterns: globs, lists, exclusions, classes, braces, **, regex; bad ones are PatternError', () => {
  const m = (pattern: string, o: { regex?: boolean; caseSensitive?: boolean; substring?: boolean } = {}) =>
    compilePattern({ pattern, regex: o.regex ?? false, caseSensitive: o.caseSensitive ?? false }, { substring: o.substring ?? false });
  const jpg = m('*.jpg;*.png');
  assert.deepEqual(['a.jpg', 'B.PNG', 'a.jpeg', 'jpg'].map((n) => jpg(n)), [true, true, false, false]);
  assert.equal(m('*.JPG', { caseSensitive: true })('a.jpg'), false);
  // Space-separated globs (every word a wildcard), and exclusions after "|".
  const src = m('*.c *.h | test_*');
  assert.deepEqual(['x.c', 'y.h', 'test_x.c', 'x.o'].map((n) => src(n)), [true, true, false, false]);
  assert.deepEqual(['a.o', 'a.c'].map((n) => m('| *.o')(n)), [false, true], 'only exclusions: everything else');
  // A name with a space and no wildcard is one name, not two globs.
  assert.equal(m('my file.txt')('my file.txt'), true);
  assert.deepEqual(['f1', 'fa', 'f!', 'g1'].map((n) => m('f[0-9!]')(n)), [true, false, true, false]);
  assert.deepEqual(['f1', 'fa'].map((n) => m('f[!0-9]')(n)), [false, true]);
  assert.deepEqual(['a.tar.gz', 'a.tgz', 'a.zip'].map((n) => m('*.{tar.gz,tgz}')(n)), [true, true, false]);
  // Regex metacharacters in a glob are literal; `*` stays inside one name.
  assert.deepEqual(['a+b(1).txt', 'aab1.txt'].map((n) => m('a+b(1).txt')(n)), [true, false]);
  // Patterns with "/" test the path below the search root.
  const deep = m('src/**/*.ts');
  assert.equal(deep.usesPath, true);
  assert.deepEqual([['a.ts', 'src/a.ts'], ['b.ts', 'src/x/y/b.ts'], ['c.ts', 'lib/c.ts']].map(([n, r]) => deep(n!, r)), [true, true, false]);
  assert.equal(m('*.*')('Makefile'), true, '*.* is everything, as in the commanders');
  // The search's habit: no wildcard means "contains".
  assert.deepEqual(['my-report.pdf', 'other'].map((n) => m('report', { substring: true })(n)), [true, false]);
  assert.equal(m('report')('my-report.pdf'), false);
  const re = m('^report-20\\d\\d\\.log$', { regex: true });
  assert.deepEqual(['report-2024.log', 'REPORT-2024.LOG', 'report-2024.log.gz'].map((n) => re(n)), [true, true, false]);
  for (const bad of [{ pattern: '(', regex: true }, { pattern: '{a,b', regex: false }, { pattern: ' ; ', regex: false }]) {
    assert.throws(() => compilePattern({ ...bad, caseSensitive: false }), PatternError, JSON.stringify(bad));
  }
});

test('Exec lines: the spec quoting and field codes, filled in for one file', () => {
  const e = (exec: string) => ({ exec, name: 'Viewer', file: '/usr/share/applications/v.desktop', icon: 'viewer' });
  const file = '/home/u/My Docs/#1 100%.txt';
  const uri = 'file:///home/u/My%20Docs/%231%20100%25.txt';
  assert.deepEqual(execArgs(e('viewer %f'), file), ['viewer', file]);
  assert.deepEqual(execArgs(e('viewer --new %U'), file), ['viewer', '--new', uri]);
  assert.deepEqual(execArgs(e('"/opt/My App/bin/app" %F'), file), ['/opt/My App/bin/app', file]);
  assert.deepEqual(execArgs(e('app "a \\"quoted\\" \\$HOME \\\\ arg" %f'), file), ['app', 'a "quoted" $HOME \\ arg', file]);
  assert.deepEqual(execArgs(e('app %i --name=%c --entry %k 100%% %d %m'), file), ['app', '--icon', 'viewer', '--name=Viewer', '--entry', '/usr/share/applications/v.desktop', '100%', file]);
  assert.deepEqual(execArgs(e('app'), file), ['app', file], 'no file code: the path is appended');
  assert.deepEqual(execArgs(e('app --file=%f'), file), ['app', `--file=${file}`]);
  // The path is one argument whatever it holds: never split, never run by a shell.
  assert.deepEqual(execArgs(e('app %f'), '/tmp/a b;rm -rf ~'), ['app', '/tmp/a b;rm -rf ~']);
  assert.throws(() => execArgs(e('app "unclosed %f'), file), /unclosed quote/);
});

test('desktop entries and MIME types: localised names, other groups ignored, globs by weight, lineage, defaults first', () => {
  const keys = parseDesktopEntry('[Desktop Entry]\nName=Editor\nName[de]=Bearbeiter\nExec=ed %f\n\n[Desktop Action new]\nName=New window\nExec=ed --new\n', 'de_DE.UTF-8')!;
  assert.equal(keys.get('Name'), 'Bearbeiter');
  assert.equal(keys.get('Exec'), 'ed %f', 'a [Desktop Action] group does not override the entry');
  assert.equal(parseDesktopEntry('[Other]\nName=x\n'), null);

  const glob = (weight: number, mime: string, pattern: string) => ({ weight, mime, pattern, literal: !/[*?[]/.test(pattern), re: /[*?[]/.test(pattern) ? new RegExp(`^${pattern.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`, 'i') : null });
  const db: MimeDb = {
    globs: [glob(50, 'text/x-c', '*.c'), glob(50, 'application/gzip', '*.gz'), glob(50, 'application/x-compressed-tar', '*.tar.gz'), glob(60, 'text/x-makefile', 'Makefile'), glob(80, 'text/x-special', '*.special.c')],
    parents: new Map([['text/x-csrc', ['text/x-c']]]),
    aliases: new Map([['text/x-c', 'text/x-csrc']]),
  };
  assert.equal(mimeByName(db, 'a.tar.gz'), 'application/x-compressed-tar', 'the longer pattern at equal weight');
  assert.equal(mimeByName(db, 'x.special.c'), 'text/x-special', 'the heavier glob');
  assert.equal(mimeByName(db, 'Makefile'), 'text/x-makefile');
  assert.equal(mimeByName(db, 'nothing'), null);
  assert.deepEqual(mimeLineage(db, 'text/x-c'), ['text/x-csrc', 'text/plain'], 'aliases resolved; text is text/plain too');

  const entry = (id: string, name: string, mimeTypes: string[]): [string, DesktopEntry] => [id, { id, file: `/a/${id}`, name, exec: name, icon: '', terminal: false, mimeTypes }];
  const entries = new Map([entry('ide.desktop', 'IDE', ['text/x-csrc']), entry('gedit.desktop', 'Gedit', ['text/plain']), entry('vim.desktop', 'Vim', ['text/plain']), entry('bad.desktop', 'Bad', ['text/plain'])]);
  const assoc = { defaults: new Map([['text/plain', ['missing.desktop', 'vim.desktop']]]), added: new Map<string, string[]>(), removed: new Map([['text/plain', ['bad.desktop']]]) };
  const apps = appsFor('text/x-csrc', db, entries, assoc);
  assert.deepEqual(apps.map((a) => [a.id, a.isDefault]), [['vim.desktop', true], ['ide.desktop', false], ['gedit.desktop', false]]);
});

test('places: mountinfo with escaped names; pseudo and system mounts told apart from the user\'s', () => {
  const text = [
    '22 1 8:2 / / rw,relatime shared:1 - ext4 /dev/sda2 rw',
    '23 22 0:21 / /proc rw,nosuid - proc proc rw',
    '40 22 8:17 / /media/u/My\\040Disk rw - vfat /dev/sdb1 rw',
    '41 22 8:18 / /run/media/u/USB ro,nosuid shared:5 - exfat /dev/sdc1 ro',
    '42 22 0:40 / /run/user/1000 rw - tmpfs tmpfs rw',
    '43 22 7:1 / /snap/core/1 ro - squashfs /dev/loop1 ro',
    '44 22 8:2 /srv/data /mnt/data rw - ext4 /dev/sda2 rw',
    '45 22 8:2 /etc/hosts /etc/hosts rw - ext4 /dev/sda2 rw',
    'garbage line',
  ].join('\n');
  const mounts = parseMountinfo(text);
  assert.equal(mounts.length, 8);
  assert.deepEqual(mounts[2], { root: '/', mountPoint: '/media/u/My Disk', readOnly: false, fsType: 'vfat', source: '/dev/sdb1' });
  assert.equal(mounts[3]!.readOnly, true);
  assert.equal(mounts[6]!.root, '/srv/data', 'a bind mount says what it shows');
  assert.deepEqual(mounts.map((m) => [m.mountPoint, isSystemMount(m)]), [
    ['/', false], ['/proc', true], ['/media/u/My Disk', false], ['/run/media/u/USB', false],
    ['/run/user/1000', true], ['/snap/core/1', true], ['/mnt/data', false], ['/etc/hosts', true],
  ]);
});

test('quick view text: BOMs, UTF-16 without one, UTF-8 cut at the slice end, legacy text, binary', () => {
  const u8 = Buffer.from('Grüße, 日本\n');
  assert.deepEqual(decodeText(u8, true, false), { encoding: 'UTF-8', text: 'Grüße, 日本\n', used: u8.length });
  // A slice that cuts "本" (3 bytes) after its first byte leaves it for the next slice.
  const cut = u8.subarray(0, u8.indexOf(Buffer.from('本')) + 1);
  const d = decodeText(cut, true, true)!;
  assert.equal(d.encoding, 'UTF-8');
  assert.equal(d.text, 'Grüße, 日');
  assert.equal(d.used, cut.length - 1);
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('hi')]), true, false)!.encoding, 'UTF-8 (BOM)');
  assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('\0h\0i')]), true, false), { encoding: 'UTF-16BE (BOM)', text: 'hi', used: 6 });
  assert.equal(decodeText(Buffer.from('hello world', 'utf16le'), false, false)!.text, 'hello world');
  assert.equal(decodeText(Buffer.from('hello world', 'utf16le'), false, false)!.encoding, 'UTF-16LE');
  assert.deepEqual(decodeText(Buffer.from('caf\xe9', 'latin1'), true, false), { encoding: 'Windows-1252', text: 'café', used: 4 });
  assert.equal(decodeText(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), true, false), null, 'an ELF header is binary');
  assert.equal(decodeText(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]), true, false, true)!.encoding, 'UTF-8', 'unless text is asked for');
  assert.equal(decodeText(Buffer.from('tab\tand\x1b[1mescape\x1b[0m\r\n'), true, false)!.encoding, 'UTF-8', 'terminal escapes are text');
});

test('typed paths: ~, ~user, relative, quotes, file:// URIs; clear errors', () => {
  assert.equal(expandTyped('~', '/base', '/home/u'), '/home/u');
  assert.equal(expandTyped('~/Documents/../Music', '/base', '/home/u'), '/home/u/Music');
  assert.equal(expandTyped('~nobody/x', '/base', '/home/u'), '/nonexistent/x', "another user's home, from /etc/passwd");
  assert.equal(expandTyped('projects/ferry', '/home/u', '/home/u'), '/home/u/projects/ferry');
  assert.equal(expandTyped('..', '/home/u/a', '/home/u'), '/home/u');
  assert.equal(expandTyped('  "/tmp/with space"  ', '/', '/home/u'), '/tmp/with space');
  assert.equal(expandTyped('file:///tmp/a%20b/%C3%A9', '/', '/home/u'), '/tmp/a b/é');
  assert.throws(() => expandTyped('~nosuchuser-ferry', '/', '/home/u'), /no user named "nosuchuser-ferry"/);
  assert.throws(() => expandTyped('file://server/share', '/', '/home/u'), /another computer \(server\)/);
  assert.throws(() => expandTyped('   ', '/', '/home/u'), /type a path/);
});

test('.trashinfo: percent-encoded absolute paths, paths relative to a mount\'s trash; malformed ones skipped', () => {
  assert.deepEqual(parseTrashInfo('[Trash Info]\nPath=/home/u/a%20b/%231.txt\nDeletionDate=2024-05-01T13:07:09\n', null), {
    path: '/home/u/a b/#1.txt',
    deletedMs: new Date(2024, 4, 1, 13, 7, 9).getTime(),
  });
  assert.equal(parseTrashInfo('[Trash Info]\nPath=docs/x\nDeletionDate=2024-05-01T13:07:09\n', '/media/usb')!.path, '/media/usb/docs/x');
  assert.equal(parseTrashInfo('[Trash Info]\nPath=docs/x\nDeletionDate=2024-05-01T13:07:09\n', null), null, 'relative, with no mount to be relative to');
  assert.equal(parseTrashInfo('[Trash Info]\nPath=/a%ZZ\nDeletionDate=2024-05-01T13:07:09\n', null), null);
  assert.equal(parseTrashInfo('Path=/a\nDeletionDate=2024-05-01T13:07:09\n', null), null);
  assert.ok(Number.isNaN(parseTrashInfo('[Trash Info]\nPath=/a\nDeletionDate=yesterday\n', null)!.deletedMs));
});
