import type {
  Environment,
  MirrorEnvReport,
  MirrorFailedAccount,
  MirrorReport,
  MirrorSiteReport,
  MirrorStatus,
} from '@shared/models';
import type { AppError } from '@shared/result';
import { LifeboatError, toAppError } from '../errors';
import type { PantheonClient } from '../pantheon/client';
import { checkMirrorRoot } from './local';
import { mirrorEnvironment } from './mirror-env';
import { inShard, type UnknownSite } from './select';
import type { MirrorRunOptions, MirrorTarget } from './types';

/** Archives downloading at once unless the run says otherwise. */
export const DEFAULT_CONCURRENCY = 4;
/**
 * The most archives downloading at once (the app's limit too): more only queues up against Pantheon's rate limit
 * and the link.
 */
export const MAX_CONCURRENCY = 16;
/**
 * Sites worked on per download slot. A site spends much of its time on API calls (its environments, catalogs),
 * checks and fsyncs, when it downloads nothing: twice as many sites as slots keep the slots busy meanwhile.
 */
export const SITES_PER_SLOT = 2;

/** What a run reports beside its targets' rows: what the selection could not reach. */
export interface MirrorRunExtras {
  /**
   * Sites picked by hand that no account sees: each is a failed row (`not-found`, with the closest name) among
   * the others. With a shard, the shard its name falls in (as a site id would) reports it, so it is said once.
   */
  readonly unknownSites?: readonly UnknownSite[];
  /** Accounts whose site lists could not be read: the report says them, and the run counts as failed. */
  readonly failedAccounts?: readonly MirrorFailedAccount[];
}

/**
 * A site's status from its environments': failed if any failed, else downloaded if any downloaded, else
 * up-to-date if any was, else skipped (a frozen site, or none of the environments asked for).
 */
export function siteStatus(envs: readonly Pick<MirrorEnvReport, 'status'>[]): MirrorStatus {
  const has = (s: MirrorStatus): boolean => envs.some((e) => e.status === s);
  if (has('failed')) return 'failed';
  if (has('downloaded')) return 'downloaded';
  if (has('up-to-date')) return 'up-to-date';
  return 'skipped';
}

/** An environment row that did nothing: skipped with a note, or failed with an error. */
const emptyEnv = (
  env: string,
  status: MirrorStatus,
  extra: { note?: string; error?: AppError },
): MirrorEnvReport => ({
  env,
  status,
  path: null,
  backupFolder: null,
  bytes: 0,
  resumedBytes: 0,
  createdBackup: false,
  pruned: [],
  ...extra,
});

const CANCELLED: AppError = { code: 'cancelled', message: 'Cancelled before it started.' };

/**
 * The site's client with its environments listing read once: mirrorEnvironment checks the environment (and
 * reads its deploy tag) through `listEnvironments`, and the run has already listed them to skip those the site
 * does not have. A child object of the client, so everything else is the client itself (its session, its
 * http instance and rate-limit gate).
 */
function withListedEnvironments(
  client: PantheonClient,
  siteId: string,
  listed: Promise<Environment[]>,
): PantheonClient {
  const child = Object.create(client) as PantheonClient;
  child.listEnvironments = (site) => (site.id === siteId ? listed : client.listEnvironments(site));
  return child;
}

/**
 * Mirrors one site: each environment asked for in turn. Failures are caught into the rows (the site's own,
 * e.g. its environments listing, or one environment's), never thrown: a failing site never stops the others.
 *
 * API calls per site, bounded: one environments listing (which itself may read the site once, and the settings
 * of test and live, when Pantheon's entries leave their PHP version or initialization unknown), then per
 * environment what mirrorEnvironment asks: one catalog read and one signed-URL request per archive downloaded
 * (plus the backup workflow and its polls when `freshWithinSeconds` makes one). Frozen sites ask nothing.
 */
