import type { AppEventName, AppEvents } from '@shared/api/events';
import type { RequestOf } from '@shared/api/schemas';
import type { ArchiveEntryInfo, Element, Job, LocalSetupPlan, LocalSetupResult } from '@shared/models';
import { listTarGz } from './archive/extract';
import { connectionName, serverOf, serverVersion, type DbConnection } from './database/mysql';
import type {
  DatabaseTest,
  MirrorLastReport,
  MirrorPreview,
  SchedulerInstall,
  SchedulerRemoval,
} from '@shared/api/contract';
import type { MirrorProfile, MirrorReport, SchedulerEntry } from '@shared/models';
import { LifeboatError } from './errors';
import { isActive } from './jobs/journal';
import { JobManager, type JobContext, type JobOutput } from './jobs/manager';
import { mirrorTitle, restoreTitle, updateTitle } from './jobs/titles';
import { MirrorTimer, type TimerClock } from './jobs/mirror-timer';
import { runMirror } from './mirror/run';
import {
  installScheduler,
  lifeboatCli,
  mirrorCommandLine,
  removeScheduler,
  schedulerEntry,
  type CliCommand,
  type CommandRunner,
} from './mirror/scheduler';
import { checkMirrorRoot } from './mirror/local';
import { latestMirrorReport, saveMirrorReport } from './mirror/reports';
import { selectSites, selectSitesAndUnknown, type AccountSiteList } from './mirror/select';
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
import { mayBeAtOrInside } from './paths/path-rules';
import type { RetryPolicy } from './pantheon/http';
import type { RestorePreview } from '@shared/models';
import { basename, resolve as resolvePath } from 'node:path';
import { createBackupAndWait } from './backups/create-backup';
import { restoreOnPantheon } from './backups/restore-on-pantheon';
import { downloadArchive } from './restore/download-archive';
import { conflictError, planRestore, previewOf, type RestoreRequest } from './restore/plan';
import { CopyRegistry } from './copies/registry';
import { restoreAndRegister } from './copies/register';
import { applySetup, planSetup, publicPlan } from './local-site/plan';
import { accountForUpdate, planUpdate, updateOptionsOf } from './copies/update';
import { openCopyFolder, type Opened } from './copies/open';
import { AccountService, type DemoProvider } from './secrets/accounts';
import type { SecretStore } from './secrets/secret-store';
import { SettingsService } from './settings/settings';
import { SiteDirectory } from './sites/site-directory';
import { statfsFreeSpace, type FreeSpaceProbe } from './transfer/disk';
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
  /**
   * Runs the saved mirror profile every `everyHours` while this engine runs (the app and the browser host; never
   * a CLI command). A clock may be given (tests).
   */
  readonly mirrorTimer?: boolean | { readonly clock: TimerClock };
  /** The OS scheduler entry's platform, home folder, CLI and command runner (tests); default: this computer's. */
  readonly scheduler?: {
    readonly platform?: NodeJS.Platform;
    readonly home?: string;
    readonly cli?: CliCommand;
    readonly run?: CommandRunner;
  };
}

/** The rows of a mirror report a job keeps: a job file stays small however many sites a run had. */
export const MIRROR_JOB_ROWS = 200;
/** The first sites of a selection a preview lists. */
export const MIRROR_PREVIEW_SITES = 50;

