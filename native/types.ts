// The engine's vocabulary: the record shapes that native/src/json.cc writes, the job spec it reads,
// and the predicates over them. This is the engine layer (like sharp's lib/index.d.ts): the UI
// contract (electron/contract.ts), bin/ferry-cp and the renderer import these types from here; this
// module imports nothing, so it runs in Node, in Electron's main process and in the renderer.

/** The four ways the engine can move bytes (native/src/engine.h `Method`, same order). */
export const METHODS = ['reflink', 'copy_file_range', 'splice', 'buffered'] as const;
export type Method = (typeof METHODS)[number];

export const ENTRY_TYPES = ['file', 'dir', 'symlink', 'fifo', 'chardev', 'blockdev', 'socket'] as const;
export type EntryType = (typeof ENTRY_TYPES)[number];

/** An error as it crosses a boundary: Node's system-error fields, as plain data. See errors.ts. */
export interface WireError {
  code: string;
  /** Node's shape: `ENOSPC: no space left on device, write '/a' -> '/b'`. */
  message: string;
  /** Negative, as in Node (`-28` for ENOSPC), when the error came from a system call. */
  errno?: number;
  syscall?: string;
  path?: string;
  dest?: string;
  /**
   * Which file of a pair the failure concerns, when the engine knows: the source (reading it) or
   * the destination (creating, writing, naming it). Absent when a call between the two cannot
   * tell (a kernel copy's EIO). The UI says it in words (native/reasons.ts).
   */
  side?: 'source' | 'destination';
}

/** One try of one method on one file: what the copy-method log and the badges show. */
export interface Attempt {
  method: Method;
  outcome: 'ok' | 'unsupported' | 'error';
  /** errno name (e.g. "EXDEV") when the attempt did not succeed, else null. */
  errno: string | null;
  bytes: number;
}

/**
 * Why an entry was skipped (on every record with `skipped: true`; stable strings):
 * - 'conflict': the destination name was taken and the job's policy (or the person's answer)
 *   kept what was there;
 * - 'newer': policy 'newer' (or that answer) and the destination was as new or newer;
 * - 'skip-current': skipCurrent() abandoned the entry while it was being copied;
 * - 'cancel': the job was cancelled while the entry was being copied (or waited for an answer).
 */
export const SKIP_REASONS = ['conflict', 'newer', 'skip-current', 'cancel'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** A number of entries that are not folders (as ScanTotals.files counts them) and their apparent bytes. */
export interface EntryCount {
  files: number;
  bytes: number;
}

/**
 * The engine's record of one finished entry.
 *
 * Accounting rule (what "every item accounted for" rests on): each entry that is not a folder gets
 * exactly one record — copied (`ok`), skipped (`skipped`, with `skipReason`) or failed — unless it
 * is counted in some folder's `notStarted`, or the job was cancelled before it was reached. A
 * record with `replaces` takes the place of the earlier record it names (see there).
 */
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
  /** Present (and only then) when `skipped` is true. */
  skipReason?: SkipReason;
  /**
   * The source changed while it was read (its size, mtime or ctime moved between open and the end
   * of the copy; a sparse file extended, a file that shrank or grew). The copy holds at most the
   * bytes the file had when it was opened, and may mix old and new contents. A copy stays
   * `ok: true` (with a warning saying so); a move keeps such a source and fails with ECHANGED
   * (nothing is published). Absent when the source did not change.
   */
  changed?: boolean;
  /**
   * On a folder's record (failed, skipped, or a top-level folder that could not be walked): the
   * entries below it, counted from the source, that the job never started and reports nothing
   * for. Absent when there are none.
   */
  notStarted?: EntryCount;
  /** A folder moved whole by one rename (its entries get no records): what it holds, counted where it now is. */
  contains?: EntryCount;
  /**
   * The inode number of what this job created under `dest`: a file, folder, symlink or node made
   * under a name that was free. Absent for overwrites (the entry replaced something), for moves
   * (the source is gone: never removable), for hard links to an earlier copy, and for failures.
   * removePartial() removes only entries whose inode still matches.
   */
  ino?: number;
  /**
   * A correction: this record replaces the earlier record of the same job whose `dest` was this
   * value (drop that one, count this one). The engine sends corrections only after a conflict
   * found when a new folder tree was published (its name was taken meanwhile, see `JobSpec`):
   * entries of the tree that ended skipped, failed or under another name.
   */
  replaces?: string;
}

