// Rules for copy/move requests made by drag and drop, the context menu and F5/F6, and what the
// copy dialog says before anything is copied (totals, methods per kind of pair, space, problems
// with their choices). Pure functions.
import type { ConflictPolicy, CopyCheck, Explanation, JobKind, Method, ScanTotals } from '../../../electron/contract';
import { METHODS } from '../../../electron/contract';
import { describeError } from '../../../native/reasons';
import { baseName, formatCount, formatSize, isInside, parentOf, plural } from './format';

export const FERRY_MIME = 'application/x-ferry-paths';

export interface DragPayload {
  paths: string[];
  /** Folder the dragged entries live in. */
  srcDir: string;
}

export interface Verdict {
  ok: boolean;
  label: string;
}

export function describeItems(sources: readonly string[]): string {
  return sources.length === 1 ? `"${baseName(sources[0]!)}"` : plural(sources.length, 'item');
}

/** Whether `sources` may be copied or moved into `destDir`, with the label the drag shows. */
export function transferVerdict(kind: JobKind, sources: readonly string[], destDir: string): Verdict {
  const verb = kind === 'copy' ? 'Copy' : 'Move';
  if (sources.length === 0) return { ok: false, label: 'Nothing to ' + verb.toLowerCase() };
  if (sources.every((s) => parentOf(s) === destDir)) {
    return { ok: false, label: `Already in ${destDir}` };
  }
  const into = sources.find((s) => isInside(destDir, s));
  if (into !== undefined) return { ok: false, label: `Cannot ${verb.toLowerCase()} "${baseName(into)}" into itself` };
  return { ok: true, label: `${verb} ${describeItems(sources)} to ${destDir}` };
}

/** "12 files: 10 reflink, 2 copy_file_range" from copy.explain's items. */
export function summarizeMethods(items: readonly Explanation[]): { text: string; counts: [Method, number][] } {
  const counts = new Map<Method, number>();
  let files = 0;
  let other = 0;
  for (const it of items) {
    if (it.method) {
      files++;
      counts.set(it.method, (counts.get(it.method) ?? 0) + 1);
    } else other++;
  }
  const ordered = METHODS.filter((m) => counts.has(m)).map((m) => [m, counts.get(m)!] as [Method, number]);
  const parts = ordered.map(([m, n]) => `${formatCount(n)} ${m}`);
  let text = `${plural(files, 'file')}${parts.length ? ': ' + parts.join(', ') : ''}`;
  if (other) text += ` (+ ${plural(other, 'folder or special entry', 'folders or special entries')})`;
  return { text, counts: ordered };
}

/** A path as a file:// URI, each segment escaped (`#`, `?`, `%` and spaces included). */
export function fileUri(path: string): string {
  return 'file://' + path.split('/').map(encodeURIComponent).join('/');
}

/**
 * The gesture that drags files out to other applications (Electron): a drag started with Ctrl+Shift
 * held. Alt+drag never reaches the page where the window manager moves windows with it (Xfce,
 * Cinnamon, MATE, KDE), and Super+drag is GNOME's; Ctrl+Shift is left to applications.
 */
export function isDragOutGesture(e: { ctrlKey: boolean; shiftKey: boolean }): boolean {
  return e.ctrlKey && e.shiftKey;
}

/** Paths from a text/uri-list (file:// URIs only; comments and other schemes ignored). */
export function pathsFromUriList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    try {
      const u = new URL(t);
      if (u.protocol === 'file:' && (u.hostname === '' || u.hostname === 'localhost')) out.push(decodeURIComponent(u.pathname));
    } catch {
      // not a URI
    }
  }
  return out;
}

export function parseDragPayload(text: string): DragPayload | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (!v || typeof v !== 'object') return null;
    const o = v as { paths?: unknown; srcDir?: unknown };
    if (!Array.isArray(o.paths) || !o.paths.every((p): p is string => typeof p === 'string' && p.startsWith('/'))) return null;
    return { paths: o.paths, srcDir: typeof o.srcDir === 'string' ? o.srcDir : parentOf(o.paths[0] ?? '/') };
  } catch {
    return null;
  }
}

// ------------------------------------------------------------------ the copy dialog

