import { join } from 'node:path';
import { parse } from 'yaml';
import { readSmallFile } from '../fs-util';

/**
 * What a copy's code says about running it: which framework (WordPress, Drupal 7, Drupal 8 and later), its
 * docroot, the PHP and database versions Pantheon runs it with (pantheon.yml over pantheon.upstream.yml), the file
 * wp-config.php loads for local settings, and whether Drupal's settings.php includes settings.local.php. Every
 * file is read as untrusted text: small, never through a link, never run.
 */

export type SiteKind = 'wordpress' | 'drupal7' | 'drupal8' | 'other';

export interface SiteCode {
  readonly kind: SiteKind;
  /** '' or 'web' (pantheon.yml `web_docroot: true`). */
  readonly docroot: string;
  /** Drupal 8 and later: the major version core says (`10`), when it says one. */
  readonly drupalMajor: number | null;
  /** `8.2`: pantheon.yml's (or pantheon.upstream.yml's) php_version; null when neither names one. */
  readonly phpVersion: string | null;
  /** pantheon.yml's database version (`10.6`), null when it names none. */
  readonly databaseVersion: string | null;
  /** WordPress: where wp-config.php is (relative), the file it loads for local settings, its table prefix. */
  readonly wordpress: {
    readonly config: string | null;
    /** Relative to the copy: the local settings file wp-config.php loads; null when it loads none. */
    readonly loads: string | null;
    readonly tablePrefix: string | null;
    readonly multisite: boolean;
  } | null;
  /** Drupal: settings.php (relative) and whether it includes settings.local.php. */
  readonly drupal: {
    readonly settings: string;
    readonly includesLocal: boolean;
    readonly exists: boolean;
  } | null;
}

const SMALL = 1024 * 1024;
const read = (root: string, rel: string): Promise<string | null> => readSmallFile(join(root, rel), SMALL);

/** The scalars of a pantheon.yml, all as strings (failsafe schema: `8.10` stays "8.10", never 8.1). */
async function pantheonYml(root: string): Promise<Record<string, unknown>> {
  const merged: Record<string, unknown> = {};
  // pantheon.yml wins over the upstream's file, as on Pantheon.
  for (const name of ['pantheon.upstream.yml', 'pantheon.yml']) {
    const text = await read(root, name);
    if (text === null) continue;
    try {
      const doc: unknown = parse(text, { schema: 'failsafe', maxAliasCount: 10 });
      if (doc && typeof doc === 'object' && !Array.isArray(doc)) Object.assign(merged, doc);
    } catch {
      // Not YAML: Pantheon would refuse it too; nothing is taken from it.
    }
  }
  return merged;
}

const version = (v: unknown): string | null =>
  typeof v === 'string' && /^\d{1,2}\.\d{1,2}$/.test(v.trim()) ? v.trim() : null;

/** Names of local settings files a wp-config.php refers to (`'/wp-config-local.php'` and the like). */
function localFilesNamed(config: string): string[] {
  if (!/\b(require|include)(_once)?\b/.test(config)) return [];
  const names = [...config.matchAll(/['"]\/?([A-Za-z0-9._-]*local[A-Za-z0-9._-]*\.php)['"]/gi)].map(
    (m) => m[1]!,
  );
  return [...new Set(names)].filter((n) => !/^wp-config-(ddev|pantheon)\.php$/.test(n));
}

/** Reads what the copy's code says (see the top of this file). */
export async function readSiteCode(root: string, framework: string): Promise<SiteCode> {
  const yml = await pantheonYml(root);
  const webDocroot = String(yml.web_docroot ?? '').trim() === 'true';
  const db = yml.database;
  const databaseVersion =
    db && typeof db === 'object' && !Array.isArray(db)
      ? version((db as Record<string, unknown>).version)
      : null;
  const phpVersion = version(yml.php_version);
  const docroot = webDocroot ? 'web' : '';
  const at = (rel: string): string => (docroot ? `${docroot}/${rel}` : rel);

  const wpConfigRel = (await read(root, at('wp-config.php'))) !== null ? at('wp-config.php') : null;
  const isWordPress =
    framework.startsWith('wordpress') || (wpConfigRel !== null && !framework.startsWith('drupal'));
  if (isWordPress) {
    const config = wpConfigRel ? await read(root, wpConfigRel) : null;
    const names = config ? localFilesNamed(config) : [];
    const dir = wpConfigRel?.includes('/') ? wpConfigRel.slice(0, wpConfigRel.lastIndexOf('/') + 1) : '';
    const loads = names.find((n) => n === 'wp-config-local.php') ?? names[0] ?? null;
    const prefix = config ? /\$table_prefix\s*=\s*['"]([A-Za-z0-9_]{0,64})['"]/.exec(config)?.[1] : undefined;
    return {
      kind: 'wordpress',
      docroot,
      drupalMajor: null,
      phpVersion,
      databaseVersion,
      wordpress: {
        config: wpConfigRel,
        loads: loads === null ? null : `${dir}${loads}`,
        tablePrefix: prefix ?? null,
        multisite:
          framework === 'wordpress_network' ||
          (config !== null && /define\s*\(\s*['"]MULTISITE['"]\s*,\s*true/i.test(config)),
      },
      drupal: null,
    };
  }
  const core = await read(root, at('core/lib/Drupal.php'));
  const d7 = (await read(root, at('includes/bootstrap.inc'))) !== null;
  // The code decides over Pantheon's framework name (a site upgraded from 7 keeps `drupal` for a while).
  if (core !== null || (framework === 'drupal8' && !d7)) {
    const major = core ? /const VERSION = '(\d+)\./.exec(core)?.[1] : undefined;
    return drupal('drupal8', major ? Number(major) : null);
  }
  if (d7 || framework === 'drupal') return drupal('drupal7', null);
  return {
    kind: 'other',
    docroot,
    drupalMajor: null,
    phpVersion,
    databaseVersion,
    wordpress: null,
    drupal: null,
  };

  async function drupal(kind: 'drupal7' | 'drupal8', major: number | null): Promise<SiteCode> {
    const settings = at('sites/default/settings.php');
    const text = await read(root, settings);
    return {
      kind,
      docroot,
      drupalMajor: major,
      phpVersion,
      databaseVersion,
      wordpress: null,
      drupal: {
        settings,
        exists: text !== null,
        includesLocal:
          text !== null && /settings\.local\.php/.test(text) && /\b(include|require)(_once)?\b/.test(text),
      },
    };
  }
}
