import type { LocalSetupPlan } from '@shared/models';
import { validate } from '@shared/api/schemas';
import { CopyRegistry } from '../../services/copies/registry';
import { dbFromUrl, type RunContext } from '../context';
import { EXIT, exitCodeFor } from '../exit-codes';
import { UsageError, type CommandSpec } from '../registry';
import { dataDir, keychainEngine } from '../session';
import { copyAt } from './copies';

const PLAN_FIELDS = {
  copyId: 'string',
  path: 'string',
  framework: 'string',
  database: 'string|null',
  rewrite: 'object|null',
  writes: 'object[]',
  conflicts: 'object[]',
  notes: 'string[]',
} as const;

/** The plan, for a person: what is written and rewritten, what to know, what stands in the way. */
function printPlan(ctx: RunContext, plan: LocalSetupPlan, done: boolean): void {
  ctx.print(`${done ? 'Set up' : 'Would set up'} ${plan.path} (${plan.framework}) to run locally`);
  if (plan.rewrite) ctx.print(`  URLs      ${plan.rewrite.from.join(', ')} -> ${plan.rewrite.to}`);
  for (const w of plan.writes)
    ctx.print(`  ${w.kind.padEnd(8)}  ${w.description}${w.kind === 'file' ? `: ${w.target}` : ''}`);
  for (const n of plan.notes) ctx.print(`  note      ${n}`);
  for (const c of plan.conflicts) ctx.print(`  conflict  ${c.message}`);
  if (!done && plan.conflicts.length === 0) ctx.print('No conflicts: the setup can run.');
}

/** `lifeboat copies setup PATH [--url URL] [--ddev] [--lando] [--db-server URL] [--dry-run]`. */
export const copiesSetup: CommandSpec = {
  name: 'copies setup',
  summary: 'Make a local copy runnable: local URLs in its database, settings file, DDEV or Lando project',
  description:
    'For a WordPress copy, rewrites the site’s URLs (its home and siteurl, a multisite’s domains, and the ' +
    'environment’s pantheonsite.io domain) to the local URL in the copy’s own database, serialized values ' +
    're-encoded; writes the settings file the code loads (wp-config-local.php, Drupal’s settings.local.php) with a ' +
    'database user that reaches only that database; with --ddev or --lando, their project file. A file of yours is ' +
    'never overwritten: Lifeboat’s is written beside it. The database server is the one in the app’s Settings ' +
    'unless --db-server names another (its password in LIFEBOAT_DB_PASSWORD). --dry-run prints the plan and exits ' +
    'with its first conflict’s code.',
  positionals: [
    {
      name: 'PATH',
      required: true,
      description: 'the copy’s folder (as lifeboat copies lists it; a relative path is from here)',
    },
  ],
  flags: {
    url: {
      type: 'string',
      value: 'URL',
      description:
        'the local URL (default: https://NAME.ddev.site, https://NAME.lndo.site or http://NAME.localhost:8080)',
    },
    ddev: {
      type: 'boolean',
      description: 'write .ddev/config.yaml (type, docroot, PHP and database versions)',
    },
    lando: { type: 'boolean', description: 'write .lando.yml (the pantheon recipe)' },
    'db-server': {
      type: 'string',
      value: 'URL',
      description:
        'the server the database was imported into, as mysql://user@host:port, ?socket=/path, or ?pipe=NAME on Windows (default: Settings)',
    },
    'dry-run': {
      type: 'boolean',
      description: 'print the plan: every write, note and conflict; change nothing',
    },
  },
  globals: ['json', 'mysql-client'],
  examples: [
    'lifeboat copies setup ~/Sites/acme-blog-live --dry-run',
    'lifeboat copies setup ./acme-blog-live --ddev',
    'lifeboat copies setup ./acme-blog-live --url http://acme.test --db-server mysql://root@localhost:3306',
  ],
  json: [
    {
      type: 'object',
      fields: { plan: 'object', rewritten: 'object[]', next: 'string[]' },
      note: 'the shared model LocalSetupResult: the plan carried out, values changed per table, the commands that start the site',
    },
    { when: 'with --dry-run', type: 'object', fields: PLAN_FIELDS, note: 'the shared model LocalSetupPlan' },
  ],
  async run(ctx) {
    const registry = new CopyRegistry({ dataDir: dataDir(ctx.io.env) });
    const copy = await copyAt(await registry.list(), ctx.positionals[0]!);
    const request = validate('copySetup', {
      copyId: copy.id,
      ...(ctx.str('url') !== undefined ? { url: ctx.str('url') } : {}),
      ddev: ctx.bool('ddev'),
      lando: ctx.bool('lando'),
    });
    if (!request.ok) throw new UsageError(request.message.replace(/^url: /, '--url: '));
    if (ctx.bool('ddev') && ctx.bool('lando')) throw new UsageError('Give --ddev or --lando, not both.');
    const server = ctx.str('db-server');
    if (server && /^[a-z]+:\/\/[^/@]*:[^/@]*@/i.test(server))
      ctx.warn('a password in --db-server is visible to other users in `ps`; prefer LIFEBOAT_DB_PASSWORD.');
    const connection = server ? dbFromUrl(server, ctx.io.env).connection : undefined;
    const engine = keychainEngine(ctx.global, ctx.io.env);
    if (ctx.bool('dry-run')) {
      const plan = await engine.previewSetup(request.value, connection);
      if (ctx.json) ctx.print(JSON.stringify(plan));
      else printPlan(ctx, plan, false);
      const first = plan.conflicts[0];
      return first ? exitCodeFor(first.code) : EXIT.ok;
    }
    const result = await engine.setup(request.value, connection);
    if (ctx.json) {
      ctx.print(JSON.stringify(result));
      return EXIT.ok;
    }
    printPlan(ctx, result.plan, true);
    for (const t of result.rewritten)
      ctx.print(`  rewrote   ${t.rows} ${t.rows === 1 ? 'row' : 'rows'} in ${t.table}`);
    if (result.next.length > 0) ctx.print(`\nStart it:\n${result.next.map((c) => `  ${c}`).join('\n')}`);
    return EXIT.ok;
  },
};
