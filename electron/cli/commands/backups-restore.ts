import type { BackupArchive } from '@shared/models';
import { restoreOnPantheon } from '../../services/backups/restore-on-pantheon';
import { selectArchive } from '../../services/backups/select-archive';
import { assertNotFrozen } from '../../services/pantheon/client';
import { EXIT } from '../exit-codes';
import { confirm, elementsOf, siteEnv, type RunContext } from '../context';
import { backupNameOfFolder } from '../dates';
import { UsageError, type CommandSpec } from '../registry';

const and = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;

/** `lifeboat backups restore SITE.ENV`: restores an environment ON PANTHEON from one of its backups. */
export const backupsRestore: CommandSpec = {
  name: 'backups restore',
  summary: 'Restore an environment ON PANTHEON from one of its backups (replaces its code, files, database)',
  description:
    'As the Dashboard’s Restore and Terminus’s backup:restore: one restore workflow per element, each waited ' +
    'for. This changes the environment on Pantheon, not a local copy (for that, see pull). On a terminal you ' +
    'confirm by typing the name of the site it found (shown with its label, and its id when you gave one); a ' +
    'script must pass --yes. Frozen sites are refused.',
  positionals: [{ name: 'SITE.ENV', required: true, description: 'the site and environment to overwrite' }],
  flags: {
    file: {
      type: 'string',
      value: 'FILENAME',
      oneOf: 'backup',
      required: true,
      description:
        'restore this archive (its file name or catalog key); the element is the file’s own, and an --element that names another is refused',
    },
    backup: {
      type: 'string',
      value: 'FOLDER',
      oneOf: 'backup',
      required: true,
      description: 'restore from this backup folder (as backups list shows)',
    },
    element: {
      type: 'string',
      value: 'all|code|files|database|db',
      description: 'only this element (default all, as Terminus)',
    },
    yes: { type: 'boolean', description: 'do not ask: for scripts, which have no terminal to ask on' },
  },
  examples: [
    'lifeboat backups restore acme-blog.dev --backup 1795910400_automated',
    'lifeboat backups restore acme-blog.dev --file acme-blog_dev_2026-11-29T00-00-00_UTC_database.sql.gz --yes',
  ],
  json: [
    {
      type: 'object',
      fields: { archives: 'object[]', workflows: 'object[]' },
      note: 'the BackupArchive restored and the finished Workflow of each, in the order they ran',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const file = ctx.str('file');
    const folder = ctx.str('backup');
    if ((file === undefined) === (folder === undefined))
      throw new UsageError(
        file === undefined
          ? 'backups restore needs --file FILENAME or --backup FOLDER: the backup to restore (see lifeboat backups list).'
          : 'Give --file or --backup, not both.',
      );
    const elements = elementsOf(ctx.str('element'), 'all', true);
    const conn = await ctx.connect();
    const { client, site } = await conn.site(ref.site);
    assertNotFrozen(site);
    await client.requireEnvironment(site, ref.env);
    // Every archive is found before the question: a typo is an error now, not after "yes".
    const catalog = await client.listArchives(site, ref.env);
    const chosen: BackupArchive[] = file
      ? [selectArchive(catalog, { element: elements[0]!, file })]
      : elements.map((element) => selectArchive(catalog, { element, folder: folder! }));
    // The file decides the element; an --element that says otherwise is a mistake to stop at, not to ignore,
    // before something that cannot be undone.
    if (
      file &&
      ctx.str('element') !== undefined &&
      elements.length === 1 &&
      elements[0] !== chosen[0]!.element
    )
      throw new UsageError(
        `--element ${ctx.str('element')} contradicts --file ${chosen[0]!.filename}, which is the ${chosen[0]!.element} archive: leave out --element, or name a ${elements[0]} archive.`,
      );
    // In the order the workflows run, as Terminus runs them.
    const what = and(['code', 'files', 'database'].filter((e) => chosen.some((a) => a.element === e)));
    const from = backupNameOfFolder(chosen[0]!.folder);
    // Named as Pantheon resolved it, never as typed: a UUID, or a name that answered with another site, is
    // shown for what it is, and the name to type is the resolved one.
    const target = `${site.name}.${ref.env}`;
    const given =
      ref.site === site.name
        ? ''
        : `, site id ${site.id}${ref.site === site.id ? '' : `, found for “${ref.site}”`}`;
    ctx.note(
      `This replaces the ${what} of ${target} (“${site.label}”${given}) ON PANTHEON with the ${from}${file ? ` (${chosen[0]!.filename})` : ''}. It cannot be undone.`,
    );
    const go = await confirm(ctx, {
      question: `Type the site name (${site.name}) to restore ${target}: `,
      expected: site.name,
      withoutTty: `Not restoring ${target} on Pantheon without a confirmation.`,
    });
    if (!go) {
      ctx.note('lifeboat: cancelled; nothing was restored.');
      return EXIT.cancelled;
    }
    const progress = ctx.progress();
    const r = await restoreOnPantheon(
      { client, site },
      {
        env: ref.env,
        elements: file ? [chosen[0]!.element] : elements,
        ...(file ? { file } : { folder: folder! }),
        signal: ctx.io.signal,
        ...(conn.sandbox ? { pollMs: 200 } : {}),
        onUpdate: (w, element) => progress.workflow(w, `Restoring ${element}`),
      },
    );
    progress.done();
    ctx.print(
      ctx.json ? JSON.stringify(r) : `Restored the ${what} of ${target} on Pantheon from the ${from}.`,
    );
    return EXIT.ok;
  },
};
