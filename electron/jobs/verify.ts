// Verification: stream both files through xxHash64 (xxhash-wasm) and compare. Reads in 1 MiB
// chunks so a huge file never sits in memory; `shouldWait` lets a paused job hold verification too.
import { fsp } from '../user-fs.js';
import xxhash from 'xxhash-wasm';

type Api = Awaited<ReturnType<typeof xxhash>>;
let api: Promise<Api> | null = null;
function getApi(): Promise<Api> {
  return (api ??= xxhash());
}

const CHUNK = 1024 * 1024;

export interface HashControl {
  /** Resolves when the job may go on (pause); returns true when the job was cancelled. */
  gate?: () => Promise<boolean>;
  /** Called with the bytes read by each chunk. */
  onBytes?: (n: number) => void;
}

/** xxHash64 of a file's content, as 16 hex digits. Returns null when cancelled through the gate. */
export async function hashFile(file: string, ctl: HashControl = {}): Promise<string | null> {
  const { create64 } = await getApi();
  const h = create64();
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      if (ctl.gate && (await ctl.gate())) return null;
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      ctl.onBytes?.(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return h.digest().toString(16).padStart(16, '0');
}

/** true when both files hash equal, false when they differ or cannot be read; null when cancelled. */
export async function verifyPair(src: string, dest: string, ctl: HashControl = {}): Promise<boolean | null> {
  try {
    const [a, b] = await Promise.all([hashFile(src, ctl), hashFile(dest, ctl)]);
    if (a === null || b === null) return null;
    return a === b;
  } catch {
    return false;
  }
}
