import { basename, join, resolve } from 'node:path';
import type { Element, Site } from '@shared/models';
import type { BackupChoice, RestoreDeps, RestoreRequest } from '../../services/restore/plan';
import { openMirrorSet } from '../../services/mirror/offline';
import { conflictError, planRestore, previewOf } from '../../services/restore/plan';
import type { RestoreRecord } from '../../services/restore/assemble';
import { canonicalPath, readRecordIn, stateOf } from '../../services/copies/files';
import { CopyRegistry, storedCopyOf } from '../../services/copies/registry';
import { restoreAndRegister } from '../../services/copies/register';
import { updateRequestOf, type UpdatableCopy } from '../../services/copies/update';
import type { PantheonClient } from '../../services/pantheon/client';
import { LifeboatError } from '../../services/errors';
import { samePath } from '../../services/paths/path-rules';
import { formatBytes } from '../../services/transfer/disk';
import { EXIT, exitCodeFor } from '../exit-codes';
import { asJob, dbFromUrl, elementsOf, positiveInt, siteEnv, siteWithEnv, type RunContext } from '../context';
import { backupNameOfFolder } from '../dates';
import { restoreTitle, updateTitle } from '../../services/jobs/titles';
import type { JsonDoc } from '../json-doc';
import { UsageError, type CommandSpec } from '../registry';
import { dataDir, keychainEngine } from '../session';
import { PANTHEON_API_URL, resolveApiUrl } from '../../services/pantheon/config';
import { journaledDatabase } from '../../services/jobs/plans';

