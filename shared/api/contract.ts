import type {
  Account,
  BackupSchedule,
  BackupSet,
  Environment,
  Organization,
  Site,
  Workflow,
} from '../models';
import type { Result } from '../result';
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

/** Facts about the running engine. */
export interface SystemInfo {
  readonly version: string;
  readonly platform: string;
  readonly keychainAvailable: boolean;
  readonly dataDir: string;
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
    importTerminus(): Promise<Result<TerminusImport>>;
  };
  readonly sites: {
    list(req?: RequestOf<'sitesList'>): Promise<Result<SiteList>>;
    environments(req: RequestOf<'sitesEnvironments'>): Promise<Result<readonly Environment[]>>;
  };
  readonly backups: {
    list(req: RequestOf<'backupsList'>): Promise<Result<readonly BackupSet[]>>;
    /** Starts a backup and returns its workflow at once; follow it with `workflow`. */
    create(req: RequestOf<'backupsCreate'>): Promise<Result<Workflow>>;
    workflow(req: RequestOf<'workflowsGet'>): Promise<Result<Workflow>>;
    schedule(req: RequestOf<'backupsSchedule'>): Promise<Result<BackupSchedule>>;
    setSchedule(req: RequestOf<'backupsSetSchedule'>): Promise<Result<BackupSchedule>>;
  };
  readonly system: {
    info(): Promise<Result<SystemInfo>>;
  };
}

/** Every contract method, as `domain.method` strings: the channel names over IPC and WebSocket. */
export const API_METHODS = [
  'accounts.list',
  'accounts.add',
  'accounts.remove',
  'accounts.importTerminus',
  'sites.list',
  'sites.environments',
  'backups.list',
  'backups.create',
  'backups.workflow',
  'backups.schedule',
  'backups.setSchedule',
  'system.info',
] as const satisfies readonly {
  [D in keyof AppApi]: `${D & string}.${keyof AppApi[D] & string}`;
}[keyof AppApi][];

/** A `domain.method` channel name. */
export type ApiMethod = (typeof API_METHODS)[number];

/** What the preload exposes as `window.lifeboat`: the contract plus event subscriptions. */
export interface LifeboatBridge extends AppApi {
  /** Subscribes to a main-side event; returns the unsubscribe function. */
  on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void): () => void;
}

/** The IPC channel of a contract method. */
export const channelOf = (method: ApiMethod): string => `lifeboat:${method}`;

/** The IPC channel of an event. */
export const eventChannelOf = (name: AppEventName): string => `lifeboat-event:${name}`;
