// The queue's and the log's user settings, kept in <dataDir>/settings.json (written atomically).
import fs from 'node:fs';
import path from 'node:path';
import type { Settings } from '../contract.js';
import { moveAside, type LoadReport } from './journal.js';

const FILE = 'settings.json';

function clampInt(v: unknown, lo: number, hi: number): number | undefined {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi ? v : undefined;
}

/**
 * Saved settings over `defaults`. A missing file gives the defaults; so does a damaged one, which
 * is moved aside first (`damaged` says so) rather than overwritten by the next save.
 */
export function loadSettings(dataDir: string, defaults: Settings): Settings & { damaged?: LoadReport['damaged'][number] } {
  let raw: Record<string, unknown> = {};
  try {
    const x = JSON.parse(fs.readFileSync(path.join(dataDir, FILE), 'utf8')) as unknown;
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw new Error('not a settings object');
    raw = x as Record<string, unknown>;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { ...defaults };
    return { ...defaults, damaged: moveAside(dataDir, FILE, (e as Error).message) };
  }
  return {
    retentionDays: clampInt(raw.retentionDays, 1, 3650) ?? defaults.retentionDays,
    maxParallelDevices: clampInt(raw.maxParallelDevices, 1, 8) ?? defaults.maxParallelDevices,
    threads: clampInt(raw.threads, 1, 64) ?? defaults.threads,
    askBeforeDrop: typeof raw.askBeforeDrop === 'boolean' ? raw.askBeforeDrop : defaults.askBeforeDrop,
  };
}

export function saveSettings(dataDir: string, s: Settings): void {
  fs.mkdirSync(dataDir, { recursive: true });
  const tmp = path.join(dataDir, `.${FILE}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2) + '\n');
  fs.renameSync(tmp, path.join(dataDir, FILE));
}
