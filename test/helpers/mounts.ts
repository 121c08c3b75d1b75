// Loop-mounted (and tmpfs / FUSE) filesystems for tests and benchmarks.
//
// Every mount lives under os.tmpdir() with a name that carries this process's pid and a random
// part, so test files running in parallel never collide. Cleanup is synchronous (execFileSync) so
// it can also run from an 'exit' handler when a test throws or the runner kills us; a later run
// sweeps mounts left behind by processes that no longer exist (`sweepStale`).
//
// Needs root (mount, losetup). Callers skip with `skipUnlessRoot` otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type MountKind = 'btrfs' | 'xfs' | 'ext4' | 'tmpfs' | 'bindfs' | 'exfat' | 'ntfs' | 'fat';
/** The Linux filesystems of the engine's matrix. */
export const MOUNT_KINDS = ['btrfs', 'xfs', 'ext4', 'tmpfs', 'bindfs'] as const satisfies readonly MountKind[];
/**
 * Foreign filesystems, through FUSE on a loop device (this kernel has no vfat or exfat driver):
 * exFAT (mkfs.exfat, mount.exfat-fuse) and NTFS (mkntfs -F -Q, ntfs-3g; `mountOptions:
 * 'windows_names'` makes it refuse the names Windows forbids) and FAT32 (mkfs.fat -F 32, fusefat
 * -o rw+; fusefat empties a folder that is renamed: the engine knows, see fsinfo.cc).
 */
export const FOREIGN_KINDS = ['exfat', 'ntfs', 'fat'] as const satisfies readonly MountKind[];

export interface Mount {
  /** The mounted directory (empty apart from lost+found on ext4). */
  dir: string;
  kind: MountKind;
  /** Size asked for, in MiB (after the filesystem's minimum was applied). */
  sizeMiB: number;
  /** Unmounts and removes everything this mount created. Safe to call twice. */
  cleanup(): Promise<void>;
}

const PREFIX = 'ferry-loop-';
/** Smallest images the mkfs tools accept (xfsprogs ≥ 5.19 refuses < 300 MiB). */
const MIN_MIB: Record<MountKind, number> = { btrfs: 128, xfs: 300, ext4: 8, tmpfs: 1, bindfs: 1, exfat: 8, ntfs: 8, fat: 40 };

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A skip reason for node:test (`{ skip: skipUnlessRoot }`), or false when we can mount. */
export const skipUnlessRoot: string | false = isRoot() ? false : 'needs root for loop mounts';

/** True when `cmd` is on PATH. */
export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** FUSE needs /dev/fuse and the bindfs binary. */
export function fuseAvailable(): boolean {
  return existsSync('/dev/fuse') && hasCommand('bindfs') && hasCommand('fusermount');
}

function isForeign(kind: MountKind): kind is (typeof FOREIGN_KINDS)[number] {
  return (FOREIGN_KINDS as readonly MountKind[]).includes(kind);
}

/** Why `kind` cannot be mounted here, or false when it can. */
export function skipUnlessMountable(kind: MountKind): string | false {
  if (!isRoot()) return 'needs root for loop mounts';
  const tools: Partial<Record<MountKind, string[]>> = {
    btrfs: ['mkfs.btrfs'],
    xfs: ['mkfs.xfs'],
    ext4: ['mkfs.ext4'],
    exfat: ['mkfs.exfat', 'mount.exfat-fuse', 'losetup'],
    ntfs: ['mkntfs', 'ntfs-3g', 'losetup'],
    fat: ['mkfs.fat', 'fusefat', 'losetup'],
  };
  const missing = (tools[kind] ?? []).find((t) => !hasCommand(t));
  if (missing) return `${missing} is not installed (apt-get install exfat-fuse exfatprogs ntfs-3g fusefat dosfstools)`;
  if (kind === 'bindfs' && !fuseAvailable()) return 'bindfs or /dev/fuse is missing';
  if (isForeign(kind) && !existsSync('/dev/fuse')) return '/dev/fuse is missing';
  return false;
}

