// ferry-cp: cp for the command line on top of Ferry's native copy engine.
//
// Quiet on success like cp; with --json one record per entry (NDJSON) saying which syscall moved
// the bytes and which attempts were refused on the way. Exit status 0 / 1 (some entry failed, or
// a source changed while it was read, as GNU tar does, or the final flush of --fsync failed: the
// rest is still copied) / 2 (usage). SIGINT/SIGTERM cancel the engine job (it removes its temps)
// and exit 130/143.
import { readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeEnginePath, encodeEnginePath, explainTrees, startJob, type CopyPair, type EngineEvent, type ExplainItem, type VerifiedRecord as FileRecord, type RunningJob } from '../native/index.js';
import { parseCli, SHORT_USAGE, USAGE, UsageError, type CliOptions } from './args.mjs';
import { resolvePairs } from './resolve.mjs';

const PROG = 'ferry-cp';
const CANCEL_GRACE_MS = 5000;

function version(): string {
  try {
    const here = path.dirname(fileURLToPath(import.meta.url));
    for (const rel of ['../package.json', '../../package.json']) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(here, rel), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'ferry' && pkg.version) return pkg.version;
      } catch {
        /* try the next */
      }
    }
  } catch {
    /* fall through */
  }
  return 'unknown';
}

// A reader that goes away (`ferry-cp --json … | head -1`) must not stop or crash the copy: stop
// writing and let the job finish. process.stdout is touched only when there is something to
// write: creating it loads Node's streams, which a quiet copy does not need (start-up).
let stdoutGone = false;
let stdoutUsed = false;
function stdout(): NodeJS.WriteStream {
  if (!stdoutUsed) {
    stdoutUsed = true;
    process.stdout.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') stdoutGone = true;
      else throw e;
    });
  }
  return process.stdout;
}

/** Writes to stdout and waits when the pipe is full, so 50k records never pile up in memory. */
async function out(line: string): Promise<void> {
  if (stdoutGone) return;
  const s = stdout();
  if (!s.write(line)) {
    await new Promise<void>((r) => {
      const done = () => {
        s.off('drain', done);
        s.off('error', done);
        r();
      };
      s.once('drain', done);
      s.once('error', done);
    });
  }
}

