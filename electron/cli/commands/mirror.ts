import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import { closestName } from '@shared/closest';
import { formatBytes } from '@shared/format';
import type {
  MirrorFailedAccount,
  MirrorReport,
  MirrorSiteReport,
  MirrorVerifyReport,
  MirrorVerifySet,
} from '@shared/models';
import { LifeboatError } from '../../services/errors';
import { throttle } from '../../services/jobs/progress';
import { checkMirrorRoot } from '../../services/mirror/local';
import { saveMirrorReport } from '../../services/mirror/reports';
import { runMirror, DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../../services/mirror/run';
import {
  inShard,
  MAX_SHARDS,
  parseShard,
  SAY_WHICH_SITES,
  selectSitesAndUnknown,
} from '../../services/mirror/select';
import type { MirrorSiteEvent, MirrorTarget, Retention } from '../../services/mirror/types';
import { verifyMirror } from '../../services/mirror/verify';
import { EXIT, exitCodeFor } from '../exit-codes';
import { elementsOf, positiveInt, type RunContext } from '../context';
import { printable, table } from '../output';
import { UsageError, type CommandSpec } from '../registry';
import { dataDir } from '../session';

const UNIT_SECONDS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86400, w: 7 * 86400 };

/**
 * A duration as seconds: one or more amounts with a unit, `24h`, `2d`, `90m`, `1d12h`, `1.5h` (s, m, h, d, w).
 * A bare number is refused, since minutes and hours are both likely meanings.
 */
export function parseDuration(text: string, flag: string): number {
  const t = text.trim().toLowerCase();
  const parts = [...t.matchAll(/(\d+(?:\.\d+)?)\s*([smhdw])/g)];
  const whole = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || whole.replace(/\s/g, '') !== t.replace(/\s/g, ''))
    throw new UsageError(
      `${flag} takes a duration such as 24h, 2d or 90m (units s, m, h, d, w), not "${text}".`,
    );
  const seconds = parts.reduce((n, p) => n + Number(p[1]) * UNIT_SECONDS[p[2]!]!, 0);
  if (!(seconds >= 1)) throw new UsageError(`${flag} must be at least a second, not "${text}".`);
  return Math.round(seconds);
}

/** `--env live,test` as environment ids (lower case, as Pantheon's are), in the order given, without repeats. */
function envsOf(value: string | undefined): string[] {
  const envs = [
    ...new Set(
      (value ?? 'live')
        .split(',')
        .map((e) => e.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const bad = envs.find((e) => !/^[a-z0-9][a-z0-9-]{0,31}$/.test(e));
  if (envs.length === 0 || bad !== undefined)
    throw new UsageError(
      `--env takes environment names separated by commas (live or live,test,dev), not "${value ?? ''}".`,
    );
  return envs;
}

const clock = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

/** A site's environments for the table: their names, each with its own status where it differs from the site's. */
const envsCell = (r: MirrorSiteReport): string =>
  r.envs
    .map((e) => (e.status === r.status || interrupted(r) ? e.env : `${e.env} (${e.status})`))
    .join(', ') || '—';

/** A row that failed only because the run was cancelled (Ctrl-C): nothing wrong with the site. */
const interrupted = (r: MirrorSiteReport): boolean =>
  r.status === 'failed' &&
  r.error?.code === 'cancelled' &&
  r.envs.every((e) => e.status !== 'failed' || e.error?.code === 'cancelled');

/** A row the run never started, cancelled before its turn: it ran nothing, so it is counted, not listed. */
const notStarted = (r: MirrorSiteReport): boolean => interrupted(r) && r.envs.length === 0;

/** A row that failed of its own accord. */
const failed = (r: MirrorSiteReport): boolean => r.status === 'failed' && !interrupted(r);

/** The first `max` items, then how many more: a report of 2,000 sites keeps its closing lines short. */
function someOf(items: readonly string[], max = 10): string {
  return items.length <= max
    ? items.join(', ')
    : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** A path for a command line a person copies: quoted when the shell would split or expand it. */
const shellWord = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * `--shard I/N`: this machine's share. An I outside 1…N is said in terms of the shards there are; the other
 * mistakes are the engine's parser's.
 */
function shardOf(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m && count >= 1 && count <= MAX_SHARDS && (index < 1 || index > count)) {
    const names =
      count <= 4
        ? Array.from({ length: count }, (_, i) => `${i + 1}/${count}`).join(', ')
        : `1/${count} … ${count}/${count}`;
    throw new UsageError(
      `--shard ${text.trim()}: ${count === 1 ? 'there is one shard, 1/1' : `the ${count} shards are ${names}`}; ${index} is not one of them.`,
    );
  }
  try {
    return parseShard(text);
  } catch (e) {
    throw new UsageError(e instanceof LifeboatError ? e.message : String(e));
  }
}

/** Bytes per second over the last few seconds of samples. */
class Speed {
  private samples: { t: number; bytes: number }[] = [];
  sample(bytes: number, t = Date.now()): void {
    const last = this.samples.at(-1);
    if (last && t - last.t < 100) last.bytes = bytes;
    else this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0]!.t > 5000) this.samples.shift();
  }
  perSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.t - first.t < 500) return null;
    return Math.max(0, (last.bytes - first.bytes) / ((last.t - first.t) / 1000));
  }
}

