// Quick view (F3): what the entry under a pane's cursor holds, loaded a bounded slice at a time
// (fs.peek): text with its encoding, an image, bytes for a hex view, or a folder's statistics
// (a Scan: fs.scan, counted by the engine's walk, growing while it counts). A newer entry supersedes
// what is loading; moving on cancels a folder still being counted.
import type { DirEntry, Peek, ScanTotals, WireError } from '../../../electron/contract';
import { toWireError as toWire } from '../../../native/errors';
import { api } from './client';
import { Scan } from './scan.svelte';

/** Bytes per hex line. */
export const HEX_WIDTH = 16;

/** "00000000  48 65 6c 6c …  |Hell…|" lines for `bytes` starting at `offset`. */
export function hexLines(bytes: Uint8Array, offset: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += HEX_WIDTH) {
    const row = bytes.subarray(i, i + HEX_WIDTH);
    let hex = '';
    let text = '';
    for (let k = 0; k < HEX_WIDTH; k++) {
      const b = row[k];
      hex += b === undefined ? '   ' : b.toString(16).padStart(2, '0') + ' ';
      if (k === 7) hex += ' ';
      if (b !== undefined) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    out.push(`${(offset + i).toString(16).padStart(8, '0')}  ${hex} |${text}|`);
  }
  return out;
}

export function base64Bytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export type Mode = 'auto' | 'hex' | 'text';

export class QuickViewState {
  #entry = $state.raw<DirEntry | null>(null);
  #peek = $state.raw<Peek | null>(null);
  /** Text pages loaded so far (after "more"), joined. */
  #text = $state('');
  #error = $state.raw<WireError | null>(null);
  #loading = $state(false);
  /** The folder under the cursor being counted (null: none). */
  #scan = $state.raw<Scan | null>(null);
  #mode = $state<Mode>('auto');
  #seq = 0;

  get entry(): DirEntry | null {
    return this.#entry;
  }
  get peek(): Peek | null {
    return this.#peek;
  }
  get text(): string {
    return this.#text;
  }
  get error(): WireError | null {
    return this.#error ?? this.#scan?.error ?? null;
  }
  get loading(): boolean {
    return this.#loading;
  }
  get measure(): ScanTotals | null {
    return this.#scan?.totals ?? null;
  }
  get counting(): boolean {
    return this.#scan?.running ?? false;
  }
  get mode(): Mode {
    return this.#mode;
  }

  /** Shows `e` (null: nothing under the cursor). */
  show(e: DirEntry | null, mode: Mode = 'auto'): void {
    if (e?.path === this.#entry?.path && mode === this.#mode && (this.#peek || this.#loading)) return;
    this.#stopMeasure();
    this.#entry = e;
    this.#mode = mode;
    this.#peek = null;
    this.#text = '';
    this.#error = null;
    if (!e) return;
    void this.#load(e, 0, false);
  }

  /** The next slice of a text (appended) or a hex view (replacing), from where this one ended. */
  more(): void {
    const p = this.#peek;
    const e = this.#entry;
    if (!p || !e) return;
    if (p.kind === 'text' && p.truncated) void this.#load(e, p.offset + p.bytesRead, true);
    else if (p.kind === 'binary' && p.truncated) void this.#load(e, p.offset + base64Bytes(p.dataBase64).length, false);
  }

  /** The previous hex page. */
  back(): void {
    const p = this.#peek;
    if (p?.kind === 'binary' && p.offset > 0 && this.#entry) void this.#load(this.#entry, Math.max(0, p.offset - 64 * 1024), false);
  }

  async #load(e: DirEntry, offset: number, append: boolean): Promise<void> {
    const seq = ++this.#seq;
    this.#loading = true;
    try {
      const p = await api['fs.peek']({ path: e.path, offset, as: this.#mode });
      if (seq !== this.#seq) return;
      this.#peek = p;
      if (p.kind === 'text') this.#text = append ? this.#text + p.text : p.text;
      if (p.kind === 'dir') this.#count(e);
    } catch (err) {
      if (seq === this.#seq) this.#error = toWire(err);
    } finally {
      if (seq === this.#seq) this.#loading = false;
    }
  }

  #count(e: DirEntry): void {
    const scan = new Scan();
    this.#scan = scan;
    scan.start({ paths: [e.path] });
  }

  /** Stops counting (a new entry, the view closed) and forgets the count. */
  #stopMeasure(): void {
    this.#scan?.dispose();
    this.#scan = null;
  }

  dispose(): void {
    this.#seq++;
    this.#stopMeasure();
  }
}
