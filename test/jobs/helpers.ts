// Shared by the job-service tests: a JobService on a temp data dir with a recording emit, the
// native engine (a missing build fails these tests: npm install builds it), loop mounts, and
// waits that resolve on events, never on timers.
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
