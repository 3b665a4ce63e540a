import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { table } from '../output';
import { UsageError, type CommandSpec } from '../registry';

/** A ref as people name it: `refs/heads/master` → master, `refs/tags/pantheon_live_3` → pantheon_live_3. */
const shortRef = (ref: string | null): string => ref?.replace(/^refs\/(heads|tags)\//, '') || '—';

/** `lifeboat envs SITE`: a site's environments. */
export const envs: CommandSpec = {
  name: 'envs',
  summary: 'List the environments of a site, with their deploy tags and state',
  description:
    'DEPLOY TAG is the tag test and live were deployed from (— for dev and multidevs, which run a branch); REF ' +
    'is the branch or tag each runs. A frozen site has only dev: Pantheon hides test and live while it is frozen.',
  positionals: [{ name: 'SITE', required: true, description: 'the site’s name (or id)' }],
  flags: {},
  examples: ['lifeboat envs acme-blog', 'lifeboat envs acme-blog --json'],
  json: [
    {
      type: 'array',
      fields: {
        id: 'string',
        multidev: 'boolean',
        initialized: 'boolean|null',
        deployTag: 'string|null',
        domain: 'string',
        connectionMode: 'string',
        locked: 'boolean',
      },
      note: 'the shared model Environment; initialized is null when Pantheon did not say',
    },
  ],
  async run(ctx: RunContext) {
    const ref = ctx.positionals[0]!;
    // Site names have no dots: `acme-blog.live` is the SITE.ENV of other commands.
    const dot = ref.indexOf('.');
    if (dot > 0)
      throw new UsageError(
        `envs takes a site, not SITE.ENV: lifeboat envs ${ref.slice(0, dot)} lists the environments of ${ref.slice(0, dot)}.`,
      );
    const conn = await ctx.connect();
    const { client, site } = await conn.site(ref);
    const list = await client.listEnvironments(site);
    if (ctx.json) {
      ctx.print(JSON.stringify(list));
      return EXIT.ok;
    }
    ctx.print(
      table([
        ['ENV', 'DEPLOY TAG', 'DOMAIN', 'STATE', 'MODE', 'REF'],
        ...list.map((e) => [
          e.id,
          e.deployTag ?? '—',
          e.domain,
          e.initialized === null
            ? 'unknown'
            : e.initialized
              ? e.locked
                ? 'locked'
                : 'ready'
              : 'not initialized',
          e.connectionMode,
          shortRef(e.targetRef),
        ]),
      ]),
    );
    if (site.frozen)
      ctx.print(
        `${site.name} is frozen: its test and live environments are hidden until it is unfrozen in the Pantheon dashboard.`,
      );
    return EXIT.ok;
  },
};
