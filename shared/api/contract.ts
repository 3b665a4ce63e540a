import type {
  Account,
  ArchiveEntryInfo,
  BackupSchedule,
  BackupSet,
  Environment,
  Job,
  LocalCopy,
  LocalSetupPlan,
  LocalSetupResult,
  MirrorProfile,
  MirrorReport,
  Organization,
  RestorePreview,
  SchedulerEntry,
  Settings,
  Site,
  UncommittedChanges,
  UpdateState,
  Workflow,
} from '../models';
import type { AppError, Result } from '../result';
import type { AppEventName, AppEvents } from './events';
import type { RequestOf } from './schemas';

/** The account list plus which accounts could not be reached (their sites are missing from a site list). */
export interface SiteList {
  readonly sites: readonly Site[];
  readonly organizations: readonly Organization[];
  readonly failedAccounts: readonly { readonly accountId: string; readonly message: string }[];
  readonly fetchedAt: string;
}

/** The outcome of importing Terminus's saved tokens. */
export interface TerminusImport {
  readonly imported: readonly Account[];
  readonly skipped: readonly { readonly file: string; readonly reason: string }[];
}

/** What a database connection test found: the server answered, as this version. */
export interface DatabaseTest {
  /** `VERSION()`, e.g. `11.4.3-MariaDB` or `8.4.2`. */
  readonly version: string;
  /** Where it connected, for a person: `root@/run/mysqld/mysqld.sock`, `root@127.0.0.1:3306`. */
  readonly server: string;
}

/** One tool as the engine finds it: where and which version, or the error that says what to do. */
export interface ToolStatus {
  readonly found: {
    readonly path: string;
    /** The first line of its `--version`. */
    readonly version: string;
    /** Set by hand (Settings → Tools, or the CLI option), on PATH, or in one of the system's usual places. */
    readonly via: 'setting' | 'path' | 'usual-place';
  } | null;
  /** Why it cannot be used (a `missing-tool` error: what, where Lifeboat looked, how to install it). */
  readonly error: AppError | null;
}

/** git and the MySQL/MariaDB client, as Settings → Tools shows them. */
export interface ToolsFound {
  readonly git: ToolStatus;
  readonly mysqlClient: ToolStatus;
}

/** Facts about the running engine. */
export interface SystemInfo {
  readonly version: string;
  readonly platform: string;
  readonly keychainAvailable: boolean;
  readonly dataDir: string;
  /** What this shell can do natively: pick folders, reveal files, notify. The browser host cannot. */
  readonly native: boolean;
  /** The demo sandbox is running in this process. */
  readonly demoRunning: boolean;
}

/** Which sites a mirror profile takes, before it runs: the same selection the run makes, and where it writes. */
export interface MirrorPreview {
  /** The first sites (by name) of the selection, each with the account (email) it is mirrored through. */
  readonly sites: readonly { readonly name: string; readonly id: string; readonly account: string }[];
  /** How many sites the selection takes in all. */
  readonly total: number;
  /** How many accounts those sites are mirrored through. */
  readonly accounts: number;
  /** The equivalent command line: `lifeboat mirror --to /srv/mirror acme --env live ...`. */
  readonly command: string;
  /** Free bytes on the disk the mirror's folder is on (or would be); null when that cannot be told. */
  readonly freeBytes: number | null;
  /** Accounts whose site list could not be read now: their sites are as last known. */
  readonly failedAccounts: readonly { readonly accountId: string; readonly message: string }[];
  /**
   * Why the run would refuse the folder (a file, somebody else's non-empty folder, Lifeboat's data folder...), by
   * the very check the run makes, without writing anything; null when the run can use it.
   */
  readonly rootProblem: string | null;
  /**
   * How many of the selected sites are the built-in demo's: when all are, `command` has `--demo` (the CLI's own
   * demo sandbox); the OS scheduler's entry is refused for any of them.
   */
  readonly demoSites: number;
}

/**
 * The newest mirror report kept in the data folder, whoever ran it: a job of the app, or `lifeboat mirror` (by hand
 * or by the OS scheduler). Its rows are bounded as a job's are (failed first), `omitted` saying how many more the
 * whole report in `file` has (its totals count them all).
 */
export interface MirrorLastReport {
  readonly report: MirrorReport;
  readonly source: 'app' | 'cli';
  readonly finishedAt: string;
  readonly omitted: number;
  readonly file: string;
}

