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
import type * as v from 'valibot';

// ---------------------------------------------------------------------------------------------
// Shared value types
// ---------------------------------------------------------------------------------------------

// The engine's records and their vocabulary have their home in the engine layer (native/types.ts);
// the contract carries them as they are.
export type { Attempt, ListedColumns, ConflictDecision, ConflictPolicy, CurrentFile, DestinationFit, EntryType, Explanation, FileRecord, FitItem, Holds, Method, Problem, ProblemKind, ScanKind, ScanTotals, SkipReason, UnfitPolicy, VerifiedRecord, WireError } from '../native/types.js';
export { CONFLICT_DECISIONS, CONFLICT_POLICIES, ENTRY_TYPES, METHODS, PROBLEM_KINDS, UNFIT_POLICIES } from '../native/types.js';
import type { ConflictEvent, ConflictPolicy, CurrentFile, DestinationFit, EntryType, Explanation, ListedColumns, ListedEntry, Method, ScanTotals, UnfitPolicy, VerifiedRecord, WireError } from '../native/types.js';

/**
 * One directory entry as the panes show it: the engine's listing row (native/types.ts ListedEntry).
 * `name` and `path` are spelled as the engine spells record paths: a byte that is not part of valid
 * UTF-8 as `\xNN` (and a backslash that would read as such an escape as `\x5C`). Requests take
 * paths in the same spelling.
 */
export interface DirEntry extends ListedEntry {
  /** An incomplete copy a transfer left here (see PartialCopy): the pane marks it until completed or removed. */
  incomplete?: { kind: PartialCopy['kind']; jobId: string | null };
}

/**
 * A copy left incomplete: 'partial', a folder under its final name that is missing entries (a
 * cancelled or failed transfer published what it had copied); 'temp', the engine's hidden folder
 * (`.ferry-<hex>.tmp`) a crash left in a destination. Resuming the transfer completes it;
 * `jobs.removePartial` removes what the transfer created, never what was there before.
 */
export interface PartialCopy {
  /** Where it is now. */
  path: string;
  kind: 'partial' | 'temp';
  /** The name it gets when complete (a temp: null when no known transfer's source matches it). */
  finalPath: string | null;
  /** The transfer that left it, when known. */
  jobId: string | null;
  /** Entries (not folders) and bytes it holds now. */
  files: number;
  bytes: number;
  mtimeMs: number;
}

export interface FsInfo {
  path: string;
  fsType: string;
  reflink: boolean;
  freeBytes: number;
  totalBytes: number;
  /** The filesystem is mounted read-only (nobody can write there). */
  readOnly: boolean;
  /** This user may create entries in the folder (access W_OK|X_OK): false on a writable filesystem means no permission. */
  writable?: boolean;
  /** Where the filesystem is mounted (null when unknown). */
  mountPoint?: string | null;
}

/** A finished entry as the queue and the log show it: the engine's record (with its `skipReason`,
 * `notStarted`, `contains`, `changed`, `replaces`) and its verification. */
export interface JobFileRecord extends VerifiedRecord {
  /**
   * 'job': not an entry but the job itself (not enough space, a destination that is gone, a
   * failed final flush): the log holds it so "Errors only" shows why a job failed. `src` is the
   * job's first source, `dest` its destination folder; it counts in no tally.
   */
  scope?: 'job';
}

