// Parameter schemas of the contract's requests (valibot), and the one validation entry point.
// Only main and serve mode load this module: every request is validated here before any handler
// runs, so a malformed or hostile request gets an error reply and never reaches a handler. The
// renderer imports contract.ts (names and types) and never ships these validators.
import * as v from 'valibot';
import { CONFLICT_DECISIONS, CONFLICT_POLICIES, METHODS, UNFIT_POLICIES, type RequestName, type WireError } from './contract.js';


const MAX_PATH_BYTES = 64 * 1024;
const MAX_SOURCES = 100_000;

/**
 * A name's length in bytes on disk. Names are spelled as the engine spells them: each `\xNN`
 * (four characters) stands for one byte (native/index.ts decodeEnginePath).
 */
export function nameBytes(s: string): number {
  return new TextEncoder().encode(s).length - 3 * (s.match(/\\x[0-9A-Fa-f]{2}/g)?.length ?? 0);
}

/** Why `s` is not an absolute path AbsPath accepts, or null when it is one. */
function absPathProblem(s: unknown): string | null {
  if (typeof s !== 'string') return 'expected a string';
  if (s.length === 0 || s.charCodeAt(0) !== 0x2f) return 'path must be absolute';
  if (s.length > MAX_PATH_BYTES) return 'path is too long';
  if (s.includes('\0')) return 'path must not contain NUL';
  return null;
}

/** An absolute path: a non-empty string starting with '/', without NUL, of bounded length. */
export const AbsPath = v.pipe(
  v.string(),
  v.check((s) => absPathProblem(s) === null, (issue) => absPathProblem(issue.input) ?? 'invalid path'),
);

function pathListProblem(a: unknown, max: number): string | null {
  if (!Array.isArray(a)) return 'expected an array of paths';
  if (a.length === 0) return 'expected at least one path';
  if (a.length > max) return `expected at most ${max} paths, got ${a.length}`;
  for (let i = 0; i < a.length; i++) {
    const why = absPathProblem(a[i]);
    if (why) return `item ${i}: ${why}`;
  }
  return null;
}

/**
 * A list of 1 to `max` absolute paths (AbsPath's rules), checked in one plain loop: 100 000 paths
 * take a few milliseconds, where a valibot pipe per item held the event loop for ~100 ms.
 */
function PathList(max: number) {
  return v.custom<string[]>(
    (a) => pathListProblem(a, max) === null,
    (issue) => pathListProblem(issue.input, max) ?? 'invalid',
  );
}

/** A path as the user types it in the path bar: relative, `~`, a file:// URI… (resolved by fs.resolve). */
const TypedPath = v.pipe(
  v.string(),
  v.maxLength(MAX_PATH_BYTES, 'path is too long'),
  v.check((s) => !s.includes('\0'), 'path must not contain NUL'),
);

/** A single file name: no '/', not '.' or '..', not empty, at most 255 bytes in UTF-8. */
export const FileName = v.pipe(
  v.string(),
  v.minLength(1, 'name must not be empty'),
  v.check((s) => !s.includes('/'), 'name must not contain "/"'),
  v.check((s) => !s.includes('\0'), 'name must not contain NUL'),
  v.check((s) => s !== '.' && s !== '..', 'name must not be "." or ".."'),
  v.check((s) => nameBytes(s) <= 255, 'name is longer than 255 bytes'),
);

/** New names, one per source (duplicates: "a (copy).txt"). */
const NameList = v.pipe(v.array(FileName), v.minLength(1), v.maxLength(10_000));

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(64), v.regex(/^[A-Za-z0-9_-]+$/));
const Count = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000));

export const CopyOptionsSchema = v.object({
  method: v.optional(v.picklist(['auto', ...METHODS]), 'auto'),
  conflict: v.optional(v.picklist(CONFLICT_POLICIES), 'ask'),
  verify: v.optional(v.boolean(), false),
  fsync: v.optional(v.boolean(), false),
  preserve: v.optional(v.boolean(), true),
  unfit: v.optional(v.picklist(UNFIT_POLICIES)),
  mapNames: v.optional(v.boolean()),
  followLinks: v.optional(v.boolean()),
});

/** An export's format and the log view's filters (log.export, log.saveAs, serve mode's GET /log-export). */
const LogExport = v.strictObject({
  format: v.picklist(['csv', 'json']),
  jobId: v.optional(Id),
  method: v.optional(v.picklist(METHODS)),
  fellBack: v.optional(v.boolean()),
  errorsOnly: v.optional(v.boolean()),
  text: v.optional(v.pipe(v.string(), v.maxLength(1000))),
});

