import { createHash, randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import { lstat, mkdir, readFile, readlink, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type {
  LocalCopy,
  LocalSetupPlan,
  LocalSetupResult,
  PlannedWrite,
  RestoreConflict,
} from '@shared/models';
import { pathParts, safePathInside } from '../archive/safe-path';
import { readRecordIn } from '../copies/files';
import type { DbConnection } from '../database/mysql';
import { LifeboatError } from '../errors';
import { readSmallFile } from '../fs-util';
import { dropSiteUser, ensureSiteUser, newPassword, siteAccount, whoAmI } from './db-user';
import {
  ddevConfig,
  drupalLocalSettings,
  landoConfig,
  wordpressLocalConfig,
  type SiteDatabase,
} from './files';
import { readSiteCode, type SiteCode } from './site-code';
import { queryOnce, SqlSession } from './sql';
import { findWordPress, rewriteUrls, type WordPressSite } from './wordpress-db';
import { hostOfUrl, parseLocalUrl, type HostMapping, type LocalUrl } from './urls';

/**
 * "Set up to run locally" (issue 10 §2): one plan, shown as the preview and carried out by the run. It rewrites a
 * WordPress site's URLs in the copy's own database (never another), writes the local settings file the site's
 * code loads (WordPress's wp-config-local.php, Drupal's settings.local.php) with a database user of its own, and
 * on request DDEV's and Lando's project files. A file of the person's is never overwritten: Lifeboat's goes
 * beside it, named in the plan. A file Lifeboat wrote in an earlier setup and nobody changed since (its hash is
 * in `.lifeboat/setup.json`) is replaced.
 */

/** What the person chose. */
export interface SetupOptions {
  /** The local URL; default: from the copy's folder name (see defaultLocalUrl). */
  readonly url?: string;
  readonly ddev?: boolean;
  readonly lando?: boolean;
}

/** What the setup needs from its caller: the server the copy's database is on. */
export interface SetupContext {
  /** With its password; null when none is configured. */
  readonly connection: DbConnection | null;
  /** How a message names where to configure one (Settings in the app, --db-server in the CLI). */
  readonly configureHint: string;
  readonly signal?: AbortSignal;
}

/** The record of Lifeboat's setup files in the copy, to know later which files are still its own. */
const RECORD = '.lifeboat/setup.json';

interface PlannedFile {
  readonly rel: string;
  readonly abs: string;
  readonly render: (password: string | null) => string;
  /** The bytes of Lifeboat's earlier file there (to put back if the run fails); null for a new file. */
  readonly previous: string | null;
  readonly description: string;
}

interface Details {
  readonly copy: LocalCopy;
  readonly connection: DbConnection | null;
  readonly mappings: readonly HostMapping[];
  readonly domains: ReadonlyMap<string, string>;
  readonly prefix: string | null;
  /** The site's own account to create (or take over), or null (the configured user is named instead). */
  readonly account: { readonly user: string; readonly host: string } | null;
  readonly files: readonly PlannedFile[];
  readonly excludes: readonly string[];
  readonly record: { readonly abs: string; readonly previous: string | null };
  readonly next: readonly string[];
  readonly url: LocalUrl;
}

const DETAILS = Symbol('setup details');

/** The plan as the contract shows it, with what the run needs kept out of JSON (a symbol key). */
export type SetupPlan = LocalSetupPlan & { readonly [DETAILS]: Details };

/** A name as DDEV and Lando take it (a host name label), from the copy's folder name. */
export function projectName(copy: Pick<LocalCopy, 'path'>): string {
  const slug = basename(copy.path)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 50)
    .replace(/-$/, '');
  return slug || 'site';
}

/**
 * The local URL a copy gets unless the person chooses one: `https://<name>.ddev.site` with DDEV,
 * `https://<name>.lndo.site` with Lando, else `http://<name>.localhost:8080` (browsers send *.localhost to this
 * computer without any set-up, and `php -S 127.0.0.1:8080` serves it).
 */
export function defaultLocalUrl(
  copy: Pick<LocalCopy, 'path'>,
  options: Pick<SetupOptions, 'ddev' | 'lando'>,
): string {
  const name = projectName(copy);
  if (options.ddev) return `https://${name}.ddev.site`;
  if (options.lando) return `https://${name}.lndo.site`;
  return `http://${name}.localhost:8080`;
}

/** A word for a shell: single-quoted unless plain. */
const sh = (s: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Lifeboat's earlier record in the copy: relative path -> hash of the file it wrote. */
async function readSetupRecord(root: string): Promise<Map<string, string>> {
  const text = await readSmallFile(join(root, RECORD), 256 * 1024);
  try {
    const v = JSON.parse(text ?? 'null') as { files?: Record<string, unknown> } | null;
    return new Map(
      Object.entries(v?.files ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  } catch {
    return new Map();
  }
}

/** The platform domain of an environment, as Pantheon builds it: `<env>-<site>.pantheonsite.io`. */
export const platformDomain = (copy: Pick<LocalCopy, 'env' | 'site'>): string =>
  `${copy.env}-${copy.site.name}.pantheonsite.io`.toLowerCase();

/** Plans the setup of `copy` (see the top of this file); the same code for the preview and the run. */
export async function planSetup(
  copy: LocalCopy,
  options: SetupOptions,
  ctx: SetupContext,
): Promise<SetupPlan> {
  const conflicts: RestoreConflict[] = [];
  const notes: string[] = [];
  const writes: PlannedWrite[] = [];
  const conflict = (kind: RestoreConflict['kind'], code: RestoreConflict['code'], message: string): void => {
    conflicts.push({ kind, code, message });
  };
  const url = parseLocalUrl(options.url ?? defaultLocalUrl(copy, options));
  const name = projectName(copy);
  const root = copy.path;
  const empty = (framework: string): SetupPlan =>
    Object.assign(
      {
        copyId: copy.id,
        path: root,
        framework,
        database: copy.database,
        rewrite: null,
        writes,
        conflicts,
        notes,
      },
      {
        [DETAILS]: {
          copy,
          connection: ctx.connection,
          mappings: [],
          domains: new Map(),
          prefix: null,
          account: null,
          files: [],
          excludes: [],
          record: { abs: join(root, RECORD), previous: null },
          next: [],
          url,
        },
      },
    );
  if (copy.state !== 'present') {
    conflict(
      'folder',
      copy.state === 'missing' ? 'not-found' : 'conflict',
      copy.state === 'missing'
        ? `${root} is not there any more (moved or deleted): there is nothing to set up.`
        : `${root} no longer holds this restore of ${copy.site.name}.${copy.env}: Lifeboat will not write into it.`,
    );
    return empty(copy.site.framework);
  }
  const record = (await readRecordIn(root)) as { code?: unknown; database?: { archive?: unknown } } | null;
  const hasCode = !!record?.code;
  const code: SiteCode | null = hasCode ? await readSiteCode(root, copy.site.framework) : null;
  const kind = code?.kind ?? (copy.site.framework.startsWith('wordpress') ? 'wordpress' : 'other');
  const framework =
    kind === 'wordpress'
      ? 'wordpress'
      : kind === 'drupal7'
        ? 'drupal'
        : kind === 'drupal8'
          ? 'drupal8'
          : copy.site.framework;
  const archive =
    typeof record?.database?.archive === 'string' && /^database\/[^/\\]+$/.test(record.database.archive)
      ? record.database.archive
      : null;

  // The database: the copy's own, on the configured server.
  const conn = ctx.connection;
  let database = copy.database;
  if (database !== null && !/^[A-Za-z0-9_$]{1,64}$/.test(database)) {
    conflict(
      'database',
      'invalid-request',
      `"${database}" is not a database name Lifeboat uses, so it will not touch it.`,
    );
    database = null;
  } else if (!database)
    notes.push(
      archive
        ? `This copy's database was not imported here, so nothing is rewritten and no local database settings are written${options.ddev || options.lando ? `; ${options.ddev ? 'DDEV' : 'Lando'} imports ${archive} itself` : ''}.`
        : 'This copy has no database: nothing is rewritten and no local database settings are written.',
    );
  else if (!conn) {
    conflict(
      'database',
      'invalid-request',
      `The copy's database ${database} is on a database server Lifeboat has no connection to: ${ctx.configureHint}.`,
    );
    database = null;
  } else {
    const found = await queryOnce(
      conn,
      `SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = '${database}';`,
    ).catch((e: unknown) => {
      conflict(
        'database',
        'database',
        `Lifeboat could not reach the database server: ${(e as Error).message}`,
      );
      return null;
    });
    if (found && found[0]?.[0] !== '1') {
      conflict(
        'database',
        'not-found',
        `The database ${database} is not on the configured database server (it was dropped or imported elsewhere): restore the copy's database again, or ${ctx.configureHint}.`,
      );
    }
    if (!found || found[0]?.[0] !== '1') database = null;
  }

  // WordPress: the site's URLs, from its own database, and the platform domain.
  let site: WordPressSite | null = null;
  let mappings: HostMapping[] = [];
  const domains = new Map<string, string>();
  const from: string[] = [];
  if (kind === 'wordpress' && database && conn) {
    const s = await SqlSession.open(conn, database, ctx.signal ? { signal: ctx.signal } : {});
    try {
      site = await findWordPress(s, code?.wordpress?.tablePrefix ?? null);
    } finally {
      await s.close();
    }
    if (!site) notes.push(`${database} holds no WordPress options table: no URL is rewritten.`);
    const mainHost = site ? hostOfUrl(site.home ?? site.siteurl ?? '') : null;
    const target = { scheme: url.scheme, authority: url.authority, path: url.path };
    const hosts = new Map<string, string>();
    for (const u of site?.urls ?? []) {
      const h = hostOfUrl(u);
      if (h && !hosts.has(h)) hosts.set(h, /^\s*http:/i.test(u) ? 'http' : 'https');
    }
    for (const d of [
      ...(site?.network?.domains ?? []),
      ...(site?.network?.blogs.map((b) => b.domain) ?? []),
    ]) {
      const h = d.trim().toLowerCase();
      if (/^[a-z0-9.-]+(:\d+)?$/.test(h) && !hosts.has(h)) hosts.set(h, 'https');
    }
    const platform = platformDomain(copy);
    if (!hosts.has(platform)) hosts.set(platform, 'https');
    hosts.delete(url.authority);
    const bare = (h: string): string => h.replace(/:\d+$/, '');
    for (const [h, scheme] of hosts) {
      // A subdomain network's sites keep their subdomain (blog.example.com -> blog.<local host>).
      const sub =
        site?.network?.subdomains && mainHost && bare(h).endsWith(`.${bare(mainHost)}`)
          ? bare(h).slice(0, -bare(mainHost).length - 1)
          : null;
      const authority = sub ? `${sub}.${url.authority}` : url.authority;
      mappings.push({ from: h, to: { ...target, authority } });
      if (site?.network) domains.set(bare(h), sub ? `${sub}.${url.host}` : url.host);
      from.push(`${scheme}://${h}`);
      if (sub) notes.push(`The network's site ${h} becomes ${url.scheme}://${authority}.`);
    }
    if (site?.network && url.path)
      conflict(
        'database',
        'invalid-request',
        `This is a WordPress multisite: its local URL must be a host name alone, without a path (${url.url}).`,
      );
    if (site?.network && url.port)
      conflict(
        'database',
        'invalid-request',
        `This is a WordPress multisite, which does not work on a port (${url.authority}): choose a URL without one, such as ${defaultLocalUrl(copy, { ddev: true })}.`,
      );
    if (site && site.nonTransactional.length > 0)
      notes.push(
        `${site.nonTransactional.length === 1 ? 'The table' : 'The tables'} ${site.nonTransactional.slice(0, 5).join(', ')}${site.nonTransactional.length > 5 ? ', …' : ''} cannot roll back (not InnoDB): should the rewrite fail, the values already changed there stay changed.`,
      );
    if (site) {
      writes.push({
        kind: 'database',
        target: database,
        description: `The site's URLs in ${database} (http://, https:// and // forms, JSON-escaped and URL-encoded too, serialized values re-encoded): ${from.join(', ')} -> ${url.url}`,
      });
    }
  } else if (kind === 'wordpress' && !database && copy.database === null) {
    // Nothing to rewrite: said above.
  }
  if (!site) mappings = [];

  // The database account the site connects as.
  let account: Details['account'] = null;
  let siteDb: SiteDatabase | null = null;
  if (database && conn) {
    const me = await whoAmI(conn, database).catch(() => null);
    const tcpHost =
      !conn.socket && (conn.host ?? '127.0.0.1') === 'localhost' ? '127.0.0.1' : (conn.host ?? '127.0.0.1');
    const where = conn.socket
      ? { host: 'localhost', port: null, socket: conn.socket }
      : { host: tcpHost, port: conn.port ?? 3306, socket: null };
    if (me?.canCreate) {
      account = siteAccount(database, me.host);
      siteDb = { name: database, user: account.user, password: '', ...where };
      writes.push({
        kind: 'database',
        target: `${account.user}@${account.host}`,
        description: me.exists
          ? `The database user ${account.user} (from an earlier setup): a new password, and again rights on ${database} only`
          : `A database user that can reach ${database} only, with a new password (in the settings file below)`,
      });
      if (me.exists)
        notes.push(
          `${account.user} exists already (an earlier setup): its password changes, and only the settings file written now has the new one.`,
        );
    } else {
      siteDb = { name: database, user: conn.user, password: conn.password ? null : '', ...where };
      notes.push(
        `The configured database user (${conn.user}) may not create users, so the settings file names that user${conn.password ? ', without its password (Lifeboat never writes your own password into a file): put it there yourself, or better the password of a user that can reach only this database' : ' (it has no password)'}.`,
      );
    }
  }

  // The files.
  const files: PlannedFile[] = [];
  const excludes: string[] = [];
  const earlier = await readSetupRecord(root);
  const place = async (rel: string, render: PlannedFile['render'], description: string): Promise<void> => {
    const besideName = (r: string): string => {
      const dot = r.lastIndexOf('.');
      return dot > r.lastIndexOf('/') ? `${r.slice(0, dot)}.lifeboat${r.slice(dot)}` : `${r}.lifeboat`;
    };
    const beside = rel.endsWith('config.yaml') ? `${rel}.lifeboat` : besideName(rel);
    const yours: { readonly rel: string; readonly link: string | null }[] = [];
    for (const candidate of [rel, beside]) {
      let found: Awaited<ReturnType<typeof lookAt>>;
      try {
        found = await lookAt(root, candidate);
      } catch (e) {
        conflict('files', e instanceof LifeboatError ? e.code : 'conflict', (e as Error).message);
        return;
      }
      const { abs, st, link } = found;
      if (!st) {
        files.push({ rel: candidate, abs, render, previous: null, description });
        excludes.push(`/${candidate}`);
        const mine = yours[0];
        if (mine)
          notes.push(
            mine.link === null
              ? `${rel} is yours, so Lifeboat leaves it as it is and writes ${candidate} beside it: copy what you need from it into ${basename(rel)}.`
              : `${rel} is your link to ${mine.link}, so Lifeboat leaves it and that file as they are, and writes ${candidate} beside it: copy what you need from it into the file your link points to.`,
          );
        return;
      }
      const text = st.isFile() ? await readSmallFile(abs, 1024 * 1024) : null;
      if (text !== null && earlier.get(candidate) === sha256(text)) {
        files.push({ rel: candidate, abs, render, previous: text, description });
        excludes.push(`/${candidate}`);
        return;
      }
      // A link (to shared settings, say) is the person's like a file is: left, and never written through.
      yours.push({ rel: candidate, link });
    }
    const what = yours.map((y) => (y.link === null ? y.rel : `${y.rel} (your link to ${y.link})`));
    const linked = yours.some((y) => y.link !== null);
    conflict(
      'files',
      'conflict',
      `${what.join(' and ')} are both ${linked ? 'yours' : 'files of yours'}: Lifeboat writes neither${linked ? ', and never through a link' : ''}. Move one away and set up again.`,
    );
  };
  if (!hasCode) {
    notes.push('This copy has no code, so no settings file is written (restore the code to run the site).');
    if (options.ddev || options.lando)
      conflict('files', 'invalid-request', 'DDEV and Lando need the site’s code: this copy has none.');
  } else if (code) {
    if (kind === 'wordpress' && siteDb) {
      const wp = code.wordpress;
      const dir = wp?.config?.includes('/')
        ? wp.config.slice(0, wp.config.lastIndexOf('/') + 1)
        : code.docroot
          ? `${code.docroot}/`
          : '';
      const target = wp?.loads ?? `${dir}wp-config-local.php`;
      if (!wp?.config) notes.push(`The code has no wp-config.php: ${target} is written for the one you add.`);
      else if (!wp.loads)
        notes.push(
          `${wp.config} loads no local settings file: add  if (file_exists(__DIR__ . '/wp-config-local.php')) { require_once __DIR__ . '/wp-config-local.php'; }  near its top, before it defines DB_NAME.`,
        );
      const home = site?.home ? rewriteOne(site.home, mappings) : null;
      const siteurl = site?.siteurl ? rewriteOne(site.siteurl, mappings) : null;
      const urls = site?.network ? null : { home: home ?? url.url, siteurl: siteurl ?? home ?? url.url };
      const db = siteDb;
      await place(
        target,
        (password) => wordpressLocalConfig(account ? { ...db, password } : db, urls),
        `WordPress's local settings: the database ${db.name} as ${db.user}${urls ? `, the site at ${urls.home}` : ''}`,
      );
    } else if ((kind === 'drupal7' || kind === 'drupal8') && siteDb && code.drupal) {
      const target = `${code.drupal.settings.slice(0, -'settings.php'.length)}settings.local.php`;
      if (!code.drupal.exists)
        notes.push(`The code has no ${code.drupal.settings}: ${target} is written for the one you add.`);
      else if (!code.drupal.includesLocal)
        notes.push(
          `${code.drupal.settings} does not include settings.local.php: add  if (file_exists(__DIR__ . '/settings.local.php')) { include __DIR__ . '/settings.local.php'; }  at its end.`,
        );
      const db = siteDb;
      const dk = kind;
      await place(
        target,
        (password) => drupalLocalSettings(dk, account ? { ...db, password } : db, url),
        `Drupal's local settings: the database ${db.name} as ${db.user}${dk === 'drupal8' ? `, trusted host ${url.host}` : ''}`,
      );
    } else if (kind === 'other' && siteDb) {
      notes.push(
        `Lifeboat does not know how a ${copy.site.framework} site reads its settings: no settings file is written.`,
      );
    }
    if (options.ddev) {
      const subs = mappings
        .map((m) => m.to.authority)
        .filter((a) => a !== url.authority && a.endsWith(`.${url.authority}`))
        .map((a) => a.slice(0, -url.authority.length - 1));
      const ddevNotes: string[] = [];
      const yaml = ddevConfig(
        name,
        code,
        url.host === `${name}.ddev.site` ? [...new Set(subs)].map((s) => `${s}.${name}`) : [],
        ddevNotes,
      );
      notes.push(...ddevNotes);
      if (url.host !== `${name}.ddev.site`)
        notes.push(`DDEV serves this copy at https://${name}.ddev.site; the local URL chosen is ${url.url}.`);
      await place(
        '.ddev/config.yaml',
        () => yaml,
        `DDEV's project: ${name}, type and versions from the code`,
      );
    }
    if (options.lando) {
      const yaml = landoConfig(name, copy.site, code);
      if (url.host !== `${name}.lndo.site`)
        notes.push(
          `Lando serves this copy at https://${name}.lndo.site; the local URL chosen is ${url.url}.`,
        );
      await place(
        '.lando.yml',
        () => yaml,
        `Lando's project: ${name}, the pantheon recipe for ${copy.site.name}`,
      );
    }
  }
  for (const f of files) writes.push({ kind: 'file', target: f.abs, description: f.description });
  let recordAbs = join(root, RECORD);
  if (files.length > 0) {
    try {
      const found = await lookAt(root, RECORD);
      recordAbs = found.abs;
      if (found.link !== null)
        conflict(
          'files',
          'conflict',
          `${found.abs} is a symbolic link (to ${found.link}) where Lifeboat keeps its record of the files it wrote; it will not write through it: remove the link and set up again.`,
        );
    } catch (e) {
      conflict('files', e instanceof LifeboatError ? e.code : 'conflict', (e as Error).message);
    }
    writes.push({
      kind: 'file',
      target: recordAbs,
      description: 'Lifeboat’s record of the files it wrote, so it knows them later',
    });
    if (await gitDir(root)) {
      excludes.push(`/${RECORD}`);
      notes.push(
        'The files Lifeboat writes are listed in .git/info/exclude, so git leaves them out; to commit one, remove its line there.',
      );
    }
  }
  const previousRecord =
    files.length > 0 ? await readSmallFile(recordAbs, 256 * 1024).catch(() => null) : null;
  const next = nextCommands(copy, code, url, name, archive, mappings, options, site !== null);
  if (!options.ddev && !options.lando && next.length === 0 && hasCode)
    notes.push(`Point your web server for ${url.authority} at ${join(root, code?.docroot ?? '')}.`);
  const plan: LocalSetupPlan = {
    copyId: copy.id,
    path: root,
    framework,
    database,
    rewrite: site && mappings.length > 0 ? { from, to: url.url } : null,
    writes,
    conflicts,
    notes,
  };
  return Object.assign(plan, {
    [DETAILS]: {
      copy,
      connection: conn,
      mappings,
      domains,
      prefix: site?.prefix ?? null,
      account,
      files,
      excludes: hasCode && (await gitDir(root)) ? excludes : [],
      record: { abs: recordAbs, previous: previousRecord },
      next,
      url,
    } satisfies Details,
  });
}

/**
 * What is at `rel` under the copy's `root`, looked at without following links: nothing (`st` null), a file or
 * folder, or, at `rel` itself, a symbolic link (`link`, its target: the person's, to shared settings, say), which
 * is theirs like a file and never written through. A link on the way (a folder of the path) or a path leaving
 * `root` is refused as safePathInside refuses it.
 */
async function lookAt(
  root: string,
  rel: string,
): Promise<{ readonly abs: string; readonly st: Stats | null; readonly link: string | null }> {
  const parts = pathParts(rel.replace(/\\/g, '/'));
  if (!/^(?:[\\/]|[a-zA-Z]:)/.test(rel)) {
    let at = resolve(root);
    for (let i = -1; i < parts.length && parts[i] !== '..'; i++) {
      if (i >= 0) at = join(at, parts[i]!);
      const st = await lstat(at).catch(() => null);
      if (!st || (!st.isDirectory() && !st.isSymbolicLink())) break;
      if (st.isSymbolicLink()) {
        if (i >= 0 && i === parts.length - 1) return { abs: at, st, link: await readlink(at) };
        break;
      }
    }
  }
  const abs = await safePathInside(root, rel);
  return { abs, st: await lstat(abs).catch(() => null), link: null };
}

const gitDir = async (root: string): Promise<boolean> =>
  (await lstat(join(root, '.git')).catch(() => null))?.isDirectory() ?? false;

/** One URL rewritten as the database rewrite rewrites it. */
function rewriteOne(value: string, mappings: readonly HostMapping[]): string | null {
  const h = hostOfUrl(value);
  const m = mappings.find((x) => x.from === h);
  if (!m) return null;
  const rest = value.trim().replace(/^(?:https?:)?\/\/[^/?#]+/i, '');
  return `${m.to.scheme}://${m.to.authority}${m.to.path}${rest}`.replace(/\/+$/, '');
}

/** The commands that start the copy, for a person to copy. */
function nextCommands(
  copy: LocalCopy,
  code: SiteCode | null,
  url: LocalUrl,
  name: string,
  archive: string | null,
  mappings: readonly HostMapping[],
  options: SetupOptions,
  wordpress: boolean,
): string[] {
  if (!code) return [];
  const cd = `cd ${sh(copy.path)}`;
  const replaceIn = (tool: string, host: string): string[] =>
    wordpress
      ? [...new Set(mappings.map((m) => m.from))].map(
          (h) => `${tool} wp search-replace ${sh(`//${h}`)} ${sh(`//${host}`)} --all-tables --precise`,
        )
      : [];
  if (options.ddev)
    return [
      cd,
      'ddev start',
      ...(archive ? [`ddev import-db --file=${sh(archive)}`] : []),
      ...(archive ? replaceIn('ddev', `${name}.ddev.site`) : []),
      'ddev launch',
    ];
  if (options.lando)
    return [
      cd,
      'lando start',
      ...(archive ? [`lando db-import ${sh(archive)}`] : []),
      ...(archive ? replaceIn('lando', `${name}.lndo.site`) : []),
    ];
  const local = url.host === 'localhost' || url.host === '127.0.0.1' || url.host.endsWith('.localhost');
  if (!local || (code.kind !== 'wordpress' && code.kind !== 'drupal7' && code.kind !== 'drupal8')) return [];
  const docroot = code.docroot ? join(copy.path, code.docroot) : copy.path;
  const port = url.port ?? (url.scheme === 'https' ? null : '80');
  if (!port || url.scheme === 'https') return [];
  const router = code.kind === 'drupal8' ? ' .ht.router.php' : '';
  return [`cd ${sh(docroot)}`, `php -S 127.0.0.1:${port}${router}`];
}

/** Writes `text` to a new file `abs`; fails if anything is there by then (never overwrites). */
async function writeNew(abs: string, text: string): Promise<void> {
  await mkdir(dirname(abs), { recursive: true });
  await writeFile(abs, text, { flag: 'wx', mode: 0o600 });
}

/** Replaces Lifeboat's own earlier file, still unchanged since (checked now), through a new file and a rename. */
async function replaceOwn(abs: string, previous: string, text: string): Promise<void> {
  const now = await readSmallFile(abs, 1024 * 1024);
  if (now !== previous)
    throw new LifeboatError(
      'conflict',
      `${abs} changed while Lifeboat was setting up: it was left as it is.`,
    );
  const tmp = `${abs}.${randomBytes(4).toString('hex')}.lifeboat-tmp`;
  try {
    await writeFile(tmp, text, { flag: 'wx', mode: 0o600 });
    await rename(tmp, abs);
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Carries out `plan`, exactly: the database user, the files, the exclude lines and the record, then the URL
 * rewrite in one transaction. Anything that fails undoes what came before it, in reverse (the user dropped if it
 * was made now, new files removed, Lifeboat's earlier files put back), so a failed setup changes nothing.
 */
export async function applySetup(plan: SetupPlan, signal?: AbortSignal): Promise<LocalSetupResult> {
  if (plan.conflicts[0]) {
    const c = plan.conflicts[0];
    throw new LifeboatError(c.code, c.message);
  }
  const d = plan[DETAILS];
  const undo: (() => Promise<unknown>)[] = [];
  try {
    let password: string | null = null;
    if (d.account && d.connection && plan.database) {
      password = newPassword();
      const made = await ensureSiteUser(d.connection, plan.database, d.account.host, password);
      const conn = d.connection;
      if (made.created) undo.push(() => dropSiteUser(conn, made.user, made.host));
    }
    const hashes: Record<string, string> = {};
    for (const f of d.files) {
      signal?.throwIfAborted();
      const text = f.render(password);
      if (f.previous === null) {
        await writeNew(f.abs, text);
        undo.push(() => rm(f.abs, { force: true }));
      } else {
        await replaceOwn(f.abs, f.previous, text);
        const previous = f.previous;
        undo.push(() => writeFile(f.abs, previous, { mode: 0o600 }));
      }
      hashes[f.rel] = sha256(text);
    }
    if (d.files.length > 0) {
      const earlier = await readSetupRecord(plan.path);
      const record = {
        version: 1,
        url: d.url.url,
        account: d.account ? `${d.account.user}@${d.account.host}` : null,
        files: { ...Object.fromEntries(earlier), ...hashes },
      };
      await mkdir(dirname(d.record.abs), { recursive: true });
      const previous = d.record.previous;
      await writeFile(d.record.abs, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      undo.push(() =>
        previous === null ? rm(d.record.abs, { force: true }) : writeFile(d.record.abs, previous),
      );
    }
    if (d.excludes.length > 0) {
      const file = await safePathInside(plan.path, '.git/info/exclude');
      const current = await readFile(file, 'utf8').catch(() => null);
      const lines = (current ?? '').split('\n');
      const missing = d.excludes.filter((p) => !lines.includes(p));
      if (missing.length > 0) {
        await mkdir(dirname(file), { recursive: true });
        const prefix = current === null || current === '' || current.endsWith('\n') ? '' : '\n';
        await writeFile(
          file,
          `${current ?? ''}${prefix}# Added by Lifeboat (copies setup)\n${missing.join('\n')}\n`,
        );
        undo.push(() => (current === null ? rm(file, { force: true }) : writeFile(file, current)));
      }
    }
    let rewritten: { table: string; rows: number; broken: number }[] = [];
    if (plan.rewrite && d.connection && plan.database) {
      const s = await SqlSession.open(d.connection, plan.database, signal ? { signal } : {});
      try {
        await s.query('START TRANSACTION;');
        rewritten = await rewriteUrls(s, d.mappings, {
          prefix: d.prefix,
          domains: d.domains,
          ...(signal ? { signal } : {}),
        });
        signal?.throwIfAborted();
        await s.query('COMMIT;');
        await s.close();
      } catch (e) {
        await s.kill();
        throw e;
      }
    }
    const broken = rewritten.reduce((n, t) => n + t.broken, 0);
    const notes = [...plan.notes];
    if (broken > 0)
      notes.push(
        `${broken} ${broken === 1 ? 'value looks' : 'values look'} serialized but ${broken === 1 ? 'does' : 'do'} not unserialize (${rewritten
          .filter((t) => t.broken > 0)
          .map((t) => `${t.table}: ${t.broken}`)
          .join(
            ', ',
          )}): the site's URL was left in ${broken === 1 ? 'it' : 'them'} where replacing it would change a length.`,
      );
    return {
      plan: { ...publicPlan(plan), notes },
      rewritten: rewritten.filter((t) => t.rows > 0).map((t) => ({ table: t.table, rows: t.rows })),
      next: d.next,
    };
  } catch (e) {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    throw e;
  }
}

/** The plan as the contract has it (without the run's details). */
export function publicPlan(plan: SetupPlan): LocalSetupPlan {
  const { copyId, path, framework, database, rewrite, writes, conflicts, notes } = plan;
  return { copyId, path, framework, database, rewrite, writes, conflicts, notes };
}
