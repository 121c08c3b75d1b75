// The one contract between Ferry's main process (or serve mode) and its renderer.
//
// Every request is declared here once: its parameters as a valibot schema (validated at the
// boundary, so a malformed or hostile request gets an error reply and never reaches a handler),
// and its result as a TypeScript type. Every event is declared once with its payload type.
// main (`handlers.ts`), the preload (`preload.ts`) and the renderer's client (`renderer/src/lib/client.ts`)
// all derive their types from these maps, so a request without a handler is a compile error.
//
// This module runs in main, in the preload bundle and in the renderer: it imports neither
// `electron` nor `node:*`.
import * as v from 'valibot';

// ---------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------

/** The four ways the engine can move bytes. */
export const METHODS = ['reflink', 'copy_file_range', 'splice', 'buffered'] as const;
export type Method = (typeof METHODS)[number];

export const ENTRY_TYPES = ['file', 'dir', 'symlink', 'fifo', 'chardev', 'blockdev', 'socket'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** An error as it crosses the boundary: Node's shape, serialised by hand (IPC keeps only `message`). */
export interface WireError {
  code: string;
  message: string;
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
}

/** One directory entry as the panes show it. */
export interface DirEntry {
  name: string;
  path: string;
  type: EntryType;
  size: number;
  mtimeMs: number;
  mode: number;
  hidden: boolean;
  /** For symlinks: where it points, and the type of the target (null when dangling or looping). */
  linkTarget?: string;
  targetType?: EntryType | null;
  /**
   * Set when the entry could not be stat'ed, when its name is not UTF-8 (EILSEQ), or when it is a
   * symlink whose target is missing or loops (ENOENT/ELOOP, "broken symlink: …"): the row is
   * still shown, with this error inline.
   */
  error?: WireError;
}

export interface FsInfo {
  path: string;
  fsType: string;
  reflink: boolean;
  freeBytes: number;
  totalBytes: number;
  readOnly: boolean;
}

/** One try of one method on one file: what the copy-method log and the badges show. */
export interface Attempt {
  method: Method;
  outcome: 'ok' | 'unsupported' | 'error';
  /** errno name (e.g. "EXDEV") when the attempt did not succeed, else null. */
  errno: string | null;
  bytes: number;
}

/** The engine's record of one finished entry. */
export interface FileRecord {
  src: string;
  dest: string;
  type: EntryType;
  size: number;
  bytes: number;
  method: Method | null;
  attempts: Attempt[];
  sparse: boolean;
  ms: number;
  ok: boolean;
  skipped: boolean;
  error: WireError | null;
  warnings: string[];
  verified?: boolean | null;
}

export interface Explanation {
  src: string;
  dest: string;
  type: EntryType;
  method: Method | null;
  chain: Method[];
  reason: string;
}

export const CONFLICT_POLICIES = ['ask', 'overwrite', 'skip', 'rename', 'newer', 'error'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export type JobKind = 'copy' | 'move';
export type JobState = 'queued' | 'scanning' | 'running' | 'paused' | 'flushing' | 'verifying' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface JobSummary {
  id: string;
  kind: JobKind;
  sources: string[];
  destDir: string;
  state: JobState;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  filesTotal: number;
  filesDone: number;
  filesFailed: number;
  bytesTotal: number;
  bytesDone: number;
  /** Bytes shared by reflink: they cost no time and do not count towards speed or ETA. */
  bytesReflinked: number;
  speed: number;
  etaSeconds: number | null;
  byMethod: Partial<Record<Method, { files: number; bytes: number }>>;
  error: WireError | null;
  /** Added for the queue UI (optional, backwards-compatible): the options the job runs with. */
  options?: CopyOptions;
  /** Files being copied right now, with their bytes so far (per-file progress in the queue). */
  current?: CurrentFile[];
  /** Conflicts waiting for a decision (so a reloaded UI can show the dialog again). */
  conflicts?: ConflictInfo[];
  /** Milliseconds spent in the 'flushing' phase (syncing the destination at the end). */
  flushMs?: number;
  /** Bytes of files skipped (conflict policy, skip-current): they do not count towards speed. */
  bytesSkipped?: number;
  /** Files that verify found different (record.verified === false). */
  filesVerifyFailed?: number;
  /** Verification progress (jobs with verify on): files/bytes re-read and compared so far. */
  verify?: { filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number };
  /** How many sources the job has when `sources` was shortened to its first ones (huge selections). */
  sourcesCount?: number;
}

export interface CurrentFile {
  src: string;
  dest: string;
  size: number;
  bytes: number;
  method: Method | null;
}

export interface CopyOptions {
  method: 'auto' | Method;
  conflict: ConflictPolicy;
  verify: boolean;
  fsync: boolean;
  preserve: boolean;
}

export interface ConflictInfo {
  jobId: string;
  conflictId: number;
  src: string;
  dest: string;
  srcSize: number;
  srcMtimeMs: number;
  destSize: number;
  destMtimeMs: number;
}

export interface LogRecord extends FileRecord {
  jobId: string;
  time: number;
  /** bytes / second for this file (bytes / ms * 1000); 0 when nothing was copied. */
  throughput?: number;
}

/** User settings of the queue and the log, persisted in the data folder. */
export interface Settings {
  /** Copy-method logs of finished jobs older than this are deleted (default 30). */
  retentionDays: number;
  /** Jobs on different devices run in parallel, at most this many at a time (default 2). */
  maxParallelDevices: number;
  /** Engine worker threads per job (default: two per core, 4 to 8). */
  threads: number;
}

export interface AppInfo {
  version: string;
  transport: 'ipc' | 'ws';
  platform: string;
  home: string;
  left: string;
  right: string;
  /** Capabilities that only the Electron shell has (open with the desktop's app, drag out). */
  canOpenExternally: boolean;
  canStartDrag: boolean;
}

// ---------------------------------------------------------------------------------------------
// Schemas for request parameters
// ---------------------------------------------------------------------------------------------

const MAX_PATH_BYTES = 64 * 1024;
const MAX_SOURCES = 100_000;

/** An absolute path: a non-empty string starting with '/', without NUL, of bounded length. */
export const AbsPath = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(MAX_PATH_BYTES),
  v.startsWith('/', 'path must be absolute'),
  v.check((s) => !s.includes('\0'), 'path must not contain NUL'),
);

/** A single file name: no '/', not '.' or '..', not empty, at most 255 bytes in UTF-8. */
export const FileName = v.pipe(
  v.string(),
  v.minLength(1, 'name must not be empty'),
  v.check((s) => !s.includes('/'), 'name must not contain "/"'),
  v.check((s) => !s.includes('\0'), 'name must not contain NUL'),
  v.check((s) => s !== '.' && s !== '..', 'name must not be "." or ".."'),
  v.check((s) => new TextEncoder().encode(s).length <= 255, 'name is longer than 255 bytes'),
);

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));

