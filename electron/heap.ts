// The main process's V8 heap, tuned for memory, in serve mode and in Electron's main process alike
// (both build their services through createServices, which calls this once).
//
// Why: a job of many small files turns every record into short-lived JS objects and strings (the
// engine's batches, the log's lines, the renderer's `job.files`). With V8's defaults for a
// machine with plenty of memory, the old generation may grow to about four times what is live
// before a full collection, and the young generation to 32 MiB: a 200,000-file job took serve
// from 60 to over 200 MiB with about 17 MiB live (issue 10, "Memory at scale": ≤ 150 MiB).
// `--optimize-for-size` caps that growth (at most twice what is live) and lets the young
// generation shrink while it is mostly garbage; measured in `npm run bench` (row "serve RSS,
// 200,000-file job"). It is read at each collection, so setting it after start-up takes effect
// (Node and Electron ≥ 29 leave V8's flags unfrozen for v8.setFlagsFromString).
import v8 from 'node:v8';

let tuned = false;

export function favorMemory(): void {
  if (tuned) return;
  tuned = true;
  v8.setFlagsFromString('--optimize-for-size');
}
