#!/usr/bin/env node
// `npm run dist:check` (and the package test in `npm test`): packages the Linux app with
// electron-builder, offline, and checks what the package holds.
//
// electron-builder's `dir` target runs without downloads when it is pointed at an Electron
// distribution (`electronDist`): here a stub whose "binary" carries Electron's fuse wire, so the
// fuse flipping runs too. The `deb` target runs as far as its metadata and desktop entry and stops
// before fpm (which would need a download) through electron-builder's `effectiveOptionComputed`
// hook. AppImage and the real .deb stay in `npm run dist`.
//
// Checks: the renderer, dist/, the preload and the icon where the shell looks for them; the addon
// unpacked beside the asar (and loading from there under plain Node with the unpacked layout,
// FERRY_NATIVE_ADDON ignored); the app's module graph complete from the package's own
// node_modules, with nothing else in them (no devDependencies, no serve-mode modules); no
// bin/ferry-cp, sources, maps or tests; the fuses; the desktop entry's Exec, MimeType and
// StartupWMClass (matching desktopName and Electron's WM_CLASS); the deb's maintainer, its
// depends (electron-builder's defaults kept) and the glibc / libstdc++ minimum the addon needs.
//
// Usage: node scripts/dist-check.mjs [--keep]   (after `npm run build`)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const builderRequire = createRequire(require.resolve('app-builder-lib'));
const asar = builderRequire('@electron/asar');
const { getCurrentFuseWire, FuseV1Options } = builderRequire('@electron/fuses');
const { FuseState, SENTINEL } = createRequire(builderRequire.resolve('@electron/fuses'))('./constants');
const FpmTarget = builderRequire('./targets/FpmTarget').default;
const { build, Platform, Arch } = require('electron-builder');

const keep = process.argv.includes('--keep');
const started = Date.now();
const problems = [];
let checks = 0;
function check(ok, message) {
  checks++;
  if (!ok) problems.push(message);
}

const pkg = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8'));
const config = JSON.parse(fs.readFileSync(path.join(repo, 'build', 'electron-builder.json'), 'utf8'));
const addonBuilt = path.join(repo, 'native', 'build', 'Release', 'ferry_engine.node');
for (const f of [addonBuilt, path.join(repo, 'dist', 'electron', 'main.js'), path.join(repo, 'dist', 'renderer', 'index.html')]) {
  if (!fs.existsSync(f)) {
    console.error(`dist:check: ${path.relative(repo, f)} is missing: run \`npm run build\` first`);
    process.exit(2);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `ferry-dist-${process.pid}-`));
