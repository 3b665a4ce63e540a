import { CopyRegistry } from '../../services/copies/registry';
import { openCopyFolder, OPEN_SETTING } from '../../services/copies/open';
import { openCommands } from '../../services/settings/settings';
import { EXIT } from '../exit-codes';
import { UsageError, type CommandSpec } from '../registry';
import { dataDir } from '../session';
import { copyAt } from './copies';

/** `lifeboat copies open PATH [--editor | --terminal]`. */
export const copiesOpen: CommandSpec = {
  name: 'copies open',
  summary: 'Open a local copy’s folder in your editor (or a terminal there)',
  description:
    `Starts the ${OPEN_SETTING.editor} (or with --terminal the ${OPEN_SETTING.terminal}) set in the app’s ` +
    'Settings, with the folder added at its end or where it says {path}; without one, the first editor found on ' +
    'PATH (code, codium, zed, subl, phpstorm, …) or the system’s terminal. The program runs on its own: ' +
    'lifeboat does not wait for it. Only a copy whose folder is still there is opened.',
  positionals: [
    {
      name: 'PATH',
      required: true,
      description: 'the copy’s folder (as lifeboat copies lists it; a relative path is from here)',
    },
  ],
  flags: {
    editor: { type: 'boolean', oneOf: 'with', description: 'open it in the editor (the default)' },
    terminal: { type: 'boolean', oneOf: 'with', description: 'open a terminal in it' },
  },
  globals: ['json'],
  examples: [
    'lifeboat copies open ~/Sites/acme-blog-live',
    'lifeboat copies open ./acme-blog-live --terminal',
  ],
  json: [
    {
      type: 'object',
      fields: { path: 'string', program: 'string', args: 'string[]' },
      note: 'the copy’s folder and the program started in it, with its arguments',
    },
  ],
  async run(ctx) {
    if (ctx.bool('editor') && ctx.bool('terminal'))
      throw new UsageError('Give --editor or --terminal, not both.');
    const how = ctx.bool('terminal') ? 'terminal' : 'editor';
    const dir = dataDir(ctx.io.env);
    const registry = new CopyRegistry({ dataDir: dir });
    const copy = await copyAt(await registry.list(), ctx.positionals[0]!);
    const opened = await openCopyFolder(copy, how, await openCommands(dir), { env: ctx.io.env });
    if (ctx.json) ctx.print(JSON.stringify({ path: copy.path, program: opened.program, args: opened.args }));
    else ctx.print(`Opened ${copy.path} ${how === 'editor' ? 'in' : 'with'} ${opened.program}.`);
    return EXIT.ok;
  },
};
