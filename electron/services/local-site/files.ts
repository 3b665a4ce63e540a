import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { SiteCode } from './site-code';
import type { LocalUrl } from './urls';

/**
 * The files "Set up to run locally" writes: WordPress's local wp-config file, Drupal's settings.local.php, DDEV's
 * `.ddev/config.yaml` and Lando's `.lando.yml`. Every value put in PHP is a single-quoted literal (a quote or a
 * backslash in it escaped), and nothing that came from the site goes into a comment, where `?>` would end PHP.
 * Inside DDEV (set up not to manage settings files) and Lando (whose pantheon recipe gives the database to
 * Pantheon's own settings files), these files step aside, so one copy runs on this computer's server and in both.
 */

/** A PHP single-quoted string literal: only `\` and `'` are special there. */
export const phpString = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** How the site reaches its local database. */
export interface SiteDatabase {
  readonly name: string;
  readonly user: string;
  /** null: not written (the person's own password never is); the file says where to put one. */
  readonly password: string | null;
  readonly host: string;
  readonly port: number | null;
  readonly socket: string | null;
}

/** DDEV's documented database, user and password inside its containers (host `db`). */
const DDEV_DB = 'db';

/** A random secret for salts and keys: printable, no quote or backslash. */
const secret = (): string => randomBytes(48).toString('base64url');

const header = (what: string): string =>
  `<?php\n/**\n * ${what}, written by Lifeboat (lifeboat copies setup) for this local copy.\n` +
  ' * Lifeboat lists it in .git/info/exclude: it is never committed. Edit it freely; Lifeboat will not\n' +
  ' * overwrite it once you have.\n */\n';

const NO_PASSWORD =
  'Lifeboat never writes your own database password into a file: put the password of a user that can reach this database';

/** WordPress's local settings (the file wp-config.php loads off Pantheon). */
export function wordpressLocalConfig(
  db: SiteDatabase,
  url: { readonly home: string; readonly siteurl: string } | null,
): string {
  const host = db.socket ? `localhost:${db.socket}` : db.port ? `${db.host}:${db.port}` : db.host;
  const keys = [
    'AUTH_KEY',
    'SECURE_AUTH_KEY',
    'LOGGED_IN_KEY',
    'NONCE_KEY',
    'AUTH_SALT',
    'SECURE_AUTH_SALT',
    'LOGGED_IN_SALT',
    'NONCE_SALT',
  ];
  const define = (name: string, value: string): string =>
    `if (!defined('${name}')) {\n  define('${name}', ${value});\n}\n`;
  return (
    header('Local WordPress settings') +
    "\n// Inside DDEV (which Lifeboat set up not to write settings files), DDEV's own database.\n" +
    "if (getenv('IS_DDEV_PROJECT') === 'true') {\n" +
    `  $lifeboat_db = ['${DDEV_DB}', '${DDEV_DB}', '${DDEV_DB}', 'db'];\n` +
    '} else {\n' +
    (db.password === null ? `  // ${NO_PASSWORD} as the third value.\n` : '') +
    `  $lifeboat_db = [${phpString(db.name)}, ${phpString(db.user)}, ${db.password === null ? "''" : phpString(db.password)}, ${phpString(host)}];\n` +
    '}\n' +
    define('DB_NAME', '$lifeboat_db[0]') +
    define('DB_USER', '$lifeboat_db[1]') +
    define('DB_PASSWORD', '$lifeboat_db[2]') +
    define('DB_HOST', '$lifeboat_db[3]') +
    define('DB_CHARSET', "'utf8mb4'") +
    define('DB_COLLATE', "''") +
    'unset($lifeboat_db);\n\n' +
    keys.map((k) => define(k, phpString(secret()))).join('') +
    (url
      ? `\n${define('WP_HOME', phpString(url.home))}${define('WP_SITEURL', phpString(url.siteurl))}`
      : '') +
    `\n${define('WP_ENVIRONMENT_TYPE', "'local'")}`
  );
}