export const CopyOptionsSchema = v.object({
  method: v.optional(v.picklist(['auto', ...METHODS]), 'auto'),
  conflict: v.optional(v.picklist(CONFLICT_POLICIES), 'ask'),
  verify: v.optional(v.boolean(), false),
  fsync: v.optional(v.boolean(), false),
  preserve: v.optional(v.boolean(), true),
});

export const requestSchemas = {
  'app.info': v.strictObject({}),
  /** Electron only: start an OS drag of these files out of the window (webContents.startDrag). */
  'app.startDrag': v.strictObject({ paths: v.pipe(v.array(AbsPath), v.minLength(1), v.maxLength(10_000)) }),
  'fs.list': v.strictObject({ path: AbsPath, listingId: Id }),
  'fs.stat': v.strictObject({ path: AbsPath }),
  'fs.info': v.strictObject({ path: AbsPath }),
  'fs.mkdir': v.strictObject({ parent: AbsPath, name: FileName }),
  'fs.rename': v.strictObject({ path: AbsPath, newName: FileName }),
  'fs.trash': v.strictObject({ paths: v.pipe(v.array(AbsPath), v.minLength(1), v.maxLength(MAX_SOURCES)) }),
  'fs.open': v.strictObject({ path: AbsPath }),
  'fs.watch': v.strictObject({ path: AbsPath, watchId: Id }),
  'fs.unwatch': v.strictObject({ watchId: Id }),
  'copy.explain': v.strictObject({
    sources: v.pipe(v.array(AbsPath), v.minLength(1), v.maxLength(MAX_SOURCES)),
    destDir: AbsPath,
  }),
  'jobs.start': v.strictObject({
    kind: v.picklist(['copy', 'move']),
    sources: v.pipe(v.array(AbsPath), v.minLength(1), v.maxLength(MAX_SOURCES)),
    destDir: AbsPath,
    options: v.optional(CopyOptionsSchema, {}),
  }),
  'jobs.control': v.strictObject({
    jobId: Id,
    action: v.picklist(['pause', 'resume', 'cancel', 'skip', 'retry', 'remove', 'up', 'down']),
  }),
  'jobs.list': v.strictObject({}),
  'jobs.files': v.strictObject({ jobId: Id, offset: Count, limit: v.pipe(Count, v.maxValue(5000)) }),
  'jobs.resolveConflict': v.strictObject({
    jobId: Id,
    conflictId: v.pipe(v.number(), v.integer(), v.minValue(0)),
    decision: v.picklist(['overwrite', 'skip', 'rename', 'newer', 'cancel']),
    applyToAll: v.boolean(),
  }),
  'log.read': v.strictObject({
    offset: Count,
    limit: v.pipe(Count, v.maxValue(5000)),
    jobId: v.optional(Id),
    method: v.optional(v.picklist(METHODS)),
    fellBack: v.optional(v.boolean()),
    errorsOnly: v.optional(v.boolean()),
    text: v.optional(v.pipe(v.string(), v.maxLength(1000))),
  }),
  'log.export': v.strictObject({ format: v.picklist(['csv', 'json']), jobId: v.optional(Id) }),
  'settings.get': v.strictObject({}),
  'settings.set': v.strictObject({
    retentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))),
    maxParallelDevices: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8))),
    threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64))),
  }),
} as const;

