// Runs bin/ferry-cp as a child process, the way users do, and parses its NDJSON output.
import { spawn, spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Explanation, VerifiedRecord as FileRecord } from '../../native/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (this file runs from dist/test/helpers). */
export const REPO = path.resolve(here, '..', '..', '..');
export const CLI = path.join(REPO, 'bin', 'ferry-cp');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as NDJSON (only meaningful with --json). */
  records: FileRecord[];
  timedOut: boolean;
}

export interface CliOptions {
  /** Kill the CLI after this long (default 60 s) and report timedOut. */
  timeoutMs?: number;
  cwd?: string;
  /** A command to run the CLI under, e.g. ['setpriv', '--reuid=65534', …] or ['strace', '-f', …]. */
  wrap?: string[];
  /** Another copy of bin/ferry-cp to run (e.g. publicRuntime()'s, for an unprivileged user). */
  cli?: string;
  /** Called with the child once spawned (for signal tests). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
}

function parseNdjson(s: string): FileRecord[] {
  const out: FileRecord[] = [];
  for (const line of s.split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as FileRecord);
    } catch {
      /* not JSON: text mode */
    }
  }
  return out;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliRun> {
  const argv = [process.execPath, opts.cli ?? CLI, ...args];
  const [cmd, ...rest] = opts.wrap ? [...opts.wrap, ...argv] : argv;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, rest, { cwd: opts.cwd ?? REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    opts.onSpawn?.(child);
    const so: Buffer[] = [];
    const se: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => so.push(b));
    child.stderr.on('data', (b: Buffer) => se.push(b));
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(t);
      const stdout = Buffer.concat(so).toString('utf8');
      resolve({ code, signal, stdout, stderr: Buffer.concat(se).toString('utf8'), records: parseNdjson(stdout), timedOut });
    });
  });
}

export function explanations(run: CliRun): Explanation[] {
  return run.records as unknown as Explanation[];
}

/** The one record for `dest` (throws a readable error when missing). */
export function recordFor(run: CliRun, dest: string): FileRecord {
  const r = run.records.find((x) => x.dest === dest);
  if (!r) throw new Error(`no record for ${dest}; exit ${run.code}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`);
  return r;
}

/** Allocated bytes (st_blocks * 512). */
export function allocated(p: string): number {
  return statSync(p).blocks * 512;
}

/** Runs a shell script synchronously and returns stdout; throws with stderr on failure. */
export function sh(script: string, cwd?: string): string {
  const r = spawnSync('bash', ['-euo', 'pipefail', '-c', script], { encoding: 'utf8', cwd, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`sh failed (${r.status}): ${script}\n${r.stderr}`);
  return r.stdout;
}

/** Why the native engine cannot copy here yet, or false when it can. */
export function engineMissing(): string | false {
  const r = spawnSync(process.execPath, ['-e', `import(${JSON.stringify(path.join(REPO, 'dist', 'native', 'index.js'))}).then(m => { m.explain('/', '/tmp/x', 'auto'); })`], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return r.status === 0 ? false : `native engine not usable: ${(r.stderr || '').split('\n').find((l) => l.trim()) ?? 'unknown'}`;
}
