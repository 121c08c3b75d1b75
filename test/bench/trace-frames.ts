// What a late frame was, from a trace saved by the queue bench (FERRY_BENCH_TRACE=<file.json>):
// `node dist/test/bench/trace-frames.js <file.json>`. For the page renderer's main thread (the one
// with the most requestAnimationFrame callbacks): rAF intervals (p50, p95, max), and for each
// interval over 25 ms whether the thread was idle, busy but off-core (thread time under half of the
// wall time of its tasks: waiting for one of the 2 cores) or busy running; then how many intervals
// held a commit (the page changed) or a layout.
import fs from 'node:fs';

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
}

const TASK = new Set(['ThreadControllerImpl::RunTask', 'RunTask']);

export function analyse(events: readonly TraceEvent[]): string[] {
  const rafCount = new Map<string, number>();
  for (const e of events) if (e.name === 'FireAnimationFrame') rafCount.set(`${e.pid}:${e.tid}`, (rafCount.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
  const main = [...rafCount.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  if (!main) return ['no requestAnimationFrame callbacks in this trace'];
  const onMain = events.filter((e) => `${e.pid}:${e.tid}` === main).sort((a, b) => a.ts - b.ts);
  const tasks = onMain.filter((e) => e.ph === 'X' && TASK.has(e.name));
  const rafs = onMain.filter((e) => e.ph === 'X' && e.name === 'FireAnimationFrame');
  const commits = onMain.filter((e) => e.name === 'ProxyMain::BeginMainFrame::commit').map((e) => e.ts);
  const layouts = onMain.filter((e) => e.ph === 'X' && e.name === 'Layout').map((e) => e.ts);
  const within = (xs: number[], a: number, b: number) => xs.some((t) => t >= a && t < b);
  const deltas: number[] = [];
  let idle = 0;
  let offCore = 0;
  let running = 0;
  let withCommit = 0;
  let withLayout = 0;
  let lateWithCommit = 0;
  for (let i = 1; i < rafs.length; i++) {
    const a = rafs[i - 1]!.ts;
    const b = rafs[i]!.ts;
    const d = (b - a) / 1000;
    deltas.push(d);
    const c = within(commits, a, b);
    if (c) withCommit++;
    if (within(layouts, a, b)) withLayout++;
    if (d <= 25) continue;
    if (c) lateWithCommit++;
    let wall = 0;
    let cpu = 0;
    for (const t of tasks) {
      const s = Math.max(a, t.ts);
      const f = Math.min(b, t.ts + (t.dur ?? 0));
      if (f <= s) continue;
      wall += f - s;
      cpu += ((t.tdur ?? 0) * (f - s)) / Math.max(1, t.dur ?? 1);
    }
    if (wall < (b - a) * 0.3) idle++;
    else if (cpu < wall * 0.5) offCore++;
    else running++;
  }
  const s = [...deltas].sort((x, y) => x - y);
  const pct = (p: number) => s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
  const late = idle + offCore + running;
  return [
    `renderer main ${main}: ${deltas.length} frame intervals, p50 ${pct(50).toFixed(1)} ms, p95 ${pct(95).toFixed(1)} ms, max ${(s[s.length - 1] ?? NaN).toFixed(0)} ms`,
    `late (> 25 ms): ${late}; main thread idle in ${idle}, busy but off-core in ${offCore}, busy running in ${running}; ${lateWithCommit} held a commit`,
    `intervals with a commit ${withCommit} (${((withCommit / Math.max(1, deltas.length)) * 100).toFixed(0)} %), with a layout ${withLayout} (${((withLayout / Math.max(1, deltas.length)) * 100).toFixed(0)} %)`,
  ];
}

if (process.argv[1]?.endsWith('trace-frames.js')) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node dist/test/bench/trace-frames.js <trace.json>');
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  for (const l of analyse(Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []))) console.log(l);
}
