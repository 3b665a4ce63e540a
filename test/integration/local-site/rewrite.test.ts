// The WordPress URL rewrite of "Set up to run locally" (issue 10 §2) on a real MariaDB: WordPress's own tables,
// serialized options as PHP writes them, multisite, URLs inside longer URLs, broken and hostile values, and only
// the copy's own database touched.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applySetup, planSetup } from '../../../electron/services/local-site/plan';
import { useMariaDb } from '../../helpers/mariadb-suite';
import {
  lit,
  makeCopy,
  multisiteTables,
  php,
  phpSerialize,
  PhpObject,
  phpUnavailable,
  wordpressTables,
} from '../../helpers/local-site';

const suite = useMariaDb('lifeboat-rewrite-');
const LOCAL = 'http://acme.localhost:8080';

/** The site's data with its URL at `base` (and the platform domain at `platform`). */
function siteData(base: string, platform: string) {
  const widgets = {
    2: { title: 'Find us', text: `<a href="${base}/contact/">Contact</a> — café`, filter: true },
    3: { title: 'Elsewhere', text: 'https://example.com.au/ and https://example.community/', filter: false },
    _multiwidget: 1,
  };
  const themeMods = {
    0: false,
    nav_menu_locations: { primary: 2 },
    custom_css_post_id: -1,
    header_image: `${base}/wp-content/uploads/2024/01/header.jpg`,
    header_image_data: new PhpObject('stdClass', {
      attachment_id: 5,
      url: `${base}/wp-content/uploads/2024/01/header.jpg`,
      thumbnail_url: `${base}/wp-content/uploads/2024/01/header-150x150.jpg`,
      height: 300,
      width: 1200,
    }),
    nested: [[[`${base}/deep`, 1.5, null]]],
  };
  return {
    options: {
      siteurl: base,
      home: base,
      blogname: 'Acme',
      widget_text: phpSerialize(widgets),
      theme_mods_acme: phpSerialize(themeMods),
      // WordPress serializes some values twice (a serialized string inside a serialized string).
      lb_double: phpSerialize(phpSerialize([`${base}/twice`, 'x'])),
      lb_json: JSON.stringify({ url: `${base}/a` }).replace(/\//g, '\\/'),
      lb_relative: `<img src="//${base.replace(/^https?:\/\//, '')}/x.png">`,
      lb_encoded: `/wp-login.php?redirect_to=${encodeURIComponent(`${base}/wp-admin/`)}`,
      lb_platform: `https://${platform}/?p=3`,
      lb_longer:
        'https://example.com.au/x https://example.community/y https://www.example.com/z ' +
        'https://example.com:8443/p https://notexample.com/q mailto:me@example.com ftp://example.com/f',
      lb_case: 'See HTTPS://Example.COM/Caps.',
      // A string whose content looks like serialized syntax: its declared length is right, so it is one string.
      lb_crafted: phpSerialize([`${base}/";i:1;s:3:"pwn";}`, `x";s:5:"${base}`]),
      lb_sql: `${base}/'); DROP TABLE wp_users; -- \\' " \` \\0 ${base}`,
    } as Record<string, string>,
    broken: 'a:1:{i:0;s:99:"https://example.com/";}',
    posts: [
      {
        id: 1,
        content: `<p>Hello <a href="${base}/about/">about</a> <img src="${base}/wp-content/uploads/a.png"></p>`,
        guid: `${base}/?p=1`,
      },
      {
        id: 2,
        content: `<!-- wp:image {"url":"${base.replace(/\//g, '\\/')}\\/wp-content\\/b.png"} -->`,
        guid: `https://${platform}/?p=2`,
      },
    ],
  };
}

async function loadSite(db: string, base: string, platform: string, huge = 0): Promise<void> {
  const d = siteData(base, platform);
  const options = Object.entries(d.options)
    .map(([k, v]) => `(${lit(k)}, ${lit(v)})`)
    .join(', ');
  // Made by the server (a statement of megabytes does not fit in a command line).
  const big = `CONCAT(${lit(`${base}/start `)}, REPEAT('lorem ipsum ', ${Math.floor(huge / 12)}), ${lit(` ${base}/end`)})`;
  await suite.db.query(
    `CREATE DATABASE ${db}; USE ${db};\n${wordpressTables()}\n` +
      `INSERT INTO wp_options (option_name, option_value) VALUES ${options}, ('lb_broken', ${lit(d.broken)});\n` +
      `INSERT INTO wp_posts (ID, post_content, post_title, post_excerpt, guid) VALUES ${d.posts
        .map((p) => `(${p.id}, ${lit(p.content)}, 'T', '', ${lit(p.guid)})`)
        .join(', ')}${huge ? `, (3, ${big}, 'Huge', '', ${lit(`${base}/?p=3`)})` : ''};\n` +
      `INSERT INTO wp_postmeta (post_id, meta_key, meta_value) VALUES (1, '_wp_attachment_metadata', ${lit(
        phpSerialize({
          file: '2024/01/a.png',
          sizes: { thumb: { url: `${base}/wp-content/uploads/a-150.png` } },
        }),
      )}), (1, '_menu_item_url', ${lit(`${base}/shop/`)});\n` +
      `INSERT INTO wp_users (ID, user_login, user_email, user_url) VALUES (1, 'admin', 'admin@example.com', ${lit(base)});\n` +
      `INSERT INTO wp_usermeta (user_id, meta_key, meta_value) VALUES (1, 'session_tokens', ${lit(
        phpSerialize({ abc: { expiration: 1700000000, ua: 'x', login: 1, home: `${base}/my-account/` } }),
      )});`,
  );
}

const option = async (db: string, name: string): Promise<string> => {
  const hex = (
    await suite.db.query(`SELECT HEX(option_value) FROM ${db}.wp_options WHERE option_name = ${lit(name)}`)
  ).trim();
  return Buffer.from(hex, 'hex').toString('utf8');
};

const conn = () => ({ connection: suite.conn, configureHint: 'configure one' });

describe('the WordPress URL rewrite', () => {
  it('rewrites every form of the site’s URLs in the copy’s database only, serialized values re-encoded', async () => {
    const base = 'https://example.com';
    const platform = 'live-acme-blog.pantheonsite.io';
    await loadSite('acme', base, platform, 3 << 20);
    await loadSite('other', base, platform);
    const before = await suite.db.fingerprint('other');
    const copy = await makeCopy(join(suite.dir, 'acme'), { framework: 'wordpress', database: 'acme' });
    const plan = await planSetup(copy, { url: LOCAL }, conn());
    expect(plan.conflicts).toEqual([]);
    expect(plan.rewrite).toEqual({ from: ['https://example.com', `https://${platform}`], to: LOCAL });
    const result = await applySetup(plan);

    const after = siteData(LOCAL, 'acme.localhost:8080');
    expect(await option('acme', 'siteurl')).toBe(LOCAL);
    expect(await option('acme', 'home')).toBe(LOCAL);
    // Serialized values: exactly what PHP's serialize() gives for the rewritten data (lengths recomputed).
    for (const name of ['widget_text', 'theme_mods_acme', 'lb_double', 'lb_crafted'])
      expect(await option('acme', name)).toBe(after.options[name]);
    expect(await option('acme', 'lb_json')).toBe(JSON.stringify({ url: `${LOCAL}/a` }).replace(/\//g, '\\/'));
    expect(await option('acme', 'lb_relative')).toBe('<img src="//acme.localhost:8080/x.png">');
    expect(await option('acme', 'lb_encoded')).toBe(
      `/wp-login.php?redirect_to=${encodeURIComponent(`${LOCAL}/wp-admin/`)}`,
    );
    expect(await option('acme', 'lb_platform')).toBe(`${LOCAL}/?p=3`);
    expect(await option('acme', 'lb_case')).toBe(`See ${LOCAL}/Caps.`);
    // Other hosts that merely start with the site's, another port, a subdomain, an e-mail, another scheme: kept.
    expect(await option('acme', 'lb_longer')).toBe(siteData(base, platform).options.lb_longer);
    // Quotes, backslashes and SQL in a value are data: rewritten in place, nothing run.
    expect(await option('acme', 'lb_sql')).toBe(`${LOCAL}/'); DROP TABLE wp_users; -- \\' " \` \\0 ${LOCAL}`);
    // A value that looks serialized but does not parse is left as it was, and counted.
    expect(await option('acme', 'lb_broken')).toBe(siteData(base, platform).broken);
    expect(result.plan.notes.join(' ')).toMatch(
      /1 value looks serialized but does not unserialize \(wp_options: 1\)/,
    );

    const posts = (
      await suite.db.query(
        "SELECT ID, guid, LENGTH(post_content), post_content LIKE '%example.com%' FROM acme.wp_posts ORDER BY ID",
      )
    )
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    expect(posts.map((p) => p[1])).toEqual([`${LOCAL}/?p=1`, `${LOCAL}/?p=2`, `${LOCAL}/?p=3`]);
    expect(posts.map((p) => p[3])).toEqual(['0', '0', '0']);
    expect((await suite.db.query('SELECT post_content FROM acme.wp_posts WHERE ID = 2')).trim()).toBe(
      `<!-- wp:image {"url":"${LOCAL.replace(/\//g, '\\\\/')}\\\\/wp-content\\\\/b.png"} -->`,
    );
    expect(
      (
        await suite.db.query("SELECT meta_value FROM acme.wp_postmeta WHERE meta_key = '_menu_item_url'")
      ).trim(),
    ).toBe(`${LOCAL}/shop/`);
    expect((await suite.db.query('SELECT user_email, user_url FROM acme.wp_users')).trim()).toBe(
      `admin@example.com\t${LOCAL}`,
    );
    expect((await suite.db.query('SELECT meta_value FROM acme.wp_usermeta')).trim()).toBe(
      phpSerialize({ abc: { expiration: 1700000000, ua: 'x', login: 1, home: `${LOCAL}/my-account/` } }),
    );
    expect(result.rewritten).toEqual(
      expect.arrayContaining([
        { table: 'wp_options', rows: 12 },
        { table: 'wp_posts', rows: 3 },
        { table: 'wp_postmeta', rows: 2 },
        { table: 'wp_users', rows: 1 },
        { table: 'wp_usermeta', rows: 1 },
      ]),
    );
    // The other database with the same URLs: not one byte changed.
    expect(await suite.db.fingerprint('other')).toBe(before);
  });

  it('re-encodes values PHP itself unserializes to the rewritten data', async (ctx) => {
    const why = await phpUnavailable();
    if (why) return ctx.skip(why);
    await loadSite('acme_php', 'https://example.com', 'live-acme-blog.pantheonsite.io');
    const copy = await makeCopy(join(suite.dir, 'acme'), { framework: 'wordpress', database: 'acme_php' });
    await applySetup(await planSetup(copy, { url: 'https://acme.ddev.site' }, conn()));
    for (const name of ['widget_text', 'theme_mods_acme', 'lb_crafted']) {
      const value = await option('acme_php', name);
      const decoded = JSON.parse(
        await php(
          `echo json_encode(unserialize(base64_decode('${Buffer.from(value).toString('base64')}')));`,
        ),
      ) as unknown;
      expect(decoded).not.toBe(false);
      expect(JSON.stringify(decoded)).not.toContain('example.com/');
      expect(JSON.stringify(decoded)).toContain('acme.ddev.site');
    }
    const twice = await php(
      `echo unserialize(unserialize(base64_decode('${Buffer.from(await option('acme_php', 'lb_double')).toString('base64')}')))[0];`,
    );
    expect(twice).toBe('https://acme.ddev.site/twice');
  });

  it('rewrites a multisite: its network tables, each site’s options, subdomains kept apart', async () => {
    await suite.db.query(
      `CREATE DATABASE net; USE net;\n${wordpressTables()}\n${multisiteTables()}\n` +
        "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://example.com'), ('home', 'https://example.com');\n" +
        "INSERT INTO wp_2_options (option_name, option_value) VALUES ('siteurl', 'https://shop.example.com'), ('home', 'https://shop.example.com'), " +
        `('widget_text', ${lit(phpSerialize({ 2: { text: 'https://shop.example.com/cart and https://example.com/' } }))});\n` +
        "INSERT INTO wp_blogs (blog_id, site_id, domain, path) VALUES (1, 1, 'example.com', '/'), (2, 1, 'shop.example.com', '/');\n" +
        "INSERT INTO wp_site (id, domain, path) VALUES (1, 'example.com', '/');\n" +
        "INSERT INTO wp_sitemeta (site_id, meta_key, meta_value) VALUES (1, 'siteurl', 'https://example.com/'), " +
        `(1, 'site_admins', ${lit(phpSerialize(['admin']))});`,
    );
    const copy = await makeCopy(join(suite.dir, 'net'), { framework: 'wordpress_network', database: 'net' });
    const plan = await planSetup(copy, { url: 'https://net.ddev.site' }, conn());
    expect(plan.conflicts).toEqual([]);
    expect(plan.rewrite?.from).toEqual([
      'https://example.com',
      'https://shop.example.com',
      'https://live-acme-blog.pantheonsite.io',
    ]);
    expect(plan.notes).toContain("The network's site shop.example.com becomes https://shop.net.ddev.site.");
    await applySetup(plan);
    expect(
      (await suite.db.query('SELECT blog_id, domain, path FROM net.wp_blogs ORDER BY blog_id')).trim(),
    ).toBe('1\tnet.ddev.site\t/\n2\tshop.net.ddev.site\t/');
    expect((await suite.db.query('SELECT domain FROM net.wp_site')).trim()).toBe('net.ddev.site');
    expect(
      (await suite.db.query("SELECT meta_value FROM net.wp_sitemeta WHERE meta_key = 'siteurl'")).trim(),
    ).toBe('https://net.ddev.site/');
    expect(
      (await suite.db.query("SELECT option_value FROM net.wp_2_options WHERE option_name = 'home'")).trim(),
    ).toBe('https://shop.net.ddev.site');
    expect(
      (
        await suite.db.query("SELECT option_value FROM net.wp_2_options WHERE option_name = 'widget_text'")
      ).trim(),
    ).toBe(phpSerialize({ 2: { text: 'https://shop.net.ddev.site/cart and https://net.ddev.site/' } }));
  });

  it('refuses a multisite local URL with a port or a path, before anything changes', async () => {
    await suite.db.query(
      `CREATE DATABASE net2; USE net2;\n${wordpressTables()}\n${multisiteTables()}\n` +
        "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://example.com'), ('home', 'https://example.com');\n" +
        "INSERT INTO wp_blogs (blog_id, site_id, domain, path) VALUES (1, 1, 'example.com', '/');\nINSERT INTO wp_site (id, domain, path) VALUES (1, 'example.com', '/');",
    );
    const before = await suite.db.fingerprint('net2');
    const copy = await makeCopy(join(suite.dir, 'net2'), {
      framework: 'wordpress_network',
      database: 'net2',
    });
    const plan = await planSetup(copy, { url: 'http://localhost:8080/sub' }, conn());
    expect(plan.conflicts.map((c) => c.message).join(' ')).toMatch(
      /without a path.*does not work on a port/s,
    );
    await expect(applySetup(plan)).rejects.toMatchObject({ code: 'invalid-request' });
    expect(await suite.db.fingerprint('net2')).toBe(before);
  });

  it('treats table and column names with backticks and quotes as names, and a table without a key by its values', async () => {
    await suite.db.query(
      `CREATE DATABASE odd; USE odd;\n${wordpressTables()}\n` +
        "INSERT INTO wp_options (option_name, option_value) VALUES ('siteurl', 'https://example.com'), ('home', 'https://example.com');\n" +
        "CREATE TABLE `we``ird'; DROP DATABASE odd; --` (`c``ol` text, `n` int);\n" +
        "INSERT INTO `we``ird'; DROP DATABASE odd; --` VALUES ('https://example.com/1', 1), ('https://example.com/1', 2), ('https://example.com.au', 3), (NULL, 4);",
    );
    const copy = await makeCopy(join(suite.dir, 'odd'), { framework: 'wordpress', database: 'odd' });
    const result = await applySetup(await planSetup(copy, { url: LOCAL }, conn()));
    expect(
      (
        await suite.db.query("SELECT `c``ol`, n FROM odd.`we``ird'; DROP DATABASE odd; --` ORDER BY n")
      ).trim(),
    ).toBe(`${LOCAL}/1\t1\n${LOCAL}/1\t2\nhttps://example.com.au\t3\nNULL\t4`);
    expect(result.rewritten).toContainEqual({ table: "we`ird'; DROP DATABASE odd; --", rows: 2 });
  });
});
