// A job's verification pass: each file the engine reports copied is re-read with its source
// (native/verify.ts, xxHash64) while the engine goes on with the next ones. A record is final,
// and goes to the log, only once it has been verified. For a verified move across filesystems the
// source is deleted only after its copy read back equal.
//
// A new folder is built under a hidden name and gets its final name only when the engine has
// finished it, so a record's destination may not exist yet when the record arrives: such a file
// is verified once the engine run that copied it has ended.
import { fsp } from '../../native/user-fs.js';
import type { CopyOptions, JobFileRecord as FileRecord } from '../contract.js';
import { decodeEnginePath } from '../../native/index.js';
import { verifyPair, type VerifyResult } from '../../native/verify.js';
import type { Job } from './job.js';
import type { Run } from './planner.js';
import { SpeedMeter } from './speed.js';
import { noVerifyProgress, type VerifyProgress } from './summary.js';
import { fsFailure } from '../wire-paths.js';

/**
 * Whether a record gets verified: a file really copied in a copy run (a move run's sources are
 * gone), or one a resumed copy found already complete (adopted).
 */
export function wantsVerify(o: Pick<CopyOptions, 'verify'>, run: Pick<Run, 'move'> & { adopted?: ReadonlySet<string> }, r: FileRecord): boolean {
  return o.verify && !run.move && r.ok && !r.skipped && r.type === 'file' && (r.method !== null || (run.adopted?.has(r.dest) ?? false));
}

/**
 * The record after verification:
 * - equal: `verified: true`;
 * - different: a failure, `verified: false`, error EVERIFY;
 * - unreadable: a failure (nothing is known about the copy), `verified: null`, the read error;
 * - cancelled: unchanged, `verified: null`.
 */
export function verifiedRecord(rec: FileRecord, v: VerifyResult): FileRecord {
  if (v.ok) return { ...rec, verified: true };
  if (v.outcome === 'cancelled') return { ...rec, verified: null };
  const { ok: _ok, outcome: _outcome, mismatch: _mismatch, ...error } = v;
  return { ...rec, ok: false, verified: v.outcome === 'different' ? false : null, error };
}

async function exists(p: Buffer): Promise<boolean> {
  try {
    await fsp.lstat(p);
    return true;
  } catch {
    return false;
  }
}

export class Verifier {
  progress: VerifyProgress = noVerifyProgress();
  /** Re-read speed (bytes of the copy, i.e. half of what is read). */
  readonly meter = new SpeedMeter(3000);
  readonly #job: Job;
  readonly #changed: () => void;
  #queue: { rec: FileRecord; run: Run }[] = [];
  #loop: Promise<void> | null = null;
  /** Engine runs still going, and how to wait for their end. */
  #running = new Map<Run, { ended: Promise<void>; end: () => void }>();

  constructor(job: Job, changed: () => void) {
    this.#job = job;
    this.#changed = changed;
  }

  /** Starts a new run's verification (progress from zero). */
  reset(): void {
    this.progress = noVerifyProgress();
    this.meter.reset();
  }

  /** The engine starts `run`: its records may name destinations that are published at its end. */
  runStarted(run: Run): void {
    let end!: () => void;
    const ended = new Promise<void>((r) => (end = r));
    this.#running.set(run, { ended, end });
  }

  /** The engine run ended (done, failed or cancelled): whatever it published has its final name. */
  runEnded(run: Run): void {
    this.#running.get(run)?.end();
    this.#running.delete(run);
  }

  add(rec: FileRecord, run: Run): void {
    this.#queue.push({ rec, run });
    this.progress.filesTotal++;
    this.progress.bytesTotal += rec.size;
    this.#loop ??= this.#drain().finally(() => (this.#loop = null));
  }

  /** Files waiting or being verified. */
  get busy(): boolean {
    return this.#queue.length > 0 || this.#loop !== null;
  }

  /** Resolves when every file added so far is verified (or the job was cancelled). */
  async idle(): Promise<void> {
    await this.#loop;
  }

  async #drain(): Promise<void> {
    const job = this.#job;
    const p = this.progress;
    while (this.#queue.length > 0) {
      const { rec, run } = this.#queue.shift()!;
      if (job.cancelRequested) {
        job.finish({ ...rec, verified: null });
        continue;
      }
      const running = this.#running.get(run);
      if (running && !(await exists(decodeEnginePath(rec.dest)))) await running.ended;
      const v = await verifyPair(decodeEnginePath(rec.src), decodeEnginePath(rec.dest), rec.src, rec.dest, {
        gate: () => job.gate(),
        onBytes: (n) => {
          p.bytesRead += n;
          this.meter.sample(p.bytesRead / 2);
        },
      });
      p.filesDone++;
      let out = verifiedRecord(rec, v);
      if (v.ok && run.deleteAfterVerify) {
        try {
          await fsp.unlink(decodeEnginePath(rec.src));
        } catch (e) {
          // Not moved until the source is gone: the verified copy stays, the item is a failure.
          out = { ...out, ok: false, error: fsFailure(e, 'unlink', rec.src), warnings: [...out.warnings, 'the copy is complete and verified, but its source could not be removed'] };
        }
      }
      job.live.add(out);
      job.finish(out);
      if (job.logBuf.length >= 256) job.flushLog();
      this.#changed();
    }
    job.flushLog();
  }
}