/** Drupal's settings.local.php (7, or 8 and later with trusted host patterns). */
export function drupalLocalSettings(kind: 'drupal7' | 'drupal8', db: SiteDatabase, local: LocalUrl): string {
  const array = (entries: readonly (readonly [string, string])[]): string =>
    kind === 'drupal7'
      ? `array(\n${entries.map(([k, v]) => `    '${k}' => ${v},`).join('\n')}\n  )`
      : `[\n${entries.map(([k, v]) => `    '${k}' => ${v},`).join('\n')}\n  ]`;
  const ours: [string, string][] = [
    ['database', phpString(db.name)],
    ['username', phpString(db.user)],
    ['password', db.password === null ? "''" : phpString(db.password)],
    ['host', phpString(db.socket ? 'localhost' : db.host)],
    ...(db.socket ? [['unix_socket', phpString(db.socket)] as [string, string]] : []),
    ...(db.port && !db.socket ? [['port', String(db.port)] as [string, string]] : []),
    ['driver', "'mysql'"],
    ['prefix', "''"],
  ];
  const ddev: [string, string][] = [
    ['database', `'${DDEV_DB}'`],
    ['username', `'${DDEV_DB}'`],
    ['password', `'${DDEV_DB}'`],
    ['host', "'db'"],
    ['port', '3306'],
    ['driver', "'mysql'"],
    ['prefix', "''"],
  ];
  const hosts = [local.host, 'localhost', '127.0.0.1'].map((h) =>
    phpString(`^${h.replace(/[.\\+*?[^\]$(){}=!<>|:-]/g, '\\$&')}$`),
  );
  const trusted =
    kind === 'drupal8'
      ? `\n$settings['trusted_host_patterns'] = [\n${[...new Set(hosts)].map((h) => `  ${h},`).join('\n')}\n];\n` +
        `if (empty($settings['hash_salt'])) {\n  $settings['hash_salt'] = ${phpString(secret())};\n}\n`
      : '\n// Drupal 7 has no trusted host setting: it answers on any host name.\n';
  return (
    header(`Local Drupal ${kind === 'drupal7' ? '7' : '8+'} settings`) +
    "\n// Lando's pantheon recipe gives the database to settings.pantheon.php: nothing to add there.\n" +
    "if (getenv('LANDO') === 'ON') {\n  return;\n}\n" +
    "// Inside DDEV (which Lifeboat set up not to write settings files), DDEV's own database.\n" +
    "if (getenv('IS_DDEV_PROJECT') === 'true') {\n" +
    `  $databases['default']['default'] = ${array(ddev)};\n` +
    '}\nelse {\n' +
    (db.password === null ? `  // ${NO_PASSWORD} as 'password' below.\n` : '') +
    `  $databases['default']['default'] = ${array(ours)};\n}\n` +
    trusted
  );
}

/** DDEV's project types for the site (from its documented config schema). */
export function ddevType(code: SiteCode): string {
  if (code.kind === 'wordpress') return 'wordpress';
  if (code.kind === 'drupal7') return 'drupal7';
  if (code.kind === 'drupal8')
    return code.drupalMajor && code.drupalMajor >= 8 && code.drupalMajor <= 12
      ? `drupal${code.drupalMajor}`
      : 'drupal';
  return 'php';
}

/** PHP versions DDEV documents for php_version. */
export const DDEV_PHP = ['5.6', '7.0', '7.1', '7.2', '7.3', '7.4', '8.0', '8.1', '8.2', '8.3', '8.4', '8.5'];
/** MariaDB versions DDEV documents for database.version. */
export const DDEV_MARIADB = [
  '5.5',
  '10.0',
  '10.1',
  '10.2',
  '10.3',
  '10.4',
  '10.5',
  '10.6',
  '10.7',
  '10.8',
  '10.11',
  '11.4',
  '11.8',
];

/** `.ddev/config.yaml` for the copy; `notes` gets what could not be taken from the site. */
export function ddevConfig(
  name: string,
  code: SiteCode,
  additionalHostnames: readonly string[],
  notes: string[],
): string {
  const config: Record<string, unknown> = { name, type: ddevType(code), docroot: code.docroot };
  if (code.phpVersion && DDEV_PHP.includes(code.phpVersion)) config.php_version = code.phpVersion;
  else if (code.phpVersion)
    notes.push(`DDEV has no PHP ${code.phpVersion}: its default PHP version is used.`);
  if (code.databaseVersion && DDEV_MARIADB.includes(code.databaseVersion))
    config.database = { type: 'mariadb', version: code.databaseVersion };
  else
    notes.push(
      code.databaseVersion
        ? `DDEV has no MariaDB ${code.databaseVersion}: its default database is used.`
        : 'pantheon.yml names no database version: DDEV uses its default MariaDB.',
    );
  if (additionalHostnames.length > 0) config.additional_hostnames = [...additionalHostnames];
  // Lifeboat's local settings file already serves DDEV; DDEV must not edit wp-config.php or settings.php,
  // which are the site's own (tracked) files.
  config.disable_settings_management = true;
  return `# Written by Lifeboat (lifeboat copies setup). See https://docs.ddev.com/en/stable/users/configuration/config/\n${stringify(config)}`;
}

/** Lando's pantheon recipe frameworks, from Pantheon's framework names. */
export function landoFramework(framework: string, code: SiteCode): string {
  if (code.kind === 'wordpress') return 'wordpress';
  if (code.kind === 'drupal7') return 'drupal';
  if (code.kind === 'drupal8')
    return framework === 'drupal8' || !code.drupalMajor ? 'drupal8' : `drupal${code.drupalMajor}`;
  return framework;
}

/** `.lando.yml` for the copy: the pantheon recipe, which reads the versions from pantheon.yml itself. */
export function landoConfig(
  name: string,
  site: { readonly id: string; readonly name: string; readonly framework: string },
  code: SiteCode,
): string {
  const config = {
    name,
    recipe: 'pantheon',
    config: { framework: landoFramework(site.framework, code), site: site.name, id: site.id },
  };
  return `# Written by Lifeboat (lifeboat copies setup). See https://docs.lando.dev/pantheon/config.html\n${stringify(config)}`;
}
