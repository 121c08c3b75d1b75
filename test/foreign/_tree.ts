// A source tree with every kind of problem a USB stick's filesystem has (exFAT, NTFS through FUSE
// here), and what a copy of it must look like on one. Shared by the CLI, engine and UI tests.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findTemps } from '../helpers/mounts.js';

/** Names as bytes where they are not UTF-8. */
export const BAD_NAME = Buffer.from([0x62, 0x61, 0x64, 0xff]); // "bad\xFF"

/**
 * Makes the tree under `root` (a folder that does not exist yet):
 *   a:b.txt, what?.txt, sub/pipe|x.txt   characters Windows forbids
 *   bad\xFF                            a name that is not UTF-8
 *   trail.  CON                        stored by exFAT, but Windows cannot open them
 *   Case.txt case.txt                  the same name where names fold case
 *   link -> ok.txt, dirlink -> sub, dangling -> nowhere   symbolic links
 *   fifo, null (character device 1:3)  special files
 *   sparse.bin                         8 MiB with 4 KiB of data
 *   hard1 hard2                        one file, two names
 *   ok.txt (mode 0600, xattr user.ferry), sub/inner.txt   what every filesystem holds
 */
export function makeProblemTree(root: string): void {
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  const w = (name: string, data: string) => fs.writeFileSync(path.join(root, name), data);
  w('a:b.txt', 'colon');
  w('what?.txt', 'question');
  w('sub/pipe|x.txt', 'pipe');
  fs.writeFileSync(Buffer.concat([Buffer.from(root + '/'), BAD_NAME]), 'bad');
  w('trail.', 'trailing dot');
  w('CON', 'device name');
  w('Case.txt', 'upper');
  w('case.txt', 'lower');
  w('ok.txt', 'ok');
  fs.chmodSync(path.join(root, 'ok.txt'), 0o600);
  try {
    execFileSync('setfattr', ['-n', 'user.ferry', '-v', 'x', path.join(root, 'ok.txt')], { stdio: 'ignore' });
  } catch {
    /* a source without user xattrs: the metadata warning is still about permissions */
  }
  w('sub/inner.txt', 'inner');
  fs.symlinkSync('ok.txt', path.join(root, 'link'));
  fs.symlinkSync('sub', path.join(root, 'dirlink'));
  fs.symlinkSync('nowhere', path.join(root, 'dangling'));
  execFileSync('mkfifo', [path.join(root, 'fifo')]);
  execFileSync('mknod', [path.join(root, 'null'), 'c', '1', '3']);
  const fd = fs.openSync(path.join(root, 'sparse.bin'), 'w');
  fs.writeSync(fd, Buffer.alloc(4096, 7), 0, 4096, 4 << 20);
  fs.ftruncateSync(fd, 8 << 20);
  fs.closeSync(fd);
  w('hard1', 'linked');
  fs.linkSync(path.join(root, 'hard1'), path.join(root, 'hard2'));
}

/** Entries of the tree an exFAT stick cannot hold as they are (by their path below the tree). */
export const EXFAT_UNFIT = ['a:b.txt', 'what?.txt', 'sub/pipe|x.txt', 'bad\\xFF', 'case.txt', 'link', 'dirlink', 'dangling', 'fifo', 'null'];
/** Entries every destination holds (content checked byte for byte). */
export const PLAIN_FILES = ['ok.txt', 'sub/inner.txt', 'Case.txt', 'trail.', 'CON', 'hard1', 'hard2', 'sparse.bin'];

/** Every entry under `dir`, as paths below it (names that are not UTF-8 spelled \xNN), sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: Buffer, rel: string) => {
    for (const name of fs.readdirSync(d, { encoding: 'buffer' })) {
      const s = name.toString('utf8');
      const shown = Buffer.from(s, 'utf8').equals(name) ? s : [...name].map((b) => (b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase()}`)).join('');
      const r = rel ? `${rel}/${shown}` : shown;
      out.push(r);
      const full = Buffer.concat([d, Buffer.from('/'), name]);
      if (fs.lstatSync(full).isDirectory()) walk(full, r);
    }
  };
  walk(Buffer.from(dir), '');
  return out.sort();
}

/** Nothing left behind by Ferry: no engine temps, no probe files. */
export function strays(dir: string): string[] {
  return findTemps(dir);
}
