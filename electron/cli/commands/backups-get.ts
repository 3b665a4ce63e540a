import { constants } from 'node:fs';
import { copyFile, link, lstat, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackupArchive } from '@shared/models';
import { selectArchive } from '../../services/backups/select-archive';
import { LifeboatError } from '../../services/errors';
import { downloadArchive } from '../../services/restore/download-archive';
import { urlExpiry } from '../../services/transfer/download';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT } from '../exit-codes';
import { elementsOf, siteEnv, siteWithEnv, type RunContext } from '../context';
import { backupNameOfFolder, isoUtc } from '../dates';
import { hasControl } from '../output';
import { UsageError, type CommandSpec, type FlagSpec } from '../registry';

/** The flags that pick one archive, shared by `backups get` and `backups info`. */
export const ARCHIVE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  element: {
    type: 'string',
    value: 'code|files|database|db',
    description: 'the element (default files, as Terminus); a --file names its own',
  },
  file: {
    type: 'string',
    value: 'FILENAME',
    oneOf: 'archive',
    description: 'the archive by its file name (as backups list --json shows it) or catalog key',
  },
  backup: {
    type: 'string',
    value: 'FOLDER',
    oneOf: 'archive',
    description: 'the archive of the element in this backup folder',
  },
};

/** Which archive the flags name (the latest finished one of the element when none), checked before connecting. */
export function archiveChoice(
  ctx: RunContext,
  allowLatest: boolean,
): { element: BackupArchive['element']; file?: string; folder?: string } {
  const picked = ['file', 'backup', ...(allowLatest ? ['latest'] : [])].filter((f) =>
    f === 'latest' ? ctx.bool(f) : ctx.str(f) !== undefined,
  );
  if (picked.length > 1)
    throw new UsageError(
      `Give one of ${picked.map((f) => `--${f}`).join(' and ')}, not both: each picks an archive.`,
    );
  const [element] = elementsOf(ctx.str('element'), 'files', false);
  return {
    element: element!,
    ...(ctx.str('file') ? { file: ctx.str('file')! } : {}),
    ...(ctx.str('backup') ? { folder: ctx.str('backup')! } : {}),
  };
}

/** Where `--to` puts the archive: into a folder under Pantheon's file name, or as the file named. */
async function targetOf(to: string): Promise<{ dir: string; file: string | null }> {
  const path = resolve(to);
  const st = await stat(path).catch(() => null);
  if (st?.isDirectory() || /[\\/]$/.test(to)) return { dir: path, file: null };
  return { dir: dirname(path), file: path };
}

