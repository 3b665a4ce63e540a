import { parseArgs, type ParseArgsConfig } from 'node:util';
import { closestName } from '@shared/closest';
import type { RunContext } from './context';
import type { JsonDoc } from './json-doc';

/** One flag of a command: how it parses, the placeholder its value shows in help, what it does. */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  /** May be given several times (`--include A --include B`). */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help and the synopsis: `DIR`, `code|files|database|db`. */
  readonly value?: string;
  readonly description: string;
  /** Shown without brackets in the synopsis: the command refuses to run without it. */
  readonly required?: boolean;
  /** Another flag this one only makes sense with; the synopsis nests it: `[--into-repo PATH [--checkout]]`. */
  readonly with?: string;
  /**
   * Flags of one group exclude each other; the synopsis shows them as one choice, `[--file F | --backup B]`, or
   * `(--file F | --backup B)` when they are `required` (one of them must be given).
   */
  readonly oneOf?: string;
}

/** One positional argument. Optional ones must come after the required ones. */
export interface PositionalSpec {
  readonly name: string;
  readonly required: boolean;
  readonly description: string;
  /** The last positional only: it takes every remaining argument (`[QUERY...]`). */
  readonly variadic?: boolean;
}

/** A command of the registry: what `--help`, the README and the parser know about it, and how it runs. */
export interface CommandSpec {
  /** Words that name it: `pull`, `backups get`, `backups automatic info`. */
  readonly name: string;
  /** One line for `lifeboat --help`. */
  readonly summary: string;
  /** Longer text for `lifeboat CMD --help` (plain sentences, wrapped by hand). */
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Whole command lines, each checked by a test to parse as this command. */
  readonly examples: readonly string[];
  /** What `--json` prints (each variant); absent when the command prints no JSON of its own. */
  readonly json?: readonly JsonDoc[];
  /**
   * The global flags that mean something to this command (help and version always do); absent for all of them.
   * The others are unknown options here, and its help leaves them out.
   */
  readonly globals?: readonly string[];
  /**
   * Global flags accepted but meaning nothing here (a command that reads only local files), so a wrapper that
   * passes `--api-url` or `--account` to every command can call this one too. Help names them in one line.
   */
  readonly ignoresGlobals?: readonly string[];
  run(ctx: RunContext): Promise<number>;
}

/** Options every command accepts, wherever they appear on the line. */
export const GLOBAL_FLAGS: Readonly<Record<string, FlagSpec>> = {
  'api-url': {
    type: 'string',
    value: 'URL',
    description:
      'Pantheon API base (default https://terminus.pantheon.io:443/api/, or TERMINUS_PROTOCOL/HOST/PORT)',
  },
  'machine-token': {
    type: 'string',
    value: 'TOKEN',
    description:
      'use this token instead of the keychain (better: TERMINUS_MACHINE_TOKEN, which ps cannot see)',
  },
  demo: { type: 'boolean', description: 'use the built-in demo sandbox (every demo account, as the app)' },
  account: { type: 'string', value: 'EMAIL', description: 'use only this saved (or demo) account' },
  git: {
    type: 'string',
    value: 'PATH',
    description:
      'the git program to run (default: Settings → Tools, else found on PATH and in the usual places; or LIFEBOAT_GIT)',
  },
  'mysql-client': {
    type: 'string',
    value: 'PATH',
    description:
      'the mariadb or mysql client to run, likewise (default: Settings → Tools, PATH, the usual places; or LIFEBOAT_MYSQL_CLIENT)',
  },
  json: { type: 'boolean', description: 'machine-readable output on stdout (see the README for each shape)' },
  help: { type: 'boolean', short: 'h', description: 'describe the command, its flags and examples' },
  version: { type: 'boolean', description: 'print the version' },
};

/** The global flags a command accepts: those it names (with help and version), or all of them. */
export function globalsOf(command: CommandSpec): Readonly<Record<string, FlagSpec>> {
  if (!command.globals) return GLOBAL_FLAGS;
  const keep = new Set([...command.globals, 'help', 'version']);
  return Object.fromEntries(Object.entries(GLOBAL_FLAGS).filter(([n]) => keep.has(n)));
}

/** The global flags a command parses: those that mean something to it and those it accepts to ignore them. */
function parsedGlobalsOf(command: CommandSpec): Readonly<Record<string, FlagSpec>> {
  const ignored = Object.entries(GLOBAL_FLAGS).filter(([n]) => command.ignoresGlobals?.includes(n));
  return { ...globalsOf(command), ...Object.fromEntries(ignored) };
}

