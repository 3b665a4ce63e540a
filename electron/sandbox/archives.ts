import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGzip, deflateSync, crc32 as zlibCrc32 } from 'node:zlib';
import { crc32c } from '@node-rs/crc32';
import * as tar from 'tar';
import { createRandom, fillNoise, seedOf } from './prng';
import type { SeedSite } from './seed';

const run = promisify(execFile);

/** Bump when archive content changes, so cached archives from older builds are not served. */
const CONTENT_VERSION = 10;
/** Fixed mtime for every archive entry: the same seed gives the same bytes. */
const EPOCH = new Date('2024-01-01T00:00:00Z');

/** The three archive kinds. */
export type ArchiveElement = 'code' | 'files' | 'database';

/** A built archive on disk. */
export interface BuiltArchive {
  readonly path: string;
  readonly size: number;
  /** Base64 of the MD5 digest, as GCS's `x-goog-hash: md5=` gives it. */
  readonly md5: string;
  /** Base64 of the big-endian CRC32C (Castagnoli), as GCS's `x-goog-hash: crc32c=` gives it. */
  readonly crc32c: string;
  readonly sha256: string;
}

/** What Pantheon's files backup leaves out of a Drupal files folder (Backup Creation page, "Drupal Note"). */
export const DRUPAL_EXCLUDED = [
  'styles',
  'css',
  'js',
  'backup_migrate',
  'private/backup_migrate',
  'imagecache',
];

/** Newest deploy tag of an environment, e.g. `pantheon_live_12`; null for dev, multidevs and uninitialized envs. */
export function deployTagOf(site: SeedSite, env: string): string | null {
  if (env === 'test' && site.testDeploys > 0) return `pantheon_test_${site.testDeploys}`;
  if (env === 'live' && site.liveDeploys > 0) return `pantheon_live_${site.liveDeploys}`;
  return null;
}

/** The commit message of the n-th commit (1-based), as RELEASE.txt records it: tests read it to know which ref is checked out. */
export const releaseLine = (site: SeedSite, n: number): string => `${site.name} release ${n}\n`;

/** Number of commits on master: one initial commit plus one per test deploy plus one undeployed change on dev. */
export const masterCommits = (site: SeedSite): number => site.testDeploys + 2;

/**
 * Builds archives on first use and caches them on disk, keyed by site, environment, sizes and content version.
 * Building is memoized so concurrent requests for one archive share one build.
 */
export class ArchiveLibrary {
  private readonly building = new Map<string, Promise<BuiltArchive>>();
  private readonly served = new Map<string, Promise<BuiltArchive>>();

  constructor(private readonly cacheDir: string) {}

  /**
   * Serves a given file as one environment's archive from now on: what the storage holds is then whatever a
   * test made (an archive or dump built to attack the client), listed in the catalog with its real size.
   */
  serve(siteName: string, env: string, element: ArchiveElement, path: string): void {
    this.served.set(
      `${siteName}/${env}/${element}`,
      hashFile(path).then((d) => ({ path, ...d })),
    );
  }

  /** The archive of one element of one environment, built if needed. */
  get(site: SeedSite, env: string, element: ArchiveElement): Promise<BuiltArchive> {
    const served = this.served.get(`${site.name}/${env}/${element}`);
    if (served) return served;
    const key = [
      `v${CONTENT_VERSION}`,
      site.name,
      env,
      element,
      site.sizes[element],
      site.framework,
      site.testDeploys,
      site.liveDeploys,
      site.multidevs.join('+'),
      site.mysql8Collation ? 'my8' : 'maria',
      site.codeWithoutTopFolder ? 'flat' : 'top',
      site.denseDatabase ? 'dense' : 'text',
    ].join('_');
    let p = this.building.get(key);
    if (!p) {
      p = this.load(key, site, env, element);
      this.building.set(key, p);
      p.catch(() => this.building.delete(key));
    }
    return p;
  }

