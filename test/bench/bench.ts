// Ferry's copy benchmark (`npm run bench`): ferry-cp against GNU cp, Node's fs.cp and rsync on
// loop-mounted filesystems. A script, not a test: it prints a table and never fails the build.
//
// Every case is a list of contenders timed in one process, in alternating order (run i starts
// with contender i mod n), medians of FERRY_BENCH_RUNS (default 5) runs. The headline ratio is
// the ferry-cp *process* against the cp *process*; "ferry (in-process)" times the engine through
// native/index.ts startJob without Node's start-up, which is what the reflink target is about.
//
// UI figures (panes, queue) come first, from ui.ts; --only=ui runs just those. Then the
// main-process figures at scale (scale.ts: start-up, explain, listing, memory; --only=scale, or
// one of those words). The run ends with one table of every target of issues 14 and 10 and its
// verdict (verdict.ts).
// Options: --quick (smaller cases), --only=SUBSTRING (cases whose name contains it),
// env FERRY_BENCH_RUNS=N, FERRY_BENCH_DROP_CACHES=0 to keep the page cache between runs.
// Needs root for loop mounts; without root it says why and exits 0.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_THREADS, startJob } from '../../native/index.js';
import { uiBench } from './ui.js';
import { scaleBench } from './scale.js';
import { judge, noteVerdicts, printVerdicts, type Verdict } from './verdict.js';
import { cleanupAll, hasCommand, isRoot, makeMount, type Mount, type MountKind } from '../helpers/mounts.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(here, '..', '..', '..');
const CLI = path.join(REPO, 'bin', 'ferry-cp');
const ENGINE = path.join(REPO, 'native', 'build', 'Release', 'ferry_engine.node');

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? null;
const RUNS = Math.max(1, Number(process.env.FERRY_BENCH_RUNS ?? (QUICK ? 3 : 5)) || 5);
const DROP = isRoot() && process.env.FERRY_BENCH_DROP_CACHES !== '0';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// ---------------------------------------------------------------------------------------------
// Runner
// ---------------------------------------------------------------------------------------------

/** One way of copying `src` to `dest`; returns when the copy is complete. */
interface Contender {
  name: string;
  run(src: string, dest: string): Promise<void>;
}

interface Case {
  name: string;
  /** What to print beside the results. */
  target: string;
  /** Creates the source; returns [src, destination path to use]. */
  setup(): Promise<{ src: string; dest: string }>;
  contenders: Contender[];
  /** Judges the medians (by contender name); returns the verdict text. */
  judge(med: Map<string, number>, extra: Map<string, string>): string;
  /** Optional extra column per contender, measured after its first run (e.g. allocation). */
  inspect?(dest: string): string;
  /** Keep the page cache between runs (a warm source) even where caches are dropped. */
  warm?: boolean;
  /** Untimed, before each run of each contender (e.g. a move's source made again). */
  prepare?(src: string): void;
  /** Rows of the closing targets table. */
  verdicts?(med: Map<string, number>): Verdict[];
}

interface Row {
  caseName: string;
  contender: string;
  median: number;
  min: number;
  max: number;
  ratio: string;
  extra: string;
}

