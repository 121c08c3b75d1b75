// Shared by the job-service tests: a JobService on a temp data dir with a recording emit, the
// native engine (a missing build fails these tests: npm install builds it), loop mounts, and
// waits that resolve on events, never on timers.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as native from '../../native/index.js';
import type { EngineEvent, RunningJob } from '../../native/index.js';
import type { Emit, EventName, Events, JobState, JobSummary } from '../../electron/contract.js';
import { JobService, type EngineApi, type JobServiceOptions } from '../../electron/jobs/service.js';

export const engine: EngineApi = { startJob: native.startJob, explain: native.explain, scan: native.scan };

/**
 * The native engine with `spy` called on each batch of events before the service sees it, with
 * the engine job's handle: to tamper with a copy the engine just reported, or to hold the job.
 */
export function engineWith(spy: (events: EngineEvent[], job: RunningJob) => void): EngineApi {
  return {
    explain: engine.explain,
    scan: engine.scan,
    startJob(pairs, o = {}) {
      const job = engine.startJob(pairs, {
        ...o,
        onEvents(evs) {
          spy(evs, job);
          o.onEvents?.(evs);
        },
      });
      return job;
    },
  };
}
export const isRoot = process.getuid?.() === 0;
export const needsRootNative = !isRoot ? 'needs root for loop mounts' : false;

export interface Recorded {
  event: EventName;
  payload: unknown;
  t: number;
}

export class Harness {
  events: Recorded[] = [];
  svc: JobService;
  dataDir: string;
  #waiters: { test: () => boolean; resolve: () => void }[] = [];
  onEvent: ((e: Recorded) => void) | null = null;

  constructor(opts: Partial<JobServiceOptions> & { dataDir?: string } = {}) {
    this.dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-jobs-'));
    const emit: Emit = <E extends EventName>(event: E, payload: Events[E]) => {
      const rec = { event, payload, t: Date.now() };
      this.events.push(rec);
      this.onEvent?.(rec);
      this.#waiters = this.#waiters.filter((w) => {
        if (!w.test()) return true;
        w.resolve();
        return false;
      });
    };
    this.svc = new JobService({ engine, threads: 2, ...opts, dataDir: this.dataDir, emit });
  }

  job(id: string): JobSummary {
    const j = this.svc.list().jobs.find((x) => x.id === id);
    if (!j) throw new Error(`no job ${id}`);
    return j;
  }

  /** Resolves once `test` holds (checked after every event). */
  until(test: () => boolean, what = 'condition', ms = 60_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
      this.#waiters.push({
        test,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      });
    });
  }

  untilState(id: string, states: JobState[]): Promise<JobSummary> {
    return this.until(() => states.includes(this.job(id).state), `job ${id} in ${states.join('/')}`).then(() => this.job(id));
  }

  finished(id: string): Promise<JobSummary> {
    return this.untilState(id, ['done', 'failed', 'cancelled', 'interrupted']);
  }

  async dispose(): Promise<void> {
    await this.svc.close();
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export { tmpdir } from '../unit/fixtures.js';

/** Writes `n` files of `size` bytes (distinct contents) under dir, `perDir` per subdirectory. */
export function makeTree(dir: string, n: number, size: number, perDir = 500): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const sub = path.join(dir, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) fs.mkdirSync(sub, { recursive: true });
    const p = path.join(sub, `f${i}.bin`);
    const b = Buffer.alloc(size, i % 251);
    if (size >= 8) b.writeUInt32LE(i, 0);
    fs.writeFileSync(p, b);
    out.push(p);
  }
  return out;
}

/** Lists every regular file under dir, relative, sorted. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

/** The content makeTree gives file number `i`. */
export function treeContent(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, i % 251);
  if (size >= 8) b.writeUInt32LE(i, 0);
  return b;
}

/**
 * Runs a JobService in a child process on `dataDir`, starts one job with `params`, and kills the
 * child with SIGKILL as soon as `killWhen(filesDone, tick)` holds and the job's log has reached the disk
 * (or lets it finish: `killed` false). Returns the job's id.
 */
export interface ChildTick {
  id: string;
  done: number;
  verified: number;
  state: string;
}

export async function runUntilKilled(dataDir: string, params: unknown, killWhen: (filesDone: number, tick: ChildTick) => boolean): Promise<{ jobId: string; killed: boolean; doneAtKill: number }> {
  const helpers = new URL('./helpers.js', import.meta.url).href;
  const script = `
    import { Harness } from ${JSON.stringify(helpers)};
    const h = new Harness({ dataDir: ${JSON.stringify(dataDir)} });
    await h.svc.init();
    h.onEvent = (e) => { if (e.event === 'job.updated') for (const j of e.payload.jobs) process.stdout.write(JSON.stringify({ id: j.id, done: j.filesDone, verified: j.verify?.filesDone ?? 0, state: j.state }) + '\\n'); };
    await h.svc.start(${JSON.stringify(params)});
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let jobId = '';
  let doneAtKill = 0;
  let killed = false;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const m = JSON.parse(buf.slice(0, nl)) as ChildTick;
        buf = buf.slice(nl + 1);
        jobId = m.id;
        const logFile = path.join(dataDir, 'logs', `${m.id}.jsonl`);
        const logged = fs.existsSync(logFile) && fs.statSync(logFile).size > 0;
        if (killWhen(m.done, m) && logged && child.exitCode === null && !child.killed) {
          doneAtKill = m.done;
          killed = true;
          child.kill('SIGKILL');
          return resolve();
        }
        if (m.state === 'done' || m.state === 'failed') {
          child.kill('SIGKILL');
          return resolve();
        }
      }
    });
    child.once('exit', (code, sig) => (sig === 'SIGKILL' ? resolve() : reject(new Error(`child exited early: ${code}`))));
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
  return { jobId, killed, doneAtKill };
}
