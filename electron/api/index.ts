import type { AppApi } from '@shared/api/contract';
import { validate, type RequestOf, type schemas } from '@shared/api/schemas';
import { ok, type Result } from '@shared/result';
import type { Engine } from '../services/engine';
import { LifeboatError, toAppError } from '../services/errors';
import { selectArchive } from '../services/backups/select-archive';
import { uncommittedChanges } from '../services/backups/uncommitted';
import { assertNotFrozen } from '../services/pantheon/client';
import { VERSION } from '../services/version';
import { backupNameOfFolder } from '@shared/dates';
import { pantheonRestoreWhat } from '../services/jobs/plans';
import { downloadTitle } from '../services/jobs/titles';
import { toolsFound } from '../services/tools/tools';
import { updatesElsewhere } from './updates';

/** Runs a contract method: validates the request, calls the engine, turns every failure into a Result. */
async function handle<K extends keyof typeof schemas, T>(
  key: K,
  input: unknown,
  fn: (req: RequestOf<K>) => Promise<T>,
): Promise<Result<T>> {
  const v = validate(key, input);
  if (!v.ok) return { ok: false, error: { code: 'invalid-request', message: v.message, retryable: false } };
  return run(() => fn(v.value));
}

async function run<T>(fn: () => Promise<T>): Promise<Result<T>> {
  try {
    return ok(await fn());
  } catch (e) {
    return { ok: false, error: toAppError(e) };
  }
}

const ELEMENT_WORDS = { code: 'code', database: 'database', files: 'files' } as const;

