// Where the copy method matters: loop-mounted filesystems with the native engine (root only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { JobSummary, LogRecord } from '../../electron/contract.js';
import { makeMount, type Mount } from '../helpers/mounts.js';
import { Harness, listFiles, makeTree, needsRootNative, tmpdir } from './helpers.js';

const opts = (o: Record<string, unknown> = {}) => ({ method: 'auto', conflict: 'ask', verify: false, fsync: false, preserve: true, ...o }) as const;

async function withMounts(kinds: { kind: 'btrfs' | 'xfs' | 'ext4' | 'tmpfs'; mib: number }[], fn: (m: Mount[]) => Promise<void>): Promise<void> {
  const ms: Mount[] = [];
  try {
    for (const k of kinds) ms.push(await makeMount(k.kind, k.mib));
    await fn(ms);
  } finally {
    for (const m of ms) await m.cleanup();
  }
}

test('btrfs → btrfs: reflink is logged, counted as saved, and its bytes do not need free space', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'btrfs', mib: 256 }], async ([b]) => {
    const src = path.join(b!.dir, 'src');
    const dst = path.join(b!.dir, 'dst');
    fs.mkdirSync(dst, { recursive: true });
    makeTree(src, 3, 45 * 1024 * 1024, 10); // 135 MiB on a 256 MiB filesystem (~175 MiB usable)
    execFileSync('sync', ['-f', dst]);
    const sf = fs.statfsSync(dst);
    const free = sf.bavail * sf.bsize;
    assert.ok(free < 135 * 1024 * 1024, `a plain copy would not fit (free ${free})`);
    const h = new Harness();
    try {
      const { jobId } = await h.svc.start({ kind: 'copy', sources: [src], destDir: dst, options: opts() });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'done', JSON.stringify(j.error));
      assert.equal(j.byMethod.reflink?.files, 3);
      assert.equal(j.bytesReflinked, 135 * 1024 * 1024);
      const log = await h.svc.logRead({ offset: 0, limit: 100, method: 'reflink' });
      assert.equal(log.records.filter((r) => r.type === 'file').length, 3);
      for (const f of listFiles(src)) assert.ok(fs.readFileSync(path.join(src, f)).equals(fs.readFileSync(path.join(dst, 'src', f))));
    } finally {
      await h.dispose();
    }
  });
});

test('free-space check: refuses before copying anything, with a clear ENOSPC message', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'ext4', mib: 32 }], async ([e]) => {
    const src = tmpdir();
    makeTree(path.join(src, 'big'), 5, 10 * 1024 * 1024, 10); // 50 MiB into 32 MiB
    const h = new Harness();
    try {
      const before = fs.readdirSync(e!.dir);
      const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'big')], destDir: e!.dir, options: opts() });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'failed');
      assert.equal(j.error?.code, 'ENOSPC');
      assert.match(j.error!.message, /^ENOSPC: not enough space: needs 50 MiB, [\d.]+ MiB free, statfs '/);
      assert.equal(j.error?.path, e!.dir);
      assert.deepEqual(fs.readdirSync(e!.dir), before, 'nothing copied');
      // The job's failure is in the log too: "Errors only" shows why it failed.
      const errs = await h.svc.logRead({ offset: 0, limit: 10, errorsOnly: true });
      assert.deepEqual(errs.records.map((r) => [r.scope, r.error?.code, r.jobId, r.dest]), [['job', 'ENOSPC', jobId, e!.dir]]);
      assert.deepEqual([j.filesDone, j.filesNotStarted, j.filesTotal], [0, 5, 5], 'nothing copied: all 5 not started');
    } finally {
      await h.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
});

test('ext4 → xfs: the log records the fallback chain (copy_file_range EXDEV, then splice)', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'ext4', mib: 64 }, { kind: 'xfs', mib: 300 }], async ([e, x]) => {
    makeTree(path.join(e!.dir, 'src'), 6, 1024 * 1024, 10);
    const h = new Harness();
    try {
      const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(e!.dir, 'src')], destDir: x!.dir, options: opts() });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'done', JSON.stringify(j.error));
      const recs = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r) => r.type === 'file');
      assert.equal(recs.length, 6);
      for (const r of recs) {
        assert.equal(r.method, 'splice', JSON.stringify(r.attempts));
        const i = r.attempts.findIndex((a) => a.method === 'copy_file_range');
        assert.ok(i >= 0 && r.attempts[i]!.errno === 'EXDEV', JSON.stringify(r.attempts));
        assert.deepEqual(r.attempts[r.attempts.length - 1], { ...r.attempts[r.attempts.length - 1]!, method: 'splice', outcome: 'ok' });
      }
      assert.equal((await h.svc.logRead({ offset: 0, limit: 100, jobId, fellBack: true })).total, 6);
      assert.equal(j.byMethod.splice?.files, 6);
      const csv = (await h.svc.logExport({ format: 'csv', jobId })).content;
      assert.match(csv, /copy_file_range:EXDEV>splice:ok/);
    } finally {
      await h.dispose();
    }
  });
});

