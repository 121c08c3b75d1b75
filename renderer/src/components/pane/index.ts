export { default as Pane } from './pane.svelte';
export { default as PathBar } from './path-bar.svelte';
export { default as FileList } from './file-list.svelte';
export { default as FileRow } from './file-row.svelte';
export { default as StatusLine } from './status-line.svelte';
export { default as TabBar } from './tab-bar.svelte';
export { default as FilterBar } from './filter-bar.svelte';
export { default as SearchBar } from './search-bar.svelte';
