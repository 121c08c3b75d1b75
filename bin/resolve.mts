// cp's SOURCE... DEST resolution, and the refusals ferry-cp makes before the engine sees a pair.
import { lstatSync, realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { CopyPair, FileRecord, WireError } from '../native/index.js';
import { UsageError } from './args.mjs';

export interface Resolved {
  /** Pairs handed to the engine, in operand order. */
  pairs: CopyPair[];
  /** Entries refused here (a directory without -r), as failed records. The engine refuses
   *  same-file and into-itself copies itself (ESAMEFILE, EINTOSELF). */
  refused: FileRecord[];
}

function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

function lstatOrNull(p: string): Stats | null {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
}

/** The name cp gives a source inside a target directory. */
export function destName(src: string): string {
  const b = path.basename(src);
  if (b === '' || b === '.' || b === '..') return path.basename(path.resolve(src)) || 'root';
  return b;
}

export function failedRecord(src: string, dest: string, type: FileRecord['type'], error: WireError): FileRecord {
  return {
    src,
    dest,
    type,
    size: 0,
    bytes: 0,
    method: null,
    attempts: [],
    sparse: false,
    ms: 0,
    ok: false,
    skipped: false,
    error,
    warnings: [],
  };
}

/**
 * Turns operands into pairs like cp: with one SOURCE and a DEST that is not an existing directory,
 * SOURCE is copied to DEST; otherwise each SOURCE goes to DEST/basename(SOURCE).
 * Throws UsageError when several sources meet a DEST that is not a directory.
 */
export function resolvePairs(operands: string[], recursive: boolean): Resolved {
  const sources = operands.slice(0, -1);
  const target = operands[operands.length - 1]!;
  const targetStat = statOrNull(target);
  const targetIsDir = targetStat?.isDirectory() ?? false;
  if (sources.length > 1 && !targetIsDir) {
    if (targetStat) throw new UsageError(`target '${target}' is not a directory`);
    throw new UsageError(`target '${target}': No such file or directory`);
  }
  const pairs: CopyPair[] = [];
  const refused: FileRecord[] = [];
  for (const src of sources) {
    const dest = targetIsDir ? path.join(target, destName(src)) : target;
    const s = statOrNull(src); // follows symlinks, like cp does for command-line operands
    if (s?.isDirectory() && !recursive) {
      refused.push(
        failedRecord(src, dest, 'dir', {
          code: 'EISDIR',
          message: `-r not specified; omitting directory '${src}'`,
          path: src,
        }),
      );
      continue;
    }
    // Without -r, cp follows a symlink given on the command line and copies what it points to
    // (with -r, links are copied as links, like cp -R's default -P).
    let from = src;
    if (!recursive && lstatOrNull(src)?.isSymbolicLink()) {
      if (!s) {
        refused.push(
          failedRecord(src, dest, 'symlink', {
            code: 'ENOENT',
            message: `cannot stat '${src}': No such file or directory (dangling or looping symlink)`,
            path: src,
            syscall: 'stat',
          }),
        );
        continue;
      }
      from = realpathSync(src);
    }
    pairs.push({ src: from, dest });
  }
  return { pairs, refused };
}
