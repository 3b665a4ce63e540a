import { realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { closestName } from '@shared/closest';
import { backupNameOfFolder } from '@shared/dates';
import type { LocalCopy } from '@shared/models';
import { canonicalPath } from '../../services/copies/files';
import { CopyRegistry } from '../../services/copies/registry';
import { accountForUpdate, assertUpdatable, updateRequestOf } from '../../services/copies/update';
import { serverOf, type DbConnection } from '../../services/database/mysql';
import { LifeboatError } from '../../services/errors';
import { samePath } from '../../services/paths/path-rules';
import type { PantheonClient } from '../../services/pantheon/client';
import { KeytarSecretStore } from '../../services/secrets/keytar-store';
import { SettingsService } from '../../services/settings/settings';
import { formatBytes } from '../../services/transfer/disk';
import { confirm, type RunContext } from '../context';
import { EXIT } from '../exit-codes';
import { table } from '../output';
import { UsageError, type CommandSpec, type PositionalSpec } from '../registry';
import { dataDir, type Connection } from '../session';
import { RESTORE_JSON, runRestoreCommand } from './pull';

/** The fields every `copies` JSON output has: the shared model LocalCopy. */
const COPY_FIELDS = {
  id: 'string',
  path: 'string',
  state: 'string',
  site: 'object',
  env: 'string',
  accountId: 'string|null',
  backup: 'object',
  elements: 'string[]',
  deployTag: 'string|null',
  branch: 'string|null',
  database: 'string|null',
  sizeBytes: 'number|null',
  restoredAt: 'string',
  newerBackup: 'object|null',
} as const;

const PATH: PositionalSpec = {
  name: 'PATH',
  required: true,
  description: 'the copy’s folder (as lifeboat copies lists it; a relative path is from here)',
};

/** The registry the app shares; `copies` needs no account and never connects. */
const registryOf = (ctx: RunContext): CopyRegistry => new CopyRegistry({ dataDir: dataDir(ctx.io.env) });

/** What a state means for a person, and what to do about it. */
const STATE_WORDS: Readonly<Record<LocalCopy['state'], string>> = {
  present: 'present',
  missing: 'missing (moved or deleted)',
  replaced: 'replaced (holds something else now)',
};

/**
 * The copy a PATH names: the folder as typed (from the current folder), or the same folder through links. A
 * path no copy has is `not-found`, with the copy most likely meant.
 */
export async function copyAt(copies: readonly LocalCopy[], typed: string): Promise<LocalCopy> {
  const want = resolve(typed.replace(/[/\\]+$/, '') || typed);
  // Copies are kept by their parent's real path (canonicalPath): a path typed through a link finds them too,
  // even once the folder is gone.
  const canonical = await canonicalPath(want);
  // As this system compares paths: without case on Windows, where `C:\Sites\acme` is `c:\sites\Acme`.
  const exact = copies.find((c) => samePath(c.path, want) || samePath(c.path, canonical));
  if (exact) return exact;
  const real = await realpath(want).catch(() => null);
  if (real) {
    for (const c of copies) if ((await realpath(c.path).catch(() => null)) === real) return c;
  }
  const close =
    closestName(
      want,
      copies.map((c) => c.path),
    ) ??
    (() => {
      const name = closestName(
        basename(want),
        copies.map((c) => basename(c.path)),
      );
      const matches = name ? copies.filter((c) => basename(c.path) === name) : [];
      return matches.length === 1 ? matches[0]!.path : null;
    })();
  throw new LifeboatError(
    'not-found',
    copies.length === 0
      ? `${want} is not a local copy: there are none yet (lifeboat pull makes one).`
      : `${want} is not a local copy.${close ? ` Did you mean ${close}?` : ''} See lifeboat copies.`,
  );
}

/** `lifeboat copies [list]`. */
export const copiesList: CommandSpec = {
  name: 'copies list',
  summary: 'List the local copies that restores made here (the app’s Local copies), newest first',
  description:
    'Every folder that lifeboat pull or the app restored on this computer, with its site and environment, the ' +
    'backup and deploy tag it came from, its size and whether it is still there: missing when the folder was ' +
    'moved or deleted, replaced when it holds something else now. lifeboat copies alone is lifeboat copies list.',
  positionals: [],
  flags: {},
  globals: ['json'],
  // It reads only this computer's list of copies; a wrapper passing its account flags to every command still works.
  ignoresGlobals: ['api-url', 'machine-token', 'demo', 'account'],
  examples: ['lifeboat copies', 'lifeboat copies list --json'],
  json: [
    {
      type: 'array',
      fields: COPY_FIELDS,
      note: 'the shared model LocalCopy; state is present, missing or replaced; times in ISO-8601 UTC',
    },
  ],
  async run(ctx) {
    const copies = await registryOf(ctx).list();
    if (ctx.json) {
      ctx.print(JSON.stringify(copies));
      return EXIT.ok;
    }
    if (copies.length === 0) {
      ctx.print('No local copies yet: lifeboat pull SITE.ENV --to DIR (or a restore in the app) makes one.');
      return EXIT.ok;
    }
    ctx.print(
      table([
        ['SITE.ENV', 'STATE', 'BACKUP', 'DEPLOY TAG', 'SIZE', 'PATH'],
        ...copies.map((c) => [
          `${c.site.name}.${c.env}`,
          c.state,
          backupNameOfFolder(c.backup.folder),
          c.deployTag ?? '—',
          c.sizeBytes === null ? '—' : formatBytes(c.sizeBytes),
          c.path,
        ]),
      ]),
    );
    const stale = copies.filter((c) => c.state !== 'present');
    if (stale.length > 0)
      ctx.print(
        `\n${stale.length === 1 ? 'One copy is' : `${stale.length} copies are`} not where ${stale.length === 1 ? 'it was' : 'they were'}: lifeboat copies forget PATH drops ${stale.length === 1 ? 'it' : 'one'} from the list.`,
      );
    return EXIT.ok;
  },
};

/** `lifeboat copies remove PATH`. */
export const copiesRemove: CommandSpec = {
  name: 'copies remove',
  summary: 'Move a local copy’s folder to the trash and forget it (its database is kept)',
  description:
    'Moves the folder to the system’s trash (where it can be restored from) and drops it from the list. ' +
    'Refused when the folder is missing (forget it instead) or no longer holds that restore. The database the ' +
    'restore imported into is left alone. Asks first; a script must pass --yes.',
  positionals: [PATH],
  flags: {
    yes: { type: 'boolean', description: 'remove without the question: for scripts, which have no terminal' },
  },
  globals: ['json'],
  examples: [
    'lifeboat copies remove ~/Sites/acme-blog-live',
    'lifeboat copies remove ./acme-blog-live --yes',
  ],
  json: [
    { type: 'object', fields: COPY_FIELDS, note: 'the shared model LocalCopy, as it was before it went' },
  ],
  async run(ctx) {
    const registry = registryOf(ctx);
    // Refused with the reason before the question (missing, replaced, holding another copy): then the size
    // the question names is only ever this copy's folder's.
    const copy = await registry.removable((await copyAt(await registry.list(), ctx.positionals[0]!)).id);
    const size = copy.sizeBytes === null ? '' : ` (${formatBytes(copy.sizeBytes)})`;
    const yes = await confirm(ctx, {
      question: `Move ${copy.path}${size}, the restore of ${copy.site.name}.${copy.env}, to the trash? [y/N] `,
      withoutTty: `Not moving ${copy.path} to the trash without a confirmation.`,
    });
    if (!yes) {
      ctx.note('Nothing was moved.');
      return EXIT.cancelled;
    }
    await registry.remove(copy.id);
    if (ctx.json) ctx.print(JSON.stringify(copy));
    else
      ctx.print(
        `Moved ${copy.path}${size} to the trash.${copy.database ? ` The database ${copy.database} was kept.` : ''}`,
      );
    return EXIT.ok;
  },
};

/** `lifeboat copies forget PATH`. */
export const copiesForget: CommandSpec = {
  name: 'copies forget',
  summary: 'Drop a local copy from the list without touching its folder',
  description:
    'For a copy that is missing or replaced, or one you want out of the list: the folder and the database are ' +
    'left as they are.',
  positionals: [PATH],
  flags: {},
  globals: ['json'],
  examples: ['lifeboat copies forget ~/Sites/acme-blog-live'],
  json: [{ type: 'object', fields: COPY_FIELDS, note: 'the shared model LocalCopy that was forgotten' }],
  async run(ctx) {
    const registry = registryOf(ctx);
    const copy = await copyAt(await registry.list(), ctx.positionals[0]!);
    await registry.forget(copy.id);
    if (ctx.json) ctx.print(JSON.stringify(copy));
    else ctx.print(`Forgot ${copy.path} (${STATE_WORDS[copy.state]}); nothing on disk was touched.`);
    return EXIT.ok;
  },
};

/**
 * The database server an update imports into, as the app's Settings name it (the app and the CLI share the data
 * folder); its password from LIFEBOAT_DB_PASSWORD or MYSQL_PWD, else from the keychain where the app keeps it.
 */
async function settingsServer(ctx: RunContext): Promise<DbConnection> {
  const env = ctx.io.env;
  const secrets = new KeytarSecretStore(env.LIFEBOAT_KEYCHAIN_SERVICE || undefined);
  const settings = new SettingsService(dataDir(env), secrets);
  const s = await settings.get();
  if (!s.database)
    throw new LifeboatError(
      'invalid-request',
      'No database server is set up (the app’s Settings), so the database cannot be imported. Set one up there, or update without the database (--no-database).',
    );
  const password =
    env.LIFEBOAT_DB_PASSWORD || env.MYSQL_PWD || (await settings.databasePassword().catch(() => null));
  return {
    user: s.database.user,
    ...serverOf(s.database),
    ...(password ? { password } : {}),
  };
}

/** `lifeboat copies update PATH`. */
export const copiesUpdate: CommandSpec = {
  name: 'copies update',
  summary: 'Update a local copy from a newer backup: a new branch checked out, files refreshed, the database',
  description:
    'A restore of the same copy, in its folder, planned and checked before the first byte as every restore is: ' +
    'the code on a new branch at the new deploy tag, checked out (the working tree must be clean); the files ' +
    'refreshed file by file (files that did not change are left alone; those it replaces or the backup no longer ' +
    'has move to FILES.before-TIME/ beside the files folder); the database into a new database, or replacing one ' +
    'atomically, when the copy had its dump imported. Files you changed since the last restore stop it unless ' +
    '--replace-local-edits. It never stops half way: a failure, or a killed process, leaves the copy as it was. ' +
    'It uses the account that restored the copy, and the database server of the app’s Settings.',
  positionals: [PATH],
  flags: {
    backup: {
      type: 'string',
      value: 'latest|FOLDER',
      description: 'the newest backup (default) or a backup folder from backups list',
    },
    branch: {
      type: 'string',
      value: 'NAME',
      description: 'the new branch (default lifeboat/ENV-DATE, or …-2 when the copy has that)',
    },
    'database-name': {
      type: 'string',
      value: 'NAME',
      oneOf: 'database',
      description: 'import into this new database (default SITE_ENV_DATE, or …_2 when that exists)',
    },
    'replace-database': {
      type: 'boolean',
      oneOf: 'database',
      description: 'replace the copy’s database atomically instead (or the one --database-name names)',
    },
    'no-database': {
      type: 'boolean',
      oneOf: 'database',
      description: 'keep the database archive only; import nothing',
    },
    'replace-local-edits': {
      type: 'boolean',
      description: 'also replace files you changed since the last restore (they are kept aside)',
    },
    'dry-run': { type: 'boolean', description: 'print every write and conflict; download nothing' },
  },
  globals: ['json', 'api-url', 'machine-token', 'demo', 'account', 'git', 'mysql-client'],
  examples: [
    'lifeboat copies update ~/Sites/acme-blog-live',
    'lifeboat copies update ./acme-blog-live --dry-run',
    'lifeboat copies update ~/Sites/acme-blog-live --backup 1700000000_backup --replace-database',
  ],
  json: RESTORE_JSON,
  async run(ctx) {
    const backupArg = ctx.str('backup') ?? 'latest';
    if (backupArg !== 'latest' && !/^\d{9,11}_(backup|automated)$/.test(backupArg))
      throw new UsageError(
        `--backup ${backupArg} is not a backup: give latest or a backup folder such as 1700000000_backup (see lifeboat backups list).`,
      );
    const dbName = ctx.str('database-name');
    if (dbName !== undefined && !/^[A-Za-z0-9_$]{1,64}$/.test(dbName))
      throw new UsageError('--database-name takes letters, digits and _ only, at most 64.');
    if (ctx.bool('replace-database') && ctx.bool('no-database'))
      throw new UsageError('--replace-database and --no-database exclude each other.');
    if (dbName !== undefined && ctx.bool('no-database'))
      throw new UsageError('--database-name and --no-database exclude each other.');
    // Found (or refused, as copies remove refuses a path) before anything connects.
    const copy = await copyAt(await registryOf(ctx).list(), ctx.positionals[0]!);
    await assertUpdatable(copy);
    const conn = await ctx.connect();
    // A copy that names no account (restored from a mirror) is updated through one of these that sees its site.
    const accountId = await accountForUpdate(
      copy,
      conn.all().map((c) => ({
        label: c.label,
        idIfSees: async (siteId) => conn.accountIdFor(c.client, await c.client.getSite(siteId)),
      })),
    );
    const client = await clientOf(conn, copy, accountId);
    const site = await client.getSite(copy.site.id);
    const request = await updateRequestOf(
      copy,
      {
        ...(backupArg !== 'latest' ? { backup: { folder: backupArg } } : {}),
        ...(ctx.str('branch') ? { branch: ctx.str('branch')! } : {}),
        ...(ctx.bool('no-database')
          ? { database: null }
          : dbName !== undefined || ctx.bool('replace-database')
            ? {
                database: {
                  ...(dbName !== undefined ? { name: dbName } : {}),
                  replace: ctx.bool('replace-database'),
                },
              }
            : {}),
        replaceLocalEdits: ctx.bool('replace-local-edits'),
      },
      { connection: () => settingsServer(ctx) },
    );
    return runRestoreCommand(ctx, {
      deps: { client, site, options: { pollMs: conn.sandbox ? 200 : 5000 } },
      client,
      site,
      accountId,
      request,
      verb: 'Update',
    });
  },
};

/** The client of the account that restored the copy, among those this command can use. */
async function clientOf(conn: Connection, copy: LocalCopy, accountId: string): Promise<PantheonClient> {
  const saved = conn.all().find((c) => c.accountId === accountId);
  if (saved) return saved.client;
  // A bare machine token's account is known by the sites it sees.
  for (const c of conn.all()) {
    if (c.accountId !== null) continue;
    const site = await c.client.getSite(copy.site.id).catch(() => null);
    if (site && conn.accountIdFor(c.client, site) === accountId) return c.client;
  }
  throw new LifeboatError(
    'not-logged-in',
    `${copy.path} was restored with an account this command cannot use here (${accountId}). Log in with that account (lifeboat auth login), or pass its token (--machine-token or TERMINUS_MACHINE_TOKEN).`,
  );
}
