import type { AppApi } from '@shared/api/contract';
import { validate, type RequestOf, type schemas } from '@shared/api/schemas';
import { ok, type Result } from '@shared/result';
import type { Engine } from '../services/engine';
import { toAppError } from '../services/errors';
import { VERSION } from '../services/version';

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

/** The main-side implementation of AppApi over the engine: one function per contract method. */
export function createApi(engine: Engine): AppApi {
  const { accounts, sites } = engine;
  const site = async (accountId: string, ref: string) => ({
    client: await accounts.client(accountId),
    site: await sites.resolve(accountId, ref),
  });
  return {
    accounts: {
      list: () => run(() => accounts.list()),
      add: (req) =>
        handle('accountsAdd', req, (r) => accounts.add(r.machineToken, r.apiUrl ? { apiUrl: r.apiUrl } : {})),
      remove: (req) => handle('accountsRemove', req, async (r) => (await accounts.remove(r.accountId), null)),
      importTerminus: () => run(() => accounts.importTerminus()),
    },
    sites: {
      list: (req) => handle('sitesList', req, (r) => sites.list(r?.refresh ?? false)),
      environments: (req) =>
        handle('sitesEnvironments', req, async (r) => {
          const s = await site(r.accountId, r.site);
          return s.client.listEnvironments(s.site);
        }),
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
          return s.client.createBackup(s.site, r.env, r.elements, r.keepForDays);
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
            await s.client.waitForWorkflow(s.site.id, wf, { intervalMs: 1000 });
          } else {
            await s.client.disableSchedule(s.site, r.env);
          }
          return s.client.getSchedule(s.site, r.env);
        }),
    },
    system: {
      info: () =>
        run(async () => ({
          version: VERSION,
          platform: process.platform,
          keychainAvailable: await engine.secrets.available(),
          dataDir: engine.dataDir,
        })),
    },
  };
}
