import { createHash } from 'node:crypto';
import { closestName } from '@shared/closest';
import type { Organization, Site } from '@shared/models';
import { filterSites, mergeAccounts, siteRows } from '@shared/site-search';
import { LifeboatError } from '../errors';

/** One account's site list, as `PantheonClient.listSites` gives it, named by the account's email. */
export interface AccountSiteList {
  readonly email: string;
  readonly sites: readonly Site[];
  readonly organizations: readonly Organization[];
}

/**
 * Which sites to take: those matching every criterion given, where the queries and the hand-picked sites are
 * one "any of" group (a site matching one query or picked by name is in). The shape of {@link MirrorSelection},
 * plus `framework` for `lifeboat sites`.
 */
export interface SiteCriteria {
  /** Texts searched as the app's site list searches (name, label, organizations, tags, ignoring case). */
  readonly queries?: readonly string[];
  /**
   * Site names or ids picked by hand; one that no account sees is an error naming the closest (or, with
   * {@link selectSitesAndUnknown}, returned apart).
   */
  readonly sites?: readonly string[];
  /** An organization's label, machine name or id (ignoring case), as Terminus's `--org` takes it. */
  readonly org?: string;
  /** A tag, in any case (`Priority` finds `priority`). */
  readonly tag?: string;
  readonly framework?: string;
  /** An account's email: only the sites it sees, taken through it. */
  readonly account?: string;
  /** Every site; required by {@link selectSites}'s `requireNarrowing` when nothing else narrows. */
  readonly all?: boolean;
}

/** A selected site, once, with the account it is taken through. */
export interface SelectedSite {
  /** The site with its organizations and tags as every account sees them, and the chosen account's id. */
  readonly site: Site;
  /** The email of the account to go through: `criteria.account`, else the first account (in list order) that sees it. */
  readonly account: string;
  /** The position of that account in the lists given (so a caller finds its client). */
  readonly accountIndex: number;
  /** Every account that sees the site, by email, in list order. */
  readonly accounts: readonly string[];
}

/** The words of the error when nothing narrows a mirror and `--all` was not given. */
export const SAY_WHICH_SITES = 'Say which sites to mirror: a QUERY, --org, --tag, --account or --all.';

/** `value` as the list spells it (`--tag Priority` finds `priority`), or `value` itself when none matches. */
const spelled = (value: string, known: Iterable<string>): string =>
  [...known].find((k) => k.toLowerCase() === value.trim().toLowerCase()) ?? value.trim();

/**
 * The organization labels `--org` names: it matches an organization's label or machine name (ignoring case) or
 * its id, as Terminus's `site:list --org` takes a name or an id. Sites carry their organizations' labels.
 */
function orgLabels(value: string, orgs: readonly Organization[]): Set<string> {
  const v = value.trim().toLowerCase();
  return new Set(
    orgs
      .filter((o) => o.label.toLowerCase() === v || o.name.toLowerCase() === v || o.id.toLowerCase() === v)
      .map((o) => o.label),
  );
}

const given = (s: string | undefined): s is string => s !== undefined && s.trim() !== '';

/** A site picked by hand that no account sees: the name as given, and what to tell (with the closest name). */
export interface UnknownSite {
  readonly name: string;
  readonly message: string;
}

/**
 * The one site selection of `lifeboat sites`, `lifeboat mirror` and the app's mirror: each matching site once,
 * sorted by name, with the account it is taken through. The matching is the app's search (shared/site-search),
 * per account, so `--account` keeps the sites that account sees. An unknown organization, account or
 * hand-picked site is `not-found` naming those there are; with `requireNarrowing`, criteria that narrow nothing
 * (no query, site, organization, tag or account) are refused unless `all` is set, so an empty form never means
 * "every site" by accident.
 */
export function selectSites(
  lists: readonly AccountSiteList[],
  criteria: SiteCriteria,
  options: { readonly requireNarrowing?: boolean } = {},
): SelectedSite[] {
  const { selected, unknown } = selectSitesAndUnknown(lists, criteria, options);
  if (unknown.length > 0) throw new LifeboatError('not-found', unknown[0]!.message);
  return selected;
}

/**
 * {@link selectSites}, except that hand-picked sites no account sees are returned apart (`unknown`, in the order
 * given, each with the closest name) instead of refusing the whole selection: a mirror goes on with the sites
 * that exist the day a client's site is deleted, and reports the missing one as failed.
 */