/**
 * Terminus's spellings of the commands Lifeboat has (`backup:list`), for the "did you mean" of an unknown
 * command; others are matched by their words (`backup:automatic:info`) or as a typo of a command's name.
 */
const TERMINUS_NAMES: Readonly<Record<string, string>> = {
  'site:list': 'sites',
  'org:site:list': 'sites --org ORG',
  'env:list': 'envs',
  'auth:whoami': 'auth list',
  'backup:automatic:info': 'backups automatic info',
  'backup:automatic:enable': 'backups automatic enable',
  'backup:automatic:disable': 'backups automatic disable',
  'local:clone': 'pull',
  'workflow:list': 'jobs list',
};

/** The command a mistyped or Terminus-spelled first word most likely meant, or null. */
function suggestCommand(word: string, commands: readonly CommandSpec[]): string | null {
  const w = word.toLowerCase();
  const exact = TERMINUS_NAMES[w];
  if (exact) return exact;
  if (w.includes(':')) {
    // backup:get → backups get, auth:login → auth login.
    const parts = w.split(':').filter(Boolean);
    const plural = [
      parts[0] === 'backup' ? 'backups' : parts[0] === 'site' ? 'sites' : parts[0],
      ...parts.slice(1),
    ];
    for (const words of [plural, parts]) {
      const name = words.join(' ');
      if (commands.some((c) => c.name === name)) return name;
    }
    return null;
  }
  const firsts = [...new Set(commands.map((c) => c.name.split(' ')[0]!))];
  return closestName(w, firsts);
}

/** Groups of subcommands that run one of them when given none (`lifeboat jobs` is `lifeboat jobs list`). */
const DEFAULT_SUB: Readonly<Record<string, string>> = { jobs: 'list', copies: 'list' };

/** A usage mistake: printed on stderr with exit 2, before anything connects. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parsed flag values by name. */
export type Values = Readonly<Record<string, string | boolean | string[] | undefined>>;

function parseOptions(flags: Readonly<Record<string, FlagSpec>>): Options {
  const out: Options = {};
  for (const [name, f] of Object.entries(flags)) {
    out[name] = {
      type: f.type,
      ...(f.multiple ? { multiple: true } : {}),
      ...(f.short ? { short: f.short } : {}),
    };
  }
  return out;
}

/** What a command line resolves to, before anything runs. */
export type Resolved =
  | { readonly kind: 'version' }
  | { readonly kind: 'help'; readonly text: string }
  | {
      readonly kind: 'run';
      readonly command: CommandSpec;
      readonly values: Values;
      readonly positionals: readonly string[];
    };

/** The leading words of a command line (flags and their values skipped), at most `max`. */
function leadingWords(argv: readonly string[], commands: readonly CommandSpec[], max: number): string[] {
  // A flag takes the next word as its value when some command (or the global set) declares it a string.
  const stringFlags = new Set<string>();
  const shortStrings = new Set<string>();
  for (const flags of [GLOBAL_FLAGS, ...commands.map((c) => c.flags)])
    for (const [name, f] of Object.entries(flags))
      if (f.type === 'string') {
        stringFlags.add(name);
        if (f.short) shortStrings.add(f.short);
      }
  const words: string[] = [];
  for (let i = 0; i < argv.length && words.length < max; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    if (a.startsWith('--')) {
      if (!a.includes('=') && stringFlags.has(a.slice(2))) i++;
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      if (a.length === 2 && shortStrings.has(a.slice(1))) i++;
      continue;
    }
    words.push(a);
  }
  return words;
}

/** The names of the subcommands of a group (`backups` → list, create, …), in registry order, without repeats. */
function subcommandsOf(group: readonly string[], commands: readonly CommandSpec[]): string[] {
  const subs: string[] = [];
  for (const c of commands) {
    const words = c.name.split(' ');
    if (words.length > group.length && group.every((w, i) => words[i] === w)) {
      const sub = words[group.length]!;
      if (!subs.includes(sub)) subs.push(sub);
    }
  }
  return subs;
}

const orList = (items: readonly string[]): string =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;

/**
 * Resolves a command line against the registry: `--version`, help (global, a group's or a command's) or a
 * command with its flags parsed (strictly: an unknown flag is a usage error) and its positionals counted (a
 * missing required or an extra one is a usage error naming it). Nothing connects or runs here.
 */
