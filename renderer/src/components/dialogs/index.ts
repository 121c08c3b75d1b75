export { default as DialogHost } from './dialog-host.svelte';
export { default as Modal } from './modal.svelte';
