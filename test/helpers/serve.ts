// Starts Ferry's serve mode (dist/electron/serve.js) as a child process for end-to-end tests and
// returns the URL it printed. Waits for the printed line, never for a timer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebSocket } from 'ws';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Served {
  url: string;
  origin: string;
  port: number;
  token: string;
  dataDir: string;
  proc: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
  /** SIGKILL, for crash-recovery tests; the data dir is kept. */
  kill(): Promise<void>;
}

export async function startServe(
  opts: { left?: string; right?: string; dataDir?: string; env?: NodeJS.ProcessEnv; port?: number; /** Run as this user (root only): what another user sees. */ uid?: number; gid?: number } = {},
): Promise<Served> {
  const ownData = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'ferry-data-'));
  const args = [path.join(repo, 'dist', 'electron', 'serve.js'), '--port', String(opts.port ?? 0), '--data-dir', dataDir];
  if (opts.left) args.push('--left', opts.left);
  if (opts.right) args.push('--right', opts.right);
  const proc = spawn(process.execPath, args, {
    cwd: repo,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.gid ?? opts.uid } : {}),
  });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Ferry UI: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out);
      if (m) {
        proc.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`serve exited (${code}) before printing its URL: ${err}`)));
  });
  const u = new URL(line);
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  return {
    url: line,
    origin: u.origin,
    port: Number(u.port),
    token: u.searchParams.get('token')!,
    dataDir,
    proc,
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      await exited;
      if (ownData) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

export interface RpcReply {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

/** Sends one request over a serve-mode socket and resolves with its reply. */
export function rpc(ws: WebSocket, id: number, method: unknown, params: unknown): Promise<RpcReply> {
  return rpcText(ws, id, method, JSON.stringify(params) ?? 'null');
}

/** `rpc` with the params' JSON text as given (for what JSON.stringify cannot write, like `__proto__`). */
export function rpcText(ws: WebSocket, id: number, method: unknown, paramsJson: string): Promise<RpcReply> {
  return new Promise((resolve) => {
    const onMsg = (d: Buffer) => {
      const m = JSON.parse(d.toString());
      if (m.kind === 'reply' && m.id === id) {
        ws.off('message', onMsg);
        resolve(m);
      }
    };
    ws.on('message', onMsg);
    ws.send(`{"id":${id},"method":${JSON.stringify(method)},"params":${paramsJson}}`);
  });
}