interface Record_ {
  base: string;
  mnt: string;
  img: string | null;
  /** For bindfs: the tmpfs under the FUSE mount. */
  inner: string | null;
  /** A FUSE mount (bindfs, exfat-fuse, ntfs-3g). */
  fuse: boolean;
  done: boolean;
}
const live = new Set<Record_>();
let hooked = false;

function run(cmd: string, args: string[], timeoutMs = 60_000): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: timeoutMs });
}
function tryRun(cmd: string, args: string[], timeoutMs = 30_000): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: timeoutMs });
  return r.status === 0;
}

function isMounted(dir: string): boolean {
  try {
    const real = path.resolve(dir);
    return readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[1]?.replace(/\\040/g, ' ') === real);
  } catch {
    return false;
  }
}

function unmount(dir: string, fuse: boolean): void {
  for (let i = 0; i < 5 && isMounted(dir); i++) {
    if (fuse) tryRun('fusermount', ['-u', '-z', dir]);
    if (isMounted(dir)) tryRun('umount', [dir]);
    if (isMounted(dir)) tryRun('umount', ['-l', dir]);
  }
}

/**
 * Detaches any loop device still backed by `img` (mount -o loop autoclears; the foreign mounts'
 * `losetup -f --show` does not). A FUSE daemon may hold its device a moment after unmounting.
 */
function detachLoops(img: string): void {
  for (let i = 0; i < 20; i++) {
    const r = spawnSync('losetup', ['-j', img], { encoding: 'utf8', timeout: 10_000 });
    const devs = (r.stdout ?? '').split('\n').map((l) => l.split(':')[0] ?? '').filter((d) => d.startsWith('/dev/loop'));
    if (devs.length === 0) return;
    for (const dev of devs) tryRun('losetup', ['-d', dev]);
    spawnSync('sleep', ['0.1']);
  }
}

function cleanupSync(r: Record_): void {
  if (r.done) return;
  unmount(r.mnt, r.fuse);
  if (r.inner) unmount(r.inner, false);
  if (r.img) detachLoops(r.img);
  if (!isMounted(r.mnt) && !(r.inner && isMounted(r.inner))) {
    rmSync(r.base, { recursive: true, force: true });
    r.done = true;
    live.delete(r);
  }
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const r of [...live]) cleanupSync(r);
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const r of [...live]) cleanupSync(r);
      process.kill(process.pid, sig);
    });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Unmounts and removes mounts left by earlier processes that died without cleaning up. */
export function sweepStale(): void {
  if (!isRoot()) return;
  const tmp = os.tmpdir();
  let names: string[] = [];
  try {
    names = readdirSync(tmp);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const m = /^ferry-loop-[a-z0-9]+-(\d+)-\d+-[0-9a-f]{8}$/.exec(name);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const base = path.join(tmp, name);
    const img = path.join(base, 'image');
    cleanupSync({ base, mnt: path.join(base, 'mnt'), img: existsSync(img) ? img : null, inner: path.join(base, 'inner'), fuse: true, done: false });
  }
}

let counter = 0;

/**
 * Creates and mounts a filesystem of `kind` of about `sizeMiB` MiB.
 * xfs is made with reflink=1; bindfs is a FUSE mount over a folder of a tmpfs of that size; exfat,
 * ntfs and fat are FUSE mounts (exfat-fuse, ntfs-3g, fusefat) of an image on a loop device.
 * `opts.mountOptions` adds -o options (e.g. 'ro' is not useful here: remount after filling).
 */
