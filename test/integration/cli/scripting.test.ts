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
      /^NAME\s+LABEL\s+FRAMEWORK\s+PLAN\s+ORGANIZATIONS\s+ACCOUNTS\s+FROZEN$/,
    );
    expect(text.stdout).toMatch(/^acme-blog\s+Acme Blog\s+wordpress\s+.*\sdana@example\.com\s+no$/m);
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

describe('as a Terminus user expects it', () => {
  let sandbox: Sandbox;
  let token: string;
  const cli = (argv: readonly string[], options: Parameters<typeof runMain>[1] = {}) =>
    runMain(['--api-url', sandbox.apiUrl, ...argv], {
      ...options,
      env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: dir, ...options.env },
    });
  beforeAll(async () => {
    sandbox = await testSandbox();
    token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
  });
  afterAll(() => sandbox.close());

  it('--machine-token warns once on stderr in every command that uses it', async () => {
    const [latest] = JSON.parse(
      (await cli(['backups', 'list', 'acme-blog.live', '--element', 'db', '--json'])).stdout,
    ) as { folder: string }[];
    for (const argv of [
      ['sites'],
      ['envs', 'acme-blog'],
      ['backups', 'list', 'acme-blog.live'],
      ['backups', 'get', 'acme-blog.live', '--element', 'db'],
      ['backups', 'info', 'acme-blog.live', '--element', 'db', '--backup', latest!.folder],
      ['backups', 'automatic', 'info', 'acme-blog.live'],
      ['download', 'acme-blog.live', '--element', 'db', '--to', join(dir, 'dl')],
    ]) {
      const r = await cli(['--machine-token', token, ...argv], { env: { TERMINUS_MACHINE_TOKEN: '' } });
      expect({ argv, code: r.code }).toEqual({ argv, code: 0 });
      const warnings = r.stderr.match(/^lifeboat: warning: --machine-token is visible .*$/gm) ?? [];
      expect({ argv, warnings: warnings.length }).toEqual({ argv, warnings: 1 });
      expect(r.stderr + r.stdout).not.toContain(token);
    }
    // The same commands with the token in the environment say nothing.
    expect((await cli(['sites'])).stderr).toBe('');
  });

  it('--org takes an organization’s label, machine name or id, ignoring case; an unknown one names those there are', async () => {
    const names = async (org: string): Promise<string[]> => {
      const r = await cli(['sites', '--org', org, '--json']);
      expect({ org, code: r.code }).toEqual({ org, code: 0 });
      return (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
    };
    const globex = ['globex-careers', 'globex-docs', 'globex-www'];
    expect(await names('Globex Corporation')).toEqual(globex);
    expect(await names('globex')).toEqual(globex);
    expect(await names('GLOBEX CORPORATION')).toEqual(globex);
    const orgId = sandbox.seed.orgs.find((o) => o.machineName === 'globex')!.id;
    expect(await names(orgId)).toEqual(globex);
    expect(await names('acme-agency')).toEqual(['acme-events', 'acme-intranet', 'acme-shop']);
    const unknown = await cli(['sites', '--org', 'umbrella']);
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toContain("No organization is named 'umbrella'");
    expect(unknown.stderr).toContain('Globex Corporation (globex)');
  });

  it('a malformed --api-url is a usage error, before anything connects', async () => {
    for (const url of ['127.0.0.1:45899', 'ftp://x/api/', 'http//nope']) {
      const r = await runMain(['sites', '--api-url', url], { env: { TERMINUS_MACHINE_TOKEN: token } });
      expect({ url, code: r.code }).toEqual({ url, code: 2 });
      expect(r.stderr).toContain(`--api-url must be an http:// or https:// URL`);
      expect(r.stderr).not.toContain('internal');
    }
  });

  it('envs: deploy tags only where there are some, the ref beside them, and a frozen site says why it shows only dev', async () => {
    const r = await cli(['envs', 'acme-blog']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^ENV\s+DEPLOY TAG\s+DOMAIN\s+STATE\s+MODE\s+REF$/);
    expect(r.stdout).toMatch(/^dev\s+—\s+dev-acme-blog\S+\s+ready\s+\w+\s+master$/m);
    expect(r.stdout).toMatch(/^feature-x\s+—\s/m);
    expect(r.stdout).toMatch(/^live\s+pantheon_live_12\s/m);
    const json = JSON.parse((await cli(['envs', 'acme-blog', '--json'])).stdout) as {
      id: string;
      deployTag: string | null;
    }[];
    expect(json.find((e) => e.id === 'dev')!.deployTag).toBeNull();
    const frozen = await cli(['envs', 'acme-intranet']);
    expect(frozen.code).toBe(0);
    expect(frozen.stdout).toContain(
      'acme-intranet is frozen: its test and live environments are hidden until it is unfrozen',
    );
  });

  it('envs SITE.ENV points at envs SITE; SITE.ENV ignores the case of the environment; a site typo gets the closest name', async () => {
    const dotted = await cli(['envs', 'acme-blog.live']);
    expect(dotted.code).toBe(2);
    expect(dotted.stderr).toContain('envs takes a site, not SITE.ENV: lifeboat envs acme-blog');
    const upper = await cli(['backups', 'list', 'acme-blog.Live', '--element', 'db', '--json']);
    expect(upper.code).toBe(0);
    expect((JSON.parse(upper.stdout) as { filename: string }[])[0]!.filename).toContain('_live_');
    // The demo's site list costs nothing, so a typo there is answered with the closest name.
    const typo = await runMain(['--demo', 'envs', 'acme-blg']);
    expect(typo.code).toBe(4);
    expect(typo.stderr).toContain("Site 'acme-blg' was not found");
    expect(typo.stderr).toContain("Did you mean 'acme-blog'?");
  });
});

