// "Done" means on disk (issue 9, item 1): the end of a job flushes the destination and checks the
// result. A write-back failure (an ext4 whose image sits on a too-small tmpfs: writes land in the
// page cache, write-back then fails) can never end "done": every entry not known to be on disk
// is a failure that says so, and the job's failure is in the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { makeWritebackFailingMount, skipUnlessMountable } from '../helpers/mounts.js';
import { Harness, tmpdir } from './helpers.js';

for (const verify of [false, true]) {
  test(`write-back fails under the job${verify ? ' (verify on)' : ''}: never "done", the files are failures "not known to be on disk"`, { skip: skipUnlessMountable('ext4') }, async () => {
    const m = await makeWritebackFailingMount(48, 1024);
    const src = tmpdir();
    const h = new Harness();
    try {
      fs.mkdirSync(path.join(src, 'w'));
      for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(src, 'w', `f${i}.bin`), Buffer.alloc(2 << 20, i + 1)); // 80 MiB > 48 MiB backing
      const { jobId } = await h.svc.start({ kind: 'copy', sources: [path.join(src, 'w')], destDir: m.dir, options: { method: 'auto', conflict: 'ask', verify, fsync: false, preserve: true } });
      const j = await h.finished(jobId);
      assert.equal(j.state, 'failed', `never done: ${JSON.stringify(j.error)}`);
      assert.ok(['EIO', 'ENOSPC'].includes(j.error!.code), JSON.stringify(j.error));
      assert.equal(j.error!.syscall, 'syncfs');
      assert.equal(j.filesDone, 0, 'no file counts as copied');
      assert.equal(j.filesFailed, 40);
      const errs = (await h.svc.logRead({ offset: 0, limit: 100, jobId, errorsOnly: true })).records;
      const files = errs.filter((r) => r.type === 'file');
      assert.equal(files.length, 40);
      for (const r of files) assert.match(r.error!.message, /not known to be on disk: the final flush failed/);
      assert.equal(errs.filter((r) => r.scope === 'job').length, 1, 'the job-level failure is in the log');
    } finally {
      await h.dispose();
      await m.cleanup();
    }
  });
}
