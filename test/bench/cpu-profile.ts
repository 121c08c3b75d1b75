// Summarises a V8 CPU profile (.cpuprofile, as the panes bench saves with FERRY_BENCH_PROFILE):
// self time per function (name, file, line) and per group (our code, Svelte, GC, idle, program),
// so a claim about where a listing's renderer time goes comes from samples.
// `node dist/test/bench/cpu-profile.js <file.cpuprofile> [top]`.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which part of the page a frame belongs to. */
function group(url: string, name: string): string {
  if (name === '(garbage collector)') return 'GC';
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
  if (url === '') return 'native/builtin';
  if (/svelte/.test(url)) return 'svelte';
  return 'page code';
}

export function summarise(p: Profile, top = 25): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = byId.get(p.samples[i]!)!;
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    const f = n.callFrame;
    const k = `${f.functionName || '(anonymous)'} ${path.basename(f.url)}:${f.lineNumber + 1}`;
    self.set(k, (self.get(k) ?? 0) + dt);
    const g = group(f.url, f.functionName);
    groups.set(g, (groups.get(g) ?? 0) + dt);
  }
  const ms = (x: number) => x.toFixed(1).padStart(8);
  const out = [`total ${((p.endTime - p.startTime) / 1000).toFixed(0)} ms`];
  for (const [g, t] of [...groups].sort((a, b) => b[1] - a[1])) out.push(`${ms(t)} ms  [${g}]`);
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) out.push(`${ms(t)} ms  ${k}`);
  return out;
}

const selfPath = fileURLToPath(import.meta.url);
if (process.argv[1] && path.resolve(process.argv[1]) === selfPath) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: cpu-profile.js <file.cpuprofile> [top]');
    process.exit(2);
  }
  for (const l of summarise(JSON.parse(fs.readFileSync(file, 'utf8')) as Profile, Number(process.argv[3] ?? 25))) console.log(l);
}
