// Errors and fallbacks in plain words, in one place for every surface (the copy dialog, the
// queue, the copy-method log's detail pane, ferry-cp): which side of a copy failed (the source or
// the destination), what the errno means for the person, and why a method in the fallback chain
// could not work ("EXDEV: different filesystems, so reflink and copy_file_range cannot work").
// The raw code always stays beside the words. Imports nothing at run time: runs in Node, in
// Electron's main process and in the renderer.
import type { Attempt, Method, WireError } from './types.js';

const PLAIN: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'it does not exist (any more)',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EEXIST: 'the name is already taken',
  ENOTEMPTY: 'the folder is not empty',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the filesystem is read-only',
  EFBIG: 'the file is too large for this filesystem',
  ENAMETOOLONG: 'the name is too long for this filesystem',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'input/output error: the disk or the connection failed',
  EXDEV: 'different filesystems',
  EOPNOTSUPP: 'not supported by this filesystem',
  ENOTSUP: 'not supported by this filesystem',
  ENOTTY: 'not supported by this filesystem',
  ENOSYS: 'not implemented by this kernel or filesystem',
  EINVAL: 'not supported for this file',
  EBUSY: 'the file is busy',
  ETXTBSY: 'the file is a running program',
  EMLINK: 'too many links',
  ENXIO: 'no such device',
  ENODEV: 'no such device',
  EAGAIN: 'temporarily unavailable',
  EINTR: 'interrupted',
  ECANCELED: 'cancelled',
  EBADF: 'bad file descriptor (an internal error)',
  ESAMEFILE: 'source and destination are the same file',
  EINTOSELF: 'a folder cannot go into itself',
  EVERIFY: 'the copy reads back different from the source',
  EPARTIAL: 'some entries failed',
  EILSEQ: 'the name is not valid text in this encoding',
};

/** An errno name in plain words ("permission denied"); the code itself for one we do not know. */
export function plainErrno(code: string): string {
  return PLAIN[code] ?? code;
}

/** Calls that read the source, and calls that create, write or name the destination. */
const SOURCE_CALLS = new Set(['read', 'pread', 'lseek', 'readlink', 'opendir', 'scandir', 'getdents64']);
const DEST_CALLS = new Set(['write', 'pwrite', 'ftruncate', 'fallocate', 'fsync', 'fdatasync', 'mkdir', 'link', 'linkat', 'symlink', 'mknod', 'futimens', 'fchown', 'fchmod', 'fsetxattr', 'syncfs', 'statfs', 'access']);
const DEST_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG']);

/** Which side of a copy an error concerns: the engine's word when it gave one, else from the call and the code. */
export function failedSide(e: Pick<WireError, 'code' | 'syscall' | 'side'>): 'source' | 'destination' | null {
  if (e.side) return e.side;
  if (DEST_CODES.has(e.code)) return 'destination';
  if (e.syscall && SOURCE_CALLS.has(e.syscall)) return 'source';
  if (e.syscall && DEST_CALLS.has(e.syscall)) return 'destination';
  return null;
}

/**
 * An error as a sentence that names the side that failed: "Cannot create it in the destination:
 * permission denied (EACCES)", "Cannot read the source: it does not exist (any more) (ENOENT)".
 * Errors that already speak plainly (not enough space, the copy differs) keep their own words.
 */
export function describeError(e: Pick<WireError, 'code' | 'message' | 'syscall' | 'side'>): string {
  const side = failedSide(e);
  if (e.code === 'ENOSPC' && /not enough space/.test(e.message)) {
    const words = e.message.replace(/^ENOSPC: /, '').replace(/, statfs '.*'$/, '');
    return `Not enough space in the destination: ${words.replace(/^not enough space: /, '')} (ENOSPC)`;
  }
  const plain = plainErrno(e.code);
  if (plain === e.code) {
    // A code we have no words for: its own description, without repeating the code.
    const desc = e.message.startsWith(`${e.code}: `) ? e.message.slice(e.code.length + 2).replace(/, \w+ '.*$/, '') : e.message;
    return `${lead(side, e.syscall, e.code)}: ${desc} (${e.code})`;
  }
  return `${lead(side, e.syscall, e.code)}: ${plain} (${e.code})`;
}

function lead(side: 'source' | 'destination' | null, syscall: string | undefined, code: string): string {
  if (side === 'source') return 'Cannot read the source';
  if (side === 'destination') {
    if ((!syscall && DEST_CODES.has(code)) || syscall === 'write' || syscall === 'pwrite' || syscall === 'fallocate' || syscall === 'ftruncate' || syscall === 'fsync' || syscall === 'fdatasync' || syscall === 'syncfs') return 'Cannot write the destination';
    if (syscall === 'access' || syscall === 'statfs') return 'Cannot use the destination';
    return 'Cannot create it in the destination';
  }
  return 'Cannot copy it';
}

/**
 * Why one attempt of the fallback chain did not move the bytes, for a person:
 * "EXDEV: different filesystems, so reflink and copy_file_range cannot work".
 */
export function attemptReason(a: Pick<Attempt, 'method' | 'outcome' | 'errno'>): string {
  if (a.outcome === 'ok') return 'moved the data';
  const code = a.errno ?? (a.outcome === 'unsupported' ? 'unsupported' : 'error');
  const why = METHOD_REASONS[a.method]?.[code];
  if (why) return `${code}: ${why}`;
  if (a.outcome === 'unsupported') return `${code}: ${plainErrno(code)}, so the next method is tried`;
  return `${code}: ${plainErrno(code)}`;
}

const NO_REFLINK = 'this filesystem cannot share extents (no reflink), so the data is copied';
const METHOD_REASONS: Partial<Record<Method, Record<string, string>>> = {
  reflink: {
    EXDEV: 'different filesystems, so reflink and copy_file_range cannot work',
    EOPNOTSUPP: NO_REFLINK,
    ENOTSUP: NO_REFLINK,
    ENOTTY: NO_REFLINK,
    EINVAL: 'the filesystem refused to share these extents (not supported for this file or filesystem)',
    EPERM: 'sharing extents is not permitted here (an immutable or append-only file)',
    ETXTBSY: 'the destination is a running program',
  },
  copy_file_range: {
    EXDEV: 'different filesystems: the kernel copies in place only within one filesystem type (Linux 5.19+), so splice',
    ENOSYS: 'this kernel has no copy_file_range, so splice',
    EPERM: 'copy_file_range is blocked here (a sandbox or seccomp), so splice',
    EOPNOTSUPP: 'this filesystem does not implement copy_file_range, so splice',
    EINVAL: 'copy_file_range does not work for this file (a special or pseudo file), so splice',
    EIO: 'the kernel copy failed with an I/O error',
  },
  splice: {
    EINVAL: 'this filesystem does not support splice, so a plain read/write loop',
    ENOSYS: 'no splice here, so a plain read/write loop',
  },
};