/** A command the OS scheduler entry's install or removal ran, and how it ended. */
export interface SchedulerCommandRun {
  readonly argv: readonly string[];
  readonly ok: boolean;
  /** What it printed (its error output first), or why it could not start. */
  readonly output: string;
}

/**
 * What installing the OS scheduler entry did: the files were written (`entry.files`, exactly as previewed), then
 * the commands ran in order until one failed. `entry.installed` is true only when every one of them succeeded.
 */
export interface SchedulerInstall {
  readonly entry: SchedulerEntry;
  readonly ran: readonly SchedulerCommandRun[];
}

/** What removing the OS scheduler entry did: the files deleted and the commands run. */
export interface SchedulerRemoval {
  readonly removed: readonly string[];
  readonly ran: readonly SchedulerCommandRun[];
}

/**
 * The one contract between the UI and the engine, nested by domain. Every method takes at most one request
 * object and resolves to a Result; electron/api implements it, the preload and the browser host carry it.
 */
export interface AppApi {
  readonly accounts: {
    list(): Promise<Result<readonly Account[]>>;
    add(req: RequestOf<'accountsAdd'>): Promise<Result<Account>>;
    remove(req: RequestOf<'accountsRemove'>): Promise<Result<null>>;
    /** Renames an account and/or gives it another colour of the palette; answers the account as saved. */
    update(req: RequestOf<'accountsUpdate'>): Promise<Result<Account>>;
    importTerminus(): Promise<Result<TerminusImport>>;
    /** Starts the built-in demo sandbox and adds its accounts (their tokens never reach the keychain). */
    startDemo(): Promise<Result<readonly Account[]>>;
  };
  readonly sites: {
    list(req?: RequestOf<'sitesList'>): Promise<Result<SiteList>>;
    environments(req: RequestOf<'sitesEnvironments'>): Promise<Result<readonly Environment[]>>;
    /**
     * Which account a site several accounts see is used with, remembered for that site: `sites.list` then names it
     * as the site's `accountId`. Refused for an account that does not see the site. Answers the site as listed.
     */
    chooseAccount(req: RequestOf<'sitesChooseAccount'>): Promise<Result<Site>>;
  };
  readonly backups: {
    list(req: RequestOf<'backupsList'>): Promise<Result<readonly BackupSet[]>>;
    /** Starts a backup as a job that follows Pantheon's workflow to the end. */
    create(req: RequestOf<'backupsCreate'>): Promise<Result<Job>>;
    workflow(req: RequestOf<'workflowsGet'>): Promise<Result<Workflow>>;
    schedule(req: RequestOf<'backupsSchedule'>): Promise<Result<BackupSchedule>>;
    setSchedule(req: RequestOf<'backupsSetSchedule'>): Promise<Result<BackupSchedule>>;
    /**
     * Restores the environment ON PANTHEON from one of its backup sets (the Dashboard's Restore, Terminus's
     * `backup:restore`), replacing its code, files or database there; not a local restore. Runs as a
     * `pantheon-restore` job, one workflow per element (code, files, database). Refused unless
     * `confirmSiteName` is exactly the site's name (a typed confirmation), for a frozen site, and when any chosen
     * archive is missing or still being written: every archive is checked before the job is queued.
     */
    restoreOnPantheon(req: RequestOf<'backupsRestoreOnPantheon'>): Promise<Result<Job>>;
  };
  readonly environments: {
    /**
     * Files changed and not committed on an SFTP-mode environment, which no backup contains: ask before
     * `backups.create` and warn with the count. null means nothing to warn about or not known (git mode, or
     * Pantheon's diffstat could not be read); `{ files: 0 }` means clean.
     */
    uncommitted(req: RequestOf<'environmentsUncommitted'>): Promise<Result<UncommittedChanges | null>>;
  };
  readonly restores: {
    /** What a restore would write where, and its conflicts, without writing anything. */
    preview(req: RequestOf<'restore'>): Promise<Result<RestorePreview>>;
    start(req: RequestOf<'restore'>): Promise<Result<Job>>;
    /** One archive saved as it is (optionally with chosen folders unpacked beside it). */
    download(req: RequestOf<'download'>): Promise<Result<Job>>;
    /** The folders and files of a code or files archive, read without saving it. */
    tree(req: RequestOf<'archiveTree'>): Promise<Result<readonly ArchiveEntryInfo[]>>;
  };
  readonly copies: {
    /**
     * Every local copy this computer has, newest first, each with its state on disk now. With `checkNewer`, asks
     * Pantheon (at most every few minutes per environment) whether each copy's environment has a newer backup.
     */
    list(req?: RequestOf<'copiesList'>): Promise<Result<readonly LocalCopy[]>>;
    /**
     * Moves a copy's folder to the system's trash and forgets the copy. Refused when the folder is not that copy any
     * more (replaced), or is missing (forget it instead). The database it was imported into is left alone.
     */
    remove(req: RequestOf<'copyRef'>): Promise<Result<null>>;
    /** Forgets a copy without touching the disk (e.g. one that is missing). */
    forget(req: RequestOf<'copyRef'>): Promise<Result<null>>;
    /** What updating a copy from a newer backup would do: the update's own restore plan, conflicts and all. */
    previewUpdate(req: RequestOf<'copyUpdate'>): Promise<Result<RestorePreview>>;
    /**
     * Updates a copy from a newer backup, as a restore job of the same folder: a new branch at the new deploy tag
     * (checked out), the files refreshed with what they replace kept aside, the database into a new one or
     * replaced atomically. Every conflict is found before the first byte; a failure changes nothing in the copy.
     */
    update(req: RequestOf<'copyUpdate'>): Promise<Result<Job>>;
    /** Opens the copy's folder in an editor or a terminal (the configured command, or one found here). */
    open(req: RequestOf<'copyOpen'>): Promise<Result<null>>;
    /** What "Set up to run locally" would write and rewrite, without doing it. */
    previewSetup(req: RequestOf<'copySetup'>): Promise<Result<LocalSetupPlan>>;
    /** Writes the local settings (and DDEV/Lando configs) and rewrites WordPress URLs in the copy's database. */
    setup(req: RequestOf<'copySetup'>): Promise<Result<LocalSetupResult>>;
  };
  readonly mirror: {
    /** Which sites the profile takes (the run's own selection), the command line it amounts to, the free space. */
    preview(req: MirrorProfile): Promise<Result<MirrorPreview>>;
    /**
     * Mirrors the profile's sites now, as a `mirror` job: one progress part per site being mirrored, and when it
     * ends the report on the job (`job.mirror`). A failing site never stops the others.
     */
    run(req: MirrorProfile): Promise<Result<Job>>;
    /** The saved profile (what the timer while the app runs uses), or null before one was saved. */
    profile(): Promise<Result<MirrorProfile | null>>;
    /** Saves the profile; with `everyHours`, the app runs it that often while it runs (from the last run). */
    saveProfile(req: MirrorProfile): Promise<Result<MirrorProfile>>;
    /** The OS scheduler's entry for the profile, every file whole and every command, before anything is installed. */
    schedulePreview(req: MirrorProfile): Promise<Result<SchedulerEntry>>;
    /** Writes exactly the previewed files and runs the commands; a command that fails is reported, not thrown. */
    scheduleInstall(req: MirrorProfile): Promise<Result<SchedulerInstall>>;
    /** Stops the OS scheduler's entry and deletes the files Lifeboat wrote for it. */
    scheduleRemove(): Promise<Result<SchedulerRemoval>>;
    /** The newest kept report of any mirror run (the app's or the CLI's), or null when none was kept. */
    lastReport(): Promise<Result<MirrorLastReport | null>>;
  };
  readonly jobs: {
    list(): Promise<Result<readonly Job[]>>;
    cancel(req: RequestOf<'jobRef'>): Promise<Result<Job>>;
    retry(req: RequestOf<'jobRef'>): Promise<Result<Job>>;
    /**
     * Takes finished jobs off the list, of every Lifeboat process: the one named, or with no `jobId` every
     * finished one. A queued or running job is never cleared (one named is refused). Answers the ids cleared.
     */
    clear(req?: RequestOf<'jobsClear'>): Promise<Result<readonly string[]>>;
  };
  readonly settings: {
    get(): Promise<Result<Settings>>;
    update(req: RequestOf<'settingsUpdate'>): Promise<Result<Settings>>;
    setDatabasePassword(req: RequestOf<'databasePassword'>): Promise<Result<Settings>>;
    /**
     * Connects to a database server with the values given (not yet saved) and, unless one is given, the
     * keychain's password; answers what the server says it is, or an error that says what to fix.
     */
    testDatabase(req: RequestOf<'databaseTest'>): Promise<Result<DatabaseTest>>;
  };
  readonly tools: {
    /**
     * Where git and the database client are (the paths in Settings → Tools, else PATH and the usual places), each
     * run once to read its version; `again` forgets what was found before (after installing one).
     */
    find(req?: RequestOf<'toolsFind'>): Promise<Result<ToolsFound>>;
  };
  readonly app: {
    /** Where the desktop app's own update stands; `unavailable` (with the reason) outside a packaged desktop app. */
    updateState(): Promise<Result<UpdateState>>;
    /** Looks for an update now (one found downloads in the background); answers what the check found. */
    checkForUpdates(): Promise<Result<UpdateState>>;
    /**
     * Quits and installs the downloaded update. Refused (`conflict`, saying which) while jobs run, since quitting
     * would stop them; `when: 'when-idle'` restarts as soon as none runs instead, `cancel` takes that back.
     */
    restartToUpdate(req?: RequestOf<'restartToUpdate'>): Promise<Result<UpdateState>>;
  };
  readonly system: {
    info(): Promise<Result<SystemInfo>>;
    /** Reveals a file or folder in the file manager (desktop only). */
    showInFolder(req: RequestOf<'path'>): Promise<Result<null>>;
    /** A native folder picker (desktop only); null when cancelled. */
    pickFolder(): Promise<Result<string | null>>;
  };
}

