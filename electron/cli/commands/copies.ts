import { realpath } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { closestName } from '@shared/closest';
import { backupNameOfFolder } from '@shared/dates';
import type { LocalCopy } from '@shared/models';
import { canonicalPath } from '../../services/copies/files';
import { CopyRegistry } from '../../services/copies/registry';
import { LifeboatError } from '../../services/errors';
import { formatBytes } from '../../services/transfer/disk';
import { confirm, type RunContext } from '../context';
import { EXIT } from '../exit-codes';
import { table } from '../output';
import type { CommandSpec, PositionalSpec } from '../registry';
import { dataDir } from '../session';

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
async function copyAt(copies: readonly LocalCopy[], typed: string): Promise<LocalCopy> {
  const want = resolve(typed.replace(/[/\\]+$/, '') || typed);
  // Copies are kept by their parent's real path (canonicalPath): a path typed through a link finds them too,
  // even once the folder is gone.
  const canonical = await canonicalPath(want);
  const exact = copies.find((c) => c.path === want || c.path === canonical);
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
