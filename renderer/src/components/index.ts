// Re-exports of the renderer's UI parts (one small kebab-case file per part; each folder has its
// own index.ts).
export { default as ContextMenu } from './context-menu.svelte';
export { default as DragLabel } from './drag-label.svelte';
export { default as NoticeToast } from './notice-toast.svelte';
export { default as NoticeBanner } from './notice-banner.svelte';
export { default as FkeyBar } from './fkey-bar.svelte';
export { default as Splitter } from './splitter.svelte';
export { default as MethodBadge } from './method-badge.svelte';
export { default as FileIcon } from './file-icon.svelte';
export { default as VirtualList } from './virtual-list.svelte';
export { DialogHost, Modal } from './dialogs';
export { Pane } from './pane';
export { QueueArea } from './queue';
