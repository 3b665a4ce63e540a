// "Set up to run locally" (issue 10 §2) with real files, real git and a real MariaDB: the settings files the
// site's code loads (run by PHP when it is here), the site's own database user, files of the person's never
// overwritten, DDEV's and Lando's files against their documented formats, and a failure that changes nothing.
import { execFile } from 'node:child_process';
import { lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applySetup, planSetup } from '../../../electron/services/local-site/plan';
import { siteAccount } from '../../../electron/services/local-site/db-user';
import { useMariaDb } from '../../helpers/mariadb-suite';
import { makeCopy, php, phpUnavailable, wordpressTables } from '../../helpers/local-site';
import { itUnless, noPermissionBits, noSymlinks } from '../../helpers/platform';

const run = promisify(execFile);
const suite = useMariaDb('lifeboat-setup-');

/** A Pantheon-style wp-config.php: Pantheon's settings there, wp-config-local.php elsewhere. */
const WP_CONFIG =
  "<?php\nif (file_exists(dirname(__FILE__) . '/wp-config-pantheon.php') && isset($_ENV['PANTHEON_ENVIRONMENT'])) {\n" +
  "  require_once(dirname(__FILE__) . '/wp-config-pantheon.php');\n} elseif (file_exists(dirname(__FILE__) . '/wp-config-local.php') && !isset($_ENV['PANTHEON_ENVIRONMENT'])) {\n" +
  "  require_once(dirname(__FILE__) . '/wp-config-local.php');\n}\n$table_prefix = 'wp_';\n";

const D8_SETTINGS =
  "<?php\ninclude __DIR__ . '/settings.pantheon.php';\n$local_settings = __DIR__ . '/settings.local.php';\nif (file_exists($local_settings)) {\n  include $local_settings;\n}\n";

/**
 * DDEV's documented `.ddev/config.yaml` rules that apply to what Lifeboat writes (from DDEV's config schema,
 * pkg/ddevapp/schema.json, and its config docs): only known keys, the type and version enumerations.
 */
