import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { table } from '../output';
import type { CommandSpec } from '../registry';

/** `lifeboat envs SITE`: a site's environments. */
export const envs: CommandSpec = {
  name: 'envs',
  summary: 'List the environments of a site, with their deploy tags and state',
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
    const conn = await ctx.connect();
    const { client, site } = await conn.site(ctx.positionals[0]!);
    const list = await client.listEnvironments(site);
    if (ctx.json) ctx.print(JSON.stringify(list));
    else
      ctx.print(
        table([
          ['ENV', 'DEPLOY TAG', 'DOMAIN', 'STATE', 'MODE'],
          ...list.map((e) => [
            e.id,
            e.deployTag ?? e.targetRef?.replace('refs/heads/', '') ?? '—',
            e.domain,
            e.initialized === null
              ? 'unknown'
              : e.initialized
                ? e.locked
                  ? 'locked'
                  : 'ready'
                : 'not initialized',
            e.connectionMode,
          ]),
        ]),
      );
    return EXIT.ok;
  },
};
