// Copies and WordPress databases for the "set up to run locally" tests (issue 10 §2): real folders, real tables
// in WordPress's own shapes (wp-admin/includes/schema.php), values PHP-serialized as PHP writes them.
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { copyIdOf } from '../../electron/services/copies/registry';
import type { LocalCopy } from '../../shared/models';

const run = promisify(execFile);

/** PHP's serialize() of plain data (arrays keep their order; integer-like keys as PHP makes them). */
export function phpSerialize(v: unknown): string {
  if (v === null || v === undefined) return 'N;';
  if (typeof v === 'boolean') return `b:${v ? 1 : 0};`;
  if (typeof v === 'number') return Number.isInteger(v) ? `i:${v};` : `d:${v};`;
  if (typeof v === 'string') return `s:${Buffer.byteLength(v)}:"${v}";`;
  if (v instanceof PhpObject) {
    const e = Object.entries(v.props);
    return `O:${Buffer.byteLength(v.cls)}:"${v.cls}":${e.length}:{${e.map(([k, x]) => phpSerialize(k) + phpSerialize(x)).join('')}}`;
  }
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v as object);
  const key = (k: string): string => (/^(0|-?[1-9]\d*)$/.test(k) ? `i:${k};` : phpSerialize(k));
  return `a:${entries.length}:{${entries.map(([k, x]) => key(k) + phpSerialize(x)).join('')}}`;
}

/** An object for {@link phpSerialize}: `O:<len>:"<class>":...`. */
export class PhpObject {
  constructor(
    readonly cls: string,
    readonly props: Record<string, unknown>,
  ) {}
}

/** Whether the php command-line program is here (the tests that run PHP on what Lifeboat wrote need it). */
export async function phpUnavailable(): Promise<string | null> {
  try {
    await run('php', ['-r', 'echo 1;']);
    return null;
  } catch {
    return 'php is not installed (Debian packages php-cli and php-mysql)';
  }
}

/** Runs PHP code (`php -r`) and returns what it printed. */
export async function php(code: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return (await run('php', ['-r', code], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 })).stdout;
}

/** A SQL string literal (the test's own values; backslashes and quotes escaped). */
export const lit = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** WordPress's core tables (single site, the columns of wp-admin/includes/schema.php that matter here). */
export function wordpressTables(prefix = 'wp_'): string {
  return `
CREATE TABLE ${prefix}options (
  option_id bigint(20) unsigned NOT NULL auto_increment,
  option_name varchar(191) NOT NULL default '',
  option_value longtext NOT NULL,
  autoload varchar(20) NOT NULL default 'yes',
  PRIMARY KEY (option_id),
  UNIQUE KEY option_name (option_name)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE TABLE ${prefix}posts (
  ID bigint(20) unsigned NOT NULL auto_increment,
  post_author bigint(20) unsigned NOT NULL default '0',
  post_date datetime NOT NULL default '2024-01-01 00:00:00',
  post_content longtext NOT NULL,
  post_title text NOT NULL,
  post_excerpt text NOT NULL,
  post_status varchar(20) NOT NULL default 'publish',
  post_name varchar(200) NOT NULL default '',
  guid varchar(255) NOT NULL default '',
  post_type varchar(20) NOT NULL default 'post',
  post_mime_type varchar(100) NOT NULL default '',
  PRIMARY KEY (ID),
  KEY post_name (post_name(191))
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE TABLE ${prefix}postmeta (
  meta_id bigint(20) unsigned NOT NULL auto_increment,
  post_id bigint(20) unsigned NOT NULL default '0',
  meta_key varchar(255) default NULL,
  meta_value longtext,
  PRIMARY KEY (meta_id),
  KEY post_id (post_id)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE TABLE ${prefix}users (
  ID bigint(20) unsigned NOT NULL auto_increment,
  user_login varchar(60) NOT NULL default '',
  user_email varchar(100) NOT NULL default '',
  user_url varchar(100) NOT NULL default '',
  PRIMARY KEY (ID)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
CREATE TABLE ${prefix}usermeta (
  umeta_id bigint(20) unsigned NOT NULL auto_increment,
  user_id bigint(20) unsigned NOT NULL default '0',
  meta_key varchar(255) default NULL,
  meta_value longtext,
  PRIMARY KEY (umeta_id)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_520_ci;
`;
}

/** WordPress multisite's network tables and a second site's options. */
export function multisiteTables(prefix = 'wp_'): string {
  return `
CREATE TABLE ${prefix}blogs (
  blog_id bigint(20) NOT NULL auto_increment,
  site_id bigint(20) NOT NULL default '0',
  domain varchar(200) NOT NULL default '',
  path varchar(100) NOT NULL default '',
  PRIMARY KEY (blog_id),
  KEY domain (domain(50),path(5))
) DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE ${prefix}site (
  id bigint(20) NOT NULL auto_increment,
  domain varchar(200) NOT NULL default '',
  path varchar(100) NOT NULL default '',
  PRIMARY KEY (id)
) DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE ${prefix}sitemeta (
  meta_id bigint(20) NOT NULL auto_increment,
  site_id bigint(20) NOT NULL default '0',
  meta_key varchar(255) default NULL,
  meta_value longtext,
  PRIMARY KEY (meta_id)
) DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE ${prefix}2_options LIKE ${prefix}options;
CREATE TABLE ${prefix}2_posts LIKE ${prefix}posts;
`;
}

/** A copy as the registry lists it, in `path`, whose lifeboat.json is written (with code when `code`). */
export async function makeCopy(
  path: string,
  options: {
    readonly framework: string;
    readonly database: string | null;
    readonly code?: boolean;
    readonly site?: string;
    readonly env?: string;
    readonly files?: Readonly<Record<string, string>>;
  },
): Promise<LocalCopy> {
  const site = {
    id: '5d9f0c7e-1111-4222-8333-944455556666',
    name: options.site ?? 'acme-blog',
    framework: options.framework,
  };
  const env = options.env ?? 'live';
  await mkdir(path, { recursive: true });
  if (options.code) await run('git', ['init', '-q', path]);
  for (const [rel, text] of Object.entries(options.files ?? {})) {
    await mkdir(dirname(join(path, rel)), { recursive: true });
    await writeFile(join(path, rel), text);
  }
  await writeFile(
    join(path, 'lifeboat.json'),
    JSON.stringify({
      lifeboat: 'test',
      site,
      env,
      backup: { folder: '1700000000_backup', initiator: 'manual', scheduledFor: '2023-11-14T22:13:20Z' },
      archives: {},
      ...(options.code
        ? { code: { path: '.', branch: 'lifeboat/live', ref: 'master', tag: null, commit: 'x' } }
        : {}),
      ...(options.database
        ? { database: { archive: 'database/acme.sql.gz', importedInto: options.database } }
        : {}),
      restoredAt: '2023-11-15T00:00:00Z',
    }),
  );
  return {
    id: copyIdOf(path),
    path,
    state: 'present',
    site,
    env,
    accountId: null,
    backup: { folder: '1700000000_backup', scheduledFor: '2023-11-14T22:13:20Z' },
    elements: ['code', 'database'],
    deployTag: null,
    branch: null,
    database: options.database,
    sizeBytes: null,
    restoredAt: '2023-11-15T00:00:00Z',
    lastUpdate: null,
    newerBackup: null,
  };
}
