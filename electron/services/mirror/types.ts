import type { Element, MirrorEnvReport, MirrorSiteReport, Site } from '@shared/models';
import type { PantheonClient } from '../pantheon/client';
import type { TransferPolicy } from '../transfer/download';

/** How many complete sets of an environment the mirror keeps: the newest `keep`, and/or those younger than `keepDays`. */
export interface Retention {
  /** Keep at least the newest N complete sets (N ≥ 1). */
  readonly keep?: number;
  /** Keep complete sets made within this many days. With both, a set is kept when either keeps it. */
  readonly keepDays?: number;
}

/** What mirroring one environment of one site needs (`mirrorEnvironment` in mirror-env.ts). */
export interface MirrorEnvRequest {
  /** The client of the account the site is mirrored through. */
  readonly client: PantheonClient;
  readonly site: Site;
  readonly env: string;
  /** Recorded in the manifest: the account's email (or id). */
  readonly account: string;
  /** The mirror's root folder (`DIR`). */
  readonly root: string;
  readonly elements: readonly Element[];
  /** Create a backup first (and mirror it) when the newest finished one is older than this many seconds. */
  readonly freshWithinSeconds?: number;
  /** Retention of the backup created by `freshWithinSeconds` on Pantheon (days; default 30). */
  readonly keepForDays?: number;
  /** Absent: every complete set is kept. */
  readonly retention?: Retention;
  readonly transfer?: TransferPolicy;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** Bytes of this environment's archives: done and total (the set's sizes). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Clock (ms), for retention by age in tests. */
  readonly now?: () => number;
  /**
   * Re-read every archive kept from before (sha256 and gzip stream, as `mirror verify` does) before the set counts
   * as up to date or they count as done: one that does not match its manifest is deleted and downloaded again in
   * full. Off by default: a rerun then checks sizes only, which costs no read of the archives.
   */
  readonly verify?: boolean;
  /**
   * Waits for a turn to download (the run's bound on downloads at once) and gives back its release; held around
   * each archive's fetch only, so API calls, verification and fsyncs do not hold one. Absent: no bound.
   */
  readonly slot?: () => Promise<() => void>;
}

/** What mirroring one environment did (its report row); a failure is thrown as a LifeboatError instead. */
export type MirrorEnvResult = Omit<MirrorEnvReport, 'error'>;

/** One site to mirror and the account it goes through. */
export interface MirrorTarget {
  readonly site: Site;
  readonly client: PantheonClient;
  /** The account's email (the manifest and the report name it). */
  readonly account: string;
}

/** What a mirror run does to every target (`runMirror` in run.ts). */
export interface MirrorRunOptions {
  readonly root: string;
  readonly envs: readonly string[];
  readonly elements: readonly Element[];
  readonly freshWithinSeconds?: number;
  readonly keepForDays?: number;
  readonly retention?: Retention;
  /**
   * Archives downloading at once, across the run (default 4); twice as many sites are worked on at once, so their
   * API calls (environments listings, catalogs, backups made), checks and fsyncs overlap the others' downloads.
   */
  readonly concurrency?: number;
  /** Re-read every kept archive and download again one that is damaged (see {@link MirrorEnvRequest.verify}). */
  readonly verify?: boolean;
  readonly shard?: { readonly index: number; readonly count: number } | null;
  readonly transfer?: TransferPolicy;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  /** A site started, progressed or finished: for the CLI's progress lines and the app's job parts. */
  readonly onSite?: (event: MirrorSiteEvent) => void;
}

/** Progress of a run, per site. */
export type MirrorSiteEvent =
  | { readonly type: 'start'; readonly site: string }
  | { readonly type: 'progress'; readonly site: string; readonly done: number; readonly total: number }
  | { readonly type: 'end'; readonly report: MirrorSiteReport };
