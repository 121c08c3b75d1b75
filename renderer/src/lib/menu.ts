// The pane context menu's items for a right-clicked folder row, file row or background. The
// background's menu is the folder's own: what it offers acts on the folder shown (bring the other
// pane's selection here, a new folder in it, its properties), never on the row under the cursor.
import type { AppState, MenuState } from './app.svelte';
import { OPEN_DISABLED } from './app.svelte';
import { isDirLike } from './format';
import { describeItems, transferVerdict } from './transfer';

export interface MenuItem {
  id: string;
  label: string;
  shortcut?: string;
  disabled?: boolean;
  /** Tooltip, e.g. why the item is disabled. */
  title?: string;
  danger?: boolean;
  run: () => void;
}
export type MenuEntry = MenuItem | 'separator';

export function buildMenu(app: AppState, m: MenuState): MenuEntry[] {
  const pane = app.pane(m.side);
  const other = app.other(m.side);
  const entry = m.entry;
  // "Copy here"/"Move here" bring the other pane's selection into the folder right-clicked (or this pane's folder).
  const dest = entry && isDirLike(entry) ? entry.path : pane.path;
  const incoming = other.targets().map((e) => e.path);
  const mine = pane.targets().map((e) => e.path);
  const here = (kind: 'copy' | 'move'): MenuItem => {
    const v = transferVerdict(kind, incoming, dest);
    const label = kind === 'copy' ? 'Copy here' : 'Move here';
    return {
      id: `${kind}-here`,
      label,
      disabled: !v.ok,
      title: v.ok
        ? `${kind === 'copy' ? 'Copy' : 'Move'} ${describeItems(incoming)} from the other pane to ${dest}`
        : incoming.length
          ? v.label
          : 'Nothing selected in the other pane',
      run: () => void app.startJob(kind, incoming, dest),
    };
  };
  if (entry === null) {
    return [
      here('copy'),
      here('move'),
      'separator',
      { id: 'mkdir', label: 'New folder…', shortcut: 'F7', run: () => app.askMkdir(m.side) },
      { id: 'refresh', label: 'Refresh', shortcut: 'Ctrl+R', run: () => pane.refresh() },
      { id: 'hidden', label: pane.showHidden ? 'Hide hidden files' : 'Show hidden files', shortcut: 'Ctrl+H', run: () => pane.toggleHidden() },
      'separator',
      { id: 'properties', label: 'Folder properties', shortcut: 'Alt+Enter', title: pane.path, run: () => app.showProperties(m.side, undefined, true) },
    ];
  }
  const toOther = transferVerdict('copy', mine, other.path);
  const canOpen = isDirLike(entry) || app.canOpenExternally;
  return [
    here('copy'),
    here('move'),
    'separator',
    {
      id: 'copy-to-other',
      label: 'Copy to other pane',
      shortcut: 'F5',
      disabled: !toOther.ok,
      title: toOther.label,
      run: () => app.askTransfer('copy', m.side),
    },
    {
      id: 'move-to-other',
      label: 'Move to other pane',
      shortcut: 'F6',
      disabled: !transferVerdict('move', mine, other.path).ok,
      title: transferVerdict('move', mine, other.path).label,
      run: () => app.askTransfer('move', m.side),
    },
    {
      id: 'explain',
      label: 'Explain copy…',
      disabled: mine.length === 0,
      title: `Which method the engine would use for each file copied to ${other.path}, and why`,
      run: () => app.explain(m.side),
    },
    'separator',
    {
      id: 'open',
      label: 'Open',
      shortcut: 'Enter',
      disabled: !canOpen,
      title: !canOpen ? OPEN_DISABLED : '',
      run: () => void app.openEntry(m.side, entry),
    },
    { id: 'rename', label: 'Rename…', shortcut: 'F2', run: () => app.askRename(m.side) },
    { id: 'mkdir', label: 'New folder…', shortcut: 'F7', run: () => app.askMkdir(m.side) },
    { id: 'trash', label: 'Move to Trash', shortcut: 'F8', danger: true, disabled: mine.length === 0, run: () => app.askTrash(m.side) },
    'separator',
    { id: 'properties', label: 'Properties', shortcut: 'Alt+Enter', run: () => app.showProperties(m.side, entry) },
  ];
}
