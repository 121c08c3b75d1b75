// Temporary folders for tests, removed when the test process exits (the job tests use it too).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made = new Set<string>();
process.once('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temp folder, removed when the test process exits. */
export function tmpdir(prefix = 'ferry-t-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(d);
  return d;
}
