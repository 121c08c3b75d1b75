// Parameter schemas of the contract's requests (valibot), and the one validation entry point.
// Only main and serve mode load this module: every request is validated here before any handler
// runs, so a malformed or hostile request gets an error reply and never reaches a handler. The
// renderer imports contract.ts (names and types) and never ships these validators.
import * as v from 'valibot';
import { CONFLICT_DECISIONS, CONFLICT_POLICIES, METHODS, type RequestName, type WireError } from './contract.js';


const MAX_PATH_BYTES = 64 * 1024;
const MAX_SOURCES = 100_000;

/**
 * A name's length in bytes on disk. Names are spelled as the engine spells them: each `\xNN`
 * (four characters) stands for one byte (native/index.ts decodeEnginePath).
 */
export function nameBytes(s: string): number {
  return new TextEncoder().encode(s).length - 3 * (s.match(/\\x[0-9A-Fa-f]{2}/g)?.length ?? 0);
}

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
  v.check((s) => nameBytes(s) <= 255, 'name is longer than 255 bytes'),
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
  'app.notices': v.strictObject({}),
  'app.dismissNotice': v.strictObject({ id: Id }),
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
    decision: v.picklist(CONFLICT_DECISIONS),
    applyToAll: v.boolean(),
  }),
  'jobs.partials': v.strictObject({}),
  'jobs.removePartial': v.strictObject({ path: AbsPath }),
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
} as const satisfies Record<RequestName, v.GenericSchema>;

// Every schema is a request the contract names, and the other way round (a compile error otherwise).
type Extra = Exclude<keyof typeof requestSchemas, RequestName>;
const noExtra: [Extra] extends [never] ? true : never = true;
void noExtra;


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

