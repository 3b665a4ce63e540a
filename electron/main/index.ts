import { join } from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  session,
  shell,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import { eventChannelOf } from '@shared/api/contract';
import type { Job } from '@shared/models';
import { utilityEngine } from '../host/engine-channel';
import { startEngineClient } from '../host/engine-client';
import { installProcessGuards } from '../host/process-guard';
import { bindApi } from './ipc';
import { isActiveJob } from './update-policy';
import { startUpdates } from './updates';
import { isTrustedRendererUrl } from './trusted-origin';
import { windowState } from './window-state';

// Anything a job or handler missed is logged (redacted) instead of ending the app with every download in it.
installProcessGuards({ name: 'main' });

let mainWindow: BrowserWindow | null = null;

const indexHtml = join(import.meta.dirname, '../renderer/index.html');

/** Our own renderer only: exactly the dev server's origin in development, exactly the built index.html otherwise. */
function isOwnUrl(url: string): boolean {
  return isTrustedRendererUrl(url, { devUrl: process.env.ELECTRON_RENDERER_URL, indexHtml });
}

function createWindow(state: ReturnType<typeof windowState>): BrowserWindow {
  const { maximized, ...bounds } = state.initial;
  const win = new BrowserWindow({
    ...bounds,
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
  state.track(win);
  win.once('ready-to-show', () => {
    if (maximized) win.maximize();
    win.show();
  });
  win.webContents.on('will-navigate', (e, url) => {
    if (!isOwnUrl(url)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(indexHtml);
  return win;
}

// Tests and portable setups can point the app at its own data folder.
if (process.env.LIFEBOAT_DATA_DIR) app.setPath('userData', process.env.LIFEBOAT_DATA_DIR);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (mainWindow?.isMinimized()) mainWindow.restore();
    mainWindow?.focus();
  });
  void app.whenReady().then(() => {
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
    Menu.setApplicationMenu(
      Menu.buildFromTemplate([
        ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
        { role: 'fileMenu' },
        { role: 'editMenu' },
        { role: 'viewMenu' },
        { role: 'windowMenu' },
        {
          role: 'help',
          submenu: [
            {
              label: 'Pantheon machine tokens',
              click: () => void shell.openExternal('https://docs.pantheon.io/machine-tokens'),
            },
          ],
        },
      ]),
    );
    const dataDir = app.getPath('userData');
    const progressJobs = new Map<string, Job>();
    // Set by the engine's stop, so quitting (also to install an update) waits for it only once.
    let engineStopped = false;
    // Updates are this process's own; their restart asks the engine which jobs would be stopped.
    const updates = startUpdates({
      emit: (update) => mainWindow?.webContents.send(eventChannelOf('updates.changed'), { update }),
      activeJobs: async () => {
        const r = await engine.api.jobs.list();
        return r.ok ? r.value.filter(isActiveJob) : null;
      },
      beforeInstall: async () => {
        await engine.stop();
        engineStopped = true;
      },
    });
    // The engine runs in a utility process (out/main/engine.js): inflating and writing gigabytes there never
    // delays an IPC answer or a window event here.
    const engine = startEngineClient({
      dataDir,
      start: (args) =>
        utilityEngine(
          utilityProcess.fork(join(import.meta.dirname, 'engine.js'), [...args], {
            serviceName: 'Lifeboat engine',
            stdio: 'inherit',
          }),
        ),
      native: {
        showInFolder: (path) => shell.showItemInFolder(path),
        pickFolder: async () => {
          const r = await dialog.showOpenDialog(mainWindow!, {
            properties: ['openDirectory', 'createDirectory'],
          });
          return r.canceled ? null : (r.filePaths[0] ?? null);
        },
        notify: (title, body) => {
          if (Notification.isSupported()) new Notification({ title, body }).show();
        },
      },
      emit: (name, payload) => {
        mainWindow?.webContents.send(eventChannelOf(name), payload);
        if (name === 'jobs.updated') {
          // The dock/taskbar bar from the updates themselves: listing the journal is a folder scan, too
          // costly for every progress tick.
          const { job } = payload as { job: Job };
          if (job.state === 'running') progressJobs.set(job.id, job);
          else progressJobs.delete(job.id);
          const running = [...progressJobs.values()].filter((j) => j.progress.bytesTotal);
          const done = running.reduce((n, j) => n + j.progress.bytesDone, 0);
          const total = running.reduce((n, j) => n + (j.progress.bytesTotal ?? 0), 0);
          mainWindow?.setProgressBar(total > 0 ? done / total : -1);
          updates.jobsChanged();
        }
      },
    });
    const trusted = (e: IpcMainInvokeEvent): boolean =>
      e.sender === mainWindow?.webContents &&
      e.senderFrame !== null &&
      e.senderFrame === e.sender.mainFrame &&
      isOwnUrl(e.senderFrame.url);
    // The engine answers every domain but `app`: updating is this process's (the engine answers "unavailable").
    bindApi(ipcMain, { ...engine.api, app: updates.api }, trusted);
    const state = windowState(dataDir);
    mainWindow = createWindow(state);
    // Once the window shows, never before it: the check must not delay the start, and its errors stay quiet.
    mainWindow.once('show', () => setTimeout(() => void updates.checkAtStart(), 3_000));
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow(state);
    });
    // Quitting waits (boundedly) for the engine to cancel its jobs and write the journal, so they show as
    // cancelled and resumable rather than interrupted.
    app.on('before-quit', (e) => {
      if (engineStopped) return;
      e.preventDefault();
      void engine.stop().finally(() => {
        engineStopped = true;
        app.quit();
      });
    });
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