export async function makeMount(kind: MountKind, sizeMiB: number, opts: { mountOptions?: string } = {}): Promise<Mount> {
  if (!isRoot()) throw new Error('makeMount needs root');
  if (counter === 0) sweepStale();
  hook();
  const size = Math.max(MIN_MIB[kind], Math.ceil(sizeMiB));
  const base = path.join(os.tmpdir(), `${PREFIX}${kind}-${process.pid}-${++counter}-${randomBytes(4).toString('hex')}`);
  const mnt = path.join(base, 'mnt');
  mkdirSync(mnt, { recursive: true });
  const rec: Record_ = { base, mnt, img: null, inner: null, fuse: kind === 'bindfs' || isForeign(kind), done: false };
  live.add(rec);
  const extra = opts.mountOptions ? [`,${opts.mountOptions}`] : [''];
  try {
    if (kind === 'tmpfs') {
      run('mount', ['-t', 'tmpfs', '-o', `size=${size}m,mode=0755${extra[0]}`, 'tmpfs', mnt]);
    } else if (kind === 'bindfs') {
      const inner = path.join(base, 'inner');
      mkdirSync(inner);
      rec.inner = inner;
      run('mount', ['-t', 'tmpfs', '-o', `size=${size}m,mode=0755`, 'tmpfs', inner]);
      mkdirSync(path.join(inner, 'data'));
      // bindfs can spin instead of failing; never wait on it for long.
      run('bindfs', ['-o', `allow_other${extra[0]}`, path.join(inner, 'data'), mnt], 20_000);
      if (!isMounted(mnt)) throw new Error('bindfs did not mount');
    } else if (isForeign(kind)) {
      const img = path.join(base, 'image');
      rec.img = img;
      run('truncate', ['-s', `${size}M`, img]);
      if (kind === 'exfat') run('mkfs.exfat', [img]);
      else if (kind === 'ntfs') run('mkntfs', ['-F', '-Q', '-q', img]);
      else run('mkfs.fat', ['-F', '32', img]);
      const dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8', timeout: 20_000 }).trim();
      // fusefat mounts read-only unless asked for rw+.
      const o = [...(kind === 'fat' ? ['rw+'] : []), ...(opts.mountOptions ? [opts.mountOptions] : [])];
      const daemon = { exfat: 'mount.exfat-fuse', ntfs: 'ntfs-3g', fat: 'fusefat' }[kind];
      run(daemon, [...(o.length ? ['-o', o.join(',')] : []), dev, mnt], 20_000);
      if (!isMounted(mnt)) throw new Error(`${kind} did not mount`);
    } else {
      const img = path.join(base, 'image');
      rec.img = img;
      run('truncate', ['-s', `${size}M`, img]);
      if (kind === 'btrfs') run('mkfs.btrfs', ['-f', '-q', img]);
      else if (kind === 'xfs') run('mkfs.xfs', ['-f', '-q', '-m', 'reflink=1', img]);
      else run('mkfs.ext4', ['-F', '-q', img]);
      run('mount', ['-o', `loop${extra[0]}`, img, mnt]);
    }
  } catch (e) {
    cleanupSync(rec);
    const err = e as Error & { stderr?: Buffer };
    throw new Error(`makeMount(${kind}, ${size}): ${err.message}${err.stderr ? `: ${err.stderr.toString().trim()}` : ''}`);
  }
  return {
    dir: mnt,
    kind,
    sizeMiB: size,
    cleanup: async () => cleanupSync(rec),
  };
}

/**
 * An ext4 filesystem whose writes succeed into the page cache and then fail at write-back: its
 * image is a sparse file of `fsMiB` on a tmpfs of only `backingMiB` (ENGINE-FACTS.md, "Durability").
 * Writing more than the backing holds, then syncing, gives EIO/ENOSPC at write-back time, and
 * the data is lost once the page cache is dropped. The kernel aborts the ext4 journal on the first
 * such error, so each test needs a fresh one.
 */