async function mirrorSite(
  target: MirrorTarget,
  opts: MirrorRunOptions,
  slot: () => Promise<() => void>,
  listed: (environments: readonly string[]) => void,
): Promise<MirrorSiteReport> {
  const { site, account } = target;
  const started = Date.now();
  const row = (envs: MirrorEnvReport[], error?: AppError): MirrorSiteReport => {
    const firstError = error ?? envs.find((e) => e.error)?.error;
    return {
      site: site.name,
      siteId: site.id,
      account,
      status: error ? 'failed' : siteStatus(envs),
      bytes: envs.reduce((n, e) => n + e.bytes, 0),
      durationMs: Date.now() - started,
      envs,
      ...(firstError ? { error: firstError } : {}),
    };
  };
  if (site.frozen)
    return row(
      opts.envs.map((env) =>
        emptyEnv(env, 'skipped', {
          note: `${site.name} is frozen: Pantheon makes no backups of it until it is unfrozen.`,
        }),
      ),
    );
  const listing = target.client.listEnvironments(site);
  let environments: Environment[];
  try {
    environments = await listing;
  } catch (e) {
    // Every environment asked for fails with it: the rows say which were not mirrored.
    const error = toAppError(e);
    return row(
      opts.envs.map((env) => emptyEnv(env, 'failed', { error })),
      error,
    );
  }
  listed(environments.map((e) => e.id));
  const client = withListedEnvironments(target.client, site.id, listing);
  const envs: MirrorEnvReport[] = [];
  // Progress over the site's environments: bytes of those done, plus the current one's.
  let doneBefore = 0;
  let totalBefore = 0;
  for (const env of opts.envs) {
    const environment = environments.find((e) => e.id === env);
    if (!environment) {
      envs.push(
        emptyEnv(env, 'skipped', {
          note: `${site.name} has no environment '${env}' (it has ${environments.map((e) => e.id).join(', ') || 'none'}).`,
        }),
      );
      continue;
    }
    // An environment never deployed to has no backups to mirror (unknown, null, is tried).
    if (environment.initialized === false) {
      envs.push(
        emptyEnv(env, 'skipped', { note: `${site.name}.${env} is not initialized: it has no backups.` }),
      );
      continue;
    }
    if (opts.signal?.aborted) {
      envs.push(emptyEnv(env, 'failed', { error: CANCELLED }));
      continue;
    }
    let lastDone = 0;
    let lastTotal = 0;
    try {
      const result = await mirrorEnvironment({
        client,
        site,
        env,
        account,
        root: opts.root,
        elements: opts.elements,
        ...(opts.freshWithinSeconds !== undefined ? { freshWithinSeconds: opts.freshWithinSeconds } : {}),
        ...(opts.keepForDays !== undefined ? { keepForDays: opts.keepForDays } : {}),
        ...(opts.retention ? { retention: opts.retention } : {}),
        ...(opts.transfer ? { transfer: opts.transfer } : {}),
        ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.verify ? { verify: true } : {}),
        slot,
        onProgress: (done, total) => {
          lastDone = done;
          lastTotal = total;
          opts.onSite?.({
            type: 'progress',
            site: site.name,
            done: doneBefore + done,
            total: totalBefore + total,
          });
        },
      });
      envs.push(result);
    } catch (e) {
      envs.push(emptyEnv(env, 'failed', { error: toAppError(e) }));
    }
    doneBefore += lastDone;
    totalBefore += lastTotal;
  }
  return row(envs);
}

/**
 * Mirrors many sites into `opts.root`: at most `concurrency` archives downloading at once (default 4), across the
 * run, while up to {@link SITES_PER_SLOT} times as many sites are worked on, each site's environments in turn: the
 * API calls, checks and fsyncs of some overlap the downloads of others, and the bound on what the link and the
 * disk take stays `concurrency`. With `opts.shard`, only the targets of that shard (see {@link inShard}). A failing site or environment
 * is a row of the report with its error's code and message; the others go on. When `opts.signal` aborts, the
 * sites not yet started are not started and their rows say cancelled (those under way stop at their next
 * check and say so too). The rows are in site-name order.
 */
