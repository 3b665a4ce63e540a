import { join } from 'node:path';
import { app, BrowserWindow, session, shell, type IpcMainInvokeEvent } from 'electron';
import { eventChannelOf } from '@shared/api/contract';
import { createApi } from '../api';
import { createEngine } from '../services/engine';
import { resolveApiUrl } from '../services/pantheon/config';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import { bindApi } from './ipc';

let mainWindow: BrowserWindow | null = null;

/** Same-origin check for the renderer: the dev server URL in development, the packaged file otherwise. */
function isOwnUrl(url: string): boolean {
  const dev = process.env.ELECTRON_RENDERER_URL;
  if (dev) return url.startsWith(dev);
  return url.startsWith('file://') && url.includes('/out/renderer/');
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    title: 'Lifeboat',
    show: false,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.webContents.on('will-navigate', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(join(import.meta.dirname, '../renderer/index.html'));
  return win;
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    const engine = createEngine({
      dataDir: app.getPath('userData'),
      secrets: new KeytarSecretStore(),
      defaultApiUrl: resolveApiUrl(),
      emit: (name, payload) => mainWindow?.webContents.send(eventChannelOf(name), payload),
    });
    const trusted = (e: IpcMainInvokeEvent): boolean =>
      e.sender === mainWindow?.webContents &&
      e.senderFrame !== null &&
      e.senderFrame === e.sender.mainFrame &&
      isOwnUrl(e.senderFrame.url);
    bindApi(createApi(engine), trusted);
    mainWindow = createWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