try {
  await run();
} catch (e) {
  problems.push(`packaging failed: ${e?.stack ?? e}`);
} finally {
  if (keep) console.log(`dist:check: kept ${tmp}`);
  else fs.rmSync(tmp, { recursive: true, force: true });
}
if (problems.length) {
  console.error(`dist:check: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(1);
}
console.log(`dist:check: ok (${checks} checks, ${((Date.now() - started) / 1000).toFixed(1)} s)`);

/** An unpacked Electron distribution whose binary is a stub carrying Electron 41's fuse wire. */
function stubElectron(dir) {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true });
  // Electron 41's defaults: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
  // asar integrity off, only-asar off, browser V8 snapshot off, file:// extra privileges on.
  const wire = Buffer.from([1, 8, ...Buffer.from('10110001')]);
  fs.writeFileSync(path.join(dir, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "stub Electron for dist:check" >&2\nexit 1\n# '), Buffer.from(SENTINEL), wire, Buffer.from('\n')]), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'locales', 'en-US.pak'), 'stub');
  fs.writeFileSync(path.join(dir, 'LICENSE'), 'stub');
  fs.writeFileSync(path.join(dir, 'version'), require('electron/package.json').version);
}

async function run() {
  const stub = path.join(tmp, 'electron-dist');
  stubElectron(stub);
  const out = path.join(tmp, 'out');
  const arch = process.arch === 'arm64' ? Arch.arm64 : Arch.x64;
  // A fresh copy per build: electron-builder normalises the configuration in place.
  const buildConfig = (output) => ({ ...structuredClone(config), electronDist: stub, directories: { ...config.directories, output } });
  await build({ projectDir: repo, targets: Platform.LINUX.createTarget(['dir'], arch), publish: 'never', config: buildConfig(out) });
  const appDir = fs.readdirSync(out).map((d) => path.join(out, d)).find((d) => /linux(-\w+)?-unpacked$/.test(d));
  check(appDir, `no linux-unpacked folder in ${out}`);
  if (!appDir) return;
  const resources = path.join(appDir, 'resources');
  const archive = path.join(resources, 'app.asar');
  const exe = path.join(appDir, config.linux.executableName);

  // --- the executable and its fuses
  check(fs.existsSync(exe) && (fs.statSync(exe).mode & 0o111) !== 0, `no executable ${config.linux.executableName}`);
  const wire = await getCurrentFuseWire(exe);
  const fuse = (name) => wire[FuseV1Options[name]];
  const want = { RunAsNode: config.electronFuses.runAsNode, EnableNodeOptionsEnvironmentVariable: config.electronFuses.enableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments: config.electronFuses.enableNodeCliInspectArguments, OnlyLoadAppFromAsar: config.electronFuses.onlyLoadAppFromAsar, EnableCookieEncryption: config.electronFuses.enableCookieEncryption };
  for (const [name, on] of Object.entries(want)) check(fuse(name) === (on ? FuseState.ENABLE : FuseState.DISABLE), `fuse ${name} should be ${on ? 'on' : 'off'}`);

  // --- what the asar holds
  const files = new Set(asar.listPackage(archive, { isPack: false }).map((f) => f.replace(/\\/g, '/')));
  for (const f of ['/package.json', '/dist/electron/main.js', '/dist/electron/main-app.js', '/dist/electron/preload.cjs', '/dist/native/index.js', '/dist/renderer/index.html']) check(files.has(f), `app.asar lacks ${f}`);
  check([...files].some((f) => /^\/dist\/renderer\/assets\/.+\.js$/.test(f)), 'app.asar lacks the renderer bundle (dist/renderer/assets/*.js)');
  for (const f of files) {
    if (f.endsWith('.map')) problems.push(`source map shipped: ${f}`);
    if (/\.(ts|cc|h|gyp)$/.test(f) && !f.startsWith('/node_modules/')) problems.push(`source file shipped: ${f}`);
    if (/^\/(bin|build|test|scripts|native\/src|renderer|electron|dist\/test|dist\/bin)(\/|$)/.test(f)) problems.push(`shipped though the app does not use it: ${f}`);
    if (/^\/dist\/electron\/(serve|ws-server)\.js$/.test(f)) problems.push(`serve-mode module shipped: ${f}`);
  }
  checks += files.size;

  // --- the addon, unpacked beside the asar
  const addonRel = 'native/build/Release/ferry_engine.node';
  const unpacked = path.join(resources, 'app.asar.unpacked', addonRel);
  check(fs.existsSync(unpacked) && fs.readFileSync(unpacked).equals(fs.readFileSync(addonBuilt)), `the addon is not unpacked at ${path.relative(appDir, unpacked)}`);
  check(asar.statFile(archive, addonRel)?.unpacked === true, 'the asar does not mark the addon as unpacked');

  // --- the packaged package.json
  const shipped = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8'));
  check(shipped.main === pkg.main, `packaged main is ${shipped.main}`);
  check(shipped.devDependencies === undefined && shipped.scripts === undefined, 'packaged package.json keeps devDependencies or scripts');
  check(pkg.desktopName && shipped.desktopName === pkg.desktopName, 'packaged package.json lacks desktopName (Electron reads it for the Wayland app id)');

  // --- node_modules: exactly what the app's module graph needs
  const extracted = path.join(tmp, 'app');
  asar.extractAll(archive, extracted);
  const needed = bareImports(path.join(extracted, 'dist', 'electron', 'main.js'));
  const shippedModules = new Set([...files].map((f) => /^\/node_modules\/(@[^/]+\/[^/]+|[^@/][^/]*)/.exec(f)?.[1]).filter(Boolean));
  const closure = new Set();
  const addWithDeps = (name) => {
    if (closure.has(name)) return;
    closure.add(name);
    const mp = path.join(repo, 'node_modules', name, 'package.json');
    if (fs.existsSync(mp)) for (const d of Object.keys(JSON.parse(fs.readFileSync(mp, 'utf8')).dependencies ?? {})) addWithDeps(d);
  };
  for (const n of needed) addWithDeps(n);
  for (const n of closure) check(shippedModules.has(n), `the app imports ${n} but the package does not ship it`);
  for (const n of shippedModules) check(closure.has(n), `node_modules/${n} is shipped but the app never imports it`);
  for (const n of Object.keys(pkg.devDependencies ?? {})) check(!shippedModules.has(n), `devDependency ${n} shipped`);

  // --- where the shell looks for its files, and loading the app's code and the addon from the
  //     package under plain Node (process.resourcesPath set as Electron sets it)
  const evil = path.join(tmp, 'evil.node');
  fs.writeFileSync(evil, 'FERRY_NATIVE_ADDON must be ignored by the packaged app');
  const probe = `
    process.resourcesPath = ${JSON.stringify(resources)};
    const shell = await import(${JSON.stringify(pathToFileURL(path.join(extracted, 'dist', 'electron', 'main-app.js')).href)});
    const native = await import(${JSON.stringify(pathToFileURL(path.join(extracted, 'dist', 'native', 'index.js')).href)});
    const fs = await import('node:fs');
    const paths = shell.defaultPaths(true);
    const name = native.errnoName(2);
    const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\\n').filter((l) => l.endsWith('ferry_engine.node')).map((l) => l.split(/\\s+/).pop());
    console.log(JSON.stringify({ paths, name, maps: [...new Set(maps)] }));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8', env: { ...process.env, FERRY_NATIVE_ADDON: evil } });
  check(r.status === 0, `loading the packaged app's modules under Node failed: ${r.stderr.trim().split('\n').slice(-6).join(' | ')}`);
  if (r.status === 0) {
    const got = JSON.parse(r.stdout.trim().split('\n').pop());
    check(got.name === 'ENOENT', `the packaged addon answered errnoName(2) = ${got.name}`);
    check(got.maps.length === 1 && got.maps[0] === unpacked, `the addon loaded from ${got.maps.join(', ') || 'nowhere'}, not ${unpacked}`);
    check(fs.existsSync(path.join(got.paths.renderer, 'index.html')), `the shell looks for the renderer at ${got.paths.renderer}: not in the package`);
    check(fs.existsSync(got.paths.preload), `the shell looks for the preload at ${got.paths.preload}: not in the package`);
    check(got.paths.icon === path.join(resources, 'icon.png') && fs.existsSync(got.paths.icon) && fs.readFileSync(got.paths.icon).equals(fs.readFileSync(path.join(repo, 'build', 'icon.png'))), `the window and drag icon ${got.paths.icon} is not in the package`);
  }

  // --- the deb, from the unpacked app: it runs up to fpm, which gets its arguments and the desktop
  //     entry through this hook and is then skipped
  let deb = null;
  try {
    await build({
      projectDir: repo,
      targets: Platform.LINUX.createTarget(['deb'], arch),
      publish: 'never',
      prepackaged: appDir,
      config: buildConfig(path.join(tmp, 'deb')),
      effectiveOptionComputed: async (o) => {
        if (!Array.isArray(o) || !Array.isArray(o[0])) return false;
        deb = { args: o[0], desktop: fs.readFileSync(o[1], 'utf8') };
        return true;
      },
    });
  } catch (e) {
    problems.push(`the .deb cannot be built: ${String(e?.message ?? e).split('\n')[0]}`);
  }
  check(deb, 'the deb target did not get as far as fpm');
  if (!deb) return;
  const arg = (flag) => deb.args[deb.args.indexOf(flag) + 1];
  check(/^.+ <[^@\s]+@[^@\s]+>$/.test(arg('--maintainer') ?? ''), `deb maintainer is ${arg('--maintainer')}`);
  const entry = Object.fromEntries(deb.desktop.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const execPath = `/opt/${config.productName}/${config.linux.executableName}`;
  check(entry.Exec === `${execPath} %U`, `desktop Exec is ${entry.Exec}, expected "${execPath} %U" (folders arrive as URIs)`);
  check((entry.MimeType ?? '').split(';').includes('inode/directory'), `desktop MimeType is ${entry.MimeType}, expected inode/directory`);
  // Electron sets WM_CLASS from the app name (package.json productName, else name) and the Wayland
  // app id from desktopName: the entry's StartupWMClass and file name must be the same word.
  const wmClass = (shipped.productName ?? shipped.name).toLowerCase();
  const desktopId = String(pkg.desktopName ?? '').replace(/\.desktop$/, '');
  check(entry.StartupWMClass === wmClass && desktopId === wmClass, `StartupWMClass ${entry.StartupWMClass}, desktopName ${pkg.desktopName} and WM_CLASS ${wmClass} differ`);
  check(deb.args.some((a) => a.endsWith(`=/usr/share/applications/${desktopId}.desktop`)), `the desktop file is not installed as ${desktopId}.desktop`);
  check(entry.Icon === config.linux.executableName, `desktop Icon is ${entry.Icon}`);

  const depends = config.deb?.depends ?? [];
  for (const d of FpmTarget.prototype.getDefaultDepends.call(null, 'deb')) check(depends.includes(d), `deb depends drops electron-builder's default ${d}`);
  for (const d of ['xdg-utils', 'libglib2.0-bin']) check(depends.includes(d), `deb depends lacks ${d} (xdg-open opens files, gio trashes them)`);
  const need = glibcNeeds(unpacked);
  const stated = (pkgName) => depends.map((d) => new RegExp(`^${pkgName.replace(/[+.]/g, '\\$&')} \\(>= ([\\d.]+)\\)$`).exec(d)?.[1]).find(Boolean);
  check(need.glibc && stated('libc6') && cmp(stated('libc6'), need.glibc) >= 0, `the addon needs GLIBC ${need.glibc}; deb depends states libc6 >= ${stated('libc6') ?? 'nothing'}`);
  check(need.gcc && stated('libstdc++6') && cmp(stated('libstdc++6'), need.gcc) >= 0, `the addon needs GLIBCXX ${need.glibcxx} (GCC ${need.gcc}); deb depends states libstdc++6 >= ${stated('libstdc++6') ?? 'nothing'}`);
}

/** Package names imported (statically or by import()) by the module graph that starts at `entry`. */
function bareImports(entry) {
  const seen = new Set();
  const out = new Set();
  const builtins = new Set([...builtinModules, 'electron', 'original-fs']);
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = fs.readFileSync(file, 'utf8');
    // Statements start a line (so comments that quote an import do not count); import() anywhere.
    for (const m of src.matchAll(/(?:^|\n)[ \t]*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)[ \t]*import\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) {
        const next = path.resolve(path.dirname(file), spec);
        if (fs.existsSync(next)) visit(next);
        else problems.push(`${path.relative(repo, file)} imports ${spec}, which the package does not hold`);
      } else if (!spec.startsWith('node:') && !builtins.has(spec)) {
        out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
      }
    }
  };
  visit(entry);
  return out;
}

