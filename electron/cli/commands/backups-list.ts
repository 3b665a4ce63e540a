import { formatBytes } from '../../services/transfer/disk';
import { EXIT } from '../exit-codes';
import { elementsOf, siteEnv, siteWithEnv, type RunContext } from '../context';
import { localDateTimeOr } from '../dates';
import { table } from '../output';
import type { CommandSpec } from '../registry';

const ARCHIVE_FIELDS = {
  id: 'string',
  element: 'string',
  filename: 'string',
  folder: 'string',
  size: 'number',
  finished: 'boolean',
  date: 'number|null',
  ttl: 'number',
  expiresAt: 'number|null',
} as const;

/** `lifeboat backups list SITE.ENV`: the backup catalog of an environment. */
export const backupsList: CommandSpec = {
  name: 'backups list',
  summary: 'List the backups of an environment, newest first',
  description:
    'Shows each backup set (one folder of the catalog) with its archives. With --element, only backups ' +
    'that have that element; with --json and --element, only the archives of that element, as Terminus’s ' +
    'backup:list --element lists them.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    element: {
      type: 'string',
      value: 'code|files|database|db|all',
      description: 'only this element (default all)',
    },
  },
  examples: [
    'lifeboat backups list acme-blog.live',
    'lifeboat backups list acme-blog.live --element db --json',
  ],
  json: [
    {
      type: 'array',
      fields: {
        folder: 'string',
        scheduledFor: 'number',
        initiator: 'string',
        archives: 'object',
        finished: 'boolean',
        totalSize: 'number',
      },
      note: 'the shared model BackupSet, newest first; times are seconds since the epoch (UTC)',
    },
    {
      when: 'with --element code|files|database',
      type: 'array',
      fields: ARCHIVE_FIELDS,
      note: 'the shared model BackupArchive, of that element only, newest first',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const elements = elementsOf(ctx.str('element'), 'all', true);
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const sets = (await client.listBackupSets(site, ref.env)).filter((s) =>
      elements.some((el) => s.archives[el]),
    );
    const one = elements.length === 1 ? elements[0]! : null;
    if (ctx.json) {
      ctx.print(JSON.stringify(one ? sets.map((s) => s.archives[one]!) : sets));
      return EXIT.ok;
    }
    if (sets.length === 0) {
      ctx.print(
        `No backups of ${ref.site}.${ref.env}${one ? ` with a ${one} archive` : ''} yet. Create one with: lifeboat backups create ${ref.site}.${ref.env}`,
      );
      return EXIT.ok;
    }
    ctx.print(
      table([
        ['FOLDER', 'DATE', 'BY', ...elements.map((e) => e.toUpperCase()), 'EXPIRES'],
        ...sets.map((s) => {
          const any = (one ? s.archives[one] : undefined) ?? Object.values(s.archives).find(Boolean);
          return [
            s.folder,
            localDateTimeOr(any?.date ?? null),
            s.initiator,
            ...elements.map((el) => {
              const a = s.archives[el];
              return a ? (a.finished ? formatBytes(a.size) : 'pending') : '—';
            }),
            localDateTimeOr(any?.expiresAt ?? null, any?.date ? 'unknown' : 'pending'),
          ];
        }),
      ]),
    );
    return EXIT.ok;
  },
};
