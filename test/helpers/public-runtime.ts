// A world-readable copy of what bin/ferry-cp and the engine need at run time, for tests that run
// as an unprivileged user: the checkout itself may sit in a folder only root can enter (a fresh
// clone in a 0700 temp folder, /root…).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PARTS = ['package.json', 'bin/ferry-cp', 'bin/package.json', 'dist/bin', 'dist/native', 'native/build/Release/ferry_engine.node'];

let root: string | null = null;

/** Returns the root of the copy (made once per process, removed at exit). */
export function publicRuntime(): string {
  if (root) return root;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-public-'));
  for (const p of PARTS) fs.cpSync(path.join(REPO, p), path.join(dir, p), { recursive: true });
  const open = (p: string) => {
    const st = fs.statSync(p);
    fs.chmodSync(p, st.isDirectory() || st.mode & 0o100 ? 0o755 : 0o644);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) open(path.join(p, n));
  };
  open(dir);
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  root = dir;
  return dir;
}
