// Validation of a new file or folder name before any request is sent (the contract's FileName
// schema is the server-side check; this gives the same answers inline, plus "already exists").

export function validateName(name: string, existing: ReadonlySet<string>, current?: string): string | null {
  if (name.length === 0 || name.trim().length === 0) return 'Name must not be empty';
  if (name.includes('/')) return 'Name must not contain "/"';
  if (name.includes('\0')) return 'Name must not contain NUL';
  if (name === '.' || name === '..') return 'Name must not be "." or ".."';
  if (new TextEncoder().encode(name).length > 255) return 'Name is longer than 255 bytes';
  if (name !== current && existing.has(name)) return `"${name}" already exists`;
  return null;
}

/**
 * A name for a second copy next to `name`: "report (2).pdf", then "(3)"… ("archive.tar.gz" keeps
 * ".gz" only; a dotfile keeps its dot). The conflict dialog offers it to edit.
 */
export function suggestName(name: string): string {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  const ext = dot > 0 ? name.slice(dot) : '';
  const m = /^(.*) \((\d+)\)$/.exec(stem);
  return m ? `${m[1]} (${Number(m[2]) + 1})${ext}` : `${stem} (2)${ext}`;
}
