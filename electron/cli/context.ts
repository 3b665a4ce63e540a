import { resolve as resolvePath } from 'node:path';
import type { Element, Environment, Job, Site, Workflow } from '@shared/models';
import { parseElement, parseElementList } from '@shared/elements';
import { parseDbUrl, withPasswordFromEnv } from '../services/database/mysql';
import { LifeboatError } from '../services/errors';
import { ProgressTracker, throttle } from '../services/jobs/progress';
import type { PantheonClient } from '../services/pantheon/client';
import { resolveApiUrl } from '../services/pantheon/config';
import type { RestoreContext } from '../services/restore/restore';
import { savedToolPaths } from '../services/settings/settings';
import type { ToolName, ToolSetting } from '../services/tools/find-tool';
import { configureTools } from '../services/tools/tools';
import { runAsJob } from './jobs';
import { inertJson, printable, printableLines, progressWriter, type PhaseLabels } from './output';
import { UsageError, type CommandSpec, type Values } from './registry';
import { Connection, dataDir, type GlobalOptions } from './session';

/** What the CLI runs with: its streams, environment and the signal Ctrl-C aborts. */
export interface Io {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  /** Where `auth login` reads a token piped to it, and where confirmations are answered. */
  readonly stdin?: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
}

/** What a command's `run` gets: its parsed arguments, output helpers and a connection opened on demand. */
export interface RunContext {
  readonly io: Io;
  readonly command: CommandSpec;
  readonly json: boolean;
  readonly global: GlobalOptions;
  /** The positionals after the command's name, already checked against its spec (none extra). */
  readonly positionals: readonly string[];
  str(flag: string): string | undefined;
  bool(flag: string): boolean;
  list(flag: string): string[];
  /** A line on stdout: text for people made {@link printableLines}, JSON (with --json) made inert. */
  print(text: string): void;
  /** `lifeboat: warning: …` on stderr. */
  warn(text: string): void;
  /** A line for people on stderr (a notice before a question, "cancelled"), made printable. */
  note(text: string): void;
  /** Opens the connection (once); main closes it. Check arguments before calling it: a typo never costs a login. */
  connect(options?: Partial<GlobalOptions>): Promise<Connection>;
  /**
   * Progress on stderr: a redrawn line on a terminal, plain lines otherwise, nothing with --json; `labels` name
   * phases in the command's own words.
   */
  progress(labels?: PhaseLabels): Progress;
  /** Asks on stderr and reads one line of stdin; only when stdin is a terminal (see {@link stdinIsTty}). */
  ask(question: string): Promise<string>;
  readonly stdinIsTty: boolean;
}

/**
 * Runs a command's work as a job of the journal the app shares (see jobs.ts): the app and `lifeboat jobs` show
 * it with its progress and can cancel it. `work` gets the job's context, whose signal also aborts when the job
 * is cancelled elsewhere; its phases and bytes reach both the journal and this command's progress line.
 */
export function asJob<T>(
  ctx: RunContext,
  progress: Progress,
  job: { readonly kind: Job['kind']; readonly title: string; readonly plan: unknown },
  work: (jobCtx: RestoreContext) => Promise<{ result: T; outputPath?: string; warning?: string }>,
): Promise<T> {
  return runAsJob({ dataDir: dataDir(ctx.io.env), ...job, signal: ctx.io.signal }, (jctx) =>
    work({
      signal: jctx.signal,
      phase(p, m) {
        jctx.phase(p, m);
        progress.ctx.phase(p, m);
      },
      part(key, label, done, total) {
        jctx.part(key, label, done, total);
        progress.ctx.part(key, label, done, total);
      },
    }),
  );
}

/** The progress of one command, shaped as the engine reports it. */
export interface Progress {
  /** Where the restore and download use cases report phases and bytes. */
  readonly ctx: RestoreContext;
  /** A workflow's step (a backup being made, a restore on Pantheon), under `title` (default "Creating backup"). */
  workflow(w: Workflow, title?: string): void;
  done(): void;
}

