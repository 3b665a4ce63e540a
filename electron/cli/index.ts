/**
 * The `lifeboat` command: Lifeboat's engine for scripts and terminals. Commands and flags are stable;
 * `--json` prints the shared models; exit codes are in exit-codes.ts.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Element } from '@shared/models';
import { parseElement, parseElementList } from '@shared/elements';
import { seedByName, startSandbox } from '../sandbox';
import { parseDbUrl, withPasswordFromEnv } from '../services/database/mysql';
import { LifeboatError, toAppError } from '../services/errors';
import { ProgressTracker, throttle } from '../services/jobs/progress';
import { redact } from '../services/log/redact';
import { createBackupAndWait } from '../services/backups/create-backup';
import { downloadArchive } from '../services/restore/download-archive';
import { runRestore, type RestoreContext } from '../services/restore/restore';
import { planRestore, previewOf, type BackupChoice, type RestoreRequest } from '../services/restore/plan';
import { formatBytes } from '../services/transfer/disk';
import { VERSION } from '../services/version';
import { EXIT, exitCodeFor } from './exit-codes';
import { progressWriter, table } from './output';
import { Connection, keychainEngine, type GlobalOptions } from './session';

type Options = NonNullable<ParseArgsConfig['options']>;

const GLOBAL: Options = {
  'api-url': { type: 'string' },
  'machine-token': { type: 'string' },
  demo: { type: 'boolean', default: false },
  account: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
};

const USAGE = `Lifeboat ${VERSION}: bring a Pantheon site home.

Usage:
  lifeboat auth login --machine-token TOKEN | auth list | auth logout EMAIL | auth import-terminus
  lifeboat sites [--json]
  lifeboat envs SITE [--json]
  lifeboat backups list SITE.ENV [--element code|files|database|db|all] [--json]
  lifeboat backups create SITE.ENV [--element all|code|files|database|db] [--keep-for DAYS] [--no-wait]
  lifeboat pull SITE.ENV --to DIR [--element code,files,database] [--backup latest|new|FOLDER]
                [--branch NAME] [--into-repo PATH [--checkout]] [--db-import URL [--replace-db]]
                [--include GLOB]... [--exclude GLOB]... [--folder NAME] [--update] [--dry-run]
  lifeboat download SITE.ENV --element files --to DIR [--backup latest|FOLDER] [--include GLOB]...
  lifeboat sandbox [--port N] [--seed demo|big]

Global options:
  --api-url URL          Pantheon API base (default https://terminus.pantheon.io:443/api/, or TERMINUS_PROTOCOL/HOST/PORT)
  --machine-token TOKEN  use this token instead of the keychain (also TERMINUS_MACHINE_TOKEN)
  --demo                 use the built-in demo sandbox
  --account EMAIL        use this saved (or demo) account
  --json                 machine-readable output

Secrets stay out of the command line (where \`ps\` shows them to every user) when given by environment:
  TERMINUS_MACHINE_TOKEN  the machine token (or save it once: lifeboat auth login, which reads it from stdin)
  LIFEBOAT_DB_PASSWORD    the database password for --db-import (or MYSQL_PWD); leave it out of the URL
pull --dry-run prints every path, branch and database the restore would write and every conflict, and
downloads nothing; it exits with the first conflict's code.

Exit codes: 0 ok, 1 error, 2 usage, 3 auth, 4 not found, 5 network, 6 integrity, 7 conflict,
            8 disk full, 9 refused (frozen, forbidden, workflow failed), 10 database, 130 cancelled.
`;

class UsageError extends Error {}

interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Where `auth login` reads a token piped to it. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

/** The first line of standard input (a token piped in), trimmed. */
async function readStdin(io: Io): Promise<string | undefined> {
  if (!io.stdin) return undefined;
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split('\n')[0]!.trim() || undefined;
}

/**
 * A `--db-import` URL as a connection; the password may stay out of the URL (and so out of `ps`) in
 * LIFEBOAT_DB_PASSWORD or MYSQL_PWD. A password in the URL still works, with a warning.
 */
function dbFromUrl(url: string, env: NodeJS.ProcessEnv): ReturnType<typeof parseDbUrl> {
  const parsed = parseDbUrl(url);
  return { ...parsed, connection: withPasswordFromEnv(parsed.connection, env) };
}

