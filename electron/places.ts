// The places list: the mounted filesystems from /proc/self/mountinfo, each with what the engine
// knows and finds about it (its type, free space, and its copy capabilities tried on the spot:
// O_TMPFILE and FICLONE through native probeCopy(); copy_file_range across filesystems from the
// engine's one table). Pseudo and system mounts are marked so the UI hides them by default.
//
// statfs on a network mount whose server is gone can block for minutes, so the mounts are
// examined in a worker thread; a mount that has not answered within PROBE_MS is listed with an
// error instead of holding the reply (and the worker is let go).
//
// This file is both sides: imported, it exports `listPlaces`; run as the worker, it examines the
// mount points it is sent and answers one message per mount.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { CopyCaps, MountPlace, Places, WireError } from './contract.js';
import { FerryError, toWireError } from '../native/errors.js';

const ROLE = 'ferry-places';
/** How long the list waits for the mounts to be examined. */
const PROBE_MS = 4000;

/** Filesystem types that hold no user files (mountinfo's spelling). */
const PSEUDO_TYPES = new Set([
  'proc', 'sysfs', 'devtmpfs', 'devpts', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'pstore', 'bpf',
  'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'binfmt_misc', 'autofs', 'efivarfs', 'nsfs', 'rpc_pipefs', 'selinuxfs',
  'tracefs', 'ramfs', 'overlay.system', 'nfsd', 'rootfs',
]);
/** Places under these folders are the system's (except removable media under /run/media and /media). */
const SYSTEM_PREFIXES = ['/proc', '/sys', '/dev', '/run', '/boot', '/snap', '/var/snap', '/var/lib/docker', '/var/lib/containers'];
const USER_UNDER_SYSTEM = ['/run/media/', '/run/mount/'];

export interface MountLine {
  mountPoint: string;
  /** Path inside the filesystem that is mounted here ("/" for a whole filesystem, else a bind mount). */
  root: string;
  fsType: string;
  source: string;
  readOnly: boolean;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-3][0-7]{2})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** The lines of /proc/self/mountinfo (proc(5)), in its order. */
export function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const a = line.slice(0, sep).split(' ');
    const b = line.slice(sep + 3).split(' ');
    if (a.length < 6 || b.length < 2) continue;
    out.push({
      root: unescapeMount(a[3]!),
      mountPoint: unescapeMount(a[4]!),
      readOnly: a[5]!.split(',').includes('ro'),
      fsType: b[0]!,
      source: unescapeMount(b[1]!),
    });
  }
  return out;
}

function readMountinfo(): MountLine[] {
  try {
    return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
  } catch {
    return [];
  }
}

export function isPseudoType(fsType: string): boolean {
  return PSEUDO_TYPES.has(fsType);
}

/** Whether a mount is the system's rather than a place for the user's files. */
export function isSystemMount(m: MountLine): boolean {
  if (isPseudoType(m.fsType)) return true;
  const p = m.mountPoint;
  if (USER_UNDER_SYSTEM.some((u) => p.startsWith(u))) return false;
  if (SYSTEM_PREFIXES.some((s) => p === s || p.startsWith(`${s}/`))) return true;
  // squashfs images (snaps, live media) and a container's bind-mounted single files (/etc/hosts).
  if (m.fsType === 'squashfs') return true;
  if (/^\/etc(\/|$)/.test(p)) return true;
  return false;
}

/** Mount points of pseudo filesystems (a search does not walk into them). */
export function pseudoMountPoints(): string[] {
  return readMountinfo().filter((m) => isPseudoType(m.fsType)).map((m) => m.mountPoint);
}

interface Ask {
  mounts: { mountPoint: string; probe: boolean }[];
}
interface Answer {
  mountPoint: string;
  fsType?: string;
  totalBytes?: number;
  freeBytes?: number;
  caps?: CopyCaps | null;
  error?: WireError;
}

