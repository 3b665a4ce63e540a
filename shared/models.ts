import type { AppError, ErrorCode } from './result';

/** The three archives of a Pantheon backup, in the order Lifeboat shows and restores them. */
export const ELEMENTS = ['code', 'database', 'files'] as const;

/** One archive kind of a backup set. */
export type Element = (typeof ELEMENTS)[number];

/**
 * The colours an account can be given: a small palette whose chips (styles.css, `--account-<colour>-*`) keep text
 * readable in both themes (test/unit/renderer/account-colours.test.ts checks the contrast). Never colour alone:
 * the account's name is always shown beside it.
 */
export const ACCOUNT_COLOURS = [
  'blue',
  'green',
  'purple',
  'orange',
  'teal',
  'pink',
  'brown',
  'slate',
] as const;

/** One colour of the account palette. */
export type AccountColour = (typeof ACCOUNT_COLOURS)[number];

/** A Pantheon account: one machine token, named by its user's email. The token itself never appears here. */
export interface Account {
  readonly id: string;
  readonly email: string;
  readonly fullName: string;
  /** The name the person gave it; until then its user's full name, else the email. */
  readonly label: string;
  /** Its colour, to tell accounts apart at a glance (the first one no other account had, unless chosen). */
  readonly colour: AccountColour;
  /** Where this account's API lives; absent for Pantheon itself. */
  readonly apiUrl?: string;
  /** True for the built-in demo sandbox account. */
  readonly demo?: boolean;
  readonly addedAt: string;
}

/** An organization the user belongs to. */
export interface Organization {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly role: string;
}

/** The CMS a site runs. Pantheon also knows others (e.g. `drupal8`), kept as given. */
export type Framework = 'wordpress' | 'drupal' | 'drupal8' | string;

/** A site as listed across memberships, merged by id. */
export interface Site {
  readonly id: string;
  readonly name: string;
  readonly label: string;
  readonly framework: Framework;
  readonly planName: string;
  readonly owner: string;
  readonly region: string;
  readonly frozen: boolean;
  readonly created: number;
  readonly upstreamLabel: string;
  /** Organizations the site is seen through (labels). */
  readonly organizations: readonly string[];
  readonly tags: readonly string[];
  /**
   * The account (user id) that can see this site. In `sites.list`, the one used for a site several accounts see:
   * the one the person last chose for it (`sites.chooseAccount`), else the first in account order.
   */
  readonly accountId: string;
  /** In `sites.list`: every account that sees the site, in account order (one site, listed once). */
  readonly accountIds?: readonly string[];
}

/** An environment of a site: dev, test, live or a multidev. */
export interface Environment {
  readonly id: string;
  readonly siteId: string;
  readonly multidev: boolean;
  /**
   * Whether the environment has been created on Pantheon (test and live start uninitialized). null = unknown:
   * Pantheon did not say and the optional settings request that would tell failed.
   */
  readonly initialized: boolean | null;
  /** The deploy tag for test/live (`pantheon_live_13`), else null. */
  readonly deployTag: string | null;
  /** The git ref the environment runs, e.g. `refs/heads/master` or `refs/tags/pantheon_live_13`. */
  readonly targetRef: string | null;
  readonly targetCommit: string | null;
  readonly domain: string;
  readonly connectionMode: 'sftp' | 'git';
  readonly phpVersion: string | null;
  readonly locked: boolean;
  readonly createdAt: number | null;
}

/** One archive of a backup set. */
export interface BackupArchive {
  /** The catalog key, e.g. `1471562180_backup_code`. */
  readonly id: string;
  readonly element: Element;
  readonly filename: string;
  readonly folder: string;
  readonly size: number;
  readonly finished: boolean;
  /** Seconds since epoch; finish_time, else timestamp, else null (pending). */
  readonly date: number | null;
  readonly ttl: number;
  /** Seconds since epoch when Pantheon deletes it; null while pending. */
  readonly expiresAt: number | null;
}

/** How a backup came to be. */
export type BackupInitiator = 'manual' | 'automated';