/** Builds the context `run` gets; `close()` ends the connection if one was opened. */
export function runContext(
  io: Io,
  command: CommandSpec,
  values: Values,
  positionals: readonly string[],
): RunContext & { close(): Promise<void> } {
  const json = Boolean(values.json);
  const apiUrl = values['api-url'] as string | undefined;
  if (apiUrl !== undefined) {
    // Checked here, before anything connects: a URL the client cannot use is the user's typo, not a crash.
    try {
      if (apiUrl.trim() === '') throw new Error('empty');
      resolveApiUrl(apiUrl, {});
    } catch {
      throw new UsageError(
        `--api-url must be an http:// or https:// URL (for example https://terminus.pantheon.io/api/), not "${apiUrl}".`,
      );
    }
  }
  // The tools this run uses: --git / --mysql-client, else LIFEBOAT_GIT / LIFEBOAT_MYSQL_CLIENT, else Settings → Tools
  // (the app's settings in the shared data folder), else looked for.
  const given: Partial<Record<ToolName, ToolSetting>> = {};
  for (const [tool, flag, variable] of [
    ['git', 'git', 'LIFEBOAT_GIT'],
    ['mysql-client', 'mysql-client', 'LIFEBOAT_MYSQL_CLIENT'],
  ] as const) {
    const fromFlag = values[flag] as string | undefined;
    if (fromFlag !== undefined && fromFlag.trim() === '')
      throw new UsageError(
        `--${flag} needs the path of the program, for example --${flag} /usr/bin/${tool === 'git' ? 'git' : 'mariadb'}.`,
      );
    const value = fromFlag ?? (io.env[variable]?.trim() || undefined);
    // A relative path is the current folder's, as for --to; a bare name is left as given, for the lookup to
    // refuse (it must never run ./git from whatever folder the command was started in).
    if (value !== undefined)
      given[tool] = {
        path: /[\\/]/.test(value) ? resolvePath(value) : value,
        name: fromFlag !== undefined ? `--${flag}` : variable,
      };
  }
  configureTools({ saved: () => savedToolPaths(dataDir(io.env)), given });
  const global: GlobalOptions = {
    ...(values['api-url'] ? { apiUrl: values['api-url'] as string } : {}),
    ...(values['machine-token'] ? { machineToken: values['machine-token'] as string } : {}),
    demo: Boolean(values.demo),
    ...(values.account ? { account: values.account as string } : {}),
  };
  let conn: Promise<Connection> | null = null;
  const stdinIsTty = Boolean((io.stdin as NodeJS.ReadStream | undefined)?.isTTY);
  const line = (s: string): string => (s.endsWith('\n') ? s : `${s}\n`);
  const warn = (s: string): void => void io.stderr.write(line(`lifeboat: warning: ${printableLines(s)}`));
  let warnedToken = false;
  return {
    io,
    command,
    json,
    global,
    positionals,
    str: (k) => values[k] as string | undefined,
    bool: (k) => Boolean(values[k]),
    list: (k) => (values[k] as string[] | undefined) ?? [],
    print: (s) => void io.stdout.write(line(json ? inertJson(s) : printableLines(s))),
    warn,
    note: (s) => void io.stderr.write(line(printableLines(s))),
    connect(options = {}) {
      // Every command that uses a token from the command line says so once, whatever it does with it.
      if (global.machineToken && !warnedToken) {
        warnedToken = true;
        warn(TOKEN_WARNING);
      }
      conn ??= Connection.open({ ...global, ...options }, io.env, warn);
      return conn;
    },
    progress: (labels) => progressOn(io, json, labels),
    ask: (question) => ask(io, question),
    stdinIsTty,
    async close() {
      if (!conn) return;
      const c = await conn.catch(() => null);
      await c?.close();
    },
  };
}

/**
 * Progress for a command. Each phase starts a fresh tracker: a finished workflow's steps (3 of 3) are not
 * bytes of the download that follows it, and its rate is not the download's speed.
 */
function progressOn(io: Io, json: boolean, labels: PhaseLabels = {}): Progress {
  const out = io.stderr as NodeJS.WriteStream;
  const writer = progressWriter(json ? 'silent' : out.isTTY ? 'tty' : 'plain', io.stderr, labels);
  let tracker = new ProgressTracker();
  // Progress arrives per network chunk; the display needs at most ten updates a second.
  const show = throttle(() => writer.update(tracker.snapshot()), 100);
  return {
    ctx: {
      signal: io.signal,
      phase: (p, m) => {
        // Show where the previous phase ended before announcing the next one.
        show.flush();
        tracker = new ProgressTracker();
        tracker.setPhase(p, m);
        show.push(undefined);
        show.flush();
      },
      part: (key, label, d, t) => {
        tracker.setPart(key, label, d, t);
        show.push(undefined);
      },
    },
    workflow(w, title) {
      const now = tracker.snapshot();
      // A workflow's numbers come from the API: a negative or absurd step is shown clamped, never a crash.
      const total = Number.isFinite(w.numberOfTasks) && w.numberOfTasks > 0 ? Math.floor(w.numberOfTasks) : 0;
      const step = Number.isFinite(w.step) ? Math.min(total, Math.max(0, Math.floor(w.step))) : 0;
      // A new workflow (or the first) starts its own count of steps.
      if (now.phase !== 'creating-backup' || now.message !== title) {
        show.flush();
        tracker = new ProgressTracker();
        tracker.setPhase('creating-backup', title);
      }
      tracker.setPart('workflow', w.activeDescription || 'Creating backup', step, total);
      show.push(undefined);
    },
    done() {
      show.flush();
      writer.done();
    },
  };
}

