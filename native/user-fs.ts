// Filesystem access for the user's paths (panes, walks, verification, jobs, launch arguments).
// It lives with the engine so that native/verify.ts (shared with bin/ferry-cp) reads through it
// too; it imports nothing but node:fs.
//
// In Electron's main process `node:fs` is patched for Electron's own archives: `lstat`, `stat`,
// `readdir`, `readFile`, … treat every `*.asar` file as a folder (and fail with "Invalid package"
// on a `.asar` file that is not an archive), while `opendir` is not patched. A user's `app.asar`
// would then show as a folder that fails with ENOTDIR, and walks and verification would go wrong.
// Electron keeps the unpatched module as `original-fs`; the shell installs it here at start
// (`useUserFs`), before any user path is read. Serve mode, the tests and bin/ keep `node:fs`.
//
// `fs` and `fsp` are live bindings: import them (`import { fs, fsp } from '…/native/user-fs.js'`) and
// every call goes to the installed module. Ferry's own files (renderer, preload, icon inside the
// app's asar) must keep using `node:fs`, which can read the archive.
import nodeFs from 'node:fs';

export type FsModule = typeof nodeFs;

export let fs: FsModule = nodeFs;
export let fsp: FsModule['promises'] = nodeFs.promises;

// The fs type names, so `fs.Stats` and friends read as they do with `node:fs`.
export declare namespace fs {
  type Stats = nodeFs.Stats;
  type Dirent = nodeFs.Dirent;
  type Dir = nodeFs.Dir;
  type FSWatcher = nodeFs.FSWatcher;
}

/** Installs the module user paths are read through (Electron: `original-fs`). */
export function useUserFs(m: FsModule): void {
  fs = m;
  fsp = m.promises;
}
