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
  records: FileRecord[];
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
}
export type EngineEvent = ProgressEvent | ScanEvent | FilesEvent | ConflictEvent;

export interface JobResult {
  filesDone: number;
  filesFailed: number;
  bytesDone: number;
  cancelled: boolean;
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
}

/**
 * The hidden name under which the engine builds a new entry before it gets its final name
 * (native/src: `.ferry-` + 16 hex digits + `.tmp`). Crash recovery looks for these.
 */
export const ENGINE_TEMP_NAME = /^\.ferry-[0-9a-f]{16}\.tmp$/;

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