/** Files and bytes per copy method (reflinked, copy_file_range, …): what the queue's badges count. */
export type ByMethod = Partial<Record<Method, { files: number; bytes: number }>>;

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
  /** Entries that are not folders; when the job has finished: filesDone + filesSkipped + filesFailed + filesNotStarted. */
  filesTotal: number;
  /** Copied (moved): skipped entries are never done. */
  filesDone: number;
  /** Entries (not folders) that failed. */
  filesFailed: number;
  bytesTotal: number;
  bytesDone: number;
  /** Bytes shared by reflink: they cost no time and do not count towards speed or ETA. */
  bytesReflinked: number;
  speed: number;
  etaSeconds: number | null;
  byMethod: ByMethod;
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
  /**
   * Milliseconds the latest run spent working: scanning, copying, verifying, flushing. Time in the
   * queue, paused, or waiting for an answer to a conflict (while nothing moved) is not counted.
   */
  activeMs?: number;
  /** Bytes really read and written (not reflinked, not skipped, holes of sparse files not counted), over the job. */
  bytesMoved?: number;
  /** The same, in the latest run (its average speed is runBytesMoved / activeMs). */
  runBytesMoved?: number;
  /** Sparse files copied: their count, logical size, and the data bytes read and written for them. */
  sparse?: { files: number; size: number; bytes: number };
  /**
   * Conflicts of this run still to be answered: those open now, or (asking, a first run) the
   * names the scan found taken that have not been asked about yet, whichever is more.
   */
  conflictsLeft?: number;
  /** The names the sources get in destDir, when not their own (a duplicate in its own folder). */
  names?: string[];
  /** Entries skipped (a conflict decision kept the destination, the user skipped them…). */
  filesSkipped?: number;
  /** Entries never started: below a failed folder, or left when the job was cancelled or interrupted. */
  filesNotStarted?: number;
  /** Folders that failed (their entries count in filesNotStarted). */
  foldersFailed?: number;
  /** Copied entries whose source changed while it was read: the copy holds what it was when opened (records with `changed`). */
  filesChanged?: number;
  /** Skipped entries per reason (SkipReason). */
  skippedBy?: Record<string, number>;
  /** Failed entries and folders per error code ('EACCES', 'EVERIFY', …). */
  failedBy?: Record<string, number>;
  /** Folders this job left incomplete under their final names (the queue offers to remove them). */
  partial?: string[];
  /** Said once per job, not per file: metadata a foreign destination (exFAT…) cannot keep, items it could not hold. */
  warnings?: string[];
  /**
   * The job's records in its log so far (what `jobs.files` would give as total): the queue pages
   * the rows it shows from `jobs.files` instead of taking every record as `job.files` events.
   * Absent when the log is not open (a finished job of an earlier session): ask `jobs.files`.
   */
  filesLogged?: number;
}

export interface CopyOptions {
  method: 'auto' | Method;
  conflict: ConflictPolicy;
  verify: boolean;
  fsync: boolean;
  preserve: boolean;
  /**
   * Foreign destinations (FAT, exFAT, NTFS), the copy dialog's choices, remembered with the job:
   * entries the destination cannot hold as they are fail with a plain reason ('fail', the
   * default), are left out ('skip'; a move leaves them at the source), or stop the job before
   * anything is copied ('stop').
   */
  unfit?: UnfitPolicy;
  /** Replace the characters the destination forbids (reversible; README). */
  mapNames?: boolean;
  /** Where symbolic links cannot be stored, copy what they point to. */
  followLinks?: boolean;
}

/** A conflict waiting for a decision: the engine's conflict event, tagged with its job. */
export interface ConflictInfo extends Omit<ConflictEvent, 'type'> {
  jobId: string;
}

export interface LogRecord extends JobFileRecord {
  jobId: string;
  time: number;
  /** The record's place in its job's log (0, 1, …): a record sent live and read from the log again is told apart by it. */
  seq?: number;
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
  /** Files dropped on a pane open the transfer dialog first, as F5/F6 do (default true); false starts the job at once. */
  askBeforeDrop: boolean;
}

/**
 * Something the user must know that is not the answer to a request: what start-up recovered from
 * a crash or a damaged file and what it could not, a data folder Ferry cannot use. Kept until
 * dismissed (`app.dismissNotice`), so a window opened later still shows it.
 */
