import type { LocalCopy } from '@shared/models';
import type { Result } from '@shared/result';
import { bridge } from '../bridge';
import { addRecent, readRecents } from '../lib/recents';
import { sameJson } from '../lib/same';
import type {
  AccountsSlice,
  BackupsSlice,
  CopiesSlice,
  JobsSlice,
  Loadable,
  MirrorSlice,
  SettingsSlice,
  SiteKey,
  Slice,
  SitesSlice,
  UiSlice,
  UpdatesSlice,
} from './types';
import { idle } from './types';

/**
 * Loads a Result into a Loadable, keeping the previous data while it loads (and after a failure). With `keepSame`,
 * an answer equal to the data already shown keeps the same object: the list the window painted from its
 * snapshot, answered again by the engine, then costs no second render of 2,000 rows.
 */
async function load<T>(
  get: () => Loadable<T> | undefined,
  set: (l: Loadable<T>) => void,
  call: () => Promise<Result<T>>,
  keepSame = false,
): Promise<void> {
  const prev = get() ?? idle<T>();
  set({ ...prev, loading: true });
  let r: Result<T>;
  try {
    r = await call();
  } catch (e) {
    r = { ok: false, error: { code: 'network', message: (e as Error).message } };
  }
  const current = get()?.data ?? null;
  set(
    r.ok
      ? {
          data: keepSame && current !== null && sameJson(current, r.value) ? current : r.value,
          loading: false,
          error: null,
        }
      : { data: prev.data, loading: false, error: r.error },
  );
}

const split = (key: SiteKey): [string, string] => {
  const i = key.indexOf('|');
  return [key.slice(0, i), key.slice(i + 1)];
};

export const accountsSlice: Slice<AccountsSlice> = (set, get) => ({
  accounts: idle(),
  loadAccounts: () =>
    load(
      () => get().accounts,
      (accounts) => set({ accounts }),
      () => bridge().accounts.list(),
      true,
    ),
});

export const sitesSlice: Slice<SitesSlice> = (set, get) => ({
  sites: idle(),
  query: '',
  filters: { framework: '', organization: '', account: '' },
  selected: null,
  loadSites: (refresh = false) =>
    load(
      () => get().sites,
      (sites) => set({ sites }),
      () => bridge().sites.list({ refresh }),
      true,
    ),
  setQuery: (query) => set({ query }),
  setFilter: (key, value) => set({ filters: { ...get().filters, [key]: value } }),
  recent: readRecents(),
  focusRow: null,
  select: (selected, focusRow = false) =>
    set({
      selected,
      view: 'sites',
      focusRow: focusRow ? selected : null,
      ...(selected ? { recent: addRecent(get().recent, selected) } : {}),
    }),
  rowFocused: () => set({ focusRow: null }),
});

export const backupsSlice: Slice<BackupsSlice> = (set, get) => ({
  environments: {},
  selectedEnv: {},
  backups: {},
  schedules: {},
  trees: {},
  loadEnvironments: async (key) => {
    const [accountId, site] = split(key);
    await load(
      () => get().environments[key],
      (l) => set({ environments: { ...get().environments, [key]: l } }),
      () => bridge().sites.environments({ accountId, site }),
    );
    const envs = get().environments[key]?.data;
    if (envs?.length && !get().selectedEnv[key]) {
      // Live is what people pull most; fall back to the first environment.
      // An unknown state (null) is not a reason to pass live by.
      const env = envs.find((e) => e.id === 'live' && e.initialized !== false)?.id ?? envs[0]!.id;
      set({ selectedEnv: { ...get().selectedEnv, [key]: env } });
    }
  },
  selectEnv: (key, env) => set({ selectedEnv: { ...get().selectedEnv, [key]: env } }),
  loadBackups: (key, env) => {
    const [accountId, site] = split(key);
    const id = `${key}/${env}`;
    return load(
      () => get().backups[id],
      (l) => set({ backups: { ...get().backups, [id]: l } }),
      () => bridge().backups.list({ accountId, site, env }),
    );
  },
  loadSchedule: (key, env) => {
    const [accountId, site] = split(key);
    const id = `${key}/${env}`;
    return load(
      () => get().schedules[id],
      (l) => set({ schedules: { ...get().schedules, [id]: l } }),
      () => bridge().backups.schedule({ accountId, site, env }),
    );
  },
  loadTree: (key, env, folder, element) => {
    const [accountId, site] = split(key);
    const id = `${key}/${env}/${folder}/${element}`;
    return load(
      () => get().trees[id],
      (l) => set({ trees: { ...get().trees, [id]: l } }),
      () => bridge().restores.tree({ accountId, site, env, folder, element }),
    );
  },
});

export const jobsSlice: Slice<JobsSlice> = (set, get) => ({
  jobs: {},
  jobsLoaded: false,
  loadJobs: async () => {
    const r = await bridge().jobs.list();
    if (r.ok) set({ jobs: Object.fromEntries(r.value.map((j) => [j.id, j])), jobsLoaded: true });
  },
  upsertJob: (job) => set({ jobs: { ...get().jobs, [job.id]: job } }),
});

