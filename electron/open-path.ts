// Opens a file with the desktop's default application, and says whether that worked.
//
// Electron's `shell.openPath` cannot be used on Linux: in v41 it starts `xdg-open` without waiting
// for it and drops the callback (platform_util_linux.cc), so its promise never settles and the
// request would hang. Ferry runs `xdg-open` itself and reports its exit status (xdg-utils: 1 bad
// arguments, 2 no such file, 3 no tool to open it, 4 the action failed). Some desktops' xdg-open
// runs the application in the foreground: still running after `settleMs` means it found an
// application and started it, so that counts as opened. The child runs in its own process group
// and outlives Ferry.
import { spawn } from 'node:child_process';
import { FerryError } from '../native/errors.js';

export interface OpenPathOptions {
  /** The opener (tests pass a script). */
  command?: string;
  /** How long a still-running opener is waited for before it counts as started. */
  settleMs?: number;
}

const XDG_EXIT: Record<number, [code: string, description: string]> = {
  1: ['EINVAL', 'the desktop opener (xdg-open) rejected its arguments'],
  2: ['ENOENT', 'no such file or folder'],
  3: ['ENOTSUP', 'no application is set up to open this kind of file (xdg-open found no tool to open it)'],
  4: ['EIO', 'the application that opens this kind of file failed or is not installed'],
};

export function openWithDesktop(file: string, opts: OpenPathOptions = {}): Promise<void> {
  const command = opts.command ?? 'xdg-open';
  const settleMs = opts.settleMs ?? 3000;
  return new Promise<void>((resolve, reject) => {
    let done = false;
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (err: FerryError | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    const child = spawn(command, [file], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    // Keep reading (and dropping) its stderr for as long as it runs: a full pipe would block it.
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (!done) stderr = (stderr + d).slice(-4000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      const missing = e.code === 'ENOENT';
      finish(
        new FerryError(e.code ?? 'EIO', missing ? `cannot open files with the desktop's application: ${command} is not installed (package xdg-utils)` : `cannot start ${command}: ${e.message}`, {
          path: file,
          syscall: 'open',
        }),
      );
    });
    child.on('exit', (code, signal) => {
      if (code === 0) return finish(null);
      const known = code !== null ? XDG_EXIT[code] : undefined;
      const said = stderr.trim().split('\n').pop()?.trim();
      const description = known
        ? known[1]
        : signal
          ? `the desktop opener (${command}) was killed by ${signal}`
          : `the desktop opener (${command}) failed with exit status ${code}`;
      finish(new FerryError(known?.[0] ?? 'EIO', said ? `${description} (${said})` : description, { path: file, syscall: 'open' }));
    });
    timer = setTimeout(() => {
      // Still running: an application was found and started in the foreground.
      child.unref();
      (child.stderr as { unref?: () => void }).unref?.();
      finish(null);
    }, settleMs);
  });
}
