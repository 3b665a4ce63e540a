// An outsider's attacks on "Set up to run locally" (real MariaDB, PHP to read what was written).
// 1. A WordPress option whose PHP-serialized value ends with a line
// break (as a value pasted or imported by hand often does). PHP, and so WordPress, reads it whole (unserialize()
// ignores what follows the value; is_serialized() trims it). The URL rewrite must keep it readable, as
// `wp search-replace` does: today it is rewritten as plain text, its string lengths left as they were, and PHP can
// no longer read it (the widget or theme settings it holds are lost in the copy).
// 2. The person's wp-config-local.php is a link to their shared local settings elsewhere (a common habit): it is
// theirs, so Lifeboat must leave it (and its target) alone and say so, not call it a hostile archive.
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySetup, planSetup } from '../../../electron/services/local-site/plan';
import { useMariaDb } from '../../helpers/mariadb-suite';
import { lit, makeCopy, php, phpSerialize, phpUnavailable, wordpressTables } from '../../helpers/local-site';
import { itUnless, noSymlinks } from '../../helpers/platform';

const suite = useMariaDb('lifeboat-outsider-setup-');

const WP_CONFIG =
  "<?php\nif (file_exists(__DIR__ . '/wp-config-local.php')) {\n  require_once __DIR__ . '/wp-config-local.php';\n}\n$table_prefix = 'wp_';\n";

/** What PHP's unserialize() makes of the option's stored bytes (var_export), `false` when it cannot read it. */
async function phpReads(database: string, option: string): Promise<string> {
  const hex = (
    await suite.db.query(
      `SELECT HEX(option_value) FROM ${database}.wp_options WHERE option_name = ${lit(option)}`,
    )
  ).trim();
  return php(`var_export(@unserialize(hex2bin('${hex}')));`);
}

describe('a serialized option with a line break after it', () => {
  it('is still readable by PHP after the URL rewrite, with the URL rewritten', async (ctx) => {
    const why = await phpUnavailable();
    if (why) return ctx.skip(why);
    const widget = phpSerialize({
      2: { title: 'Shop', text: '<a href="https://www.acme.example/shop/">Shop</a>' },
      _multiwidget: 1,
    });
    await suite.db.query(
      `CREATE DATABASE acme_nl; USE acme_nl;\n${wordpressTables()}\n` +
        "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://www.acme.example'), ('home', 'https://www.acme.example');\n" +
        `INSERT INTO wp_options (option_name, option_value) VALUES ('widget_text', ${lit(`${widget}\n`)});`,
    );
    // WordPress reads it as stored.
    expect(await phpReads('acme_nl', 'widget_text')).toContain('https://www.acme.example/shop/');

    const path = join(suite.dir, 'acme-blog-live');
    const copy = await makeCopy(path, {
      framework: 'wordpress',
      database: 'acme_nl',
      code: true,
      files: { 'wp-config.php': WP_CONFIG },
    });
    const plan = await planSetup(
      copy,
      { url: 'http://acme.localhost:8080' },
      {
        connection: suite.conn,
        configureHint: 'configure one',
      },
    );
    expect(plan.conflicts).toEqual([]);
    await applySetup(plan);

    const after = await phpReads('acme_nl', 'widget_text');
    expect(after).not.toBe('false');
    expect(after).toContain('http://acme.localhost:8080/shop/');
  });
});

describe('a wp-config-local.php of the person’s that is a link to their shared settings', () => {
  itUnless(noSymlinks())('is left alone, and not taken for a hostile archive', async () => {
    await suite.db.query(
      `CREATE DATABASE acme_ln; USE acme_ln;\n${wordpressTables()}\n` +
        "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://www.acme.example'), ('home', 'https://www.acme.example');",
    );
    const shared = join(suite.dir, 'shared');
    await mkdir(shared);
    await writeFile(join(shared, 'wp-config-local.php'), '<?php // my shared local settings\n');
    const path = join(suite.dir, 'acme-blog-live');
    const copy = await makeCopy(path, {
      framework: 'wordpress',
      database: 'acme_ln',
      code: true,
      files: { 'wp-config.php': WP_CONFIG },
    });
    await symlink(join(shared, 'wp-config-local.php'), join(path, 'wp-config-local.php'));
    const plan = await planSetup(copy, {}, { connection: suite.conn, configureHint: 'configure one' });
    // Today: a conflict saying "The restored files may come from a hostile archive".
    expect(plan.conflicts.map((c) => c.message).join('\n')).not.toMatch(/hostile archive/);
    if (plan.conflicts.length === 0) await applySetup(plan);
    expect(await readFile(join(shared, 'wp-config-local.php'), 'utf8')).toBe(
      '<?php // my shared local settings\n',
    );
  });
});