test('move across filesystems: each source disappears only after its copy is complete', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'tmpfs', mib: 64 }, { kind: 'ext4', mib: 64 }], async ([t, e]) => {
    const src = path.join(t!.dir, 'm');
    const files = makeTree(src, 40, 256 * 1024, 10);
    const content = new Map(files.map((f) => [f, fs.readFileSync(f)]));
    const dest = (f: string) => path.join(e!.dir, 'm', path.relative(src, f));
    const h = new Harness();
    let checks = 0;
    h.onEvent = () => {
      for (const f of files) {
        if (fs.existsSync(f)) continue;
        checks++;
        assert.ok(fs.readFileSync(dest(f)).equals(content.get(f)!), `source gone only after its copy: ${f}`);
      }
    };
    try {
      const { jobId } = await h.svc.start({ kind: 'move', sources: [src], destDir: e!.dir, options: opts() });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'done', JSON.stringify(j.error));
      assert.ok(!fs.existsSync(src), 'source tree removed');
      for (const f of files) assert.ok(fs.readFileSync(dest(f)).equals(content.get(f)!));
      assert.ok(checks > 0);
    } finally {
      await h.dispose();
    }
  });
});

test('verified move across filesystems: sources deleted after verification, records verified', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'tmpfs', mib: 64 }, { kind: 'ext4', mib: 64 }], async ([t, e]) => {
    const src = path.join(t!.dir, 'v');
    const files = makeTree(src, 12, 100 * 1024, 4);
    const content = new Map(files.map((f) => [f, fs.readFileSync(f)]));
    const h = new Harness();
    try {
      const { jobId } = await h.svc.start({ kind: 'move', sources: [src], destDir: e!.dir, options: opts({ verify: true }) });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'done', JSON.stringify(j.error));
      assert.ok(!fs.existsSync(src), 'source tree removed');
      for (const f of files) assert.ok(fs.readFileSync(path.join(e!.dir, 'v', path.relative(src, f))).equals(content.get(f)!));
      const recs = (await h.svc.logRead({ offset: 0, limit: 100, jobId })).records.filter((r: LogRecord) => r.type === 'file');
      assert.equal(recs.length, 12);
      assert.ok(recs.every((r) => r.verified === true));
    } finally {
      await h.dispose();
    }
  });
});

test('jobs on different devices run in parallel; on one device they wait', { skip: needsRootNative }, async () => {
  await withMounts([{ kind: 'tmpfs', mib: 64 }, { kind: 'tmpfs', mib: 64 }], async ([a, b]) => {
    const src = tmpdir();
    makeTree(path.join(src, 's'), 50, 10_000, 10);
    // j1's tree is big enough to be still measuring when the pause arrives (then the engine starts
    // paused); 50 small files could be copied before it, under load.
    makeTree(path.join(src, 'big'), 3000, 4096, 300);
    const h = new Harness();
    try {
      const j1 = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'big')], destDir: a!.dir, options: opts() });
      await h.svc.control({ jobId: j1.jobId, action: 'pause' }); // holds device a
      const j2 = await h.svc.start({ kind: 'copy', sources: [path.join(src, 's')], destDir: b!.dir, options: opts() });
      const j3 = await h.svc.start({ kind: 'copy', sources: [path.join(src, 's')], destDir: path.join(a!.dir), options: opts({ conflict: 'skip' }) });
      const s2 = await h.finished(j2.jobId);
      assert.equal(s2.state, 'done', 'another device runs while device a is busy');
      assert.equal(h.job(j3.jobId).state, 'queued', 'same device waits');
      assert.equal(h.job(j1.jobId).state, 'paused');
      await h.svc.control({ jobId: j1.jobId, action: 'resume' });
      await h.finished(j1.jobId);
      const s3: JobSummary = await h.finished(j3.jobId);
      assert.equal(s3.state, 'done');
    } finally {
      await h.dispose();
      fs.rmSync(src, { recursive: true, force: true });
    }
  });
});