/** What a restore command (pull, copies update) prints with --json, and with --dry-run --json. */
export const RESTORE_JSON: readonly JsonDoc[] = [
  {
    type: 'object',
    fields: { path: 'string', record: 'object', resumedBytes: 'number', refresh: 'object|null' },
    note:
      'record is what lifeboat.json records: the backup, and per element what was restored where; refresh (an ' +
      'update) counts the files left as they were, added, replaced and removed, and keptAside names the folder ' +
      'the replaced and removed ones were moved to (folder, count, paths: the first few)',
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
];

/**
 * Runs a planned restore (a pull or an update) as the app does: `--dry-run` prints the plan and exits with its
 * first conflict's code; otherwise the plan is refused on a conflict, every default pinned, and the restore runs
 * as a job of the shared journal, registering its copy.
 */
export async function runRestoreCommand(
  ctx: RunContext,
  run: {
    readonly deps: RestoreDeps;
    /** Null for a restore from a mirror (`deps.local`): no account, no API. */
    readonly client: PantheonClient | null;
    readonly site: Site;
    readonly accountId: string | null;
    readonly request: RestoreRequest;
    /** "Restore acme-blog.live" or "Update acme-blog.live": the job's title and the result's first word. */
    readonly verb: 'Restore' | 'Update';
  },
): Promise<number> {
  const { deps, client, request, accountId, verb } = run;
  const name = `${run.site.name}.${request.env}`;
  const fromMirror = deps.local ? ` from the mirror's ${deps.local.dir}` : '';
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
        verb === 'Update'
          ? `Would update ${preview.path}, a copy of ${name}, from the ${which}`
          : `Would restore ${name} (${which})${fromMirror} into ${preview.path}${preview.update ? ' (update in place)' : ''}`,
      );
      for (const w of preview.writes) ctx.print(`  ${w.kind.padEnd(8)}  ${w.description}`);
      ctx.print(
        `  needs about ${formatBytes(preview.downloadBytes)}; ${formatBytes(preview.freeBytes)} free`,
      );
      if (preview.conflicts.length === 0)
        ctx.print(`No conflicts: the ${verb === 'Update' ? 'update' : 'restore'} can start.`);
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
  // A restore from a mirror reads archives already on this disk: its progress says so, not "Downloading".
  const progress = ctx.progress(deps.local ? { downloading: 'Reading from the mirror' } : {});
  const registered = await asJob(
    ctx,
    progress,
    {
      kind: 'restore',
      title:
        verb === 'Update'
          ? updateTitle(name, plan.path, plan.set?.folder)
          : restoreTitle(name, plan.set?.folder ?? (request.backup === 'new' ? 'new' : null), plan.path),
      plan: {
        // The app's request, with the API and the database server it used; the password stays out of the journal.
        // A restore from a mirror records the set's folder instead of an account and an API: it used neither (and
        // a retry that does not know mirrors finds no account to go to Pantheon with).
        ...(client ? { accountId, apiUrl: client.apiUrl } : { mirror: deps.local?.dir }),
        site: pinned.site,
        env: pinned.env,
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
        ...(pinned.replaceLocalEdits ? { replaceLocalEdits: true } : {}),
        keepForDays: pinned.keepForDays ?? 365,
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
    ctx.print(
      JSON.stringify({ path: r.path, record: r.record, resumedBytes: r.resumedBytes, refresh: r.refresh }),
    );
    return EXIT.ok;
  }
  const rec = r.record;
  ctx.print(
    verb === 'Update' && r.plan.update
      ? `Updated ${r.path}, a copy of ${name}, from the ${backupNameOfFolder(rec.backup.folder)}`
      : `Restored ${name} (${backupNameOfFolder(rec.backup.folder)})${fromMirror} into ${r.path}`,
  );
  if (rec.code)
    ctx.print(
      `  code      branch ${rec.code.branch} at ${rec.code.tag ?? rec.code.ref} (${rec.code.commit.slice(0, 10)})${r.plan.update ? ', checked out' : ''}${rec.code.intoRepo ? `, also in ${rec.code.intoRepo}` : ''}`,
    );
  if (rec.files) {
    const f = r.refresh;
    ctx.print(
      f
        ? `  files     ${rec.files.path}/: ${f.unchanged} unchanged, ${f.added} added, ${f.replaced} replaced, ${f.removed} removed`
        : `  files     ${rec.files.path}/ (${rec.files.entries} entries)`,
    );
    if (f?.keptAside)
      ctx.print(
        `  kept      ${f.keptAside.count} file${f.keptAside.count === 1 ? '' : 's'} it replaced or removed, in ${f.keptAside.folder}/`,
      );
  }
  if (rec.database)
    ctx.print(
      `  database  ${rec.database.archive}${rec.database.importedInto ? `, imported into ${rec.database.importedInto}${rec.database.replaced ? ' (replaced)' : ''}` : ''}`,
    );
  if (r.resumedBytes > 0) ctx.print(`  resumed   ${formatBytes(r.resumedBytes)} were already downloaded`);
  return EXIT.ok;
}

/**
 * The copy `pull --update` refreshes: the one the registry has in that folder, else the restore its
 * lifeboat.json records (a copy restored with another data folder); null when the folder holds none.
 */
async function copyIn(
  ctx: RunContext,
  path: string,
  accountId: string | null,
): Promise<UpdatableCopy | null> {
  const canonical = await canonicalPath(path);
  const registered = (await new CopyRegistry({ dataDir: dataDir(ctx.io.env) }).list()).find((c) =>
    samePath(c.path, canonical),
  );
  if (registered) return registered;
  const record = (await readRecordIn(canonical)) as RestoreRecord | null;
  if (!record?.site?.name || typeof record.env !== 'string' || !record.archives) return null;
  const copy = storedCopyOf({ path: canonical, record }, accountId, null);
  return (await stateOf(copy)) === 'present' ? copy : null;
}

/** `lifeboat pull SITE.ENV --to DIR`: the restore use case, as the app runs it. */
export const pull: CommandSpec = {
  name: 'pull',
  summary: 'Restore a site locally: code on a branch at the deploy tag, files in place, the database',
  description:
    'Restores one backup of an environment into a new folder DIR/SITE-ENV (or --folder NAME): the code as a git ' +
    'repository on a new branch at the environment’s deploy tag, the files where the code expects them, and the ' +
    'database archive (imported with --db-import). With --update, the copy in that folder is updated instead (see ' +
    'lifeboat copies update). Everything is planned and checked before the first byte is ' +
    'downloaded; --dry-run prints that plan and exits with the first conflict’s code. Ctrl-C cancels; the same ' +
    'command resumes the downloads. With --from-mirror, the backup is one that lifeboat mirror downloaded: the ' +
    'same restore, offline (no account, no network), its archives checked against the mirror’s sha256 as they ' +
    'are read; SITE.ENV is then taken from the mirror.',
  positionals: [
    {
      name: 'SITE.ENV',
      // Optional only for --from-mirror, whose set names its site; run() asks for it otherwise.
      required: false,
      description:
        'the site and environment (acme-blog.live): needed except with --from-mirror, whose set names it (given there, it must be the set’s)',
    },
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
    branch: {
      type: 'string',
      value: 'NAME',
      description: 'the new branch (default lifeboat/ENV-DATE, or …-2 when that exists)',
    },
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
        'import the database: mysql://user@host:port/db, mysql://user@localhost/db?socket=/path, or on Windows a named pipe mysql://user@localhost/db?pipe=MySQL (password in LIFEBOAT_DB_PASSWORD)',
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
    folder: {
      type: 'string',
      value: 'NAME',
      description: 'the new folder’s name (default SITE-ENV, or SITE-ENV-2… when that exists)',
    },
    update: {
      type: 'boolean',
      description: 'update the copy in that folder (SITE-ENV or --folder), as lifeboat copies update does',
    },
    'replace-local-edits': {
      type: 'boolean',
      with: 'update',
      description: 'also replace files you changed since the last restore (they are kept aside)',
    },
    'keep-for': {
      type: 'string',
      value: 'DAYS',
      description: 'with --backup new: keep the new backup this many days (default 365, as backups create)',
    },
    parallel: { type: 'string', value: 'N', description: 'downloads at once (default 3)' },
    'dry-run': { type: 'boolean', description: 'print every write and conflict; download nothing' },
    'from-mirror': {
      type: 'string',
      value: 'PATH',
      description:
        'restore offline from a mirror: an environment’s folder DIR/SITE/ENV (its newest complete backup) or a backup’s DIR/SITE/ENV/SET',
    },
  },
  examples: [
    'lifeboat --demo pull acme-blog.live --to ~/Sites',
    'lifeboat pull acme-blog.live --to ~/Sites --element code,db --db-import mysql://root@localhost/acme',
    'lifeboat pull acme-blog.live --to ~/Sites --element files --include files_live/2024/ --dry-run',
    'lifeboat pull acme-blog.live --to ~/Sites --update',
    'lifeboat pull --from-mirror /srv/mirror/acme-blog/live --to ~/Sites --element code,files',
  ],
  json: RESTORE_JSON,
  async run(ctx: RunContext) {
    // Arguments are checked before anything connects, so a typo never costs a login.
    const mirrorPath = ctx.str('from-mirror');
    if (ctx.positionals[0] === undefined && mirrorPath === undefined)
      throw new UsageError(
        'lifeboat pull needs SITE.ENV: the site and environment (acme-blog.live), or --from-mirror PATH. See lifeboat pull --help.',
      );
    const ref = ctx.positionals[0] === undefined ? null : siteEnv(ctx.positionals[0]);
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
    if (ctx.bool('replace-local-edits') && !ctx.bool('update'))
      throw new UsageError('--replace-local-edits goes with --update: a new restore has no local edits.');
    // As backups create (and Terminus): a backup made for a restore is a backup like any other.
    const keepForDays = positiveInt(ctx.str('keep-for'), '--keep-for', 365);
    const parallel = positiveInt(ctx.str('parallel'), '--parallel', 3);
    const backupArg = ctx.str('backup') ?? 'latest';
    const backup: BackupChoice =
      backupArg === 'latest' || backupArg === 'new' ? backupArg : { folder: backupArg };
    if (mirrorPath !== undefined && backupArg === 'new')
      throw new UsageError(
        '--from-mirror restores a backup the mirror has: --backup new would make one on Pantheon. Leave --backup out (the set the path names), or give a mirrored backup’s folder.',
      );
    if (mirrorPath !== undefined && ctx.str('keep-for') !== undefined)
      throw new UsageError('--keep-for is for --backup new, which a restore from a mirror cannot do.');
    const db = dbUrl ? dbFromUrl(dbUrl, ctx.io.env) : null;
    const database = db
      ? {
          connection: db.connection,
          ...(db.database ? { name: db.database } : {}),
          replace: ctx.bool('replace-db'),
        }
      : null;
    const branch = ctx.str('branch');
    const intoRepo = ctx.str('into-repo');
    const extra = {
      ...(intoRepo ? { intoRepo, checkoutIntoRepo: ctx.bool('checkout') } : {}),
      keepForDays,
    };
    const { deps, client, site, env, siteArg, accountId } = mirrorPath
      ? await fromMirror(ctx, mirrorPath, ref, { elements, backupArg, parallel })
      : await fromPantheon(ctx, ref!, parallel);
    let request: RestoreRequest | null = null;
    let registerAs = accountId;
    if (ctx.bool('update')) {
      // An update of the copy in that folder: the one request every update makes (copies/update.ts), with what
      // this command line says instead of the copy's where it says it.
      const path = join(resolve(to), folder ?? `${site.name}-${env}`);
      const copy = await copyIn(ctx, path, accountId);
      if (copy) {
        if (copy.site.name !== site.name || copy.env !== env)
          throw new LifeboatError(
            'conflict',
            `${path} is a restore of ${copy.site.name}.${copy.env}, not of ${site.name}.${env}; it will not be updated with another site's backup.`,
          );
        // Updated from a mirror, the copy keeps the account it was restored with (its newer backups are looked up
        // there); the mirror's account only when the copy names none.
        registerAs = mirrorPath ? (copy.accountId ?? accountId) : (accountId ?? copy.accountId);
        request = {
          ...(await updateRequestOf(
            copy,
            {
              backup,
              ...(branch ? { branch } : {}),
              database: database
                ? { ...(database.name ? { name: database.name } : {}), replace: database.replace }
                : null,
              replaceLocalEdits: ctx.bool('replace-local-edits'),
              ...(ctx.str('element') !== undefined ? { elements } : {}),
              ...(ctx.list('include').length ? { include: ctx.list('include') } : {}),
              ...(ctx.list('exclude').length ? { exclude: ctx.list('exclude') } : {}),
            },
            { connection: async () => database!.connection },
          )),
          ...extra,
        };
      }
    }
    request ??= {
      site: siteArg,
      env,
      backup,
      elements,
      targetDir: to,
      ...(folder ? { folderName: folder } : {}),
      ...(branch ? { branch } : {}),
      ...(database ? { database } : {}),
      include: ctx.list('include'),
      exclude: ctx.list('exclude'),
      updateInPlace: ctx.bool('update'),
      ...extra,
    };
    return runRestoreCommand(ctx, {
      deps,
      client,
      site,
      accountId: registerAs,
      request,
      verb: request.updateInPlace ? 'Update' : 'Restore',
    });
  },
};

/** Where a pull's backup comes from, and what the restore and its job record of that. */
interface PullSource {
  readonly deps: RestoreDeps;
  readonly client: PantheonClient | null;
  readonly site: Site;
  readonly env: string;
  /** The site as the request names it (as it was given on the command line, for Pantheon). */
  readonly siteArg: string;
  readonly accountId: string | null;
}

/** The site through the account that has it: the one step of a pull that logs in. */
async function fromPantheon(
  ctx: RunContext,
  ref: { site: string; env: string },
  parallel: number,
): Promise<PullSource> {
  const conn = await ctx.connect();
  const { client, site } = await siteWithEnv(conn, ref);
  return {
    deps: { client, site, options: { parallel, pollMs: conn.sandbox ? 200 : 5000 } },
    client,
    site,
    env: ref.env,
    siteArg: ref.site,
    accountId: conn.accountIdFor(client, site),
  };
}

/**
 * A mirrored set as the source: nothing connects, so this works with no account and no network (the lifeboat when
 * Pantheon is down or the backup has expired there). SITE.ENV, when given, must be the set's.
 */
async function fromMirror(
  ctx: RunContext,
  path: string,
  ref: { site: string; env: string } | null,
  options: { elements: readonly Element[]; backupArg: string; parallel: number },
): Promise<PullSource> {
  const mirror = await openMirrorSet(path, {
    elements: options.elements,
    ...(options.backupArg !== 'latest' ? { backup: options.backupArg } : {}),
  });
  const { site, env } = mirror;
  if (ref && ((ref.site !== site.name && ref.site !== site.id) || ref.env !== env))
    throw new UsageError(
      `${path} is a mirrored backup of ${site.name}.${env}, not of ${ref.site}.${ref.env}. Leave SITE.ENV out (the mirror names it), or give the mirror's folder of ${ref.site}.${ref.env}.`,
    );
  return {
    deps: { local: mirror, site, options: { parallel: options.parallel } },
    client: null,
    site,
    env,
    siteArg: site.name,
    accountId: await savedAccountOf(ctx, mirror.manifest.account),
  };
}

/**
 * The saved account the mirror downloaded a set through (its manifest names it by email, or by id when it had
 * none), on the API this command uses, so the restored copy is recorded with it and its update knows where to
 * go. Read from the saved accounts list on this disk: nothing connects. Null when no one saved account matches,
 * or the list cannot be read (the restore does not need it; an update then finds an account that sees the site).
 */
async function savedAccountOf(ctx: RunContext, account: string): Promise<string | null> {
  try {
    const apiUrl = resolveApiUrl(ctx.global.apiUrl, ctx.io.env);
    const wanted = account.trim().toLowerCase();
    const matches = (await keychainEngine(ctx.global, ctx.io.env).accounts.list()).filter(
      (a) =>
        !a.demo &&
        (a.apiUrl ?? PANTHEON_API_URL) === apiUrl &&
        (a.email.toLowerCase() === wanted || a.id === account),
    );
    return matches.length === 1 ? matches[0]!.id : null;
  } catch {
    return null;
  }
}
