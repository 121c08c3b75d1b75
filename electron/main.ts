// Electron entry point: hands the real `electron` module to the shell.
import * as electron from 'electron';
import { startApp } from './main-app.js';

startApp(electron, process.argv.slice(electron.app.isPackaged ? 1 : 2));
