import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import { table } from '../output';
import type { CommandSpec } from '../registry';
import { keychainEngine } from '../session';

/** `lifeboat auth list`: the accounts saved in the keychain. */
export const authList: CommandSpec = {
  name: 'auth list',
  summary: 'List the saved accounts',
  positionals: [],
  flags: {},
  examples: ['lifeboat auth list', 'lifeboat auth list --json'],
  json: [
    {
      type: 'array',
      fields: {
        id: 'string',
        email: 'string',
        fullName: 'string',
        label: 'string',
        colour: 'string',
        addedAt: 'string',
      },
      note: 'the shared model Account (apiUrl when not Pantheon’s); label and colour as lifeboat auth rename set them',
    },
  ],
  async run(ctx: RunContext) {
    const accounts = await keychainEngine(ctx.global, ctx.io.env).accounts.list();
    if (ctx.json) ctx.print(JSON.stringify(accounts));
    else
      ctx.print(
        accounts.length
          ? table([
              ['EMAIL', 'NAME', 'COLOUR', 'API'],
              ...accounts.map((a) => [a.email, a.label, a.colour, a.apiUrl ?? 'Pantheon']),
            ])
          : 'No accounts. Add one with: lifeboat auth login (it reads the token from standard input)',
      );
    return EXIT.ok;
  },
};