/** The archives sharing one catalog folder: one backup of one environment. */
export interface BackupSet {
  readonly folder: string;
  /** The folder's epoch: when the backup was scheduled. */
  readonly scheduledFor: number;
  readonly initiator: BackupInitiator;
  readonly archives: Readonly<Partial<Record<Element, BackupArchive>>>;
  /** True when every archive present is finished. */
  readonly finished: boolean;
  readonly totalSize: number;
}

/** A Pantheon workflow (backup creation, schedule change…), as far as Lifeboat follows it. */
export interface Workflow {
  readonly id: string;
  readonly type: string;
  readonly siteId: string;
  readonly environment: string | null;
  readonly description: string;
  readonly activeDescription: string;
  readonly phase: string;
  /** null while running; `succeeded`, `failed` or `aborted` when finished. */
  readonly result: string | null;
  readonly step: number;
  readonly numberOfTasks: number;
  readonly createdAt: number | null;
  readonly finishedAt: number | null;
  /** The failure message by Terminus's rules, when failed. */
  readonly failureMessage: string | null;
}

/** One day's automatic backup, or null when none. */
export interface ScheduleDay {
  readonly hour: number | null;
  readonly ttl: number;
}

/** The automatic backup schedule of an environment. */
export interface BackupSchedule {
  readonly enabled: boolean;
  /** 0 = Sunday … 6 = Saturday, the day with the longest retention. */
  readonly weeklyDay: number | null;
  readonly dailyHourUtc: number | null;
  /** Retention of the weekly backup, in days. */
  readonly weeklyRetentionDays: number | null;
  readonly days: readonly (ScheduleDay | null)[];
}

/**
 * Files changed on an SFTP-mode environment and not committed (Pantheon's diffstat): such changes are in no
 * backup. `paths` is sorted.
 */
export interface UncommittedChanges {
  readonly files: number;
  readonly paths: readonly string[];
}

/** The phase of a long job, in words a person understands. */
export type JobPhase =
  | 'queued'
  | 'creating-backup'
  | 'downloading'
  | 'verifying'
  | 'extracting'
  | 'checking-out'
  | 'importing'
  | 'finishing';

/** Where a job stands. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Progress of one part of a job (an archive, a workflow). */
export interface ProgressPart {
  readonly label: string;
  readonly bytesDone: number;
  readonly bytesTotal: number | null;
}

/** A snapshot of a job's progress: bytes, speed and ETA for the phase it is in. */
export interface JobProgress {
  readonly phase: JobPhase;
  readonly bytesDone: number;
  readonly bytesTotal: number | null;
  readonly bytesPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly parts: readonly ProgressPart[];
  readonly message?: string;
}

/**
 * One line of a job's log: a phase it entered (with what it said then), or a state it reached (queued, running,
 * and how it ended, with the error's message). Times are ISO-8601.
 */
export interface JobLogEntry {
  readonly at: string;
  readonly phase: JobPhase;
  readonly message?: string;
  /** Set on the lines that record a change of state rather than of phase. */
  readonly state?: JobState;
}

/** A long-running piece of work: backup creation, download, restore. */
export interface Job {
  readonly id: string;
  /** `pantheon-restore` restores an environment on Pantheon from one of its backups (not a local restore). */
  readonly kind: 'create-backup' | 'download' | 'restore' | 'pantheon-restore' | 'mirror';
  readonly title: string;
  readonly state: JobState;
  readonly progress: JobProgress;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  readonly error?: AppError;
  /** A folder to show in the file manager when done. */
  readonly outputPath?: string;
  /** Something a person should know about a job that succeeded (a follow-up read failed). */
  readonly warning?: string;
  /**
   * What the job went through, oldest first, bounded (the newest lines are kept); absent for jobs recorded
   * before there were logs.
   */
  readonly log?: readonly JobLogEntry[];
  /**
   * A mirror job's sites: how many are finished of those selected (while it runs, and after); once it has ended,
   * its report, the sites' rows kept up to a bound (failed first) with `omitted` saying how many more there were
   * (the totals count them all), and the file that holds the whole report.
   */
  readonly mirror?: {
    readonly sitesDone: number;
    readonly sitesTotal: number;
    readonly report?: MirrorReport;
    readonly omitted?: number;
    readonly file?: string | null;
  };
}

/** The UI theme. */
export type Theme = 'system' | 'light' | 'dark';