export type RequestName = keyof typeof requestSchemas;
export const REQUEST_NAMES = Object.keys(requestSchemas) as RequestName[];
export type Params<K extends RequestName> = v.InferInput<(typeof requestSchemas)[K]>;
/** Parameters after validation (defaults filled in): what handlers receive. */
export type ValidParams<K extends RequestName> = v.InferOutput<(typeof requestSchemas)[K]>;

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export interface Results {
  'app.info': AppInfo;
  'app.startDrag': { started: boolean };
  /** The entries themselves stream as `dir.entries` events tagged with the listingId. */
  'fs.list': { listingId: string; path: string; total: number };
  'fs.stat': DirEntry;
  'fs.info': FsInfo;
  'fs.mkdir': { path: string };
  'fs.rename': { path: string };
  'fs.trash': { trashed: string[]; failed: { path: string; error: WireError }[] };
  'fs.open': { opened: boolean };
  'fs.watch': { watchId: string };
  'fs.unwatch': { watchId: string };
  'copy.explain': { items: Explanation[] };
  'jobs.start': { jobId: string };
  'jobs.control': { jobId: string; state: JobState };
  'jobs.list': { jobs: JobSummary[] };
  'jobs.files': { jobId: string; total: number; records: FileRecord[] };
  'jobs.resolveConflict': { ok: boolean };
  'log.read': { total: number; records: LogRecord[] };
  'log.export': { path: string; filename: string; content: string };
  'settings.get': Settings;
  'settings.set': Settings;
}
export type Result<K extends RequestName> = Results[K];

// ---------------------------------------------------------------------------------------------
// Events (main → renderer)
// ---------------------------------------------------------------------------------------------

export interface Events {
  'dir.entries': { listingId: string; path: string; entries: DirEntry[]; done: boolean; error?: WireError };
  'dir.changed': { watchId: string; path: string; gone: boolean };
  'job.updated': { jobs: JobSummary[] };
  'job.files': { jobId: string; records: FileRecord[] };
  'job.conflict': ConflictInfo;
}
export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = ['dir.entries', 'dir.changed', 'job.updated', 'job.files', 'job.conflict'];

// ---------------------------------------------------------------------------------------------
// Wire envelope, shared by both transports
// ---------------------------------------------------------------------------------------------

export type Reply<T> = { ok: true; value: T } | { ok: false; error: WireError };

export interface WsRequest {
  id: number;
  method: string;
  params: unknown;
}
export type WsMessage =
  | ({ kind: 'reply'; id: number } & Reply<unknown>)
  | { kind: 'event'; event: EventName; payload: unknown };

/** The client API the renderer programs against, whichever transport carries it. */
export type Api = {
  [K in RequestName]: (params: Params<K>) => Promise<Result<K>>;
};

export interface ClientEvents {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}

/** What the preload exposes on `window.ferry`: one named verb per request, plus `on`. */
export type PreloadApi = { [K in RequestName]: (params: Params<K>) => Promise<Reply<Result<K>>> } & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** The absolute path of a File dropped from another application (Electron's webUtils). */
  pathForFile(file: File): string;
};

export const IPC_PREFIX = 'ferry:';
export const IPC_EVENT_CHANNEL = 'ferry:event';

/** Validates a request; returns the parsed params or a wire error (never throws). */
export function parseRequest(method: unknown, params: unknown):
  | { ok: true; name: RequestName; params: unknown }
  | { ok: false; error: WireError } {
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(requestSchemas, method)) {
    return { ok: false, error: { code: 'EBADREQUEST', message: `unknown request ${JSON.stringify(String(method)).slice(0, 80)}` } };
  }
  const name = method as RequestName;
  let r: ReturnType<typeof v.safeParse>;
  try {
    r = v.safeParse(requestSchemas[name], params);
  } catch (e) {
    return { ok: false, error: { code: 'EINVALIDPARAMS', message: `${name}: unreadable params: ${String((e as Error)?.message ?? e).slice(0, 200)}` } };
  }
  if (!r.success) {
    const issue = r.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join('.') || 'params';
    return { ok: false, error: { code: 'EINVALIDPARAMS', message: `${name}: invalid ${where}: ${issue?.message ?? 'invalid'}` } };
  }
  return { ok: true, name, params: r.output };
}

/** How services push events to whichever transport is attached. */
export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;
