import type { Account, Job, Settings } from '../models';

/** Events from the main side to the renderer, by channel; each payload is plain data. */
export interface AppEvents {
  'accounts.changed': { readonly accounts: readonly Account[] };
  'jobs.updated': { readonly job: Job };
  'settings.changed': { readonly settings: Settings };
}

/** An event channel name. */
export type AppEventName = keyof AppEvents;
