import { LifeboatError } from '../../services/errors';
import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import type { CommandSpec } from '../registry';
import { keychainEngine } from '../session';

/** `lifeboat auth logout EMAIL`: forgets an account and removes its token from the keychain. */
export const authLogout: CommandSpec = {
  name: 'auth logout',
  summary: 'Forget a saved account and remove its token from the keychain',
  positionals: [
    { name: 'EMAIL', required: true, description: 'the account’s email (see lifeboat auth list)' },
  ],
  flags: {},
  examples: ['lifeboat auth logout dana@example.com'],
  json: [{ type: 'object', fields: { removed: 'string' }, note: 'removed is the account id' }],
  async run(ctx: RunContext) {
    const email = ctx.positionals[0]!;
    const engine = keychainEngine(ctx.global, ctx.io.env);
    const account = (await engine.accounts.list()).find((a) => a.email === email);
    if (!account) throw new LifeboatError('not-found', `No saved account ${email}.`);
    await engine.accounts.remove(account.id);
    ctx.print(
      ctx.json
        ? JSON.stringify({ removed: account.id })
        : `Logged out ${email}; its token was removed from the keychain.`,
    );
    return EXIT.ok;
  },
};
