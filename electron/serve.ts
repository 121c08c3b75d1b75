// Serve mode: Ferry's main-process services without Electron. Serves the built renderer and the
// contract over a WebSocket on 127.0.0.1 and prints exactly one line on stdout:
//   Ferry UI: http://127.0.0.1:PORT/?token=TOKEN
// Usage: npm run serve -- [--left DIR] [--right DIR] [--port N] [--data-dir DIR]
// The renderer's source maps are served only in development (NODE_ENV=development).
import fs from 'node:fs';
import path from 'node:path';
import { parseLaunchArgs, UsageError } from './args.js';
import { openWithDesktop } from './open-path.js';
import { createServices, defaultDataDir, repoRoot } from './services.js';
import { WorkerTrash } from './trash-worker.js';
import { startServer } from './ws-server.js';

export async function main(argv: string[]): Promise<void> {
  let opts;
  try {
    opts = parseLaunchArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`ferry serve: ${e.message}\nusage: npm run serve -- [--left DIR] [--right DIR] [--port N] [--data-dir DIR]\n`);
      process.exitCode = 2;
      return;
    }
    throw e;
  }
  const dataDir = opts.dataDir ?? defaultDataDir();
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const trash = new WorkerTrash();
  const services = await createServices({
    dataDir,
    left: opts.left,
    right: opts.right,
    trashItem: trash.trashItem,
    // The server runs on the user's own machine: the page opens files with its applications
    // (xdg-open) once the user has said yes to that (openNeedsConsent).
    openPath: (p) => openWithDesktop(p),
    openNeedsConsent: true,
    canStartDrag: false,
  });
  const server = await startServer({
    services,
    rendererDir: path.join(repoRoot, 'dist', 'renderer'),
    port: opts.port,
    sourceMaps: process.env.NODE_ENV === 'development',
  });
  process.stdout.write(`Ferry UI: ${server.url}\n`);

  let closing = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    await server.close();
    await services.close();
    await trash.close();
    process.exitCode = signal === 'SIGINT' ? 130 : 0;
    process.exit();
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

const entry = process.argv[1] ? path.resolve(process.argv[1]) : '';
if (entry.endsWith(path.join('electron', 'serve.js'))) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    process.stderr.write(`ferry serve: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}