/** A record after Ferry's optional verification pass (ferry-cp --verify, jobs with verify on). */
export interface VerifiedRecord extends FileRecord {
  /** true: the copy reads back equal to the source; false: it differs; null: it could not be read. */
  verified?: boolean | null;
}

/** What `explain()` predicts for one pair, without copying anything. */
export interface Explanation {
  src: string;
  dest: string;
  type: EntryType;
  method: Method | null;
  chain: Method[];
  reason: string;
  /** What a foreign destination (FAT, exFAT, NTFS) cannot hold of this entry, or changes (the engine always sends it; empty elsewhere). */
  problems?: Problem[];
}

// ---------------------------------------------------------------------------------------------
// Foreign destinations: USB sticks and disks shared with Windows (native/src/foreign.h)
// ---------------------------------------------------------------------------------------------

/** What an entry can run into on a foreign destination (native/src/foreign.h `Unfit`, same order). */
export const PROBLEM_KINDS = ['name', 'case', 'symlink', 'special', 'too-large', 'holes', 'hardlink'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  kind: ProblemKind;
  /** Not copied as it is (it fails unless a choice settles it); false: copied, with a change people should know of. */
  fails: boolean;
  /** Plain words: "name contains ':' which exFAT does not allow". */
  reason: string;
  /** The choice that settles it besides skipping: 'map' (replace forbidden characters), 'follow' (copy the link's target). */
  fix: 'map' | 'follow' | null;
}

/**
 * What a job does with entries a foreign destination cannot hold as they are: 'fail' tries each
 * and fails it with a plain reason, 'skip' leaves them out (a move leaves them at the source),
 * 'stop' copies nothing when there is any (each gets a record saying why).
 */
export const UNFIT_POLICIES = ['fail', 'skip', 'stop'] as const;
export type UnfitPolicy = (typeof UNFIT_POLICIES)[number];

/** What a filesystem holds (the engine's table, corrected by a probe in a destination folder). */
export interface Holds {
  /** Windows' naming rules apply (names Windows cannot use are reported). */
  winNames: boolean;
  /** Of those, what the driver refuses; the rest it stores (Windows cannot open them). */
  refuses: ('chars' | 'trailing' | 'reserved' | 'encoding')[];
  /** Names that differ only in case are one name. */
  foldCase: boolean;
  symlinks: boolean;
  specials: boolean;
  hardlinks: boolean;
  modes: boolean;
  owners: boolean;
  xattrs: boolean;
  /** Sparse files stay sparse. */
  holes: boolean;
  /** Largest file (FAT32: 4 GiB - 1), null when there is no limit worth checking. */
  maxFileSize: number | null;
  /** Granularity of file times (FAT 2 s, exfat-fuse 1 s, NTFS 100 ns). */
  timeGranularityNs: number;
  /** A probe in the destination said so (else the table's facts). */
  probed: boolean;
}

/** One problem of one entry, as scan() lists them per destination. */
export interface FitItem {
  src: string;
  dest: string;
  type: EntryType;
  problem: Problem;
}

