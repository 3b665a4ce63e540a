import { EXIT } from '../exit-codes';
import { readLine, TOKEN_WARNING, type RunContext } from '../context';
import { UsageError, type CommandSpec } from '../registry';
import { keychainEngine } from '../session';

/** `lifeboat auth login`: checks a machine token with Pantheon and keeps it in the system keychain. */
export const authLogin: CommandSpec = {
  name: 'auth login',
  summary: 'Save a machine token in the system keychain (read from standard input)',
  description:
    'Logs in with a machine token, then keeps it in the system keychain under the account’s email, so later ' +
    'commands need no token. The token is read from standard input, from TERMINUS_MACHINE_TOKEN, or from ' +
    '--machine-token (visible in ps). Create one in the Pantheon dashboard: Personal Settings → Machine Tokens.',
  positionals: [],
  flags: {
    'machine-token': {
      type: 'string',
      value: 'TOKEN|-',
      description:
        'the token, or - to read it from standard input (the default when stdin is not a terminal)',
    },
  },
  examples: ['lifeboat auth login < token.txt', 'lifeboat auth login --machine-token -'],
  json: [
    {
      type: 'object',
      fields: {
        id: 'string',
        email: 'string',
        fullName: 'string',
        label: 'string',
        colour: 'string',
        addedAt: 'string',
      },
      note: 'the shared model Account; the token is never part of it',
    },
  ],
  async run(ctx: RunContext) {
    const { io } = ctx;
    const given = ctx.str('machine-token');
    if (given !== undefined && given !== '-') ctx.warn(TOKEN_WARNING);
    const token =
      (given === '-' ? await readLine(io) : given) ??
      (io.env.TERMINUS_MACHINE_TOKEN || undefined) ??
      (ctx.io.stdin && !ctx.stdinIsTty ? await readLine(io) : undefined);
    if (!token)
      throw new UsageError(
        'auth login needs a machine token on standard input (lifeboat auth login < token.txt) or in TERMINUS_MACHINE_TOKEN; create one in the Pantheon dashboard: Personal Settings → Machine Tokens.',
      );
    const account = await keychainEngine(ctx.global, ctx.io.env).accounts.add(token);
    ctx.print(
      ctx.json
        ? JSON.stringify(account)
        : `Logged in as ${account.email}. The token is in the system keychain.`,
    );
    return EXIT.ok;
  },
};
