// Loads renderer modules into a Node test. The renderer is TypeScript for a bundler (extensionless
// imports, Svelte runes), not part of the Node build, so esbuild bundles the modules asked for at
// test time: `.svelte.ts` files go through Svelte's compiler (client runtime, as in the browser),
// and the renderer's transport (lib/client.ts) is replaced by ./fake-client.ts. A bundle takes a
// fraction of a second.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { before, beforeEach, afterEach, mock } from 'node:test';
import { build, transform, type Plugin } from 'esbuild';
import { compileModule } from 'svelte/compiler';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const src = path.join(repo, 'renderer', 'src');
const client = path.join(src, 'lib', 'client.ts');
const fake = path.join(repo, 'test', 'renderer', 'fake-client.ts');

const rendererPlugin: Plugin = {
  name: 'ferry-renderer',
  setup(b) {
    // The renderer's client module, however it is imported, becomes the fake.
    b.onResolve({ filter: /(^|\/)client$/ }, (args) => {
      const p = path.resolve(args.resolveDir, args.path);
      return p === client.replace(/\.ts$/, '') ? { path: fake } : undefined;
    });
    b.onLoad({ filter: /\.svelte\.ts$/ }, async (args) => {
      const ts = await fs.promises.readFile(args.path, 'utf8');
      const js = (await transform(ts, { loader: 'ts', format: 'esm', sourcefile: args.path })).code;
      return { contents: compileModule(js, { filename: args.path, generate: 'client', dev: false }).js.code, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

type Loaded = Record<string, any>;

/**
 * The exports of the given renderer modules (paths under renderer/src) merged into one object,
 * plus `fake` (the fake client) and `flushSync` (Svelte's). Typed loosely: the modules' own types
 * live in the renderer's build.
 */
export async function loadRenderer(modules: string[]): Promise<Loaded> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ferry-renderer-test-'));
  try {
    const entry = path.join(tmp, 'entry.ts');
    const lines = modules.map((m) => `export * from ${JSON.stringify(path.join(src, m))};`);
    lines.push(`export * as fake from ${JSON.stringify(fake)};`, `export { flushSync } from 'svelte';`);
    fs.writeFileSync(entry, lines.join('\n'));
    const outfile = path.join(tmp, 'bundle.mjs');
    await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      platform: 'node',
      outfile,
      conditions: ['browser'],
      plugins: [rendererPlugin],
      nodePaths: [path.join(repo, 'node_modules')],
      logLevel: 'error',
    });
    return (await import(pathToFileURL(outfile).href)) as Loaded;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A test file's renderer modules (`M`) and fake client (`fake`), loaded before its tests (using
 * them earlier throws). Around each test the fake's calls and handlers are reset and, with
 * `timers`, setTimeout and/or Date are mocked (Date starting at 1,000,000).
 */
export function rendererSuite(modules: string[], timers: ('setTimeout' | 'Date')[] = []): { M: Loaded; fake: Loaded } {
  let loaded: Loaded | null = null;
  before(async () => {
    loaded = await loadRenderer(modules);
  });
  beforeEach(() => {
    loaded?.fake.reset();
    if (timers.length) mock.timers.enable({ apis: timers, now: 1_000_000 });
  });
  afterEach(() => {
    if (timers.length) mock.timers.reset();
  });
  const lazy = (get: (l: Loaded) => Loaded): Loaded =>
    new Proxy({} as Loaded, {
      get(_, name) {
        if (!loaded) throw new Error('renderer modules are used before they are loaded (use them inside tests)');
        return get(loaded)[name as string];
      },
    });
  return { M: lazy((l) => l), fake: lazy((l) => l.fake) };
}

/** Lets pending promise callbacks (the fake's replies and what they trigger) run. */
export function settle(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