/** A destination filesystem as scan() saw it: what it cannot hold, and whether it has the room. */
export interface DestinationFit {
  /** The destination folder (the nearest one that exists). */
  folder: string;
  /** The engine's name ('fuse' for exfat-fuse) and the name people know ('exFAT'). */
  type: string;
  label: string;
  /** FAT, exFAT or NTFS: something a Linux filesystem holds is missing there. */
  foreign: boolean;
  holds: Holds;
  /** "exFAT keeps no permissions, owners or extended attributes, and file times only to the second", or null. */
  lost: string | null;
  /** Allocation unit the space check rounds each file up to (0 where it does not). */
  cluster: number;
  /** Bytes the copy needs there (holes counted in full where they cannot be kept) and bytes free. */
  needed: number;
  free: number;
  /** Bytes of holes written in full. */
  holes: number;
  /** The free-space refusal: "holes can't be kept on exFAT: needs 5.0 GiB, 300 MiB free". */
  space: WireError | null;
  /** Problems in all (items lists the first 1000), and those that fail. */
  count: number;
  failing: number;
  kinds: Partial<Record<ProblemKind, number>>;
  items: FitItem[];
}

/** scan()'s result: the totals, and per destination filesystem its problems and space. */
export interface ScanResult extends ScanTotals {
  destinations: DestinationFit[];
}

/**
 * Two modification times are the same on a filesystem whose clock keeps `windowMs` (FAT's 2 s,
 * exfat-fuse's 1 s): a copy whose time was rounded there is not a changed file.
 */
export function sameMtime(srcMs: number, destMs: number, windowMs = 0): boolean {
  return Math.abs(srcMs - destMs) < Math.max(1, windowMs);
}

export const CONFLICT_POLICIES = ['ask', 'overwrite', 'skip', 'rename', 'newer', 'error'] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

/** 'rename' keeps both: the copy gets a free numbered name, or the name given with it (resolveConflict's `newName`). */
export const CONFLICT_DECISIONS = ['overwrite', 'skip', 'rename', 'newer', 'cancel'] as const;
export type ConflictDecision = (typeof CONFLICT_DECISIONS)[number];

/** One top-level pair: `src` is copied to exactly `dest` (cp's SOURCE/DEST resolution is done by the caller). */
export interface CopyPair {
  src: string;
  dest: string;
}

export interface JobSpec {
  pairs: CopyPair[];
  /** Copy directories recursively (cp -r). Without it a directory source is an error record. */
  recursive: boolean;
  /** 'auto' picks per file; a forced method that cannot apply fails that file and leaves nothing. */
  method: 'auto' | Method;
  /** Keep times, owner (when root), xattrs, mode. */
  preserve: boolean;
  /** fsync each file before renaming it into place. */
  fsync: boolean;
  /** Worker threads for a tree's files (default: from core count). */
  threads: number;
  /** What to do when the destination exists. 'ask' raises a conflict event and waits for resolveConflict. */
  conflict: ConflictPolicy;
  /** Move instead of copy: rename(2) when on one filesystem, else copy then unlink each source after its copy is complete. */
  move: boolean;
  /** Walk the sources first to count files and bytes (for totals/ETA); scan events report them. */
  scan: boolean;
  /**
   * After the scan and before copying anything, check each destination filesystem's free space
   * against the allocated bytes that will be written there (reflinked and renamed bytes cost
   * nothing). When they do not fit, the job copies nothing and fails as a whole with ENOSPC
   * (`not enough space: needs …, … free (… will be reflinked), statfs '<destination folder>'`).
   * Scans even when `scan` is false.
   */
  spaceCheck: boolean;
  /** Do not emit progress events at all (benchmarks measure their cost). */
  progress: boolean;
  /**
   * Make the copies durable and check it. When the job starts, the engine opens one descriptor
   * on each destination filesystem (and on any other one the walk reaches); at its end (also a
   * cancelled end) it syncfs(2)es each and checks the result. Write-back errors reach a
   * descriptor only for writes after it was opened (errseq), which is why it is opened first and
   * why a later `sync -f` can miss them. The answer is `JobResult.flush`.
   */
  flush: boolean;
  /**
   * The caller's id for the job ('' for none; `[A-Za-z0-9_-]{1,64}`). Recorded, with the final
   * name and the source, on every hidden folder the job builds a new tree in (xattr
   * `user.ferry.temp`, where the filesystem has user xattrs), so findTemps() can say whose it is.
   */
  tag: string;
  /** Entries a foreign destination cannot hold as they are: fail each, skip them, or stop before copying. */
  unfit: UnfitPolicy;
  /** Replace the characters a foreign destination forbids (reversible: `unmapName()`, README). */
  mapNames: boolean;
  /** Where symbolic links cannot be stored, copy what they point to. */
  followLinks: boolean;
  /**
   * Start paused: the job opens its top-level pairs (a new tree's hidden folder exists) and then
   * waits for `resume()` before it copies anything.
   */
  paused: boolean;
}

