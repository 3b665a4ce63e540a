import type { AppEventName, AppEvents } from '@shared/api/events';
import type { RequestOf } from '@shared/api/schemas';
import type { ArchiveEntryInfo, Element, Job, LocalSetupPlan, LocalSetupResult } from '@shared/models';
import { listTarGz } from './archive/extract';
import { connectionName, serverVersion, type DbConnection } from './database/mysql';
import type { DatabaseTest } from '@shared/api/contract';
import { LifeboatError } from './errors';
import { isActive } from './jobs/journal';
import { JobManager, type JobContext, type JobOutput } from './jobs/manager';
import { restoreTitle, updateTitle } from './jobs/titles';
import {
  journaledConnection,
  pantheonRestoreSummary,
  parsePlan,
  planSchemas,
  sameServer,
  type JournaledConnection,
  type PlanOf,
} from './jobs/plans';
import { PantheonClient, type SessionCache } from './pantheon/client';
import { PANTHEON_API_URL } from './pantheon/config';
import type { RetryPolicy } from './pantheon/http';
import type { RestorePreview } from '@shared/models';
import { basename } from 'node:path';
import { createBackupAndWait } from './backups/create-backup';
import { restoreOnPantheon } from './backups/restore-on-pantheon';
import { downloadArchive } from './restore/download-archive';
import { conflictError, planRestore, previewOf, type RestoreRequest } from './restore/plan';
import { CopyRegistry } from './copies/registry';
import { restoreAndRegister } from './copies/register';
import { applySetup, planSetup, publicPlan } from './local-site/plan';
import { accountOfCopy, planUpdate, updateOptionsOf } from './copies/update';
import { openCopyFolder, type Opened } from './copies/open';
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
  /**
   * Clients for accounts that are not saved, by the account id a job's plan names: a `lifeboat jobs retry` of
   * a job started with a machine token or --demo brings the client of the token it was given.
   */
  readonly accountClients?: ReadonlyMap<string, PantheonClient>;
  /**
   * The environment whose LIFEBOAT_DB_PASSWORD / MYSQL_PWD is the password for a job's database server other
   * than the one in Settings, and whose PATH editors and terminals are found on (default: this process's).
   */
  readonly env?: NodeJS.ProcessEnv;
}

/** What retrying a job will do, from its plan, with its site as Pantheon names it now. */
export interface RetryPreview {
  readonly job: Job;
  /** For a restore on Pantheon: the site's name (what must be typed) and what it replaces, in words. */
  readonly pantheonRestore?: { readonly siteName: string; readonly env: string; readonly summary: string };
}

/** The engine: every service, wired once, shared by the desktop app, the browser host and the CLI. */
export interface Engine {
  readonly dataDir: string;
  readonly secrets: SecretStore;
  readonly accounts: AccountService;
  readonly sites: SiteDirectory;
  readonly settings: SettingsService;
  readonly jobs: JobManager;
  /** The local copies this computer's restores made (shared with every Lifeboat process on the data folder). */
  readonly copies: CopyRegistry;
  readonly native: NativeShell | null;
  readonly demoStarted: () => boolean;
  /** The restore's plan as the app previews it (the same plan the run carries out). */
  preview(req: RequestOf<'restore'>): Promise<RestorePreview>;
  /** Plans a restore, refuses it on a conflict, and queues it with every default pinned. */
  startRestore(req: RequestOf<'restore'>): Promise<Job>;
  tree(req: RequestOf<'archiveTree'>): Promise<ArchiveEntryInfo[]>;
  /** What a retry of the job would do (a restore on Pantheon: the site named as Pantheon names it now). */
  retryPreview(jobId: string): Promise<RetryPreview>;
  /**
   * Retries a job. A restore on Pantheon needs `confirmSiteName`, typed again, equal to the site's name as it
   * resolves now; it is refused before anything is queued otherwise.
   */
  retry(jobId: string, fresh?: { readonly confirmSiteName?: string }): Promise<Job>;
  /** What updating a copy from a newer backup would do: the update's own restore plan, conflicts and all. */
  previewUpdate(req: RequestOf<'copyUpdate'>): Promise<RestorePreview>;
  /** Plans an update of a copy, refuses it on a conflict, and queues it as a restore job with every default pinned. */
  startUpdate(req: RequestOf<'copyUpdate'>): Promise<Job>;
  /** Opens a present copy's folder in an editor or a terminal (Settings' command, else one found on PATH). */
  openCopy(req: RequestOf<'copyOpen'>): Promise<Opened>;
  /**
   * What "Set up to run locally" would do to a copy (its own plan). `connection`: the server its database is on
   * (with its password), else the one in Settings.
   */
  previewSetup(req: RequestOf<'copySetup'>, connection?: DbConnection): Promise<LocalSetupPlan>;
  /** Carries out that plan: refused on its first conflict; a failure changes nothing. */
  setup(req: RequestOf<'copySetup'>, connection?: DbConnection): Promise<LocalSetupResult>;
  /** Connects to a database server as Settings would (the keychain's password unless one is given): its version. */
  testDatabase(req: RequestOf<'databaseTest'>): Promise<DatabaseTest>;
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

