import type { AppEventName, AppEvents } from '@shared/api/events';
import type { RequestOf } from '@shared/api/schemas';
import type { ArchiveEntryInfo, Element, Job } from '@shared/models';
import { listTarGz } from './archive/extract';
import type { DbConnection } from './database/mysql';
import { LifeboatError } from './errors';
import { JobManager, type JobContext, type JobOutput } from './jobs/manager';
import { PantheonClient } from './pantheon/client';
import { PANTHEON_API_URL } from './pantheon/config';
import type { RetryPolicy } from './pantheon/http';
import { downloadArchive } from './restore/download-archive';
import type { RestorePlan } from './restore/plan';
import { previewRestore } from './restore/preview';
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
  preview(req: RequestOf<'restore'>): ReturnType<typeof previewRestore>;
  tree(req: RequestOf<'archiveTree'>): Promise<ArchiveEntryInfo[]>;
}

type BackupJobPlan = RequestOf<'backupsCreate'>;

/** Wires the services. */
export function createEngine(options: EngineOptions): Engine {
  const clientFor = (apiUrl: string, machineToken: () => Promise<string>): PantheonClient =>
    new PantheonClient({
      apiUrl,
      machineToken,
      userAgent: USER_AGENT,
      retry: options.retry,
      minPollMs: options.minPollMs,
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

  /** The engine's plan from a contract request; the database password is read here, never stored with the job. */
  const restorePlan = async (req: RequestOf<'restore'>): Promise<RestorePlan> => ({
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

  const resolve = async (accountId: string, site: string) => ({
    client: await accounts.client(accountId),
    site: await sites.resolve(accountId, site),
  });

  const runners = {
    restore: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = plan as RequestOf<'restore'>;
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
        await restorePlan(req),
        ctx,
      );
      return { outputPath: r.path };
    },
    download: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = plan as RequestOf<'download'>;
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
        },
        ctx,
      );
      return { outputPath: r.extractedTo ?? r.path };
    },
    'create-backup': async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = plan as BackupJobPlan;
      const { client, site } = await resolve(req.accountId, req.site);
      ctx.phase('creating-backup', `Asking Pantheon to back up ${req.site}.${req.env}`);
      const wf = await client.createBackup(site, req.env, req.elements, req.keepForDays);
      ctx.part('workflow', wf.activeDescription || 'Creating backup', wf.step, wf.numberOfTasks);
      await client.waitForWorkflow(site.id, wf, {
        signal: ctx.signal,
        ...(options.pollMs ? { intervalMs: options.pollMs } : {}),
        onUpdate: (w) => {
          ctx.phase('creating-backup', w.activeDescription || 'Creating backup');
          ctx.part('workflow', w.activeDescription || 'Creating backup', w.step, w.numberOfTasks);
        },
      });
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
      const { client, site } = await resolve(req.accountId, req.site);
      let plan: RestorePlan;
      try {
        plan = await restorePlan(req);
      } catch (e) {
        if (!(e instanceof LifeboatError) || !req.importDatabase) throw e;
        // No connection configured: still preview, with the problem listed.
        const p = await restorePlan({ ...req, importDatabase: undefined });
        const preview = await previewRestore(
          { client, site, ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}) },
          p,
        );
        return { ...preview, conflicts: [...preview.conflicts, { kind: 'database', message: e.message }] };
      }
      return previewRestore(
        { client, site, ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}) },
        plan,
      );
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