export interface CurrentFile {
  src: string;
  dest: string;
  size: number;
  bytes: number;
  method: Method | null;
}

export interface ProgressEvent {
  type: 'progress';
  filesDone: number;
  bytesDone: number;
  /** Files currently being copied, with their bytes so far. */
  current: CurrentFile[];
  paused: boolean;
}
/**
 * The regular files of one kind of pair (one source filesystem → the destination folder's
 * filesystem) and what the planner predicts for them: a copy with its method and fallback chain,
 * or a rename (a move within one filesystem: no data copied).
 */
export interface ScanKind {
  srcFs: string;
  destFs: string;
  op: 'copy' | 'rename';
  method: Method | null;
  chain: Method[];
  reason: string;
  files: number;
  bytes: number;
}

/** A tree's totals, counted by the engine's one walker (the job's scan, and `scan()`). */
export interface ScanTotals {
  /** Entries that are not folders: regular files, symlinks, specials (what `filesDone` counts). */
  files: number;
  /** Apparent size of the regular files (st_size): what `bytesDone` counts. */
  bytes: number;
  /** Folders, the top one included. */
  dirs: number;
  symlinks: number;
  /** FIFOs, sockets, device nodes. */
  specials: number;
  /** Bytes the regular files occupy (st_blocks × 512; holes cost nothing, a hard-linked file counts once). */
  allocated: number;
  /** Apparent bytes the planner predicts will be reflinked, or renamed by a same-filesystem move. */
  reflinkBytes: number;
  /** Allocated bytes the destination must find room for (all but what is reflinked or renamed). */
  needed: number;
  /**
   * With a destination: entries whose destination name is taken (the conflicts to come; a folder
   * that exists as a folder is merged into, not counted), with the first few source paths.
   */
  existing?: number;
  existingSample?: string[];
  /** Entries that cannot be read (a folder that cannot be opened, an entry that cannot be examined), with the first few. */
  unreadable?: number;
  unreadableSample?: string[];
  /** With a destination: the regular files per kind of pair, with the planner's prediction. */
  kinds?: ScanKind[];
}
export interface ScanEvent extends ScanTotals {
  type: 'scan';
  /** false while the walk goes on (totals grow), true once with the final totals. */
  done: boolean;
}
export interface FilesEvent {
  type: 'files';
  /**
   * The records, in the order the engine finished them. They cross from the engine as one JSON
   * text per event and are decoded when first read: a consumer that needs only the counts below
   * never pays for them.
   */
  records: FileRecord[];
  /** How many records; how many of them failed (neither `ok` nor `skipped`); how many have `changed`. */
  count: number;
  failed: number;
  changed: number;
}
export interface ConflictEvent {
  type: 'conflict';
  conflictId: number;
  src: string;
  dest: string;
  srcSize: number;
  srcMtimeMs: number;
  destSize: number;
  destMtimeMs: number;
  /** The destination's clock granularity in ms (FAT 2000, exfat-fuse 1000): closer times are the same time there. */
  mtimeWindowMs?: number;
}
export type EngineEvent = ProgressEvent | ScanEvent | FilesEvent | ConflictEvent;