/** Every contract method, as `domain.method` strings: the channel names over IPC and WebSocket. */
export const API_METHODS = [
  'accounts.list',
  'accounts.add',
  'accounts.remove',
  'accounts.update',
  'accounts.importTerminus',
  'accounts.startDemo',
  'sites.list',
  'sites.environments',
  'sites.chooseAccount',
  'backups.list',
  'backups.create',
  'backups.workflow',
  'backups.schedule',
  'backups.setSchedule',
  'backups.restoreOnPantheon',
  'environments.uncommitted',
  'restores.preview',
  'restores.start',
  'restores.download',
  'restores.tree',
  'copies.list',
  'copies.remove',
  'copies.forget',
  'copies.previewUpdate',
  'copies.update',
  'copies.open',
  'copies.previewSetup',
  'copies.setup',
  'mirror.preview',
  'mirror.run',
  'mirror.profile',
  'mirror.saveProfile',
  'mirror.schedulePreview',
  'mirror.scheduleInstall',
  'mirror.scheduleRemove',
  'mirror.lastReport',
  'jobs.list',
  'jobs.cancel',
  'jobs.retry',
  'jobs.clear',
  'settings.get',
  'settings.update',
  'settings.setDatabasePassword',
  'settings.testDatabase',
  'tools.find',
  'app.updateState',
  'app.checkForUpdates',
  'app.restartToUpdate',
  'system.info',
  'system.showInFolder',
  'system.pickFolder',
] as const satisfies readonly {
  [D in keyof AppApi]: `${D & string}.${keyof AppApi[D] & string}`;
}[keyof AppApi][];

