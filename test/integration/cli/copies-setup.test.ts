// `lifeboat copies setup` on a copy `lifeboat pull --demo` restored with its database imported into a real
// MariaDB: the plan (--dry-run --json), the run, and a mistyped path.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import type { LocalSetupPlan, LocalSetupResult } from '../../../shared/models';
import { lifeboat } from '../../helpers/cli';
import { useMariaDb } from '../../helpers/mariadb-suite';

const suite = useMariaDb('lifeboat-cli-setup-');
const docs = COMMANDS.find((c) => c.name === 'copies setup')!.json!;

describe('lifeboat copies setup', () => {
  it('plans with --dry-run --json, then rewrites the copy’s database and writes its settings; a mistyped path is named', async () => {
    const env = { LIFEBOAT_DATA_DIR: join(suite.dir, 'data'), HOME: join(suite.dir, 'home') };
    await mkdir(env.HOME);
    const server = `mysql://root@localhost?socket=${suite.db.socket}`;
    const sites = join(suite.dir, 'sites');
    const pulled = await lifeboat(
      [
        '--demo',
        'pull',
        'acme-blog.live',
        '--to',
        sites,
        '--element',
        'code,database',
        '--db-import',
        `mysql://root@localhost/acme_cli?socket=${suite.db.socket}`,
      ],
      env,
    );
    expect({ code: pulled.code, stderr: pulled.stderr }).toMatchObject({ code: 0 });
    const path = join(sites, 'acme-blog-live');

    const dry = await lifeboat(['copies', 'setup', path, '--db-server', server, '--dry-run', '--json'], env);
    expect({ code: dry.code, stderr: dry.stderr }).toEqual({ code: 0, stderr: '' });
    const plan = JSON.parse(dry.stdout) as LocalSetupPlan;
    expect(
      jsonProblems(
        plan,
        docs.find((d) => d.when)!,
      ),
    ).toEqual([]);
    expect(plan).toMatchObject({
      framework: 'wordpress',
      database: 'acme_cli',
      rewrite: {
        from: ['https://live-acme-blog.pantheonsite.io'],
        to: 'http://acme-blog-live.localhost:8080',
      },
      conflicts: [],
    });
    // Nothing changed yet.
    const siteurl = () =>
      suite.db.query("SELECT option_value FROM acme_cli.wp_options WHERE option_name = 'siteurl'");
    expect((await siteurl()).trim()).toBe('https://live-acme-blog.pantheonsite.io');

    const done = await lifeboat(['copies', 'setup', path, '--db-server', server, '--json'], env);
    expect({ code: done.code, stderr: done.stderr }).toEqual({ code: 0, stderr: '' });
    const result = JSON.parse(done.stdout) as LocalSetupResult;
    expect(
      jsonProblems(
        result,
        docs.find((d) => !d.when)!,
      ),
    ).toEqual([]);
    expect(result.rewritten).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'wp_options' }),
        expect.objectContaining({ table: 'wp_posts' }),
      ]),
    );
    expect(result.next).toEqual([`cd ${path}`, 'php -S 127.0.0.1:8080']);
    expect((await siteurl()).trim()).toBe('http://acme-blog-live.localhost:8080');
    // The demo's theme mods are serialized: re-encoded with the new length.
    const mods = (
      await suite.db.query(
        "SELECT option_value FROM acme_cli.wp_options WHERE option_name = 'theme_mods_acme-blog'",
      )
    ).trim();
    expect(mods).toContain(
      's:77:"http://acme-blog-live.localhost:8080/wp-content/uploads/2024/01/photo-1-1.png"',
    );
    expect(await readFile(join(path, 'wp-config-local.php'), 'utf8')).toContain(
      "define('WP_HOME', 'http://acme-blog-live.localhost:8080')",
    );

    // Text output and a mistyped path (the copy most likely meant is named; nothing happens).
    const typo = await lifeboat(
      ['copies', 'setup', join(sites, 'acme-blog-lvie'), '--db-server', server],
      env,
    );
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain(`Did you mean ${path}?`);
    const bad = await lifeboat(['copies', 'setup', path, '--url', 'ftp://x'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--url: A local address such as http://mysite.local.');
  });
});
