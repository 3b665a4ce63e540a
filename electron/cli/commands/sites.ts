import type { Site } from '@shared/models';
import { selectSites } from '../../services/mirror/select';
import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { table } from '../output';
import type { CommandSpec } from '../registry';

/** A site as `sites --json` prints it: the shared Site without its one account id, with every account that sees it. */
export type ListedSite = Omit<Site, 'accountId'> & { readonly accounts: readonly string[] };

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
    const answers = await conn.eachAccount(async (c) => ({
      list: await c.client.listSites(),
      email: await conn.emailOf(c),
    }));
    const lists = answers.map(({ value }) => ({ email: value.email, ...value.list }));
    // The one selection rule, shared with the mirror: matched per account, each site once with its accounts.
    const listed: ListedSite[] = selectSites(lists, {
      queries: [query],
      org: ctx.str('org'),
      tag: ctx.str('tag'),
      framework: ctx.str('framework'),
      account: ctx.str('account'),
    }).map(({ site, accounts }) => {
      const { accountId: _, ...rest } = site;
      return { ...rest, accounts };
    });
    const rows = lists.flatMap((l) => l.sites);
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