/** A local MySQL/MariaDB server for imports; the password lives in the keychain. */
export interface DatabaseSettings {
  readonly host: string;
  readonly port: number;
  /** A Unix socket path; used instead of host and port when set. */
  readonly socket: string | null;
  /**
   * Windows only: a named pipe (`\\.\pipe\MySQL`, or `MySQL`), used instead of the socket, host and port when set.
   * null in settings saved before it existed.
   */
  readonly pipe: string | null;
  readonly user: string;
  readonly hasPassword: boolean;
}

/** What a person can set. */
export interface Settings {
  readonly defaultRestoreDir: string;
  readonly parallelDownloads: number;
  readonly database: DatabaseSettings | null;
  readonly theme: Theme;
  /** Site ids pinned to the top of the list. */
  readonly favourites: readonly string[];
  /**
   * How "Open in editor" opens a copy's folder: a command line, the folder appended (or put where `{path}` is);
   * null: the first known editor found on this computer.
   */
  readonly editorCommand: string | null;
  /** How "Open terminal" opens a terminal in a copy's folder, likewise; null: the system's terminal. */
  readonly terminalCommand: string | null;
  /** Where git and the database client are, when set by hand (Settings → Tools). */
  readonly tools: ToolPaths;
}

/** Paths of the programs Lifeboat runs, set by hand; null: Lifeboat looks on PATH and in the usual places. */
export interface ToolPaths {
  readonly git: string | null;
  /** The `mariadb` or `mysql` command-line client. */
  readonly mysqlClient: string | null;
}

/** One entry of an archive's tree. */
export interface ArchiveEntryInfo {
  readonly path: string;
  readonly type: 'file' | 'directory' | 'link' | 'other';
  readonly size: number;
}

/** Something a restore would run into, shown before it starts. */
export interface RestoreConflict {
  readonly kind: 'folder' | 'branch' | 'database' | 'disk' | 'backup' | 'clone' | 'busy' | 'tool' | 'files';
  /** The error the run stops with if it meets this (the CLI's exit code follows from it). */
  readonly code: ErrorCode;
  readonly message: string;
}

/** One thing a restore writes: a folder or file (absolute path), a branch, a database. */
export interface PlannedWrite {
  readonly kind: 'folder' | 'file' | 'branch' | 'database' | 'staging';
  /** An absolute path, a branch name or a database name. */
  readonly target: string;
  /** For a branch, the repository it is created in. */
  readonly repository?: string;
  /** What it is, for a person: "the live code on branch lifeboat/live-2026-11-30". */
  readonly description: string;
  /**
   * Where the run puts it instead when the code it restores says so (a Drupal site with a `web/` docroot keeps
   * its files in web/sites/default/files); `target` is the first choice.
   */
  readonly alternatives?: readonly string[];
}

/** What a restore will write where, and what stands in its way: the run's own plan, computed by the same code. */
export interface RestorePreview {
  readonly path: string;
  readonly backupFolder: string | null;
  readonly elements: readonly Element[];
  readonly branch: string | null;
  readonly databaseName: string | null;
  /** True when this refreshes an earlier restore in place rather than making a new folder. */
  readonly update: boolean;
  readonly downloadBytes: number;
  readonly freeBytes: number;
  readonly writes: readonly PlannedWrite[];
  readonly conflicts: readonly RestoreConflict[];
}

/** Where a local copy stands on disk. */
export type LocalCopyState = 'present' | 'missing' | 'replaced';

/**
 * A restore Lifeboat made on this computer, as its registry (the data folder's `copies/`) and the copy's own
 * `lifeboat.json` say. A copy whose folder was moved or removed stays listed, as missing, until it is forgotten.
 */
