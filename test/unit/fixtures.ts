// Shared by the unit tests (and the job tests): temporary folders, and engine records to feed
// the job service's pure parts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobFileRecord as FileRecord } from '../../electron/contract.js';

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

/** A finished file record: 100 bytes copied with copy_file_range, unless `o` says otherwise. */
export function fileRecord(o: Partial<FileRecord> = {}): FileRecord {
  return {
    src: '/s/a',
    dest: '/d/a',
    type: 'file',
    size: 100,
    bytes: 100,
    method: 'copy_file_range',
    attempts: [{ method: 'copy_file_range', outcome: 'ok', errno: null, bytes: 100 }],
    sparse: false,
    ms: 1,
    ok: true,
    skipped: false,
    error: null,
    warnings: [],
    ...o,
  };
}
