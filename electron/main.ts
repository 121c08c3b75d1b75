// Electron entry point: hands the real `electron` module, and Electron's unpatched `fs` for user
// paths, to the shell.
import { createRequire } from 'node:module';
import * as electron from 'electron';
import { startApp, type ElectronModule } from './main-app.js';
import type { FsModule } from '../native/user-fs.js';

const { app, BrowserWindow, ipcMain, session, shell, screen, Menu, nativeImage, protocol, dialog, clipboard } = electron;
const originalFs = createRequire(import.meta.url)('original-fs') as FsModule;
const modules: ElectronModule = { app, BrowserWindow, ipcMain, session, shell, screen, Menu, nativeImage, protocol, dialog, clipboard, originalFs };
startApp(modules, process.argv.slice(app.isPackaged ? 1 : 2));
