import type { Organization, Site } from '@shared/models';
import { filterSites, mergeAccounts, siteRows } from '@shared/site-search';
import { LifeboatError } from '../../services/errors';
import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { table } from '../output';
import type { CommandSpec } from '../registry';

/** A site as `sites --json` prints it: the shared Site without its one account id, with every account that sees it. */
export type ListedSite = Omit<Site, 'accountId'> & { readonly accounts: readonly string[] };

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

/** `lifeboat sites [QUERY]`: the app's site search over every account, each site once. */
export const sites: CommandSpec = {
  name: 'sites',
  summary: 'List and search the sites of every account, each site once with the accounts that see it',
  description:
    'The same search as the app: QUERY matches the name, label, organizations and tags (ignoring case); the ' +
    'flags narrow by organization, tag, framework and account. A site seen by several accounts is listed once, ' +
    'with all of them in ACCOUNTS. With --account only that account is read (and named in ACCOUNTS). A saved ' +
    'account that cannot log in (its token missing from the keychain, or refused) is skipped with a warning ' +
    'naming it: the list is that of the other accounts and the exit code 0, unless no account answered.',
  positionals: [
    { name: 'QUERY', required: false, description: 'text to find in the name, label, organizations or tags' },
  ],
  flags: {
    org: {
      type: 'string',
      value: 'ORG',
      description: 'only sites seen through this organization: its label, machine name or id',
    },
    tag: { type: 'string', value: 'TAG', description: 'only sites with this tag' },
    framework: {
      type: 'string',
      value: 'FRAMEWORK',
      description: 'only sites of this framework (wordpress, drupal, drupal8, …)',
    },
    account: { type: 'string', value: 'EMAIL', description: 'only sites this account sees' },
  },
  examples: [
    'lifeboat sites',
    'lifeboat sites acme --framework wordpress',
    'lifeboat sites --org "Globex Corporation" --tag priority --json',
    'lifeboat sites --org globex',
  ],
  json: [
    {
      type: 'array',
      fields: {
        id: 'string',
        name: 'string',
        label: 'string',
        framework: 'string',
        planName: 'string',
        frozen: 'boolean',
        organizations: 'string[]',
        tags: 'string[]',
        accounts: 'string[]',
      },
      note: 'the shared model Site (without accountId), sorted by name; accounts are the emails that see it (of the accounts read)',
    },
  ],
  async run(ctx: RunContext) {
    const query = ctx.positionals[0] ?? '';
    // --account is the connection's: only that account is read (a broken other account is never touched).
    const conn = await ctx.connect();
    const rows: Site[] = [];
    const orgs: Organization[] = [];
    const emailOf = new Map<string, string>();
    const answers = await conn.eachAccount(async (c) => ({
      list: await c.client.listSites(),
      email: await conn.emailOf(c),
    }));
    for (const { value } of answers) {
      for (const s of value.list.sites) emailOf.set(s.accountId, value.email);
      rows.push(...value.list.sites);
      orgs.push(...value.list.organizations);
    }
    const wanted = ctx.str('account');
    const emails = [...new Set(emailOf.values())];
    if (wanted && !emails.includes(wanted))
      throw new LifeboatError(
        'not-found',
        `No account ${wanted} sees any of these sites; the accounts are: ${emails.join(', ') || 'none'}.`,
      );
    const accountIds = [...emailOf].filter(([, e]) => e === wanted).map(([id]) => id);
    const org = ctx.str('org');
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
    const filters = {
      framework: ctx.str('framework')
        ? spelled(
            ctx.str('framework')!,
            rows.map((s) => s.framework),
          )
        : '',
      organization: '',
      tag: ctx.str('tag')
        ? spelled(
            ctx.str('tag')!,
            rows.flatMap((s) => s.tags),
          )
        : '',
    };
    // Matched per account (the app's filter), then listed once per site with every account that sees it.
    const all = siteRows(rows.filter((s) => !labels || s.organizations.some((l) => labels.has(l))));
    const matched = new Set<string>();
    for (const account of wanted ? accountIds : [''])
      for (const r of filterSites(all, query, { ...filters, account })) matched.add(r.site.id);
    const listed: ListedSite[] = mergeAccounts(rows)
      .filter((m) => matched.has(m.site.id))
      .map(({ site, accountIds: ids }) => {
        const { accountId: _, ...rest } = site;
        return { ...rest, accounts: ids.map((id) => emailOf.get(id) ?? id) };
      })
      .sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    if (ctx.json) ctx.print(JSON.stringify(listed));
    else if (listed.length === 0) ctx.print(rows.length ? 'No sites match.' : 'No sites.');
    else
      ctx.print(
        table([
          ['NAME', 'LABEL', 'FRAMEWORK', 'PLAN', 'ORGANIZATIONS', 'ACCOUNTS', 'FROZEN'],
          ...listed.map((s) => [
            s.name,
            s.label,
            s.framework,
            s.planName,
            s.organizations.join(', ') || '—',
            s.accounts.join(', '),
            s.frozen ? 'yes' : 'no',
          ]),
        ]),
      );
    return EXIT.ok;
  },
};
