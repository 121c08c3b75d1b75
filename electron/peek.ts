// Quick view (F3): what a file holds, read in bounded slices so a 10 GiB file costs the same as a
// small one. Text is shown up to TEXT_PAGE bytes at a time with its encoding detected (a BOM,
// else UTF-8 if it decodes, else UTF-16 by the pattern of its zero bytes, else Windows-1252 when
// it has few control bytes, else binary); images (by their magic bytes) whole up to IMAGE_MAX;
// anything else as bytes for a hex view, HEX_PAGE at a time. Pipes, sockets and devices are never
// opened (reading a FIFO would wait for a writer); a file is opened non-blocking for the same
// reason, in case it was swapped for one.
import { constants } from 'node:fs';
import { fsp } from '../native/user-fs.js';
import path from 'node:path';
import type { EntryType, Peek, ValidParams } from './contract.js';
import { FerryError } from '../native/errors.js';
import { entryType } from './fs-service.js';

export const TEXT_PAGE = 256 * 1024;
export const HEX_PAGE = 64 * 1024;
export const IMAGE_MAX = 32 * 1024 * 1024;
/** Bytes looked at to tell text from binary and to recognise images. */
const SNIFF = 8192;

const IMAGE_MAGIC: [string, (b: Buffer) => boolean][] = [
  ['image/png', (b) => b.length >= 8 && b.readUInt32BE(0) === 0x89504e47],
  ['image/jpeg', (b) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/gif', (b) => b.toString('latin1', 0, 4) === 'GIF8'],
  ['image/webp', (b) => b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP'],
  ['image/bmp', (b) => b.toString('latin1', 0, 2) === 'BM' && b.length >= 26],
  ['image/x-icon', (b) => b.length >= 4 && b.readUInt32BE(0) === 0x00000100],
  ['image/avif', (b) => b.toString('latin1', 4, 12) === 'ftypavif'],
];

/** The image type of these first bytes (SVG by its name and an <svg element), or null. */
export function imageMime(head: Buffer, name: string): string | null {
  for (const [mime, is] of IMAGE_MAGIC) if (is(head)) return mime;
  if (/\.svgz?$/i.test(name) && /<svg[\s>]/i.test(head.toString('latin1'))) return 'image/svg+xml';
  return null;
}

/** A byte that plain text does not contain (C0 controls other than tab, newlines, form feed, escape). */
function isControl(b: number): boolean {
  return b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b && b !== 0x0b;
}

/** UTF-16 without a BOM: zero bytes at mostly even (BE) or mostly odd (LE) offsets. */
function utf16Guess(b: Buffer): 'utf-16le' | 'utf-16be' | null {
  let even = 0;
  let odd = 0;
  const n = Math.min(b.length, SNIFF) & ~1;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) even++;
    if (b[i + 1] === 0) odd++;
  }
  const half = n / 2;
  if (half < 2) return null;
  if (odd > half * 0.4 && even < half * 0.05) return 'utf-16le';
  if (even > half * 0.4 && odd < half * 0.05) return 'utf-16be';
  return null;
}

