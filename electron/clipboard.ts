// Files on the desktop's clipboard (Electron only: serve mode's page keeps its own), in the
// formats Linux file managers exchange:
//   x-special/gnome-copied-files  "copy" or "cut", then one file:// URI per line (Nautilus, Nemo,
//                                 Caja, Thunar, PCManFM, Double Commander)
//   text/uri-list                 URIs, CRLF-separated, # comments (Dolphin, Qt and GTK 4 apps);
//                                 KDE marks a cut with application/x-kde-cutselection = "1"
//   text/plain                    absolute paths, one a line (a terminal, a text editor)
// Reading takes the first of these that holds files. Writing: Electron 41's clipboard writes one
// custom format per call (each call replaces what was there), so Ferry writes
// x-special/gnome-copied-files, which carries cut or copy and is what most file managers read; the
// copied paths as text ("Copy path") are written as plain text.
//
// No `electron` import: main-app.ts passes Electron's clipboard module in (tests pass a fake).
import type * as Electron from 'electron';
import type { ClipboardFiles, Results } from './contract.js';
import { fileUri, parseUriList, pathsInText, uriPath } from './file-uri.js';

export { fileUri, parseUriList, pathsInText, uriPath };

export type ElectronClipboard = Pick<Electron.Clipboard, 'availableFormats' | 'readBuffer' | 'writeBuffer' | 'readText' | 'writeText'>;

export const GNOME_FILES = 'x-special/gnome-copied-files';
export const URI_LIST = 'text/uri-list';
export const KDE_CUT = 'application/x-kde-cutselection';

/** x-special/gnome-copied-files: "copy|cut\nuri\nuri". */
export function formatGnomeFiles(f: ClipboardFiles): string {
  return [f.op, ...f.paths.map(fileUri)].join('\n');
}

export function parseGnomeFiles(text: string): ClipboardFiles | null {
  const [op, ...rest] = text.replace(/\0+$/, '').split(/\r?\n/);
  if (op !== 'copy' && op !== 'cut') return null;
  const paths = rest.map(uriPath).filter((p): p is string => p !== null);
  return paths.length ? { op, paths } : null;
}

export interface ClipboardBridge {
  read(): Results['clipboard.read'];
  write(p: { text?: string; files?: ClipboardFiles }): Results['clipboard.write'];
}

export function clipboardBridge(cb: ElectronClipboard): ClipboardBridge {
  const text = (format: string) => cb.readBuffer(format).toString('utf8');
  return {
    read() {
      const formats = new Set(cb.availableFormats());
      const plain = cb.readText();
      if (formats.has(GNOME_FILES)) {
        const f = parseGnomeFiles(text(GNOME_FILES));
        if (f) return { files: f, text: plain };
      }
      if (formats.has(URI_LIST)) {
        const paths = parseUriList(text(URI_LIST));
        const cut = formats.has(KDE_CUT) && text(KDE_CUT).startsWith('1');
        if (paths.length) return { files: { op: cut ? 'cut' : 'copy', paths }, text: plain };
      }
      const paths = pathsInText(plain);
      return { files: paths.length ? { op: 'copy', paths } : null, text: plain };
    },
    write(p) {
      if (p.files) cb.writeBuffer(GNOME_FILES, Buffer.from(formatGnomeFiles(p.files), 'utf8'));
      else if (p.text !== undefined) cb.writeText(p.text);
      return { written: Boolean(p.files || p.text !== undefined) };
    },
  };
}