/** The job's final flush (`JobSpec.flush`). */
export interface FlushResult {
  /** Every destination filesystem was flushed without error. */
  ok: boolean;
  /**
   * The first failure, in Node's shape: code EIO/ENOSPC/…, syscall 'syncfs', path the destination
   * folder the descriptor was opened on (`EIO: i/o error, syncfs '/mnt/dest'`). null when ok.
   */
  error: WireError | null;
  /**
   * The `dest` of every record this job reported ok (files, folders, symlinks, nodes; after
   * corrections) on a filesystem whose flush failed, except those made durable one by one (an
   * fsync through the descriptor they were written with: `fsync`, moves across filesystems).
   * Their data is not known to be on disk: treat them as failed. Empty when ok.
   */
  notOnDisk: string[];
}

/** What a job did, per entry that is not a folder (as ScanTotals.files counts them). */
export interface JobCounts {
  copied: number;
  skipped: number;
  failed: number;
  /**
   * Entries known not to have been started: the sum of the folders' `notStarted`, plus, for a
   * cancelled job, the entries that were queued and dropped. Entries a cancelled walk never
   * reached are not known here: with its own scan the engine adds them (total minus the others);
   * without one, the caller's scan total minus the other three counts gives them.
   */
  notStarted: number;
}

/** A destination this job left incomplete (cancel, or entries below it failed or were not started). */
export interface IncompleteDest {
  /** The outermost folder that is missing entries. */
  path: string;
  /**
   * 'final': published under its final name with entries missing (what a cancelled tree copy
   * does, and a merge into an existing folder); 'temp': kept under the engine's hidden name (its
   * final name could not be taken: see the folder's record), listed by findTemps().
   */
  where: 'final' | 'temp';
}

export interface JobResult {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  cancelled: boolean;
  /** See JobCounts. */
  counts: JobCounts;
  /** The outermost destinations left incomplete; empty when everything asked for was done. */
  incomplete: IncompleteDest[];
  /** With `JobSpec.flush`: what the final flush found; absent without it. */
  flush?: FlushResult;
  /** Once per job: metadata a foreign destination cannot keep, items it could not hold (a move leaves them at the source). */
  warnings?: string[];
}

/** One entry of an explained tree (`explainTrees()`): an Explanation, or why it could not be made. */
export interface ExplainItem extends Omit<Explanation, 'type'> {
  /** null when the entry could not be looked at (then `error` says why). */
  type: EntryType | null;
  error?: WireError;
}

/** A filesystem as the engine knows it (native/src/fsinfo.cc holds the one table). */
export interface FilesystemInfo {
  /** The engine's name for it: 'btrfs', 'ext4', 'xfs', 'tmpfs', 'procfs', 'fuse'… (the mount's type, or hex, when the table does not know it). */
  type: string;
  /** FUSE: the daemon's subtype from /proc/self/mountinfo ('bindfs', 'exfat', 'ntfs-3g'), else null. */
  subtype: string | null;
  /** statfs f_type. */
  magic: number;
  /** The magic number is in the engine's table. */
  known: boolean;
  /** st_size cannot be trusted (procfs, sysfs…): files are read until EOF. */
  pseudo: boolean;
  /** Extents can be shared (FICLONE) within this filesystem, where it is enabled. */
  reflink: boolean;
  /** copy_file_range works between two filesystems of this type. */
  cfrCrossFs: boolean;
  /** Where it is mounted (null when mountinfo has no entry for its device). */
  mountPoint: string | null;
  /** The type as mountinfo spells it: 'ext4', 'fuse.bindfs', 'fuseblk', 'proc'… */
  mountType: string | null;
  /** The mounted device, or the FUSE daemon's name. */
  source: string | null;
  /** Mounted read-only. */
  readOnly: boolean;
  totalBytes: number;
  freeBytes: number;
  /** Free bytes an unprivileged user may use (statfs f_bavail). */
  availBytes: number;
  /** The name people know it by, for filesystems whose limits Ferry reports ('exFAT', 'NTFS', 'FAT32'), else null. */
  label: string | null;
  /** FAT, exFAT or NTFS (also through FUSE): it lacks something a Linux filesystem holds. */
  foreign: boolean;
  /** What it holds, from the table (a copy's destination is also probed: scan(), explain()). */
  holds: Holds;
  /** Allocation unit in bytes, when known (a foreign filesystem's cluster). */
  clusterSize: number | null;
}

