// Command-line options shared by `npm start` (Electron) and `npm run serve`.
//
// The Electron app also takes up to two folders without a flag (`ferry DIR [DIR]`): the desktop
// entry runs `ferry %U`, so "Open with Ferry" on a folder passes it as a path or a file:// URI.
// A file opens the folder that holds it.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fs } from '../native/user-fs.js';

export interface LaunchOptions {
  left: string;
  right: string;
  port: number;
  dataDir: string | null;
  /** Folders named without a flag, in order (first for the left pane, second for the right). */
  open: string[];
}

export class UsageError extends Error {}

function folder(value: string | undefined, flag: string, cwd: string): string {
  if (value === undefined) return os.homedir();
  const full = path.resolve(cwd, value);
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    throw new UsageError(`${flag}: no such folder: ${full}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag}: not a folder: ${full}`);
  return full;
}

/** A positional argument (path or file:// URI) as the folder to open. */
export function launchFolder(arg: string, cwd: string): string {
  let full: string;
  if (/^file:/i.test(arg)) {
    try {
      full = fileURLToPath(arg);
    } catch (e) {
      throw new UsageError(`not a local file URI: ${arg} (${(e as Error).message})`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(arg)) {
    throw new UsageError(`not a local folder: ${arg} (Ferry opens folders on this computer)`);
  } else {
    full = path.resolve(cwd, arg);
  }
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' || code === 'ENOTDIR' ? `no such file or folder: ${full}` : `cannot open ${full}: ${(e as Error).message}`);
  }
  return st.isDirectory() ? full : path.dirname(full);
}

/**
 * Parses Ferry's options. `lenient` (Electron): unknown options (Electron/Chromium switches) are
 * ignored and up to two folders may be named without a flag. Relative paths resolve against `cwd`
 * (a second instance passes its own).
 */
export function parseLaunchArgs(argv: string[], lenient = false, cwd = process.cwd()): LaunchOptions {
  let values: { left?: string; right?: string; port?: string; 'data-dir'?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      strict: !lenient,
      allowPositionals: lenient,
      options: {
        left: { type: 'string' },
        right: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    }) as { values: typeof values; positionals: string[] });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let port = 0;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port: expected 0-65535, got ${values.port}`);
    port = Number(values.port);
  }
  if (positionals.length > 2) throw new UsageError(`at most two folders, one for each pane (got ${positionals.length})`);
  return {
    left: folder(values.left, '--left', cwd),
    right: folder(values.right, '--right', cwd),
    port,
    dataDir: values['data-dir'] ? path.resolve(cwd, values['data-dir']) : null,
    open: positionals.map((p) => launchFolder(p, cwd)),
  };
}
