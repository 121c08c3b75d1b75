// --verify: re-read the source and the copy and compare streaming xxh64 hashes.
import { open } from 'node:fs/promises';
import xxhash from 'xxhash-wasm';

type Api = Awaited<ReturnType<typeof xxhash>>;
let api: Promise<Api> | null = null;

const CHUNK = 1 << 20;

/** xxh64 of a whole file, read in 1 MiB chunks until read() returns 0 (st_size is not trusted). */
export async function xxh64File(file: string | Buffer): Promise<bigint> {
  api ??= xxhash();
  const h = (await api).create64();
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
    }
  } finally {
    await fh.close();
  }
  return h.digest();
}

export type VerifyResult = { ok: true } | { ok: false; mismatch: boolean; message: string; code: string };

/** Compares the two files' hashes. A read error is reported as not verified, with its cause. */
export async function verifyPair(src: string | Buffer, dest: string | Buffer, srcName = String(src), destName = String(dest)): Promise<VerifyResult> {
  let a: bigint;
  let b: bigint;
  try {
    [a, b] = await Promise.all([xxh64File(src), xxh64File(dest)]);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ok: false, mismatch: false, code: err.code ?? 'EIO', message: err.message };
  }
  if (a === b) return { ok: true };
  return {
    ok: false,
    mismatch: true,
    code: 'EVERIFY',
    message: `EVERIFY: copy differs from source (xxh64 ${a.toString(16)} != ${b.toString(16)}), verify '${srcName}' -> '${destName}'`,
  };
}
