import type { StateCreator } from 'zustand';
import type { MirrorLastReport, SiteList } from '@shared/api/contract';
import type {
  Account,
  AppErrorLike,
  ArchiveEntryInfo,
  BackupSchedule,
  BackupSet,
  Environment,
  Job,
  LocalCopy,
  MirrorProfile,
  Settings,
  UpdateState,
} from './model-types';

/** A value being loaded: data, whether a load is running, and the last error. */
export interface Loadable<T> {
  readonly data: T | null;
  readonly loading: boolean;
  readonly error: AppErrorLike | null;
}

export const idle = <T>(): Loadable<T> => ({ data: null, loading: false, error: null });

export interface AccountsSlice {
  accounts: Loadable<readonly Account[]>;
  loadAccounts(): Promise<void>;
}

/** A site is identified by its account and id: the same site may be visible to two accounts. */
export type SiteKey = `${string}|${string}`;
export const siteKey = (accountId: string, siteId: string): SiteKey => `${accountId}|${siteId}`;

export interface SiteFilters {
  readonly framework: string;
  readonly organization: string;
  readonly account: string;
}

export interface SitesSlice {
  sites: Loadable<SiteList>;
  query: string;
  filters: SiteFilters;
  selected: SiteKey | null;
  /** The sites opened last, newest first; kept across restarts (lib/recents.ts), never more than ten. */
  recent: readonly SiteKey[];
  /** A site whose row the site list moves the focus to once it shows it (opened from the keyboard). */
  focusRow: SiteKey | null;
  loadSites(refresh?: boolean): Promise<void>;
  setQuery(q: string): void;
  setFilter<K extends keyof SiteFilters>(key: K, value: SiteFilters[K]): void;
  /** Opens a site (it becomes the most recent); with `focusRow`, the list then focuses its row. */
  select(key: SiteKey | null, focusRow?: boolean): void;
  /** The list has focused the row `focusRow` asked for. */
  rowFocused(): void;
}

export interface BackupsSlice {
  environments: Record<SiteKey, Loadable<readonly Environment[]>>;
  selectedEnv: Record<SiteKey, string>;
  backups: Record<string, Loadable<readonly BackupSet[]>>;
  schedules: Record<string, Loadable<BackupSchedule>>;
  trees: Record<string, Loadable<readonly ArchiveEntryInfo[]>>;
  loadEnvironments(key: SiteKey): Promise<void>;
  selectEnv(key: SiteKey, env: string): void;
  loadBackups(key: SiteKey, env: string): Promise<void>;
  loadSchedule(key: SiteKey, env: string): Promise<void>;
  loadTree(key: SiteKey, env: string, folder: string, element: 'code' | 'files'): Promise<void>;
}

export interface JobsSlice {
  jobs: Record<string, Job>;
  jobsLoaded: boolean;
  loadJobs(): Promise<void>;
  upsertJob(job: Job): void;
}

export interface SettingsSlice {
  settings: Loadable<Settings>;
  loadSettings(): Promise<void>;
  setSettings(s: Settings): void;
  toggleFavourite(siteId: string): Promise<void>;
}

/** The local copies (what was restored on this computer), as the engine's registry lists them. */
export interface CopiesSlice {
  copies: Loadable<readonly LocalCopy[]>;
  /**
   * Lists the copies; with `checkNewer`, also asks whether each copy's environment has a newer backup (slower:
   * Pantheon is asked), so only when the view opens.
   */
  loadCopies(checkNewer?: boolean): Promise<void>;
  /** The whole list as the engine sent it (`copies.changed`), keeping the newer-backup news it did not check. */
  setCopies(copies: readonly LocalCopy[]): void;
}

/** The saved mirror profile (what the Mirror screen starts from, and the app's timer runs). */
export interface MirrorSlice {
  mirrorProfile: Loadable<MirrorProfile | null>;
  loadMirrorProfile(): Promise<void>;
  /** The profile as saved (here, or in another window: `mirror.changed`). */
  setMirrorProfile(profile: MirrorProfile | null): void;
  /** The newest kept report of any run, the app's or the CLI's (`lifeboat mirror`, by hand or scheduled). */
  mirrorLastReport: Loadable<MirrorLastReport | null>;
  /** Reads it again: the CLI writes no event, so the screen asks when it opens or the window gets the focus. */
  loadMirrorLastReport(): Promise<void>;
}

/** The desktop app's own update: the notice when one is ready, and Settings → Updates. */
export interface UpdatesSlice {
  /** As the main side last told it; null before it answered. */
  update: UpdateState | null;
  /** A check asked for from Settings is under way. */
  updateChecking: boolean;
  /** Why the last restart was refused (jobs running), or another answer to show beside the buttons; null: none. */
  updateProblem: string | null;
  /** The version whose notice was put off with "Later" (until the next start; Settings still offers it). */
  updateLater: string | null;
  loadUpdate(): Promise<void>;
  setUpdate(update: UpdateState): void;
  /** Looks for an update now; the answer is the state (in words in its `reason`). */
  checkForUpdates(): Promise<void>;
  /** Restart to install: `now` (refused while jobs run), `when-idle`, or `cancel` a restart waiting for jobs. */
  restartToUpdate(when: 'now' | 'when-idle' | 'cancel'): Promise<void>;
  updateLaterFor(version: string): void;
}

export type View = 'sites' | 'copies' | 'mirror' | 'jobs' | 'settings' | 'accounts';

export interface Toast {
  readonly id: number;
  readonly kind: 'info' | 'error' | 'success';
  readonly text: string;
}

export interface UiSlice {
  view: View;
  toasts: readonly Toast[];
  /** The desktop shell (folder picker, show in folder); false in the browser host. */
  nativeShell: boolean;
  setNativeShell(native: boolean): void;
  setView(v: View): void;
  toast(kind: Toast['kind'], text: string): void;
  dismissToast(id: number): void;
}

export type Store = AccountsSlice &
  SitesSlice &
  BackupsSlice &
  JobsSlice &
  CopiesSlice &
  MirrorSlice &
  SettingsSlice &
  UpdatesSlice &
  UiSlice;

/** A slice creator over the whole store. */
export type Slice<T> = StateCreator<Store, [], [], T>;