/** A `domain.method` channel name. */
export type ApiMethod = (typeof API_METHODS)[number];

type AllMethods = { [D in keyof AppApi]: `${D & string}.${keyof AppApi[D] & string}` }[keyof AppApi];
/** Fails to compile when a contract method is missing from API_METHODS. */
export const API_METHODS_COMPLETE: Exclude<AllMethods, ApiMethod> extends never ? true : never = true;

/** The function behind a `domain.method` name, bound to its domain: how IPC and WebSocket servers dispatch. */
export function apiFunction(api: AppApi, method: ApiMethod): (req?: unknown) => Promise<Result<unknown>> {
  const [domain, name] = method.split('.') as [keyof AppApi, string];
  const target = api[domain] as unknown as Record<string, (req?: unknown) => Promise<Result<unknown>>>;
  return target[name]!.bind(target);
}

/**
 * Builds an AppApi whose every method sends `(method, request)` through one transport (IPC in the preload,
 * a WebSocket in the browser). The transport answers with the Result the main side produced.
 */
export function apiOverTransport(send: (method: ApiMethod, req: unknown) => Promise<unknown>): AppApi {
  const api: Record<string, Record<string, (req?: unknown) => Promise<unknown>>> = {};
  for (const method of API_METHODS) {
    const [domain, name] = method.split('.') as [string, string];
    (api[domain] ??= {})[name] = (req?: unknown) => send(method, req);
  }
  return api as unknown as AppApi;
}

/** What the preload exposes as `window.lifeboat`: the contract plus event subscriptions. */
export interface LifeboatBridge extends AppApi {
  /** Subscribes to a main-side event; returns the unsubscribe function. */
  on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void): () => void;
}

/** The IPC channel of a contract method. */
export const channelOf = (method: ApiMethod): string => `lifeboat:${method}`;

/** The IPC channel of an event. */
export const eventChannelOf = (name: AppEventName): string => `lifeboat-event:${name}`;
