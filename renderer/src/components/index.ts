// Re-exports of the renderer's UI parts.
export { default as Pane } from './pane/pane.svelte';
export { default as ContextMenu } from './context-menu.svelte';
export { default as DragLabel } from './drag-label.svelte';
export { default as NoticeToast } from './notice-toast.svelte';
export { default as FkeyBar } from './fkey-bar.svelte';
export { default as Splitter } from './splitter.svelte';
export { default as MethodBadge } from './method-badge.svelte';
export { default as FileIcon } from './file-icon.svelte';
export { DialogHost } from './dialogs';
