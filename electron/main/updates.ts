/**
 * The desktop app's updates: electron-updater against the release provider of electron-builder.yml (GitHub; the
 * app-update.yml electron-builder writes into the app's resources says where). Only the wiring lives here; what
 * to do when is update-controller.ts and update-policy.ts, which run without Electron.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { app } from 'electron';
import type { AppUpdater } from 'electron-updater';
import type { Job, UpdateState } from '@shared/models';
import { redact } from '../services/log/redact';
import { createUpdateController, type UpdateController } from './update-controller';
import { updatesOffReason } from './update-policy';

/** What the updates need from the rest of the app. */
export interface UpdatesOptions {
  /** Sends the state to the windows. */
  readonly emit: (state: UpdateState) => void;
  /** The queued and running jobs of every Lifeboat process, or null when they cannot be listed. */
  readonly activeJobs: () => Promise<readonly Job[] | null>;
  /** Stops the engine (its journal written) just before the installer takes over. */
  readonly beforeInstall: () => Promise<void>;
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/**
 * Starts the update flow. When this copy does not update itself (development, LIFEBOAT_NO_UPDATES, the portable
 * exe, a Linux build that is neither AppImage nor deb), electron-updater is never loaded and the state says why.
 */
export function startUpdates(options: UpdatesOptions): UpdateController {
  const offReason = updatesOffReason({
    packaged: app.isPackaged,
    platform: process.platform,
    env: process.env,
    linuxPackageType: process.platform === 'linux' ? packageType() : null,
  });
  // Loaded on first use only: nothing of it runs in development or when updates are off.
  let updater: Promise<AppUpdater> | null = null;
  const load = (): Promise<AppUpdater> =>
    (updater ??= import('electron-updater').then((m) => {
      const u = m.autoUpdater;
      // Every line it writes is redacted (a download's redirect may be a signed URL).
      u.logger = {
        info: (m: unknown) => log(`[updates] ${redact(String(m))}`),
        warn: (m: unknown) => log(`[updates] ${redact(String(m))}`),
        error: (m: unknown) => log(`[updates] ${redact(String(m))}`),
      };
      // Downloaded in the background; installed by "Restart to update", else when Lifeboat quits.
      u.autoDownload = true;
      u.autoInstallOnAppQuit = true;
      u.on('checking-for-update', () => controller.handle({ type: 'checking' }));
      u.on('update-available', (info) => controller.handle({ type: 'available', version: info.version }));
      u.on('update-not-available', (info) =>
        controller.handle({ type: 'not-available', version: info.version }),
      );
      u.on('download-progress', (p) => controller.handle({ type: 'progress', percent: p.percent }));
      u.on('update-downloaded', (info) => controller.handle({ type: 'downloaded', version: info.version }));
      u.on('error', (error) => controller.handle({ type: 'error', error }));
      return u;
    }));
  const controller = createUpdateController({
    current: app.getVersion(),
    offReason,
    check: async () => (await load()).checkForUpdates(),
    install: () => {
      void load().then((u) => {
        try {
          // Silent (Windows: no installer wizard for an update) and started again afterwards.
          u.quitAndInstall(true, true);
        } catch (e) {
          // The engine is already stopped: quit anyway, and the update installs on quit.
          log(`[updates] ${redact(e instanceof Error ? e.message : String(e))}`);
          app.quit();
        }
      });
    },
    activeJobs: options.activeJobs,
    beforeInstall: options.beforeInstall,
    // The engine was stopped for an install that failed: start Lifeboat again, whole, without the update.
    afterFailedInstall: () => {
      app.relaunch();
      app.exit(0);
    },
    emit: options.emit,
    log,
  });
  return controller;
}

/** The `package-type` file of a deb/rpm/pacman install (electron-builder writes it), or null. */
function packageType(): string | null {
  try {
    return readFileSync(join(process.resourcesPath, 'package-type'), 'utf8').trim();
  } catch {
    return null;
  }
}
