#!/usr/bin/env node
// `npm run lint`: type checks (tsc, svelte-check), Ferry's import rules, and the Electron security
// scan (electronegativity: no finding of MEDIUM or higher may stand).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, mkdtempSync, rmSync, existsSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let failures = 0;
function step(name, fn) {
  process.stdout.write(`lint: ${name} ... `);
  const problems = fn();
  if (problems.length === 0) {
    process.stdout.write('ok\n');
  } else {
    failures++;
    process.stdout.write(`FAILED\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  }
}
function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
function files(dir, exts, out = []) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) files(p, exts, out);
    else if (exts.some((e) => p.endsWith(e))) out.push(p);
  }
  return out;
}
const importRe = /(?:^|\n)\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g;
function imports(file) {
  const src = readFileSync(file, 'utf8');
  const out = [];
  for (const m of src.matchAll(importRe)) out.push({ spec: m[3] ?? m[4] ?? m[5], typeOnly: Boolean(m[2]) });
  return out;
}
const builtins = new Set(['fs', 'path', 'os', 'child_process', 'http', 'https', 'net', 'crypto', 'url', 'util', 'stream', 'events', 'worker_threads', 'module', 'buffer']);

step('tsc (strict)', () => {
  const r = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
  return r.code === 0 ? [] : r.out.trim().split('\n');
});

step('svelte-check (renderer)', () => {
  const r = run('npx', ['svelte-check', '--tsconfig', 'renderer/tsconfig.json', '--fail-on-warnings', '--output', 'human']);
  return r.code === 0 ? [] : r.out.trim().split('\n').slice(-40);
});

step('renderer imports neither electron nor node:*', () => {
  const bad = [];
  for (const f of files('renderer/src', ['.ts', '.svelte'])) {
    for (const { spec } of imports(f)) {
      if (spec === 'electron' || spec.startsWith('electron/') || spec.startsWith('node:') || builtins.has(spec)) bad.push(`${f}: imports ${spec}`);
    }
  }
  return bad;
});

step('only the shell imports electron at run time', () => {
  const allowed = new Set(['electron/main.ts', 'electron/preload.ts']);
  const bad = [];
  for (const f of [...files('electron', ['.ts']), ...files('native', ['.ts']), ...(existsSync('bin') ? files('bin', ['.ts']) : [])]) {
    for (const { spec, typeOnly } of imports(f)) {
      if ((spec === 'electron' || spec.startsWith('electron/')) && !typeOnly && !allowed.has(f)) bad.push(`${f}: value import of ${spec} (only ${[...allowed].join(', ')} may)`);
    }
  }
  return bad;
});

step('contract imports no node:* or electron (it runs in the renderer too)', () => {
  return imports('electron/contract.ts')
    .filter(({ spec }) => spec === 'electron' || spec.startsWith('node:') || builtins.has(spec))
    .map(({ spec }) => `electron/contract.ts: imports ${spec}`);
});

// Layers run downhill: the engine (native/) and the command line (bin/) depend on nothing of the
// UI; the renderer ships types and names from the contract, never its validators.
function resolveSpec(from, spec) {
  return spec.startsWith('.') ? path.normalize(path.join(path.dirname(from), spec)) : spec;
}
step('native/ and bin/ import nothing from electron/ or renderer/', () => {
  const bad = [];
  for (const f of [...files('native', ['.ts']), ...(existsSync('bin') ? files('bin', ['.ts']) : [])]) {
    for (const { spec } of imports(f)) {
      const r = resolveSpec(f, spec);
      if (r.startsWith('electron/') || r.startsWith('electron' + path.sep) || r.startsWith('renderer/')) bad.push(`${f}: imports ${spec}`);
    }
  }
  return bad;
});
step('renderer ships no validators (valibot, electron/schemas)', () => {
  const bad = [];
  for (const f of files('renderer/src', ['.ts', '.svelte'])) {
    for (const { spec } of imports(f)) {
      const r = resolveSpec(f, spec);
      if (spec === 'valibot' || /(^|\/)electron\/schemas(\.js)?$/.test(r)) bad.push(`${f}: imports ${spec}`);
    }
  }
  return bad;
});

function electronegativity(dir) {
  const r = run(process.execPath, ['scripts/electronegativity.cjs', dir, '41.7.1']);
  const findings = r.out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  if (r.code !== 0 || !/checks ran/.test(r.out)) throw new Error(`electronegativity did not run: ${r.out.trim().slice(-500)}`);
  return findings;
}

step('electronegativity (no MEDIUM or higher)', () => {
  // Scan the shell's sources and the page together, as the packaged app ships them.
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'ferry-eng-'));
  const bad = [];
  try {
    cpSync('electron', path.join(tmp, 'electron'), { recursive: true });
    cpSync('renderer/index.html', path.join(tmp, 'index.html'));
    for (const f of electronegativity(tmp)) {
      const row = `${f.id} ${f.severity}/${f.confidence} ${f.file}:${f.location} ${f.description}`;
      if (f.severity === 'LOW' || f.severity === 'INFORMATIONAL') console.log(`\n  (low, reviewed) ${row}`);
      else bad.push(row);
    }
    // The scanner must be able to fail: a window with nodeIntegration on is a HIGH finding.
    const probe = path.join(tmp, 'probe');
    mkdirSync(probe);
    writeFileSync(path.join(probe, 'bad.js'), "const { BrowserWindow } = require('electron');\nnew BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false } });\n");
    if (!electronegativity(probe).some((f) => f.severity === 'HIGH')) bad.push('electronegativity found nothing in a window with nodeIntegration on: the scan is not working');
  } catch (e) {
    bad.push(String(e.message ?? e));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bad;
});

if (failures > 0) {
  console.error(`lint: ${failures} step(s) failed`);
  process.exit(1);
}
