// The job service onto a real exFAT stick: copy.check (the survey service) says what the stick cannot hold before the
// copy; the dialog's choices (CopyOptions unfit, mapNames, followLinks) are the job's, kept in
// its journal across a restart with the warnings it ended with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { cleanupAll, makeMount, skipUnlessMountable } from '../helpers/mounts.js';
import { Harness, tmpdir } from '../jobs/helpers.js';
import { SurveyService } from '../../electron/survey-service.js';
import { EXFAT_UNFIT, makeProblemTree } from './_tree.js';

test('copy.check lists the problems; the choices are remembered with the job across a restart', { skip: skipUnlessMountable('exfat') }, async () => {
  const m = await makeMount('exfat', 64);
  const work = tmpdir();
  const src = path.join(work, 'tree');
  makeProblemTree(src);
  const dataDir = path.join(work, 'data');
  let h = new Harness({ dataDir });
  try {
    const checked = await new SurveyService({ emit: () => {} }).check({ kind: 'copy', sources: [src], destDir: m.dir });
    assert.equal(checked.exists, true);
    assert.equal(checked.error, null);
    const { destinations } = checked;
    assert.equal(destinations.length, 1);
    const d = destinations[0]!;
    assert.equal(d.label, 'exFAT');
    assert.equal(d.failing, EXFAT_UNFIT.length);
    assert.ok(d.items.some((i) => i.src === path.join(src, 'a:b.txt') && i.problem.fix === 'map' && /name contains ':' which exFAT does not allow/.test(i.problem.reason)));
    assert.ok(d.items.some((i) => i.src === path.join(src, 'link') && i.problem.fix === 'follow'));
    assert.match(d.lost ?? '', /permissions, owners and extended attributes are not kept on exFAT/);

    const options = { method: 'auto', conflict: 'error', verify: false, fsync: false, preserve: true, unfit: 'skip', mapNames: true, followLinks: true } as const;
    const { jobId } = await h.svc.start({ kind: 'copy', sources: [src], destDir: m.dir, options });
    const j = await h.finished(jobId);
    assert.equal(j.state, 'done', JSON.stringify(j.error));
    assert.equal(fs.readFileSync(path.join(m.dir, 'tree', 'a\uF03Ab.txt'), 'utf8'), 'colon', 'mapped');
    assert.equal(fs.readFileSync(path.join(m.dir, 'tree', 'link'), 'utf8'), 'ok', 'followed');
    assert.equal(fs.existsSync(path.join(m.dir, 'tree', 'fifo')), false, 'skipped');
    assert.ok(!fs.readdirSync(path.join(m.dir, 'tree')).includes('dangling'), 'a link to nothing: neither it nor a target can be copied, so it is skipped too');
    const dangling = (await h.svc.files({ jobId, offset: 0, limit: 100 })).records.find((r) => r.src === path.join(src, 'dangling'));
    assert.equal(dangling?.skipped, true, JSON.stringify(dangling));
    assert.match(dangling?.warnings.join('\n') ?? '', /skipped: symbolic links cannot be stored on exFAT, and the link points to nothing that can be read \('nowhere'\)/);
    const warnings = j.warnings ?? [];
    assert.ok(warnings.some((w) => /not kept on exFAT/.test(w)), JSON.stringify(warnings));

    await h.svc.close();
    h = new Harness({ dataDir });
    await h.svc.init();
    const again = h.job(jobId);
    assert.deepEqual(
      { unfit: again.options?.unfit, mapNames: again.options?.mapNames, followLinks: again.options?.followLinks },
      { unfit: 'skip', mapNames: true, followLinks: true },
    );
    assert.deepEqual(again.warnings, warnings);
  } finally {
    await h.dispose();
    await cleanupAll();
    fs.rmSync(work, { recursive: true, force: true });
  }
});