/** Splits `site.env`; site names have no dots, so the last dot separates. */
function siteEnv(arg: string | undefined): { site: string; env: string } {
  const m = arg ? /^([^.\s]+)\.([a-z0-9][a-z0-9-]*)$/.exec(arg) : null;
  if (!m) throw new UsageError(`Expected SITE.ENV (for example my-site.live), got "${arg ?? ''}".`);
  return { site: m[1]!, env: m[2]! };
}

function elementsOf(
  value: string | undefined,
  fallback: string,
  allowAll: boolean,
  list = false,
): readonly Element[] {
  const v = value ?? fallback;
  if (!allowAll && v.trim().toLowerCase() === 'all')
    throw new UsageError('--element all is not allowed here; name one element.');
  const parsed = list ? parseElementList(v) : parseElement(v);
  if (!parsed || parsed.length === 0)
    throw new UsageError(
      `Unknown element "${v}": use code, files, database (or db)${allowAll ? ', or all' : ''}.`,
    );
  return parsed;
}

function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${name} must be a whole number of at least 1, not "${value}".`);
  return Number(value);
}

const date = (s: number | null): string =>
  s === null ? 'pending' : new Date(s * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const print = (s: string): void => void io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  let json = argv.includes('--json');
  try {
    const words: string[] = [];
    for (let i = 0; i < argv.length && words.length < 2; i++) {
      const a = argv[i]!;
      if (a.startsWith('-')) {
        const name = a.replace(/^--?/, '').split('=')[0]!;
        if (GLOBAL[name]?.type === 'string' && !a.includes('=')) i++;
        continue;
      }
      words.push(a);
    }
    const [cmd, sub] = words;
    if (argv.includes('--version')) {
      print(VERSION);
      return EXIT.ok;
    }
    if (argv.includes('--help') || argv.includes('-h')) {
      print(USAGE);
      return EXIT.ok;
    }
    if (!cmd) {
      io.stderr.write(USAGE);
      return EXIT.usage;
    }
    const specific: Record<string, Options> = {
      auth: {},
      sites: {},
      envs: {},
      backups: {
        element: { type: 'string' },
        'keep-for': { type: 'string' },
        'no-wait': { type: 'boolean', default: false },
      },
      pull: {
        to: { type: 'string' },
        element: { type: 'string' },
        backup: { type: 'string' },
        branch: { type: 'string' },
        'into-repo': { type: 'string' },
        checkout: { type: 'boolean', default: false },
        'db-import': { type: 'string' },
        'replace-db': { type: 'boolean', default: false },
        include: { type: 'string', multiple: true },
        exclude: { type: 'string', multiple: true },
        folder: { type: 'string' },
        update: { type: 'boolean', default: false },
        'keep-for': { type: 'string' },
        parallel: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
      download: {
        to: { type: 'string' },
        element: { type: 'string' },
        backup: { type: 'string' },
        include: { type: 'string', multiple: true },
      },
      sandbox: { port: { type: 'string' }, seed: { type: 'string' } },
    };
    if (cmd === 'auth') specific.auth = { 'machine-token': { type: 'string' } };
    if (!(cmd in specific))
      throw new UsageError(`Unknown command "${cmd}". Run lifeboat --help for the commands.`);
    let parsed;
    try {
      parsed = parseArgs({
        args: [...argv],
        options: { ...GLOBAL, ...specific[cmd] },
        allowPositionals: true,
        strict: true,
      });
    } catch (e) {
      throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
    }
    const v = parsed.values as Record<string, string | boolean | string[] | undefined>;
    const pos = parsed.positionals.slice(1);
    json = Boolean(v.json);
    const g: GlobalOptions = {
      ...(v['api-url'] ? { apiUrl: v['api-url'] as string } : {}),
      ...(v['machine-token'] ? { machineToken: v['machine-token'] as string } : {}),
      demo: Boolean(v.demo),
      ...(v.account ? { account: v.account as string } : {}),
    };
    const str = (k: string): string | undefined => v[k] as string | undefined;
    const list = (k: string): string[] => (v[k] as string[] | undefined) ?? [];

    if (cmd === 'sandbox') {
      const seed = seedByName(str('seed') ?? 'demo');
      if (!seed) throw new UsageError(`Unknown seed "${str('seed')}": use demo, big or bench[:MiB].`);
      const port = str('port') === undefined ? 8787 : Number(str('port'));
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port must be a number from 0 to 65535, not "${str('port')}".`);
      const sandbox = await startSandbox({ seed, port });
      const u = new URL(sandbox.url);
      if (json)
        print(JSON.stringify({ url: sandbox.url, apiUrl: sandbox.apiUrl, accounts: sandbox.accounts }));
      else
        print(
          `Lifeboat sandbox (${seed} seed) at ${sandbox.url}\nUse it: lifeboat --api-url ${sandbox.apiUrl} --machine-token TOKEN …  (or TERMINUS_PROTOCOL=http TERMINUS_HOST=${u.hostname} TERMINUS_PORT=${u.port})\n` +
            sandbox.accounts.map((a) => `  ${a.email.padEnd(24)} ${a.machineToken}`).join('\n'),
        );
      await new Promise<void>((resolve) =>
        io.signal.addEventListener('abort', () => resolve(), { once: true }),
      );
      await sandbox.close();
      return EXIT.ok;
    }

    if (cmd === 'auth') {
      const engine = keychainEngine(g);
      if (sub === 'login') {
        const token =
          (str('machine-token') === '-' ? await readStdin(io) : str('machine-token')) ??
          io.env.TERMINUS_MACHINE_TOKEN ??
          (io.stdin && !(io.stdin as NodeJS.ReadStream).isTTY ? await readStdin(io) : undefined);
        if (!token)
          throw new UsageError(
            'auth login needs a machine token on standard input, in TERMINUS_MACHINE_TOKEN, or as --machine-token TOKEN (create one in the Pantheon dashboard: Personal Settings → Machine Tokens).',
          );
        const account = await engine.accounts.add(token);
        print(
          json
            ? JSON.stringify(account)
            : `Logged in as ${account.email}. The token is in the system keychain.`,
        );
        return EXIT.ok;
      }
      if (sub === 'list') {
        const accounts = await engine.accounts.list();
        if (json) print(JSON.stringify(accounts));
        else
          print(
            accounts.length
              ? table([
                  ['EMAIL', 'NAME', 'API'],
                  ...accounts.map((a) => [a.email, a.fullName, a.apiUrl ?? 'Pantheon']),
                ])
              : 'No accounts. Add one with: lifeboat auth login --machine-token TOKEN',
          );
        return EXIT.ok;
      }
      if (sub === 'logout') {
        const email = pos[1];
        if (!email) throw new UsageError('auth logout needs the account email (see lifeboat auth list).');
        const account = (await engine.accounts.list()).find((a) => a.email === email);
        if (!account) throw new LifeboatError('not-found', `No saved account ${email}.`);
        await engine.accounts.remove(account.id);
        print(
          json
            ? JSON.stringify({ removed: account.id })
            : `Logged out ${email}; its token was removed from the keychain.`,
        );
        return EXIT.ok;
      }
      if (sub === 'import-terminus') {
        const r = await engine.accounts.importTerminus();
        if (json) print(JSON.stringify(r));
        else {
          print(
            r.imported.length
              ? `Imported ${r.imported.map((a) => a.email).join(', ')}.`
              : 'No token could be imported.',
          );
          for (const s of r.skipped) print(`Skipped ${s.file}: ${s.reason}`);
        }
        return r.imported.length ? EXIT.ok : EXIT.auth;
      }
      throw new UsageError('auth takes login, list, logout or import-terminus.');
    }

    // Arguments are checked before anything connects, so a typo never costs a login.
    if (cmd === 'envs' && !pos[0]) throw new UsageError('envs needs a SITE.');
    if (cmd === 'backups') {
      if (sub !== 'list' && sub !== 'create') throw new UsageError('backups takes list or create.');
      siteEnv(pos[1]);
      elementsOf(str('element'), 'all', true);
      positiveInt(str('keep-for'), '--keep-for', 365);
    }
    if (cmd === 'pull' || cmd === 'download') {
      siteEnv(pos[0]);
      if (!str('to'))
        throw new UsageError(
          `${cmd} needs --to DIR: the folder to put the ${cmd === 'pull' ? 'restore' : 'archive'} in.`,
        );
      if (cmd === 'pull') elementsOf(str('element'), 'code,files,database', true, true);
      else elementsOf(str('element'), 'files', false);
      if (str('db-import') && dbFromUrl(str('db-import')!, {}).connection.password !== undefined)
        io.stderr.write(
          'lifeboat: warning: a password in --db-import is visible to other users in `ps`; prefer LIFEBOAT_DB_PASSWORD.\n',
        );
      if (str('folder') !== undefined && !/^[^/\\\0]+$/.test(str('folder')!))
        throw new UsageError('--folder is a folder name, not a path.');
      if (str('folder') === '.' || str('folder') === '..')
        throw new UsageError(
          `--folder ${str('folder')} would restore into an existing folder; give the name of a new folder.`,
        );
      if (str('machine-token'))
        io.stderr.write(
          'lifeboat: warning: --machine-token is visible to other users in `ps`; prefer TERMINUS_MACHINE_TOKEN.\n',
        );
    }
    const conn = await Connection.open(g, io.env);
    try {
      if (cmd === 'sites') {
        const all = [];
        for (const { client, label } of conn.all()) {
          const { sites } = await client.listSites();
          all.push(...sites.map((s) => ({ ...s, account: label })));
        }
        if (json) print(JSON.stringify(all));
        else
          print(
            all.length
              ? table([
                  ['NAME', 'LABEL', 'FRAMEWORK', 'PLAN', 'ORGANIZATIONS', ''],
                  ...all.map((s) => [
                    s.name,
                    s.label,
                    s.framework,
                    s.planName,
                    s.organizations.join(', ') || '—',
                    s.frozen ? 'frozen' : '',
                  ]),
                ])
              : 'No sites.',
          );
        return EXIT.ok;
      }
      if (cmd === 'envs') {
        if (!pos[0]) throw new UsageError('envs needs a SITE.');
        const { client, site } = await conn.site(pos[0]);
        const envs = await client.listEnvironments(site);
        if (json) print(JSON.stringify(envs));
        else
          print(
            table([
              ['ENV', 'DEPLOY TAG', 'DOMAIN', 'STATE'],
              ...envs.map((e) => [
                e.id,
                e.deployTag ?? e.targetRef?.replace('refs/heads/', '') ?? '—',
                e.domain,
                e.initialized ? (e.locked ? 'locked' : 'ready') : 'not initialized',
              ]),
            ]),
          );
        return EXIT.ok;
      }
      if (cmd === 'backups') {
        const { site: siteName, env } = siteEnv(pos[1]);
        const { client, site } = await conn.site(siteName);
        if (sub === 'list') {
          const elements = elementsOf(str('element'), 'all', true);
          const sets = (await client.listBackupSets(site, env)).filter((s) =>
            elements.some((el) => s.archives[el]),
          );
          if (json) print(JSON.stringify(sets));
          else if (sets.length === 0)
            print(
              `No backups of ${siteName}.${env} yet. Create one with: lifeboat backups create ${siteName}.${env}`,
            );
          else
            print(
              table([
                ['FOLDER', 'DATE', 'BY', ...elements.map((e) => e.toUpperCase()), 'EXPIRES'],
                ...sets.map((s) => {
                  const any = Object.values(s.archives).find(Boolean);
                  return [
                    s.folder,
                    date(any?.date ?? null),
                    s.initiator,
                    ...elements.map((el) =>
                      s.archives[el]
                        ? s.archives[el]!.finished
                          ? formatBytes(s.archives[el]!.size)
                          : 'pending'
                        : '—',
                    ),
                    date(any?.expiresAt ?? null).slice(0, 10),
                  ];
                }),
              ]),
            );
          return EXIT.ok;
        }
        if (sub === 'create') {
          const elements = elementsOf(str('element'), 'all', true);
          const days = positiveInt(str('keep-for'), '--keep-for', 365);
          if (v['no-wait']) {
            const wf = await client.createBackup(site, env, elements, days);
            print(json ? JSON.stringify(wf) : `Backup of ${siteName}.${env} started (workflow ${wf.id}).`);
            return EXIT.ok;
          }
          const writer = progressWriter(
            json ? 'silent' : (io.stderr as NodeJS.WriteStream).isTTY ? 'tty' : 'plain',
            io.stderr,
          );
          const tracker = new ProgressTracker();
          tracker.setPhase('creating-backup');
          const made = await createBackupAndWait(
            { client, site },
            {
              env,
              elements,
              keepForDays: days,
              signal: io.signal,
              ...(conn.sandbox ? { pollMs: 200 } : {}),
              onUpdate: (w) => {
                tracker.setPart('wf', w.activeDescription, w.step, w.numberOfTasks);
                writer.update(tracker.snapshot());
              },
            },
          );
          writer.done();
          // A catalog read that failed after the backup was made is a warning: the backup exists.
          if (made.warning) io.stderr.write(`lifeboat: warning: ${made.warning}\n`);
          print(
            json
              ? JSON.stringify({ workflow: made.workflow, backup: made.backup, warning: made.warning })
              : `Backup of ${siteName}.${env} finished${made.backup ? `: ${made.backup.folder}` : ''}.`,
          );
          return EXIT.ok;
        }
        throw new UsageError('backups takes list or create.');
      }
      if (cmd === 'pull' || cmd === 'download') {
        const { site: siteName, env } = siteEnv(pos[0]);
        const to = str('to');
        if (!to)
          throw new UsageError(
            `${cmd} needs --to DIR: the folder to put the ${cmd === 'pull' ? 'restore' : 'archive'} in.`,
          );
        const { client, site } = await conn.site(siteName);
        const tracker = new ProgressTracker();
        const writer = progressWriter(
          json ? 'silent' : (io.stderr as NodeJS.WriteStream).isTTY ? 'tty' : 'plain',
          io.stderr,
        );
        // Progress arrives per network chunk; the display needs at most ten updates a second.
        const show = throttle(() => writer.update(tracker.snapshot()), 100);
        const ctx: RestoreContext = {
          signal: io.signal,
          phase: (p, m) => {
            // Show where the previous phase ended before announcing the next one.
            show.flush();
            tracker.setPhase(p, m);
            show.push(undefined);
            show.flush();
          },
          part: (key, label, d, t) => {
            tracker.setPart(key, label, d, t);
            show.push(undefined);
          },
        };
        if (cmd === 'download') {
          const [element] = elementsOf(str('element'), 'files', false);
          const r = await downloadArchive(
            { client, site },
            {
              site: siteName,
              env,
              folder: str('backup') ?? 'latest',
              element: element!,
              targetDir: to,
              include: list('include'),
            },
            ctx,
          );
          show.flush();
          writer.done();
          print(
            json
              ? JSON.stringify(r)
              : `Saved ${r.path}${r.extractedTo ? ` and unpacked the chosen folders into ${r.extractedTo}` : ''}.`,
          );
          return EXIT.ok;
        }
        const backupArg = str('backup') ?? 'latest';
        const backup: BackupChoice =
          backupArg === 'latest' || backupArg === 'new' ? backupArg : { folder: backupArg };
        const db = str('db-import') ? dbFromUrl(str('db-import')!, io.env) : null;
        const request: RestoreRequest = {
          site: siteName,
          env,
          backup,
          elements: elementsOf(str('element'), 'code,files,database', true, true),
          targetDir: to,
          ...(str('folder') ? { folderName: str('folder')! } : {}),
          ...(str('branch') ? { branch: str('branch')! } : {}),
          ...(str('into-repo') ? { intoRepo: str('into-repo')!, checkoutIntoRepo: Boolean(v.checkout) } : {}),
          ...(db
            ? {
                database: {
                  connection: db.connection,
                  ...(db.database ? { name: db.database } : {}),
                  replace: Boolean(v['replace-db']),
                },
              }
            : {}),
          include: list('include'),
          exclude: list('exclude'),
          updateInPlace: Boolean(v.update),
          keepForDays: positiveInt(str('keep-for'), '--keep-for', 30),
        };
        const parallel = positiveInt(str('parallel'), '--parallel', 3);
        const deps = { client, site, options: { parallel, pollMs: conn.sandbox ? 200 : 5000 } };
        if (v['dry-run']) {
          // The run's own plan and checks, printed; nothing is downloaded or written.
          const plan = await planRestore(deps, request);
          const preview = previewOf(plan);
          if (json) print(JSON.stringify(preview));
          else {
            print(
              `Would restore ${siteName}.${env} (backup ${preview.backupFolder ?? (request.backup === 'new' ? 'new, made first' : 'none found')}) into ${preview.path}${preview.update ? ' (update in place)' : ''}`,
            );
            for (const w of preview.writes) print(`  ${w.kind.padEnd(8)}  ${w.description}`);
            print(
              `  needs about ${formatBytes(preview.downloadBytes)}; ${formatBytes(preview.freeBytes)} free`,
            );
            if (preview.conflicts.length === 0) print('No conflicts: the restore can start.');
            for (const c of preview.conflicts) print(`  conflict  ${c.message}`);
          }
          const first = preview.conflicts[0];
          return first ? exitCodeFor(first.code) : EXIT.ok;
        }
        const r = await runRestore(deps, request, ctx);
        show.flush();
        writer.done();
        if (json) print(JSON.stringify({ path: r.path, record: r.record, resumedBytes: r.resumedBytes }));
        else {
          const rec = r.record;
          print(`Restored ${siteName}.${env} (backup ${rec.backup.folder}) into ${r.path}`);
          if (rec.code)
            print(
              `  code      branch ${rec.code.branch} at ${rec.code.tag ?? rec.code.ref} (${rec.code.commit.slice(0, 10)})${rec.code.intoRepo ? `, also in ${rec.code.intoRepo}` : ''}`,
            );
          if (rec.files) print(`  files     ${rec.files.path}/ (${rec.files.entries} entries)`);
          if (rec.database)
            print(
              `  database  ${rec.database.archive}${rec.database.importedInto ? `, imported into ${rec.database.importedInto}` : ''}`,
            );
          if (r.resumedBytes > 0) print(`  resumed   ${formatBytes(r.resumedBytes)} were already downloaded`);
        }
        return EXIT.ok;
      }
    } finally {
      await conn.close();
    }
    throw new UsageError(`Unknown command "${cmd}".`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`lifeboat: ${e.message}\n`);
      return EXIT.usage;
    }
    const err = toAppError(e);
    if (json) io.stdout.write(`${JSON.stringify({ error: err })}\n`);
    io.stderr.write(
      `\nlifeboat: ${err.message}${err.code === 'cancelled' ? ' Run the same command again to resume.' : ''}\n`,
    );
    return exitCodeFor(err.code);
  }
}

