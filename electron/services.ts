// The main-process services behind the contract, shared by the Electron shell and serve mode:
// one FsService, one JobService, the handler map, and an event hub that fans events out to
// whichever transports are attached (the window's webContents, or every authenticated socket).
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AppInfo, Emit, EventName, Events, ValidParams } from './contract.js';
import { FsService } from './fs-service.js';
import { favorMemory } from './heap.js';
import type { ClipboardBridge } from './clipboard.js';
import { PaneService } from './pane-service.js';
import { createHandlers, type Handlers } from './handlers.js';
import { JobService } from './jobs/service.js';
import { SurveyService } from './survey-service.js';

export type Sink = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface ServicesOptions {
  dataDir: string;
  left: string;
  right: string;
  /** Folders the launch asked to open (Electron); read each time the page asks for app.info. */
  open?: string[];
  trashItem: (p: string) => Promise<void>;
  openPath: ((p: string) => Promise<void>) | null;
  /** The desktop's save dialog (Electron): a path, or null when cancelled. */
  chooseSavePath?: ((defaultName: string) => Promise<string | null>) | null;
  canStartDrag: boolean;
  /** Opening files needs the user's yes in the page first (serve mode). */
  openNeedsConsent?: boolean;
  /** The desktop's clipboard (Electron). */
  clipboard?: ClipboardBridge | null;
}

export interface Services {
  handlers: Handlers;
  /** The log export streamed to a sink (serve mode's HTTP download): its file name, and the writer. */
  logDownload: {
    name(p: ValidParams<'log.export'>): string;
    write(p: ValidParams<'log.export'>, sink: (chunk: string) => Promise<void>): Promise<number>;
  };
  /** Attach an event sink; returns its detach function. */
  addSink(sink: Sink): () => void;
  close(): Promise<void>;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function appVersion(): string {
  try {
    return (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

/** Where Ferry keeps its journal and logs when no folder is given: $XDG_DATA_HOME/ferry. */
export function defaultDataDir(): string {
  const base = process.env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'ferry');
}

export async function createServices(opts: ServicesOptions): Promise<Services> {
  favorMemory();
  const sinks = new Set<Sink>();
  const emit: Emit = (event, payload) => {
    for (const s of sinks) {
      try {
        s(event, payload);
      } catch {
        /* a closed transport must not break the others */
      }
    }
  };
  const jobs = new JobService({ dataDir: opts.dataDir, emit });
  const survey = new SurveyService({ emit });
  const pane = new PaneService({ emit });
  const fsService = new FsService({ emit, trashItem: opts.trashItem, partialAt: (p) => jobs.partialAt(p), hasPartialIn: (d) => jobs.hasPartialIn(d) });
  await jobs.init();
  const version = appVersion();
  const appInfo = (ctx: { transport: 'ipc' | 'ws' }): AppInfo => ({
    version,
    transport: ctx.transport,
    platform: process.platform,
    home: os.homedir(),
    left: opts.left,
    right: opts.right,
    open: [...(opts.open ?? [])],
    canOpenExternally: opts.openPath !== null,
    canStartDrag: opts.canStartDrag,
    openNeedsConsent: opts.openNeedsConsent ?? false,
    systemClipboard: Boolean(opts.clipboard),
  });
  const handlers = createHandlers({ appInfo, fs: fsService, jobs, survey, openPath: opts.openPath, pane, clipboard: opts.clipboard ?? null, chooseSavePath: opts.chooseSavePath ?? null });
  return {
    handlers,
    logDownload: { name: (p) => jobs.exportName(p), write: (p, sink) => jobs.exportTo(p, sink) },
    addSink(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    async close() {
      fsService.close();
      survey.close();
      pane.close();
      await jobs.close();
      sinks.clear();
    },
  };
}
