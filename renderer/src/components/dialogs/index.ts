export { default as DialogHost } from './dialog-host.svelte';
export { default as Modal } from './modal.svelte';
export { default as ConflictDialog } from './conflict-dialog.svelte';
