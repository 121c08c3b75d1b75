export { default as QueueArea } from './queue-area.svelte';
export { default as JobRow } from './job-row.svelte';
export { default as JobFiles } from './job-files.svelte';
export { default as RecordRow } from './record-row.svelte';
export { default as LogView } from './log-view.svelte';
export { default as SettingsView } from './settings-view.svelte';
export { default as Sparkline } from './sparkline.svelte';
export { default as PartialCopies } from './partial-copies.svelte';
