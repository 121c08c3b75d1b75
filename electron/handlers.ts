// The request handlers of the contract, for both transports. `Handlers` is a mapped type over the
// contract's request names, so a request without a handler does not compile.
import type { AppInfo, EventName, Reply, RequestName, Result, Results, ValidParams } from './contract.js';
import { parseRequest } from './schemas.js';
import { FerryError, toWireError } from '../native/errors.js';
import type { FsService, Requester } from './fs-service.js';
import type { SurveyService } from './survey-service.js';
import type { ClipboardBridge } from './clipboard.js';
import type { PaneService } from './pane-service.js';

export interface RequestContext {
  transport: 'ipc' | 'ws';
  /** Starts an OS drag from the requesting window (IPC only). */
  startDrag?: (paths: string[]) => void;
  /** The client that asked (serve mode: its socket): the events of its listings and watchers go to it alone. */
  client?: Requester;
  /** Stops (true) or resumes sending one event to this client; absent: the transport sends every event. */
  mute?: (event: EventName, muted: boolean) => void;
}

export type Handlers = {
  [K in RequestName]: (params: ValidParams<K>, ctx: RequestContext) => Promise<Result<K>> | Result<K>;
};

/** What the job service offers the handlers (electron/jobs/service.ts implements it). */
export interface JobApi {
  start(p: ValidParams<'jobs.start'>): Promise<Results['jobs.start']>;
  control(p: ValidParams<'jobs.control'>): Promise<Results['jobs.control']>;
  list(): Results['jobs.list'];
  files(p: ValidParams<'jobs.files'>): Promise<Results['jobs.files']>;
  resolveConflict(p: ValidParams<'jobs.resolveConflict'>): Results['jobs.resolveConflict'];
  clearFinished(): Results['jobs.clearFinished'];
  explain(p: ValidParams<'copy.explain'>): Promise<Results['copy.explain']>;
  logRead(p: ValidParams<'log.read'>): Promise<Results['log.read']>;
  logExport(p: ValidParams<'log.export'>): Promise<Results['log.export']>;
  exportName(p: Pick<ValidParams<'log.export'>, 'jobId' | 'format'>): string;
  exportTo(p: ValidParams<'log.export'>, sink: (chunk: string) => Promise<void>): Promise<number>;
  exportToFile(p: ValidParams<'log.export'>, file: string): Promise<{ path: string; records: number; bytes: number }>;
  settings(): Results['settings.get'];
  notices(): Results['app.notices'];
  partials(): Promise<Results['jobs.partials']>;
  removePartial(p: ValidParams<'jobs.removePartial'>): Promise<Results['jobs.removePartial']>;
  dismissNotice(p: ValidParams<'app.dismissNotice'>): Results['app.dismissNotice'];
  updateSettings(p: ValidParams<'settings.set'>): Promise<Results['settings.set']>;
}

export interface HandlerDeps {
  appInfo: (ctx: RequestContext) => AppInfo;
  fs: FsService;
  jobs: JobApi;
  survey: SurveyService;
  /** Opens a file with the desktop's default application (Electron; serve mode once the user agreed in the page). */
  openPath: ((p: string) => Promise<void>) | null;
  /** Search, quick view, places, delete, undo helpers, path bar, open with. */
  pane: PaneService;
  /** The desktop's clipboard (Electron only). */
  clipboard: ClipboardBridge | null;
  /** Asks where to save a file (the desktop's save dialog; Electron only): the path, or null when cancelled. */
  chooseSavePath?: ((defaultName: string) => Promise<string | null>) | null;
}

function noClipboard(): never {
  throw new FerryError('ENOTSUP', "the desktop's clipboard is reachable from the Ferry window only (serve mode keeps its own)");
}

