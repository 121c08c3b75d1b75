// Ferry's own application menu, replacing Electron's default one. The default menu's accelerators
// work against a file manager: Ctrl+W and Ctrl+Q quit at once while copies run, Ctrl+R reloads the
// page (Ferry's Ctrl+R refreshes a pane), Ctrl+Shift+I opens DevTools. This menu keeps only what
// does not collide with the panes' keys (Ctrl+A/H/L/U/J/R, Ctrl+Shift+P, F-keys, Alt+arrows):
// quit (which asks while copies run), zoom and full screen, and DevTools only when not packaged.
// The menu bar itself stays hidden; the accelerators work without it.
import type * as Electron from 'electron';

export interface MenuActions {
  quit: () => void;
  /** DevTools and reload for development (`electron .`), never in the packaged app. */
  development: boolean;
}

export function appMenuTemplate(a: MenuActions): Electron.MenuItemConstructorOptions[] {
  const view: Electron.MenuItemConstructorOptions[] = [
    { role: 'zoomIn', accelerator: 'CommandOrControl+=' },
    { role: 'zoomIn', accelerator: 'CommandOrControl+Plus', visible: false },
    { role: 'zoomOut', accelerator: 'CommandOrControl+-' },
    { role: 'resetZoom', accelerator: 'CommandOrControl+0' },
    { type: 'separator' },
    { role: 'togglefullscreen', accelerator: 'F11' },
  ];
  if (a.development) {
    view.push({ type: 'separator' }, { role: 'toggleDevTools', accelerator: 'CommandOrControl+Shift+I' });
  }
  return [
    { label: '&File', submenu: [{ label: '&Quit', accelerator: 'CommandOrControl+Q', click: () => a.quit() }] },
    { label: '&View', submenu: view },
    { label: '&Help', submenu: [{ role: 'about', label: 'About Ferry' }] },
  ];
}