/** "3,000 files · 12 folders · 2 links · 1 special · 1.2 GiB" (regular files, links and specials apart). */
export function totalsLine(t: ScanTotals): string {
  const regular = t.files - t.symlinks - t.specials;
  const parts = [plural(regular, 'file')];
  if (t.dirs) parts.push(plural(t.dirs, 'folder'));
  if (t.symlinks) parts.push(plural(t.symlinks, 'link'));
  if (t.specials) parts.push(plural(t.specials, 'special file'));
  parts.push(formatSize(t.bytes));
  return parts.join(' · ');
}

/** One line of "what happens to each kind of entry". */
export interface MethodLine {
  key: string;
  /** "2,998 files, 1.2 GiB · btrfs → btrfs" */
  what: string;
  /** The badge: a method, 'rename', or null for entries that are recreated. */
  method: Method | 'rename' | null;
  /** The planner's reason, or what happens to them. */
  how: string;
}

/** Methods predicted per kind of pair (files), then what happens to folders, links and specials. */
export function methodLines(t: ScanTotals, kind: JobKind): MethodLine[] {
  const lines: MethodLine[] = [];
  for (const k of t.kinds ?? []) {
    if (!k.files) continue;
    lines.push({
      key: `${k.srcFs}>${k.destFs}>${k.op}`,
      what: `${plural(k.files, 'file')}, ${formatSize(k.bytes)} · ${k.srcFs} → ${k.destFs}`,
      method: k.op === 'rename' ? 'rename' : k.method,
      how: k.reason,
    });
  }
  const renamedWhole = kind === 'move' && (t.kinds ?? []).length > 0 && (t.kinds ?? []).every((k) => k.op === 'rename');
  if (t.dirs) {
    lines.push({ key: 'dirs', what: plural(t.dirs, 'folder'), method: renamedWhole ? 'rename' : null, how: renamedWhole ? 'renamed with everything in them' : 'created, then given their times and permissions' });
  }
  if (t.symlinks) lines.push({ key: 'links', what: plural(t.symlinks, 'link'), method: renamedWhole ? 'rename' : null, how: renamedWhole ? 'renamed' : 'recreated (their targets are not followed)' });
  if (t.specials) lines.push({ key: 'specials', what: plural(t.specials, 'special file'), method: renamedWhole ? 'rename' : null, how: renamedWhole ? 'renamed' : 'FIFOs, devices and sockets are recreated, never read' });
  return lines;
}

/** What the copy needs at the destination and what it has: reflinked and renamed bytes take no room. */
export interface SpaceView {
  needed: number;
  free: number;
  shared: number;
  fits: boolean;
  text: string;
}

export function spaceView(t: ScanTotals, check: CopyCheck | null, kind: JobKind): SpaceView | null {
  const fs = check?.fs;
  if (!fs) return null;
  const shared = t.reflinkBytes;
  const fits = t.needed <= fs.freeBytes;
  let text = `needs ${formatSize(t.needed)} of ${formatSize(fs.freeBytes)} free (${fs.fsType})`;
  if (shared > 0) text += ` · ${formatSize(shared)} ${kind === 'move' && (t.kinds ?? []).some((k) => k.op === 'rename') ? 'moved by renaming' : 'reflinked'}: takes no space`;
  return { needed: t.needed, free: fs.freeBytes, shared, fits, text };
}

export interface ProblemChoice {
  id: string;
  label: string;
  /** The choice in force (for choices that set something, like the conflict policy). */
  selected?: boolean;
}

/** Something found before copying, with what the person can do about it. */
export interface Problem {
  id: 'verdict' | 'destination' | 'missing' | 'cannot-remove' | 'unreadable' | 'existing' | 'space';
  /** 'block': the transfer cannot start as it is; 'warn': it can, and this is what will happen. */
  severity: 'block' | 'warn';
  text: string;
  paths?: string[];
  /** How many more than `paths` are concerned. */
  more?: number;
  choices?: ProblemChoice[];
}

export const CONFLICT_CHOICES: { id: ConflictPolicy; label: string }[] = [
  { id: 'ask', label: 'Ask for each' },
  { id: 'overwrite', label: 'Overwrite' },
  { id: 'newer', label: 'Overwrite if newer' },
  { id: 'skip', label: 'Skip' },
  { id: 'rename', label: 'Keep both' },
];

export interface ProblemInput {
  kind: JobKind;
  sources: readonly string[];
  destDir: string;
  check: CopyCheck | null;
  totals: ScanTotals | null;
  /** The scan has ended (its numbers are final). */
  scanned: boolean;
  conflict: ConflictPolicy;
}