export interface LocalCopy {
  readonly id: string;
  /** The copy's folder (the restored site's folder). */
  readonly path: string;
  /**
   * present: the folder is there with this restore's `lifeboat.json`; missing: the folder is gone; replaced: the
   * folder holds something else now (no `lifeboat.json`, or another site's or environment's).
   */
  readonly state: LocalCopyState;
  readonly site: { readonly id: string; readonly name: string; readonly framework: string };
  readonly env: string;
  /** The account the restore used; null when it is not known. */
  readonly accountId: string | null;
  /** The backup set it came from (its folder id and when Pantheon made it). */
  readonly backup: { readonly folder: string; readonly scheduledFor: string };
  readonly elements: readonly Element[];
  /** The deploy tag the code was checked out at (`pantheon_live_12`), when there is one. */
  readonly deployTag: string | null;
  /** The branch the restore created. */
  readonly branch: string | null;
  /** The local database the dump was imported into. */
  readonly database: string | null;
  /** Bytes on disk when last measured (after the restore). */
  readonly sizeBytes: number | null;
  /** When the restore (or its last update) finished. */
  readonly restoredAt: string;
  /**
   * What the last update did to the files: how many it left as they were, added, replaced and removed, and where
   * the replaced and removed ones were kept (an absolute folder); null for a copy never updated.
   */
  readonly lastUpdate: {
    readonly unchanged: number;
    readonly added: number;
    readonly replaced: number;
    readonly removed: number;
    readonly keptAside: { readonly path: string; readonly count: number } | null;
  } | null;
  /**
   * The environment's newest finished backup when it is newer than the copy's; null when there is none newer or it
   * was not checked (see `copies.list`'s `checkNewer`).
   */
  readonly newerBackup: { readonly folder: string; readonly scheduledFor: string } | null;
}

/** What "Set up to run locally" does to a copy (issue 10 §2): the same plan for its preview and its run. */
export interface LocalSetupPlan {
  readonly copyId: string;
  readonly path: string;
  /** drupal (7), drupal8 (8 and later), wordpress, or what Pantheon calls the framework otherwise. */
  readonly framework: string;
  /** The local database the copy's dump was imported into; null when it has none (nothing to rewrite). */
  readonly database: string | null;
  /** WordPress: the environment's URLs found in the database, each rewritten to `localUrl`. */
  readonly rewrite: { readonly from: readonly string[]; readonly to: string } | null;
  /** Every file written (settings, DDEV, Lando) and the database rewritten, as a restore lists its writes. */
  readonly writes: readonly PlannedWrite[];
  /** Why the setup must not run as asked (a file of the user's in the way, no database, ...). */
  readonly conflicts: readonly RestoreConflict[];
  /** What the person should know: "settings.php does not include settings.local.php: add ...". */
  readonly notes: readonly string[];
}

/** What a setup did. */
export interface LocalSetupResult {
  readonly plan: LocalSetupPlan;
  /** Values changed by the URL rewrite, per table (serialized values re-encoded with their lengths). */
  readonly rewritten: readonly { readonly table: string; readonly rows: number }[];
  /** The command that starts the site, when one was written for (`ddev start && ddev import-db ...`). */
  readonly next: readonly string[];
}

/**
 * How one environment of one site came out of a mirror run: a new set downloaded (or completed), already there
 * (nothing newer), skipped (frozen site, no such environment: said in `note`), or failed (`error`).
 */
export type MirrorStatus = 'downloaded' | 'up-to-date' | 'skipped' | 'failed';

/** One environment of one site in a mirror run. */
export interface MirrorEnvReport {
  readonly env: string;
  readonly status: MirrorStatus;
  /** The newest complete set's folder in the mirror after the run (absolute); null when there is none. */
  readonly path: string | null;
  /** Pantheon's folder id of that set. */
  readonly backupFolder: string | null;
  /** Archive bytes downloaded by this run (a resumed archive counts only what this run fetched). */
  readonly bytes: number;
  readonly resumedBytes: number;
  /** A backup was created first because the newest was older than `--fresh-within`. */
  readonly createdBackup: boolean;
  /** Set folders removed by retention (absolute paths). */
  readonly pruned: readonly string[];
  readonly note?: string;
  readonly error?: AppError;
}

/** One site in a mirror run: the worst of its environments' statuses, its bytes and time. */
export interface MirrorSiteReport {
  readonly site: string;
  readonly siteId: string;
  /** The account (email) it was mirrored through. */
  readonly account: string;
  readonly status: MirrorStatus;
  readonly bytes: number;
  readonly durationMs: number;
  readonly envs: readonly MirrorEnvReport[];
  /** The first failure (the site's own, or its first failed environment's). */
  readonly error?: AppError;
}

/** An account a mirror run could not read the sites of: its email (or how it is named) and why. */
export interface MirrorFailedAccount {
  readonly account: string;
  readonly error: AppError;
}

