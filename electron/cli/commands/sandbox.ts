import { seedByName, startSandbox, type SandboxMode } from '../../sandbox';
import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { UsageError, type CommandSpec } from '../registry';

const MODES: readonly SandboxMode[] = ['rich', 'strict'];

/** `lifeboat sandbox`: Lifeboat's Pantheon-compatible platform on 127.0.0.1, until Ctrl-C. */
export const sandbox: CommandSpec = {
  name: 'sandbox',
  summary: 'Run the Pantheon-compatible sandbox on 127.0.0.1 until Ctrl-C, and print its machine tokens',
  description:
    'The sandbox answers the API as Terminus uses it, with real archives. --mode strict answers in the lean ' +
    'shapes the real Pantheon sends (only the fields it sends, no optional endpoints).',
  positionals: [],
  flags: {
    port: { type: 'string', value: 'N', description: 'the port (default 8787; 0 picks a free one)' },
    seed: {
      type: 'string',
      value: 'demo|big|bench[:MiB]',
      description: 'the accounts and sites: the demo (default), 2,000 sites, or archives of MiB each',
    },
    mode: {
      type: 'string',
      value: 'rich|strict',
      description: 'rich (default) or strict, the real API’s shapes',
    },
  },
  examples: ['lifeboat sandbox', 'lifeboat sandbox --port 0 --seed big --mode strict'],
  // It runs the sandbox: no account, token or API to choose.
  globals: ['json'],
  json: [
    {
      type: 'object',
      fields: { url: 'string', apiUrl: 'string', seed: 'string', mode: 'string', accounts: 'object[]' },
      note: 'printed once when it is ready; accounts: {email, machineToken, userId}',
    },
  ],
  async run(ctx: RunContext) {
    const name = ctx.str('seed') ?? 'demo';
    const seed = seedByName(name);
    if (!seed) throw new UsageError(`Unknown seed "${name}": use demo, big or bench[:MiB].`);
    const port = ctx.str('port') === undefined ? 8787 : Number(ctx.str('port'));
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port must be a number from 0 to 65535, not "${ctx.str('port')}".`);
    const mode = (ctx.str('mode') ?? 'rich') as SandboxMode;
    if (!MODES.includes(mode))
      throw new UsageError(`Unknown mode "${ctx.str('mode')}": use ${MODES.join(' or ')}.`);
    const admin = ctx.io.env.LIFEBOAT_SANDBOX_ADMIN_TOKEN;
    if (admin !== undefined && admin.length < 16)
      throw new UsageError(
        'LIFEBOAT_SANDBOX_ADMIN_TOKEN must be at least 16 characters long (it guards the sandbox admin API).',
      );
    const box = await startSandbox({ seed, port, mode });
    // The seed's own name (bench:512), falling back to what was typed.
    const seedName = box.seed.name || name;
    const u = new URL(box.url);
    if (ctx.json)
      ctx.print(
        JSON.stringify({ url: box.url, apiUrl: box.apiUrl, seed: seedName, mode, accounts: box.accounts }),
      );
    else
      ctx.print(
        `Lifeboat sandbox (${seedName} seed, ${mode} mode) at ${box.url}\nUse it: TERMINUS_MACHINE_TOKEN=TOKEN lifeboat --api-url ${box.apiUrl} …  (or TERMINUS_PROTOCOL=http TERMINUS_HOST=${u.hostname} TERMINUS_PORT=${u.port})\n` +
          box.accounts.map((a) => `  ${a.email.padEnd(24)} ${a.machineToken}`).join('\n'),
      );
    await new Promise<void>((resolve) => {
      if (ctx.io.signal.aborted) resolve();
      ctx.io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await box.close();
    return EXIT.ok;
  },
};
