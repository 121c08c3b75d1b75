// What the copy dialog says about a foreign destination (FAT, exFAT, NTFS) before a copy: the
// problems copy.check found, as rows a person reads, and which of the job's choices apply. Pure
// functions over the engine's DestinationFit (native/types.ts).
import type { DestinationFit, ProblemKind, UnfitPolicy } from '../../../electron/contract';
import { formatCount, plural } from './format';

/** The job's choices for items a foreign destination cannot hold as they are (CopyOptions). */
export interface TransferChoices {
  unfit: UnfitPolicy;
  mapNames: boolean;
  followLinks: boolean;
}

/** The dialog's default: leave out what cannot be copied, change nothing. */
export const DEFAULT_CHOICES: TransferChoices = { unfit: 'skip', mapNames: false, followLinks: false };

export interface ProblemRow {
  /** The entry as it will sit below the destination folder: "photos/a:b.jpg". */
  path: string;
  src: string;
  kind: ProblemKind;
  fails: boolean;
  reason: string;
}

export interface FitView {
  /** "exFAT" (several filesystems: "exFAT, NTFS"). */
  label: string;
  /** Items that cannot be copied as they are, and items that will be changed. */
  failing: number;
  changed: number;
  /** "3 items cannot be copied to exFAT as they are; 1 will be changed". */
  headline: string;
  rows: ProblemRow[];
  /** Problems beyond the rows the engine listed. */
  more: number;
  /** The free-space refusal ("holes can't be kept on exFAT: needs 120 MiB, 62 MiB free"), or null. */
  space: string | null;
  /** "permissions, owners and extended attributes are not kept on exFAT, and file times only to the second". */
  lost: string[];
  /** Which choices would change something here. */
  canMap: boolean;
  canFollow: boolean;
}

/** Where `p` sits below `dir` ("a/b"), else `p` itself. */
function below(dir: string, p: string): string {
  const pre = dir.endsWith('/') ? dir : dir + '/';
  return p.startsWith(pre) ? p.slice(pre.length) : p;
}

/** The dialog's view of copy.check's answer; null when there is nothing to say (a Linux destination with room). */
export function fitView(dests: readonly DestinationFit[], destDir: string): FitView | null {
  const rows: ProblemRow[] = [];
  let failing = 0;
  let count = 0;
  let space: string | null = null;
  const lost: string[] = [];
  const labels: string[] = [];
  let canMap = false;
  let canFollow = false;
  for (const d of dests) {
    if (d.space) space ??= d.space.message.replace(/^ENOSPC: /, '').replace(/, statfs '.*'$/, '');
    if (!d.foreign) continue;
    if (!labels.includes(d.label)) labels.push(d.label);
    if (d.lost) lost.push(d.lost);
    failing += d.failing;
    count += d.count;
    for (const it of d.items) {
      rows.push({ path: below(destDir, it.dest), src: it.src, kind: it.problem.kind, fails: it.problem.fails, reason: it.problem.reason });
      if (it.problem.fix === 'map') canMap = true;
      if (it.problem.fix === 'follow') canFollow = true;
    }
  }
  if (count === 0 && !space && lost.length === 0) return null;
  const label = labels.join(', ') || 'the destination';
  const changed = count - failing;
  const parts: string[] = [];
  if (failing) parts.push(`${plural(failing, 'item')} cannot be copied to ${label} as ${failing === 1 ? 'it is' : 'they are'}`);
  if (changed) parts.push(`${formatCount(changed)} will be changed`);
  const headline = parts.length ? parts.join('; ') : `Nothing in the selection is a problem for ${label}`;
  // Failures first, then changes; each in the engine's walk order.
  rows.sort((a, b) => Number(b.fails) - Number(a.fails));
  return { label, failing, changed, headline, rows, more: Math.max(0, count - rows.length), space, lost, canMap, canFollow };
}