function err(line: string): void {
  process.stderr.write(`${PROG}: ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// --explain
// ---------------------------------------------------------------------------------------------

/**
 * The planner's answer for each operand and, with -r, each entry below it: the engine walks the
 * trees itself (its one walker, by directory fds, so non-UTF-8 names and deep paths are explained
 * too) and streams the answers in walk order.
 */
async function runExplain(opts: CliOptions): Promise<number> {
  const { pairs: given, refused } = resolvePairs(opts.operands, opts.recursive);
  const pairs = enginePairs(given);
  let failed = 0;
  for (const r of refused) {
    failed++;
    if (opts.json) await out(JSON.stringify({ src: r.src, dest: r.dest, type: r.type, method: null, chain: [], reason: r.error?.message ?? '', error: r.error }) + '\n');
    else err(r.error?.message ?? 'refused');
  }
  if (pairs.length === 0) return failed > 0 ? 1 : 0;
  const print = async (x: ExplainItem): Promise<void> => {
    if (x.error) failed++;
    if (opts.json) await out(JSON.stringify(x) + '\n');
    else if (x.error) err(x.error.message);
    else {
      // What a foreign destination cannot hold, or changes, under the entry's line.
      const problems = (x.problems ?? []).map((p) => `  ${p.fails ? 'cannot copy' : 'changed'}: ${p.reason}\n`).join('');
      await out(`${x.src} -> ${x.dest}: ${x.method ?? 'none'} (${x.reason})\n${problems}`);
    }
  };
  let chain: Promise<void> = Promise.resolve();
  const run = explainTrees(pairs, { method: opts.method, recursive: opts.recursive, mapNames: opts.mapNames, followLinks: opts.followLinks }, (items) => {
    for (const x of items) chain = chain.then(() => print(x));
  });
  await run.done;
  await chain;
  return failed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------
// Copy
// ---------------------------------------------------------------------------------------------

/**
 * The operands as the engine reads paths: spelled with its \xNN escape (encodeEnginePath), so that
 * an operand holding a literal "\x41" stays itself. Records come back in the same spelling, and
 * decodeEnginePath() gives any record path's exact bytes.
 */
function enginePairs(pairs: readonly CopyPair[]): CopyPair[] {
  return pairs.map((p) => ({ src: encodeEnginePath(p.src), dest: encodeEnginePath(p.dest) }));
}

const fsPath = (p: string): Buffer => decodeEnginePath(p);

async function verifyRecord(r: FileRecord): Promise<FileRecord> {
  if (!r.ok || r.skipped) return { ...r, verified: r.ok ? null : false };
  if (r.type === 'symlink') {
    try {
      const same = readlinkSync(fsPath(r.src), 'buffer').equals(readlinkSync(fsPath(r.dest), 'buffer'));
      return same
        ? { ...r, verified: true }
        : { ...r, verified: false, ok: false, error: { code: 'EVERIFY', message: `EVERIFY: symlink target differs, verify '${r.src}' -> '${r.dest}'`, syscall: 'verify', path: r.src, dest: r.dest } };
    } catch (e) {
      const x = e as NodeJS.ErrnoException;
      return { ...r, verified: false, ok: false, error: { code: x.code ?? 'EIO', message: x.message, syscall: 'verify', path: r.src, dest: r.dest } };
    }
  }
  if (r.type !== 'file') return { ...r, verified: null };
  // Loaded on demand: the xxhash WASM module is not needed (nor paid for at start-up) without --verify.
  const { verifyPair } = await import('../native/verify.js');
  // Record paths spell bytes that are not UTF-8 as \xNN: decode them back to the exact bytes.
  const v = await verifyPair(fsPath(r.src), fsPath(r.dest), r.src, r.dest);
  if (v.ok) return { ...r, verified: true };
  return {
    ...r,
    verified: false,
    ok: false,
    error: { code: v.mismatch ? 'EVERIFY' : v.code, message: v.message, syscall: 'verify', path: r.src, dest: r.dest },
  };
}

async function runCopy(opts: CliOptions): Promise<number> {
  const { pairs: given, refused } = resolvePairs(opts.operands, opts.recursive);
  const pairs = enginePairs(given);
  let failed = 0;
  let changed = 0;
  // Counts a record and says what it must (stderr); returns its --json line ('' without --json).
  const note = (r: FileRecord): string => {
    if (!r.ok && !r.skipped) failed++;
    // GNU tar's "file changed as we read it": on stderr in every mode, and the exit status is 1.
    if (r.changed) {
      changed++;
      err(`${r.src}: file changed as we read it (${r.warnings.find((w) => w.startsWith('changed during copy'))?.replace(/^changed during copy: /, '') ?? 'the copy may be inconsistent'})`);
    }
    if (opts.json) return JSON.stringify(r) + '\n';
    // Quiet like cp: only failures. Warnings (e.g. xattrs the target cannot hold) are in --json.
    if (!r.ok && !r.skipped) err(r.error?.message ?? `cannot copy '${r.src}' to '${r.dest}'`);
    return '';
  };
  const report = async (r: FileRecord): Promise<void> => {
    const line = note(r);
    if (line) await out(line);
  };
  for (const r of refused) await report(opts.verify ? { ...r, verified: false } : r);
  if (pairs.length === 0) return failed > 0 ? 1 : 0;

  // Records are reported in the order the engine finished them. Without --verify they stream out
  // at once; with it they wait for the end of the job, because a tree is assembled under a temp
  // name and moved into place last, so a record's dest may not exist yet when the record arrives.
  let chain: Promise<void> = Promise.resolve();
  let chainError: unknown = null;
  const toVerify: FileRecord[] = [];
  // One write per batch of records, not one promise per file (a 50k-file tree sends 50k records).
  const onEvents = (events: EngineEvent[]): void => {
    let lines = '';
    for (const ev of events) {
      if (ev.type !== 'files') continue;
      // Without --json or --verify only failures and changed files say anything: a batch without
      // them is counted, its records never decoded.
      if (!opts.json && !opts.verify && ev.failed === 0 && ev.changed === 0) continue;
      for (const rec of ev.records) {
        if (opts.verify) toVerify.push(rec);
        else lines += note(rec);
      }
    }
    if (!lines) return;
    chain = chain
      .then(() => out(lines))
      .catch((e: unknown) => {
        chainError ??= e;
      });
  };

  let job: RunningJob;
  try {
    job = startJob(pairs, {
      recursive: opts.recursive,
      method: opts.method,
      preserve: opts.preserve,
      fsync: opts.fsync,
      ...(opts.jobs !== null ? { threads: opts.jobs } : {}),
      conflict: 'overwrite',
      move: false,
      scan: false,
      progress: false,
      // --fsync: every file, its name and finally each destination filesystem flushed and checked.
      // --verify flushes too: it then reads each copy back from the device (dropCache).
      flush: opts.fsync || opts.verify,
      unfit: opts.unfit,
      mapNames: opts.mapNames,
      followLinks: opts.followLinks,
      onEvents,
    });
  } catch (e) {
    err((e as Error).message);
    return 1;
  }

  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled) process.exit(sig === 'SIGINT' ? 130 : 143); // second signal: give up waiting
    signalled = sig;
    job.cancel();
    // Cancelling is cooperative; should a worker be stuck in a syscall, do not hang the shell.
    setTimeout(() => {
      err(`cancelling took longer than ${CANCEL_GRACE_MS / 1000} s; exiting`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }, CANCEL_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let jobError: Error | null = null;
  let result = null;
  try {
    result = await job.done;
  } catch (e) {
    jobError = e as Error;
  }
  await chain;
  for (const rec of toVerify) {
    if (signalled) break;
    try {
      await report(await verifyRecord(rec));
    } catch (e) {
      chainError ??= e;
    }
  }
  // The final flush failed: the copies it was to make durable are not known to be on disk.
  const flush = result?.flush;
  if (flush && !flush.ok) {
    err(`${flush.error?.message ?? 'the final flush failed'}: ${flush.notOnDisk.length} ${flush.notOnDisk.length === 1 ? 'copy is' : 'copies are'} not known to be on disk:`);
    for (const d of flush.notOnDisk) err(`not on disk: '${d}'`);
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  if (chainError) err(`internal error: ${(chainError as Error).message ?? String(chainError)}`);
  if (jobError) err(jobError.message);
  // Once per job, not per file: what a foreign destination could not keep or hold.
  for (const w of result?.warnings ?? []) err(`warning: ${w}`);
  if (signalled) return signalled === 'SIGINT' ? 130 : 143;
  if (result?.cancelled) return 130;
  if (jobError || chainError || failed > 0 || changed > 0 || (result?.filesFailed ?? 0) > 0 || (flush && !flush.ok)) return 1;
  return 0;
}

// ---------------------------------------------------------------------------------------------

export async function main(argv: string[]): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCli(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      process.stderr.write(USAGE.split('\n').slice(0, 2).join('\n') + '\n' + SHORT_USAGE + '\n');
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    await out(USAGE + '\n');
    return 0;
  }
  if (opts.version) {
    await out(`${PROG} (Ferry) ${version()}\n`);
    return 0;
  }
  try {
    return opts.explain ? await runExplain(opts) : await runCopy(opts);
  } catch (e) {
    if (e instanceof UsageError) {
      err(e.message);
      process.stderr.write(SHORT_USAGE + '\n');
      return 2;
    }
    err((e as Error).message);
    return 1;
  }
}

/** Exits once everything written to stdout has been flushed. */
function finish(code: number): void {
  if (stdoutGone || !stdoutUsed) process.exit(code);
  else process.stdout.write('', () => process.exit(code));
}

main(process.argv.slice(2)).then(finish, (e: unknown) => {
  err(`internal error: ${(e as Error)?.stack ?? String(e)}`);
  finish(1);
});