  /** The database server in Settings, without its password (as a plan records it); null when none is set. */
  const settingsServer = async (): Promise<JournaledConnection | null> => {
    const s = await settings.get();
    if (!s.database) return null;
    return journaledConnection({
      user: s.database.user,
      ...(s.database.socket
        ? { socket: s.database.socket }
        : { host: s.database.host, port: s.database.port }),
    });
  };

  const connection = async (): Promise<DbConnection> => {
    const server = await settingsServer();
    if (!server)
      throw new LifeboatError(
        'invalid-request',
        'Set up a database connection in Settings before importing a database.',
      );
    const password = await settings.databasePassword();
    return { ...server, ...(password ? { password } : {}) };
  };

  /**
   * The server a journaled restore imports into: the one its plan names, never silently another. Its password
   * is the one in Settings only when it is the Settings server (same socket, or host and port, and user); for
   * any other, LIFEBOAT_DB_PASSWORD or MYSQL_PWD of this process; else none.
   *
   * A plan without a server was written before servers were recorded. The app's plans used Settings, so they
   * still do. `lifeboat pull --db-import` wrote its own server and left it out of the plan: such a plan (told
   * by the fields only pull wrote, updateInPlace and keepForDays, which the app's restore dialog never sends)
   * is refused rather than imported into the Settings server, which may be another one.
   */
  const journaledServer = async (plan: PlanOf<'restore'>): Promise<DbConnection> => {
    const server = plan.importDatabase?.connection;
    if (!server) {
      if (plan.updateInPlace !== undefined && plan.keepForDays !== undefined)
        throw new LifeboatError(
          'invalid-request',
          'This restore was started by lifeboat pull --db-import, whose job does not say which database server ' +
            'it imports into. Run that lifeboat pull command again instead.',
        );
      return connection();
    }
    const settingsOne = await settingsServer();
    const env = options.env ?? process.env;
    const password =
      settingsOne && sameServer(settingsOne, server)
        ? await settings.databasePassword()
        : env.LIFEBOAT_DB_PASSWORD || env.MYSQL_PWD;
    return { ...server, ...(password ? { password } : {}) } as DbConnection;
  };

