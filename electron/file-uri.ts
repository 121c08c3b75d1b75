// Paths as file:// URIs and back, and the lists file managers exchange them in (text/uri-list,
// plain text of paths). Pure, no imports: main (the desktop clipboard) and the renderer (drag and
// drop, paste) share it.

/** A path as a file:// URI, each segment escaped (`#`, `?`, `%` and spaces included). */
export function fileUri(path: string): string {
  return 'file://' + path.split('/').map(encodeURIComponent).join('/');
}

/** The local path of a file:// URI (host empty or localhost), or null. */
export function uriPath(uri: string): string | null {
  try {
    const u = new URL(uri.trim());
    if (u.protocol !== 'file:' || (u.hostname !== '' && u.hostname !== 'localhost')) return null;
    const p = decodeURIComponent(u.pathname);
    return p.startsWith('/') ? p : null;
  } catch {
    return null;
  }
}

/** Paths of a text/uri-list (file:// URIs only; comments and other schemes ignored). */
export function parseUriList(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const p = uriPath(t);
    if (p !== null) out.push(p);
  }
  return out;
}

/** Plain text that is only absolute paths or file:// URIs, one a line: those paths; else none. */
export function pathsInText(text: string): string[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  if (lines.length === 0 || lines.length > 100_000) return [];
  const out: string[] = [];
  for (const l of lines) {
    const p = l.startsWith('/') ? l : uriPath(l);
    if (!p || p.includes('\0')) return [];
    out.push(p);
  }
  return out;
}
