// What Ctrl+Z can take back, as plain data: the last renames, new folders, moves and trashings,
// newest last. Each says in words what undoing it does, before it is done. Pure functions; the
// app holds the list in its state and runs the undo (app.svelte.ts).
import { baseName, parentOf, plural } from './format';

export type UndoAction =
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'mkdir'; path: string }
  /** A move job; undone only once it is done, by moving each item back (`to` → parent of `from`). */
  | { kind: 'move'; jobId: string; items: { from: string; to: string }[] }
  /** Trashed at `at` (ms): taken back from the trash. */
  | { kind: 'trash'; paths: string[]; at: number };

export const UNDO_LIMIT = 20;

export function pushUndo(list: readonly UndoAction[], a: UndoAction): readonly UndoAction[] {
  const next = [...list, a];
  return next.length > UNDO_LIMIT ? next.slice(next.length - UNDO_LIMIT) : next;
}

function items(paths: readonly string[]): string {
  return paths.length === 1 ? `"${baseName(paths[0]!)}"` : plural(paths.length, 'item');
}

/** "Rename "b.txt" back to "a.txt"", "Move 3 items back to /x", … */
export function describeUndo(a: UndoAction): string {
  switch (a.kind) {
    case 'rename':
      return `Rename "${baseName(a.to)}" back to "${baseName(a.from)}"`;
    case 'mkdir':
      return `Remove the new folder "${baseName(a.path)}" (only while it is empty)`;
    case 'move': {
      const dirs = [...new Set(a.items.map((i) => parentOf(i.from)))];
      return `Move ${items(a.items.map((i) => i.to))} back to ${dirs.length === 1 ? dirs[0] : `${dirs.length} folders`}`;
    }
    case 'trash':
      return `Restore ${items(a.paths)} from the Trash`;
  }
}

/** The moved items grouped by the folder they came from: one move job back per folder. */
export function moveBackGroups(items: readonly { from: string; to: string }[]): { destDir: string; sources: string[] }[] {
  const by = new Map<string, string[]>();
  for (const it of items) {
    const d = parentOf(it.from);
    by.set(d, [...(by.get(d) ?? []), it.to]);
  }
  return [...by].map(([destDir, sources]) => ({ destDir, sources }));
}
