// Helpers for the native engine tests (test/native/*.test.ts): run a job to completion, hash files,
// make loop/tmpfs mounts (root only) and clean them up.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startJob, type EngineEvent, type FileRecord, type JobResult, type RunningJob, type StartOptions } from '../../native/index.js';

export const isRoot = process.getuid?.() === 0;
export const NEEDS_ROOT = isRoot ? false : 'needs root for loop mounts';

export interface Run {
  result: JobResult;
  records: FileRecord[];
  events: EngineEvent[];
  doneCalls: number;
}

/** Runs a job to the end; `onEvent` sees each event as it arrives (with the job handle). */
export async function run(
  pairs: { src: string; dest: string }[],
  opts: StartOptions = {},
  onEvent?: (e: EngineEvent, job: RunningJob) => void,
): Promise<Run> {
  const events: EngineEvent[] = [];
  const records: FileRecord[] = [];
  let job!: RunningJob;
  job = startJob(pairs, {
    ...opts,
    onEvents: (evs) => {
      for (const e of evs) {
        events.push(e);
        if (e.type === 'files') records.push(...e.records);
        onEvent?.(e, job);
      }
    },
  });
  const result = await job.done;
  return { result, records, events, doneCalls: 1 };
}

export async function copyOne(src: string, dest: string, opts: StartOptions = {}): Promise<FileRecord> {
  const r = await run([{ src, dest }], opts);
  const rec = r.records.find((x) => x.src === src);
  if (!rec) throw new Error(`no record for ${src}: ${JSON.stringify(r.records)}`);
  return rec;
}

export function sha256(p: string): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

export function tmpDir(prefix = 'ferry-native-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Mounts made by one test file; `cleanup()` unmounts them all (lazy) and removes the images. */
export class Mounts {
  readonly base = tmpDir('ferry-mnt-');
  private mounted: string[] = [];
  private images: string[] = [];

  /** A loop mount of a fresh filesystem image (sparse file, so it costs little disk). */
  loop(kind: 'btrfs' | 'xfs' | 'ext4', sizeMiB = kind === 'xfs' ? 320 : kind === 'btrfs' ? 128 : 64): string {
    const img = path.join(this.base, `${kind}-${this.images.length}.img`);
    const dir = path.join(this.base, `${kind}-${this.images.length}`);
    fs.mkdirSync(dir);
    execFileSync('truncate', ['-s', `${sizeMiB}M`, img]);
    this.images.push(img);
    if (kind === 'btrfs') sh('mkfs.btrfs', ['-q', '-f', img]);
    else if (kind === 'xfs') sh('mkfs.xfs', ['-q', '-f', '-m', 'reflink=1', img]);
    else sh('mkfs.ext4', ['-q', '-F', img]);
    sh('mount', ['-o', 'loop', img, dir]);
    this.mounted.push(dir);
    return dir;
  }

  tmpfs(sizeMiB = 64, extra: string[] = []): string {
    const dir = path.join(this.base, `tmpfs-${this.mounted.length}`);
    fs.mkdirSync(dir);
    sh('mount', ['-t', 'tmpfs', '-o', [`size=${sizeMiB}m`, ...extra].join(','), 'tmpfs', dir]);
    this.mounted.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const m of this.mounted.reverse()) {
      try {
        sh('umount', ['-l', m]);
      } catch {
        /* already gone */
      }
    }
    this.mounted = [];
    fs.rmSync(this.base, { recursive: true, force: true });
  }
}

/** Files in a folder whose name says they are one of the engine's temps. */
export function tempLeftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n.startsWith('.ferry-'));
}

export function writeRandom(p: string, bytes: number): void {
  const fd = fs.openSync(p, 'w');
  const chunk = 1 << 20;
  for (let off = 0; off < bytes; off += chunk) {
    const n = Math.min(chunk, bytes - off);
    fs.writeSync(fd, randomBlock(n, off));
  }
  fs.closeSync(fd);
}

function randomBlock(n: number, seed: number): Buffer {
  // Cheap, deterministic, incompressible enough: xorshift.
  const b = Buffer.allocUnsafe(n);
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i + 4 <= n; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b.writeUInt32LE(x, i);
  }
  for (let i = n - (n % 4); i < n; i++) b[i] = i & 0xff;
  return b;
}
