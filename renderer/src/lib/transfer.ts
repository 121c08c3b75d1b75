// Rules for copy/move requests made by drag and drop, the context menu and F5/F6. Pure functions.
import type { Explanation, JobKind, Method } from '../../../electron/contract';
import { METHODS } from '../../../electron/contract';
import { baseName, formatCount, isInside, parentOf, plural } from './format';

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
