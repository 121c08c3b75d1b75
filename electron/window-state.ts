// Remembers the window's size, position and maximised state across launches, and never
// restores it off-screen (a monitor may have gone away since).
import fs from 'node:fs';
import path from 'node:path';
import type * as Electron from 'electron';

export interface WindowState {
  bounds: { x?: number; y?: number; width: number; height: number };
  maximized: boolean;
}

const DEFAULT: WindowState = { bounds: { width: 1280, height: 800 }, maximized: false };

function visible(b: { x: number; y: number; width: number; height: number }, screen: Pick<Electron.Screen, 'getAllDisplays'>): boolean {
  return screen.getAllDisplays().some((d) => {
    const a = d.workArea;
    return b.x < a.x + a.width - 50 && b.x + b.width > a.x + 50 && b.y >= a.y - 10 && b.y < a.y + a.height - 50;
  });
}

export function loadWindowState(file: string, screen: Pick<Electron.Screen, 'getAllDisplays'>): WindowState {
  try {
    const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<{ x: number; y: number; width: number; height: number; maximized: boolean }>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
    if (!ok(raw.width) || !ok(raw.height) || raw.width < 400 || raw.height < 300) return DEFAULT;
    const bounds: WindowState['bounds'] = { width: Math.round(raw.width), height: Math.round(raw.height) };
    if (ok(raw.x) && ok(raw.y) && visible({ x: raw.x, y: raw.y, width: raw.width, height: raw.height }, screen)) {
      bounds.x = Math.round(raw.x);
      bounds.y = Math.round(raw.y);
    }
    return { bounds, maximized: raw.maximized === true };
  } catch {
    return DEFAULT;
  }
}

export function saveWindowState(file: string, win: Pick<Electron.BrowserWindow, 'getNormalBounds' | 'isMaximized'>): void {
  const b = win.getNormalBounds();
  const tmp = `${file}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, JSON.stringify({ ...b, maximized: win.isMaximized() }));
  fs.renameSync(tmp, file);
}

export function trackWindowState(win: Electron.BrowserWindow, file: string): void {
  let timer: NodeJS.Timeout | null = null;
  const save = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (!win.isDestroyed()) saveWindowState(file, win);
    }, 300);
  };
  for (const ev of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(ev as 'resize', save);
  win.on('close', () => {
    if (timer) clearTimeout(timer);
    saveWindowState(file, win);
  });
}
