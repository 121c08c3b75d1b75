// Typed wrapper around the native copy engine (native/src, built by native/build.mjs).
//
// The addon is a Node-API module: the same binary loads in Node (serve mode, bin/ferry-cp, tests)
// and in Electron's main process without a rebuild. Arguments are validated here so the C++ side
// can trust them (sharp's habit). The record types it reports, and their predicates, live in types.ts.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FerryError } from './errors.js';
import type {
  ConflictDecision,
  CopyProbe,
  CopyPair,
  EngineEvent,
  ExplainItem,
  Explanation,
  FilesEvent,
  FilesystemInfo,
  FileRecord,
  JobResult,
  JobSpec,
  ListedEntry,
  ListingSort,
  Method,
  RemoveReport,
  ScanEvent,
  ScanTotals,
  TempInfo,
  ScanResult,
  WireError,
} from './types.js';

export * from './types.js';
export { FerryError, toWireError } from './errors.js';

// Paths in records and events: names are bytes on Linux, JS strings are UTF-8. The engine writes
// each byte that is not part of valid UTF-8 as `\xNN` (upper-case hex) and, to stay lossless, a
// literal backslash that would read as such an escape as `\x5C`. `decodeEnginePath()` turns such a
// string back into the exact bytes (a Buffer usable as an fs path).
export function decodeEnginePath(p: string): Buffer {
  const out: Buffer[] = [];
  let last = 0;
  const re = /\\x([0-9A-Fa-f]{2})/g;
  for (let m = re.exec(p); m; m = re.exec(p)) {
    out.push(Buffer.from(p.slice(last, m.index), 'utf8'), Buffer.from([parseInt(m[1]!, 16)]));
    last = m.index + m[0].length;
  }
  out.push(Buffer.from(p.slice(last), 'utf8'));
  return Buffer.concat(out);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = '0123456789ABCDEF';

/** Length of the valid UTF-8 sequence at `b[i]` (the engine's utf8_seq_len: no overlongs, surrogates, > U+10FFFF), 0 if invalid. */
function utf8SeqLen(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  let n: number;
  let cp: number;
  if ((c & 0xe0) === 0xc0) [n, cp] = [2, c & 0x1f];
  else if ((c & 0xf0) === 0xe0) [n, cp] = [3, c & 0x0f];
  else if ((c & 0xf8) === 0xf0) [n, cp] = [4, c & 0x07];
  else return 0;
  if (b.length - i < n) return 0;
  for (let k = 1; k < n; k++) {
    if ((b[i + k]! & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (b[i + k]! & 0x3f);
  }
  if ((n === 2 && cp < 0x80) || (n === 3 && cp < 0x800) || (n === 4 && cp < 0x10000)) return 0;
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return n;
}

const isHex = (c: number | undefined): boolean => c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66));

/**
 * The inverse of `decodeEnginePath()`: a path (or name) as bytes, spelled the way the engine
 * spells record paths — valid UTF-8 as it is, every other byte as `\xNN`, and a backslash that
 * would read as such an escape as `\x5C` (native/src/util.cc escape_name). A string argument is
 * taken as UTF-8. `decodeEnginePath(encodeEnginePath(b))` equals `b` for any bytes.
 */
export function encodeEnginePath(bytes: Buffer | Uint8Array | string): string {
  const b = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  if (!b.includes(0x5c)) {
    try {
      return strictUtf8.decode(b); // the common case: valid UTF-8 without a backslash
    } catch {
      /* spell it byte by byte */
    }
  }
  let out = '';
  let run = 0; // start of the pending run of valid UTF-8
  const flush = (end: number): void => {
    if (end > run) out += Buffer.from(b.buffer, b.byteOffset + run, end - run).toString('utf8');
  };
  for (let i = 0; i < b.length; ) {
    if (b[i] === 0x5c && b[i + 1] === 0x78 && isHex(b[i + 2]) && isHex(b[i + 3])) {
      flush(i);
      out += '\\x5C';
      run = ++i;
      continue;
    }
    const n = utf8SeqLen(b, i);
    if (n === 0) {
      flush(i);
      out += `\\x${HEX[b[i]! >> 4]}${HEX[b[i]! & 15]}`;
      run = ++i;
    } else i += n;
  }
  flush(b.length);
  return out;
}

// Paths handed TO the engine are read in the same spelling (every function below decodes them
// with the rule of decodeEnginePath()): pass `encodeEnginePath(bytes)` for a name that is not
// UTF-8, or for one that holds a literal `\xNN`. Paths the engine reports come back spelled the
// same way, so a record's `src`/`dest` can be handed back as they are.

/** Handle to a running native job. All controls are safe to call at any time, also after the end. */
export interface NativeJob {
  pause(): void;
  resume(): void;
  cancel(): void;
  /** Abandon the file(s) being copied right now (their temps are removed); the job goes on. */
  skipCurrent(): void;
  /**
   * Answers a conflict. With decision 'rename' and `newName` (a file name, the engine's `\xNN`
   * spelling), the entry gets that name in the same folder; when it is taken too, a new conflict
   * about it is raised. `applyToAll` does not apply to a chosen name.
   */
  resolveConflict(conflictId: number, decision: ConflictDecision, applyToAll: boolean, newName?: string): void;
}

type OnDone<R> = (err: WireError | null, result: R) => void;

/** A job's choices for foreign destinations, as explain() and scan() apply them to names and links. */
export interface ForeignChoices {
  /** Names as the job writes them: the characters the destination forbids replaced (unmapName() reverses it). */
  mapNames?: boolean;
  /** Links the destination cannot store are copied as what they point to. */
  followLinks?: boolean;
}
interface ExplainBatch {
  type: 'explain';
  items: ExplainItem[];
}
/** A files event as it crosses: its records are the JSON text `parts[part]` (native/src/json.cc). */
type WireFilesEvent = Omit<FilesEvent, 'records'> & { part: number };
type WireEngineEvent = Exclude<EngineEvent, FilesEvent> | WireFilesEvent;
interface Binding {
  startJob(spec: JobSpec, onEvents: (events: WireEngineEvent[], parts?: string[]) => void, onDone: OnDone<JobResult>): NativeJob;
  scan(
    sources: string[],
    opts: { recursive: boolean; dest: string; move: boolean; method: string; checkSpace: boolean; spaceCredit: number } & ForeignChoices,
    onEvents: (events: ScanEvent[]) => void,
    onDone: OnDone<ScanResult>,
  ): { cancel(): void };
  explainTrees(
    pairs: CopyPair[],
    opts: { method: string; recursive: boolean; problemsOnly: boolean } & ForeignChoices,
    onEvents: (events: ExplainBatch[]) => void,
    onDone: OnDone<{ count: number; cancelled: boolean }>,
  ): { cancel(): void };
  explain(src: string, dest: string, method: string, recursive: boolean, choices: ForeignChoices): Explanation;
  /** `order`: 1 or -1 for the panes' name order (ascending, descending); else as the folder gives them. */
  DirLister: new (path: string, order?: 1 | -1) => {
    open(cb: (err: WireError | null, count: number) => void): void;
    /** `rows`: the JSON text of an array of ListedEntry. */
    next(max: number, cb: (err: WireError | null, rows: string, done: boolean) => void): void;
    /** `cols`: the JSON text of a ListedColumns. */
    nextColumns(max: number, cb: (err: WireError | null, cols: string, done: boolean) => void): void;
  };
  fsInfo(path: string): FilesystemInfo;
  compareExtents(a: string, b: string): ExtentsAnswer;
  probeCopy(dir: string): CopyProbe;
  mapName(name: string): string;
  unmapName(name: string): string;
  tempName(): string;
  errnoName(errno: number): string;
  findTemps(dir: string, recursive: boolean): Promise<TempInfo[]>;
  removeTemp(path: string): Promise<void>;
  publishTemp(path: string): Promise<{ dest: string }>;
  dropCache(path: string): Promise<void>;
}

let binding: Binding | null = null;

/**
 * Where the addon may be, in order. The packaged Electron app (Electron without `defaultApp`)
 * loads only its own copy beside the asar, and ignores FERRY_NATIVE_ADDON: an environment variable
 * must not load arbitrary code into an installed app. Elsewhere FERRY_NATIVE_ADDON names the one
 * build to load (e.g. the sanitizer build, see native/binding.gyp), so a test never runs another
 * build by mistake; without it, the source tree's build (from native/ or from dist/native/).
 */
export function addonCandidates(here: string, env: NodeJS.ProcessEnv = process.env, proc: { resourcesPath?: string; defaultApp?: boolean } = process as { resourcesPath?: string; defaultApp?: boolean }): string[] {
  if (proc.resourcesPath && !proc.defaultApp) return [path.join(proc.resourcesPath, 'app.asar.unpacked', 'native', 'build', 'Release', 'ferry_engine.node')];
  if (env.FERRY_NATIVE_ADDON) return [path.resolve(env.FERRY_NATIVE_ADDON)];
  return [path.join(here, 'build', 'Release', 'ferry_engine.node'), path.join(here, '..', '..', 'native', 'build', 'Release', 'ferry_engine.node')];
}

function load(): Binding {
  if (binding) return binding;
  const require = createRequire(import.meta.url);
  const candidates = addonCandidates(path.dirname(fileURLToPath(import.meta.url)));
  // A build that exists but does not load (say, built against a newer glibc than this system's)
  // is reported with the loader's own words, not hidden behind a later "not found".
  let failure: { file: string; error: unknown } | null = null;
  for (const c of candidates) {
    if (!existsSync(c)) continue;
    try {
      binding = require(c) as Binding;
      return binding;
    } catch (e) {
      failure ??= { file: c, error: e };
    }
  }
  if (failure) {
    throw new Error(`ferry: cannot load the native copy engine ${failure.file}: ${String((failure.error as Error)?.message ?? failure.error)}`);
  }
  throw new Error(`ferry: the native copy engine is not built (no ${candidates.join(' or ')}). Run \`npm run build:native\`.`);
}

/** Copy workers: 8, whatever the cores. Small-file trees are bound by per-file syscalls and, with a
 * cold page cache or a busy machine, by waits (reads, the journal, the scheduler): more workers than
 * cores keep work in flight. Measured on 2 cores (bench `workers` rows, 50k × 4 KiB): 8 against 4
 * took 0.61-0.98× the time cold and 0.65-0.92× warm, never more (load 7-15). */
export const DEFAULT_THREADS = 8;

export interface StartOptions extends Partial<Omit<JobSpec, 'pairs'>> {
  onEvents?: (events: EngineEvent[]) => void;
}

export interface RunningJob extends NativeJob {
  readonly done: Promise<JobResult>;
}

/** A single file name: not empty, no '/', no NUL, not '.' or '..'. */
function validName(n: string): boolean {
  return typeof n === 'string' && n.length > 0 && !n.includes('/') && !n.includes('\0') && n !== '.' && n !== '..';
}

function checkPath(p: unknown, what: string): asserts p is string {
  if (typeof p !== 'string' || !p) throw new TypeError(`${what} must be a non-empty string`);
  if (p.includes('\0')) throw new TypeError(`${what} must not contain NUL`);
}

function checkPairs(pairs: readonly CopyPair[]): CopyPair[] {
  for (const p of pairs) {
    if (typeof p.src !== 'string' || typeof p.dest !== 'string' || !p.src || !p.dest) throw new TypeError('pairs need src and dest strings');
    if (p.src.includes('\0') || p.dest.includes('\0')) throw new TypeError('paths must not contain NUL');
  }
  return pairs.map((p) => ({ src: p.src, dest: p.dest }));
}

function checkTag(tag: string): string {
  if (tag !== '' && !/^[A-Za-z0-9_-]{1,64}$/.test(tag)) throw new TypeError('tag must match [A-Za-z0-9_-]{1,64}');
  return tag;
}

/** A promise and the onDone callback that settles it (a run's error becomes a FerryError). */
function settle<R>(): { done: Promise<R>; onDone: OnDone<R> } {
  let onDone!: OnDone<R>;
  const done = new Promise<R>((resolve, reject) => {
    onDone = (err, result) => (err ? reject(FerryError.from(err)) : resolve(result));
  });
  return { done, onDone };
}

/**
 * A files event whose records are parsed from their JSON text when first read (and then kept). A
 * class, not an object literal with a getter: V8 runs the literal's getter at half the speed.
 * `records` is an accessor on the prototype, so toJSON() gives the plain shape.
 */
class EngineFiles implements FilesEvent {
  readonly type = 'files';
  readonly count: number;
  readonly failed: number;
  readonly changed: number;
  #json: string;
  #records: FileRecord[] | null = null;
  constructor(w: WireFilesEvent, json: string) {
    this.count = w.count;
    this.failed = w.failed;
    this.changed = w.changed;
    this.#json = json;
  }
  get records(): FileRecord[] {
    if (this.#records === null) {
      this.#records = JSON.parse(this.#json) as FileRecord[];
      this.#json = '';
    }
    return this.#records;
  }
  set records(v: FileRecord[]) {
    this.#records = v;
    this.#json = '';
  }
  toJSON(): FilesEvent {
    return { type: this.type, records: this.records, count: this.count, failed: this.failed, changed: this.changed };
  }
}

/** The events of one batch as consumers see them (files events get their records, lazily). */
function engineEvents(events: WireEngineEvent[], parts: string[] = []): EngineEvent[] {
  return events.map((e) => (e.type === 'files' ? new EngineFiles(e, parts[e.part] ?? '[]') : e));
}

/**
 * Starts a native job. Events arrive batched and throttled (≤ 20 progress events/s). `done`
 * resolves with the totals when the job ends (also when cancelled, and when the final flush of
 * `flush` failed: see `result.flush`), and rejects only when the job as a whole failed before
 * copying (the free-space check of `spaceCheck`: a FerryError ENOSPC, nothing copied).
 */
export function startJob(pairs: CopyPair[], opts: StartOptions = {}): RunningJob {
  const spec: JobSpec = {
    pairs: checkPairs(pairs),
    recursive: opts.recursive ?? false,
    method: opts.method ?? 'auto',
    preserve: opts.preserve ?? true,
    fsync: opts.fsync ?? false,
    threads: Math.max(1, Math.min(64, Math.floor(opts.threads ?? DEFAULT_THREADS))),
    conflict: opts.conflict ?? 'error',
    move: opts.move ?? false,
    scan: opts.scan ?? true,
    spaceCheck: opts.spaceCheck ?? false,
    progress: opts.progress ?? true,
    flush: opts.flush ?? false,
    tag: checkTag(opts.tag ?? ''),
    unfit: opts.unfit ?? 'fail',
    mapNames: opts.mapNames ?? false,
    followLinks: opts.followLinks ?? false,
    paused: opts.paused ?? false,
  };
  const onEvents = opts.onEvents;
  const { done, onDone } = settle<JobResult>();
  const job = load().startJob(spec, onEvents ? (events, parts) => onEvents(engineEvents(events, parts)) : () => {}, onDone);
  return {
    done,
    pause: () => job.pause(),
    resume: () => job.resume(),
    cancel: () => job.cancel(),
    skipCurrent: () => job.skipCurrent(),
    resolveConflict: (id, d, all, newName) => {
      if (newName === undefined) return job.resolveConflict(id, d, all);
      if (d !== 'rename' || !validName(newName)) throw new TypeError('newName must be a file name, with decision "rename"');
      job.resolveConflict(id, d, false, newName);
    },
  };
}

/**
 * Predicts the method for one pair without copying anything (the engine's one planner decides,
 * as it does for the copy). `recursive: false` explains it as a job without recursive copies it:
 * a FIFO's or device's data is read, where a tree recreates the node. Throws the source's
 * lstat error (Node's shape) when it cannot be examined.
 */
export function explain(src: string, dest: string, method: 'auto' | Method = 'auto', opts: { recursive?: boolean } & ForeignChoices = {}): Explanation {
  return load().explain(src, dest, method, opts.recursive ?? true, { mapNames: opts.mapNames ?? false, followLinks: opts.followLinks ?? false });
}

export interface ScanOptions extends ForeignChoices {
  /** Count what is below folders (a copy without recursive refuses folders: they count nothing). Default true. */
  recursive?: boolean;
  /**
   * The destination folder the sources will be copied into (each under its own name). With it the
   * planner predicts what will be reflinked (or renamed, with `move`); without it everything is needed.
   */
  dest?: string;
  move?: boolean;
  method?: 'auto' | Method;
  /**
   * After the walk, check the destination's free space as a job's `spaceCheck` does: `done`
   * rejects with the engine's ENOSPC FerryError (`not enough space: needs X, Y free…`, syscall
   * statfs, path the destination folder) when the needed bytes do not fit. Needs `dest`.
   */
  checkSpace?: boolean;
  /** Bytes an earlier run of the same copy already wrote there (a resumed job): not needed again. */
  spaceCredit?: number;
}

/** A running scan or explain walk: cancel() stops it (done then resolves with what was counted). */
export interface RunningWalk<R> {
  readonly done: Promise<R>;
  cancel(): void;
}

/**
 * Counts what copying `sources` would do, on the engine's threads with its one walker (the same
 * one a job's scan uses): files, folders, symlinks, specials, apparent and allocated bytes, and
 * the bytes the planner predicts will be reflinked. `onProgress` gets the totals as they grow
 * (≤ 20 a second) and once more with done:true. With `dest`, the result also says per destination
 * filesystem what a foreign one (FAT, exFAT, NTFS) cannot hold, and whether the copy fits there.
 */
export function scan(sources: string[], opts: ScanOptions = {}, onProgress?: (totals: ScanEvent) => void): RunningWalk<ScanResult> {
  sources.forEach((s, i) => checkPath(s, `sources[${i}]`));
  if (opts.dest !== undefined) checkPath(opts.dest, 'dest');
  const { done, onDone } = settle<ScanResult>();
  const run = load().scan(
    [...sources],
    {
      recursive: opts.recursive ?? true,
      dest: opts.dest ?? '',
      move: opts.move ?? false,
      method: opts.method ?? 'auto',
      checkSpace: opts.checkSpace ?? false,
      spaceCredit: Math.max(0, Math.floor(opts.spaceCredit ?? 0)),
      mapNames: opts.mapNames ?? false,
      followLinks: opts.followLinks ?? false,
    },
    (events) => {
      if (onProgress) for (const e of events) onProgress(e);
    },
    onDone,
  );
  return { done, cancel: () => run.cancel() };
}

/**
 * explain() for every entry of each pair's tree (with recursive; else the pairs alone), walked by
 * the engine: pre-order, names in byte order, each with the path it will have under `dest`. Names
 * that are not UTF-8 come spelled `\xNN` like records (decodeEnginePath). An entry that cannot be
 * examined comes with `error` and type null. Items arrive in batches, in order. `problemsOnly`:
 * only the entries a foreign destination cannot hold as they are, or changes.
 */
export function explainTrees(
  pairs: CopyPair[],
  opts: { method?: 'auto' | Method; recursive?: boolean; problemsOnly?: boolean } & ForeignChoices,
  onItems: (items: ExplainItem[]) => void,
): RunningWalk<{ count: number; cancelled: boolean }> {
  const { done, onDone } = settle<{ count: number; cancelled: boolean }>();
  const run = load().explainTrees(
    checkPairs(pairs),
    {
      method: opts.method ?? 'auto',
      recursive: opts.recursive ?? true,
      problemsOnly: opts.problemsOnly ?? false,
      mapNames: opts.mapNames ?? false,
      followLinks: opts.followLinks ?? false,
    },
    (events) => {
      for (const e of events) onItems(e.items);
    },
    onDone,
  );
  return { done, cancel: () => run.cancel() };
}

/**
 * What the engine knows about the filesystem holding `path` (statfs, following symlinks; the
 * mount from /proc/self/mountinfo). Throws Node's shape (code, syscall 'statfs', path) when the
 * path cannot be examined.
 */
export function fsInfo(path: string): FilesystemInfo {
  checkPath(path, 'path');
  return load().fsInfo(path);
}

/** Whether two files hold the same bytes, as far as their extents tell (FIEMAP, no data read). */
export interface ExtentsAnswer {
  /** true: they share every extent (a reflinked copy), or are one inode, or both empty; false: sizes differ; null: cannot tell without reading. */
  identical: boolean | null;
  /** The answer in words ("they share all their extents (a reflinked copy): identical content"). */
  why: string;
}

/**
 * Compares two files' extents (FIEMAP, on the JS thread: metadata only, nothing is read or
 * flushed). Throws Node's shape when either cannot be opened. Paths in the engine's spelling.
 */
export function compareExtents(a: string, b: string): ExtentsAnswer {
  checkPath(a, 'a');
  checkPath(b, 'b');
  return load().compareExtents(a, b);
}

/**
 * What the filesystem of the folder `dir` lets the engine do, tried rather than looked up: whether
 * it can build unnamed files (O_TMPFILE) and share extents (FICLONE between two of them; cached per
 * device for a few seconds). null: could not be tried (read-only, no permission). Throws Node's
 * shape when `dir` cannot be opened as a folder.
 */
export function probeCopy(dir: string): CopyProbe {
  checkPath(dir, 'dir');
  return load().probeCopy(dir);
}

/**
 * The name a job with `mapNames` writes on a foreign destination: each character Windows forbids
 * becomes U+F000 + its code (':' → U+F03A, like Cygwin and Linux cifs' `mapchars`), a byte that is
 * not UTF-8 U+F000 + the byte, a trailing '.' or ' ' U+F02E / U+F020, a device name's last letter
 * likewise ('CON' → 'CO' U+F04E). unmapName() reverses it.
 */
export function mapName(name: string): string {
  return load().mapName(name);
}

/** The original of a name mapName() made: every U+F001–U+F0FF back to its byte (names that are not UTF-8 come back as `\xNN`, like records). */
export function unmapName(name: string): string {
  return load().unmapName(name);
}

/** A fresh name of the kind the engine builds new entries under (it matches ENGINE_TEMP_NAME). */
export function engineTempName(): string {
  return load().tempName();
}

export function errnoName(errno: number): string {
  return load().errnoName(errno);
}

/** A folder being listed by `listDir()`: rows are read when asked for, so memory stays bounded. */
export interface DirListing {
  /** How many entries the folder has (counted when it was opened). */
  readonly total: number;
  /** The next `max` rows (fewer at the end); `done` once the folder is read. */
  next(max: number): Promise<{ rows: ListedEntry[]; done: boolean }>;
  /**
   * The same rows as the JSON text of a ListedEntry array, as the engine wrote it: for passing
   * them on to a client without making (and then serialising again) an object per row.
   */
  nextJson(max: number): Promise<{ json: string; done: boolean }>;
  /** The same rows as the JSON text of a ListedColumns (the compact form). */
  nextColumnsJson(max: number): Promise<{ json: string; done: boolean }>;
}

/**
 * Opens a folder for listing: getdents64 and one statx per entry off the JS thread (native/src/
 * listing.h), rows built as JSON there and parsed here in one go per batch (or passed on as that
 * text: nextJson). Rejects with Node's
 * error shape (syscall 'scandir') when the folder cannot be read. Call next() one at a time.
 * `sort`: the rows come in the panes' name order (folders first, natural keys; ListingSort),
 * else as the folder gives them.
 */
export async function listDir(dir: string, sort?: ListingSort): Promise<DirListing> {
  checkPath(dir, 'path');
  const l = sort ? new (load().DirLister)(dir, sort.dir) : new (load().DirLister)(dir);
  const total = await new Promise<number>((resolve, reject) => l.open((err, n) => (err ? reject(FerryError.from(err)) : resolve(n))));
  const pull = (columns: boolean, max: number) =>
    new Promise<{ json: string; done: boolean }>((resolve, reject) => {
      const cb = (err: WireError | null, json: string, done: boolean) => (err ? reject(FerryError.from(err)) : resolve({ json, done }));
      const n = Math.max(1, Math.floor(max));
      if (columns) l.nextColumns(n, cb);
      else l.next(n, cb);
    });
  const nextJson = (max: number) => pull(false, max);
  return {
    total,
    nextJson,
    nextColumnsJson: (max) => pull(true, max),
    next: async (max) => {
      const { json, done } = await nextJson(max);
      return { rows: JSON.parse(json) as ListedEntry[], done };
    },
  };
}

/** A rejected engine promise becomes a FerryError (Node's shape) with its stack from here. */
async function engineCall<R>(p: () => Promise<R>): Promise<R> {
  try {
    return await p();
  } catch (e) {
    const w = e as WireError;
    throw typeof w?.code === 'string' ? FerryError.from(w) : e;
  }
}

const asEnginePath = (p: string | Buffer | Uint8Array): string => (typeof p === 'string' ? p : encodeEnginePath(p));

/**
 * The engine's temps (ENGINE_TEMP_NAME) directly inside `dir` (with `recursive`, also inside its
 * subfolders, not descending into the temps themselves), each with its owner record and contents
 * (TempInfo). Only a killed job leaves temps behind. Rejects with Node's shape when `dir` cannot
 * be listed.
 */
export function findTemps(dir: string, opts: { recursive?: boolean } = {}): Promise<TempInfo[]> {
  checkPath(dir, 'dir');
  return engineCall(() => load().findTemps(dir, opts.recursive ?? false));
}

/**
 * Removes one engine temp and everything in it (by directory descriptors: deep paths and any
 * names). Refuses (FerryError EINVAL) a path whose name does not match ENGINE_TEMP_NAME, and a
 * folder whose owner record is not the engine's.
 */
export function removeTemp(path: string): Promise<void> {
  checkPath(path, 'path');
  return engineCall(() => load().removeTemp(path));
}

/**
 * Gives a temp folder its final name (from its owner record) with rename(RENAME_NOREPLACE) and
 * drops the owner record: EEXIST when the name is taken, ENODATA when the temp has no owner
 * record. Delete its `partial` files first (findTemps), or resume the job into it.
 */
export function publishTemp(path: string): Promise<{ dest: string }> {
  checkPath(path, 'path');
  return engineCall(() => load().publishTemp(path));
}

/**
 * Makes a file's data durable and drops its cached pages, so that the next read comes from the
 * device: fdatasync(2), then posix_fadvise(POSIX_FADV_DONTNEED). A write-back error rejects in
 * Node's shape (syscall 'fdatasync', path as given). Runs off the JS thread.
 */
export function dropCache(path: string | Buffer): Promise<void> {
  const p = asEnginePath(path);
  checkPath(p, 'path');
  return engineCall(() => load().dropCache(p));
}

/**
 * Removes what a job created under `items` (folders or files its records name), and nothing else:
 * an entry goes only when the job's record for it (the last one per `dest`) has an `ino` that its
 * inode still has, and for a file the same size; a folder goes only when it is empty afterwards.
 * Entries the job replaced (overwrites), moved, or did not create are kept; so is anything created
 * or changed since. Pass the job's records as they came (corrections included).
 */
export async function removePartial(items: readonly { path: string }[], records: Iterable<Pick<FileRecord, 'dest' | 'type' | 'size' | 'ino' | 'ok'> & { replaces?: string | undefined; changed?: boolean | undefined }>): Promise<RemoveReport> {
  const { removeCreated } = await import('./partial.js');
  return removeCreated(items, records);
}
