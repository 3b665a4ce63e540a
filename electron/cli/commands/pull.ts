import { basename, resolve } from 'node:path';
import type { BackupChoice, RestoreRequest } from '../../services/restore/plan';
import { conflictError, planRestore, previewOf } from '../../services/restore/plan';
import { CopyRegistry } from '../../services/copies/registry';
import { restoreAndRegister } from '../../services/copies/register';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT, exitCodeFor } from '../exit-codes';
import { asJob, dbFromUrl, elementsOf, positiveInt, siteEnv, siteWithEnv, type RunContext } from '../context';
import { backupNameOfFolder } from '../dates';
import { UsageError, type CommandSpec } from '../registry';
import { dataDir } from '../session';
import { journaledDatabase } from '../../services/jobs/plans';

/** `lifeboat pull SITE.ENV --to DIR`: the restore use case, as the app runs it. */
export const pull: CommandSpec = {
  name: 'pull',
  summary: 'Restore a site locally: code on a branch at the deploy tag, files in place, the database',
  description:
    'Restores one backup of an environment into a new folder DIR/SITE-ENV (or --folder NAME): the code as a git ' +
    'repository on a new branch at the environment’s deploy tag, the files where the code expects them, and the ' +
    'database archive (imported with --db-import). Everything is planned and checked before the first byte is ' +
    'downloaded; --dry-run prints that plan and exits with the first conflict’s code. Ctrl-C cancels; the same ' +
    'command resumes the downloads.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    to: {
      type: 'string',
      value: 'DIR',
      required: true,
      description: 'the folder to restore into (a new folder is made in it)',
    },
    element: {
      type: 'string',
      value: 'code,files,database',
      description: 'the elements, comma separated (default all three; db for database)',
    },
    backup: {
      type: 'string',
      value: 'latest|new|FOLDER',
      description: 'the newest backup (default), a new one made first, or a backup folder from backups list',
    },
    branch: { type: 'string', value: 'NAME', description: 'the new branch (default lifeboat/ENV-DATE)' },
    'into-repo': {
      type: 'string',
      value: 'PATH',
      description: 'also fetch the code into this existing clone',
    },
    checkout: {
      type: 'boolean',
      with: 'into-repo',
      description: 'and check the new branch out there (the clone must be clean)',
    },
    'db-import': {
      type: 'string',
      value: 'URL',
      description:
        'import the database: mysql://user@host:port/db or mysql://user@localhost/db?socket=/path (password in LIFEBOAT_DB_PASSWORD)',
    },
    'replace-db': { type: 'boolean', with: 'db-import', description: 'replace that database if it exists' },
    include: {
      type: 'string',
      multiple: true,
      value: 'GLOB',
      description:
        'restore only the files matching (files_live/2024/); a pattern matching nothing is refused',
    },
    exclude: { type: 'string', multiple: true, value: 'GLOB', description: 'leave out the files matching' },
    folder: { type: 'string', value: 'NAME', description: 'the new folder’s name (default SITE-ENV)' },
    update: { type: 'boolean', description: 'refresh an earlier restore in place instead of a new folder' },
    'keep-for': {
      type: 'string',
      value: 'DAYS',
      description: 'with --backup new: keep the new backup this many days (default 365, as backups create)',
    },
    parallel: { type: 'string', value: 'N', description: 'downloads at once (default 3)' },
    'dry-run': { type: 'boolean', description: 'print every write and conflict; download nothing' },
  },
  examples: [
    'lifeboat --demo pull acme-blog.live --to ~/Sites',
    'lifeboat pull acme-blog.live --to ~/Sites --element code,db --db-import mysql://root@localhost/acme',
    'lifeboat pull acme-blog.live --to ~/Sites --element files --include files_live/2024/ --dry-run',
  ],
  json: [
    {
      type: 'object',
      fields: { path: 'string', record: 'object', resumedBytes: 'number' },
      note: 'record is what lifeboat.json records: the backup, and per element what was restored where',
    },
    {
      when: 'with --dry-run',
      type: 'object',
      fields: {
        path: 'string',
        backupFolder: 'string|null',
        elements: 'string[]',
        branch: 'string|null',
        databaseName: 'string|null',
        update: 'boolean',
        downloadBytes: 'number',
        freeBytes: 'number',
        writes: 'object[]',
        conflicts: 'object[]',
      },
      note: 'the shared model RestorePreview, the app’s preview',
    },
  ],
  async run(ctx: RunContext) {
    // Arguments are checked before anything connects, so a typo never costs a login.
    const ref = siteEnv(ctx.positionals[0]);
    const to = ctx.str('to');
    if (!to) throw new UsageError('pull needs --to DIR: the folder to put the restore in.');
    const elements = elementsOf(ctx.str('element'), 'code,files,database', true, true);
    const dbUrl = ctx.str('db-import');
    if (dbUrl && dbFromUrl(dbUrl, {}).connection.password !== undefined)
      ctx.warn('a password in --db-import is visible to other users in `ps`; prefer LIFEBOAT_DB_PASSWORD.');
    const folder = ctx.str('folder');
    if (folder !== undefined && !/^[^/\\\0]+$/.test(folder))
      throw new UsageError('--folder is a folder name, not a path.');
    if (folder === '.' || folder === '..')
      throw new UsageError(
        `--folder ${folder} would restore into an existing folder; give the name of a new folder.`,
      );
    // As backups create (and Terminus): a backup made for a restore is a backup like any other.
    const keepForDays = positiveInt(ctx.str('keep-for'), '--keep-for', 365);
    const parallel = positiveInt(ctx.str('parallel'), '--parallel', 3);
    const backupArg = ctx.str('backup') ?? 'latest';
    const backup: BackupChoice =
      backupArg === 'latest' || backupArg === 'new' ? backupArg : { folder: backupArg };
    const db = dbUrl ? dbFromUrl(dbUrl, ctx.io.env) : null;
    const request: RestoreRequest = {
      site: ref.site,
      env: ref.env,
      backup,
      elements,
      targetDir: to,
      ...(folder ? { folderName: folder } : {}),
      ...(ctx.str('branch') ? { branch: ctx.str('branch')! } : {}),
      ...(ctx.str('into-repo')
        ? { intoRepo: ctx.str('into-repo')!, checkoutIntoRepo: ctx.bool('checkout') }
        : {}),
      ...(db
        ? {
            database: {
              connection: db.connection,
              ...(db.database ? { name: db.database } : {}),
              replace: ctx.bool('replace-db'),
            },
          }
        : {}),
      include: ctx.list('include'),
      exclude: ctx.list('exclude'),
      updateInPlace: ctx.bool('update'),
      keepForDays,
    };
    const conn = await ctx.connect();
    const { client, site } = await siteWithEnv(conn, ref);
    const deps = { client, site, options: { parallel, pollMs: conn.sandbox ? 200 : 5000 } };
    if (ctx.bool('dry-run')) {
      // The run's own plan and checks, printed; nothing is downloaded or written.
      const preview = previewOf(await planRestore(deps, request));
      if (ctx.json) ctx.print(JSON.stringify(preview));
      else {
        const which = preview.backupFolder
          ? backupNameOfFolder(preview.backupFolder)
          : request.backup === 'new'
            ? 'a new backup, made first'
            : 'no backup found';
        ctx.print(
          `Would restore ${ref.site}.${ref.env} (${which}) into ${preview.path}${preview.update ? ' (update in place)' : ''}`,
        );
        for (const w of preview.writes) ctx.print(`  ${w.kind.padEnd(8)}  ${w.description}`);
        ctx.print(
          `  needs about ${formatBytes(preview.downloadBytes)}; ${formatBytes(preview.freeBytes)} free`,
        );
        if (preview.conflicts.length === 0) ctx.print('No conflicts: the restore can start.');
        for (const c of preview.conflicts) ctx.print(`  conflict  ${c.message}`);
      }
      const first = preview.conflicts[0];
      return first ? exitCodeFor(first.code) : EXIT.ok;
    }
    // Planned (and refused on a conflict) before it becomes a job, as the app does; every default pinned, so a
    // retry restores the same backup to the same names.
    const plan = await planRestore(deps, request);
    if (plan.conflicts[0]) throw conflictError(plan.conflicts[0]);
    const pinned: RestoreRequest = {
      ...request,
      ...(plan.set ? { backup: { folder: plan.set.folder } } : {}),
      folderName: basename(plan.path),
      ...(plan.branch ? { branch: plan.branch } : {}),
      ...(request.database && plan.databaseName
        ? { database: { ...request.database, name: plan.databaseName } }
        : {}),
    };
    const progress = ctx.progress();
    const accountId = conn.accountIdFor(client, site);
    const registered = await asJob(
      ctx,
      progress,
      {
        kind: 'restore',
        title: `Restore ${ref.site}.${ref.env} into ${plan.path}`,
        plan: {
          // The app's request, with the API and the database server it used; the password stays out of the journal.
          accountId,
          apiUrl: client.apiUrl,
          site: ref.site,
          env: ref.env,
          backup: typeof pinned.backup === 'string' ? pinned.backup : pinned.backup.folder,
          elements: pinned.elements,
          targetDir: resolve(pinned.targetDir),
          folderName: pinned.folderName,
          ...(pinned.branch ? { branch: pinned.branch } : {}),
          ...(pinned.intoRepo
            ? { intoRepo: resolve(pinned.intoRepo), checkoutIntoRepo: pinned.checkoutIntoRepo }
            : {}),
          ...(pinned.database ? { importDatabase: journaledDatabase(pinned.database) } : {}),
          include: pinned.include,
          exclude: pinned.exclude,
          updateInPlace: pinned.updateInPlace,
          keepForDays: pinned.keepForDays,
        },
      },
      async (job) => {
        // As the app's restores: the copy is registered (Local copies, lifeboat copies) once it succeeded.
        const registry = new CopyRegistry({ dataDir: dataDir(ctx.io.env) });
        const result = await restoreAndRegister(deps, pinned, job, { registry, accountId });
        return {
          result,
          outputPath: result.result.path,
          ...(result.warning ? { warning: result.warning } : {}),
        };
      },
    );
    progress.done();
    if (registered.warning) ctx.warn(registered.warning);
    const r = registered.result;
    if (ctx.json) {
      ctx.print(JSON.stringify({ path: r.path, record: r.record, resumedBytes: r.resumedBytes }));
      return EXIT.ok;
    }
    const rec = r.record;
    ctx.print(`Restored ${ref.site}.${ref.env} (${backupNameOfFolder(rec.backup.folder)}) into ${r.path}`);
    if (rec.code)
      ctx.print(
        `  code      branch ${rec.code.branch} at ${rec.code.tag ?? rec.code.ref} (${rec.code.commit.slice(0, 10)})${rec.code.intoRepo ? `, also in ${rec.code.intoRepo}` : ''}`,
      );
    if (rec.files) ctx.print(`  files     ${rec.files.path}/ (${rec.files.entries} entries)`);
    if (rec.database)
      ctx.print(
        `  database  ${rec.database.archive}${rec.database.importedInto ? `, imported into ${rec.database.importedInto}` : ''}`,
      );
    if (r.resumedBytes > 0) ctx.print(`  resumed   ${formatBytes(r.resumedBytes)} were already downloaded`);
    return EXIT.ok;
  },
};
