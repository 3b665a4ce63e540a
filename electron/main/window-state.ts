import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { screen, type BrowserWindow, type Rectangle } from 'electron';

interface WindowState {
  readonly bounds: Rectangle;
  readonly maximized: boolean;
}

/** Remembers the main window's size and position across launches (kept on screen if a display went away). */
export function windowState(dataDir: string): {
  initial: Partial<Rectangle> & { maximized: boolean };
  track(win: BrowserWindow): void;
} {
  const file = join(dataDir, 'window.json');
  let saved: WindowState | null = null;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as WindowState;
  } catch {
    saved = null;
  }
  const visible =
    saved &&
    screen.getAllDisplays().some((d) => {
      const a = d.workArea;
      const b = saved!.bounds;
      return b.x < a.x + a.width && b.x + b.width > a.x && b.y < a.y + a.height && b.y + b.height > a.y;
    });
  return {
    initial:
      visible && saved
        ? { ...saved.bounds, maximized: saved.maximized }
        : { width: 1200, height: 800, maximized: false },
    track(win) {
      const save = (): void => {
        const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
        try {
          writeFileSync(file, JSON.stringify(state));
        } catch {
          // best effort
        }
      };
      win.on('close', save);
    },
  };
}