export function resolve(
  argv: readonly string[],
  commands: readonly CommandSpec[],
  version: string,
): Resolved {
  const dashdash = argv.indexOf('--');
  const flagsPart = dashdash === -1 ? argv : argv.slice(0, dashdash);
  // --version wins wherever it is, as it always has.
  if (flagsPart.includes('--version')) return { kind: 'version' };
  const wantsHelp = flagsPart.includes('--help') || flagsPart.includes('-h');
  const depth = Math.max(...commands.map((c) => c.name.split(' ').length));
  const words = leadingWords(argv, commands, depth + 1);

  // The longest command name the leading words spell.
  let command: CommandSpec | undefined;
  for (const c of commands) {
    const name = c.name.split(' ');
    if (name.every((w, i) => words[i] === w) && (!command || name.length > command.name.split(' ').length))
      command = c;
  }
  if (!command) {
    // A group, or its default subcommand.
    let group: string[] = [];
    for (let n = words.length; n > 0; n--) {
      const prefix = words.slice(0, n);
      if (subcommandsOf(prefix, commands).length > 0) {
        group = prefix;
        break;
      }
    }
    if (group.length === 0) {
      if (wantsHelp) return { kind: 'help', text: globalHelp(commands, version) };
      if (words.length === 0) throw new NoCommand();
      const guess = suggestCommand(words[0]!, commands);
      throw new UsageError(
        `Unknown command "${words[0]}".${guess ? ` Did you mean: lifeboat ${guess}?` : ''} Run lifeboat --help for the commands.`,
      );
    }
    const g = group.join(' ');
    const subs = subcommandsOf(group, commands);
    const next = words[group.length];
    if (wantsHelp && next === undefined) return { kind: 'help', text: groupHelp(g, commands) };
    const fallback = DEFAULT_SUB[g];
    if (next === undefined && fallback) {
      command = commands.find((c) => c.name === `${g} ${fallback}`)!;
      return parseCommand(command, argv, group.length, wantsHelp);
    }
    throw new UsageError(
      next === undefined
        ? `${g} takes ${orList(subs)}. See lifeboat ${g} --help.`
        : `Unknown command "${g} ${next}": ${g} takes ${orList(subs)}. See lifeboat ${g} --help.`,
    );
  }
  return parseCommand(command, argv, command.name.split(' ').length, wantsHelp);
}

/** Nothing to do: the usage goes to stderr with exit 2. */
export class NoCommand extends Error {}

function parseCommand(
  command: CommandSpec,
  argv: readonly string[],
  nameWords: number,
  wantsHelp: boolean,
): Resolved {
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };
  let parsed;
  const flags = { ...parsedGlobalsOf(command), ...command.flags };
  try {
    parsed = parseArgs({
      args: [...argv],
      options: parseOptions(flags),
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UsageError(`${parseProblem(e as Error, flags)} See lifeboat ${command.name} --help.`);
  }
  const positionals = parsed.positionals.slice(nameWords);
  const specs = command.positionals;
  const missing = specs.find((p, i) => p.required && positionals[i] === undefined);
  if (missing)
    throw new UsageError(
      `lifeboat ${command.name} needs ${missing.name}: ${missing.description}. See lifeboat ${command.name} --help.`,
    );
  const extra = specs.at(-1)?.variadic ? undefined : positionals[specs.length];
  if (extra !== undefined)
    throw new UsageError(
      `Unexpected argument "${extra}": lifeboat ${command.name} takes ${
        specs.length === 0
          ? 'no arguments'
          : specs.length === 1
            ? `one ${specs[0]!.name}`
            : `${specs.length} arguments (${specs.map((s) => s.name).join(' ')})`
      }. See lifeboat ${command.name} --help.`,
    );
  return { kind: 'run', command, values: parsed.values as Values, positionals };
}

/** A parser error in words: which flag, what is wrong with it, and the flag most likely meant. */
function parseProblem(e: Error, flags: Readonly<Record<string, FlagSpec>>): string {
  const message = e.message.replace(/^TypeError \[[A-Z_]+\]: /, '');
  const option = /^(?:Unknown option|Option) '(-{1,2}[^' <=]+)/.exec(message)?.[1];
  if (!option) return message.split('\n')[0]!.replace(/\.?$/, '.');
  const name = option.replace(/^-+/, '');
  const spec = flags[name];
  if (/^Unknown option/.test(message)) {
    const close = closestName(name, Object.keys(flags));
    return `Unknown option '${option}'.${close ? ` Did you mean --${close}?` : ''}`;
  }
  if (/does not take an argument/.test(message))
    return `${option} takes no value: give it alone to turn it on, or leave it out.`;
  const value = spec?.value ?? 'VALUE';
  if (/ambiguous/.test(message))
    return `${option} needs a value (${option} ${value}); a value that starts with a dash is written ${option}=-VALUE.`;
  return `${option} needs a value: ${option} ${value}.`;
}

