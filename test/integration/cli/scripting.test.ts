import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems, type JsonDoc } from '../../../electron/cli/json-doc';
import { lifeboat, runMain } from '../../helpers/cli';
import { cliAuth, DANA, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

/** The documented `--json` shape of a command (its default output, or the variant named by `when`). */
function docOf(name: string, when?: string): JsonDoc {
  const doc = COMMANDS.find((c) => c.name === name)?.json?.find((j) => j.when === when);
  if (!doc) throw new Error(`No documented JSON for ${name} ${when ?? ''}`);
  return doc;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-script-'));
  return () => rm(dir, { recursive: true, force: true });
});

describe.each(SANDBOX_MODES)('read-only commands against the %s sandbox', (mode) => {
  let sandbox: Sandbox;
  let auth: string[];
  let env: NodeJS.ProcessEnv;
  /** The CLI as Dana, with her token in the environment as a script gives it. */
  const cli = (argv: readonly string[], more: NodeJS.ProcessEnv = {}) =>
    runMain(argv, { env: { ...env, ...more } });
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
    auth = ['--api-url', sandbox.apiUrl];
    env = { TERMINUS_MACHINE_TOKEN: sandbox.accounts.find((a) => a.email === DANA)!.machineToken };
  });
  afterAll(() => sandbox.close());

  it('prints with --json what the README documents, for every read-only command', async () => {
    const cases: [string[], string, string?][] = [
      [['sites'], 'sites'],
      [['envs', 'acme-blog'], 'envs'],
      [['backups', 'list', 'acme-blog.live'], 'backups list'],
      [
        ['backups', 'list', 'acme-blog.live', '--element', 'db'],
        'backups list',
        'with --element code|files|database',
      ],
      [['backups', 'info', 'acme-blog.live', '--element', 'db'], 'backups info'],
      [['backups', 'get', 'acme-blog.live', '--element', 'code'], 'backups get'],
      [['backups', 'automatic', 'info', 'acme-blog.live'], 'backups automatic info'],
      [['pull', 'acme-blog.live', '--to', dir, '--dry-run'], 'pull', 'with --dry-run'],
      [['jobs', 'list'], 'jobs list'],
    ];
    for (const [argv, name, when] of cases) {
      const r = await cli([...auth, ...argv, '--json'], { LIFEBOAT_DATA_DIR: dir });
      expect({ argv, code: r.code, stderr: r.stderr }).toEqual({ argv, code: 0, stderr: '' });
      const value: unknown = JSON.parse(r.stdout);
      expect({ argv, problems: jsonProblems(value, docOf(name, when)) }).toEqual({ argv, problems: [] });
      if (Array.isArray(value) && name !== 'jobs list') expect(value.length).toBeGreaterThan(0);
    }
  });

  it('backups list --element db --json lists the database archives only, not whole backup sets', async () => {
    const r = await cli([...auth, 'backups', 'list', 'acme-blog.live', '--element', 'db', '--json']);
    expect(r.code).toBe(0);
    const archives = JSON.parse(r.stdout) as { element: string; filename: string; archives?: unknown }[];
    expect(archives.length).toBeGreaterThan(1);
    for (const a of archives) {
      expect(a.element).toBe('database');
      expect(a.filename).toMatch(/_database\.sql\.gz$/);
      expect(a).not.toHaveProperty('archives');
    }
  });

  it('sites QUERY and its filters are the app’s search, with the account that sees each site', async () => {
    const names = async (...argv: string[]): Promise<string[]> => {
      const r = await cli([...auth, 'sites', ...argv, '--json']);
      expect(r.code).toBe(0);
      return (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
    };
    expect(await names('globex')).toEqual(['globex-careers', 'globex-docs', 'globex-www']);
    // Matches labels and tags too, ignoring case.
    expect(await names('DOCUMENTATION')).toEqual(['globex-docs']);
    expect(await names('--tag', 'Priority')).toEqual(['acme-shop', 'globex-www']);
    expect(await names('--framework', 'drupal8')).toEqual(['acme-shop', 'globex-www']);
    expect(await names('acme', '--org', 'Acme Agency', '--framework', 'drupal')).toEqual([
      'acme-events',
      'acme-intranet',
    ]);
    expect(await names('--account', DANA, 'nothing-like-this')).toEqual([]);
    const text = await cli([...auth, 'sites', 'acme-b']);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^NAME\s+LABEL\s+FRAMEWORK\s+PLAN\s+ORGANIZATIONS\s+ACCOUNTS$/,
    );
    expect(text.stdout).toMatch(/^acme-blog\s+Acme Blog\s+wordpress\s+.*\sdana@example\.com$/m);
    expect(text.stdout.trim().split('\n')).toHaveLength(2);
    const unknown = await cli([...auth, 'sites', '--account', 'nobody@example.com']);
    expect(unknown).toMatchObject({
      code: 4,
      stderr: expect.stringContaining('No account nobody@example.com'),
    });
  });

  it('a mistyped environment is "not found" naming the site’s environments, in every env-scoped command', async () => {
    for (const argv of [
      ['backups', 'list', 'acme-blog.lvie'],
      ['backups', 'create', 'acme-blog.lvie'],
      ['backups', 'get', 'acme-blog.lvie'],
      ['backups', 'info', 'acme-blog.lvie'],
      ['backups', 'restore', 'acme-blog.lvie', '--backup', '1795910400_automated', '--yes'],
      ['backups', 'automatic', 'info', 'acme-blog.lvie'],
      ['pull', 'acme-blog.lvie', '--to', dir, '--dry-run'],
      ['download', 'acme-blog.lvie', '--to', dir],
    ]) {
      const r = await cli([...auth, ...argv]);
      expect({ argv, code: r.code }).toEqual({ argv, code: 4 });
      expect(r.stderr).toContain(
        "Site 'acme-blog' has no environment 'lvie'. Its environments: dev, test, live, feature-x. Did you mean 'live'?",
      );
    }
    expect(await readdir(dir)).toEqual([]);
    // Nothing was asked of an environment that does not exist.
    expect(sandbox.requests.filter((r) => r.path.includes('/environments/lvie/'))).toEqual([]);
  });
});