/**
 * The hidden name under which the engine builds a new entry before it gets its final name
 * (native/src: `.ferry-` + 16 hex digits + `.tmp`). Crash recovery looks for these.
 */
export const ENGINE_TEMP_NAME = /^\.ferry-[0-9a-f]{16}\.tmp$/;

/**
 * One of the engine's temps (ENGINE_TEMP_NAME) found by findTemps(). Only a killed job leaves
 * one behind: a job that ends any other way removes or publishes its temps.
 * - type 'dir': a new folder tree that was being built. Everything in it was created by the job.
 *   Files in it are created under their own names, so the ones that were being copied at the kill
 *   are partial (at most one per engine thread); `partial` lists them when it can tell.
 * - type 'file': a single file's data that never got its name (a filesystem without O_TMPFILE,
 *   or an overwrite caught between its two steps: the old file is still in place). Always safe to
 *   remove.
 * Moves never build folder trees under a temp name (they merge entry by entry, and each source
 * goes only once its copy is durable under its final name), so a temp never holds the only copy
 * of a moved file.
 */
export interface TempInfo {
  /** The temp itself (escaped like record paths). */
  path: string;
  type: 'dir' | 'file';
  /** The name (in the same folder) it was being built for, from its owner record; null when unknown. */
  finalName: string | null;
  /** The same as a path; null when unknown. */
  finalPath: string | null;
  /** The source folder it copies (the owner record), null when unknown. */
  src: string | null;
  /** The job's `tag`, null when unknown or none was given. */
  tag: string | null;
  /** Entries that are not folders, and their apparent bytes. */
  files: number;
  bytes: number;
  mtimeMs: number;
  /**
   * Files inside (escaped paths) that are not complete copies of their source: missing from the
   * source, or of another size or mtime (the engine sets the source's mtime last, so a complete
   * copy made with `preserve` has it). null when it cannot tell: no owner record, a job without
   * `preserve`, or the source folder is gone. Every other file inside is complete.
   */
  partial: string[] | null;
}

/** What removePartial() did. */
export interface RemoveReport {
  /** Entries removed (escaped paths). */
  removed: string[];
  /** Entries left in place, and why (something else changed or owns them). */
  kept: { path: string; reason: string }[];
}

// ---------------------------------------------------------------------------------------------
// Predicates over records (one definition each; the log filter, the tallies and the UI use them)
// ---------------------------------------------------------------------------------------------

/** A skipped entry is neither copied nor failed (the engine reports it with ok:false). */
export function isFailure(r: Pick<FileRecord, 'ok' | 'skipped'>): boolean {
  return !r.ok && !r.skipped;
}

/** A record fell back when some attempt that did not succeed came before the one that did. */
export function fellBack(r: Pick<FileRecord, 'attempts'>): boolean {
  return r.attempts.findIndex((a) => a.outcome === 'ok') > 0;
}

/** The attempts chain as the CSV and the log filter spell it: "copy_file_range:EXDEV>splice:ok". */
export function encodeAttempts(attempts: readonly Attempt[]): string {
  return attempts.map((a) => `${a.method}:${a.outcome === 'ok' ? 'ok' : (a.errno ?? a.outcome)}`).join('>');
}