/** The first line of standard input (a token piped in, an answer typed), trimmed. */
export async function readLine(io: Io): Promise<string | undefined> {
  if (!io.stdin) return undefined;
  let text = '';
  for await (const chunk of io.stdin) {
    text += chunk.toString();
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text.split('\n')[0]!.trim() || undefined;
}

async function ask(io: Io, question: string): Promise<string> {
  io.stderr.write(printable(question));
  const cancelled = new Promise<never>((_, reject) => {
    const stop = (): void => reject(new LifeboatError('cancelled', 'Cancelled.'));
    if (io.signal.aborted) stop();
    io.signal.addEventListener('abort', stop, { once: true });
  });
  const answer = await Promise.race([readLine(io), cancelled]);
  return answer ?? '';
}

/**
 * Splits `site.env`; site names have no dots, so the last dot separates. Pantheon's environment ids are lower
 * case, so `acme-blog.Live` is `live`.
 */
export function siteEnv(arg: string | undefined): { site: string; env: string } {
  const m = arg ? /^([^.\s]+)\.([a-z0-9][a-z0-9-]*)$/i.exec(arg) : null;
  if (!m) throw new UsageError(`Expected SITE.ENV (for example my-site.live), got "${arg ?? ''}".`);
  return { site: m[1]!, env: m[2]!.toLowerCase() };
}

/** An `--element` value: one element (or `all` where allowed), or a comma list when `list`. */
export function elementsOf(
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

/** A whole number of at least 1, or `fallback` when the flag is absent. */
export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${name} must be a whole number of at least 1, not "${value}".`);
  return Number(value);
}

/**
 * A `--db-import` URL as a connection; the password may stay out of the URL (and so out of `ps`) in
 * LIFEBOAT_DB_PASSWORD or MYSQL_PWD. A password in the URL still works, with a warning.
 */
export function dbFromUrl(url: string, env: NodeJS.ProcessEnv): ReturnType<typeof parseDbUrl> {
  const parsed = parseDbUrl(url);
  return { ...parsed, connection: withPasswordFromEnv(parsed.connection, env) };
}

/** What a token on the command line is told, once per run (see {@link RunContext.connect}). */
export const TOKEN_WARNING =
  '--machine-token is visible to other users in `ps`; prefer TERMINUS_MACHINE_TOKEN, or save it once with lifeboat auth login (which reads it from standard input).';

/**
 * The client and site for `SITE.ENV`, with the environment checked first: a mistyped environment is "not
 * found" naming the site's environments, not a failure of whatever the command asks next.
 */
export async function siteWithEnv(
  conn: Connection,
  ref: { site: string; env: string },
): Promise<{ client: PantheonClient; site: Site; environment: Environment }> {
  const found = await conn.site(ref.site);
  const environment = await found.client.requireEnvironment(found.site, ref.env);
  return { ...found, environment };
}

/**
 * Asks a person to confirm something that cannot be undone or loses data: on a terminal, by typing `expected`
 * (or y for a yes/no question); without one, only `--yes` proceeds, and its absence is a usage error that
 * says so, since a script must not hang on a question nobody sees. Resolves false when the person declines.
 */
export async function confirm(
  ctx: RunContext,
  what: { question: string; expected?: string; withoutTty: string },
): Promise<boolean> {
  if (ctx.bool('yes')) return true;
  if (!ctx.stdinIsTty) throw new UsageError(`${what.withoutTty} Pass --yes to proceed without the question.`);
  const answer = await ctx.ask(what.question);
  return what.expected === undefined ? /^y(es)?$/i.test(answer) : answer === what.expected;
}
