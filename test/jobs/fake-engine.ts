// A small JS stand-in for the native engine with the same interface (startJob/explain), used only
// when the native engine is not built, so the queue logic stays testable. Every file is 'buffered'.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { ConflictDecision, CopyPair, EngineEvent, Explanation, FileRecord, JobResult, RunningJob, StartOptions } from '../../native/index.js';
import type { EngineApi } from '../../electron/jobs/service.js';

export const fakeEngine: EngineApi = {
  explain(src: string, dest: string): Explanation {
    return { src, dest, type: 'file', method: 'buffered', chain: ['buffered'], reason: 'fake engine' };
  },
  startJob(pairs: CopyPair[], opts: StartOptions = {}): RunningJob {
    let paused = false;
    let cancelled = false;
    let skip = false;
    let nextConflict = 1;
    const waiting = new Map<number, (d: ConflictDecision) => void>();
    let applyAll: ConflictDecision | null = null;
    let buf: EngineEvent[] = [];
    let filesDone = 0;
    let bytesDone = 0;
    let filesFailed = 0;
    const flush = () => {
      if (buf.length) {
        const b = buf;
        buf = [];
        opts.onEvents?.(b);
      }
    };
    const timer = setInterval(() => {
      buf.push({ type: 'progress', filesDone, bytesDone, current: [], paused });
      flush();
    }, 50);
    const gate = async () => {
      while (paused && !cancelled) await new Promise((r) => setTimeout(r, 10));
    };
    const rec = (r: Partial<FileRecord> & { src: string; dest: string }): void => {
      const full: FileRecord = { type: 'file', size: 0, bytes: 0, method: null, attempts: [], sparse: false, ms: 0, ok: true, skipped: false, error: null, warnings: [], ...r };
      buf.push({ type: 'files', records: [full] });
    };
    const copyFile = async (src: string, dest: string, st: fs.Stats) => {
      await gate();
      if (cancelled) return;
      let target = dest;
      if (fs.existsSync(dest)) {
        let d: ConflictDecision | null = applyAll;
        const policy = opts.conflict ?? 'error';
        if (!d && policy !== 'ask') d = policy === 'error' ? null : (policy as ConflictDecision);
        if (!d && policy === 'ask') {
          const dst = fs.statSync(dest);
          const id = nextConflict++;
          buf.push({ type: 'conflict', conflictId: id, src, dest, srcSize: st.size, srcMtimeMs: st.mtimeMs, destSize: dst.size, destMtimeMs: dst.mtimeMs });
          flush();
          d = await new Promise<ConflictDecision>((r) => waiting.set(id, r));
        }
        if (!d) {
          filesFailed++;
          return rec({ src, dest, size: st.size, ok: false, error: { code: 'EEXIST', message: 'exists' } });
        }
        if (d === 'cancel') {
          cancelled = true;
          return;
        }
        if (d === 'skip' || (d === 'newer' && fs.statSync(dest).mtimeMs >= st.mtimeMs)) {
          filesDone++;
          return rec({ src, dest, size: st.size, skipped: true });
        }
        if (d === 'rename') {
          let i = 1;
          const ext = path.extname(dest);
          while (fs.existsSync(target)) target = `${dest.slice(0, dest.length - ext.length)} (${i++})${ext}`;
        }
      }
      const t0 = Date.now();
      if (opts.move && fs.statSync(path.dirname(target)).dev === st.dev) {
        await fsp.rename(src, target);
      } else {
        const tmp = `${target}.ferry-tmp`;
        await fsp.copyFile(src, tmp);
        if (skip || cancelled) {
          skip = false;
          await fsp.unlink(tmp);
          if (cancelled) return;
          filesDone++;
          return rec({ src, dest: target, size: st.size, skipped: true });
        }
        if (opts.preserve !== false) await fsp.utimes(tmp, st.atime, st.mtime);
        await fsp.rename(tmp, target);
        if (opts.move) await fsp.unlink(src);
      }
      filesDone++;
      bytesDone += st.size;
      rec({ src, dest: target, size: st.size, bytes: st.size, method: 'buffered', attempts: [{ method: 'buffered', outcome: 'ok', errno: null, bytes: st.size }], ms: Date.now() - t0 });
    };
    const walk = async (src: string, dest: string): Promise<void> => {
      if (cancelled) return;
      const st = await fsp.lstat(src);
      if (st.isDirectory()) {
        await fsp.mkdir(dest, { recursive: true });
        for (const name of (await fsp.readdir(src)).sort()) await walk(path.join(src, name), path.join(dest, name));
        if (!cancelled) rec({ src, dest, type: 'dir' });
        if (opts.move && !cancelled) await fsp.rmdir(src).catch(() => {});
      } else await copyFile(src, dest, st);
    };
    const done = (async (): Promise<JobResult> => {
      try {
        for (const p of pairs) await walk(p.src, p.dest);
      } finally {
        clearInterval(timer);
        flush();
      }
      return { filesDone, filesFailed, bytesDone, cancelled };
    })();
    return {
      done,
      pause: () => (paused = true),
      resume: () => (paused = false),
      cancel: () => {
        cancelled = true;
        for (const [id, r] of waiting) {
          waiting.delete(id);
          r('cancel');
        }
      },
      skipCurrent: () => (skip = true),
      resolveConflict: (id, d, all) => {
        if (all) applyAll = d;
        const r = waiting.get(id);
        waiting.delete(id);
        r?.(d);
      },
    };
  },
};