export function selectSitesAndUnknown(
  lists: readonly AccountSiteList[],
  criteria: SiteCriteria,
  options: { readonly requireNarrowing?: boolean } = {},
): { selected: SelectedSite[]; unknown: UnknownSite[] } {
  const queries = (criteria.queries ?? []).filter(given).map((q) => q.trim());
  const picked = (criteria.sites ?? []).filter(given).map((s) => s.trim());
  const narrowed =
    queries.length > 0 ||
    picked.length > 0 ||
    given(criteria.org) ||
    given(criteria.tag) ||
    given(criteria.framework) ||
    given(criteria.account);
  if (options.requireNarrowing && !narrowed && !criteria.all)
    throw new LifeboatError('invalid-request', SAY_WHICH_SITES);

  const rows: Site[] = [];
  const orgs: Organization[] = [];
  const emailOf = new Map<string, string>();
  const indexOf = new Map<string, number>();
  lists.forEach((list, i) => {
    for (const s of list.sites) {
      if (!emailOf.has(s.accountId)) emailOf.set(s.accountId, list.email);
      if (!indexOf.has(list.email)) indexOf.set(list.email, i);
    }
    rows.push(...list.sites);
    orgs.push(...list.organizations);
  });

  const wanted = given(criteria.account) ? criteria.account.trim() : undefined;
  const emails = [...new Set(emailOf.values())];
  if (wanted && !emails.includes(wanted))
    throw new LifeboatError(
      'not-found',
      `No account ${wanted} sees any of these sites; the accounts are: ${emails.join(', ') || 'none'}.`,
    );
  const accountIds = [...emailOf].filter(([, e]) => e === wanted).map(([id]) => id);

  const org = criteria.org;
  const labels = org === undefined ? null : orgLabels(org, orgs);
  if (org !== undefined && labels!.size === 0) {
    const known = [...new Map(orgs.map((o) => [o.id, o])).values()].map(
      (o) => `${o.label}${o.name && o.name !== o.label ? ` (${o.name})` : ''}`,
    );
    throw new LifeboatError(
      'not-found',
      `No organization is named '${org}'. ${known.length ? `The organizations: ${known.join(', ')}.` : 'These accounts are in no organization.'}`,
    );
  }

  // A site picked by hand that no account sees (a typo, or a site since deleted) is said with the closest name.
  const byName = new Map<string, string>();
  for (const s of rows) {
    byName.set(s.name.toLowerCase(), s.id);
    byName.set(s.id.toLowerCase(), s.id);
  }
  const pickedIds = new Set<string>();
  const unknown: UnknownSite[] = [];
  for (const p of picked) {
    const id = byName.get(p.toLowerCase());
    if (id === undefined) {
      if (unknown.some((u) => u.name.toLowerCase() === p.toLowerCase())) continue;
      const close = closestName(p, [...new Set(rows.map((s) => s.name))]);
      unknown.push({
        name: p,
        message: `No account sees a site '${p}'.${close ? ` Did you mean '${close}'?` : ''}`,
      });
      continue;
    }
    pickedIds.add(id);
  }

  const filters = {
    framework: given(criteria.framework)
      ? spelled(
          criteria.framework,
          rows.map((s) => s.framework),
        )
      : '',
    organization: '',
    tag: given(criteria.tag)
      ? spelled(
          criteria.tag,
          rows.flatMap((s) => s.tags),
        )
      : '',
  };
  // Matched per account (the app's filter), then taken once per site with every account that sees it.
  const all = siteRows(rows.filter((s) => !labels || s.organizations.some((l) => labels.has(l))));
  const anyOf = queries.length > 0 || picked.length > 0;
  const matched = new Set<string>();
  for (const account of wanted ? accountIds : [''])
    for (const q of anyOf ? queries : [''])
      for (const r of filterSites(all, q, { ...filters, account })) matched.add(r.site.id);
  if (picked.length > 0)
    for (const account of wanted ? accountIds : [''])
      for (const r of filterSites(all, '', { ...filters, account }))
        if (pickedIds.has(r.site.id)) matched.add(r.site.id);

  const selected = mergeAccounts(rows)
    .filter((m) => matched.has(m.site.id))
    .map(({ site, accountIds: ids }) => {
      const accounts = [...new Set(ids.map((id) => emailOf.get(id) ?? id))];
      const account = wanted ?? accounts[0]!;
      const accountId = wanted ? ids.find((id) => emailOf.get(id) === wanted)! : ids[0]!;
      return {
        site: { ...site, accountId },
        account,
        accountIndex: indexOf.get(account) ?? 0,
        accounts,
      };
    })
    .sort((a, b) => a.site.name.localeCompare(b.site.name) || a.site.id.localeCompare(b.site.id));
  return { selected, unknown };
}

/**
 * Whether a site belongs to shard `index` of `count` (1-based): sha256 of its id, read as a big-endian uint32
 * from the first 4 bytes, mod `count`, is `index - 1`. It depends on the id alone, so N machines given the same
 * selection split it with no coordination, and a site never changes shard when others come or go.
 */
export function inShard(siteId: string, index: number, count: number): boolean {
  return createHash('sha256').update(siteId, 'utf8').digest().readUInt32BE(0) % count === index - 1;
}

/** The most shards a selection is split into: more machines than this is a typo, not a fleet. */
export const MAX_SHARDS = 1000;

/**
 * `--shard I/N` as numbers: 1 ≤ I ≤ N ≤ {@link MAX_SHARDS}, both whole; anything else is `invalid-request` saying
 * what is wrong.
 */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m)
    throw new LifeboatError(
      'invalid-request',
      `--shard takes I/N, this machine's share of N (for example 1/4), not "${text}".`,
    );
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1) throw new LifeboatError('invalid-request', `--shard ${text}: N must be at least 1.`);
  if (count > MAX_SHARDS)
    throw new LifeboatError(
      'invalid-request',
      `--shard ${text}: N is the number of machines sharing the work, at most ${MAX_SHARDS}.`,
    );
  if (index < 1 || index > count)
    throw new LifeboatError(
      'invalid-request',
      `--shard ${text}: I counts from 1 to N (${count}), so it is one of 1 to ${count}.`,
    );
  return { index, count };
}
