import type { Account, Job, LocalCopy, MirrorProfile, Settings, UpdateState } from '../models';

/** Events from the main side to the renderer, by channel; each payload is plain data. */
export interface AppEvents {
  'accounts.changed': { readonly accounts: readonly Account[] };
  'jobs.updated': { readonly job: Job };
  'settings.changed': { readonly settings: Settings };
  /** The local copies changed (a restore registered one, one was removed or forgotten): the whole list. */
  'copies.changed': { readonly copies: readonly LocalCopy[] };
  /** The saved mirror profile changed (saved in this or another window). */
  'mirror.changed': { readonly profile: MirrorProfile | null };
  /** The desktop app's update moved on (checking, downloading, ready to restart, failed). */
  'updates.changed': { readonly update: UpdateState };
}

/** An event channel name. */
export type AppEventName = keyof AppEvents;
