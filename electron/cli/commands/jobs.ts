import { jobsCommand, type JobsArgs } from '../jobs';
import { TOKEN_WARNING, type RunContext } from '../context';
import type { CommandSpec, PositionalSpec } from '../registry';
import { dataDir } from '../session';

const ID: PositionalSpec = {
  name: 'ID',
  required: true,
  description: 'the job’s ID, or enough of its first characters (as jobs list shows it)',
};

const JOB_FIELDS = {
  id: 'string',
  kind: 'string',
  title: 'string',
  state: 'string',
  progress: 'object',
  createdAt: 'string',
  finishedAt: 'string|null',
} as const;

/** Runs one `jobs` subcommand over the journal the app keeps (jobs.ts does the work). */
const run =
  (sub: JobsArgs['sub']) =>
  (ctx: RunContext): Promise<number> => {
    // A retry may use a token given on the command line, as every command that connects does.
    if (sub === 'retry' && ctx.global.machineToken) ctx.warn(TOKEN_WARNING);
    return jobsCommand(
      {
        sub,
        ...(ctx.positionals[0] !== undefined ? { id: ctx.positionals[0] } : {}),
        json: ctx.json,
        yes: ctx.bool('yes'),
      },
      {
        print: (s) => ctx.print(s),
        stderr: ctx.io.stderr,
        signal: ctx.io.signal,
        env: ctx.io.env,
        dataDir: dataDir(ctx.io.env),
        // A job started with a machine token or --demo runs again with the ones given to this command.
        global: ctx.global,
        stdinIsTty: ctx.stdinIsTty,
        ask: (q) => ctx.ask(q),
      },
    );
  };

/** `lifeboat jobs [list]`. */
export const jobsList: CommandSpec = {
  name: 'jobs list',
  summary: 'List the jobs of the app and of this command line (the same journal), newest first',
  description:
    'Backups, downloads and restores started in the app or by lifeboat pull, download and backups create, ' +
    'with their state and progress. lifeboat jobs alone is lifeboat jobs list.',
  positionals: [],
  flags: {},
  examples: ['lifeboat jobs', 'lifeboat jobs list --json'],
  json: [{ type: 'array', fields: JOB_FIELDS, note: 'the shared model Job; times in ISO-8601 UTC' }],
  run: run('list'),
};

/** `lifeboat jobs show ID`. */
export const jobsShow: CommandSpec = {
  name: 'jobs show',
  summary: 'Show one job: its state, progress, output, error and the log of its phases',
  positionals: [ID],
  flags: {},
  examples: ['lifeboat jobs show 3f2a91c0', 'lifeboat jobs show 3f2a --json'],
  json: [
    {
      type: 'object',
      fields: JOB_FIELDS,
      note: 'the shared model Job; log (when the job has one) lists its phases and states with their times',
    },
  ],
  run: run('show'),
};

/** `lifeboat jobs clear [ID]`. */
export const jobsClear: CommandSpec = {
  name: 'jobs clear',
  summary: 'Take finished jobs off the list: one job, or every finished one',
  description:
    'Clears the job given, or with no ID every job that has ended (done, failed, cancelled or interrupted), in ' +
    'the app too. A queued or running job is never cleared: cancel it first. What the jobs made stays on disk.',
  positionals: [{ ...ID, required: false, description: 'one job to clear (default: every finished job)' }],
  flags: {},
  examples: ['lifeboat jobs clear', 'lifeboat jobs clear 3f2a91c0'],
  json: [{ type: 'object', fields: { cleared: 'string[]' }, note: 'the IDs of the jobs cleared' }],
  run: run('clear'),
};

/** `lifeboat jobs cancel ID`. */
export const jobsCancel: CommandSpec = {
  name: 'jobs cancel',
  summary: 'Cancel a running job, wherever it runs (the app or another terminal)',
  description:
    'Asks the process running the job to stop it, and waits a little for it to do so. A job that has ended is ' +
    'left as it is (exit 0), so a script may cancel twice.',
  positionals: [ID],
  flags: {},
  examples: ['lifeboat jobs cancel 3f2a91c0'],
  json: [{ type: 'object', fields: JOB_FIELDS, note: 'the shared model Job, as it ended' }],
  run: run('cancel'),
};

/** `lifeboat jobs retry ID`. */
export const jobsRetry: CommandSpec = {
  name: 'jobs retry',
  summary: 'Run a failed, cancelled or interrupted job again here, from its saved plan',
  description:
    'Downloads resume where they stopped. The job runs in this process with its progress on stderr and ends as ' +
    'it would in the app: over the saved account it was started with, or, for a job started with a machine ' +
    'token or --demo, with the token (TERMINUS_MACHINE_TOKEN) and --api-url, or --demo, given now. A job that ' +
    'succeeded is not run again. A restore on Pantheon says what it will replace and asks for the site’s name ' +
    'again; a script must pass --yes.',
  positionals: [ID],
  flags: {
    yes: {
      type: 'boolean',
      description: 'restore on Pantheon again without the question: for scripts, which have no terminal',
    },
  },
  examples: [
    'lifeboat jobs retry 3f2a91c0',
    'lifeboat jobs retry 3f2a91c0 --api-url https://example.test/api/',
    'lifeboat jobs retry 3f2a91c0 --yes',
  ],
  json: [{ type: 'object', fields: JOB_FIELDS, note: 'the shared model Job, as it ended' }],
  run: run('retry'),
};