export async function runMirror(
  targets: readonly MirrorTarget[],
  opts: MirrorRunOptions & MirrorRunExtras,
): Promise<MirrorReport> {
  const startedAt = new Date().toISOString();
  const shard = opts.shard ?? null;
  if (
    shard &&
    (!Number.isInteger(shard.count) || shard.count < 1 || shard.index < 1 || shard.index > shard.count)
  )
    throw new LifeboatError(
      'invalid-request',
      `Shard ${shard.index}/${shard.count} is not one of 1 to N of N.`,
    );
  const concurrency = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_CONCURRENCY)
    throw new LifeboatError(
      'invalid-request',
      `Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not ${concurrency}.`,
    );
  const mine = targets
    .filter((t) => !shard || inShard(t.site.id, shard.index, shard.count))
    .sort((a, b) => a.site.name.localeCompare(b.site.name) || a.site.id.localeCompare(b.site.id));
  // The folder is right for every site or for none: said once, before any site is asked about, rather than as
  // each site's failure. Nothing is written here (mirrorEnvironment makes the root when it has a set to write).
  if (mine.length > 0) await checkMirrorRoot(opts.root);
  const rows: MirrorSiteReport[] = new Array<MirrorSiteReport>(mine.length);
  const slot = semaphore(concurrency, opts.signal);
  // The environments each site has (sites that listed them), to tell a mistyped --env from a normal skip.
  const environmentsOf: (readonly string[])[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < mine.length) {
      const i = next++;
      const target = mine[i]!;
      let report: MirrorSiteReport;
      if (opts.signal?.aborted) {
        report = {
          site: target.site.name,
          siteId: target.site.id,
          account: target.account,
          status: 'failed',
          bytes: 0,
          durationMs: 0,
          envs: [],
          error: CANCELLED,
        };
      } else {
        opts.onSite?.({ type: 'start', site: target.site.name });
        try {
          report = await mirrorSite(target, opts, slot, (envs) => environmentsOf.push(envs));
        } catch (e) {
          // mirrorSite catches what it calls; this is the net for anything else, still one site's row.
          report = {
            site: target.site.name,
            siteId: target.site.id,
            account: target.account,
            status: 'failed',
            bytes: 0,
            durationMs: 0,
            envs: [],
            error: toAppError(e),
          };
        }
      }
      rows[i] = report;
      opts.onSite?.({ type: 'end', report });
    }
  };
  await Promise.all(Array.from({ length: Math.min(SITES_PER_SLOT * concurrency, mine.length) }, worker));
  refuseEnvsNoSiteHas(opts.envs, environmentsOf, rows, opts.signal);
  const unknown = (opts.unknownSites ?? [])
    .filter((u) => !shard || inShard(u.name, shard.index, shard.count))
    .map((u): MirrorSiteReport => ({
      site: u.name,
      siteId: '',
      account: '',
      status: 'failed',
      bytes: 0,
      durationMs: 0,
      envs: [],
      error: { code: 'not-found', message: u.message },
    }));
  // In name order with the others (theirs is already: the unknown ones go in between).
  rows.push(...unknown);
  rows.sort((a, b) => a.site.localeCompare(b.site) || a.siteId.localeCompare(b.siteId));
  const count = (s: MirrorStatus): number => rows.filter((r) => r.status === s).length;
  return {
    root: opts.root,
    startedAt,
    finishedAt: new Date().toISOString(),
    shard,
    sites: rows,
    // Only from a caller that read the accounts itself (the CLI): the app's job takes the sites of an account it
    // could not list as last known, and says so in the job's warning.
    ...(opts.failedAccounts ? { failedAccounts: [...opts.failedAccounts] } : {}),
    totals: {
      sites: rows.length,
      downloaded: count('downloaded'),
      upToDate: count('up-to-date'),
      skipped: count('skipped'),
      failed: count('failed'),
      bytes: rows.reduce((n, r) => n + r.bytes, 0),
    },
  };
}

/**
 * `size` turns, taken in the order they are asked for; each taker gets its release (idempotent). A wait ends as
 * `cancelled` when `signal` aborts, so a cancelled run does not sit in the queue.
 */
function semaphore(size: number, signal: AbortSignal | undefined): () => Promise<() => void> {
  let free = size;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else free++;
  };
  const once = (): (() => void) => {
    let done = false;
    return () => {
      if (done) return;
      done = true;
      release();
    };
  };
  return () =>
    new Promise((resolve, reject) => {
      if (free > 0) {
        free--;
        return resolve(once());
      }
      const cancelled = (): LifeboatError =>
        new LifeboatError('cancelled', 'Cancelled while waiting to download.');
      if (signal?.aborted) return reject(cancelled());
      const onAbort = (): void => {
        const i = waiting.indexOf(turn);
        if (i >= 0) waiting.splice(i, 1);
        reject(cancelled());
      };
      const turn = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(once());
      };
      waiting.push(turn);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
}

/** How many environments the refusal of a mistyped --env names. */
const SHOWN_ENVIRONMENTS = 10;

/**
 * A run in which every site that listed its environments has none of those asked for (`--env lvie`) mirrored
 * nothing because of the request, not because of the sites: refused as `invalid-request`, naming the environments
 * the sites do have, so a scheduled run with a typo does not pass for ever. Frozen sites (never listed) are not
 * counted, and a run with a failed row is left to its rows (it fails with them).
 */
function refuseEnvsNoSiteHas(
  asked: readonly string[],
  environmentsOf: readonly (readonly string[])[],
  rows: readonly MirrorSiteReport[],
  signal: AbortSignal | undefined,
): void {
  if (signal?.aborted || environmentsOf.length === 0 || rows.some((r) => r.status === 'failed')) return;
  if (environmentsOf.some((have) => asked.some((env) => have.includes(env)))) return;
  // The environments most sites have first (live, test, dev), a few: hundreds of multidevs would drown them.
  const counts = new Map<string, number>();
  for (const e of environmentsOf.flat()) counts.set(e, (counts.get(e) ?? 0) + 1);
  const common = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([e]) => e);
  const shown = common.slice(0, SHOWN_ENVIRONMENTS).join(', ') || 'none';
  const more = common.length > SHOWN_ENVIRONMENTS ? ` and ${common.length - SHOWN_ENVIRONMENTS} more` : '';
  const envs = asked.map((e) => `'${e}'`).join(' or ');
  const n = environmentsOf.length;
  throw new LifeboatError(
    'invalid-request',
    n === 1
      ? `The selected site has no environment ${envs}, so nothing was mirrored. It has ${shown}${more}.`
      : `None of the ${n} selected sites has an environment ${envs}, so nothing was mirrored. They have ${shown}${more}.`,
  );
}
