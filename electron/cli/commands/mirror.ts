import { relative, resolve } from 'node:path';
import { formatBytes } from '@shared/format';
import type { MirrorFailedAccount, MirrorReport, MirrorSiteReport, MirrorVerifyReport } from '@shared/models';
import { LifeboatError } from '../../services/errors';
import { checkMirrorRoot } from '../../services/mirror/local';
import { runMirror, DEFAULT_CONCURRENCY, MAX_CONCURRENCY } from '../../services/mirror/run';
import { parseShard, SAY_WHICH_SITES, selectSitesAndUnknown } from '../../services/mirror/select';
import type { MirrorTarget, Retention } from '../../services/mirror/types';
import { verifyMirror } from '../../services/mirror/verify';
import { EXIT, exitCodeFor } from '../exit-codes';
import { elementsOf, positiveInt, type RunContext } from '../context';
import { table } from '../output';
import { UsageError, type CommandSpec } from '../registry';

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
  r.envs.map((e) => (e.status === r.status ? e.env : `${e.env} (${e.status})`)).join(', ') || '—';

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
    'scheduled machines mirror all of them without coordinating.',
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
      description: `sites mirrored at once (default ${DEFAULT_CONCURRENCY}, at most ${MAX_CONCURRENCY})`,
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
    if (!to) throw new UsageError('mirror needs --to DIR: the mirror’s folder.');
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
        `--concurrency is at most ${MAX_CONCURRENCY} sites at once (more only waits on Pantheon's rate limit), not ${concurrency}.`,
      );
    let shard: { index: number; count: number } | null = null;
    if (ctx.str('shard') !== undefined) {
      try {
        shard = parseShard(ctx.str('shard')!);
      } catch (e) {
        throw new UsageError(e instanceof LifeboatError ? e.message : String(e));
      }
    }
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

    const total = shard ? '' : ` of ${targets.length}`;
    let started = 0;
    const report = await runMirror(targets, {
      root,
      envs,
      elements,
      ...(freshWithinSeconds !== undefined ? { freshWithinSeconds } : {}),
      ...(keepForDays !== undefined ? { keepForDays } : {}),
      ...(retention.keep !== undefined || retention.keepDays !== undefined ? { retention } : {}),
      concurrency,
      shard,
      unknownSites: unknown,
      failedAccounts,
      signal: ctx.io.signal,
      onSite: (event) => {
        // One line per site started and ended (sites run side by side, so no redrawn bar), none with --json.
        if (ctx.json) return;
        if (event.type === 'start') ctx.note(`[${++started}${total}] ${event.site}: mirroring…`);
        else if (event.type === 'end') {
          const r = event.report;
          ctx.note(
            r.status === 'failed'
              ? `${r.site}: failed: ${r.error?.message ?? 'unknown error'}`
              : `${r.site}: ${r.status}${r.bytes ? `, ${formatBytes(r.bytes)}` : ''} in ${clock(r.durationMs)}`,
          );
        }
      },
    });
    const cancelled = ctx.io.signal.aborted;
    if (ctx.json) ctx.print(JSON.stringify(report));
    else printReport(ctx, report);
    return mirrorExitCode(report, cancelled);
  },
};

function printReport(ctx: RunContext, report: MirrorReport): void {
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
  ctx.print(
    table([
      ['SITE', 'ENVS', 'STATUS', 'BYTES', 'TIME', 'ERROR'],
      ...report.sites.map((r) => [
        r.site,
        envsCell(r),
        r.status,
        formatBytes(r.bytes),
        clock(r.durationMs),
        r.error ? `${r.error.code}: ${r.error.message}` : '',
      ]),
    ]),
  );
  const notes = report.sites.flatMap((r) =>
    r.envs.filter((e) => e.note).map((e) => `  ${r.site}.${e.env}: ${e.note}`),
  );
  if (notes.length) ctx.print(`\nNotes:\n${notes.join('\n')}`);
  if (unread.length)
    ctx.print(
      `\nAccounts whose sites could not be read (their sites are not in this run):\n${unread.join('\n')}`,
    );
  const t = report.totals;
  ctx.print(
    `\n${t.sites} site${t.sites === 1 ? '' : 's'}${report.shard ? ` (shard ${report.shard.index}/${report.shard.count})` : ''}: ` +
      `${t.downloaded} downloaded, ${t.upToDate} up to date, ${t.skipped} skipped, ${t.failed} failed; ` +
      `${formatBytes(t.bytes)} downloaded into ${report.root}.`,
  );
}

/** `lifeboat mirror verify DIR`: every set of a mirror checked against its manifest and the gzip stream. */
export const mirrorVerify: CommandSpec = {
  name: 'mirror verify',
  summary: 'Check every archive of a mirror against its manifest and its gzip stream',
  description:
    'Reads every archive of every set in the mirror: its size and sha256 against the manifest, and its gzip ' +
    'stream to the end (CRC and length), so bit rot and truncation show. Nothing is changed or downloaded. A set ' +
    'without a complete manifest is incomplete (a mirror run that did not finish it: run the mirror again). ' +
    'Exits 6 when an archive is damaged, else 1 when a set is incomplete, else 0.',
  positionals: [
    { name: 'DIR', required: true, description: 'the mirror’s folder (as given to mirror --to)' },
  ],
  flags: {},
  globals: ['json'],
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
    const report = await verifyMirror(root, {
      signal: ctx.io.signal,
      // A line per set checked (reading every archive of a big mirror takes a while), none with --json.
      onSet: (set) => {
        if (!ctx.json) ctx.note(`${relative(root, set.path)}: ${set.status}`);
      },
    });
    if (ctx.json) ctx.print(JSON.stringify(report));
    else printVerify(ctx, report);
    if (report.totals.damaged > 0) return EXIT.integrity;
    return report.totals.incomplete > 0 ? EXIT.error : EXIT.ok;
  },
};

function printVerify(ctx: RunContext, report: MirrorVerifyReport): void {
  if (report.sets.length === 0) {
    ctx.print(`No backup sets in ${report.root}.`);
    return;
  }
  const problem = (s: MirrorVerifyReport['sets'][number]): string =>
    [
      ...s.archives.filter((a) => a.status !== 'ok').map((a) => `${a.filename}: ${a.message ?? a.status}`),
      ...(s.message ? [s.message] : []),
    ].join('; ');
  ctx.print(
    table([
      ['SET', 'STATUS', 'ARCHIVES', 'PROBLEM'],
      ...report.sets.map((s) => [
        relative(report.root, s.path) || '.',
        s.status,
        String(s.archives.length),
        problem(s),
      ]),
    ]),
  );
  const t = report.totals;
  ctx.print(`\n${t.ok} ok, ${t.damaged} damaged, ${t.incomplete} incomplete, in ${report.root}.`);
}