/** The report of a mirror run: every selected site, in site-name order. */
export interface MirrorReport {
  readonly root: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** 1-based shard of `count`, when the run was one shard of several. */
  readonly shard: { readonly index: number; readonly count: number } | null;
  readonly sites: readonly MirrorSiteReport[];
  /**
   * Accounts whose sites could not be read this run (a refused or missing token): the sites only they see are
   * not in `sites`, so the run failed. Set by the CLI, which reads each account itself; absent from the app's
   * job, which takes an unreadable account's sites as last listed (its job's warning names the account).
   */
  readonly failedAccounts?: readonly MirrorFailedAccount[];
  readonly totals: {
    readonly sites: number;
    readonly downloaded: number;
    readonly upToDate: number;
    readonly skipped: number;
    readonly failed: number;
    readonly bytes: number;
  };
}

/**
 * Which sites a mirror takes: those matching every criterion given (query and hand-picked names: any of them).
 * `all` must be set when nothing else narrows, so an empty form never means "every site" by accident.
 */
export interface MirrorSelection {
  /** Texts searched as the site list searches (name, label, organizations, tags). */
  readonly queries: readonly string[];
  /** Site names or ids picked by hand. */
  readonly sites: readonly string[];
  readonly org?: string;
  readonly tag?: string;
  /** An account's email: only the sites it sees, mirrored through it. */
  readonly account?: string;
  readonly all?: boolean;
}

/** A mirror as a person set it up in the app (and as the scheduled CLI command runs it). */
export interface MirrorProfile {
  readonly selection: MirrorSelection;
  readonly root: string;
  readonly envs: readonly string[];
  readonly elements: readonly Element[];
  /** Keep this many complete sets per environment (the newest), and/or those younger than keepDays. */
  readonly keep?: number;
  readonly keepDays?: number;
  /** Create a backup first where the newest finished one is older than this. */
  readonly freshWithinHours?: number;
  readonly concurrency: number;
  /** Run every N hours while the app runs; null: only when asked (or by the OS scheduler's entry). */
  readonly everyHours: number | null;
}

/** What `mirror verify` found in one set folder. */
export interface MirrorVerifySet {
  readonly path: string;
  readonly site: string | null;
  readonly env: string | null;
  readonly backupFolder: string | null;
  /** ok: every archive matches its manifest and inflates whole; damaged: one does not; incomplete: no manifest. */
  readonly status: 'ok' | 'damaged' | 'incomplete';
  readonly archives: readonly {
    readonly filename: string;
    readonly status: 'ok' | 'missing' | 'size' | 'sha256' | 'gzip';
    readonly message?: string;
  }[];
  readonly message?: string;
}

/** A verification of a whole mirror. */
export interface MirrorVerifyReport {
  readonly root: string;
  readonly sets: readonly MirrorVerifySet[];
  readonly totals: { readonly ok: number; readonly damaged: number; readonly incomplete: number };
}

/** An entry for the operating system's own scheduler that runs the mirror when the app does not. */
export interface SchedulerEntry {
  readonly kind: 'systemd' | 'launchd' | 'schtasks';
  /** Files written, each whole, so a person sees exactly what is installed. */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** Commands run after writing them (argv, no shell), shown as they will run. */
  readonly commands: readonly (readonly string[])[];
  /** The CLI command line the entry runs. */
  readonly commandLine: string;
  readonly installed: boolean;
}

/** Where the desktop app's own update stands (electron-updater against the GitHub releases). */
export type UpdateStatus =
  'unavailable' | 'idle' | 'checking' | 'available' | 'downloading' | 'ready' | 'error' | 'up-to-date';

/** The desktop app's update as the renderer shows it: the notice when one is ready, the Settings row always. */
export interface UpdateState {
  readonly status: UpdateStatus;
  /** The version running now. */
  readonly current: string;
  /** The newer version found (available, downloading, ready). */
  readonly version?: string;
  /** How much of it is downloaded, 0 to 100 (downloading). */
  readonly percent?: number;
  /** In words for a person: why updates are off, what the last check found, what went wrong. */
  readonly reason?: string;
  /** A restart was asked for while jobs ran: Lifeboat restarts to update once none is running. */
  readonly restartPending?: boolean;
}