/**
 * `to` with the newer-backup news `from` has for the same copies (same id, still from the same backup) that `to`
 * does not: a list sent on a change is not checked against Pantheon, and must not drop the badge the view found.
 */
function keepNewer(to: readonly LocalCopy[], from: readonly LocalCopy[] | null): readonly LocalCopy[] {
  if (!from) return to;
  const known = new Map(from.filter((c) => c.newerBackup).map((c) => [c.id, c]));
  if (known.size === 0) return to;
  return to.map((c) => {
    const k = known.get(c.id);
    return !c.newerBackup && k && k.backup.folder === c.backup.folder
      ? { ...c, newerBackup: k.newerBackup }
      : c;
  });
}

export const copiesSlice: Slice<CopiesSlice> = (set, get) => {
  // Counts the lists taken in: an answer to a list asked before another list arrived (a slow check against
  // Pantheon, a change meanwhile) brings only its newer-backup news, not copies since removed or without new ones.
  let version = 0;
  return {
    copies: idle(),
    loadCopies: async (checkNewer = false) => {
      const started = version;
      set({ copies: { ...get().copies, loading: true } });
      let r: Result<readonly LocalCopy[]>;
      try {
        r = await bridge().copies.list(checkNewer ? { checkNewer } : undefined);
      } catch (e) {
        r = { ok: false, error: { code: 'network', message: (e as Error).message } };
      }
      const current = get().copies.data;
      if (!r.ok) return set({ copies: { data: current, loading: false, error: r.error } });
      const data =
        version !== started && current
          ? keepNewer(current, r.value)
          : checkNewer
            ? r.value
            : keepNewer(r.value, current);
      version++;
      set({
        copies: {
          data: current && sameJson(current, data) ? current : data,
          loading: false,
          error: null,
        },
      });
    },
    setCopies: (copies) => {
      version++;
      set({ copies: { data: keepNewer(copies, get().copies.data), loading: false, error: null } });
    },
  };
};

export const mirrorSlice: Slice<MirrorSlice> = (set, get) => ({
  mirrorProfile: idle(),
  loadMirrorProfile: () =>
    load(
      () => get().mirrorProfile,
      (mirrorProfile) => set({ mirrorProfile }),
      () => bridge().mirror.profile(),
      true,
    ),
  setMirrorProfile: (profile) => set({ mirrorProfile: { data: profile, loading: false, error: null } }),
  mirrorLastReport: idle(),
  loadMirrorLastReport: () =>
    load(
      () => get().mirrorLastReport,
      (mirrorLastReport) => set({ mirrorLastReport }),
      () => bridge().mirror.lastReport(),
      true,
    ),
});

export const settingsSlice: Slice<SettingsSlice> = (set, get) => ({
  settings: idle(),
  loadSettings: () =>
    load(
      () => get().settings,
      (settings) => set({ settings }),
      () => bridge().settings.get(),
      true,
    ),
  setSettings: (s) => set({ settings: { data: s, loading: false, error: null } }),
  toggleFavourite: async (siteId) => {
    const current = get().settings.data?.favourites ?? [];
    const favourites = current.includes(siteId) ? current.filter((f) => f !== siteId) : [...current, siteId];
    const r = await bridge().settings.update({ favourites });
    if (r.ok) get().setSettings(r.value);
    else get().toast('error', r.error.message);
  },
});

export const updatesSlice: Slice<UpdatesSlice> = (set) => ({
  update: null,
  updateChecking: false,
  updateProblem: null,
  updateLater: null,
  loadUpdate: async () => {
    try {
      const r = await bridge().app.updateState();
      if (r.ok) set({ update: r.value });
    } catch {
      // No state, no notice: the Settings row says it could not tell.
    }
  },
  setUpdate: (update) => set({ update }),
  checkForUpdates: async () => {
    set({ updateChecking: true, updateProblem: null });
    try {
      const r = await bridge().app.checkForUpdates();
      set(r.ok ? { update: r.value } : { updateProblem: r.error.message });
    } catch (e) {
      set({ updateProblem: (e as Error).message });
    } finally {
      set({ updateChecking: false });
    }
  },
  restartToUpdate: async (when) => {
    set({ updateProblem: null });
    try {
      const r = await bridge().app.restartToUpdate({ when });
      set(r.ok ? { update: r.value } : { updateProblem: r.error.message });
    } catch (e) {
      set({ updateProblem: (e as Error).message });
    }
  },
  updateLaterFor: (version) => set({ updateLater: version, updateProblem: null }),
});

let toastId = 0;
export const uiSlice: Slice<UiSlice> = (set, get) => ({
  view: 'sites',
  toasts: [],
  nativeShell: false,
  setNativeShell: (nativeShell) => set({ nativeShell }),
  setView: (view) => set({ view }),
  toast: (kind, text) => {
    const id = ++toastId;
    set({ toasts: [...get().toasts, { id, kind, text }] });
    setTimeout(() => get().dismissToast(id), kind === 'error' ? 10_000 : 5_000);
  },
  dismissToast: (id) => set({ toasts: get().toasts.filter((t) => t.id !== id) }),
});