// ── Help text ───────────────────────────────────────────────────────────────────────────────────────

/** The placeholder for a flag: `--to DIR`, `--json`, `--include GLOB`. */
function flagUsage(name: string, f: FlagSpec): string {
  return `--${name}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`;
}

/** `...` after a flag that may be repeated: `[--include GLOB]...`, the flag again for each value. */
const repeat = (f: FlagSpec): string => (f.multiple ? '...' : '');

/** A command's synopsis as tokens (`SITE.ENV`, `--to DIR`, `[--element E]`), each kept whole when wrapped. */
export function synopsisTokens(command: CommandSpec): string[] {
  const tokens: string[] = [];
  for (const p of command.positionals) {
    const name = `${p.name}${p.variadic ? '...' : ''}`;
    tokens.push(p.required ? name : `[${name}]`);
  }
  const entries = Object.entries(command.flags);
  const nested = (parent: string): string =>
    entries
      .filter(([, f]) => f.with === parent)
      .map(([n, f]) => ` [${flagUsage(n, f)}${nested(n)}]${repeat(f)}`)
      .join('');
  const groupsDone = new Set<string>();
  for (const [name, f] of entries) {
    if (f.with) continue;
    if (f.oneOf) {
      if (groupsDone.has(f.oneOf)) continue;
      groupsDone.add(f.oneOf);
      const members = entries.filter(([, g]) => g.oneOf === f.oneOf);
      const body = members.map(([n, g]) => `${flagUsage(n, g)}${nested(n)}`).join(' | ');
      tokens.push(f.required ? `(${body})` : `[${body}]`);
      continue;
    }
    const body = `${flagUsage(name, f)}${nested(name)}`;
    tokens.push(
      f.required ? `${body}${f.multiple ? ` [${flagUsage(name, f)}]...` : ''}` : `[${body}]${repeat(f)}`,
    );
  }
  return tokens;
}

/** The synopsis lines of a command, wrapped at `width` with continuation lines under its first argument. */
export function synopsis(command: CommandSpec, width = 110): string[] {
  const head = `lifeboat ${command.name}`;
  const indent = ' '.repeat(head.length + 1);
  const lines: string[] = [];
  let line = head;
  for (const t of synopsisTokens(command)) {
    if (line.length + 1 + t.length > width && line.trim() !== head && line !== indent.trimEnd()) {
      lines.push(line);
      line = indent + t;
    } else line += line === indent ? t : ` ${t}`;
  }
  lines.push(line);
  return lines;
}

/**
 * Wraps prose so no line passes column `width`: the first line starts at column `first` (what is printed
 * before it), each later one is indented by `indent` spaces.
 */
function wrap(text: string, width: number, indent: number, first = 0): string {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width - (out.length ? indent : first)) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out.join(`\n${' '.repeat(indent)}`);
}

function flagTable(flags: Readonly<Record<string, FlagSpec>>, skip: readonly string[] = []): string {
  const rows = Object.entries(flags)
    .filter(([n]) => !skip.includes(n))
    .map(
      ([n, f]) =>
        [
          `${f.short ? `-${f.short}, ` : ''}${flagUsage(n, f)}`,
          `${f.description}${f.multiple ? ` (repeat the flag for each: --${n} A --${n} B)` : ''}`,
        ] as const,
    );
  if (rows.length === 0) return '';
  const w = Math.max(...rows.map(([u]) => u.length)) + 2;
  // The description starts at column w + 2 on every line, and no line passes column 100.
  return rows.map(([u, d]) => `  ${u.padEnd(w)}${wrap(d, 100, w + 2, w + 2)}`).join('\n');
}