/** How many bytes at the end of `b` start a UTF-8 sequence that the slice cut short. */
function cutUtf8Tail(b: Buffer): number {
  for (let k = 1; k <= Math.min(3, b.length); k++) {
    const c = b[b.length - k]!;
    if ((c & 0xc0) === 0x80) continue; // continuation byte: look further back
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

export interface Decoded {
  encoding: string;
  text: string;
  /** Bytes the text stands for (a sequence cut at the end of the slice is left for the next one). */
  used: number;
}

/**
 * The text in `b` and its encoding, or null when it is binary. `atStart`: the slice starts the file
 * (a BOM is looked for); `more`: the file goes on after it (a cut multi-byte sequence is expected).
 */
export function decodeText(b: Buffer, atStart: boolean, more: boolean, force = false): Decoded | null {
  if (atStart && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) {
    const cut = more ? cutUtf8Tail(b) : 0;
    return { encoding: 'UTF-8 (BOM)', text: new TextDecoder('utf-8').decode(b.subarray(3, b.length - cut)), used: b.length - cut };
  }
  if (atStart && b.length >= 2 && ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff))) {
    const le = b[0] === 0xff;
    const used = b.length & ~1;
    return { encoding: le ? 'UTF-16LE (BOM)' : 'UTF-16BE (BOM)', text: new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(b.subarray(2, used)), used };
  }
  const u16 = utf16Guess(b);
  if (u16) {
    const used = b.length & ~1;
    return { encoding: u16 === 'utf-16le' ? 'UTF-16LE' : 'UTF-16BE', text: new TextDecoder(u16).decode(b.subarray(0, used)), used };
  }
  const cut = more ? cutUtf8Tail(b) : 0;
  const body = b.subarray(0, b.length - cut);
  let controls = 0;
  const sniff = Math.min(body.length, SNIFF * 8);
  for (let i = 0; i < sniff; i++) if (isControl(body[i]!)) controls++;
  const binary = controls > 0 && (body.indexOf(0) >= 0 || controls > sniff * 0.01);
  if (binary && !force) return null;
  try {
    return { encoding: 'UTF-8', text: new TextDecoder('utf-8', { fatal: true }).decode(body), used: body.length };
  } catch {
    // Not UTF-8: a legacy single-byte text (Windows-1252 is what browsers assume for Latin-1).
    return { encoding: 'Windows-1252', text: new TextDecoder('windows-1252').decode(b), used: b.length };
  }
}

const NOT_READ: Partial<Record<EntryType, string>> = {
  fifo: 'a named pipe: not read (reading it would wait for a writer)',
  socket: 'a socket: it holds no data to show',
  chardev: 'a character device: not read',
  blockdev: 'a block device: not read',
};

/** Reads up to `length` bytes at `offset`; a short read only at the end of the file. */
async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const fh = await fsp.open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FerryError('EINVAL', 'no longer a regular file', { path: file, syscall: 'read' });
    const buf = Buffer.alloc(Math.max(0, Math.min(length, st.size - offset)));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

export async function peek(p: ValidParams<'fs.peek'>): Promise<Peek> {
  const file = path.resolve(p.path);
  const lst = await fsp.lstat(file);
  let st = lst;
  if (lst.isSymbolicLink()) {
    try {
      st = await fsp.stat(file);
    } catch (e) {
      const target = await fsp.readlink(file).catch(() => '?');
      return { kind: 'other', path: file, size: 0, type: 'symlink', text: `a broken symbolic link to ${target} (${(e as { code?: string }).code ?? 'unreadable'})` };
    }
  }
  const type = entryType(st);
  if (type === 'dir') return { kind: 'dir', path: file };
  if (type !== 'file') return { kind: 'other', path: file, size: st.size, type, text: NOT_READ[type] ?? 'not a regular file' };
  const size = st.size;
  const offset = Math.min(p.offset, size);
  if (p.as === 'hex') {
    const b = await readAt(file, offset, HEX_PAGE);
    return { kind: 'binary', path: file, size, offset, dataBase64: b.toString('base64'), truncated: offset + b.length < size };
  }
  if (offset === 0 && p.as === 'auto') {
    const head = await readAt(file, 0, SNIFF);
    const mime = imageMime(head, path.basename(file));
    if (mime && size <= IMAGE_MAX) {
      const all = await readAt(file, 0, IMAGE_MAX);
      return { kind: 'image', path: file, size, mime, dataBase64: all.toString('base64') };
    }
    if (mime) {
      return { kind: 'binary', path: file, size, offset: 0, dataBase64: (await readAt(file, 0, HEX_PAGE)).toString('base64'), truncated: size > HEX_PAGE, why: `${mime} larger than ${IMAGE_MAX / 1024 / 1024} MiB: shown as bytes` };
    }
  }
  const b = await readAt(file, offset, TEXT_PAGE);
  const more = offset + b.length < size;
  const t = decodeText(b, offset === 0, more, p.as === 'text');
  if (!t) {
    const hex = b.subarray(0, HEX_PAGE);
    return { kind: 'binary', path: file, size, offset, dataBase64: hex.toString('base64'), truncated: offset + hex.length < size };
  }
  return { kind: 'text', path: file, size, encoding: t.encoding, text: t.text, offset, bytesRead: t.used, truncated: offset + t.used < size };
}
