import type { BackupArchive, BackupSet, Element } from '@shared/models';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT } from '../exit-codes';
import { elementsOf, siteEnv, siteWithEnv, type RunContext } from '../context';
import { epochOrNull, localDateTime } from '../dates';
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

/**
 * An archive as the list shows it: an archive still being written has no date or expiry yet (the catalog's
 * timestamp is when it was started), and a time `Date` cannot represent is none either.
 */
function shown(a: BackupArchive): BackupArchive {
  return a.finished
    ? { ...a, date: epochOrNull(a.date), expiresAt: epochOrNull(a.expiresAt) }
    : { ...a, date: null, expiresAt: null };
}

/** A set with only its finished archives (Terminus lists those), or null when none is finished. */
function finishedOnly(s: BackupSet): BackupSet | null {
  const archives: Partial<Record<Element, BackupArchive>> = {};
  for (const [el, a] of Object.entries(s.archives)) if (a?.finished) archives[el as Element] = a;
  const list = Object.values(archives);
  if (list.length === 0) return null;
  return { ...s, archives, finished: true, totalSize: list.reduce((n, a) => n + a.size, 0) };
}

/** `lifeboat backups list SITE.ENV`: the backup catalog of an environment. */
export const backupsList: CommandSpec = {
  name: 'backups list',
  summary: 'List the finished backups of an environment, newest first',
  description:
    'Shows each backup set (one folder of the catalog) with its finished archives, as Terminus’s backup:list ' +
    'lists finished backups only; --all adds archives still being written, marked pending (with no date or ' +
    'expiry yet). With --element, only backups that have that element; with --json and --element, only the ' +
    'archives of that element, as Terminus’s backup:list --element lists them.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    element: {
      type: 'string',
      value: 'code|files|database|db|all',
      description: 'only this element (default all)',
    },
    all: { type: 'boolean', description: 'also list archives still being written (pending)' },
  },
  examples: [
    'lifeboat backups list acme-blog.live',
    'lifeboat backups list acme-blog.live --element db --json',
    'lifeboat backups list acme-blog.live --all',
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
      note: 'the shared model BackupSet, newest first, with its finished archives only (with --all, every archive; one still being written has finished false and date and expiresAt null); times are seconds since the epoch (UTC)',
    },
    {
      when: 'with --element code|files|database',
      type: 'array',
      fields: ARCHIVE_FIELDS,
      note: 'the shared model BackupArchive, of that element only, newest first (finished ones unless --all)',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const elements = elementsOf(ctx.str('element'), 'all', true);
    const all = ctx.bool('all');
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const sets = (await client.listBackupSets(site, ref.env))
      .map((s) => (all ? s : finishedOnly(s)))
      .filter((s): s is BackupSet => s !== null && elements.some((el) => s.archives[el]))
      .map((s) => {
        const archives: Partial<Record<Element, BackupArchive>> = {};
        for (const [el, a] of Object.entries(s.archives)) if (a) archives[el as Element] = shown(a);
        return { ...s, archives };
      });
    const one = elements.length === 1 ? elements[0]! : null;
    if (ctx.json) {
      ctx.print(JSON.stringify(one ? sets.map((s) => s.archives[one]!) : sets));
      return EXIT.ok;
    }
    if (sets.length === 0) {
      ctx.print(
        `No ${all ? '' : 'finished '}backups of ${ref.site}.${ref.env}${one ? ` with a ${one} archive` : ''} yet. Create one with: lifeboat backups create ${ref.site}.${ref.env}`,
      );
      return EXIT.ok;
    }
    ctx.print(
      table([
        ['FOLDER', 'DATE', 'BY', ...elements.map((e) => e.toUpperCase()), 'EXPIRES'],
        ...sets.map((s) => {
          // The date of the set is that of an archive shown in the row that is finished; none yet is pending.
          const wanted = (one ? [s.archives[one]] : elements.map((el) => s.archives[el])).filter(
            (a): a is BackupArchive => Boolean(a),
          );
          const done = wanted.find((a) => a.finished);
          return [
            s.folder,
            done ? (done.date === null ? 'unknown' : localDateTime(done.date)) : 'pending',
            s.initiator,
            ...elements.map((el) => {
              const a = s.archives[el];
              return a ? (a.finished ? formatBytes(a.size) : 'pending') : '—';
            }),
            done ? (done.expiresAt === null ? 'unknown' : localDateTime(done.expiresAt)) : 'pending',
          ];
        }),
      ]),
    );
    return EXIT.ok;
  },
};
