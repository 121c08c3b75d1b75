// Services for transport tests: the real FsService and handler map, with a recording job API.
import type { Results } from '../../electron/contract.js';
import { FsService } from '../../electron/fs-service.js';
import { createHandlers, type JobApi } from '../../electron/handlers.js';
import { PaneService } from '../../electron/pane-service.js';
import type { Services, Sink } from '../../electron/services.js';
import { SurveyService } from '../../electron/survey-service.js';

export function fakeServices(calls: string[] = []): Services & { emitAll: Sink } {
  const sinks = new Set<Sink>();
  const emitAll: Sink = (e, p) => {
    for (const s of sinks) s(e, p);
  };
  const fs = new FsService({ emit: emitAll, trashItem: async () => {} });
  const pane = new PaneService({ emit: emitAll });
  const jobs: JobApi = {
    async start(p) {
      calls.push(`start ${p.kind} ${p.sources.join(',')} -> ${p.destDir}`);
      return { jobId: 'job1' };
    },
    async control(p) {
      calls.push(`control ${p.action}`);
      return { jobId: p.jobId, state: 'paused' };
    },
    list: () => ({ jobs: [] }),
    files: async (p) => ({ jobId: p.jobId, total: 0, records: [] }),
    resolveConflict: () => ({ ok: true }),
    clearFinished: () => ({ removed: [] }),
    explain: async (p): Promise<Results['copy.explain']> => ({ items: p.sources.map((s) => ({ src: s, dest: p.destDir, type: 'file', method: 'buffered', chain: ['buffered'], reason: 'fake' })) }),
    logRead: async () => ({ total: 0, records: [] }),
    logExport: async () => ({ path: '', filename: 'x.csv', content: '' }),
    exportName: () => 'x.csv',
    exportTo: async () => 0,
    exportToFile: async (_p, file) => ({ path: file, records: 0, bytes: 0 }),
    settings: () => ({ retentionDays: 30, maxParallelDevices: 2, threads: 4, askBeforeDrop: true }),
    updateSettings: async (p) => ({ retentionDays: p.retentionDays ?? 30, maxParallelDevices: p.maxParallelDevices ?? 2, threads: p.threads ?? 4, askBeforeDrop: p.askBeforeDrop ?? true }),
    notices: () => ({ notices: [] }),
    partials: async () => ({ items: [] }),
    removePartial: async () => ({ removed: [], kept: [] }),
    dismissNotice: () => ({ ok: false }),
  };
  const handlers = createHandlers({
    appInfo: (ctx) => ({ version: 't', transport: ctx.transport, platform: 'linux', home: '/root', left: '/', right: '/tmp', canOpenExternally: false, canStartDrag: false }),
    fs,
    jobs,
    survey: new SurveyService({ emit: emitAll }),
    openPath: null,
    pane,
    clipboard: null,
  });
  return {
    handlers,
    logDownload: {
      name: (p) => `ferry-log-${p.jobId ?? 'all'}.${p.format}`,
      async write(p, sink) {
        calls.push(`export ${JSON.stringify(p)}`);
        for (let i = 0; i < 3; i++) await sink(`row ${i}\n`.repeat(50_000));
        return 150_000;
      },
    },
    emitAll,
    addSink(s) {
      sinks.add(s);
      return () => sinks.delete(s);
    },
    async close() {
      fs.close();
      pane.close();
    },
  };
}