export function createHandlers(d: HandlerDeps): Handlers {
  return {
    'app.info': (_p, ctx) => d.appInfo(ctx),
    'app.startDrag': (p, ctx) => {
      if (!ctx.startDrag) {
        throw new FerryError('ENOTSUP', 'dragging files out to other applications needs the Ferry window (not serve mode)');
      }
      ctx.startDrag(p.paths);
      return { started: true };
    },
    'app.notices': () => d.jobs.notices(),
    'app.dismissNotice': (p) => d.jobs.dismissNotice(p),
    'fs.list': (p, ctx) => d.fs.list(p, ctx.client),
    'fs.stat': (p) => d.fs.stat(p),
    'fs.info': (p) => d.fs.info(p),
    'fs.mkdir': (p) => d.fs.mkdir(p),
    'fs.rename': (p) => d.fs.rename(p),
    'fs.trash': (p) => d.fs.trash(p),
    'fs.open': async (p) => {
      if (!d.openPath) {
        throw new FerryError('ENOTSUP', 'opening files with the desktop application needs the Ferry window (not serve mode)', { path: p.path });
      }
      await d.openPath(p.path);
      return { opened: true };
    },
    'fs.watch': (p, ctx) => d.fs.watch(p, ctx.client),
    'fs.unwatch': (p, ctx) => d.fs.unwatch(p, ctx.client),
    'fs.scan': (p, ctx) => d.survey.scan(p, ctx.client),
    'fs.scanCancel': (p, ctx) => d.survey.scanCancel(p, ctx.client),
    'fs.compare': (p) => d.survey.compare(p),
    'copy.explain': (p) => d.jobs.explain(p),
    'copy.check': (p) => d.survey.check(p),
    'jobs.start': (p) => d.jobs.start(p),
    'jobs.control': (p) => d.jobs.control(p),
    'jobs.list': () => d.jobs.list(),
    'jobs.files': (p) => d.jobs.files(p),
    'jobs.fileEvents': (p, ctx) => {
      ctx.mute?.('job.files', !p.send);
      return { send: ctx.mute ? p.send : true };
    },
    'jobs.resolveConflict': (p) => d.jobs.resolveConflict(p),
    'jobs.partials': () => d.jobs.partials(),
    'jobs.removePartial': (p) => d.jobs.removePartial(p),
    'jobs.clearFinished': () => d.jobs.clearFinished(),
    'log.read': (p) => d.jobs.logRead(p),
    'log.export': (p) => d.jobs.logExport(p),
    'log.saveAs': async (p) => {
      if (!d.chooseSavePath) {
        throw new FerryError('ENOTSUP', 'saving with a dialog needs the Ferry window; in serve mode the export is a download');
      }
      const file = await d.chooseSavePath(d.jobs.exportName(p));
      if (file === null) return { path: null, records: 0, bytes: 0 };
      return d.jobs.exportToFile(p, file);
    },
    'settings.get': () => d.jobs.settings(),
    'settings.set': (p) => d.jobs.updateSettings(p),
    'fs.search': (p, ctx) => d.pane.search(p, ctx.client),
    'fs.searchCancel': (p, ctx) => d.pane.searchCancel(p, ctx.client),
    'fs.measure': (p, ctx) => d.survey.measure(p, ctx.client),
    'fs.measureCancel': (p, ctx) => d.survey.measureCancel(p, ctx.client),
    'fs.peek': (p) => d.pane.peek(p),
    'fs.places': () => d.pane.places(),
    'fs.delete': (p) => d.pane.delete(p),
    'fs.rmdir': (p) => d.pane.rmdir(p),
    'fs.untrash': (p) => d.pane.untrash(p),
    'fs.resolve': (p) => d.pane.resolve(p),
    'fs.complete': (p) => d.pane.complete(p),
    'fs.apps': (p) => d.pane.apps(p),
    'fs.openWith': (p) => d.pane.openWith(p),
    'clipboard.read': () => (d.clipboard ? d.clipboard.read() : noClipboard()),
    'clipboard.write': (p) => (d.clipboard ? d.clipboard.write(p) : noClipboard()),
  };
}

/**
 * Validates and runs one request. Never throws: a malformed request, an unknown name or a failing
 * handler all become an error reply with Node's error fields.
 */
export async function dispatch(handlers: Handlers, method: unknown, params: unknown, ctx: RequestContext): Promise<Reply<unknown>> {
  const parsed = parseRequest(method, params);
  if (!parsed.ok) return { ok: false, error: parsed.error };
  try {
    const handler = handlers[parsed.name] as (p: unknown, c: RequestContext) => unknown;
    const value = await handler(parsed.params, ctx);
    return { ok: true, value };
  } catch (e) {
    return { ok: false, error: toWireError(e) };
  }
}
