import { archiveInfo, selectArchive } from '../../services/backups/select-archive';
import { urlExpiry } from '../../services/transfer/download';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT } from '../exit-codes';
import { siteEnv, siteWithEnv, type RunContext } from '../context';
import { isoUtc, localDateTime, localDateTimeOr } from '../dates';
import type { CommandSpec } from '../registry';
import { ARCHIVE_FLAGS, archiveChoice } from './backups-get';

/** `lifeboat backups info SITE.ENV`: the facts of one archive, as Terminus's `backup:info`. */
export const backupsInfo: CommandSpec = {
  name: 'backups info',
  summary: 'Show one backup archive: file name, size, date, expiry, initiator, link expiry',
  description:
    'The archive is the latest finished one of the element unless --file or --backup names another. The link ' +
    'expiry is that of a signed download link asked for now (the link itself is not shown; see backups get).',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: ARCHIVE_FLAGS,
  examples: [
    'lifeboat backups info acme-blog.live',
    'lifeboat backups info acme-blog.live --element db --backup 1795910400_automated --json',
  ],
  json: [
    {
      type: 'object',
      fields: {
        filename: 'string',
        size: 'number',
        date: 'string|null',
        expiry: 'string|null',
        initiator: 'string',
        folder: 'string',
        element: 'string',
        key: 'string',
        urlExpiry: 'string|null',
      },
      note: 'dates in ISO-8601 UTC',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const choice = archiveChoice(ctx, false);
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const archive = selectArchive(await client.listArchives(site, ref.env), choice);
    const info = archiveInfo(archive);
    const url = await client.archiveUrl(site, ref.env, archive.folder, archive.element, ctx.io.signal);
    const expires = urlExpiry(url);
    const urlExpiresAt = expires === null ? null : Math.floor(expires / 1000);
    if (ctx.json) {
      ctx.print(
        JSON.stringify({
          ...info,
          date: isoUtc(info.date),
          expiry: isoUtc(info.expiry),
          urlExpiry: isoUtc(urlExpiresAt),
        }),
      );
      return EXIT.ok;
    }
    const rows: [string, string][] = [
      ['File', info.filename],
      ['Size', formatBytes(info.size)],
      ['Date', localDateTimeOr(info.date)],
      ['Expiry', localDateTimeOr(info.expiry, 'unknown')],
      ['Initiator', info.initiator],
      ['Folder', info.folder],
      ['Element', info.element],
      ['URL expiry', urlExpiresAt === null ? 'unknown' : localDateTime(urlExpiresAt)],
    ];
    ctx.print(rows.map(([k, v]) => `${k.padEnd(11)} ${v}`).join('\n'));
    return EXIT.ok;
  },
};