describe('lifeboat --demo', () => {
  it('lists the sites of every demo account, as the app’s demo does: a shared site once, with both', async () => {
    const r = await runMain(['--demo', 'sites', '--json']);
    expect(r.code).toBe(0);
    const sites = JSON.parse(r.stdout) as { name: string; accounts: string[] }[];
    const byName = new Map(sites.map((s) => [s.name, s.accounts]));
    expect(byName.get('acme-blog')).toEqual(['dana@example.com']);
    expect(byName.get('fran-bakery')).toEqual(['fran@example.com']);
    expect(byName.get('globex-www')).toEqual(['dana@example.com', 'fran@example.com']);
    expect(sites.filter((s) => s.name === 'globex-www')).toHaveLength(1);
    expect(jsonProblems(sites, docOf('sites'))).toEqual([]);
  });
});

describe('lifeboat sandbox', () => {
  it('names its seed and mode in the banner, and passes --mode to the sandbox', async () => {
    const stop = new AbortController();
    const r = await runMain(['sandbox', '--port', '0', '--mode', 'strict'], {
      signal: stop.signal,
      onStdout: (out) => {
        if (out.includes('fran@example.com')) stop.abort();
      },
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Lifeboat sandbox \(demo seed, strict mode\) at http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toContain('--api-url http://127.0.0.1:');
    const json = new AbortController();
    const j = await runMain(['sandbox', '--port', '0', '--json'], {
      signal: json.signal,
      onStdout: () => json.abort(),
    });
    expect(JSON.parse(j.stdout)).toMatchObject({ seed: 'demo', mode: 'rich' });
    expect(jsonProblems(JSON.parse(j.stdout), docOf('sandbox'))).toEqual([]);
  });
});

describe('dates in a child process’s time zone', () => {
  let sandbox: Sandbox;
  let auth: string[];
  beforeAll(async () => {
    sandbox = await testSandbox();
    auth = cliAuth(sandbox);
  });
  afterAll(() => sandbox.close());

  it('shows a backup’s date in TZ with its offset; --json keeps the moment in UTC', async () => {
    const json = await runMain([...auth, 'backups', 'info', 'acme-blog.live', '--element', 'db', '--json']);
    const { date } = JSON.parse(json.stdout) as { date: string };
    expect(date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const esc = (t: string): string => t.replace(/[+]/g, '\\+');
    const shown = (offset: string): string => {
      const d = new Date(Date.parse(date) + Number(offset.slice(0, 3)) * 3_600_000);
      return `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 16)} ${offset}`;
    };
    const auckland = await lifeboat([...auth, 'backups', 'info', 'acme-blog.live', '--element', 'db'], {
      TZ: 'Pacific/Auckland',
    });
    const offset = /^Date\s+\S+ \S+ ([+-]\d\d:\d\d)$/m.exec(auckland.stdout)?.[1];
    // New Zealand is +12:00 or +13:00 depending on the date of the backup.
    expect(['+12:00', '+13:00']).toContain(offset);
    expect(auckland.stdout).toMatch(new RegExp(`^Date\\s+${esc(shown(offset!))}$`, 'm'));
    const utc = await lifeboat([...auth, 'backups', 'info', 'acme-blog.live', '--element', 'db'], {
      TZ: 'UTC',
    });
    expect(utc.stdout).toMatch(new RegExp(`^Date\\s+${esc(shown('+00:00'))}$`, 'm'));
  });
});