/** The attempts chain as a person reads it: "copy_file_range → EXDEV → splice". */
export function describeChain(attempts: readonly Attempt[]): string {
  const parts: string[] = [];
  for (const a of attempts) {
    parts.push(a.method);
    if (a.outcome !== 'ok') parts.push(a.errno ?? a.outcome);
  }
  return parts.join(' → ');
}

/**
 * One row of a folder listing (`listDir()`; the panes' DirEntry in electron/contract.ts is this
 * type). Names and paths spell bytes that are not UTF-8 as `\xNN` (decodeEnginePath), and such a
 * row says so with `escaped`.
 */
export interface ListedEntry {
  name: string;
  path: string;
  type: EntryType;
  size: number;
  mtimeMs: number;
  mode: number;
  hidden: boolean;
  /** The name is not valid UTF-8: `name` spells its odd bytes as `\xNN`. */
  escaped?: boolean;
  /** For symlinks: where it points, and the type of the target (null when dangling or looping). */
  linkTarget?: string;
  targetType?: EntryType | null;
  /**
   * Set when the entry could not be stat'ed, or when it is a
   * symlink whose target is missing or loops (ENOENT/ELOOP, "broken symlink: …"): the row is
   * still shown, with this error inline.
   */
  error?: WireError;
}

/**
 * Listing rows in columns (fs.list's compact form, asked for with `columns: true`): far less text
 * and far fewer objects to parse than one ListedEntry per row. Row i is `names.split('/')[i]` (a
 * name never holds a '/'), in the folder the listing is of (its path is the folder's path, '/',
 * the name); its type is the letter `types[i]` (TYPE_LETTERS), its size, mtimeMs and mode the i-th
 * numbers, and it is hidden when its name starts with '.'. A row with more to say (a symlink, an
 * error, a name that is not UTF-8) is also in `extra` whole, as [i, row].
 */
export interface ListedColumns {
  names: string;
  types: string;
  size: number[];
  mtimeMs: number[];
  mode: number[];
  extra: [number, ListedEntry][];
}

/**
 * The order fs.list may send rows in (`sort`): the panes' name order (renderer/src/lib/sort.ts:
 * folders and links to folders first, then names compared naturally, `dir` 1 ascending, -1
 * descending). The engine approximates the renderer's case folding for some scripts, so a reader
 * checks the order (one pass) rather than trusting it.
 */
export interface ListingSort {
  key: 'name';
  dir: 1 | -1;
}

/** The entry type of each `ListedColumns.types` letter. */
export const TYPE_LETTERS: Readonly<Record<string, EntryType>> = { f: 'file', d: 'dir', l: 'symlink', p: 'fifo', c: 'chardev', b: 'blockdev', s: 'socket' };

/**
 * The rows of `cols`, listed in `dir` (as the listing spells it). One pass, one object per row, all
 * of one shape (extra rows are taken whole).
 */
export function entriesOfColumns(dir: string, cols: ListedColumns): ListedEntry[] {
  const names = cols.names === '' ? [] : cols.names.split('/');
  const base = dir === '/' ? '/' : `${dir}/`;
  const out = new Array<ListedEntry>(names.length);
  const { types, size, mtimeMs, mode } = cols;
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    out[i] = { name, path: base + name, type: TYPE_LETTERS[types[i]!] ?? 'file', size: size[i]!, mtimeMs: mtimeMs[i]!, mode: mode[i]!, hidden: name.charCodeAt(0) === 46 };
  }
  for (const [i, row] of cols.extra) out[i] = row;
  return out;
}

/** What probeCopy() found a folder's filesystem can do (null: could not be tried there). */
export interface CopyProbe {
  tmpfile: boolean | null;
  /** Why O_TMPFILE failed ('EOPNOTSUPP', 'EROFS'…), or null. */
  tmpfileErrno: string | null;
  reflink: boolean | null;
  /** Why FICLONE failed, or null. */
  reflinkErrno: string | null;
}