/** The problems the copy dialog lists, most serious first. */
export function transferProblems(x: ProblemInput): Problem[] {
  const out: Problem[] = [];
  const v = transferVerdict(x.kind, x.sources, x.destDir);
  if (!v.ok) out.push({ id: 'verdict', severity: 'block', text: v.label });
  const c = x.check;
  if (c?.error) {
    const e = c.error;
    const text =
      e.code === 'ENOENT' ? `The destination folder ${c.destDir} does not exist.`
      : e.code === 'ENOTDIR' ? `The destination ${c.destDir} is not a folder.`
      : e.code === 'EACCES' || e.code === 'EPERM' ? `You may not create files in ${c.destDir}: permission denied (${e.code}).`
      : e.code === 'EROFS' ? `${c.destDir} is on a read-only filesystem (EROFS): nothing can be written there.`
      : `${describeError(e)}.`;
    const choices: ProblemChoice[] = [{ id: 'edit-dest', label: 'Choose another folder' }];
    if (e.code === 'ENOENT') choices.unshift({ id: 'create-dest', label: 'Create it' });
    out.push({ id: 'destination', severity: 'block', text, choices });
  }
  const t = x.totals;
  if (t && c?.fs && !c.error) {
    const sp = spaceView(t, c, x.kind);
    if (sp && !sp.fits) {
      out.push({
        id: 'space',
        severity: 'block',
        text: `Not enough space in ${c.destDir}: the ${x.kind} needs ${formatSize(sp.needed)}, ${formatSize(sp.free)} is free${sp.shared ? ` (${formatSize(sp.shared)} that is shared or renamed already counted as free)` : ''}.`,
        choices: [{ id: 'edit-dest', label: 'Choose another folder' }],
      });
    }
  }
  if (c?.missing.length) {
    out.push({
      id: 'missing',
      severity: 'warn',
      text: `${plural(c.missing.length, 'selected item')} can no longer be found: ${describeError(c.missing[0]!.error)}. ${c.missing.length === x.sources.length ? 'Nothing is left to ' + x.kind + '.' : `The others are ${x.kind === 'copy' ? 'copied' : 'moved'}; ${c.missing.length === 1 ? 'it is' : 'they are'} listed as failed.`}`,
      paths: c.missing.slice(0, 5).map((m) => m.path),
      more: Math.max(0, c.missing.length - 5),
    });
  }
  if (c?.cannotRemove.length) {
    out.push({
      id: 'cannot-remove',
      severity: 'warn',
      text: `${plural(c.cannotRemove.length, 'item')} cannot be removed from the source (permission denied in its folder): ${c.cannotRemove.length === 1 ? 'it is' : 'they are'} copied and left where ${c.cannotRemove.length === 1 ? 'it is' : 'they are'}.`,
      paths: c.cannotRemove.slice(0, 5).map((m) => m.path),
      more: Math.max(0, c.cannotRemove.length - 5),
      choices: [{ id: 'as-copy', label: 'Copy instead' }],
    });
  }
  if (t?.unreadable) {
    out.push({
      id: 'unreadable',
      severity: 'warn',
      text: `${plural(t.unreadable, 'item')} in the source cannot be read${x.scanned ? '' : ' (so far)'}: ${t.unreadable === 1 ? 'it is' : 'they are'} listed as failed, the rest is ${x.kind === 'copy' ? 'copied' : 'moved'}.`,
      paths: t.unreadableSample ?? [],
      more: Math.max(0, t.unreadable - (t.unreadableSample?.length ?? 0)),
    });
  }
  if (t?.existing) {
    out.push({
      id: 'existing',
      severity: 'warn',
      text: `${plural(t.existing, 'item')} already ${t.existing === 1 ? 'exists' : 'exist'} in ${x.destDir}${x.scanned ? '' : ' (so far)'}. When a name is taken:`,
      paths: (t.existingSample ?? []).map(baseName),
      more: Math.max(0, t.existing - (t.existingSample?.length ?? 0)),
      choices: CONFLICT_CHOICES.map((k) => ({ id: `conflict:${k.id}`, label: k.label, selected: x.conflict === k.id })),
    });
  }
  return out;
}

/** The longest common start of some names (Tab completion). */
export function commonPrefix(names: readonly string[]): string {
  if (names.length === 0) return '';
  let p = names[0]!;
  for (const n of names) {
    let i = 0;
    while (i < p.length && i < n.length && p[i] === n[i]) i++;
    p = p.slice(0, i);
  }
  return p;
}