export const requestSchemas = {
  'app.info': v.strictObject({}),
  /** Electron only: start an OS drag of these files out of the window (webContents.startDrag). */
  'app.startDrag': v.strictObject({ paths: PathList(10_000) }),
  'app.notices': v.strictObject({}),
  'app.dismissNotice': v.strictObject({ id: Id }),
  'fs.list': v.strictObject({
    path: AbsPath,
    listingId: Id,
    columns: v.optional(v.boolean()),
    /** The rows in the panes' name order (native/types.ts ListingSort); else as the folder gives them. */
    sort: v.optional(v.strictObject({ key: v.literal('name'), dir: v.picklist([1, -1]) })),
  }),
  'fs.stat': v.strictObject({ path: AbsPath }),
  'fs.info': v.strictObject({ path: AbsPath }),
  'fs.mkdir': v.strictObject({ parent: AbsPath, name: FileName }),
  'fs.rename': v.strictObject({ path: AbsPath, newName: FileName }),
  'fs.trash': v.strictObject({ paths: PathList(MAX_SOURCES) }),
  'fs.open': v.strictObject({ path: AbsPath }),
  'fs.watch': v.strictObject({ path: AbsPath, watchId: Id }),
  'fs.unwatch': v.strictObject({ watchId: Id }),
  /** Counts what copying (or, with destDir, copying there) `paths` would do, streamed (folder sizes, the copy dialog). */
  'fs.scan': v.strictObject({
    scanId: Id,
    paths: PathList(MAX_SOURCES),
    destDir: v.optional(AbsPath),
    move: v.optional(v.boolean(), false),
    method: v.optional(v.picklist(['auto', ...METHODS]), 'auto'),
  }),
  'fs.scanCancel': v.strictObject({ scanId: Id }),
  /** Two files side by side (a conflict): sizes, dates, identical content by extents, or by hashing with `hash`. */
  'fs.compare': v.strictObject({ a: AbsPath, b: AbsPath, hash: v.optional(v.boolean(), false) }),
  'copy.explain': v.strictObject({
    sources: PathList(MAX_SOURCES),
    destDir: AbsPath,
    names: v.optional(NameList),
  }),
  /** The destination and the sources looked at before copying (the copy dialog's up-front checks, and what a foreign destination cannot hold). */
  'copy.check': v.strictObject({
    kind: v.picklist(['copy', 'move']),
    sources: PathList(MAX_SOURCES),
    destDir: AbsPath,
    /** The job's choices for foreign destinations, applied to the prediction (as CopyOptions). */
    mapNames: v.optional(v.boolean(), false),
    followLinks: v.optional(v.boolean(), false),
  }),
  'jobs.start': v.strictObject({
    kind: v.picklist(['copy', 'move']),
    sources: PathList(MAX_SOURCES),
    destDir: AbsPath,
    options: v.optional(CopyOptionsSchema, {}),
    /** The name each source gets in destDir (a duplicate in its own folder); default: its own. */
    names: v.optional(NameList),
  }),
  'jobs.control': v.strictObject({
    jobId: Id,
    action: v.picklist(['pause', 'resume', 'cancel', 'skip', 'retry', 'remove', 'up', 'down']),
  }),
  'jobs.list': v.strictObject({}),
  'jobs.files': v.strictObject({ jobId: Id, offset: Count, limit: v.pipe(Count, v.maxValue(5000)) }),
  /** send: false stops this client's `job.files` events (default: sent); its queue pages jobs.files instead. */
  'jobs.fileEvents': v.strictObject({ send: v.boolean() }),
  'jobs.resolveConflict': v.strictObject({
    jobId: Id,
    conflictId: v.pipe(v.number(), v.integer(), v.minValue(0)),
    decision: v.picklist(CONFLICT_DECISIONS),
    applyToAll: v.boolean(),
    /** With decision 'rename': the name the copy gets in the same folder (instead of a numbered one). */
    newName: v.optional(FileName),
  }),
  'jobs.partials': v.strictObject({}),
  'jobs.removePartial': v.strictObject({ path: AbsPath }),
  /** Removes every finished transfer (done, failed, cancelled) from the queue. */
  'jobs.clearFinished': v.strictObject({}),
  'log.read': v.strictObject({
    offset: Count,
    limit: v.pipe(Count, v.maxValue(5000)),
    jobId: v.optional(Id),
    method: v.optional(v.picklist(METHODS)),
    fellBack: v.optional(v.boolean()),
    errorsOnly: v.optional(v.boolean()),
    text: v.optional(v.pipe(v.string(), v.maxLength(1000))),
    /** Newest record first (the log view); default oldest first. */
    newestFirst: v.optional(v.boolean()),
  }),
  /** Exports the records log.read would give with the same filters (all of them, oldest first). */
  'log.export': LogExport,
  /** The same, to a file chosen in a save dialog (Electron). */
  'log.saveAs': LogExport,
  'settings.get': v.strictObject({}),
  'settings.set': v.strictObject({
    retentionDays: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3650))),
    maxParallelDevices: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(8))),
    threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64))),
    askBeforeDrop: v.optional(v.boolean()),
  }),
  'fs.search': v.strictObject({
    searchId: Id,
    root: AbsPath,
    pattern: v.pipe(v.string(), v.minLength(1, 'pattern must not be empty'), v.maxLength(4096)),
    regex: v.optional(v.boolean(), false),
    caseSensitive: v.optional(v.boolean(), false),
    hidden: v.optional(v.boolean(), false),
  }),
  'fs.searchCancel': v.strictObject({ searchId: Id }),
  'fs.measure': v.strictObject({ measureId: Id, paths: PathList(MAX_SOURCES) }),
  'fs.measureCancel': v.strictObject({ measureId: Id }),
  'fs.peek': v.strictObject({
    path: AbsPath,
    offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER)), 0),
    /** 'hex' shows any file as bytes; 'auto' picks text, image or bytes. */
    as: v.optional(v.picklist(['auto', 'hex', 'text']), 'auto'),
  }),
  'fs.places': v.strictObject({}),
  'fs.delete': v.strictObject({ paths: PathList(MAX_SOURCES) }),
  'fs.rmdir': v.strictObject({ path: AbsPath }),
  'fs.untrash': v.strictObject({
    paths: PathList(10_000),
    /** Only trash entries made at or after this time (ms since the epoch; the trash keeps seconds). */
    since: v.pipe(v.number(), v.minValue(0)),
  }),
  'fs.resolve': v.strictObject({ input: TypedPath, base: AbsPath }),
  /** Completions of a typed path (path bar, copy dialog): the entries of its folder whose names start with its last part. */
  'fs.complete': v.strictObject({
    input: TypedPath,
    base: AbsPath,
    /** Only folders and links to folders (a destination). */
    dirsOnly: v.optional(v.boolean(), false),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 200),
  }),
  'fs.apps': v.strictObject({ path: AbsPath }),
  'fs.openWith': v.strictObject({ path: AbsPath, appId: v.pipe(v.string(), v.minLength(1), v.maxLength(255), v.regex(/^[^/\0]+\.desktop$/, 'expected a desktop file id')) }),
  'clipboard.read': v.strictObject({}),
  'clipboard.write': v.strictObject({
    text: v.optional(v.pipe(v.string(), v.maxLength(16 * 1024 * 1024))),
    files: v.optional(v.strictObject({ op: v.picklist(['copy', 'cut']), paths: PathList(MAX_SOURCES) })),
  }),
} as const satisfies Record<RequestName, v.GenericSchema>;

