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