function sh(cmd: string, argv: string[]): void {
  const r = spawnSync(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')}: ${r.stderr || r.status}`);
}

function proc(cmd: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (b: Buffer) => (err += b.toString()));
    c.on('error', reject);
    c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${argv.join(' ')} exited ${code}: ${err.slice(0, 500)}`))));
  });
}

/**
 * Flushes dirty data (so one run's writeback does not slow the next) and, as root, drops the page
 * cache so the source is read cold. The tools themselves are then warmed again (node, the CLI's
 * modules, the engine, cp, rsync): a user's machine has them cached, and reading a 100 MB node
 * binary from disk is not what this benchmark compares.
 */
function dropCaches(warm = false): void {
  sh('sync', []);
  if (!DROP || warm) return;
  writeFileSync('/proc/sys/vm/drop_caches', '3');
  spawnSync(process.execPath, [CLI, '--version'], { stdio: 'ignore' });
  spawnSync(process.execPath, ['-e', "require('fs')"], { stdio: 'ignore' });
  spawnSync('cat', [ENGINE], { stdio: 'ignore' });
  spawnSync('cp', ['--version'], { stdio: 'ignore' });
  if (hasCommand('rsync')) spawnSync('rsync', ['--version'], { stdio: 'ignore' });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const verdicts: Verdict[] = [];

async function runCase(c: Case): Promise<Row[]> {
  process.stderr.write(`• ${c.name}: setting up…\n`);
  const { src, dest } = await c.setup();
  const times = new Map<string, number[]>(c.contenders.map((x) => [x.name, []]));
  const extra = new Map<string, string>();
  for (let i = 0; i < RUNS; i++) {
    for (let k = 0; k < c.contenders.length; k++) {
      const who = c.contenders[(i + k) % c.contenders.length]!;
      sh('rm', ['-rf', dest]);
      c.prepare?.(src);
      dropCaches(c.warm);
      const t0 = process.hrtime.bigint();
      await who.run(src, dest);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      times.get(who.name)!.push(ms);
      if (!existsSync(dest)) throw new Error(`${who.name} left no ${dest}`);
      if (i === 0 && c.inspect) extra.set(who.name, c.inspect(dest));
    }
    process.stderr.write(`  run ${i + 1}/${RUNS} done\n`);
  }
  sh('rm', ['-rf', dest]);
  const med = new Map([...times].map(([k, v]) => [k, median(v)]));
  const cp = med.get('cp');
  const verdict = c.judge(med, extra);
  process.stderr.write(`  → ${c.name}: ${[...med].map(([k, v]) => `${k} ${fmtMs(v)}`).join(', ')}; ${verdict}\n`);
  if (c.verdicts) {
    const v = c.verdicts(med);
    noteVerdicts(v);
    verdicts.push(...v);
  }
  const rows: Row[] = [...times].map(([name, v]) => ({
    caseName: c.name,
    contender: name,
    median: med.get(name)!,
    min: Math.min(...v),
    max: Math.max(...v),
    ratio: cp ? `${(med.get(name)! / cp).toFixed(2)}×` : '',
    extra: extra.get(name) ?? '',
  }));
  rows.push({ caseName: c.name, contender: `→ target: ${c.target}`, median: NaN, min: NaN, max: NaN, ratio: '', extra: verdict });
  return rows;
}

function fmtMs(ms: number): string {
  if (Number.isNaN(ms)) return '';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function printTable(rows: Row[]): void {
  const head = ['case', 'contender', 'median', 'min', 'max', 'vs cp', 'note'];
  const body = rows.map((r) => [r.caseName, r.contender, fmtMs(r.median), fmtMs(r.min), fmtMs(r.max), r.ratio, r.extra]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  console.log(line(head));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  let last = '';
  for (const b of body) {
    const cells = [...b];
    if (cells[0] === last) cells[0] = '';
    else last = cells[0]!;
    console.log(line(cells));
  }
}

// ---------------------------------------------------------------------------------------------
// Contenders
// ---------------------------------------------------------------------------------------------

const ferryCli = (recursive: boolean): Contender => ({
  name: 'ferry-cp',
  run: (s, d) => proc(process.execPath, [CLI, ...(recursive ? ['-r'] : []), s, d]),
});
const ferryInProcess = (recursive: boolean, progress = false): Contender => ({
  name: 'ferry (in-process)',
  run: async (s, d) => {
    const job = startJob([{ src: s, dest: d }], { recursive, progress, scan: false, conflict: 'overwrite' });
    const r = await job.done;
    if (r.filesFailed > 0) throw new Error(`engine: ${r.filesFailed} files failed`);
  },
});
const gnuCp = (recursive: boolean): Contender => ({
  name: 'cp',
  run: (s, d) => proc('cp', [...(recursive ? ['-r'] : []), '--reflink=auto', s, d]),
});
const nodeFsCp = (recursive: boolean): Contender => ({
  name: 'node fs.cp',
  run: (s, d) =>
    proc(process.execPath, ['-e', `require('fs').cp(process.argv[1], process.argv[2], { recursive: ${recursive} }, (e) => { if (e) { console.error(e); process.exit(1); } })`, s, d]),
});
const rsync = (recursive: boolean): Contender => ({
  name: 'rsync',
  run: (s, d) => proc('rsync', [...(recursive ? ['-r'] : []), s, d]),
});

function copyContenders(recursive: boolean, opts: { fsCp?: boolean; rsync?: boolean } = {}): Contender[] {
  const list = [ferryCli(recursive), gnuCp(recursive)];
  if (opts.fsCp !== false) list.push(nodeFsCp(recursive));
  if (opts.rsync !== false && hasCommand('rsync')) list.push(rsync(recursive));
  list.push(ferryInProcess(recursive));
  return list;
}

// ---------------------------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------------------------

const mounts = new Map<string, Mount>();
async function mount(kind: MountKind, sizeMiB: number): Promise<Mount> {
  const key = kind;
  let m = mounts.get(key);
  if (!m) {
    m = await makeMount(kind, sizeMiB);
    mounts.set(key, m);
  }
  return m;
}

const CHUNK = randomBytes(16 * MiB);
function writeData(p: string, bytes: number): void {
  if (existsSync(p) && statSync(p).size === bytes) return;
  const fd = openSync(p, 'w');
  for (let off = 0; off < bytes; off += CHUNK.length) {
    // Vary each chunk a little so no filesystem could deduplicate it.
    CHUNK.writeUInt32LE(off / CHUNK.length, 0);
    writeSync(fd, CHUNK, 0, Math.min(CHUNK.length, bytes - off));
  }
  closeSync(fd);
  sh('sync', []);
}

function makeTree(root: string, files: number, size: number): void {
  if (existsSync(root)) return;
  mkdirSync(root);
  const perDir = 500;
  for (let i = 0; i < files; i++) {
    const d = path.join(root, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) mkdirSync(d);
    const off = (i * 4099) % (CHUNK.length - size);
    writeFileSync(path.join(d, `f${i}.bin`), CHUNK.subarray(off, off + size));
  }
  sh('sync', []);
}

function allocatedKiB(p: string): string {
  return `${Math.round((statSync(p).blocks * 512) / 1024)} KiB allocated`;
}

const within = (x: number | undefined, limit: number): string => (x === undefined ? 'n/a' : x <= limit ? 'met' : 'MISSED');

// ---------------------------------------------------------------------------------------------
// Cases
// ---------------------------------------------------------------------------------------------

/**
 * Move 3,001 × 64 KiB files xfs→btrfs against copying them: the engine as a job runs it (move:
 * copy, make durable, then remove each source). The source is made again (a reflink copy of a
 * pristine tree, untimed) before every run.
 */
function moveCase(): Case {
  const files = 3001;
  const engine = (name: string, move: boolean): Contender => ({
    name,
    run: async (s, d) => {
      const job = startJob([{ src: s, dest: d }], { recursive: true, move, progress: true, scan: false, conflict: 'overwrite' });
      const r = await job.done;
      if (r.filesFailed > 0) throw new Error(`engine: ${r.filesFailed} files failed`);
    },
  });
  return {
    name: `move ${files.toLocaleString('en-US')} × 64 KiB xfs→btrfs`,
    target: 'move ≤ 1.5× copy',
    setup: async () => {
      const xf = await mount('xfs', 12288);
      const b = await mount('btrfs', 12288);
      const pristine = path.join(xf.dir, 'move.pristine');
      if (!existsSync(pristine)) {
        mkdirSync(pristine);
        for (let i = 0; i < files; i++) {
          const d = path.join(pristine, `d${Math.floor(i / 300)}`);
          if (i % 300 === 0) mkdirSync(d);
          const off = (i * 8191) % (CHUNK.length - 65536);
          writeFileSync(path.join(d, `f${i}.bin`), CHUNK.subarray(off, off + 65536));
        }
        sh('sync', []);
      }
      return { src: path.join(xf.dir, 'move.src'), dest: path.join(b.dir, 'moved') };
    },
    prepare: (src) => {
      if (!existsSync(src)) sh('cp', ['-a', '--reflink=always', path.join(path.dirname(src), 'move.pristine'), src]);
    },
    contenders: [
      engine('ferry copy (engine)', false),
      engine('ferry move (engine)', true),
      { name: 'mv (no flush)', run: (s, d) => proc('mv', [s, d]) },
    ],
    judge: (med) => `move/copy ${((med.get('ferry move (engine)') ?? NaN) / (med.get('ferry copy (engine)') ?? NaN)).toFixed(2)}× → ${within((med.get('ferry move (engine)') ?? NaN) / (med.get('ferry copy (engine)') ?? NaN), 1.5)}`,
    verdicts: (med) => {
      const mv = med.get('ferry move (engine)') ?? NaN;
      const cpy = med.get('ferry copy (engine)') ?? NaN;
      return [{ row: `move ${files.toLocaleString('en-US')} files xfs→btrfs`, figure: `${fmtMs(mv)} vs copy ${fmtMs(cpy)} = ${(mv / cpy).toFixed(2)}×`, target: '≤ 1.5× the copy', verdict: judge(mv / cpy <= 1.5, `${(mv / cpy - 1.5).toFixed(2)}× over`) }];
    },
  };
}

function cases(): Case[] {
  const treeFiles = QUICK ? 5_000 : 50_000;
  const big = QUICK ? 256 * MiB : GiB;
  const bigName = QUICK ? '256 MiB' : '1 GiB';
  const huge = QUICK ? GiB : 8 * GiB;
  const hugeName = QUICK ? '1 GiB' : '8 GiB';
  const sparseSize = QUICK ? GiB : 5 * GiB;
  const sparseName = QUICK ? '1 GiB' : '5 GiB';
  // Image sizes: sparse files on the host disk; only data written costs space.
  const ext4MiB = QUICK ? 4096 : 16384;
  const reflinkMiB = QUICK ? 4096 : 12288;
  const ratioOf = (med: Map<string, number>, who = 'ferry-cp') => (med.get(who) ?? NaN) / (med.get('cp') ?? NaN);

  const x = (med: Map<string, number>, a: string, b = 'cp') => (med.get(a) ?? NaN) / (med.get(b) ?? NaN);
  const ratioRow = (row: string, figure: string, r: number, limit: number, target: string): Verdict => ({
    row,
    figure,
    target,
    verdict: judge(r <= limit, `${(r - limit).toFixed(2)}× over`),
  });
  const treeCase = (warm: boolean): Case => ({
    name: `tree ${treeFiles / 1000}k × 4 KiB, ext4→ext4${warm ? ', warm cache' : ''}`,
    target: 'in-process ≤ 0.5× cp, ferry-cp ≤ 0.6× cp (metadata kept)',
    warm,
    setup: async () => {
      const m = await mount('ext4', ext4MiB);
      makeTree(path.join(m.dir, 'tree'), treeFiles, 4096);
      return { src: path.join(m.dir, 'tree'), dest: path.join(m.dir, 'tree.copy') };
    },
    // cp -r keeps no metadata while ferry-cp keeps times, mode and xattrs by default: show both
    // sides at equal work too (cp -a, ferry-cp --no-preserve).
    contenders: [
      ...copyContenders(true, warm ? { fsCp: false, rsync: false } : {}),
      { name: 'cp -a', run: (s, d) => proc('cp', ['-a', '--reflink=auto', s, d]) },
      ...(warm ? [] : [{ name: 'ferry-cp --no-preserve', run: (s: string, d: string) => proc(process.execPath, [CLI, '-r', '--no-preserve', s, d]) }]),
    ],
    judge: (med) =>
      `in-process ${x(med, 'ferry (in-process)').toFixed(2)}× → ${within(x(med, 'ferry (in-process)'), 0.5)}; ferry-cp ${x(med, 'ferry-cp').toFixed(2)}× → ${within(x(med, 'ferry-cp'), 0.6)}; vs cp -a ${x(med, 'ferry-cp', 'cp -a').toFixed(2)}×`,
    verdicts: (med) => {
      const label = `tree ${treeFiles / 1000}k × 4 KiB ext4, ${warm ? 'warm' : 'cold'}`;
      return [
        ratioRow(`${label}, in-process`, `${x(med, 'ferry (in-process)').toFixed(2)}× cp (${fmtMs(med.get('ferry (in-process)') ?? NaN)})`, x(med, 'ferry (in-process)'), 0.5, '≤ 0.5× cp'),
        ratioRow(`${label}, ferry-cp`, `${x(med, 'ferry-cp').toFixed(2)}× cp (${fmtMs(med.get('ferry-cp') ?? NaN)}; cp -a ${x(med, 'cp -a').toFixed(2)}×)`, x(med, 'ferry-cp'), 0.6, '≤ 0.6× cp'),
      ];
    },
  });

  // Issue 14's idea "more workers than cores for metadata-bound trees": 4 against 8 workers,
  // cold cache (where reads in flight matter) and warm (where only CPU does).
  const workersCase = (warm: boolean): Case => {
    const [few, many] = [4, 8];
    const engine = (n: number): Contender => ({
      name: `engine, ${n} workers`,
      run: (s, d) => startJob([{ src: s, dest: d }], { recursive: true, threads: n, progress: false, scan: false, conflict: 'overwrite' }).done.then(() => {}),
    });
    return {
      name: `workers ${few} vs ${many} (engine, tree ${treeFiles / 1000}k, ${warm ? 'warm' : 'cold'}; default ${DEFAULT_THREADS})`,
      target: `${many} only if ≥ 5% faster cold and not slower warm`,
      warm,
      setup: async () => {
        const m = await mount('ext4', ext4MiB);
        makeTree(path.join(m.dir, 'tree'), treeFiles, 4096);
        return { src: path.join(m.dir, 'tree'), dest: path.join(m.dir, 'tree.workers') };
      },
      contenders: [engine(few), engine(many)],
      judge: (med) => {
        const r = x(med, `engine, ${many} workers`, `engine, ${few} workers`);
        return `${many}/${few} = ${r.toFixed(2)}× → ${r <= 0.95 ? `${many} faster` : r <= 1.05 ? 'same' : `${few} faster`}`;
      },
    };
  };

  const list: Case[] = [
    treeCase(false),
    treeCase(true),
    {
      name: `${bigName} ext4→ext4`,
      target: 'ferry-cp ≤ 1.0× cp',
      setup: async () => {
        const m = await mount('ext4', ext4MiB);
        writeData(path.join(m.dir, 'big.bin'), big);
        return { src: path.join(m.dir, 'big.bin'), dest: path.join(m.dir, 'big.copy') };
      },
      contenders: copyContenders(false),
      judge: (med) => `${ratioOf(med).toFixed(2)}× → ${within(ratioOf(med), 1.0)}`,
      verdicts: (med) => [
        ratioRow(`${bigName} ext4→ext4`, `ferry-cp ${ratioOf(med).toFixed(2)}× cp, in-process ${x(med, 'ferry (in-process)').toFixed(2)}×`, ratioOf(med), 1.0, '≤ 1.0× cp'),
      ],
    },
    {
      name: `${bigName} ext4→xfs`,
      target: 'ferry-cp ≤ 0.95× cp and ≤ node fs.cp',
      setup: async () => {
        const m = await mount('ext4', ext4MiB);
        const xf = await mount('xfs', reflinkMiB);
        writeData(path.join(m.dir, 'big.bin'), big);
        return { src: path.join(m.dir, 'big.bin'), dest: path.join(xf.dir, 'big.from-ext4') };
      },
      contenders: copyContenders(false),
      judge: (med) => `${ratioOf(med).toFixed(2)}× → ${within(ratioOf(med), 0.95)}; vs fs.cp ${x(med, 'ferry-cp', 'node fs.cp').toFixed(2)}×`,
      verdicts: (med) => [
        ratioRow(`${bigName} ext4→xfs`, `ferry-cp ${ratioOf(med).toFixed(2)}× cp, in-process ${x(med, 'ferry (in-process)').toFixed(2)}×`, ratioOf(med), 0.95, '≤ 0.95× cp'),
        ratioRow(`${bigName} ext4→xfs vs node fs.cp`, `ferry-cp ${x(med, 'ferry-cp', 'node fs.cp').toFixed(2)}× fs.cp (fs.cp ${x(med, 'node fs.cp').toFixed(2)}× cp)`, x(med, 'ferry-cp', 'node fs.cp'), 1.0, '≤ 1.0× fs.cp'),
      ],
    },
    moveCase(),
    workersCase(false),
    workersCase(true),
  ];
  const reflinkMed = new Map<string, number>();
  for (const kind of ['btrfs', 'xfs'] as const) {
    for (const [size, label] of [
      [big, bigName],
      [huge, hugeName],
    ] as const) {
      list.push({
        name: `reflink ${label} ${kind}→${kind}`,
        target: 'engine ≤ 20 ms, same for both sizes',
        setup: async () => {
          const m = await mount(kind, reflinkMiB);
          writeData(path.join(m.dir, `r${size}.bin`), size);
          return { src: path.join(m.dir, `r${size}.bin`), dest: path.join(m.dir, `r${size}.clone`) };
        },
        // fs.cp and rsync do not clone: they would write the whole file (and 8 GiB would not fit).
        contenders: copyContenders(false, { fsCp: false, rsync: false }),
        judge: (med) => {
          const eng = med.get('ferry (in-process)') ?? NaN;
          reflinkMed.set(`${kind}-${label}`, eng);
          const other = reflinkMed.get(`${kind}-${bigName}`);
          const sizeNote = label === hugeName && other !== undefined ? `, ${hugeName}/${bigName} = ${(eng / other).toFixed(2)}×` : '';
          return `engine ${fmtMs(eng)} → ${within(eng, 20)}${sizeNote}`;
        },
      });
    }
  }
  list.push({
    name: `sparse ${sparseName} (1 MiB data) ext4→ext4`,
    target: 'ferry-cp ≤ cp, no extra allocation',
    setup: async () => {
      const m = await mount('ext4', ext4MiB);
      const p = path.join(m.dir, 'sparse.bin');
      if (!existsSync(p)) {
        const fd = openSync(p, 'w');
        writeSync(fd, randomBytes(MiB), 0, MiB, Math.floor(sparseSize / 3));
        ftruncateSync(fd, sparseSize);
        closeSync(fd);
      }
      return { src: p, dest: path.join(m.dir, 'sparse.copy') };
    },
    contenders: copyContenders(false),
    inspect: allocatedKiB,
    judge: (med, extra) => {
      const kib = (w: string) => Number(/^(\d+)/.exec(extra.get(w) ?? '')?.[1] ?? NaN);
      const r = ratioOf(med);
      return `${r.toFixed(2)}× → ${within(r, 1)}; alloc ferry ${kib('ferry-cp')} KiB vs cp ${kib('cp')} KiB → ${kib('ferry-cp') <= kib('cp') ? 'met' : 'MISSED'}`;
    },
  });
  list.push({
    name: `progress on vs off (engine, tree ${treeFiles / 1000}k)`,
    target: 'overhead ≤ 3%',
    setup: async () => {
      const m = await mount('ext4', ext4MiB);
      makeTree(path.join(m.dir, 'tree'), treeFiles, 4096);
      return { src: path.join(m.dir, 'tree'), dest: path.join(m.dir, 'tree.progress') };
    },
    contenders: [
      { ...ferryInProcess(true, false), name: 'ferry engine, progress off' },
      { ...ferryInProcess(true, true), name: 'ferry engine, progress on' },
    ],
    judge: (med) => {
      const off = med.get('ferry engine, progress off') ?? NaN;
      const on = med.get('ferry engine, progress on') ?? NaN;
      const o = (on / off - 1) * 100;
      return `overhead ${o.toFixed(1)}% → ${within(o, 3)}`;
    },
  });
  return ONLY ? list.filter((c) => c.name.includes(ONLY)) : list;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const all: Verdict[] = [];
  if (!ONLY || ONLY === 'ui') {
    // Panes and queue figures (no root needed): 100k-entry folder, 100k-file job.
    const ui = await uiBench({ quick: QUICK, runs: RUNS });
    noteVerdicts(ui);
    all.push(...ui);
    if (ONLY === 'ui') return printVerdicts(all);
  }
  const load = () => `load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
  console.log(`\n${load()} on ${os.availableParallelism?.() ?? os.cpus().length} cores at the start of the scale rows`);
  all.push(...(await scaleBench({ quick: QUICK, only: ONLY })));
  if (!isRoot()) {
    console.log('ferry bench: the copy cases need root for loop mounts (btrfs, xfs, ext4 images); skipped.');
    return printVerdicts(all);
  }
  const selected = cases();
  if (selected.length) {
    const cpVersion = spawnSync('cp', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? 'cp';
    console.log(`Ferry copy benchmark — ${new Date().toISOString()}${QUICK ? ' (quick)' : ''}, ${load()}`);
    console.log(`kernel ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}, ${cpVersion}, node ${process.version}`);
    console.log(`runs per contender: ${RUNS} (alternating order), median shown`);
    console.log(
      DROP
        ? 'page cache: sync + echo 3 > /proc/sys/vm/drop_caches before every run (cold source; "warm cache" cases keep it), then node/cp/rsync/ferry re-warmed'
        : 'page cache: kept between runs (warm source; set FERRY_BENCH_DROP_CACHES=1 as root to drop)',
    );
    console.log('cp runs as `cp [-r] --reflink=auto`; rsync as `rsync [-r]`; fs.cp in a fresh node process; ferry-cp with defaults (keeps times, mode, xattrs).');
    console.log('');
    const rows: Row[] = [];
    try {
      for (const c of selected) {
        try {
          rows.push(...(await runCase(c)));
        } catch (e) {
          rows.push({ caseName: c.name, contender: 'ERROR', median: NaN, min: NaN, max: NaN, ratio: '', extra: (e as Error).message.replace(/\s+/g, ' ').slice(0, 240) });
        }
      }
    } finally {
      await cleanupAll();
    }
    printTable(rows);
    console.log(`(${load()} at the end)`);
  }
  printVerdicts([...all, ...verdicts]);
}

main().catch(async (e: unknown) => {
  console.error(e);
  await cleanupAll();
  process.exitCode = 1;
});
