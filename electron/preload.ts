// Preload (sandboxed; bundled to CommonJS by esbuild): exposes the contract's named verbs.
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { buildPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('ferry', buildPreloadApi(ipcRenderer, (f) => webUtils.getPathForFile(f)));
