#!/usr/bin/env node
// Builds the native copy engine with node-gyp, offline, against the headers of the running node.
// Headers: $npm_config_nodedir when npm sets it, else the prefix of this node when it ships
// include/node (distro and nvm installs do). Never downloads anything.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function nodeDir() {
  const fromNpm = process.env.npm_config_nodedir;
  if (fromNpm && existsSync(path.join(fromNpm, 'include', 'node', 'node_api.h'))) return fromNpm;
  const prefix = path.dirname(path.dirname(process.execPath));
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return null;
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    path.join(here, '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

const dir = nodeDir();
if (!dir) {
  console.error('ferry: cannot build the native engine: no Node headers found. Set npm_config_nodedir to a folder holding include/node/node_api.h (e.g. `npm install --nodedir=/usr`).');
  process.exit(1);
}
const gyp = nodeGyp();
if (!gyp) {
  console.error('ferry: cannot build the native engine: node-gyp not found (npm ships one; set npm_config_node_gyp).');
  process.exit(1);
}
// --jobs max: the engine is many small files; compile them on every core.
const args = [gyp, 'rebuild', `--nodedir=${dir}`, '--directory', here, '--jobs', 'max'];
if (process.env.FERRY_NATIVE_DEBUG === '1') args.push('--debug');
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env: { ...process.env, npm_config_nodedir: dir } });
if (r.status !== 0) {
  console.error(`ferry: native engine build failed (node-gyp exit ${r.status}).`);
  process.exit(r.status ?? 1);
}
