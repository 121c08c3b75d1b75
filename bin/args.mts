// Command-line parsing for ferry-cp: node:util parseArgs in strict mode, every problem turned into
// a UsageError (exit status 2, like cp's usage errors).
import { parseArgs } from 'node:util';
import { UNFIT_POLICIES, type Method, type UnfitPolicy } from '../native/index.js';

export const METHOD_CHOICES = ['auto', 'reflink', 'copy_file_range', 'splice', 'buffered'] as const;
export type MethodChoice = (typeof METHOD_CHOICES)[number];

export interface CliOptions {
  recursive: boolean;
  method: 'auto' | Method;
  json: boolean;
  explain: boolean;
  verify: boolean;
  preserve: boolean;
  jobs: number | null;
  fsync: boolean;
  /** Entries a foreign destination (FAT, exFAT, NTFS) cannot hold as they are. */
  unfit: UnfitPolicy;
  mapNames: boolean;
  followLinks: boolean;
  help: boolean;
  version: boolean;
  /** SOURCE... then DEST, as given. */
  operands: string[];
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export const USAGE = `Usage: ferry-cp [OPTION]... SOURCE DEST
  or:  ferry-cp [OPTION]... SOURCE... DIRECTORY
Copy SOURCE to DEST, or each SOURCE into DIRECTORY, with the fastest correct kernel path per file.

  -r, -R, --recursive    copy directories recursively
      --method=METHOD    auto (default), reflink, copy_file_range, splice or buffered;
                         a forced METHOD that cannot apply fails that file and leaves nothing
      --json             print one JSON record per copied entry (NDJSON) on stdout
      --explain          copy nothing; print the method each file would use and why
      --verify           re-read source and copy after copying and compare xxh64 hashes
      --no-preserve      do not keep times, owner, mode bits and extended attributes
  -j, --jobs=N           copy up to N files at once (engine threads)
      --fsync            flush each file, and the folder its name is in, to disk before
                         moving on; at the end flush each destination filesystem and
                         name every copy that is not known to be on disk

USB sticks and disks shared with Windows (FAT32, exFAT, NTFS): names with : ? * " < > | \,
names that differ only in case, symbolic links, FIFOs and devices, files over FAT32's 4 GiB.
      --unfit=WHAT       what to do with entries the destination cannot hold as they are:
                         fail (default: try each, and say in plain words why it failed),
                         skip (leave them out; a move leaves them at the source),
                         stop (copy nothing if there is any; each gets a record saying why)
      --map-names        replace the characters the destination forbids with look-alikes
                         from Unicode's private use area (':' becomes U+F03A, like Cygwin and
                         Linux cifs' mapchars); reversible, see the README
      --follow-links     where symbolic links cannot be stored, copy what they point to
  -h, --help             display this help and exit
  -V, --version          output version information and exit

A source that changes while it is read is copied as it was when opened (at most the size it
had then) and reported on stderr: "file changed as we read it".

Exit status: 0 if every entry was copied, 1 if any failed (the others are still copied), a source
changed while it was read, or a copy is not known to be on disk; 2 for usage errors.`;

export const SHORT_USAGE = "Try 'ferry-cp --help' for more information.";

export function parseCli(argv: string[]): CliOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        recursive: { type: 'boolean', short: 'r' },
        R: { type: 'boolean', short: 'R' },
        method: { type: 'string' },
        json: { type: 'boolean' },
        explain: { type: 'boolean' },
        verify: { type: 'boolean' },
        'no-preserve': { type: 'boolean' },
        preserve: { type: 'boolean' },
        jobs: { type: 'string', short: 'j' },
        fsync: { type: 'boolean' },
        unfit: { type: 'string' },
        'map-names': { type: 'boolean' },
        'follow-links': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'V' },
      },
    });
  } catch (e) {
    throw new UsageError(cleanParseError(e as Error));
  }
  const v = parsed.values;
  const method = v.method ?? 'auto';
  if (!(METHOD_CHOICES as readonly string[]).includes(method)) {
    throw new UsageError(`invalid argument '${method}' for '--method'\nValid arguments are: ${METHOD_CHOICES.join(', ')}`);
  }
  const unfit = v.unfit ?? 'fail';
  if (!(UNFIT_POLICIES as readonly string[]).includes(unfit)) {
    throw new UsageError(`invalid argument '${unfit}' for '--unfit'\nValid arguments are: ${UNFIT_POLICIES.join(', ')}`);
  }
  let jobs: number | null = null;
  if (v.jobs !== undefined) {
    const n = Number(v.jobs);
    if (!/^\d+$/.test(v.jobs) || !Number.isInteger(n) || n < 1 || n > 64) {
      throw new UsageError(`invalid number of jobs '${v.jobs}' (expected 1 to 64)`);
    }
    jobs = n;
  }
  const opts: CliOptions = {
    recursive: Boolean(v.recursive || v.R),
    method: method as CliOptions['method'],
    json: Boolean(v.json),
    explain: Boolean(v.explain),
    verify: Boolean(v.verify),
    preserve: !v['no-preserve'],
    jobs,
    fsync: Boolean(v.fsync),
    unfit: unfit as UnfitPolicy,
    mapNames: Boolean(v['map-names']),
    followLinks: Boolean(v['follow-links']),
    help: Boolean(v.help),
    version: Boolean(v.version),
    operands: parsed.positionals,
  };
  if (opts.help || opts.version) return opts;
  if (opts.operands.length === 0) throw new UsageError('missing file operand');
  if (opts.operands.length === 1) throw new UsageError(`missing destination file operand after '${opts.operands[0]}'`);
  // '' names no file; it is nearly always an unset shell variable ("$SRC"), so say which one.
  const empty = opts.operands.indexOf('');
  if (empty >= 0) {
    const which = empty === opts.operands.length - 1 ? 'the destination operand' : `source operand ${empty + 1}`;
    throw new UsageError(`${which} is empty: '' names no file (an unset shell variable?)`);
  }
  if (opts.explain && opts.verify) throw new UsageError('--explain copies nothing, so --verify cannot apply');
  return opts;
}

/** parseArgs' messages are long and mention the API; keep the useful first sentence. */
function cleanParseError(e: Error): string {
  const code = (e as NodeJS.ErrnoException).code;
  const m = /Unknown option '([^']+)'/.exec(e.message);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && m) return `unrecognized option '${m[1]}'`;
  const first = e.message.split('. ')[0] ?? e.message;
  return first.replace(/^Option '([^']+)'/, "option '$1'");
}