describe('backups list lists finished backups, as Terminus does (strict sandbox: one backup still being written)', () => {
  let sandbox: Sandbox;
  let env: NodeJS.ProcessEnv;
  const cli = (argv: readonly string[]) =>
    runMain(['--api-url', sandbox.apiUrl, 'backups', 'list', 'acme-blog.live', ...argv], { env });
  beforeAll(async () => {
    sandbox = await testSandbox({ mode: 'strict' });
    env = { TERMINUS_MACHINE_TOKEN: sandbox.accounts.find((a) => a.email === DANA)!.machineToken };
  });
  afterAll(() => sandbox.close());

  type Archive = { finished: boolean; date: number | null; expiresAt: number | null };
  type Set = { folder: string; finished: boolean; archives: Record<string, Archive> };

  it('without --all: no archive still being written, in any view', async () => {
    const sets = JSON.parse((await cli(['--json'])).stdout) as Set[];
    expect(sets.length).toBeGreaterThan(0);
    for (const s of sets) for (const a of Object.values(s.archives)) expect(a.finished).toBe(true);
    const files = JSON.parse((await cli(['--element', 'files', '--json'])).stdout) as Archive[];
    for (const a of files) expect(a.finished).toBe(true);
    for (const argv of [[], ['--element', 'files']])
      expect((await cli(argv)).stdout).not.toContain('pending');
  });

  it('--all adds it, pending, with no date or expiry in any view', async () => {
    const sets = JSON.parse((await cli(['--all', '--json'])).stdout) as Set[];
    const writing = sets.find((s) => !s.finished)!;
    for (const a of Object.values(writing.archives))
      expect(a).toMatchObject({ finished: false, date: null, expiresAt: null });
    const files = JSON.parse((await cli(['--all', '--element', 'files', '--json'])).stdout) as Archive[];
    expect(files.filter((a) => !a.finished)).toEqual([
      expect.objectContaining({ date: null, expiresAt: null }),
    ]);
    for (const argv of [['--all'], ['--all', '--element', 'files']]) {
      const row = (await cli(argv)).stdout.split('\n').find((l) => l.startsWith(writing.folder))!;
      expect({ argv, row }).toEqual({
        argv,
        row: expect.stringMatching(/^\S+\s+pending\s+\w+\s+(pending\s+)+pending$/),
      });
    }
  });
});