/** Examines one mount with the engine (runs in the worker, or inline when no worker can start). */
async function examine(mountPoint: string, probe: boolean): Promise<Answer> {
  const native = await import('../native/index.js');
  try {
    const info = native.fsInfo(mountPoint);
    let caps: CopyCaps | null = null;
    if (probe) {
      let tried: { tmpfile: boolean | null; reflink: boolean | null } = { tmpfile: null, reflink: null };
      try {
        tried = native.probeCopy(mountPoint);
      } catch {
        /* not a folder we may open: by type only */
      }
      caps = { reflink: tried.reflink, reflinkByType: info.reflink, copyFileRangeAcross: info.cfrCrossFs, tmpfile: tried.tmpfile };
    }
    return { mountPoint, fsType: info.subtype ? `${info.type} (${info.subtype})` : info.type, totalBytes: info.totalBytes, freeBytes: info.availBytes, caps };
  } catch (e) {
    return { mountPoint, error: toWireError(e) };
  }
}

/** Runs the examination in a worker; resolves with what answered within `ms`. */
function examineAll(mounts: Ask['mounts'], ms: number): Promise<Map<string, Answer>> {
  const got = new Map<string, Answer>();
  if (mounts.length === 0) return Promise.resolve(got);
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL(import.meta.url), { workerData: ROLE });
    } catch {
      // No worker (an unusual packaging): examine inline.
      void Promise.all(mounts.map(async (m) => got.set(m.mountPoint, await examine(m.mountPoint, m.probe)))).then(() => resolve(got));
      return;
    }
    worker.unref();
    const finish = () => {
      clearTimeout(timer);
      worker.removeAllListeners();
      void worker.terminate().catch(() => {});
      resolve(got);
    };
    const timer = setTimeout(finish, ms);
    worker.on('message', (a: Answer) => {
      got.set(a.mountPoint, a);
      if (got.size === mounts.length) finish();
    });
    worker.on('error', finish);
    worker.on('exit', finish);
    worker.postMessage({ mounts } satisfies Ask);
  });
}

/** Home and every mount (system ones marked), examined by the engine. */
export async function listPlaces(opts: { probeMs?: number } = {}): Promise<Places> {
  const lines = readMountinfo();
  // A filesystem mounted twice at one point: the last mount is the one seen there.
  const byPoint = new Map<string, MountLine>();
  for (const m of lines) byPoint.set(m.mountPoint, m);
  const mounts = [...byPoint.values()].sort((a, b) => (a.mountPoint < b.mountPoint ? -1 : 1));
  const answers = await examineAll(
    mounts.filter((m) => !isPseudoType(m.fsType)).map((m) => ({ mountPoint: m.mountPoint, probe: !isSystemMount(m) && !m.readOnly })),
    opts.probeMs ?? PROBE_MS,
  );
  const places: MountPlace[] = mounts.map((m) => {
    const a = answers.get(m.mountPoint);
    const system = isSystemMount(m);
    const place: MountPlace = {
      mountPoint: m.mountPoint,
      fsType: a?.fsType ?? m.fsType,
      mountType: m.fsType,
      source: m.source,
      readOnly: m.readOnly,
      totalBytes: a?.totalBytes ?? 0,
      freeBytes: a?.freeBytes ?? 0,
      system,
      caps: a?.caps ?? null,
    };
    if (a?.error) place.error = a.error;
    else if (!a && !isPseudoType(m.fsType)) {
      place.error = toWireError(new FerryError('ETIMEDOUT', `did not answer within ${(opts.probeMs ?? PROBE_MS) / 1000} s (a network filesystem whose server is gone?)`, { path: m.mountPoint, syscall: 'statfs' }));
    }
    return place;
  });
  return { home: os.homedir(), mounts: places };
}

if (!isMainThread && workerData === ROLE && parentPort) {
  const port = parentPort;
  port.on('message', (ask: Ask) => {
    void (async () => {
      for (const m of ask.mounts) port.postMessage(await examine(m.mountPoint, m.probe));
    })();
  });
}