// Every schema is a request the contract names, and the other way round (a compile error otherwise).
type Extra = Exclude<keyof typeof requestSchemas, RequestName>;
const noExtra: [Extra] extends [never] ? true : never = true;
void noExtra;


/**
 * The first key anywhere in `params` that names a member of Object.prototype (`__proto__`,
 * `constructor`, `toString`, …) or is `prototype`, as a dotted path; null when there is none. No
 * request has such a key, and valibot's objects would drop it silently (`k in entries` is true
 * for them): such a request is refused instead. Iterative, so deep nesting cannot overflow the
 * stack; a throwing getter throws (the caller turns that into EINVALIDPARAMS).
 */
function hostileKey(params: unknown): string | null {
  const stack: [unknown, string][] = [[params, '']];
  while (stack.length > 0) {
    const [value, at] = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) stack.push([item, `${at}${at ? '.' : ''}${i}`]);
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      const where = `${at}${at ? '.' : ''}${key}`;
      if (key in Object.prototype || key === 'prototype') return where;
      stack.push([(value as Record<string, unknown>)[key], where]);
    }
  }
  return null;
}

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
    const hostile = hostileKey(params);
    if (hostile !== null) return { ok: false, error: { code: 'EINVALIDPARAMS', message: `${name}: invalid ${hostile}: key not allowed` } };
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