  private async load(
    key: string,
    site: SeedSite,
    env: string,
    element: ArchiveElement,
  ): Promise<BuiltArchive> {
    const ext = element === 'database' ? 'sql.gz' : 'tar.gz';
    const metaPath = join(this.cacheDir, `${key}.${ext}.json`);
    try {
      const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Partial<BuiltArchive> & BuiltArchive;
      const path = join(this.cacheDir, basename(meta.path));
      const st = await stat(path);
      if (st.size === meta.size) {
        if (meta.crc32c) return { ...meta, path };
        // Cached before the CRC32C was recorded: add it instead of rebuilding (1 GiB takes minutes), once.
        const built: BuiltArchive = { ...meta, path, crc32c: await crc32cOfFile(path) };
        const tmp = `${metaPath}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
        await writeFile(tmp, JSON.stringify(built))
          .then(() => rename(tmp, metaPath))
          .catch(() => rm(tmp, { force: true }));
        return built;
      }
    } catch {
      // not cached yet
    }
    await mkdir(this.cacheDir, { recursive: true });
    const unique = `${process.pid}.${randomBytes(6).toString('hex')}`;
    const tmp = join(this.cacheDir, `${key}.${unique}.tmp`);
    try {
      if (element === 'code') await buildCode(site, env, tmp);
      else if (element === 'files') await buildFiles(site, env, tmp);
      else await buildDatabase(site, env, tmp);
      const digest = await hashFile(tmp);
      // Named by its content: the cache is shared by every sandbox on the machine (test workers run in parallel),
      // and a code archive's bytes differ from build to build (git records times and inodes). Two sandboxes
      // building at once each keep their own file, so the bytes behind a path never change after a sandbox has
      // announced their size and hash; under one fixed name the last rename would swap them.
      const path = join(this.cacheDir, `${key}.${digest.sha256.slice(0, 16)}.${ext}`);
      await rename(tmp, path);
      const built: BuiltArchive = { path, ...digest };
      // The index is replaced whole, so a sandbox starting meanwhile reads an old one or the new one.
      await writeFile(`${metaPath}.${unique}.tmp`, JSON.stringify(built));
      await rename(`${metaPath}.${unique}.tmp`, metaPath);
      return built;
    } finally {
      await rm(tmp, { force: true });
      await rm(`${metaPath}.${unique}.tmp`, { force: true });
    }
  }
}

async function hashFile(
  path: string,
): Promise<{ size: number; md5: string; crc32c: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  let crc = 0;
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    md5.update(chunk);
    sha.update(chunk);
    crc = crc32c(chunk, crc);
    size += chunk.length;
  }
  return { size, md5: md5.digest('base64'), crc32c: crc32cBase64(crc), sha256: sha.digest('hex') };
}

async function crc32cOfFile(path: string): Promise<string> {
  let crc = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>)
    crc = crc32c(chunk, crc);
  return crc32cBase64(crc);
}

/** GCS's form of a CRC32C: the four bytes big-endian, in base64. */
function crc32cBase64(crc: number): string {
  const be = Buffer.alloc(4);
  be.writeUInt32BE(crc >>> 0);
  return be.toString('base64');
}

function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    LANG: 'C',
  };
}

/** Source files of a site's repository at the n-th commit. */
function codeTree(site: SeedSite, n: number): Record<string, string> {
  const rnd = createRandom(seedOf(`code:${site.name}`));
  const filler = Array.from({ length: Math.max(1, Math.floor(site.sizes.code / 64)) }, (_, i) => {
    const v = Math.floor(rnd() * 1e9).toString(36);
    return `  /* chunk ${i} */ register('${v}', ${Math.floor(rnd() * 1000)});`;
  }).join('\n');
  const common: Record<string, string> = {
    'RELEASE.txt': releaseLine(site, n),
    'README.md': `# ${site.label}\n\nHosted on Pantheon. Framework: ${site.framework}.\n`,
    'pantheon.yml': `api_version: 1\n${site.framework === 'drupal8' ? 'web_docroot: true\n' : ''}php_version: 8.2\n`,
  };
  if (site.framework === 'wordpress') {
    return {
      ...common,
      '.gitignore': 'wp-content/uploads\nwp-content/blogs.dir\nwp-content/upgrade\nwp-content/backup-db\n',
      'index.php': "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
      // As Pantheon's WordPress upstream has it: Pantheon's settings on Pantheon, wp-config-local.php elsewhere.
      'wp-config.php': WP_CONFIG,
      'wp-blog-header.php': '<?php\n// WordPress bootstrap\n',
      [`wp-content/themes/${site.name}/style.css`]: `/* Theme Name: ${site.label} */\nbody { color: #222; }\n`,
      [`wp-content/themes/${site.name}/functions.php`]: `<?php\n// release ${n}\n`,
      'wp-content/plugins/lifeboat-demo/lifeboat-demo.php': `<?php\n/* Plugin Name: Demo */\n/*\n${filler}\n*/\n`,
    };
  }
  const root = site.framework === 'drupal8' ? 'web/' : '';
  return {
    ...common,
    '.gitignore': `${root}sites/default/files\n${root}sites/*/files\n`,
    [`${root}index.php`]: '<?php\nuse Drupal\\Core\\DrupalKernel;\n',
    [`${root}sites/default/settings.php`]: drupalSettings(site),
    ...(site.framework === 'drupal8'
      ? { [`${root}core/lib/Drupal.php`]: "<?php\nfinal class Drupal {\n  const VERSION = '10.3.6';\n}\n" }
      : { 'includes/bootstrap.inc': "<?php\ndefine('VERSION', '7.101');\n" }),
    [`${root}modules/custom/${site.name.replace(/-/g, '_')}/${site.name.replace(/-/g, '_')}.info.yml`]: `name: ${site.label}\ntype: module\n# release ${n}\n`,
    [`${root}themes/custom/lifeboat/lifeboat.js`]: `(function () {\n${filler}\n})();\n`,
    ...(site.framework === 'drupal8'
      ? { 'composer.json': '{\n  "name": "pantheon/site",\n  "type": "project"\n}\n' }
      : {}),
  };
}

/** A Pantheon-style wp-config.php (its shape, not its text): Pantheon's file on Pantheon, wp-config-local.php elsewhere. */
const WP_CONFIG = `<?php
/**
 * Pantheon's settings when the site runs there; a local settings file anywhere else.
 */
if (file_exists(dirname(__FILE__) . '/wp-config-pantheon.php') && isset($_ENV['PANTHEON_ENVIRONMENT'])) {
  require_once dirname(__FILE__) . '/wp-config-pantheon.php';
} elseif (file_exists(dirname(__FILE__) . '/wp-config-local.php') && !isset($_ENV['PANTHEON_ENVIRONMENT'])) {
  // Local settings: never include wp-settings.php from there.
  require_once dirname(__FILE__) . '/wp-config-local.php';
} else {
  define('DB_NAME', 'database_name');
  define('DB_USER', 'database_username');
  define('DB_PASSWORD', 'database_password');
  define('DB_HOST', 'database_host');
}

$table_prefix = 'wp_';

if (!defined('ABSPATH')) {
  define('ABSPATH', dirname(__FILE__) . '/');
}
require_once ABSPATH . 'wp-settings.php';
`;

/** A Pantheon-style Drupal settings.php: Pantheon's settings file, then settings.local.php when there is one. */
function drupalSettings(site: SeedSite): string {
  const dir = site.framework === 'drupal8' ? '__DIR__' : 'dirname(__FILE__)';
  return (
    `<?php\n$settings['hash_salt'] = '${site.id}';\n` +
    `include ${dir} . '/settings.pantheon.php';\n\n` +
    `// A local settings file, when there is one.\n$local_settings = ${dir} . '/settings.local.php';\n` +
    'if (file_exists($local_settings)) {\n  include $local_settings;\n}\n'
  );
}

/** A `git fast-import` stream for the whole history: commits, annotated deploy tags and multidev branches. */
function fastImportStream(site: SeedSite): string {
  const out: string[] = [];
  const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const who = (t: number): string => `Pantheon Automation <bot@getpantheon.com> ${t} +0000`;
  const total = masterCommits(site);
  let mark = 0;
  let prevTree: Record<string, string> = {};
  const commitMarks: number[] = [];
  for (let n = 1; n <= total; n++) {
    const tree = codeTree(site, n);
    const t = site.created + n * 86400;
    mark++;
    commitMarks[n] = mark;
    out.push(`commit refs/heads/master\nmark :${mark}\ncommitter ${who(t)}\n`);
    out.push(data(n === 1 ? 'Initial commit' : `Release ${n}`));
    if (n > 1) out.push(`from :${mark - 1}\n`);
    for (const [file, content] of Object.entries(tree)) {
      if (prevTree[file] !== content) out.push(`M 100644 inline ${file}\n`, data(content));
    }
    prevTree = tree;
  }
  // Deploy tags: test deploy k tags commit k+1; live deploy k promotes what test deploy k had.
  const tag = (name: string, commit: number, t: number, msg: string): void => {
    out.push(`tag ${name}\nfrom :${commitMarks[commit]}\ntagger ${who(t)}\n`, data(msg));
  };
  tag('pantheon.initialize', 1, site.created + 86400, 'Initialize the site');
  for (let k = 1; k <= site.testDeploys; k++)
    tag(`pantheon_test_${k}`, k + 1, site.created + (k + 1) * 86400 + 600, `Deploy to test ${k}`);
  for (let k = 1; k <= Math.min(site.liveDeploys, site.testDeploys); k++)
    tag(`pantheon_live_${k}`, k + 1, site.created + (k + 1) * 86400 + 1200, `Deploy to live ${k}`);
  for (const md of site.multidevs) {
    mark++;
    const t = site.created + (total + 1) * 86400;
    out.push(`commit refs/heads/${md}\nmark :${mark}\ncommitter ${who(t)}\n`, data(`Work on ${md}`));
    out.push(`from :${commitMarks[total]}\n`, `M 100644 inline MULTIDEV.txt\n`, data(`${md}\n`));
  }
  out.push('done\n');
  return out.join('');
}

/** The code archive: the whole repository with every tag, checked out as the environment runs it. */
async function buildCode(site: SeedSite, env: string, target: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-sbx-code-'));
  try {
    const top = site.codeWithoutTopFolder ? '' : `${site.name}_${env}_code`;
    const repo = join(work, top || 'root');
    await mkdir(repo, { recursive: true });
    const env_ = gitEnv();
    await run('git', ['init', '-q', '-b', 'master', repo], { env: env_ });
    await new Promise<void>((resolve, reject) => {
      const child = execFile('git', ['fast-import', '--quiet', '--done'], { cwd: repo, env: env_ }, (e) =>
        e ? reject(e) : resolve(),
      );
      child.stdin!.end(fastImportStream(site));
    });
    const tagName = deployTagOf(site, env);
    const ref = tagName ?? (site.multidevs.includes(env) ? env : 'master');
    await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '-q', ref], { cwd: repo, env: env_ });
    // Pantheon's archive is the remote repository, so the origin remote points back at Pantheon.
    await run(
      'git',
      [
        'remote',
        'add',
        'origin',
        `ssh://codeserver.dev.${site.id}@codeserver.dev.${site.id}.drush.in:2222/~/repository.git`,
      ],
      {
        cwd: repo,
        env: env_,
      },
    );
    await tar.c({ gzip: true, file: target, cwd: top ? work : repo, portable: true, mtime: EPOCH }, [
      top || '.',
    ]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

function png(width: number, height: number, seed: number): Buffer {
  const rnd = createRandom(seed);
  const [r0, g0, b0] = [rnd() * 255, rnd() * 255, rnd() * 255];
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = (r0 + x * 2) & 255;
      raw[row + 2 + x * 3] = (g0 + y * 2) & 255;
      raw[row + 3 + x * 3] = (b0 + x + y) & 255;
    }
  }
  const chunk = (type: string, body: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlibCrc32(tb) >>> 0);
    return Buffer.concat([len, tb, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function pdf(title: string): Buffer {
  const body = `BT /F1 18 Tf 72 720 Td (${title.replace(/[()\\]/g, '')}) Tj ET`;
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>endobj\n` +
      `4 0 obj<</Length ${body.length}>>stream\n${body}\nendstream endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

/** The files archive: one top folder `files_<env>/` with images, documents and (for size) media. */
async function buildFiles(site: SeedSite, env: string, target: string): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'lifeboat-sbx-files-'));
  try {
    const top = `files_${env}`;
    const root = join(work, top);
    const put = async (rel: string, content: Buffer | string): Promise<void> => {
      const p = join(root, rel);
      await mkdir(join(p, '..'), { recursive: true });
      await writeFile(p, content);
    };
    const seed = seedOf(`files:${site.name}:${env}`);
    let written = 0;
    const months = ['2023/11', '2024/01', '2024/03', '2024/06', '2025/02'];
    for (const [i, m] of months.entries()) {
      for (let k = 1; k <= 3; k++) {
        const img = png(48 + k * 8, 32 + i * 4, seed + i * 10 + k);
        written += img.length;
        await put(`${m}/photo-${i + 1}-${k}.png`, img);
      }
      const doc = pdf(`${site.label} report ${m}`);
      written += doc.length;
      await put(`${m}/report-${m.replace('/', '-')}.pdf`, doc);
    }
    await put('documents/price-list.csv', 'item,price\nbread,3.50\ncake,12.00\n');
    await put(
      `documents/${env} notes (draft).txt`,
      `Notes for ${site.label} ${env}. Unicode: café, naïve, 日本.\n`,
    );
    if (site.framework === 'wordpress') await put('.htaccess', '# Protect uploads\nOptions -Indexes\n');
    else {
      await put('pictures/avatar-1.png', png(40, 40, seed + 999));
      // Generated or private content a live Drupal site has, which Pantheon's backup leaves out.
      for (const dir of DRUPAL_EXCLUDED) await put(`${dir}/generated.txt`, 'generated, not backed up\n');
    }
    // Fill up to the target size with incompressible media, as real sites' photos and videos are.
    const chunk = Buffer.allocUnsafe(Math.min(64 << 20, Math.max(0, site.sizes.files - written)));
    for (let n = 1; written < site.sizes.files; n++) {
      const len = Math.min(chunk.length, site.sizes.files - written);
      const buf = chunk.subarray(0, len);
      fillNoise(buf, seed + n);
      await put(`media/video-${String(n).padStart(3, '0')}.mp4`, buf);
      written += len;
    }
    const excluded = new Set(DRUPAL_EXCLUDED.map((d) => `${top}/${d}`));
    await tar.c(
      {
        // Large archives are mostly incompressible media: the fastest level gives the same size much sooner.
        gzip: { level: site.sizes.files > 32 << 20 ? 1 : 6 },
        file: target,
        cwd: work,
        portable: true,
        mtime: EPOCH,
        filter: (p) =>
          site.framework === 'wordpress' || ![...excluded].some((x) => p === x || p.startsWith(`${x}/`)),
      },
      [top],
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const LOREM =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(
    ' ',
  );

/** SQL string literal with MySQL escaping. */
const q = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;

/** `done(produced, share)` says when enough has been produced for a share (0–1) of the archive's compressed size. */
function* dumpLines(
  site: SeedSite,
  env: string,
  done: (produced: number, share: number) => boolean,
): Generator<string> {
  const collation = site.mysql8Collation ? 'utf8mb4_0900_ai_ci' : 'utf8mb4_unicode_ci';
  const server = site.mysql8Collation
    ? 'MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)'
    : 'MariaDB dump 10.19  Distrib 10.6.16-MariaDB, for Linux (x86_64)';
  const rnd = createRandom(seedOf(`db:${site.name}:${env}`));
  const words = (n: number): string =>
    Array.from({ length: n }, () => LOREM[Math.floor(rnd() * LOREM.length)]).join(' ');
  yield `-- ${server}\n--\n-- Host: dbserver.${env}.${site.id}.drush.in    Database: pantheon\n-- ------------------------------------------------------\n`;
  yield '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;\n/*!40101 SET NAMES utf8mb4 */;\n';
  yield "/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;\n/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;\n/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;\n\n";
  const wp = site.framework === 'wordpress';
  const tables = wp
    ? { options: 'wp_options', content: 'wp_posts', users: 'wp_users' }
    : { options: 'config', content: 'node_field_data', users: 'users_field_data' };
  const domain = `${env}-${site.name}.pantheonsite.io`;
  if (wp) yield* wordpressOptions(site, env, domain, collation);
  else {
    yield `DROP TABLE IF EXISTS \`${tables.options}\`;\nCREATE TABLE \`${tables.options}\` (\n  \`name\` varchar(191) NOT NULL,\n  \`value\` longtext NOT NULL,\n  PRIMARY KEY (\`name\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation};\n`;
    yield `LOCK TABLES \`${tables.options}\` WRITE;\nINSERT INTO \`${tables.options}\` VALUES (${q('siteurl')},${q(`https://${domain}`)}),(${q('blogname')},${q(site.label)}),(${q('lifeboat_env')},${q(env)});\nUNLOCK TABLES;\n\n`;
  }
  yield `DROP TABLE IF EXISTS \`${tables.users}\`;\nCREATE TABLE \`${tables.users}\` (\n  \`id\` int unsigned NOT NULL AUTO_INCREMENT,\n  \`login\` varchar(60) NOT NULL,\n  \`email\` varchar(100) NOT NULL,\n  PRIMARY KEY (\`id\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation};\n`;
  yield `LOCK TABLES \`${tables.users}\` WRITE;\nINSERT INTO \`${tables.users}\` VALUES (1,'admin','admin@${site.name}.example'),(2,'editor','o\\'brien@${site.name}.example');\nUNLOCK TABLES;\n\n`;
  // A real site's data sits in several large tables (posts and their meta, revisions, caches), which is what a
  // parallel import can spread over connections; dense (benchmark) dumps split theirs likewise, in these shares of
  // the archive. Other dumps keep one content table.
  const parts: { table: string; until: number }[] = site.denseDatabase
    ? [
        { table: tables.content, until: 0.35 },
        { table: wp ? 'wp_postmeta' : 'node__body', until: 0.6 },
        { table: wp ? 'wp_comments' : 'node_revision', until: 0.8 },
        { table: wp ? 'wp_actionscheduler_logs' : 'cache_render', until: 1 },
      ]
    : [{ table: tables.content, until: 1 }];
  let produced = 0;
  let id = 0;
  const blob = Buffer.allocUnsafe(3072);
  for (const part of parts) {
    // WordPress's posts with its own column names (the ones §2's URL rewrite reads: guid, post_content).
    const posts = part.table === 'wp_posts';
    yield posts
      ? `DROP TABLE IF EXISTS \`wp_posts\`;\nCREATE TABLE \`wp_posts\` (\n  \`ID\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n  \`post_author\` bigint(20) unsigned NOT NULL DEFAULT 0,\n  \`post_date\` datetime NOT NULL DEFAULT '0000-00-00 00:00:00',\n  \`post_content\` longtext NOT NULL,\n  \`post_title\` text NOT NULL,\n  \`post_status\` varchar(20) NOT NULL DEFAULT 'publish',\n  \`post_name\` varchar(200) NOT NULL DEFAULT '',\n  \`guid\` varchar(255) NOT NULL DEFAULT '',\n  \`post_type\` varchar(20) NOT NULL DEFAULT 'post',\n  PRIMARY KEY (\`ID\`),\n  KEY \`post_name\` (\`post_name\`(191))\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation};\n`
      : `DROP TABLE IF EXISTS \`${part.table}\`;\nCREATE TABLE \`${part.table}\` (\n  \`id\` bigint unsigned NOT NULL AUTO_INCREMENT,\n  \`title\` text NOT NULL,\n  \`body\` longtext NOT NULL,\n  \`created\` datetime NOT NULL,\n  PRIMARY KEY (\`id\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation};\n`;
    yield `LOCK TABLES \`${part.table}\` WRITE;\n`;
    const first = id;
    while (!done(produced, part.until) || id === first) {
      const rows: string[] = [];
      for (let i = 0; i < 50; i++) {
        id++;
        const date = new Date(Date.UTC(2020, 0, 1) + id * 3_600_000)
          .toISOString()
          .slice(0, 19)
          .replace('T', ' ');
        let body = `${words(40)}\n${words(30)} — “quoted” ünïcode`;
        if (site.denseDatabase) {
          // Serialized blobs (as sites store them) compress little, so the archive is mostly payload.
          fillNoise(blob, id);
          body += `\n${blob.toString('base64')}`;
        }
        const title = `${words(4)} #${id}`;
        rows.push(
          posts
            ? `(${id},1,'${date}',${q(`<p>${body}</p>\n<p><a href="https://${domain}/?p=${Math.max(1, id - 1)}">Previous</a> <img src="//${domain}/wp-content/uploads/2024/01/photo-${(id % 3) + 1}.png"></p>`)},${q(title)},'publish','post-${id}',${q(`https://${domain}/?p=${id}`)},'post')`
            : `(${id},${q(title)},${q(body)},'${date}')`,
        );
      }
      const line = `INSERT INTO \`${part.table}\` VALUES ${rows.join(',')};\n`;
      produced += line.length;
      yield line;
    }
    yield 'UNLOCK TABLES;\n\n';
  }
  yield '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;\n/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;\n/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;\n';
  yield `-- Dump completed on 2024-01-01  0:00:00\n`;
}

/** A PHP-serialized value, as WordPress stores options (lengths in bytes). */
function phpSerialize(v: unknown): string {
  if (v === null) return 'N;';
  if (typeof v === 'boolean') return `b:${v ? 1 : 0};`;
  if (typeof v === 'number') return `i:${Math.trunc(v)};`;
  if (typeof v === 'string') return `s:${Buffer.byteLength(v)}:"${v}";`;
  const entries = Array.isArray(v) ? v.map((x, i) => [i, x] as const) : Object.entries(v as object);
  const key = (k: string | number): string => (typeof k === 'number' ? `i:${k};` : phpSerialize(k));
  return `a:${entries.length}:{${entries.map(([k, x]) => `${key(k)}${phpSerialize(x)}`).join('')}}`;
}

/**
 * WordPress's wp_options with its own columns, the site's URLs in siteurl and home, and serialized options that
 * hold them (a text widget, the theme's mods, nested arrays), as the URL rewrite of a copy (issue 10 §2) meets
 * them. Two generated columns, `name` and `value`, are the sandbox's own: tests written against its earlier
 * two-column table read them.
 */
function* wordpressOptions(
  site: SeedSite,
  env: string,
  domain: string,
  collation: string,
): Generator<string> {
  const url = `https://${domain}`;
  const theme = site.name;
  const options: [string, string, string][] = [
    ['siteurl', url, 'yes'],
    ['home', url, 'yes'],
    ['blogname', site.label, 'yes'],
    ['lifeboat_env', env, 'yes'],
    ['template', theme, 'yes'],
    ['stylesheet', theme, 'yes'],
    [
      'widget_text',
      phpSerialize({
        2: { title: 'Visit us', text: `<a href="${url}/contact/">Contact</a> — ünïcode`, filter: true },
        _multiwidget: 1,
      }),
      'yes',
    ],
    [
      `theme_mods_${theme}`,
      phpSerialize({
        header_image: `${url}/wp-content/uploads/2024/01/photo-1-1.png`,
        custom_logo: 12,
        nav_menu_locations: { primary: 3 },
        header_image_data: { url: `${url}/wp-content/uploads/2024/01/photo-1-1.png`, width: 56, height: 32 },
      }),
      'yes',
    ],
    ['sidebars_widgets', phpSerialize({ 'sidebar-1': ['text-2'], array_version: 3 }), 'yes'],
  ];
  yield `DROP TABLE IF EXISTS \`wp_options\`;\nCREATE TABLE \`wp_options\` (\n  \`option_id\` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n  \`option_name\` varchar(191) NOT NULL DEFAULT '',\n  \`option_value\` longtext NOT NULL,\n  \`autoload\` varchar(20) NOT NULL DEFAULT 'yes',\n  \`name\` varchar(191) GENERATED ALWAYS AS (\`option_name\`) VIRTUAL,\n  \`value\` longtext GENERATED ALWAYS AS (\`option_value\`) VIRTUAL,\n  PRIMARY KEY (\`option_id\`),\n  UNIQUE KEY \`option_name\` (\`option_name\`),\n  KEY \`autoload\` (\`autoload\`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation};\n`;
  const rows = options.map(([n, v, a], i) => `(${i + 1},${q(n)},${q(v)},${q(a)})`);
  yield `LOCK TABLES \`wp_options\` WRITE;\nINSERT INTO \`wp_options\` (\`option_id\`, \`option_name\`, \`option_value\`, \`autoload\`) VALUES ${rows.join(',')};\nUNLOCK TABLES;\n\n`;
}

/** The database archive: one gzip'd mysqldump that a real MariaDB imports, about `sizes.database` bytes compressed. */
async function buildDatabase(site: SeedSite, env: string, target: string): Promise<void> {
  const level = site.sizes.database > 32 << 20 ? 1 : 6;
  let compressed = 0;
  const count = new Transform({
    transform(chunk: Buffer, _e, cb) {
      compressed += chunk.length;
      cb(null, chunk);
    },
  });
  // gzip holds back a little output, so the archive ends slightly above the target, never below.
  await pipeline(
    Readable.from(dumpLines(site, env, (_, share) => compressed >= site.sizes.database * share)),
    createGzip({ level }),
    count,
    createWriteStream(target),
  );
}