/** The mirror's use cases, as the app's Mirror screen reaches them. */
export interface MirrorService {
  /** Which sites the profile takes (the run's own selection, on the site list as last fetched). */
  preview(profile: MirrorProfile): Promise<MirrorPreview>;
  /** Starts a mirror job of the profile. */
  run(profile: MirrorProfile): Promise<Job>;
  profile(): Promise<MirrorProfile | null>;
  /** Saves the profile and re-arms the timer with it. */
  saveProfile(profile: MirrorProfile): Promise<MirrorProfile>;
  schedulePreview(profile: MirrorProfile): Promise<SchedulerEntry>;
  scheduleInstall(profile: MirrorProfile): Promise<SchedulerInstall>;
  scheduleRemove(): Promise<SchedulerRemoval>;
  /** The newest report kept in the data folder, of the app's runs and the CLI's alike; null when none is. */
  lastReport(): Promise<MirrorLastReport | null>;
  /** The timer while the app runs; null in an engine without one (the CLI). */
  readonly timer: MirrorTimer | null;
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
  readonly mirror: MirrorService;
  /** Stops what the engine runs on its own (the mirror's timer); jobs are stopped by the JobManager. */
  dispose(): void;
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
    return journaledConnection({ user: s.database.user, ...serverOf(s.database) });
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
    // A copy that names no account (restored from a mirror) goes through a saved account that sees its site.
    const accountId = await accountForUpdate(
      copy,
      (await accounts.list()).map((a) => ({
        label: a.email,
        idIfSees: async (siteId: string) => {
          await resolve(a.id, siteId);
          return a.id;
        },
      })),
    );
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
    mirror: (plan: unknown, ctx: JobContext): Promise<JobOutput> => mirrorRunner(plan, ctx),
  };

  /**
   * The sites a mirror profile takes, through the one selection rule (mirror/select.ts), over every account's
   * sites as the site list has them: `refresh` lists each account once (a run), else the list as last fetched;
   * `lenient` returns hand-picked sites no account sees apart instead of refusing them.
   */
  const mirrorSelection = async (profile: MirrorProfile, refresh: boolean, lenient: boolean) => {
    const list = await sites.list(refresh);
    const saved = await accounts.list();
    const lists: AccountSiteList[] = saved.map((a) => ({
      email: a.email,
      sites: list.sites
        .filter((s) => (s.accountIds ?? [s.accountId]).includes(a.id))
        .map((s) => ({ ...s, accountId: a.id })),
      organizations: list.organizations,
    }));
    // The preview refuses a hand-picked site that is gone (the person editing fixes it); a run reports it as a
    // failed row and mirrors the others, so a deleted client site never stops every other site's mirror.
    const { selected, unknown } = lenient
      ? selectSitesAndUnknown(lists, profile.selection, { requireNarrowing: true })
      : { selected: selectSites(lists, profile.selection, { requireNarrowing: true }), unknown: [] };
    const emailOf = new Map(saved.map((a) => [a.id, a.email]));
    const failedAccounts = list.failedAccounts.map((f) => ({ ...f, email: emailOf.get(f.accountId) }));
    const demoIds = new Set(saved.filter((a) => a.demo).map((a) => a.id));
    const demoSites = selected.filter((s) => demoIds.has(s.site.accountId)).length;
    return { selected, unknown, failedAccounts, demoSites };
  };

  /**
   * A mirror's folder is never inside the app's own data folder: its jobs, settings and reports are no place for
   * archives, and removing the data folder would take the mirror with it.
   */
  const refuseDataFolder = (root: string): void => {
    // Folding case (and on macOS normalization): a refusal, so a doubt refuses.
    if (mayBeAtOrInside(resolvePath(options.dataDir), resolvePath(root)))
      throw new LifeboatError(
        'invalid-request',
        `${root} is inside Lifeboat's own data folder (${options.dataDir}). Choose a folder outside it for the mirror.`,
      );
  };
  /** Said before any job: not the data folder, nor a file or somebody else's folder (the mirror's rule, read-only). */
  const checkMirrorFolder = async (root: string): Promise<void> => {
    refuseDataFolder(root);
    await checkMirrorRoot(root);
  };

  /**
   * What the run would say of the folder, said now without writing (the preview shows it before Run now): null
   * when it can be used. Only the folder's own problems; anything else (a disk that cannot be read) is the run's.
   */
  const mirrorFolderProblem = async (root: string): Promise<string | null> => {
    try {
      await checkMirrorFolder(root);
      return null;
    } catch (e) {
      if (e instanceof LifeboatError) return e.message;
      const err = e as NodeJS.ErrnoException;
      // A folder that cannot be listed (no permission, not a folder after all) is one the run cannot use either.
      if (typeof err.code === 'string') return `${root} cannot be used for the mirror: ${err.message}`;
      throw e;
    }
  };

  /** A report's rows as a job keeps them: failed sites first, then the others in name order, up to the bound. */
  const boundedRows = (report: MirrorReport) => {
    const rows = [
      ...report.sites.filter((r) => r.status === 'failed'),
      ...report.sites.filter((r) => r.status !== 'failed'),
    ];
    const kept = rows.slice(0, MIRROR_JOB_ROWS);
    return { report: { ...report, sites: kept }, omitted: rows.length - kept.length };
  };

  const mirrorRunner = async (plan: unknown, ctx: JobContext): Promise<JobOutput> => {
    const profile = journaled('mirror', plan);
    ctx.phase('downloading', 'Listing the sites of every account');
    await checkMirrorFolder(profile.root);
    const { selected, unknown, failedAccounts } = await mirrorSelection(profile, true, true);
    const clients = new Map<string, PantheonClient>();
    const targets = [];
    for (const s of selected) {
      const id = s.site.accountId;
      if (!clients.has(id)) clients.set(id, await accounts.client(id));
      targets.push({ site: s.site, client: clients.get(id)!, account: s.account });
    }
    const total = targets.length;
    let done = 0;
    let started = 0;
    // The bytes to come are learnt site by site: the total is at least those known, and is the whole once every
    // site has started on its one environment (a site's next environment is sized only when reached).
    const final = (): boolean => started >= total && profile.envs.length === 1;
    ctx.growingTotal?.(final());
    ctx.mirror?.({ sitesDone: 0, sitesTotal: total });
    ctx.phase('downloading', `Mirroring ${total} ${total === 1 ? 'site' : 'sites'} into ${profile.root}`);
    const report = await runMirror(targets, {
      root: profile.root,
      envs: profile.envs,
      elements: profile.elements,
      ...(profile.freshWithinHours !== undefined
        ? { freshWithinSeconds: profile.freshWithinHours * 3600 }
        : {}),
      ...(profile.keep !== undefined || profile.keepDays !== undefined
        ? {
            retention: {
              ...(profile.keep !== undefined ? { keep: profile.keep } : {}),
              ...(profile.keepDays !== undefined ? { keepDays: profile.keepDays } : {}),
            },
          }
        : {}),
      concurrency: profile.concurrency,
      unknownSites: unknown,
      ...(options.transfer ? { transfer: options.transfer } : {}),
      ...(options.pollMs ? { pollMs: options.pollMs } : {}),
      signal: ctx.signal,
      onSite: (e) => {
        if (e.type === 'start') {
          started++;
          ctx.part(e.site, e.site, 0, null);
          ctx.growingTotal?.(final());
        } else if (e.type === 'progress') ctx.part(e.site, e.site, e.done, e.total);
        else {
          done++;
          ctx.dropPart?.(e.report.site);
          ctx.mirror?.({ sitesDone: done, sitesTotal: total });
        }
      },
    });
    // Sites not started show as cancelled in the report; the job itself was cancelled.
    if (ctx.signal.aborted) throw new LifeboatError('cancelled', 'Cancelled.');
    // Kept as the CLI keeps its runs', so the screen's last run is whichever ran last, the app or the CLI.
    const file = await saveMirrorReport(options.dataDir, report, 'app').catch(() => null);
    const bounded = boundedRows(report);
    const failed = report.totals.failed;
    const unread = failedAccounts.length;
    const warning = [
      failed > 0 ? `${failed} of ${report.totals.sites} sites failed; the others are mirrored.` : '',
      unread > 0
        ? `${failedAccounts.map((a) => a.email ?? a.accountId).join(', ')} could not list ${unread === 1 ? 'its' : 'their'} sites now: ${unread === 1 ? 'its' : 'their'} sites were taken as last known.`
        : '',
    ]
      .filter(Boolean)
      .join(' ');
    return {
      outputPath: profile.root,
      ...(warning ? { warning } : {}),
      mirror: { sitesDone: done, sitesTotal: total, ...bounded, file },
    };
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

  const schedulerOptions = () => ({
    dataDir: options.dataDir,
    cli: options.scheduler?.cli ?? lifeboatCli(options.dataDir, options.env ?? process.env),
    ...(options.scheduler?.platform ? { platform: options.scheduler.platform } : {}),
    ...(options.scheduler?.home ? { home: options.scheduler.home } : {}),
    ...(options.scheduler?.run ? { run: options.scheduler.run } : {}),
  });
  const startMirror = (profile: MirrorProfile): Promise<Job> =>
    jobs.submit('mirror', mirrorTitle(profile), profile);
  const timer = options.mirrorTimer
    ? new MirrorTimer({
        profile: () => settings.mirrorProfile(),
        lastRun: () => settings.mirrorLastRun(),
        markRun: (at) => settings.setMirrorLastRun(at),
        // A mirror job of any Lifeboat window counts. `lifeboat mirror` is no job: beside it, the mirror's
        // per-environment lock keeps two runs from writing one environment at once.
        busy: async () => (await jobs.list()).some((j) => j.kind === 'mirror' && isActive(j)),
        start: startMirror,
        ...(typeof options.mirrorTimer === 'object' ? { clock: options.mirrorTimer.clock } : {}),
      })
    : null;
  void timer?.arm();
  let mirrorStarts: Promise<unknown> = Promise.resolve();
  /**
   * No OS scheduler entry for the demo's sites: the CLI's `--demo` starts a throwaway sandbox of made-up sites
   * each time, so a timer would fill a folder every night with copies of nothing real (and the app's demo
   * accounts mean nothing to the CLI without it). Refused, saying what to do instead.
   */
  const refuseDemoSchedule = async (profile: MirrorProfile): Promise<void> => {
    // A selection that does not resolve now (an unknown organization) is the scheduled run's to report.
    const { demoSites } = await mirrorSelection(profile, false, true).catch(() => ({ demoSites: 0 }));
    if (demoSites > 0)
      throw new LifeboatError(
        'invalid-request',
        `${demoSites === 1 ? 'One of these sites is' : `${demoSites} of these sites are`} the demo’s: the demo is made up afresh each time, so your system’s scheduler does not mirror it. Add your own account and choose its sites to mirror them while Lifeboat is closed; Run now mirrors the demo.`,
      );
  };
  const mirror: MirrorService = {
    timer,
    async preview(profile) {
      const { selected, failedAccounts, demoSites } = await mirrorSelection(profile, false, false);
      const probe = options.freeSpace ?? statfsFreeSpace;
      return {
        sites: selected
          .slice(0, MIRROR_PREVIEW_SITES)
          .map((s) => ({ name: s.site.name, id: s.site.id, account: s.account })),
        total: selected.length,
        accounts: new Set(selected.map((s) => s.account)).size,
        // The demo's sites, from a terminal, are the CLI's own demo sandbox's.
        command: mirrorCommandLine(profile, {
          demo: demoSites > 0 && demoSites === selected.length,
        }),
        freeBytes: await probe(profile.root).catch(() => null),
        failedAccounts,
        rootProblem: await mirrorFolderProblem(profile.root),
        demoSites,
      };
    },
    async run(profile) {
      // Refused now (nothing selected, an unknown organization, a wrong folder) rather than as a failed job.
      await checkMirrorFolder(profile.root);
      const { selected, unknown } = await mirrorSelection(profile, false, true);
      if (selected.length === 0)
        throw new LifeboatError(
          'not-found',
          unknown.length > 0
            ? unknown.map((u) => u.message).join(' ')
            : 'No site matches this selection, so there is nothing to mirror.',
        );
      // One mirror into a folder at a time (a double click on Run now, the timer's run): the check and the
      // submit are made one call after another, so two calls at once cannot both pass it.
      const start = mirrorStarts.then(async () => {
        const into = resolvePath(profile.root);
        for (const j of await jobs.list()) {
          if (j.kind !== 'mirror' || !isActive(j)) continue;
          const plan = (await jobs.planOf(j.id).catch(() => null)) as { root?: unknown } | null;
          if (typeof plan?.root === 'string' && resolvePath(plan.root) === into)
            throw new LifeboatError(
              'conflict',
              `A mirror into ${profile.root} is already running. Wait for it to finish, or cancel it first.`,
            );
        }
        return startMirror(profile);
      });
      mirrorStarts = start.catch(() => undefined);
      return start;
    },
    profile: () => settings.mirrorProfile(),
    async saveProfile(profile) {
      refuseDataFolder(profile.root);
      const saved = await settings.saveMirrorProfile(profile);
      options.emit?.('mirror.changed', { profile: saved });
      await timer?.arm();
      return saved;
    },
    schedulePreview: async (profile) => {
      refuseDataFolder(profile.root);
      await refuseDemoSchedule(profile);
      return schedulerEntry(profile, schedulerOptions());
    },
    scheduleInstall: async (profile) => {
      refuseDataFolder(profile.root);
      await refuseDemoSchedule(profile);
      return installScheduler(profile, schedulerOptions());
    },
    scheduleRemove: () => removeScheduler(schedulerOptions()),
    async lastReport() {
      const saved = await latestMirrorReport(options.dataDir);
      if (!saved) return null;
      return {
        ...boundedRows(saved.report),
        source: saved.source,
        finishedAt: saved.report.finishedAt,
        file: saved.path,
      };
    },
  };

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
    mirror,
    dispose() {
      timer?.stop();
    },
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
        ...serverOf(req),
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
