// Routes the contract's per-listing, per-watch, per-scan and per-search events to
// whoever registered the id. One subscription per event name for the whole renderer, dispatch by id.
import type { Events } from '../../../electron/contract';
import { on } from './client';

type EntriesHandler = (p: Events['dir.entries']) => void;
type ChangedHandler = (p: Events['dir.changed']) => void;
type ScanHandler = (p: Events['scan.progress']) => void;
type SearchHandler = (p: Events['search.results']) => void;

const listings = new Map<string, EntriesHandler>();
const watches = new Map<string, ChangedHandler>();
const scans = new Map<string, ScanHandler>();
const searches = new Map<string, SearchHandler>();
let subscribed = false;

function subscribe(): void {
  if (subscribed) return;
  subscribed = true;
  on('dir.entries', (p) => listings.get(p.listingId)?.(p));
  on('dir.changed', (p) => watches.get(p.watchId)?.(p));
  on('scan.progress', (p) => scans.get(p.scanId)?.(p));
  on('search.results', (p) => searches.get(p.searchId)?.(p));
}

let counter = 0;
/** A fresh id valid for the contract's Id schema. */
export function newId(prefix: string): string {
  counter++;
  return `${prefix}-${Date.now().toString(36)}-${counter.toString(36)}`;
}

export function onListing(id: string, handler: EntriesHandler): () => void {
  subscribe();
  listings.set(id, handler);
  return () => listings.delete(id);
}

export function onWatch(id: string, handler: ChangedHandler): () => void {
  subscribe();
  watches.set(id, handler);
  return () => watches.delete(id);
}

export function onScan(id: string, handler: ScanHandler): () => void {
  subscribe();
  scans.set(id, handler);
  return () => scans.delete(id);
}

export function onSearch(id: string, handler: SearchHandler): () => void {
  subscribe();
  searches.set(id, handler);
  return () => searches.delete(id);
}

