/*
 * What of Lifeboat's environment a program it runs (git, the database client, their --version/--help probes)
 * gets: the variables named, never the rest (the Terminus machine token, MYSQL_PWD, LIFEBOAT_DB_PASSWORD).
 * One rule for all of them: Windows spells names as it likes (`Path`, `SystemRoot`, `windir`, `ComSpec`) and
 * reads them case-insensitively, so there names are compared case-insensitively; elsewhere they are exact.
 */

/**
 * What any program needs to start and behave: where programs and the temp folder are, the locale, and what
 * Windows needs to start a process (without SystemRoot, Winsock fails to load: error 10106).
 */
export const START_VARIABLES: readonly string[] = [
  'PATH',
  'PATHEXT',
  'SYSTEMROOT',
  'WINDIR',
  'COMSPEC',
  'TEMP',
  'TMP',
  'TMPDIR',
  'LANG',
  'LANGUAGE',
  'TZ',
];

/** The locale's own variables (LC_ALL, LC_CTYPE, …), kept wherever the locale is. */
const LOCALE_PREFIX = 'LC_';

/**
 * The variables of `env` named in `names` or locale ones, as spelt in `env`: on Windows whatever their case,
 * elsewhere exactly.
 */
export function pickEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  names: Iterable<string>,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  const fold = platform === 'win32' ? (k: string): string => k.toUpperCase() : (k: string): string => k;
  const wanted = new Set([...names].map(fold));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    const key = fold(k);
    if (wanted.has(key) || key.startsWith(LOCALE_PREFIX)) out[k] = v;
  }
  return out;
}

/**
 * The environment of a probe (`--version`, the client's `--help`): enough to start and print, where the home is
 * (Apple's /usr/bin shims read DEVELOPER_DIR), nothing else.
 */
export function probeEnvironment(
  env: Readonly<Record<string, string | undefined>> = process.env,
  platform: NodeJS.Platform = process.platform,
): Record<string, string> {
  return pickEnvironment(env, [...START_VARIABLES, 'HOME', 'USERPROFILE', 'DEVELOPER_DIR'], platform);
}
