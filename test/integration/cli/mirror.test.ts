import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MirrorReport, MirrorVerifyReport } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { mirrorExitCode, parseDuration } from '../../../electron/cli/commands/mirror';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { flipByte } from '../../helpers/mirror';
import { runMain, type MainOptions } from '../../helpers/cli';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let api: string[];
let token: string;
let dir: string;

/** The CLI as Dana (her token in the environment, as scripts give it), with a journal of this test's own. */
const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain([...api, ...argv], {
    ...options,
    env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: join(dir, '.data'), ...options.env },
  });

const docOf = (name: string) => COMMANDS.find((c) => c.name === name)!.json![0]!;

beforeAll(async () => {
  sandbox = await testSandbox();
  api = ['--api-url', sandbox.apiUrl];
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-mirror-'));
  return () => rm(dir, { recursive: true, force: true });
});

const report = (stdout: string) => JSON.parse(stdout) as MirrorReport;
const status = (r: MirrorReport) => Object.fromEntries(r.sites.map((s) => [s.site, s.status]));

describe('lifeboat mirror', () => {
  it('refuses a wrong command line before it connects, saying what is wrong', async () => {
    const to = join(dir, 'm');
    const cases: [string[], string][] = [
      [['mirror', '--to', to], 'Say which sites to mirror: a QUERY, --org, --tag, --account or --all.'],
      [['mirror', '--all'], 'mirror needs --to DIR'],
      [['mirror', '--to', to, '--all', '--shard', '0/2'], 'the 2 shards are 1/2, 2/2; 0 is not one of them'],
      [['mirror', '--to', to, '--all', '--shard', '3/2'], 'the 2 shards are 1/2, 2/2; 3 is not one of them'],
      [['mirror', '--to', to, '--all', '--shard', '1/0'], 'N must be at least 1'],
      [['mirror', '--to', to, '--all', '--shard', 'x'], '--shard takes I/N'],
      [
        ['mirror', '--to', to, '--all', '--fresh-within', '24'],
        '--fresh-within takes a duration such as 24h',
      ],
      [
        ['mirror', '--to', to, '--all', '--fresh-within', 'soon'],
        '--fresh-within takes a duration such as 24h',
      ],
      [['mirror', '--to', to, '--all', '--env', 'live,Te st'], '--env takes environment names'],
      [['mirror', '--to', to, '--all', '--element', 'logs'], 'Unknown element "logs"'],
      [['mirror', '--to', to, '--all', '--keep', '0'], '--keep must be a whole number of at least 1'],
      [['mirror', '--to', to, '--all', '--concurrency', 'many'], '--concurrency must be a whole number'],
      [['mirror', '--to', to, '--all', '--keep-for', '7'], 'give --fresh-within too'],
    ];
    const before = sandbox.requests.length;
    for (const [argv, message] of cases) {
      const r = await cli(argv);
      expect({ argv, code: r.code }).toEqual({ argv, code: 2 });
      expect(r.stderr).toContain(message);
    }
    expect(sandbox.requests.length).toBe(before);
    const verify = await runMain(['mirror', 'verify']);
    expect(verify.code).toBe(2);
    expect(verify.stderr).toContain('lifeboat mirror verify needs DIR');
    expect(await readdir(dir)).not.toContain('m');
  });

  it('a selection that finds nothing, or names an unknown organization, is "not found" (exit 4)', async () => {
    const to = join(dir, 'm');
    const none = await cli(['mirror', '--to', to, 'nothing-like-this']);
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('No sites match: nothing to mirror.');
    const org = await cli(['mirror', '--to', to, '--org', 'umbrella']);
    expect(org.code).toBe(4);
    expect(org.stderr).toContain("No organization is named 'umbrella'");
    const site = await cli(['mirror', '--to', to, '--site', 'acme-blgo']);
    expect(site.code).toBe(4);
    expect(site.stderr).toContain("Did you mean 'acme-blog'?");
    expect(await readdir(dir)).not.toContain('m');
  });

  it('--concurrency above 16 (the app’s limit) is a usage error, before it connects', async () => {
    const before = sandbox.requests.length;
    const r = await cli(['mirror', '--to', join(dir, 'm'), '--all', '--concurrency', '17']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--concurrency is at most 16 downloads at once');
    expect(sandbox.requests.length).toBe(before);
  });

  it('parses durations as 24h, 2d, 90m, 1d12h, 1.5h', () => {
    expect(parseDuration('24h', '--x')).toBe(86400);
    expect(parseDuration('2d', '--x')).toBe(2 * 86400);
    expect(parseDuration('90m', '--x')).toBe(5400);
    expect(parseDuration('1d12h', '--x')).toBe(1.5 * 86400);
    expect(parseDuration('1.5h', '--x')).toBe(5400);
    expect(parseDuration('1W', '--x')).toBe(7 * 86400);
    for (const bad of ['', '24', 'h', '24h!', '0h', '-2d', '2 days'])
      expect(() => parseDuration(bad, '--x')).toThrow();
  });

  it('mirrors the selected sites, prints the report (--json as documented), and a rerun is up to date', async () => {
    const to = join(dir, 'mirror');
    const first = await cli(['mirror', '--to', to, 'acme', '--element', 'db', '--json']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    const r = report(first.stdout);
    expect(jsonProblems(r, docOf('mirror'))).toEqual([]);
    expect(r.root).toBe(to);
    expect(status(r)).toEqual({
      'acme-blog': 'downloaded',
      'acme-events': 'downloaded',
      'acme-intranet': 'skipped',
      'acme-landing': 'skipped',
      'acme-shop': 'downloaded',
    });
    expect(r.sites.every((s) => s.account === DANA)).toBe(true);
    expect(await readdir(to)).toEqual(expect.arrayContaining(['acme-blog', 'acme-events', 'acme-shop']));

    const again = await cli(['mirror', '--to', to, 'acme', '--element', 'db']);
    expect(again.code).toBe(0);
    const lines = again.stdout.split('\n');
    expect(lines[0]).toMatch(/^SITE\s+ENVS\s+STATUS\s+BYTES\s+TIME\s+ERROR$/);
    expect(again.stdout).toMatch(/^acme-blog\s+live\s+up-to-date\s+0 bytes\s+\d+:\d\d$/m);
    expect(again.stdout).toMatch(/^acme-intranet\s+live\s+skipped\s/m);
    expect(again.stdout).toContain('acme-intranet.live: acme-intranet is frozen');
    expect(again.stdout).toContain('5 sites: 0 downloaded, 3 up to date, 2 skipped, 0 failed');
    // Progress on stderr, a line as each site starts and ends.
    expect(again.stderr).toMatch(/^\[1 of 5\] acme-blog: mirroring…$/m);
    expect(again.stderr).toMatch(/^acme-blog: up-to-date in \d+:\d\d$/m);
  });

  it("takes several QUERY words, a site matching any of them (as the app's hand-picked names are passed)", async () => {
    const to = join(dir, 'several');
    const r = await cli(['mirror', '--to', to, 'acme-blog', 'acme-shop', '--element', 'db', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    expect(status(report(r.stdout))).toEqual({ 'acme-blog': 'downloaded', 'acme-shop': 'downloaded' });
  });

  it('one failing site: the others complete, its row has the code, the exit is non-zero; a rerun completes it', async () => {
    const to = join(dir, 'mirror');
    const [shop] = (await fetchJson(['sites', 'acme-shop', '--json'])) as { id: string }[];
    sandbox.setFaults({
      api: {
        script: [{ path: `sites/${shop!.id}/environments`, status: 403, times: 100, body: 'Access denied.' }],
      },
    });
    const failed = await cli(['mirror', '--to', to, '--org', 'acme-agency', '--element', 'db', '--json']);
    // Every failure the same (forbidden): its exit code, 9.
    expect(failed.code).toBe(9);
    const r = report(failed.stdout);
    expect(status(r)).toEqual({
      'acme-events': 'downloaded',
      'acme-intranet': 'skipped',
      'acme-shop': 'failed',
    });
    expect(r.sites.find((s) => s.site === 'acme-shop')!.error).toMatchObject({
      code: 'forbidden',
      message: expect.stringContaining('Access denied'),
    });
    expect(r.totals).toMatchObject({ sites: 3, downloaded: 1, skipped: 1, failed: 1 });
    const text = await cli(['mirror', '--to', to, '--org', 'acme-agency', '--element', 'db']);
    expect(text.code).toBe(9);
    expect(text.stdout).toMatch(
      /^acme-shop\s+live\s+failed\s+0 bytes\s+\d+:\d\d\s+forbidden: Pantheon refused/m,
    );
    expect(text.stderr).toMatch(/^acme-shop: failed: Pantheon refused/m);

    sandbox.setFaults({});
    const rerun = await cli(['mirror', '--to', to, '--org', 'acme-agency', '--element', 'db', '--json']);
    expect(rerun.code).toBe(0);
    expect(status(report(rerun.stdout))).toEqual({
      'acme-events': 'up-to-date',
      'acme-intranet': 'skipped',
      'acme-shop': 'downloaded',
    });
  });

  it('two shards into one folder: every site once, the union the single run', async () => {
    const to = join(dir, 'sharded');
    const args = ['mirror', '--to', to, '--all', '--element', 'db', '--json'];
    const [a, b] = await Promise.all([cli([...args, '--shard', '1/2']), cli([...args, '--shard', '2/2'])]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const shards = [report(a.stdout), report(b.stdout)];
    expect(shards.map((s) => s.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    const names = shards.flatMap((s) => s.sites.map((x) => x.site));
    expect(new Set(names).size).toBe(names.length);
    const single = await cli(['mirror', '--to', join(dir, 'single'), '--all', '--element', 'db', '--json']);
    expect(single.code).toBe(0);
    expect(names.sort()).toEqual(report(single.stdout).sites.map((s) => s.site));
    expect((await readdir(to)).filter((n) => !n.startsWith('.')).sort()).toEqual(
      (await readdir(join(dir, 'single'))).filter((n) => !n.startsWith('.')).sort(),
    );
  });

  it('--demo mirrors through every demo account, a site both see once', async () => {
    const r = await runMain(
      ['--demo', 'mirror', '--to', join(dir, 'demo'), 'globex', '--element', 'db', '--json'],
      {
        env: { LIFEBOAT_DATA_DIR: join(dir, '.data') },
      },
    );
    expect(r.code).toBe(0);
    const sites = report(r.stdout).sites;
    expect(sites.map((s) => [s.site, s.account])).toEqual([
      ['globex-careers', 'dana@example.com'],
      ['globex-docs', 'dana@example.com'],
      ['globex-www', 'dana@example.com'],
    ]);
  });

  it('exits with the failures’ own code when they share one, else 1; 130 when cancelled', () => {
    const row = (code?: string) =>
      ({
        status: code ? 'failed' : 'downloaded',
        ...(code ? { error: { code, message: 'x' } } : {}),
      }) as never;
    const of = (...codes: (string | undefined)[]) => ({ sites: codes.map(row) }) as unknown as MirrorReport;
    expect(mirrorExitCode(of(undefined, undefined), false)).toBe(0);
    expect(mirrorExitCode(of(undefined, 'network', 'server'), false)).toBe(5);
    expect(mirrorExitCode(of('integrity'), false)).toBe(6);
    expect(mirrorExitCode(of('integrity', 'forbidden'), false)).toBe(1);
    expect(mirrorExitCode(of(undefined), true)).toBe(130);
  });

  it('says in its help that it is not a journaled job: a rerun resumes it', async () => {
    const help = await runMain(['mirror', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/not\s+a\s+job\s+of\s+the\s+journal/);
    expect(help.stdout).toMatch(/resumed\s+by\s+running\s+it\s+again/);
  });
});

describe('lifeboat mirror verify', () => {
  it('reports every set ok, and a damaged archive as damaged with exit 6', async () => {
    const to = join(dir, 'mirror');
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db,code'])).code).toBe(0);
    const ok = await runMain(['mirror', 'verify', to, '--json']);
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 0, stderr: '' });
    const v = JSON.parse(ok.stdout) as MirrorVerifyReport;
    expect(jsonProblems(v, docOf('mirror verify'))).toEqual([]);
    expect(v.totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
    const text = await runMain(['mirror', 'verify', to]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^SET\s+STATUS\s+ARCHIVES\s+PROBLEM$/m);
    expect(text.stdout).toMatch(/^acme-blog\/live\/\S+\s+ok\s+2$/m);
    // Progress in a log names only the sets that are not ok.
    expect(text.stderr).toBe('');

    const set = v.sets[0]!;
    const archive = (await readdir(set.path)).find((n) => n.endsWith('.sql.gz'))!;
    await flipByte(join(set.path, archive));
    const bad = await runMain(['mirror', 'verify', to, '--json']);
    expect(bad.code).toBe(6);
    const damaged = JSON.parse(bad.stdout) as MirrorVerifyReport;
    expect(damaged.totals).toEqual({ ok: 0, damaged: 1, incomplete: 0 });
    expect(damaged.sets[0]!.archives.find((a) => a.filename === archive)!.status).not.toBe('ok');
    const badText = await runMain(['mirror', 'verify', to]);
    expect(badText.code).toBe(6);
    expect(badText.stdout).toMatch(new RegExp(`damaged\\s+2\\s+${archive.replace(/\./g, '\\.')}: `));
    expect(badText.stderr).toMatch(/^acme-blog\/live\/\S+: damaged$/m);
  });

  it('a folder that is not a mirror is refused', async () => {
    const r = await runMain(['mirror', 'verify', dir]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/mirror/i);
  });
});

async function fetchJson(argv: string[]): Promise<unknown[]> {
  const r = await cli(argv);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as unknown[];
}
