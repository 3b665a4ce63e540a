import type { AppEventName, AppEvents } from '@shared/api/events';
import type { RequestOf } from '@shared/api/schemas';
import type { ArchiveEntryInfo, Element, Job } from '@shared/models';
import { listTarGz } from './archive/extract';
import type { DbConnection } from './database/mysql';
import { LifeboatError } from './errors';
import { JobManager, type JobContext, type JobOutput } from './jobs/manager';
import { PantheonClient, type SessionCache } from './pantheon/client';
import { PANTHEON_API_URL } from './pantheon/config';
import type { RetryPolicy } from './pantheon/http';
import { validate, type schemas } from '@shared/api/schemas';
import type { RestorePreview } from '@shared/models';
import { basename } from 'node:path';
import { createBackupAndWait } from './backups/create-backup';
import { restoreOnPantheon } from './backups/restore-on-pantheon';
import { downloadArchive } from './restore/download-archive';
import { conflictError, planRestore, previewOf, type RestoreRequest } from './restore/plan';
import { runRestore } from './restore/restore';
import { AccountService, type DemoProvider } from './secrets/accounts';
import type { SecretStore } from './secrets/secret-store';
import { SettingsService } from './settings/settings';
import { SiteDirectory } from './sites/site-directory';
import type { FreeSpaceProbe } from './transfer/disk';
import { storageHttp, type TransferPolicy } from './transfer/download';
import { USER_AGENT } from './version';

/** What only a desktop shell can do; the browser host and the CLI have none of it. */
export interface NativeShell {
  showInFolder(path: string): void;
  pickFolder(): Promise<string | null>;
  notify?(title: string, body: string): void;
}

/** What the engine needs from its composition root (main, host, CLI or a test). */
export interface EngineOptions {
  readonly dataDir: string;
  readonly secrets: SecretStore;
  readonly defaultApiUrl?: string;
  readonly retry?: RetryPolicy;
  readonly transfer?: TransferPolicy;
  readonly minPollMs?: number;
  readonly pollMs?: number;
  readonly demo?: DemoProvider;
  readonly native?: NativeShell;
  readonly freeSpace?: FreeSpaceProbe;
  readonly emit?: <K extends AppEventName>(name: K, payload: AppEvents[K]) => void;
}

/** The engine: every service, wired once, shared by the desktop app, the browser host and the CLI. */
export interface Engine {
  readonly dataDir: string;
  readonly secrets: SecretStore;
  readonly accounts: AccountService;
  readonly sites: SiteDirectory;
  readonly settings: SettingsService;
  readonly jobs: JobManager;
  readonly native: NativeShell | null;
  readonly demoStarted: () => boolean;
  /** The restore's plan as the app previews it (the same plan the run carries out). */
  preview(req: RequestOf<'restore'>): Promise<RestorePreview>;
  /** Plans a restore, refuses it on a conflict, and queues it with every default pinned. */
  startRestore(req: RequestOf<'restore'>): Promise<Job>;
  tree(req: RequestOf<'archiveTree'>): Promise<ArchiveEntryInfo[]>;
}

