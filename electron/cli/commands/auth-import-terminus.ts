import { EXIT } from '../exit-codes';
import type { RunContext } from '../context';
import type { CommandSpec } from '../registry';
import { keychainEngine } from '../session';

/** `lifeboat auth import-terminus`: saves the machine tokens Terminus has saved. */
export const authImportTerminus: CommandSpec = {
  name: 'auth import-terminus',
  summary: 'Save the machine tokens Terminus has saved (~/.terminus/cache/tokens)',
  description: 'Exits 3 when no token could be imported; each file that could not be used is named with why.',
  positionals: [],
  flags: {},
  examples: ['lifeboat auth import-terminus'],
  json: [
    {
      type: 'object',
      fields: { imported: 'object[]', skipped: 'object[]' },
      note: 'imported: Account; skipped: {file, reason}',
    },
  ],
  async run(ctx: RunContext) {
    const r = await keychainEngine(ctx.global, ctx.io.env).accounts.importTerminus();
    if (ctx.json) ctx.print(JSON.stringify(r));
    else {
      ctx.print(
        r.imported.length
          ? `Imported ${r.imported.map((a) => a.email).join(', ')}.`
          : 'No token could be imported.',
      );
      for (const s of r.skipped) ctx.print(`Skipped ${s.file}: ${s.reason}`);
    }
    return r.imported.length ? EXIT.ok : EXIT.auth;
  },
};
