// Command-line options shared by `npm start` (Electron) and `npm run serve`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

export interface LaunchOptions {
  left: string;
  right: string;
  port: number;
  dataDir: string | null;
}

export class UsageError extends Error {}

function folder(value: string | undefined, flag: string): string {
  if (value === undefined) return os.homedir();
  const full = path.resolve(value);
  let st: fs.Stats;
  try {
    st = fs.statSync(full);
  } catch {
    throw new UsageError(`${flag}: no such folder: ${full}`);
  }
  if (!st.isDirectory()) throw new UsageError(`${flag}: not a folder: ${full}`);
  return full;
}

/** Parses Ferry's options; unknown ones (Electron/Chromium switches) are ignored when `lenient`. */
export function parseLaunchArgs(argv: string[], lenient = false): LaunchOptions {
  let values: { left?: string; right?: string; port?: string; 'data-dir'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: !lenient,
      allowPositionals: lenient,
      options: {
        left: { type: 'string' },
        right: { type: 'string' },
        port: { type: 'string' },
        'data-dir': { type: 'string' },
      },
    }) as { values: typeof values });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  let port = 0;
  if (values.port !== undefined) {
    if (!/^\d+$/.test(values.port) || Number(values.port) > 65535) throw new UsageError(`--port: expected 0-65535, got ${values.port}`);
    port = Number(values.port);
  }
  return {
    left: folder(values.left, '--left'),
    right: folder(values.right, '--right'),
    port,
    dataDir: values['data-dir'] ? path.resolve(values['data-dir']) : null,
  };
}