/** The main-side implementation of AppApi over the engine: one function per contract method. */
export function createApi(engine: Engine): AppApi {
  const { accounts, sites, jobs, settings } = engine;
  const site = async (accountId: string, ref: string) => ({
    client: await accounts.client(accountId),
    site: await sites.resolve(accountId, ref),
  });
  const native = (): NonNullable<Engine['native']> => {
    if (!engine.native)
      throw new LifeboatError(
        'invalid-request',
        'This needs the desktop app; in the browser, type the folder path instead.',
      );
    return engine.native;
  };
  return {
    accounts: {
      list: () => run(() => accounts.list()),
      add: (req) =>
        handle('accountsAdd', req, (r) => accounts.add(r.machineToken, r.apiUrl ? { apiUrl: r.apiUrl } : {})),
      remove: (req) => handle('accountsRemove', req, async (r) => (await accounts.remove(r.accountId), null)),
      update: (req) =>
        handle('accountsUpdate', req, (r) =>
          accounts.update(r.accountId, {
            ...(r.label !== undefined ? { label: r.label } : {}),
            ...(r.colour !== undefined ? { colour: r.colour } : {}),
          }),
        ),
      importTerminus: () => run(() => accounts.importTerminus()),
      startDemo: () => run(() => accounts.startDemo()),
    },
    sites: {
      list: (req) => handle('sitesList', req, (r) => sites.list(r?.refresh ?? false)),
      environments: (req) =>
        handle('sitesEnvironments', req, async (r) => {
          const s = await site(r.accountId, r.site);
          return s.client.listEnvironments(s.site);
        }),
      chooseAccount: (req) =>
        handle('sitesChooseAccount', req, (r) => sites.chooseAccount(r.siteId, r.accountId)),
    },
    backups: {
      list: (req) =>
        handle('backupsList', req, async (r) => {
          const s = await site(r.accountId, r.site);
          return s.client.listBackupSets(s.site, r.env);
        }),
      create: (req) =>
        handle('backupsCreate', req, async (r) => {
          const s = await site(r.accountId, r.site);
          // Refuse a frozen site now, not inside a job.
          assertNotFrozen(s.site);
          // The elements are each named once (the schema drops repeats), so "all" means all three.
          const what =
            r.elements.length === 3 ? 'all' : r.elements.map((e) => ELEMENT_WORDS[e]).join(' and ');
          return jobs.submit('create-backup', `Back up ${r.site}.${r.env} (${what}, ${r.keepForDays} days)`, {
            ...r,
            apiUrl: s.client.apiUrl,
          });
        }),
      workflow: (req) =>
        handle('workflowsGet', req, async (r) => {
          const s = await site(r.accountId, r.site);
          return s.client.getWorkflow(s.site.id, r.workflowId);
        }),
      schedule: (req) =>
        handle('backupsSchedule', req, async (r) => {
          const s = await site(r.accountId, r.site);
          return s.client.getSchedule(s.site, r.env);
        }),
      setSchedule: (req) =>
        handle('backupsSetSchedule', req, async (r) => {
          const s = await site(r.accountId, r.site);
          if (r.enabled) {
            const wf = await s.client.enableSchedule(s.site, r.env, r.weeklyDay, r.keepWeeklyForDays);
            await s.client.waitForWorkflow(s.site.id, wf);
          } else {
            await s.client.disableSchedule(s.site, r.env);
          }
          return s.client.getSchedule(s.site, r.env);
        }),
      restoreOnPantheon: (req) =>
        handle('backupsRestoreOnPantheon', req, async (r) => {
          const s = await site(r.accountId, r.siteId);
          if (r.confirmSiteName !== s.site.name) {
            throw new LifeboatError(
              'invalid-request',
              `To restore ${s.site.name}.${r.env} on Pantheon, type the site's name (${s.site.name}) to confirm.`,
            );
          }
          assertNotFrozen(s.site);
          // Every archive is found and finished before the job is queued, as the job itself checks again.
          const archives = await s.client.listArchives(s.site, r.env);
          for (const element of r.elements) selectArchive(archives, { element, folder: r.folder });
          // What is restored, each element once, in the order the workflows run: the title is exact.
          return jobs.submit(
            'pantheon-restore',
            `Restore ${s.site.name}.${r.env} on Pantheon from the ${backupNameOfFolder(r.folder)} (${pantheonRestoreWhat(r.elements)})`,
            { ...r, siteId: s.site.id, apiUrl: s.client.apiUrl },
          );
        }),
    },
    environments: {
      uncommitted: (req) =>
        handle('environmentsUncommitted', req, async (r) => {
          const s = await site(r.accountId, r.siteId);
          return uncommittedChanges(s, r.env);
        }),
    },
    restores: {
      preview: (req) => handle('restore', req, (r) => engine.preview(r)),
      // The preview's own plan and checks: a conflict stops the job before it is queued.
      start: (req) => handle('restore', req, (r) => engine.startRestore(r)),
      download: (req) =>
        handle('download', req, async (r) =>
          jobs.submit('download', downloadTitle(r.element, `${r.site}.${r.env}`, r.folder), {
            ...r,
            apiUrl: (await accounts.client(r.accountId)).apiUrl,
          }),
        ),
      tree: (req) => handle('archiveTree', req, (r) => engine.tree(r)),
    },
    copies: {
      list: (req) =>
        handle('copiesList', req, (r) => engine.copies.list({ checkNewer: r?.checkNewer ?? false })),
      remove: (req) => handle('copyRef', req, async (r) => (await engine.copies.remove(r.copyId), null)),
      forget: (req) => handle('copyRef', req, async (r) => (await engine.copies.forget(r.copyId), null)),
      previewUpdate: (req) => handle('copyUpdate', req, (r) => engine.previewUpdate(r)),
      update: (req) => handle('copyUpdate', req, (r) => engine.startUpdate(r)),
      open: (req) => handle('copyOpen', req, async (r) => (await engine.openCopy(r), null)),
      previewSetup: (req) => handle('copySetup', req, (r) => engine.previewSetup(r)),
      setup: (req) => handle('copySetup', req, (r) => engine.setup(r)),
    },
    mirror: {
      preview: (req) => handle('mirrorProfile', req, (r) => engine.mirror.preview(r)),
      run: (req) => handle('mirrorProfile', req, (r) => engine.mirror.run(r)),
      profile: () => run(() => engine.mirror.profile()),
      saveProfile: (req) => handle('mirrorProfile', req, (r) => engine.mirror.saveProfile(r)),
      schedulePreview: (req) => handle('mirrorProfile', req, (r) => engine.mirror.schedulePreview(r)),
      scheduleInstall: (req) => handle('mirrorProfile', req, (r) => engine.mirror.scheduleInstall(r)),
      scheduleRemove: () => run(() => engine.mirror.scheduleRemove()),
      lastReport: () => run(() => engine.mirror.lastReport()),
    },
    jobs: {
      list: () => run(() => jobs.list()),
      cancel: (req) => handle('jobRef', req, (r) => jobs.cancel(r.jobId)),
      retry: (req) =>
        handle('jobRef', req, (r) =>
          engine.retry(r.jobId, r.confirmSiteName ? { confirmSiteName: r.confirmSiteName } : {}),
        ),
      clear: (req) => handle('jobsClear', req, (r) => jobs.clear(r?.jobId)),
    },
    settings: {
      get: () => run(() => settings.get()),
      update: (req) => handle('settingsUpdate', req, (r) => settings.update(r)),
      setDatabasePassword: (req) =>
        handle('databasePassword', req, (r) => settings.setDatabasePassword(r.password)),
      testDatabase: (req) => handle('databaseTest', req, (r) => engine.testDatabase(r)),
    },
    tools: {
      find: (req) => handle('toolsFind', req, (r) => toolsFound({ again: r?.again ?? false })),
    },
    // Only the packaged desktop app updates itself; it replaces this domain with its updater.
    app: updatesElsewhere(VERSION),
    system: {
      info: () =>
        run(async () => ({
          version: VERSION,
          platform: process.platform,
          keychainAvailable: await engine.secrets.available(),
          dataDir: engine.dataDir,
          native: engine.native !== null,
          demoRunning: engine.demoStarted(),
        })),
      showInFolder: (req) => handle('path', req, async (r) => (native().showInFolder(r.path), null)),
      pickFolder: () => run(() => native().pickFolder()),
    },
  };
}