function ddevProblems(config: Record<string, unknown>): string[] {
  const known = [
    'name',
    'type',
    'docroot',
    'php_version',
    'database',
    'additional_hostnames',
    'disable_settings_management',
  ];
  const types = [
    'backdrop',
    'cakephp',
    'codeigniter',
    'craftcms',
    'drupal',
    'drupal6',
    'drupal7',
    'drupal8',
    'drupal9',
    'drupal10',
    'drupal11',
    'drupal12',
    'generic',
    'laravel',
    'magento',
    'magento2',
    'php',
    'shopware6',
    'silverstripe',
    'symfony',
    'typo3',
    'wordpress',
  ];
  const php = ['5.6', '7.0', '7.1', '7.2', '7.3', '7.4', '8.0', '8.1', '8.2', '8.3', '8.4', '8.5'];
  const mariadb = [
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
  const problems: string[] = [];
  for (const k of Object.keys(config)) if (!known.includes(k)) problems.push(`unknown key ${k}`);
  if (typeof config.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(config.name)) problems.push('name');
  if (!types.includes(config.type as string)) problems.push('type');
  if (typeof config.docroot !== 'string') problems.push('docroot');
  if (config.php_version !== undefined && !php.includes(config.php_version as string))
    problems.push('php_version');
  const db = config.database as { type?: unknown; version?: unknown } | undefined;
  if (db !== undefined && (db.type !== 'mariadb' || !mariadb.includes(db.version as string)))
    problems.push('database');
  if (
    config.disable_settings_management !== undefined &&
    typeof config.disable_settings_management !== 'boolean'
  )
    problems.push('disable_settings_management');
  return problems;
}

/** Lando's pantheon recipe as documented (docs.lando.dev/pantheon/config.html): recipe, config.framework/id/site. */
function landoProblems(file: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (typeof file.name !== 'string' || file.name === '') problems.push('name');
  if (file.recipe !== 'pantheon') problems.push('recipe');
  const c = file.config as Record<string, unknown> | undefined;
  const keys = ['framework', 'id', 'site', 'xdebug', 'index', 'edge', 'cache', 'composer_version'];
  for (const k of Object.keys(c ?? {})) if (!keys.includes(k)) problems.push(`unknown config.${k}`);
  if (
    !['backdrop', 'drupal', 'drupal8', 'drupal9', 'drupal10', 'drupal11', 'wordpress'].includes(
      c?.framework as string,
    )
  )
    problems.push('framework');
  if (!/^[0-9a-f-]{36}$/.test(String(c?.id))) problems.push('id');
  if (typeof c?.site !== 'string') problems.push('site');
  return problems;
}

/** A user with every right and a password: the person's own connection, whose password must stay out of files. */
const BOSS_PASSWORD = 'Boss-Secret-Pa55';
async function boss() {
  await suite.db.query(
    `CREATE USER IF NOT EXISTS 'boss'@'localhost' IDENTIFIED BY '${BOSS_PASSWORD}'; GRANT ALL PRIVILEGES ON *.* TO 'boss'@'localhost' WITH GRANT OPTION;`,
  );
  return {
    connection: { socket: suite.db.socket, user: 'boss', password: BOSS_PASSWORD },
    configureHint: 'configure one',
  };
}

async function wordpressDb(name: string): Promise<void> {
  await suite.db.query(
    `CREATE DATABASE ${name}; USE ${name};\n${wordpressTables()}\n` +
      "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://www.acme.example'), ('home', 'https://www.acme.example');",
  );
}

describe('copies setup', () => {
  it('writes the local wp-config the site loads, with a database user that reaches only its database, and DDEV and Lando files', async (ctx) => {
    await wordpressDb('acme_wp');
    await suite.db.query('CREATE DATABASE secret_db; CREATE TABLE secret_db.t (x int);');
    const path = join(suite.dir, 'acme-blog-live');
    const copy = await makeCopy(path, {
      framework: 'wordpress',
      database: 'acme_wp',
      code: true,
      files: {
        'wp-config.php': WP_CONFIG,
        'pantheon.yml': 'api_version: 1\nphp_version: 8.2\ndatabase:\n  version: 10.6\n',
        'index.php': '<?php\n',
      },
    });
    await run('git', ['-C', path, 'add', 'wp-config.php', 'pantheon.yml', 'index.php']);
    await run('git', ['-C', path, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-qm', 'site']);
    await writeFile(join(path, '.git', 'info', 'exclude'), '/lifeboat.json\n');
    const plan = await planSetup(copy, { ddev: true }, await boss());
    expect(plan.conflicts).toEqual([]);
    expect(plan.rewrite).toEqual({
      from: ['https://www.acme.example', 'https://live-acme-blog.pantheonsite.io'],
      to: 'https://acme-blog-live.ddev.site',
    });
    const account = siteAccount('acme_wp', 'localhost');
    expect(plan.writes.map((w) => w.target)).toEqual([
      'acme_wp',
      `${account.user}@localhost`,
      join(path, 'wp-config-local.php'),
      join(path, '.ddev', 'config.yaml'),
      join(path, '.lifeboat', 'setup.json'),
    ]);
    const result = await applySetup(plan);
    expect(result.next).toEqual([
      `cd ${path}`,
      'ddev start',
      'ddev import-db --file=database/acme.sql.gz',
      'ddev wp search-replace //www.acme.example //acme-blog-live.ddev.site --all-tables --precise',
      'ddev wp search-replace //live-acme-blog.pantheonsite.io //acme-blog-live.ddev.site --all-tables --precise',
      'ddev launch',
    ]);
    const local = await readFile(join(path, 'wp-config-local.php'), 'utf8');
    expect(local).not.toContain(BOSS_PASSWORD);
    // Only its owner reads it (not checked on Windows, which has no POSIX permission bits).
    if (noPermissionBits === null)
      expect((await lstat(join(path, 'wp-config-local.php'))).mode & 0o077).toBe(0);
    // DDEV's file, against its documented format.
    const ddev = parse(await readFile(join(path, '.ddev', 'config.yaml'), 'utf8')) as Record<string, unknown>;
    expect(ddevProblems(ddev)).toEqual([]);
    expect(ddev).toMatchObject({
      name: 'acme-blog-live',
      type: 'wordpress',
      docroot: '',
      php_version: '8.2',
      database: { type: 'mariadb', version: '10.6' },
    });
    // git leaves Lifeboat's files out: the tree stays clean for an update.
    expect((await run('git', ['-C', path, 'status', '--porcelain'])).stdout).toBe('');

    const why = await phpUnavailable();
    if (why) return ctx.skip(why);
    // PHP loads wp-config.php as WordPress would (without wp-settings.php), then connects as the file says.
    const out = await php(
      `define('ABSPATH', '/nowhere/'); chdir(${JSON.stringify(path)}); include 'wp-config.php';` +
        "$h = explode(':', DB_HOST, 2); $m = new mysqli('localhost', DB_USER, DB_PASSWORD, DB_NAME, 0, $h[1]);" +
        "echo DB_USER, '|', WP_HOME, '|', $m->query(\"SELECT option_value FROM wp_options WHERE option_name='home'\")->fetch_row()[0], '|';" +
        "try { $m->query('SELECT * FROM secret_db.t'); echo 'reached'; } catch (mysqli_sql_exception $e) { echo 'denied'; }",
    );
    expect(out).toBe(
      `${account.user}|https://acme-blog-live.ddev.site|https://acme-blog-live.ddev.site|denied`,
    );
  });

  it('never overwrites a file of yours: Lifeboat’s goes beside it; its own unchanged file is replaced', async () => {
    await wordpressDb('acme_again');
    const path = join(suite.dir, 'again');
    const mine = "<?php // mine\ndefine('DB_NAME', 'x');\n";
    const copy = await makeCopy(path, {
      framework: 'wordpress',
      database: 'acme_again',
      code: true,
      files: { 'wp-config.php': WP_CONFIG, 'wp-config-local.php': mine, '.lando.yml': 'name: mine\n' },
    });
    const conn = await boss();
    const plan = await planSetup(copy, { lando: true }, conn);
    expect(plan.conflicts).toEqual([]);
    expect(plan.writes.filter((w) => w.kind === 'file').map((w) => w.target)).toEqual([
      join(path, 'wp-config-local.lifeboat.php'),
      join(path, '.lando.lifeboat.yml'),
      join(path, '.lifeboat', 'setup.json'),
    ]);
    expect(plan.notes).toContain(
      'wp-config-local.php is yours, so Lifeboat leaves it as it is and writes wp-config-local.lifeboat.php beside it: copy what you need from it into wp-config-local.php.',
    );
    await applySetup(plan);
    expect(await readFile(join(path, 'wp-config-local.php'), 'utf8')).toBe(mine);
    expect(await readFile(join(path, '.lando.yml'), 'utf8')).toBe('name: mine\n');
    const lando = parse(await readFile(join(path, '.lando.lifeboat.yml'), 'utf8')) as Record<string, unknown>;
    expect(landoProblems(lando)).toEqual([]);
    expect(lando).toMatchObject({
      name: 'again',
      recipe: 'pantheon',
      config: { framework: 'wordpress', site: 'acme-blog' },
    });

    // Again: Lifeboat's own files, unchanged since, are replaced in place; none is added.
    const again = await planSetup(copy, { lando: true, url: 'https://again.lndo.site' }, conn);
    expect(again.conflicts).toEqual([]);
    expect(again.writes.filter((w) => w.kind === 'file').map((w) => w.target)).toEqual([
      join(path, 'wp-config-local.lifeboat.php'),
      join(path, '.lando.lifeboat.yml'),
      join(path, '.lifeboat', 'setup.json'),
    ]);
    await applySetup(again);
    // Once you edit it, it is yours too: with both names taken, the setup is refused.
    await writeFile(join(path, 'wp-config-local.lifeboat.php'), '<?php // edited\n');
    const refused = await planSetup(copy, {}, conn);
    expect(refused.conflicts).toEqual([
      expect.objectContaining({
        kind: 'files',
        message: expect.stringContaining(
          'wp-config-local.php and wp-config-local.lifeboat.php are both files of yours',
        ),
      }),
    ]);
    await expect(applySetup(refused)).rejects.toMatchObject({ code: 'conflict' });
    expect(await readFile(join(path, 'wp-config-local.lifeboat.php'), 'utf8')).toBe('<?php // edited\n');
  });

  it('writes Drupal 8+ and 7 settings.local.php with the database and trusted hosts, and says when settings.php does not include it', async (ctx) => {
    await suite.db.query('CREATE DATABASE d8db; CREATE TABLE d8db.config (name varchar(255));');
    await suite.db.query('CREATE DATABASE d7db; CREATE TABLE d7db.variable (name varchar(128));');
    const d8 = await makeCopy(join(suite.dir, 'shop'), {
      framework: 'drupal8',
      database: 'd8db',
      code: true,
      files: {
        'pantheon.yml': 'api_version: 1\nweb_docroot: true\nphp_version: 8.3\n',
        'web/core/lib/Drupal.php': "<?php\nclass Drupal { const VERSION = '10.3.6'; }\n",
        'web/sites/default/settings.php': D8_SETTINGS,
      },
    });
    const d7 = await makeCopy(join(suite.dir, 'intranet'), {
      framework: 'drupal',
      database: 'd7db',
      code: true,
      files: {
        'includes/bootstrap.inc': '<?php\n',
        'sites/default/settings.php': '<?php\n$databases = array();\n',
      },
    });
    const conn = await boss();
    const p8 = await planSetup(d8, { url: 'https://shop.ddev.site', ddev: true }, conn);
    const p7 = await planSetup(d7, {}, conn);
    expect([p8.framework, p7.framework]).toEqual(['drupal8', 'drupal']);
    expect(p8.rewrite).toBeNull();
    expect(p8.notes.join(' ')).not.toContain('does not include');
    expect(p7.notes).toContain(
      "sites/default/settings.php does not include settings.local.php: add  if (file_exists(__DIR__ . '/settings.local.php')) { include __DIR__ . '/settings.local.php'; }  at its end.",
    );
    await applySetup(p8);
    await applySetup(p7);
    const ddev = parse(await readFile(join(d8.path, '.ddev', 'config.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(ddevProblems(ddev)).toEqual([]);
    expect(ddev).toMatchObject({ type: 'drupal10', docroot: 'web', php_version: '8.3' });
    expect(await readFile(join(d7.path, 'sites/default/settings.local.php'), 'utf8')).toContain('array(');

    const why = await phpUnavailable();
    if (why) return ctx.skip(why);
    const d8out = await php(
      `$settings = []; include ${JSON.stringify(join(d8.path, 'web/sites/default/settings.local.php'))};` +
        "$d = $databases['default']['default']; $m = new mysqli('localhost', $d['username'], $d['password'], $d['database'], 0, $d['unix_socket']);" +
        "echo $d['database'], '|', $m->query('SELECT COUNT(*) FROM config')->fetch_row()[0], '|';" +
        "foreach (['shop.ddev.site', 'evil.example', 'shop.ddev.site.evil'] as $h) { $ok = false; foreach ($settings['trusted_host_patterns'] as $p) $ok = $ok || preg_match('/' . $p . '/', $h); echo $ok ? 'y' : 'n'; }" +
        "echo '|', strlen($settings['hash_salt']) > 20 ? 'salt' : 'nosalt';",
    );
    expect(d8out).toBe('d8db|0|ynn|salt');
    // Inside DDEV the same file names DDEV's database; inside Lando it steps aside.
    expect(
      await php(
        `include ${JSON.stringify(join(d8.path, 'web/sites/default/settings.local.php'))}; echo $databases['default']['default']['host'];`,
        {
          IS_DDEV_PROJECT: 'true',
        },
      ),
    ).toBe('db');
    expect(
      await php(
        `$databases = 'untouched'; include ${JSON.stringify(join(d7.path, 'sites/default/settings.local.php'))}; echo $databases;`,
        {
          LANDO: 'ON',
        },
      ),
    ).toBe('untouched');
    expect(
      await php(
        `include ${JSON.stringify(join(d7.path, 'sites/default/settings.local.php'))}; echo $databases['default']['default']['database'];`,
      ),
    ).toBe('d7db');
  });

  it('names the configured user without its password when that user may not create users', async () => {
    await wordpressDb('limited_db');
    await suite.db.query(
      "CREATE USER IF NOT EXISTS 'limited'@'localhost' IDENTIFIED BY 'Limited-Pa55word'; GRANT ALL PRIVILEGES ON limited_db.* TO 'limited'@'localhost';",
    );
    const copy = await makeCopy(join(suite.dir, 'limited'), {
      framework: 'wordpress',
      database: 'limited_db',
      code: true,
      files: { 'wp-config.php': WP_CONFIG },
    });
    const plan = await planSetup(
      copy,
      {},
      {
        connection: { socket: suite.db.socket, user: 'limited', password: 'Limited-Pa55word' },
        configureHint: 'x',
      },
    );
    expect(plan.conflicts).toEqual([]);
    expect(plan.writes.some((w) => w.target.startsWith('lifeboat_site_'))).toBe(false);
    expect(plan.notes.join(' ')).toContain('The configured database user (limited) may not create users');
    await applySetup(plan);
    const file = await readFile(join(copy.path, 'wp-config-local.php'), 'utf8');
    expect(file).not.toContain('Limited-Pa55word');
    expect(file).toContain("'limited_db', 'limited', ''");
    expect(
      (
        await suite.db.query("SELECT option_value FROM limited_db.wp_options WHERE option_name = 'home'")
      ).trim(),
    ).toBe('http://limited.localhost:8080');
  });

  it('undoes everything when the rewrite fails: no file, no user, the database as it was', async () => {
    await wordpressDb('failing_db');
    await suite.db.query(
      "CREATE TRIGGER failing_db.no_update BEFORE UPDATE ON failing_db.wp_options FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'no updates here';",
    );
    const before = await suite.db.fingerprint('failing_db');
    const copy = await makeCopy(join(suite.dir, 'failing'), {
      framework: 'wordpress',
      database: 'failing_db',
      code: true,
      files: { 'wp-config.php': WP_CONFIG },
    });
    const exclude = await readFile(join(copy.path, '.git', 'info', 'exclude'), 'utf8');
    const plan = await planSetup(copy, { ddev: true }, await boss());
    expect(plan.conflicts).toEqual([]);
    await expect(applySetup(plan)).rejects.toMatchObject({
      code: 'database',
      message: expect.stringContaining('no updates here'),
    });
    for (const rel of ['wp-config-local.php', '.ddev/config.yaml', '.lifeboat/setup.json'])
      await expect(lstat(join(copy.path, rel))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(join(copy.path, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);
    const { user } = siteAccount('failing_db', 'localhost');
    expect((await suite.db.query(`SELECT COUNT(*) FROM mysql.user WHERE User = '${user}'`)).trim()).toBe('0');
    expect(await suite.db.fingerprint('failing_db')).toBe(before);
  });

  itUnless(noSymlinks())(
    'takes a settings file of yours that is a link (to shared settings) as yours: Lifeboat’s goes beside it, never through it',
    async () => {
      await wordpressDb('acme_linked');
      const shared = join(suite.dir, 'shared-lando');
      await mkdir(shared);
      await writeFile(join(shared, 'lando.yml'), 'name: shared\n');
      const path = join(suite.dir, 'linked-lando');
      const copy = await makeCopy(path, {
        framework: 'wordpress',
        database: 'acme_linked',
        code: true,
        files: { 'wp-config.php': WP_CONFIG },
      });
      await symlink(join(shared, 'lando.yml'), join(path, '.lando.yml'));
      const conn = await boss();
      const plan = await planSetup(copy, { lando: true }, conn);
      expect(plan.conflicts).toEqual([]);
      expect(plan.writes.map((w) => w.target)).toContain(join(path, '.lando.lifeboat.yml'));
      expect(plan.notes).toContain(
        `.lando.yml is your link to ${join(shared, 'lando.yml')}, so Lifeboat leaves it and that file as they are, and writes .lando.lifeboat.yml beside it: copy what you need from it into the file your link points to.`,
      );
      await applySetup(plan);
      expect(await readFile(join(shared, 'lando.yml'), 'utf8')).toBe('name: shared\n');
      expect((await lstat(join(path, '.lando.yml'))).isSymbolicLink()).toBe(true);
      expect(parse(await readFile(join(path, '.lando.lifeboat.yml'), 'utf8'))).toMatchObject({
        recipe: 'pantheon',
      });

      // Both names taken, one by a link, the other edited: a conflict that says so, not a hostile archive.
      await writeFile(join(path, '.lando.lifeboat.yml'), 'name: edited\n');
      const refused = await planSetup(copy, { lando: true }, conn);
      expect(refused.conflicts).toEqual([
        {
          kind: 'files',
          code: 'conflict',
          message: `.lando.yml (your link to ${join(shared, 'lando.yml')}) and .lando.lifeboat.yml are both yours: Lifeboat writes neither, and never through a link. Move one away and set up again.`,
        },
      ]);
    },
  );

  it('refuses a local URL no site can have, on its own (the CLI and the app check it first)', async () => {
    await wordpressDb('acme_badurl');
    const copy = await makeCopy(join(suite.dir, 'badurl'), {
      framework: 'wordpress',
      database: 'acme_badurl',
      code: true,
      files: { 'wp-config.php': WP_CONFIG },
    });
    const conn = await boss();
    const cases: [string, string][] = [
      ["http://a'b.localhost:8080/", 'is not a host name a computer can have'],
      ['http://a"onfocus=alert(1)autofocus".localhost/', 'is not a host name a computer can have'],
      ['http://a_b.localhost/', 'is not a host name a computer can have'],
      ['http://me:S3cret-pw@acme.localhost/', 'user name or password'],
      ['http://@acme.localhost/', 'user name or password'],
      ['http://acme.localhost/?lang=en', 'query (?…) or a fragment (#…)'],
      ['http://acme.localhost/#top', 'query (?…) or a fragment (#…)'],
      ['javascript:alert(1)', 'is not an http or https address'],
    ];
    for (const [url, why] of cases) {
      const e = (await planSetup(copy, { url }, conn).then(
        () => null,
        (err: unknown) => err,
      )) as { code?: string; message?: string } | null;
      expect({ url, code: e?.code }).toEqual({ url, code: 'invalid-request' });
      expect(e?.message).toContain(why);
      expect(e?.message).not.toContain('S3cret-pw');
    }
    for (const url of ['http://127.0.0.1:8080', 'http://acme-2.localhost:8080/sub/', 'https://ÜBER.test']) {
      const plan = await planSetup(copy, { url }, conn);
      expect(plan.conflicts).toEqual([]);
    }
  });

  itUnless(noSymlinks())(
    'refuses to write through a link the code planted, and a copy whose database is not on the server',
    async () => {
      await wordpressDb('linked_db');
      const outside = join(suite.dir, 'outside');
      await mkdir(outside);
      const copy = await makeCopy(join(suite.dir, 'linked'), {
        framework: 'wordpress',
        database: 'linked_db',
        code: true,
        files: { 'wp-config.php': WP_CONFIG },
      });
      await symlink(outside, join(copy.path, '.ddev'));
      const plan = await planSetup(copy, { ddev: true }, await boss());
      expect(plan.conflicts).toEqual([expect.objectContaining({ code: 'hostile-archive', kind: 'files' })]);
      await expect(applySetup(plan)).rejects.toMatchObject({ code: 'hostile-archive' });
      await expect(lstat(join(outside, 'config.yaml'))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(lstat(join(copy.path, 'wp-config-local.php'))).rejects.toMatchObject({ code: 'ENOENT' });

      const gone = await makeCopy(join(suite.dir, 'gone'), {
        framework: 'wordpress',
        database: 'no_such_db',
        code: true,
      });
      const p = await planSetup(gone, {}, await boss());
      expect(p.conflicts).toEqual([expect.objectContaining({ kind: 'database', code: 'not-found' })]);
      const none = await planSetup(gone, {}, { connection: null, configureHint: 'set one up in Settings' });
      expect(none.conflicts[0]?.message).toContain('set one up in Settings');
    },
  );
});