/** `lifeboat backups get SITE.ENV`: one archive's signed link, or the archive itself with `--to`. */
export const backupsGet: CommandSpec = {
  name: 'backups get',
  summary: 'Print the download link of one backup archive, or download it with --to',
  description:
    'Without --to, prints the archive’s signed link on stdout and nothing else, for other tools (curl, wget, ' +
    'Terminus scripts); it expires within hours and is never written to a log. With --to, downloads the archive ' +
    'with Lifeboat’s verified download: into a folder under Pantheon’s file name (resumed when run again), or ' +
    'as the file named (fetched afresh in a private folder beside it). An existing file is never overwritten.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    ...ARCHIVE_FLAGS,
    latest: {
      type: 'boolean',
      oneOf: 'archive',
      description: 'the newest finished archive of the element (the default)',
    },
    to: {
      type: 'string',
      value: 'FILE|DIR',
      description: 'download it: into DIR (an existing folder, or a path ending in /) or as FILE',
    },
    'print-url': { type: 'boolean', description: 'print the signed link (the default without --to)' },
  },
  examples: [
    'lifeboat backups get acme-blog.live --element db',
    'curl -o db.sql.gz "$(lifeboat backups get acme-blog.live --element db --latest)"',
    'lifeboat backups get acme-blog.live --file acme-blog_live_2026-11-29T00-00-00_UTC_files.tar.gz --to ~/Downloads/',
  ],
  json: [
    {
      type: 'object',
      fields: {
        url: 'string',
        urlExpiresAt: 'string|null',
        filename: 'string',
        folder: 'string',
        element: 'string',
      },
      note: 'the signed link; urlExpiresAt in ISO-8601 UTC',
    },
    {
      when: 'with --to',
      type: 'object',
      fields: {
        path: 'string',
        filename: 'string',
        folder: 'string',
        element: 'string',
        resumedBytes: 'number',
      },
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const choice = archiveChoice(ctx, true);
    const to = ctx.str('to');
    if (to !== undefined && ctx.bool('print-url'))
      throw new UsageError(
        '--print-url prints the link instead of downloading: leave out --to, or --print-url.',
      );
    const target = to === undefined ? null : await targetOf(to);
    if (target?.file && (await lstat(target.file).catch(() => null)))
      throw new LifeboatError('conflict', `${target.file} already exists; Lifeboat will not overwrite it.`);
    const { client, site } = await siteWithEnv(await ctx.connect(), ref);
    const archive = selectArchive(await client.listArchives(site, ref.env), choice);
    if (!target) {
      const url = await client.archiveUrl(site, ref.env, archive.folder, archive.element, ctx.io.signal);
      // The link is printed as it is, for other tools: one with control characters in it (an escape sequence
      // a terminal would obey) is no link Lifeboat passes on.
      if (hasControl(url))
        throw new LifeboatError(
          'server',
          `Pantheon sent a download link for ${archive.filename} with control characters in it; it is not printed.`,
        );
      const expires = urlExpiry(url);
      // stdout only, and only the link: it is a credential for the archive until it expires.
      ctx.print(
        ctx.json
          ? JSON.stringify({
              url,
              urlExpiresAt: isoUtc(expires === null ? null : expires / 1000),
              filename: archive.filename,
              folder: archive.folder,
              element: archive.element,
            })
          : url,
      );
      return EXIT.ok;
    }
    const progress = ctx.progress();
    const fetchInto = async (targetDir: string) => {
      const r = await downloadArchive(
        { client, site },
        { site: ref.site, env: ref.env, folder: archive.folder, element: archive.element, targetDir },
        progress.ctx,
      );
      progress.done();
      return r;
    };
    if (!target.file) {
      const r = await fetchInto(target.dir);
      return done(ctx, archive, r.path, r.resumedBytes);
    }
    // As a named file: downloaded into a fresh private folder beside it (so nothing already on disk is taken
    // for the archive), then linked into place, which fails rather than overwrite a file that appeared
    // meanwhile. The folder goes whatever happens; the price is that such a download starts afresh each time.
    await mkdir(target.dir, { recursive: true });
    // The staging name carries at most 64 characters of the file's: a name near the system's 255-byte limit must
    // not make the temporary one too long (ENAMETOOLONG).
    const staging = await mkdtemp(
      join(target.dir, `.${[...basename(target.file)].slice(0, 64).join('')}.lifeboat-get-`),
    );
    try {
      const r = await fetchInto(staging);
      try {
        await link(r.path, target.file).catch((e: NodeJS.ErrnoException) => {
          // A file system without hard links: an exclusive copy refuses an existing file just the same.
          if (e.code === 'EEXIST') throw e;
          return copyFile(r.path, target.file!, constants.COPYFILE_EXCL);
        });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST')
          throw new LifeboatError(
            'conflict',
            `${target.file} already exists; Lifeboat will not overwrite it.`,
          );
        throw e;
      }
      return done(ctx, archive, target.file, r.resumedBytes);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  },
};

/** What `backups get --to` prints once the archive is saved at `path`. */
function done(ctx: RunContext, archive: BackupArchive, path: string, resumedBytes: number): number {
  ctx.print(
    ctx.json
      ? JSON.stringify({
          path,
          filename: archive.filename,
          folder: archive.folder,
          element: archive.element,
          resumedBytes,
        })
      : `Saved the ${archive.element} archive of the ${backupNameOfFolder(archive.folder)} (${formatBytes(archive.size)}) as ${path}.`,
  );
  return EXIT.ok;
}