/** `lifeboat CMD --help`: synopsis, description, arguments, every flag, examples, the JSON it prints. */
export function commandHelp(command: CommandSpec): string {
  // Indented by two: wrapped at 98 so no line passes column 100.
  const parts = [`Usage:\n  ${synopsis(command, 98).join('\n  ')}`, `${command.summary}`];
  if (command.description) parts.push(wrap(command.description, 100, 0));
  if (command.positionals.length)
    parts.push(
      `Arguments:\n${command.positionals
        // Wrapped as the flags are: the description starts at column 14 on every line, none passes column 100.
        .map(
          (p) =>
            `  ${p.name.padEnd(12)}${wrap(`${p.required ? '' : '(optional) '}${p.description}`, 100, 14, 14)}`,
        )
        .join('\n')}`,
    );
  const own = Object.keys(command.flags);
  if (own.length) parts.push(`Flags:\n${flagTable(command.flags)}`);
  const globals = flagTable(globalsOf(command), own);
  if (globals) parts.push(`Global flags:\n${globals}`);
  const ignored = (command.ignoresGlobals ?? []).filter((n) => !(n in globalsOf(command)));
  if (ignored.length)
    parts.push(
      wrap(
        `Also accepted and ignored here, for wrappers that pass them to every command: ${ignored.map((n) => `--${n}`).join(', ')}.`,
        100,
        0,
      ),
    );
  parts.push(`Examples:\n${command.examples.map((e) => `  ${e}`).join('\n')}`);
  if (command.json)
    parts.push(
      `With --json:\n${command.json.map((j) => `  ${wrap(describeJson(j), 100, 4, 2)}`).join('\n')}\n  ${wrap(JSON_PROMISE, 100, 2, 2)}`,
    );
  return `${parts.join('\n\n')}\n`;
}

function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  const w = Math.max(...members.map((c) => c.name.length)) + 2;
  return `Usage: lifeboat ${group} ${subcommandsOf(group.split(' '), commands).join('|')} …\n\n${members
    .map((c) => `  ${c.name.padEnd(w)}${c.summary}`)
    .join('\n')}\n\nRun lifeboat ${group} SUBCOMMAND --help for its flags and examples.\n`;
}

/** `lifeboat --help`: the commands with one line each, global flags, secrets, exit codes. */
export function globalHelp(commands: readonly CommandSpec[], version: string): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 2;
  return `Lifeboat ${version}: bring a Pantheon site home.

Usage: lifeboat COMMAND [ARGUMENTS] [FLAGS]

Commands:
${commands.map((c) => `  ${c.name.padEnd(w)}${c.summary}`).join('\n')}

Run lifeboat COMMAND --help for its arguments, every flag and examples (lifeboat pull --help).

Global flags:
${flagTable(GLOBAL_FLAGS)}

Secrets stay out of the command line (where \`ps\` shows them to every user) when given by environment:
  TERMINUS_MACHINE_TOKEN  the machine token (or save it once: lifeboat auth login, which reads it from stdin)
  LIFEBOAT_DB_PASSWORD    the database password for --db-import (or MYSQL_PWD); leave it out of the URL

git (to restore code) and the mariadb or mysql client (to import databases) are looked for on PATH,
then where installers put them (Homebrew, DBngin, MAMP, Git for Windows, MariaDB and MySQL Server under
Program Files, /usr/bin). --git PATH and --mysql-client PATH (or LIFEBOAT_GIT and LIFEBOAT_MYSQL_CLIENT,
or the app's Settings → Tools) name them instead. Downloading files needs neither.

Dates are shown in the local time zone (TZ) with their offset. With --json, the shared models keep times as
seconds since the epoch (UTC); the CLI's own outputs (backups get, backups info, jobs) give ISO-8601 UTC.

Exit codes: 0 ok, 1 error, 2 usage, 3 auth, 4 not found, 5 network, 6 integrity, 7 conflict,
            8 disk full, 9 refused (frozen, forbidden, workflow failed), 10 database, 11 missing tool (git or
            the database client), 130 cancelled.
`;
}

/** What every command's `--json` promises beyond its listed fields, said in help and the README. */
export const JSON_PROMISE =
  'The fields listed are always there; objects may carry further fields of the shared model. A failure ' +
  'prints {"error":{"code","message"}} instead (it may also carry detail and retryable).';

/** One sentence for a JSON shape, used by help and the README. */
export function describeJson(doc: JsonDoc): string {
  const fields = Object.entries(doc.fields)
    .map(([k, t]) => `${k} (${t})`)
    .join(', ');
  const what = doc.type === 'array' ? 'an array of objects with' : 'an object with';
  return `${doc.when ? `${doc.when}: ` : ''}${what} ${fields}${doc.note ? `; ${doc.note}` : ''}`;
}
