import { resolve } from 'node:path';
import { downloadArchive } from '../../services/restore/download-archive';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT } from '../exit-codes';
import { asJob, elementsOf, siteEnv, siteWithEnv, type RunContext } from '../context';
import { backupNameOfFolder } from '../dates';
import { downloadTitle } from '../../services/jobs/titles';
import { UsageError, type CommandSpec } from '../registry';

/** `lifeboat download SITE.ENV --to DIR`: one archive as it is (the designer's path). */
export const download: CommandSpec = {
  name: 'download',
  summary: 'Download one archive as it is, optionally unpacking only some of its folders',
  description:
    'Saves the archive under Pantheon’s file name in DIR, verified and resumable. With --include or --exclude ' +
    'it is also unpacked beside itself (code and files only), keeping what --include names and leaving out ' +
    'what --exclude names; a pattern matching nothing is refused.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    to: { type: 'string', value: 'DIR', required: true, description: 'the folder to save it in' },
    element: {
      type: 'string',
      value: 'code|files|database|db',
      description: 'the archive’s element (default files)',
    },
    backup: {
      type: 'string',
      value: 'latest|FOLDER',
      description: 'the newest finished archive (default) or the one of a backup folder',
    },
    include: {
      type: 'string',
      multiple: true,
      value: 'GLOB',
      description: 'unpack only what matches (files_live/2024/)',
    },
    exclude: { type: 'string', multiple: true, value: 'GLOB', description: 'unpack all but what matches' },
  },
  examples: [
    'lifeboat download acme-blog.live --element db --to ~/Downloads',
    'lifeboat download acme-blog.live --to ~/Downloads --include files_live/2024/ --exclude "**/*.pdf"',
  ],
  json: [
    {
      type: 'object',
      fields: { path: 'string', extractedTo: 'string|null', resumedBytes: 'number' },
      note: 'extractedTo is where the chosen folders were unpacked, null without --include/--exclude',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const to = ctx.str('to');
    if (!to) throw new UsageError('download needs --to DIR: the folder to put the archive in.');
    const [element] = elementsOf(ctx.str('element'), 'files', false);
    const conn = await ctx.connect();
    const { client, site } = await siteWithEnv(conn, ref);
    const progress = ctx.progress();
    const folder = ctx.str('backup') ?? 'latest';
    const request = {
      site: ref.site,
      env: ref.env,
      folder,
      element: element!,
      // Absolute: the app may retry the job from another working directory.
      targetDir: resolve(to),
      include: ctx.list('include'),
      exclude: ctx.list('exclude'),
    };
    const r = await asJob(
      ctx,
      progress,
      {
        kind: 'download',
        title: downloadTitle(element!, `${ref.site}.${ref.env}`, folder),
        plan: { accountId: conn.accountIdFor(client, site), apiUrl: client.apiUrl, ...request },
      },
      async (job) => {
        const result = await downloadArchive({ client, site }, request, job);
        return { result, outputPath: result.extractedTo ?? result.path };
      },
    );
    progress.done();
    ctx.print(
      ctx.json
        ? JSON.stringify(r)
        : `Saved ${r.path}${folder === 'latest' ? '' : ` (${backupNameOfFolder(folder)})`}${
            r.extractedTo ? ` and unpacked the chosen folders into ${r.extractedTo}` : ''
          }${r.resumedBytes > 0 ? `; ${formatBytes(r.resumedBytes)} were already downloaded` : ''}.`,
    );
    return EXIT.ok;
  },
};
