import type { Result } from '@shared/result';
import { bridge } from '../bridge';
import { sameJson } from '../lib/same';
import type {
  AccountsSlice,
  BackupsSlice,
  JobsSlice,
  Loadable,
  SettingsSlice,
  SiteKey,
  Slice,
  SitesSlice,
  UiSlice,
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
  select: (selected) => set({ selected, view: 'sites' }),
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