const isEntry =
  process.argv[1] &&
  /(?:^|[\\/])(cli\.(?:js|ts)|index\.ts|lifeboat(?:\.js)?)$/.test(process.argv[1]) &&
  !process.env.VITEST;
if (isEntry || process.env.LIFEBOAT_CLI_ENTRY === '1') {
  const ac = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.cancelled);
    ac.abort(new LifeboatError('cancelled', 'Cancelled.'));
  });
  process.on('SIGTERM', () => ac.abort(new LifeboatError('cancelled', 'Cancelled.')));
  // The net under everything: an error no code path caught becomes a clean, redacted failure (exit 1),
  // never a stack trace with a signed URL in it. Downloads stay in their .part files to resume.
  const crash = (e: unknown): void => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`\nlifeboat: internal error: ${redact(message)}\n`);
    ac.abort(new LifeboatError('internal', 'Stopped after an internal error.'));
    process.exitCode = EXIT.error;
    setTimeout(() => process.exit(EXIT.error), 2000).unref();
  };
  process.on('uncaughtException', crash);
  // A promise nobody awaited failed: say so (redacted) but let the command finish and clean up; killing it
  // two seconds later could stop an update half way through undoing itself.
  process.on('unhandledRejection', (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`lifeboat: warning: an internal operation failed: ${redact(message)}\n`);
  });
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: ac.signal,
  }).then((code) => {
    const exit = process.exitCode === EXIT.error ? EXIT.error : code;
    process.exitCode = exit;
    // Let pending writes flush, then leave even if a keep-alive socket lingers.
    setTimeout(() => process.exit(exit), 50).unref();
  });
}