export interface Notice {
  id: string;
  level: 'info' | 'warning' | 'error';
  /** One short sentence. */
  title: string;
  /** What happened and what it means for the user's files, in their terms. */
  message: string;
  /** Specifics (transfers recovered or lost, files kept aside), one per line. */
  details: string[];
  time: number;
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
  /**
   * Folders this launch was asked to open (`ferry DIR [DIR]`, "Open with Ferry"): the first in the
   * left pane, the second in the right. They win over the folders the panes remember.
   */
  open?: string[];
  /** Files are opened with the desktop's application only after the user agreed (serve mode: the page may be another machine's browser tab). */
  openNeedsConsent?: boolean;
  /** `clipboard.read`/`clipboard.write` reach the desktop's clipboard (Electron); else the page keeps its own. */
  systemClipboard?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Commander basics (issue 13): search, quick view, places, path bar, open with, clipboard
// ---------------------------------------------------------------------------------------------

/** How a name pattern is read: a glob list (`*.txt;*.md | test*`) or a regular expression. */
export interface NamePattern {
  pattern: string;
  regex?: boolean;
  caseSensitive?: boolean;
}

/** What a walk over folders counted (the engine's scan): the delete confirmation and folder statistics. */
export interface Measure {
  files: number;
  dirs: number;
  symlinks: number;
  specials: number;
  /** Apparent size of the regular files. */
  bytes: number;
  /** Bytes they occupy on disk. */
  allocated: number;
}

/** What quick view shows for one path; never more than a bounded slice of a file. */
export type Peek =
  | { kind: 'text'; path: string; size: number; encoding: string; text: string; offset: number; bytesRead: number; truncated: boolean }
  | { kind: 'image'; path: string; size: number; mime: string; dataBase64: string }
  | { kind: 'binary'; path: string; size: number; offset: number; dataBase64: string; truncated: boolean; why?: string }
  | { kind: 'dir'; path: string }
  | { kind: 'other'; path: string; size: number; type: EntryType; text: string };

/** Copy capabilities of a filesystem as the engine probes them (null: could not tell, e.g. read-only). */
export interface CopyCaps {
  /** FICLONE shares extents within it (probed on two O_TMPFILEs where it can be written). */
  reflink: boolean | null;
  /** What the engine's table says of the type (btrfs, xfs… can; XFS only when made with reflink=1). */
  reflinkByType: boolean;
  /** copy_file_range between two filesystems of this type (within one it always works). */
  copyFileRangeAcross: boolean;
  /** New files can be built unnamed (O_TMPFILE), so no half-written file ever has a name. */
  tmpfile: boolean | null;
}

export interface MountPlace {
  mountPoint: string;
  /** The engine's name of the filesystem (btrfs, ext4, fuse…), and mountinfo's own. */
  fsType: string;
  mountType: string;
  source: string;
  readOnly: boolean;
  totalBytes: number;
  freeBytes: number;
  /** Pseudo or system mounts (proc, sysfs, cgroup, /run, /boot/efi, snaps, bind-mounted files…): hidden unless asked for. */
  system: boolean;
  caps: CopyCaps | null;
  /** The mount could not be examined (or did not answer in time). */
  error?: WireError;
}

export interface Places {
  home: string;
  mounts: MountPlace[];
}

/** A desktop entry (freedesktop .desktop file) that can open a file. */
export interface DesktopApp {
  /** Its desktop file id, e.g. "org.gnome.gedit.desktop". */
  id: string;
  name: string;
  /** The Exec line as written. */
  exec: string;
  /** The user's or the system's default for this type (mimeapps.list). */
  isDefault: boolean;
}

/** Files on a clipboard: copied or cut. */
export interface ClipboardFiles {
  op: 'copy' | 'cut';
  paths: string[];
}

/** What `copy.check` finds out about a destination before anything is copied (the copy dialog). */
export interface CopyCheck {
  destDir: string;
  /** The folder exists (and is a folder). */
  exists: boolean;
  /** Why the destination cannot be used as it is (ENOENT, ENOTDIR, EACCES…), in Node's shape. */
  error: WireError | null;
  /** The user may create entries in it (access W_OK|X_OK). */
  writable: boolean;
  /** Its filesystem (null when it does not exist). */
  fs: FsInfo | null;
  /** Sources on the destination's filesystem (a move renames them; a copy may reflink them). */
  sameFs: number;
  /** Sources that no longer exist, or cannot be looked at (with why). */
  missing: { path: string; error: WireError }[];
  /** A move: sources whose folder this user may not change, so they could be copied but not removed. */
  cannotRemove: { path: string; error: WireError }[];
  /** Per destination filesystem: what it cannot hold (foreign ones: exFAT, FAT32, NTFS…), and whether there is room. */
  destinations: DestinationFit[];
}

/** One completion of a typed path (`fs.complete`). */
export interface PathCompletion {
  name: string;
  path: string;
  isDir: boolean;
}

/** `fs.compare`: two files side by side, and whether their content is the same. */
export interface FileComparison {
  a: { size: number; mtimeMs: number } | null;
  b: { size: number; mtimeMs: number } | null;
  /** From their extents (FIEMAP): true identical (shared extents), false different (sizes), null cannot tell. */
  identical: boolean | null;
  /** Why, in words. */
  why: string;
  /** With `hash`: xxHash64 of both (hex) and whether they are equal; null when not asked or not needed. */
  hash: { a: string; b: string; equal: boolean } | null;
}

// ---------------------------------------------------------------------------------------------
// Requests (their parameter schemas live in schemas.ts, which only main loads: the renderer bundle
// carries the names and types, not the validators)
// ---------------------------------------------------------------------------------------------

/**
 * Serve mode's log export as an HTTP download: GET EXPORT_PATH?format=csv|json&<log.export's
 * filters> (fellBack and errorsOnly as true/false), authorised by the token cookie like the page.
 */
export const EXPORT_PATH = '/log-export';

export const REQUEST_NAMES = [
  'app.info',
  'app.startDrag',
  'app.notices',
  'app.dismissNotice',
  'fs.list',
  'fs.stat',
  'fs.info',
  'fs.mkdir',
  'fs.rename',
  'fs.trash',
  'fs.open',
  'fs.watch',
  'fs.unwatch',
  'fs.scan',
  'fs.scanCancel',
  'fs.compare',
  'copy.explain',
  'copy.check',
  'jobs.start',
  'jobs.control',
  'jobs.list',
  'jobs.files',
  'jobs.fileEvents',
  'jobs.resolveConflict',
  'jobs.partials',
  'jobs.removePartial',
  'jobs.clearFinished',
  'log.read',
  'log.export',
  'log.saveAs',
  'settings.get',
  'settings.set',
  'fs.search',
  'fs.searchCancel',
  'fs.measure',
  'fs.measureCancel',
  'fs.peek',
  'fs.places',
  'fs.delete',
  'fs.rmdir',
  'fs.untrash',
  'fs.resolve',
  'fs.complete',
  'fs.apps',
  'fs.openWith',
  'clipboard.read',
  'clipboard.write',
] as const;
export type RequestName = (typeof REQUEST_NAMES)[number];
type Schemas = typeof import('./schemas.js').requestSchemas;
export type Params<K extends RequestName> = v.InferInput<Schemas[K]>;
/** Parameters after validation (defaults filled in): what handlers receive. */
export type ValidParams<K extends RequestName> = v.InferOutput<Schemas[K]>;

/** Job states in which a job holds the engine (or is about to): it can be paused and cancelled. */
export const ACTIVE_STATES: ReadonlySet<JobState> = new Set<JobState>(['scanning', 'running', 'paused', 'flushing', 'verifying']);
/** Job states that end a run (retry may start another). */
export const FINISHED_STATES: ReadonlySet<JobState> = new Set<JobState>(['done', 'failed', 'cancelled']);
export function isActive(s: JobState): boolean {
  return ACTIVE_STATES.has(s);
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

export interface Results {
  'app.info': AppInfo;
  'app.startDrag': { started: boolean };
  'app.notices': { notices: Notice[] };
  'app.dismissNotice': { ok: boolean };
  /** The entries themselves stream as `dir.entries` events tagged with the listingId (`columns: true`: in columns where they can). */
  'fs.list': { listingId: string; path: string; total: number };
  'fs.stat': DirEntry;
  'fs.info': FsInfo;
  'fs.mkdir': { path: string };
  'fs.rename': { path: string };
  'fs.trash': { trashed: string[]; failed: { path: string; error: WireError }[] };
  'fs.open': { opened: boolean };
  'fs.watch': { watchId: string };
  'fs.unwatch': { watchId: string };
  /** The totals stream as `scan.progress` events tagged with the scanId (the last has done: true). */
  'fs.scan': { scanId: string };
  'fs.scanCancel': { scanId: string; cancelled: boolean };
  'fs.compare': FileComparison;
  'copy.explain': { items: Explanation[] };
  /**
   * Before a copy: the destination (exists, writable, its filesystem), the sources (gone, or not
   * removable by a move), and per destination filesystem what it cannot hold (foreign ones) and
   * whether there is room.
   */
  'copy.check': CopyCheck;
  'jobs.start': { jobId: string };
  'jobs.control': { jobId: string; state: JobState };
  'jobs.list': { jobs: JobSummary[] };
  'jobs.files': { jobId: string; total: number; records: JobFileRecord[] };
  /** Whether this client now gets `job.files` events (a transport that cannot filter always sends them). */
  'jobs.fileEvents': { send: boolean };
  'jobs.resolveConflict': { ok: boolean };
  'jobs.partials': { items: PartialCopy[] };
  'jobs.removePartial': { removed: string[]; kept: { path: string; reason: string }[] };
  'jobs.clearFinished': { removed: string[] };
  'log.read': { total: number; records: LogRecord[] };
  /**
   * The export, written to the data folder's exports/. `content` holds it when it is small; a big
   * one has `contentOmitted` (and an empty content): read the file, or use log.saveAs (Electron)
   * or the HTTP download GET /log-export?format=…&<the same filters> (serve mode, token cookie).
   */
  'log.export': { path: string; filename: string; content: string; contentOmitted?: boolean; records?: number; bytes?: number };
  /** The export streamed to the file the person chose in the save dialog (Electron); path null when cancelled. */
  'log.saveAs': { path: string | null; records: number; bytes: number };
  'settings.get': Settings;
  'settings.set': Settings;
  /** The matches stream as `search.results` events tagged with the searchId. */
  'fs.search': { searchId: string; root: string };
  'fs.searchCancel': { searchId: string };
  /** fs.scan's older name for folder sizes (the same walk): the final totals; `measure.progress` events bring them while they grow. */
  'fs.measure': Measure & { measureId: string; cancelled: boolean };
  'fs.measureCancel': { measureId: string };
  'fs.peek': Peek;
  'fs.places': Places;
  'fs.delete': { deleted: string[]; failed: { path: string; error: WireError }[] };
  'fs.rmdir': { path: string };
  'fs.untrash': { restored: string[]; failed: { path: string; error: WireError }[] };
  /** A typed path made absolute (~, relative to base): a folder to open, or a file's folder and the file. */
  'fs.resolve': { path: string; dir: string; select: string | null };
  /** Names in `dir` that start with `prefix` (folders end in "/"), for Tab completion. */
  'fs.complete': { dir: string; prefix: string; names: string[]; matches: PathCompletion[]; more: boolean };
  'fs.apps': { mime: string; apps: DesktopApp[] };
  'fs.openWith': { opened: boolean };
  'clipboard.read': { files: ClipboardFiles | null; text: string };
  'clipboard.write': { written: boolean };
}
export type Result<K extends RequestName> = Results[K];

// ---------------------------------------------------------------------------------------------
// Events (main → renderer)
// ---------------------------------------------------------------------------------------------

export interface Events {
  /**
   * A listing's next rows. Asked with `columns: true`, they may come as `columns` (the compact form,
   * native/types.ts ListedColumns, `entries` then empty); a folder holding an incomplete copy still
   * sends `entries`, each row marked.
   */
  'dir.entries': { listingId: string; path: string; entries: DirEntry[]; done: boolean; error?: WireError; columns?: ListedColumns };
  'dir.changed': { watchId: string; path: string; gone: boolean };
  'job.updated': { jobs: JobSummary[] };
  'job.files': { jobId: string; records: JobFileRecord[] };
  'job.conflict': ConflictInfo;
  /** A new notice (the ones from before a window connected come with `app.notices`). */
  'app.notice': Notice;
  /** Another launch asked the running window to open folders: one goes to the active pane, two to left and right. */
  'app.open': { paths: string[] };
  /** A `fs.scan`'s totals as they grow (at most ~20 a second), and once with done: true (or the error that ended it). */
  'scan.progress': { scanId: string; totals: ScanTotals; done: boolean; error?: WireError };
  /** Matches of a search, in batches; the last has done: true (and `error` when the walk could not start). */
  'search.results': { searchId: string; entries: DirEntry[]; folders: number; scanned: number; unreadable: number; done: boolean; error?: WireError };
  'measure.progress': { measureId: string } & Measure;
}
export type EventName = keyof Events;
export const EVENT_NAMES: EventName[] = ['dir.entries', 'dir.changed', 'job.updated', 'job.files', 'job.conflict', 'app.open', 'app.notice', 'scan.progress', 'search.results', 'measure.progress'];

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

/** How services push events to whichever transport is attached. */
export type Emit = <E extends EventName>(event: E, payload: Events[E]) => void;