  /** The engine's request from a contract request; the database password is read here, never stored with the job. */
  const restoreRequest = async (
    req: RequestOf<'restore'>,
    server: () => Promise<DbConnection> = connection,
  ): Promise<RestoreRequest> => ({
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
            connection: await server(),
            ...(req.importDatabase.name ? { name: req.importDatabase.name } : {}),
            replace: req.importDatabase.replace ?? false,
          },
        }
      : {}),
    include: req.include ?? [],
    exclude: req.exclude ?? [],
    updateInPlace: req.updateInPlace ?? false,
    ...(req.replaceLocalEdits ? { replaceLocalEdits: true } : {}),
    ...(req.keepForDays ? { keepForDays: req.keepForDays } : {}),
  });

  /** A job plan read back from the journal, checked against its kind's plan schema like any request. */
  const journaled = <K extends Job['kind']>(kind: K, plan: unknown): PlanOf<K> => {
    const v = parsePlan(kind, plan);
    if (!v) {
      const why = planSchemas[kind].safeParse(plan);
      const issue = why.success ? undefined : why.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      throw new LifeboatError(
        'invalid-request',
        `This job's saved plan is not valid (${where}${issue?.message ?? 'not a plan'}); start it again from the app.`,
      );
    }
    return v;
  };

  /**
   * The client and site of an account: a client given for an account that is not saved (a CLI retry with a
   * machine token), else the saved account's. With `apiUrl` (the API a job's plan says it used), a client that
   * would reach another API is refused; demo accounts are exempt, their sandbox listens on a new port each start.
   */
  const resolve = async (accountId: string, site: string, apiUrl?: string) => {
    const given = options.accountClients?.get(accountId);
    const client = given ?? (await accounts.client(accountId));
    if (apiUrl && client.apiUrl !== apiUrl && !accountId.endsWith('@demo'))
      throw new LifeboatError(
        'invalid-request',
        `This job used the Pantheon API at ${apiUrl}, but its account now reaches ${client.apiUrl}. Start it again.`,
      );
    return {
      client,
      site: given ? { ...(await given.getSite(site)), accountId } : await sites.resolve(accountId, site),
    };
  };

  /** The site of a restore on Pantheon as its runner resolves it, with the typed name checked against it. */
  const pantheonRestoreSite = async (req: PlanOf<'pantheon-restore'>, typed: string | undefined) => {
    const found = await resolve(req.accountId, req.siteId, req.apiUrl);
    if (typed !== found.site.name)
      throw new LifeboatError(
        'invalid-request',
        `To restore ${found.site.name}.${req.env} on Pantheon, type the site's name (${found.site.name}) to confirm.`,
      );
    return found;
  };

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

  /** The plan of an update of a copy, through the account that restored it (see copies/update.ts). */
  const updatePlan = async (req: RequestOf<'copyUpdate'>) => {
    const copy = await copies.get(req.copyId);
    const accountId = accountOfCopy(copy);
    const { client, site } = await resolve(accountId, copy.site.id);
    const deps = { client, site, options: options.freeSpace ? { freeSpace: options.freeSpace } : {} };
    return {
      copy,
      accountId,
      client,
      plan: await planUpdate(deps, copy, updateOptionsOf(req), { connection }),
    };
  };

  /** The setup plan of a copy, on the given server or the one in Settings (none: the plan says so). */
  const setupPlan = async (req: RequestOf<'copySetup'>, given?: DbConnection) =>
    planSetup(
      await copies.get(req.copyId),
      { ...(req.url ? { url: req.url } : {}), ddev: req.ddev ?? false, lando: req.lando ?? false },
      {
        connection: given ?? (await settingsServer().then((s) => (s ? connection() : null))),
        configureHint: given
          ? 'give the server it was imported into'
          : 'set up the database connection it was imported into in Settings',
      },
    );

  /**
   * Sends the copies as they are now; a list that cannot be read sends nothing (the next change will). With
   * `checkNewer`, each copy's environment is asked for a newer backup (cached), as after a backup was made.
   */
  const copiesChanged = (checkNewer = false): void => {
    if (!options.emit) return;
    void copies.list({ checkNewer }).then(
      (list) => options.emit?.('copies.changed', { copies: list }),
      () => undefined,
    );
  };
  const copies = new CopyRegistry({
    dataDir: options.dataDir,
    onChange: () => copiesChanged(),
    newestBackup: async (accountId, siteId, env) => {
      const { client, site } = await resolve(accountId, siteId);
      let newest: { folder: string; scheduledFor: number } | null = null;
      for (const set of await client.listBackupSets(site, env))
        if (set.finished && (!newest || set.scheduledFor > newest.scheduledFor)) newest = set;
      return newest
        ? { folder: newest.folder, scheduledFor: new Date(newest.scheduledFor * 1000).toISOString() }
        : null;
    },
  });

  const runners = {
    restore: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('restore', plan);
      const { client, site } = await resolve(req.accountId, req.site, req.apiUrl);
      const s = await settings.get();
      // The one way a local restore runs: it registers its copy once it has succeeded.
      const r = await restoreAndRegister(
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
        await restoreRequest(req, () => journaledServer(req)),
        ctx,
        { registry: copies, accountId: req.accountId },
      );
      return { outputPath: r.result.path, ...(r.warning ? { warning: r.warning } : {}) };
    },
    download: async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('download', plan);
      const { client, site } = await resolve(req.accountId, req.site, req.apiUrl);
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
      const req = journaled('create-backup', plan);
      const { client, site } = await resolve(req.accountId, req.site, req.apiUrl);
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
      // A copy of this environment may now be behind: its "newer backup" is asked again, and the app told.
      copies.forgetNewest(site.id, req.env);
      copiesChanged(true);
      return made.warning ? { warning: made.warning } : {};
    },
    'pantheon-restore': async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
      const req = journaled('pantheon-restore', plan);
      // Checked against the site as it resolves now, not a name stored with the job.
      const { client, site } = await pantheonRestoreSite(req, req.confirmSiteName);
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
  const announced = new Set<string>();
  const jobs = new JobManager({
    dataDir: options.dataDir,
    runners,
    // Three at once: a backup being created mostly waits on Pantheon, and with the engine in its own process
    // (issue 9) three pulls no longer slow the window; each restore also downloads its archives in parallel.
    concurrency: 3,
    onUpdate: (job: Job) => {
      options.emit?.('jobs.updated', { job });
      // A restore another process ran (lifeboat pull, another window) registered its copy before it ended.
      if (job.kind === 'restore' && job.state === 'succeeded' && !announced.has(job.id)) {
        announced.add(job.id);
        copiesChanged();
      }
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
    copies,
    native,
    demoStarted: () => demoStarted,
    async preview(req) {
      return previewOf(await plan(req));
    },
    async startRestore(req) {
      const p = await plan(req);
      if (p.conflicts[0]) throw conflictError(p.conflicts[0]);
      // Every default pinned, so a job resumed tomorrow restores the same backup to the same names.
      // The Settings server is recorded (without its password), so a retry imports where this run did.
      const server = req.importDatabase ? await settingsServer() : null;
      const client = options.accountClients?.get(req.accountId) ?? (await accounts.client(req.accountId));
      const pinned: PlanOf<'restore'> = {
        ...req,
        apiUrl: client.apiUrl,
        ...(p.set ? { backup: p.set.folder } : {}),
        folderName: basename(p.path),
        ...(p.branch ? { branch: p.branch } : {}),
        ...(req.importDatabase
          ? {
              importDatabase: {
                ...req.importDatabase,
                ...(p.databaseName ? { name: p.databaseName } : {}),
                ...(server ? { connection: server } : {}),
              },
            }
          : {}),
      };
      return jobs.submit('restore', restoreTitle(`${req.site}.${req.env}`, pinned.backup, p.path), pinned);
    },
    async previewUpdate(req) {
      return previewOf((await updatePlan(req)).plan);
    },
    async startUpdate(req) {
      const { copy, accountId, client, plan: p } = await updatePlan(req);
      if (p.conflicts[0]) throw conflictError(p.conflicts[0]);
      if (!p.set) throw new LifeboatError('internal', 'The update has no backup set.');
      const db = p.request.database;
      const server = db ? await settingsServer() : null;
      // A restore job like any other, every default pinned: a retry updates from the same backup to the same names.
      const pinned: PlanOf<'restore'> = {
        accountId,
        apiUrl: client.apiUrl,
        site: p.request.site,
        env: p.env,
        backup: p.set.folder,
        elements: [...p.elements],
        targetDir: p.targetDir,
        folderName: basename(p.path),
        ...(p.branch ? { branch: p.branch } : {}),
        ...(db
          ? {
              importDatabase: {
                ...(p.databaseName ? { name: p.databaseName } : {}),
                replace: db.replace ?? false,
                ...(server ? { connection: server } : {}),
              },
            }
          : {}),
        include: [...(p.request.include ?? [])],
        exclude: [...(p.request.exclude ?? [])],
        updateInPlace: true,
        ...(p.request.replaceLocalEdits ? { replaceLocalEdits: true } : {}),
      };
      return jobs.submit(
        'restore',
        updateTitle(`${copy.site.name}.${copy.env}`, copy.path, p.set.folder),
        pinned,
      );
    },
    async retryPreview(jobId) {
      const job = await jobs.get(jobId);
      if (job.kind !== 'pantheon-restore') return { job };
      const req = journaled('pantheon-restore', await jobs.planOf(jobId));
      const { site } = await resolve(req.accountId, req.siteId, req.apiUrl);
      return {
        job,
        pantheonRestore: {
          siteName: site.name,
          env: req.env,
          summary: pantheonRestoreSummary(req, site.name),
        },
      };
    },
    async retry(jobId, fresh = {}) {
      const job = await jobs.get(jobId);
      // Checked before the job is queued, as the runner checks again; a job that cannot be retried at all
      // (running, succeeded) gets the manager's answer instead.
      if (job.kind === 'pantheon-restore' && !isActive(job) && job.state !== 'succeeded') {
        const req = journaled('pantheon-restore', await jobs.planOf(jobId));
        const typed = fresh.confirmSiteName?.trim();
        if (!typed)
          throw new LifeboatError(
            'invalid-request',
            "Restoring on Pantheon again replaces what the environment has there now: type the site's name to confirm.",
          );
        await pantheonRestoreSite(req, typed);
      }
      return jobs.retry(jobId, fresh);
    },
    async openCopy(req) {
      const env = options.env ?? process.env;
      return openCopyFolder(await copies.get(req.copyId), req.with, await settings.get(), { env });
    },
    async previewSetup(req, connection) {
      return publicPlan(await setupPlan(req, connection));
    },
    async setup(req, connection) {
      return applySetup(await setupPlan(req, connection));
    },
    async testDatabase(req) {
      const password = req.password ? req.password : await settings.databasePassword();
      const conn: DbConnection = {
        user: req.user,
        ...(req.socket ? { socket: req.socket } : { host: req.host, port: req.port }),
        ...(password ? { password } : {}),
      };
      return { version: await serverVersion(conn), server: connectionName(conn) };
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