/** What the end of one site says on stderr. */
function endLine(r: MirrorSiteReport): string {
  if (interrupted(r)) return `${r.site}: interrupted`;
  if (r.status === 'failed') return `${r.site}: failed: ${r.error?.message ?? 'unknown error'}`;
  return `${r.site}: ${r.status}${r.bytes ? `, ${formatBytes(r.bytes)}` : ''} in ${clock(r.durationMs)}`;
}

/**
 * The progress of a run on stderr, none with --json. On a terminal, one status line redrawn as sites run (sites
 * done of all, the bytes and speed so far, the sites under way), each site's end line printed above it when it
 * ends; elsewhere (a scheduler's log), a line as each site starts and ends. A site the run never started (a
 * Ctrl-C before its turn) prints nothing: the report counts those.
 */
function siteProgress(
  ctx: RunContext,
  total: number,
  shard: { index: number; count: number } | null,
): { onSite: (event: MirrorSiteEvent) => void; done: () => void } {
  const out = ctx.io.stderr as NodeJS.WriteStream;
  const of = `of ${total}${shard ? ` in shard ${shard.index}/${shard.count}` : ''}`;
  if (ctx.json) return { onSite: () => undefined, done: () => undefined };
  const startedSites = new Set<string>();
  if (!out.isTTY) {
    let started = 0;
    return {
      onSite(event) {
        if (event.type === 'start') {
          startedSites.add(event.site);
          ctx.note(`[${++started} ${of}] ${event.site}: mirroring…`);
        } else if (event.type === 'end' && startedSites.has(event.report.site))
          ctx.note(endLine(event.report));
      },
      done: () => undefined,
    };
  }
  // Per site under way: the bytes it had when it first reported (already on disk) and what it reports now.
  const running = new Map<string, { base: number | null; done: number }>();
  let ended = 0;
  let endedBytes = 0;
  let drawn = false;
  const speed = new Speed();
  const bytes = (): number => {
    let n = endedBytes;
    for (const r of running.values()) n += r.base === null ? 0 : r.done - r.base;
    return n;
  };
  const draw = (): void => {
    const cols = out.columns || 80;
    const rate = speed.perSecond();
    const names = [...running.keys()];
    const line =
      `[${ended} ${of}] ${formatBytes(bytes())}${rate !== null ? `, ${formatBytes(rate)}/s` : ''}` +
      (names.length ? ` · running: ${names.join(', ')}` : '');
    const room = Math.max(1, cols - 1);
    out.write(`\r\x1b[2K${printable(line.length > room ? `${line.slice(0, room - 1)}…` : line)}`);
    drawn = true;
  };
  const redraw = throttle(draw, 100);
  // Redrawn every second even when nothing reports, so a stalled download's speed falls instead of freezing.
  const timer = setInterval(() => {
    speed.sample(bytes());
    redraw.push(undefined);
  }, 1000);
  timer.unref();
  return {
    onSite(event) {
      if (event.type === 'start') {
        startedSites.add(event.site);
        running.set(event.site, { base: null, done: 0 });
      } else if (event.type === 'progress') {
        const r = running.get(event.site);
        if (r) {
          r.base ??= event.done;
          r.done = event.done;
        }
        speed.sample(bytes());
      } else {
        const r = event.report;
        running.delete(r.site);
        if (!startedSites.has(r.site)) return;
        ended++;
        endedBytes += r.bytes;
        speed.sample(bytes());
        out.write(`\r\x1b[2K${printable(endLine(r))}\n`);
        draw();
        return;
      }
      redraw.push(undefined);
    },
    done() {
      clearInterval(timer);
      redraw.flush();
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}

/**
 * The exit code of a run: 0 when no site failed and every account was read; 130 when it was cancelled; when
 * sites (or accounts) failed, the code of their failure if they all failed the same way (5 when Pantheon was
 * unreachable, 3 for a refused token, 4 for a site picked by hand that no longer exists, …, so a scheduler can
 * tell a passing outage from the rest), else 1. The report names each site's and account's own code.
 */
export function mirrorExitCode(report: MirrorReport, cancelled: boolean): number {
  if (cancelled) return EXIT.cancelled;
  const exits = new Set([
    ...report.sites.filter((s) => s.status === 'failed').map((s) => exitCodeFor(s.error?.code ?? 'internal')),
    ...(report.failedAccounts ?? []).map((a) => exitCodeFor(a.error.code)),
  ]);
  if (exits.size === 0) return EXIT.ok;
  return exits.size === 1 ? [...exits][0]! : EXIT.error;
}

/** `lifeboat mirror --to DIR [QUERY...]`: a verified local mirror of many sites' backups. */
export const mirror: CommandSpec = {
  name: 'mirror',
  summary: 'Mirror the newest backups of many sites into a folder, verified and resumable',
  description:
    'Downloads the newest finished backup of each selected site’s environments into ' +
    'DIR/<site>/<env>/<backup date>/, with a manifest of sizes and sha256 sums, each archive verified before ' +
    'its set counts as complete. Sites are chosen as lifeboat sites chooses them (QUERY, --site, --org, --tag, ' +
    '--account; --all for every site) and each is mirrored through the first account that sees it. A site picked ' +
    'by name that no account sees (any more) is a failed row, and an account whose sites cannot be read (its ' +
    'token refused) is named in the report: both fail the run, the other sites are still mirrored. A rerun ' +
    'downloads only what is missing or partial (resuming .part files), and retention (--keep, --keep-days) ' +
    'removes older sets only after a newer one is complete, never anything Lifeboat did not write. A failing ' +
    'site never stops the others: the run ends with a report per site and exits non-zero when any failed (the ' +
    'failures’ own code when they all share one, else 1). The mirror is not a job of the journal (lifeboat jobs ' +
    'does not list it): it is idempotent, so an interrupted or failed run is resumed by running it again. ' +
    '--shard I/N takes this machine’s share of the sites (by site id, the same on every machine), so N ' +
    'scheduled machines mirror all of them without coordinating. A rerun checks the sizes of what it has; ' +
    '--verify also re-reads the newest set of each environment and downloads again what is damaged. ' +
    'lifeboat mirror verify DIR checks every set of a mirror without downloading anything, and lifeboat pull ' +
    '--from-mirror DIR/SITE/ENV restores from it offline, through the same restore as lifeboat pull.',
  positionals: [
    {
      name: 'QUERY',
      required: false,
      variadic: true,
      description: 'sites whose name, label, organizations or tags contain it (any of several)',
    },
  ],
  flags: {
    to: { type: 'string', value: 'DIR', required: true, description: 'the mirror’s folder' },
    site: {
      type: 'string',
      multiple: true,
      value: 'SITE',
      description: 'a site picked by name or id (with QUERY: sites matching either)',
    },
    org: {
      type: 'string',
      value: 'ORG',
      description: 'only sites seen through this organization: its label, machine name or id',
    },
    tag: { type: 'string', value: 'TAG', description: 'only sites with this tag' },
    env: {
      type: 'string',
      value: 'ENV[,ENV]',
      description:
        'the environments to mirror (default live); a site without one skips it, a run where no site has any is refused',
    },
    account: {
      type: 'string',
      value: 'EMAIL',
      description: 'only sites this account sees, mirrored through it',
    },
    all: { type: 'boolean', description: 'every site of every account (needed when nothing else narrows)' },
    element: {
      type: 'string',
      value: 'code,files,database',
      description: 'the archives to mirror (default all three)',
    },
    'fresh-within': {
      type: 'string',
      value: 'DURATION',
      description: 'create a backup first where the newest finished one is older than this (24h, 2d, 90m)',
    },
    'keep-for': {
      type: 'string',
      value: 'DAYS',
      with: 'fresh-within',
      description: 'how long Pantheon keeps a backup --fresh-within creates (default 30 days)',
    },
    keep: {
      type: 'string',
      value: 'N',
      description: 'keep the newest N complete sets of each environment, removing older ones',
    },
    'keep-days': {
      type: 'string',
      value: 'D',
      description: 'keep complete sets made within D days (with --keep: a set either keeps is kept)',
    },
    concurrency: {
      type: 'string',
      value: 'N',
      description: `archives downloaded at once, with up to twice as many sites under way (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})`,
    },
    verify: {
      type: 'boolean',
      description:
        're-read the newest set of each environment (sha256, gzip) and download again what is damaged',
    },
    shard: {
      type: 'string',
      value: 'I/N',
      description: 'mirror only shard I of N (1-based), chosen by site id: run 1/N … N/N on N machines',
    },
  },
  examples: [
    'lifeboat mirror --to /backups/pantheon --all',
    'lifeboat mirror --to /backups/pantheon --org "Acme Agency" --env live,test --keep 7',
    'lifeboat mirror --to /backups/pantheon acme --element db --fresh-within 24h --json',
    'lifeboat mirror --to /backups/pantheon --all --shard 2/4 --concurrency 8',
  ],
  json: [
    {
      type: 'object',
      fields: {
        root: 'string',
        startedAt: 'string',
        finishedAt: 'string',
        shard: 'object|null',
        sites: 'object[]',
        failedAccounts: 'object[]',
        totals: 'object',
      },
      note: 'the shared model MirrorReport: sites in name order, each with site, siteId, account, status (downloaded, up-to-date, skipped, failed), bytes, durationMs, envs (each with env, status, path, backupFolder, bytes, note, error) and error ({code, message}) when it failed (a site picked by name that no account sees: siteId and account empty, error not-found); failedAccounts lists the accounts whose sites could not be read ({account, error: {code, message}}), which fail the run; totals counts sites by status and bytes',
    },
  ],
  async run(ctx: RunContext) {
    const to = ctx.str('to');
    // `mirror verfy DIR` parses as a mirror of the sites matching "verfy": the subcommand was meant.
    const first = ctx.positionals[0];
    if (!to && first !== undefined && closestName(first, ['verify'])) {
      const meant = ['lifeboat mirror verify', ...ctx.positionals.slice(1).map(shellWord)].join(' ');
      throw new UsageError(
        `Unknown command "mirror ${first}". Did you mean: ${meant}? (lifeboat mirror --to DIR mirrors sites into DIR.)`,
      );
    }
    if (!to) throw new UsageError('mirror needs --to DIR: the mirror’s folder.');
    // A site name has no dot: `--site acme-blog.live` is a site and an environment, which are given apart here.
    for (const site of ctx.list('site')) {
      const m = /^([^.\s]+)\.([a-z0-9][a-z0-9-]*)$/i.exec(site.trim());
      if (m)
        throw new UsageError(
          `--site takes a site, not SITE.ENV: did you mean --site ${m[1]} --env ${m[2]!.toLowerCase()}?`,
        );
    }
    const root = resolve(to);
    const criteria = {
      queries: [...ctx.positionals],
      sites: ctx.list('site'),
      ...(ctx.str('org') !== undefined ? { org: ctx.str('org')! } : {}),
      ...(ctx.str('tag') ? { tag: ctx.str('tag')! } : {}),
      ...(ctx.str('account') ? { account: ctx.str('account')! } : {}),
      all: ctx.bool('all'),
    };
    // Everything is checked before connecting: a typo never costs a login.
    const narrowed =
      criteria.queries.some((q) => q.trim()) ||
      criteria.sites.some((s) => s.trim()) ||
      criteria.org !== undefined ||
      criteria.tag !== undefined ||
      criteria.account !== undefined;
    if (!narrowed && !criteria.all) throw new UsageError(SAY_WHICH_SITES);
    const envs = envsOf(ctx.str('env'));
    const elements = elementsOf(ctx.str('element'), 'all', true, true);
    const fresh = ctx.str('fresh-within');
    const freshWithinSeconds = fresh === undefined ? undefined : parseDuration(fresh, '--fresh-within');
    if (ctx.str('keep-for') !== undefined && fresh === undefined)
      throw new UsageError(
        '--keep-for is how long a backup made by --fresh-within is kept: give --fresh-within too.',
      );
    const keepForDays =
      ctx.str('keep-for') === undefined ? undefined : positiveInt(ctx.str('keep-for'), '--keep-for', 30);
    const retention: Retention = {
      ...(ctx.str('keep') !== undefined ? { keep: positiveInt(ctx.str('keep'), '--keep', 1) } : {}),
      ...(ctx.str('keep-days') !== undefined
        ? { keepDays: positiveInt(ctx.str('keep-days'), '--keep-days', 1) }
        : {}),
    };
    const concurrency = positiveInt(ctx.str('concurrency'), '--concurrency', DEFAULT_CONCURRENCY);
    if (concurrency > MAX_CONCURRENCY)
      throw new UsageError(
        `--concurrency is at most ${MAX_CONCURRENCY} downloads at once (more only waits on Pantheon's rate limit and the disk), not ${concurrency}.`,
      );
    const shard = ctx.str('shard') === undefined ? null : shardOf(ctx.str('shard')!);
    // The folder is right for every site or for none: a file or somebody else's folder is refused once, here,
    // with nothing written (the engine's own rule, read-only).
    await checkMirrorRoot(root);

    const conn = await ctx.connect();
    // The site listing once per account for the whole run.
    const answers = await conn.eachAccount(async (c) => ({
      client: c.client,
      list: await c.client.listSites(),
      email: await conn.emailOf(c),
    }));
    const lists = answers.map(({ value }) => ({ email: value.email, ...value.list }));
    // Accounts whose sites could not be read (warned about already): the report names them and the run fails.
    const failedAccounts: MirrorFailedAccount[] = conn
      .skipped()
      .map(({ label, error }) => ({ account: label, error: error.toAppError() }));
    // A site picked by name that no account sees (deleted since the schedule was written) is a failed row; the
    // other sites are still mirrored.
    const selection = selectSitesAndUnknown(lists, criteria, { requireNarrowing: true });
    const { selected } = selection;
    const unreadNames = failedAccounts.map((a) => a.account).join(', ');
    const unread = unreadNames ? ` (the sites of ${unreadNames} could not be read)` : '';
    // A site of an account that could not be read looks unknown: the message says it may be there.
    const mayBe = unreadNames
      ? ` It may be one of the sites of ${unreadNames}, which could not be read.`
      : '';
    const unknown = selection.unknown.map((u) => ({ ...u, message: `${u.message}${mayBe}` }));
    if (selected.length === 0) {
      if (unknown.length > 0)
        throw new LifeboatError('not-found', `${selection.unknown.map((u) => u.message).join(' ')}${mayBe}`);
      throw new LifeboatError(
        'not-found',
        lists.some((l) => l.sites.length > 0)
          ? `No sites match: nothing to mirror${unread}. See which sites these criteria find with lifeboat sites.`
          : `These accounts see no sites: nothing to mirror${unread}.`,
      );
    }
    const targets: MirrorTarget[] = selected.map((s) => ({
      site: s.site,
      client: answers[s.accountIndex]!.value.client,
      account: s.account,
    }));

    // The run's own count of the sites in this shard (as runMirror chooses them), so progress has a total.
    const total = shard
      ? targets.filter((t) => inShard(t.site.id, shard.index, shard.count)).length
      : targets.length;
    const progress = siteProgress(ctx, total, shard);
    const report = await runMirror(targets, {
      root,
      envs,
      elements,
      ...(freshWithinSeconds !== undefined ? { freshWithinSeconds } : {}),
      ...(keepForDays !== undefined ? { keepForDays } : {}),
      ...(retention.keep !== undefined || retention.keepDays !== undefined ? { retention } : {}),
      concurrency,
      shard,
      // Re-read the newest set of each environment, downloading again what is damaged.
      ...(ctx.bool('verify') ? { verify: true } : {}),
      unknownSites: unknown,
      failedAccounts,
      signal: ctx.io.signal,
      onSite: progress.onSite,
    }).finally(() => progress.done());
    const cancelled = ctx.io.signal.aborted;
    // Kept where the app shows the last run, whoever started it (a scheduled CLI too). Not a demo's: its sites
    // are a throwaway sandbox's, and its report would stand in the app for the real mirror's last run. A report
    // that cannot be written (a read-only data folder) costs the run nothing: the report is printed below.
    if (!ctx.global.demo) await saveMirrorReport(dataDir(ctx.io.env), report, 'cli').catch(() => undefined);
    if (ctx.json) ctx.print(JSON.stringify(report));
    else printReport(ctx, report, cancelled);
    return mirrorExitCode(report, cancelled);
  },
};

function printReport(ctx: RunContext, report: MirrorReport, cancelled: boolean): void {
  const unread = (report.failedAccounts ?? []).map(
    (a) => `  ${a.account}: ${a.error.code}: ${a.error.message}`,
  );
  if (report.sites.length === 0) {
    ctx.print(
      report.shard
        ? `No selected site falls in shard ${report.shard.index}/${report.shard.count}: nothing to do here.`
        : 'No sites.',
    );
    if (unread.length) ctx.print(`\nAccounts whose sites could not be read:\n${unread.join('\n')}`);
    return;
  }
  // Sites a Ctrl-C stopped before their turn did nothing: counted below, not listed one by one.
  const shown = report.sites.filter((r) => !notStarted(r));
  if (shown.length)
    ctx.print(
      table([
        ['SITE', 'ENVS', 'STATUS', 'BYTES', 'TIME', 'ERROR'],
        ...shown.map((r) => [
          r.site,
          envsCell(r),
          interrupted(r) ? 'interrupted' : r.status,
          // A skipped site was not looked at: it has no size to show, which "0 bytes" would claim.
          r.status === 'skipped' ? '—' : formatBytes(r.bytes),
          clock(r.durationMs),
          r.error && !interrupted(r) ? `${r.error.code}: ${r.error.message}` : '',
        ]),
      ]),
    );
  const notes = report.sites.flatMap((r) =>
    r.envs.filter((e) => e.note).map((e) => `  ${r.site}.${e.env}: ${e.note}`),
  );
  if (notes.length) ctx.print(`\nNotes:\n${notes.join('\n')}`);
  const changes = changesOf(report);
  if (changes.length) ctx.print(`\n${changes.join('\n')}`);
  if (unread.length)
    ctx.print(
      `\nAccounts whose sites could not be read (their sites are not in this run):\n${unread.join('\n')}`,
    );
  const t = report.totals;
  const failures = report.sites.filter(failed).map((r) => r.site);
  const stopped = report.sites.filter((r) => interrupted(r) && !notStarted(r)).length;
  const waiting = report.sites.filter(notStarted).length;
  ctx.print(
    `\n${t.sites} site${t.sites === 1 ? '' : 's'}${report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : ''}: ` +
      `${t.downloaded} downloaded, ${t.upToDate} up to date, ${t.skipped} skipped, ${failures.length} failed` +
      `${stopped ? `, ${stopped} interrupted` : ''}${waiting ? `, ${waiting} not started (interrupted)` : ''}; ` +
      `${formatBytes(t.bytes)} downloaded into ${report.root}.`,
  );
  if (failures.length) ctx.print(`Failed: ${someOf(failures, 50)}`);
  if (cancelled || stopped || waiting) ctx.print('Interrupted: run the same command again to resume.');
}

/**
 * What the run changed beside downloading, one line each: backups it made first (--fresh-within) and older sets
 * retention removed. (Archives --verify found damaged and downloaded again are in the notes, the engine's words.)
 */
function changesOf(report: MirrorReport): string[] {
  const envs = report.sites.flatMap((r) => r.envs.map((e) => ({ site: r.site, e })));
  const lines: string[] = [];
  const made = envs.filter(({ e }) => e.createdBackup).map(({ site, e }) => `${site}.${e.env}`);
  if (made.length)
    lines.push(
      `Made a new backup of ${someOf(made)} first (${made.length === 1 ? 'its newest was' : 'their newest were'} older than --fresh-within).`,
    );
  const pruned = envs.flatMap(({ e }) => e.pruned.map((p) => relative(report.root, p) || p));
  if (pruned.length) lines.push(`Removed older sets: ${someOf(pruned)} (${pruned.length}).`);
  return lines;
}

/** `lifeboat mirror verify DIR`: every set of a mirror checked against its manifest and the gzip stream. */
export const mirrorVerify: CommandSpec = {
  name: 'mirror verify',
  summary: 'Check every archive of a mirror against its manifest and its gzip stream',
  description:
    'Reads every archive of every set in the mirror: its size and sha256 against the manifest, and its gzip ' +
    'stream to the end (CRC and length), so bit rot and truncation show. Nothing is changed or downloaded. A set ' +
    'without a complete manifest is incomplete (a mirror run that did not finish it: run the mirror again). ' +
    'The table lists the sets with a problem first; on stderr, a line for each of them as it is found. ' +
    'lifeboat mirror --verify downloads the damaged archives of the newest sets again. ' +
    'Exits 6 when an archive is damaged, else 1 when a set is incomplete, else 0.',
  positionals: [
    { name: 'DIR', required: true, description: 'the mirror’s folder (as given to mirror --to)' },
  ],
  flags: {},
  globals: ['json'],
  // It reads only the folder; a wrapper passing its account flags to every lifeboat command still works.
  ignoresGlobals: ['api-url', 'machine-token', 'demo', 'account'],
  examples: ['lifeboat mirror verify /backups/pantheon', 'lifeboat mirror verify /backups/pantheon --json'],
  json: [
    {
      type: 'object',
      fields: { root: 'string', sets: 'object[]', totals: 'object' },
      note: 'the shared model MirrorVerifyReport: each set with path, site, env, backupFolder, status (ok, damaged, incomplete) and its archives (filename, status: ok, missing, size, sha256, gzip; message); totals counts sets by status',
    },
  ],
  async run(ctx: RunContext) {
    const root = resolve(ctx.positionals[0]!);
    // A file given for the folder is said as a file, not as a folder that is not there (still not found: exit 4).
    const st = await stat(root).catch(() => null);
    if (st && !st.isDirectory())
      throw new LifeboatError(
        'not-found',
        `${root} is a file, not a mirror's folder: give the folder a mirror was made in (as given to mirror --to).`,
      );
    const progress = verifyProgress(ctx, root);
    const report = await verifyMirror(root, { signal: ctx.io.signal, onSet: progress.onSet }).finally(() =>
      progress.done(),
    );
    if (ctx.json) ctx.print(JSON.stringify(report));
    else printVerify(ctx, report);
    if (report.totals.damaged > 0) return EXIT.integrity;
    return report.totals.incomplete > 0 ? EXIT.error : EXIT.ok;
  },
};

/**
 * The progress of a verification on stderr, none with --json: on a terminal, a count of the sets checked
 * redrawn on one line; elsewhere, a line for each set that is not ok (a big mirror's thousands of good sets would
 * bury the few that matter).
 */
function verifyProgress(
  ctx: RunContext,
  root: string,
): { onSet: (set: MirrorVerifySet) => void; done: () => void } {
  const out = ctx.io.stderr as NodeJS.WriteStream;
  if (ctx.json) return { onSet: () => undefined, done: () => undefined };
  const counts = { ok: 0, damaged: 0, incomplete: 0 };
  let drawn = false;
  const draw = (): void => {
    const n = counts.ok + counts.damaged + counts.incomplete;
    out.write(
      `\r\x1b[2KChecked ${n} set${n === 1 ? '' : 's'}: ${counts.ok} ok, ${counts.damaged} damaged, ${counts.incomplete} incomplete`,
    );
    drawn = true;
  };
  const redraw = throttle(draw, 100);
  return {
    onSet(set) {
      counts[set.status]++;
      const line = `${relative(root, set.path)}: ${set.status}`;
      if (!out.isTTY) {
        if (set.status !== 'ok') ctx.note(line);
        return;
      }
      if (set.status !== 'ok') {
        out.write(`\r\x1b[2K${printable(line)}\n`);
        draw();
      } else redraw.push(undefined);
    },
    done() {
      redraw.flush();
      if (drawn) out.write('\r\x1b[2K');
    },
  };
}

/** Sets with a problem first (damaged, then incomplete), each group in the mirror's order. */
const VERIFY_ORDER: Readonly<Record<MirrorVerifySet['status'], number>> = {
  damaged: 0,
  incomplete: 1,
  ok: 2,
};

function printVerify(ctx: RunContext, report: MirrorVerifyReport): void {
  if (report.sets.length === 0) {
    ctx.print(`No backup sets in ${report.root}.`);
    return;
  }
  // The archives' own problems; the set's message only when it says something else (a damaged set's message
  // repeats its archives' problems).
  const problem = (s: MirrorVerifySet): string => {
    const archives = s.archives
      .filter((a) => a.status !== 'ok')
      .map((a) => `${a.filename}: ${a.message ?? a.status}`);
    return archives.length ? archives.join('; ') : (s.message ?? '');
  };
  const sets = [...report.sets].sort((a, b) => VERIFY_ORDER[a.status] - VERIFY_ORDER[b.status]);
  ctx.print(
    table([
      ['SET', 'STATUS', 'ARCHIVES', 'PROBLEM'],
      ...sets.map((s) => [
        relative(report.root, s.path) || '.',
        s.status,
        String(s.archives.length),
        problem(s),
      ]),
    ]),
  );
  const t = report.totals;
  ctx.print(`\n${t.ok} ok, ${t.damaged} damaged, ${t.incomplete} incomplete, in ${report.root}.`);
  const damaged = report.sets.filter((s) => s.status === 'damaged');
  if (damaged.length === 0) return;
  // What to do, as a command to copy: the damaged sets' sites and environments, when they are few enough to name.
  const sites = [...new Set(damaged.map((s) => s.site).filter((x): x is string => Boolean(x)))];
  const envs = [...new Set(damaged.map((s) => s.env).filter((x): x is string => Boolean(x)))];
  const named = sites.length > 0 && sites.length <= 5 && damaged.every((s) => s.site && s.env);
  const selection = named
    ? `${sites.map((x) => `--site ${shellWord(x)}`).join(' ')}${envs.join(',') === 'live' ? '' : ` --env ${envs.join(',')}`}`
    : '…';
  ctx.print(
    `Run lifeboat mirror --to ${shellWord(report.root)} ${selection} --verify to download damaged archives of ` +
      'the newest sets again (older sets may no longer be on Pantheon).',
  );
}