export async function makeWritebackFailingMount(backingMiB = 48, fsMiB = 1024): Promise<Mount> {
  if (!isRoot()) throw new Error('makeWritebackFailingMount needs root');
  if (counter === 0) sweepStale();
  hook();
  const base = path.join(os.tmpdir(), `${PREFIX}wbfail-${process.pid}-${++counter}-${randomBytes(4).toString('hex')}`);
  const mnt = path.join(base, 'mnt');
  const inner = path.join(base, 'inner');
  mkdirSync(mnt, { recursive: true });
  mkdirSync(inner);
  const img = path.join(inner, 'image');
  const rec: Record_ = { base, mnt, img, inner, fuse: false, done: false };
  live.add(rec);
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${backingMiB}m,mode=0755`, 'tmpfs', inner]);
    run('truncate', ['-s', `${fsMiB}M`, img]);
    run('mkfs.ext4', ['-F', '-q', img]);
    run('mount', ['-o', 'loop', img, mnt]);
  } catch (e) {
    cleanupSync(rec);
    throw new Error(`makeWritebackFailingMount: ${(e as Error).message}`);
  }
  return { dir: mnt, kind: 'ext4', sizeMiB: fsMiB, cleanup: async () => cleanupSync(rec) };
}

/** Drops the page cache (clean pages, dentries and inodes) so later reads come from the device. */
export function dropCaches(): void {
  execFileSync('sync');
  execFileSync('sh', ['-c', 'echo 3 > /proc/sys/vm/drop_caches']);
}

/**
 * Makes reads of `file` (on a btrfs loop mount made by makeMount) fail with EIO: unmounts the
 * filesystem, overwrites one 4 KiB block of the file's data in the image (btrfs then finds a
 * checksum mismatch), and mounts it again. `blockIndex` is the file's block to damage. There is
 * no device-mapper here, so this is how a real EIO is made.
 */
export function corruptBtrfsFileBlock(m: Mount, file: string, blockIndex = 0): void {
  if (m.kind !== 'btrfs') throw new Error('corruptBtrfsFileBlock needs a btrfs mount');
  const img = path.join(path.dirname(m.dir), 'image');
  execFileSync('sync');
  const frag = execFileSync('filefrag', ['-v', '-b4096', file], { encoding: 'utf8' });
  // "   0:        0..     255:       3328..      3583:    256: ..." (file blocks: physical blocks)
  const rows = [...frag.matchAll(/^\s*\d+:\s+(\d+)\.\.\s*(\d+):\s+(\d+)\.\./gm)];
  const row = rows.find((r) => Number(r[1]) <= blockIndex && blockIndex <= Number(r[2]));
  if (!row) throw new Error(`corruptBtrfsFileBlock: block ${blockIndex} of ${file} has no extent (inline or a hole?)`);
  const logical = (Number(row[3]) + blockIndex - Number(row[1])) * 4096;
  run('umount', [m.dir]);
  const map = execFileSync('btrfs-map-logical', ['-l', String(logical), img], { encoding: 'utf8' });
  const phys = /physical (\d+)/.exec(map);
  if (!phys) throw new Error(`corruptBtrfsFileBlock: btrfs-map-logical said: ${map.trim()}`);
  // Flip the block's bytes (zeros could match a zero block's checksum).
  run('dd', ['if=/dev/urandom', `of=${img}`, 'bs=4096', `seek=${Number(phys[1]) / 4096}`, 'count=1', 'conv=notrunc', 'status=none']);
  run('mount', ['-o', 'loop', img, m.dir]);
}

/** Remounts a mount read-only or read-write (loop filesystems and tmpfs; not bindfs). */
export function remount(m: Mount, mode: 'ro' | 'rw'): void {
  run('mount', ['-o', `remount,${mode}`, m.dir]);
}

/** Unmounts everything this process mounted. */
export async function cleanupAll(): Promise<void> {
  for (const r of [...live]) cleanupSync(r);
}

/** Number of mounts this process still holds (tests assert 0 after cleanup). */
export function liveMountCount(): number {
  return live.size;
}

export async function sha256File(p: string | Buffer): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(p, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Writes a user.* xattr with setfattr; false when the filesystem refuses (e.g. ENOTSUP). */
export function setXattr(file: string, name: string, value: string): boolean {
  return tryRun('setfattr', ['-n', name, '-v', value, file]);
}

/** Reads one xattr's value with getfattr, or null when it is absent / unsupported. */
export function getXattr(file: string, name: string): string | null {
  const r = spawnSync('getfattr', ['--only-values', '-n', name, file], { encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : null;
}

/** Lists leftovers of the engine's temp files (`.ferry-*`) anywhere under `dir`. */
export function findTemps(dir: string): string[] {
  const r = spawnSync('find', [dir, '-name', '.ferry-*'], { encoding: 'utf8', timeout: 30_000 });
  return (r.stdout ?? '').split('\n').filter(Boolean);
}
