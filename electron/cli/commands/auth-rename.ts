import { validate } from '@shared/api/schemas';
import { ACCOUNT_COLOURS } from '@shared/models';
import { LifeboatError } from '../../services/errors';
import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { UsageError, type CommandSpec } from '../registry';
import { keychainEngine } from '../session';

/** `lifeboat auth rename ACCOUNT [NAME] [--colour COLOUR]`: the name and colour the app shows for an account. */
export const authRename: CommandSpec = {
  name: 'auth rename',
  summary: 'Give a saved account a name and a colour, as the app shows them',
  description:
    'Names a saved account (until then it is named by its user’s full name, else its email) and, with ' +
    '--colour, gives it another colour of the palette. The app shows both on every site row and site page, ' +
    'so sites of different clients or accounts are told apart at a glance. ACCOUNT is the email or id that ' +
    `lifeboat auth list shows. The colours: ${ACCOUNT_COLOURS.join(', ')}.`,
  positionals: [
    { name: 'ACCOUNT', required: true, description: 'the account’s email or id (see lifeboat auth list)' },
    { name: 'NAME', required: false, description: 'its new name (quote it when it has spaces)' },
  ],
  flags: {
    colour: { type: 'string', value: 'COLOUR', description: `one of ${ACCOUNT_COLOURS.join(', ')}` },
  },
  examples: [
    'lifeboat auth rename dana@example.com "Acme (agency)"',
    'lifeboat auth rename dana@example.com Acme --colour teal',
    'lifeboat auth rename fran@example.com --colour orange',
  ],
  json: [
    {
      type: 'object',
      fields: { id: 'string', email: 'string', fullName: 'string', label: 'string', colour: 'string' },
      note: 'the shared model Account as saved',
    },
  ],
  async run(ctx: RunContext) {
    const [ref, name] = [ctx.positionals[0]!, ctx.positionals[1]];
    const colour = ctx.str('colour');
    if (name === undefined && colour === undefined)
      throw new UsageError('auth rename needs a NAME, a --colour, or both.');
    const engine = keychainEngine(ctx.global, ctx.io.env);
    const accounts = await engine.accounts.list();
    const account = accounts.find((a) => a.email === ref || a.id === ref);
    if (!account)
      throw new LifeboatError(
        'not-found',
        `No saved account ${ref}; the accounts are: ${accounts.map((a) => a.email).join(', ') || 'none'}.`,
      );
    const request = validate('accountsUpdate', {
      accountId: account.id,
      ...(name !== undefined ? { label: name } : {}),
      ...(colour !== undefined ? { colour: colour.trim().toLowerCase() } : {}),
    });
    if (!request.ok) throw new UsageError(request.message.replace(/^label: /, 'NAME: '));
    const { label, colour: chosen } = request.value;
    const saved = await engine.accounts.update(account.id, {
      ...(label !== undefined ? { label } : {}),
      ...(chosen !== undefined ? { colour: chosen } : {}),
    });
    ctx.print(
      ctx.json ? JSON.stringify(saved) : `${saved.email} is now named “${saved.label}”, in ${saved.colour}.`,
    );
    return EXIT.ok;
  },
};
