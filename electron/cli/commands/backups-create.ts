import { createBackupAndWait } from '../../services/backups/create-backup';
import { uncommittedChanges } from '../../services/backups/uncommitted';
import { assertNotFrozen } from '../../services/pantheon/client';
import { EXIT } from '../exit-codes';
import { asJob, confirm, elementsOf, positiveInt, siteEnv, type RunContext } from '../context';
import { backupNameOfFolder } from '../dates';
import type { CommandSpec } from '../registry';

/** `lifeboat backups create SITE.ENV`: Pantheon's `do_export`, followed to the end. */
export const backupsCreate: CommandSpec = {
  name: 'backups create',
  summary: 'Create a backup of an environment on Pantheon and wait for it',
  description:
    'Starts the backup workflow and follows its steps. A backup of the code of an environment in SFTP mode ' +
    'with uncommitted changes is warned about first (those changes are not in the code archive): on a ' +
    'terminal you are asked, in a script --yes is required. A backup of only the files or database is not ' +
    'affected and not asked about. A catalog read that fails after the backup was made is a warning, not a ' +
    'failure.',
  positionals: [
    { name: 'SITE.ENV', required: true, description: 'the site and environment (acme-blog.live)' },
  ],
  flags: {
    element: {
      type: 'string',
      value: 'all|code|files|database|db',
      description: 'back up only this element (default all)',
    },
    'keep-for': {
      type: 'string',
      value: 'DAYS',
      description: 'keep the backup this many days (default 365)',
    },
    'no-wait': { type: 'boolean', description: 'start the workflow and print it, without waiting' },
    yes: {
      type: 'boolean',
      description: 'back up the code even though uncommitted SFTP changes will not be in it',
    },
  },
  examples: [
    'lifeboat backups create acme-blog.live',
    'lifeboat backups create acme-blog.dev --element db --keep-for 30 --json',
  ],
  json: [
    {
      type: 'object',
      fields: { workflow: 'object', backup: 'object|null', warning: 'string|null' },
      note: 'workflow: the shared model Workflow; backup: the new BackupSet, null when the catalog could not be read',
    },
    {
      when: 'with --no-wait',
      type: 'object',
      fields: {
        id: 'string',
        type: 'string',
        result: 'string|null',
        step: 'number',
        numberOfTasks: 'number',
      },
      note: 'the shared model Workflow, just started',
    },
  ],
  async run(ctx: RunContext) {
    const ref = siteEnv(ctx.positionals[0]);
    const elements = elementsOf(ctx.str('element'), 'all', true);
    const days = positiveInt(ctx.str('keep-for'), '--keep-for', 365);
    const conn = await ctx.connect();
    const { client, site } = await conn.site(ref.site);
    assertNotFrozen(site);
    // Uncommitted SFTP changes are missing from the code archive only, so only a backup of code is asked
    // about, as the app does. Both paths check that the environment exists (not-found naming the others).
    const changes = elements.includes('code')
      ? await uncommittedChanges({ client, site }, ref.env)
      : (await client.requireEnvironment(site, ref.env), null);
    if (changes && changes.files > 0) {
      const n = changes.files === 1 ? '1 changed file' : `${changes.files} changed files`;
      const shown = changes.paths.slice(0, 5).join(', ') + (changes.files > 5 ? ', …' : '');
      ctx.warn(
        `${ref.site}.${ref.env} is in SFTP mode with ${n} not committed (${shown}). Uncommitted changes are not in a backup's code: commit them first to keep them.`,
      );
      const go = await confirm(ctx, {
        question: `Create the backup without the ${n}? [y/N] `,
        withoutTty: `Not creating a backup of ${ref.site}.${ref.env}: it has ${n} not committed, which the backup would not have.`,
      });
      if (!go) {
        ctx.note('lifeboat: cancelled; no backup was made.');
        return EXIT.cancelled;
      }
    }
    if (ctx.bool('no-wait')) {
      const wf = await client.createBackup(site, ref.env, elements, days);
      ctx.print(
        ctx.json ? JSON.stringify(wf) : `Backup of ${ref.site}.${ref.env} started (workflow ${wf.id}).`,
      );
      return EXIT.ok;
    }
    const progress = ctx.progress();
    const label = `Creating a backup of ${ref.env}`;
    const what = elements.length === 3 ? 'all' : elements.join(' and ');
    const made = await asJob(
      ctx,
      progress,
      {
        kind: 'create-backup',
        // As the app titles it, with the request the app would give, so it can be retried there.
        title: `Back up ${ref.site}.${ref.env} (${what}, ${days} days)`,
        plan: {
          accountId: conn.accountIdFor(client, site),
          apiUrl: client.apiUrl,
          site: ref.site,
          env: ref.env,
          elements,
          keepForDays: days,
        },
      },
      async (job) => {
        job.phase('creating-backup', label);
        const result = await createBackupAndWait(
          { client, site },
          {
            env: ref.env,
            elements,
            keepForDays: days,
            ...(job.signal ? { signal: job.signal } : {}),
            ...(conn.sandbox ? { pollMs: 200 } : {}),
            onUpdate: (w) => job.part('workflow', label, w.step, w.numberOfTasks),
          },
        );
        return { result, ...(result.warning ? { warning: result.warning } : {}) };
      },
    );
    progress.done();
    // A catalog read that failed after the backup was made is a warning: the backup exists.
    if (made.warning) ctx.warn(made.warning);
    ctx.print(
      ctx.json
        ? JSON.stringify({ workflow: made.workflow, backup: made.backup, warning: made.warning })
        : `Backup of ${ref.site}.${ref.env} finished${made.backup ? `: ${backupNameOfFolder(made.backup.folder)}` : ''}.`,
    );
    return EXIT.ok;
  },
};