/** Wires the services. */
export function createEngine(options: EngineOptions): Engine {
  const clientFor = (
    apiUrl: string,
    machineToken: () => Promise<string>,
    sessionCache?: SessionCache,
  ): PantheonClient =>
    new PantheonClient({
      apiUrl,
      machineToken,
      userAgent: USER_AGENT,
      retry: options.retry,
      minPollMs: options.minPollMs,
      ...(sessionCache ? { sessionCache } : {}),
    });
  let demoStarted = false;
  const demo: DemoProvider | undefined = options.demo
    ? async () => {
        const d = await options.demo!();
        demoStarted = true;
        return d;
      }
    : undefined;
  const accounts = new AccountService({
    dataDir: options.dataDir,
    secrets: options.secrets,
    clientFor,
    defaultApiUrl: options.defaultApiUrl ?? PANTHEON_API_URL,
    ...(demo ? { demo } : {}),
    onChange: (list) => options.emit?.('accounts.changed', { accounts: list }),
  });
  const sites = new SiteDirectory(accounts, options.dataDir);
  const settings = new SettingsService(options.dataDir, options.secrets, (s) =>
    options.emit?.('settings.changed', { settings: s }),
  );

  const connection = async (): Promise<DbConnection> => {
    const s = await settings.get();
    if (!s.database)
      throw new LifeboatError(
        'invalid-request',
        'Set up a database connection in Settings before importing a database.',
      );
    const password = await settings.databasePassword();
    return {
      user: s.database.user,
      ...(s.database.socket
        ? { socket: s.database.socket }
        : { host: s.database.host, port: s.database.port }),
      ...(password ? { password } : {}),
    };
  };

  /** The engine's request from a contract request; the database password is read here, never stored with the job. */
  const restoreRequest = async (req: RequestOf<'restore'>): Promise<RestoreRequest> => ({
    site: req.site,
    env: req.env,
    backup: req.backup === 'latest' || req.backup === 'new' ? req.backup : { folder: req.backup },
    elements: req.elements as Element[],
    targetDir: req.targetDir,
    ...(req.folderName ? { folderName: req.folderName } : {}),
    ...(req.branch ? { branch: req.branch } : {}),
    ...(req.intoRepo ? { intoRepo: req.intoRepo, checkoutIntoRepo: req.checkoutIntoRepo ?? false } : {}),
    ...(req.importDatabase
      ? {
          database: {
            connection: await connection(),
            ...(req.importDatabase.name ? { name: req.importDatabase.name } : {}),
            replace: req.importDatabase.replace ?? false,
          },
        }
      : {}),
    include: req.include ?? [],
    exclude: req.exclude ?? [],
    updateInPlace: req.updateInPlace ?? false,
    ...(req.keepForDays ? { keepForDays: req.keepForDays } : {}),
  });

  /** A job plan read back from the journal, checked against its request schema like any request. */
  const journaled = <K extends keyof typeof schemas>(key: K, plan: unknown): RequestOf<K> => {
    const v = validate(key, plan);
    if (!v.ok)
      throw new LifeboatError(
        'invalid-request',
        `This job's saved plan is not valid (${v.message}); start it again from the app.`,
      );
    return v.value;
  };

  const resolve = async (accountId: string, site: string) => ({
    client: await accounts.client(accountId),
    site: await sites.resolve(accountId, site),
  });

  /** The plan of a restore request; without a configured database connection, still a plan, with that conflict. */
  const plan = async (req: RequestOf<'restore'>) => {
    const { client, site } = await resolve(req.accountId, req.site);
    const deps = { client, site, options: options.freeSpace ? { freeSpace: options.freeSpace } : {} };
    try {
      return await planRestore(deps, await restoreRequest(req));
    } catch (e) {
      if (!(e instanceof LifeboatError) || !req.importDatabase || e.code !== 'invalid-request') throw e;
      const p = await planRestore(deps, await restoreRequest({ ...req, importDatabase: undefined }));
      return {
        ...p,
        conflicts: [...p.conflicts, { kind: 'database' as const, code: e.code, message: e.message }],
      };
    }
  };

  const runners = {
    restore: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('restore', plan);
      const { client, site } = await resolve(req.accountId, req.site);
      const s = await settings.get();
      const r = await runRestore(
        {
          client,
          site,
          options: {
            parallel: s.parallelDownloads,
            ...(options.transfer ? { transfer: options.transfer } : {}),
            ...(options.pollMs ? { pollMs: options.pollMs } : {}),
            ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
          },
        },
        await restoreRequest(req),
        ctx,
      );
      return { outputPath: r.path };
    },
    download: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('download', plan);
      const { client, site } = await resolve(req.accountId, req.site);
      const r = await downloadArchive(
        {
          client,
          site,
          ...(options.transfer ? { transfer: options.transfer } : {}),
          ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
        },
        {
          site: req.site,
          env: req.env,
          folder: req.folder,
          element: req.element,
          targetDir: req.targetDir,
          include: req.include ?? [],
          exclude: req.exclude ?? [],
        },
        ctx,
      );
      return { outputPath: r.extractedTo ?? r.path };
    },
    'create-backup': async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('backupsCreate', plan);
      const { client, site } = await resolve(req.accountId, req.site);
      ctx.phase('creating-backup', `Asking Pantheon to back up ${req.site}.${req.env}`);
      const made = await createBackupAndWait(
        { client, site },
        {
          env: req.env,
          elements: req.elements,
          keepForDays: req.keepForDays,
          signal: ctx.signal,
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
          onUpdate: (w) => {
            ctx.phase('creating-backup', w.activeDescription || 'Creating backup');
            ctx.part('workflow', w.activeDescription || 'Creating backup', w.step, w.numberOfTasks);
          },
        },
      );
      return made.warning ? { warning: made.warning } : {};
    },
    'pantheon-restore': async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('backupsRestoreOnPantheon', plan);
      const { client, site } = await resolve(req.accountId, req.siteId);
      if (req.confirmSiteName !== site.name)
        throw new LifeboatError(
          'invalid-request',
          `This restore was confirmed for another site than ${site.name}.`,
        );
      // Pantheon imports each archive into the environment: the closest phase a person knows.
      ctx.phase('importing', `Asking Pantheon to restore ${site.name}.${req.env}`);
      await restoreOnPantheon(
        { client, site },
        {
          env: req.env,
          elements: req.elements,
          folder: req.folder,
          signal: ctx.signal,
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
          onUpdate: (w, element) => {
            const label = w.activeDescription || `Restoring the ${element}`;
            ctx.phase('importing', label);
            ctx.part(element, label, w.step, w.numberOfTasks);
          },
        },
      );
      return {};
    },
  };

  const native = options.native ?? null;
  const jobs = new JobManager({
    dataDir: options.dataDir,
    runners,
    concurrency: 2,
    onUpdate: (job: Job) => {
      options.emit?.('jobs.updated', { job });
      if (native?.notify && (job.state === 'succeeded' || job.state === 'failed')) {
        native.notify(
          job.state === 'succeeded' ? `${job.title}: done` : `${job.title}: failed`,
          job.state === 'succeeded' ? (job.outputPath ?? '') : (job.error?.message ?? ''),
        );
      }
    },
  });

  const trees = new Map<string, Promise<ArchiveEntryInfo[]>>();

  return {
    dataDir: options.dataDir,
    secrets: options.secrets,
    accounts,
    sites,
    settings,
    jobs,
    native,
    demoStarted: () => demoStarted,
    async preview(req) {
      return previewOf(await plan(req));
    },
    async startRestore(req) {
      const p = await plan(req);
      if (p.conflicts[0]) throw conflictError(p.conflicts[0]);
      // Every default pinned, so a job resumed tomorrow restores the same backup to the same names.
      const pinned: RequestOf<'restore'> = {
        ...req,
        ...(p.set ? { backup: p.set.folder } : {}),
        folderName: basename(p.path),
        ...(p.branch ? { branch: p.branch } : {}),
        ...(req.importDatabase && p.databaseName
          ? { importDatabase: { ...req.importDatabase, name: p.databaseName } }
          : {}),
      };
      return jobs.submit('restore', `Restore ${req.site}.${req.env} into ${p.path}`, pinned);
    },
    tree(req) {
      const key = `${req.accountId}|${req.site}|${req.env}|${req.folder}|${req.element}`;
      let p = trees.get(key);
      if (!p) {
        p = (async () => {
          const { client, site } = await resolve(req.accountId, req.site);
          const url = await client.archiveUrl(site, req.env, req.folder, req.element);
          // Read straight from storage through gunzip and the tar parser; nothing is saved.
          return listTarGz(storageHttp.stream(url));
        })();
        trees.set(key, p);
        p.catch(() => trees.delete(key));
      }
      return p;
    },
  };
}