/** The newest GLIBC_ and GLIBCXX_ versions the shared object asks for (readelf, from binutils). */
function glibcNeeds(file) {
  const r = spawnSync('readelf', ['--version-info', '--wide', file], { encoding: 'utf8' });
  if (r.status !== 0) {
    problems.push(`readelf (binutils) is needed to check the addon's glibc needs: ${r.error?.message ?? r.stderr}`);
    return {};
  }
  const newest = (re) => [...r.stdout.matchAll(re)].map((m) => m[1]).sort(cmp).pop();
  const glibcxx = newest(/Name: GLIBCXX_([\d.]+)/g);
  // libstdc++'s symbol versions by GCC release (the Debian package version is GCC's).
  const gccFor = { '3.4.28': '10', '3.4.29': '11', '3.4.30': '12', '3.4.31': '13', '3.4.32': '13.2', '3.4.33': '14', '3.4.34': '15' };
  const gcc = glibcxx && (cmp(glibcxx, '3.4.28') < 0 ? '9' : gccFor[glibcxx]);
  if (glibcxx && !gcc) problems.push(`GLIBCXX_${glibcxx} is newer than this check knows: add its GCC release`);
  return { glibc: newest(/Name: GLIBC_([\d.]+)/g), glibcxx, gcc };
}

function cmp(a, b) {
  const x = a.split('.').map(Number);
  const y = b.split('.').map(Number);
  for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
