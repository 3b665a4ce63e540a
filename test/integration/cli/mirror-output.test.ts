/**
 * What `lifeboat mirror`, `mirror verify` and `pull --from-mirror` say to the person running them, as a new user
 * met it: --verify, progress on a terminal and in a log, the report kept for the app, Ctrl-C, what changed, the
 * verification's table and advice, the flags a wrapper passes, and the small mistakes a command line makes.
 */
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MirrorReport, MirrorVerifyReport } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { latestMirrorReport } from '../../../electron/services/mirror/reports';
import { flipByte } from '../../helpers/mirror';
import { runMain, type MainOptions } from '../../helpers/cli';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let api: string[];
let token: string;
let dir: string;

/** The CLI as Dana (her token in the environment), with a data folder of this test's own. */
const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain([...api, ...argv], {
    ...options,
    env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: join(dir, '.data'), ...options.env },
  });

beforeAll(async () => {
  sandbox = await testSandbox();
  api = ['--api-url', sandbox.apiUrl];
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-mirror-out-'));
  return () => rm(dir, { recursive: true, force: true });
});

const report = (stdout: string) => JSON.parse(stdout) as MirrorReport;
const verifyReport = (stdout: string) => JSON.parse(stdout) as MirrorVerifyReport;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** What a terminal shows last on each line: a redrawn line's final state, the escape sequences gone. */
const screen = (stderr: string) =>
  stderr
    .split('\n')
    .map((l) => l.split('\r').at(-1)!.replaceAll('\x1b[2K', ''))
    .join('\n');

describe('lifeboat mirror --verify', () => {
  it('re-reads the newest set and downloads a damaged archive again; mirror verify then finds it ok', async () => {
    const to = join(dir, 'm');
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'])).code).toBe(0);
    const set = verifyReport((await runMain(['mirror', 'verify', to, '--json'])).stdout).sets[0]!;
    const archive = (await readdir(set.path)).find((n) => n.endsWith('.sql.gz'))!;
    await flipByte(join(set.path, archive));
    // Without --verify a rerun checks sizes only: the damage stays.
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'])).code).toBe(0);
    expect((await runMain(['mirror', 'verify', to])).code).toBe(6);

    const r = await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db', '--verify', '--json']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
    const row = report(r.stdout).sites[0]!;
    expect(row.status).toBe('downloaded');
    expect(row.bytes).toBeGreaterThan(0);
    expect(row.envs[0]!.note).toMatch(/damaged .*downloaded again/);
    const after = await runMain(['mirror', 'verify', to, '--json']);
    expect(after.code).toBe(0);
    expect(verifyReport(after.stdout).totals).toEqual({ ok: 1, damaged: 0, incomplete: 0 });
  });
});

describe('lifeboat mirror progress', () => {
  it('on a terminal: one redrawn status line (done of total, bytes, running sites), end lines above it', async () => {
    const to = join(dir, 'm');
    const r = await cli(['mirror', '--to', to, 'acme-blog', 'acme-shop', '--element', 'db'], {
      stderrColumns: 120,
    });
    expect(r.code).toBe(0);
    // Redrawn in place, never a line per start.
    expect(r.stderr).not.toContain('mirroring…');
    // eslint-disable-next-line no-control-regex
    expect(r.stderr).toMatch(/\r\x1b\[2K\[0 of 2\] [\d.]+ (bytes|kB|MB)(, [\d.]+ \S+\/s)? · running: acme-/);
    const shown = screen(r.stderr);
    expect(shown).toMatch(/^acme-blog: downloaded, [\d.]+ \S+ in \d+:\d\d$/m);
    expect(shown).toMatch(/^acme-shop: downloaded, [\d.]+ \S+ in \d+:\d\d$/m);
    expect(r.stderr).toMatch(/\[1 of 2\] /);
    // The status line is cleared at the end: the report stands alone.
    expect(r.stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('in a log (no terminal), with --shard: start and end lines, numbered of the shard’s own count', async () => {
    const to = join(dir, 'm');
    const r = await cli(['mirror', '--to', to, '--all', '--element', 'db', '--shard', '1/2']);
    expect(r.code).toBe(0);
    const count = Number(/^(\d+) sites? \(shard 1\/2\)/m.exec(r.stdout)![1]);
    expect(count).toBeGreaterThan(1);
    const starts = r.stderr.split('\n').filter((l) => l.endsWith(': mirroring…'));
    expect(starts.length).toBeGreaterThan(0);
    starts.forEach((l, i) => expect(l).toMatch(new RegExp(`^\\[${i + 1} of ${count} in shard 1/2\\] `)));
    expect(r.stderr).not.toContain('\x1b[');
  });
});

describe('lifeboat mirror keeps its report for the app', () => {
  it('saves the report where the app reads the last run, not a demo’s, and runs on when it cannot', async () => {
    const to = join(dir, 'm');
    const r = await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db', '--json']);
    expect(r.code).toBe(0);
    const saved = await latestMirrorReport(join(dir, '.data'));
    expect(saved?.source).toBe('cli');
    expect(saved?.report).toEqual(report(r.stdout));

    const demoData = join(dir, '.demo-data');
    const demo = await runMain(
      ['--demo', 'mirror', '--to', join(dir, 'demo'), 'globex-docs', '--element', 'db', '--json'],
      { env: { LIFEBOAT_DATA_DIR: demoData } },
    );
    expect(demo.code).toBe(0);
    expect(await latestMirrorReport(demoData)).toBeNull();

    // A data folder that cannot be written (a file in its place): the run and its report are unaffected.
    const file = join(dir, 'not-a-folder');
    await writeFile(file, 'x');
    const unwritable = await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'], {
      env: { LIFEBOAT_DATA_DIR: file },
    });
    expect(unwritable.code).toBe(0);
    expect(unwritable.stderr).not.toMatch(/lifeboat: /);
    expect(unwritable.stdout).toMatch(/^acme-blog\s+live\s+up-to-date\s/m);
  });
});

describe('lifeboat mirror interrupted', () => {
  it('Ctrl-C: the sites not started are counted apart, not as failures, and the way to resume is said', async () => {
    const to = join(dir, 'm');
    const ac = new AbortController();
    // Ctrl-C as soon as the first site has listed its environments: the others have not started.
    const log = sandbox.requests;
    log.push = function (...entries) {
      if (entries.some((e) => e.path.endsWith('/environments'))) ac.abort();
      return Array.prototype.push.apply(this, entries);
    };
    let r;
    try {
      r = await cli(['mirror', '--to', to, 'acme', '--element', 'db', '--concurrency', '1'], {
        signal: ac.signal,
      });
    } finally {
      delete (log as { push?: unknown }).push;
    }
    expect(r.code).toBe(130);
    const summary = /^5 sites: .*$/m.exec(r.stdout)![0];
    expect(summary).toContain(' 0 failed');
    const notStarted = Number(/(\d+) not started \(interrupted\)/.exec(summary)![1]);
    expect(notStarted).toBeGreaterThanOrEqual(2);
    // Counted, not listed: the table has the others only.
    const rows = r.stdout.split('\n\n')[0]!.split('\n').slice(1);
    expect(rows.length).toBe(5 - notStarted);
    expect(r.stdout).not.toContain('Cancelled before it started');
    expect(r.stderr).not.toContain('Cancelled before it started');
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Interrupted: run the same command again to resume.');
  });
});

describe('lifeboat mirror says what changed', () => {
  it('a backup made first (--fresh-within) and older sets removed by retention', async () => {
    const to = join(dir, 'm');
    const first = await cli(['mirror', '--to', to, 'acme-events', '--element', 'db', '--json']);
    expect(first.code).toBe(0);
    const old = report(first.stdout).sites[0]!.envs[0]!.path!;
    const r = await cli([
      'mirror',
      '--to',
      to,
      'acme-events',
      '--element',
      'db',
      '--fresh-within',
      '1s',
      '--keep',
      '1',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(
      'Made a new backup of acme-events.live first (its newest was older than --fresh-within).',
    );
    const name = old.slice(to.length + 1);
    expect(r.stdout).toMatch(new RegExp(`^Removed older sets: ${escape(name)} \\(1\\)\\.$`, 'm'));
  });

  it('skipped rows show no size, and a closing line names the failed sites', async () => {
    const to = join(dir, 'm');
    const sites = JSON.parse((await cli(['sites', 'acme-shop', '--json'])).stdout) as { id: string }[];
    sandbox.setFaults({
      api: {
        script: [
          { path: `sites/${sites[0]!.id}/environments`, status: 403, times: 100, body: 'Access denied.' },
        ],
      },
    });
    const r = await cli(['mirror', '--to', to, '--org', 'acme-agency', '--element', 'db']);
    expect(r.code).toBe(9);
    expect(r.stdout).toMatch(/^acme-intranet\s+live\s+skipped\s+—\s+\d+:\d\d$/m);
    expect(r.stdout).toMatch(/^acme-events\s+live\s+downloaded\s+[\d.]+ \S+\s+\d+:\d\d$/m);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('Failed: acme-shop');
  });
});

describe('lifeboat mirror verify output', () => {
  it('lists problem sets first, says an archive’s problem once, logs only what is wrong, and says what to do', async () => {
    const to = join(dir, 'm');
    expect((await cli(['mirror', '--to', to, 'acme-blog', 'acme-shop', '--element', 'db'])).code).toBe(0);
    const v = verifyReport((await runMain(['mirror', 'verify', to, '--json'])).stdout);
    const shop = v.sets.find((s) => s.site === 'acme-shop')!;
    const archive = (await readdir(shop.path)).find((n) => n.endsWith('.sql.gz'))!;
    await flipByte(join(shop.path, archive));

    const r = await runMain(['mirror', 'verify', to]);
    expect(r.code).toBe(6);
    const lines = r.stdout.split('\n');
    expect(lines[1]).toMatch(/^acme-shop\/live\/\S+\s+damaged\s+1\s+/);
    expect(lines[2]).toMatch(/^acme-blog\/live\/\S+\s+ok\s+1$/);
    expect(lines[1]!.split(archive).length - 1).toBe(1);
    // stderr: the damaged set only, not every good one.
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^acme-shop\/live\/\S+: damaged$/)]);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(
      `Run lifeboat mirror --to ${to} --site acme-shop --verify to download damaged archives of the newest ` +
        'sets again (older sets may no longer be on Pantheon).',
    );

    // On a terminal: a count redrawn in place.
    const tty = await runMain(['mirror', 'verify', to], { stderrColumns: 100 });
    expect(tty.stderr).toContain('\r\x1b[2KChecked 2 sets: 1 ok, 1 damaged, 0 incomplete');
  });

  it('a file given for the folder is said to be a file', async () => {
    const file = join(dir, 'passwd');
    await writeFile(file, 'root:x:0:0::/root:/bin/sh\n');
    const r = await runMain(['mirror', 'verify', file]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${file} is a file, not a mirror's folder`);
    expect(r.stderr).not.toContain('There is no folder');
  });
});

describe('flags a wrapper passes to every command', () => {
  it('mirror verify and copies list accept the account flags (and ignore them)', async () => {
    const to = join(dir, 'm');
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'])).code).toBe(0);
    const wrapper = [
      '--api-url',
      'http://127.0.0.1:9/api/',
      '--machine-token',
      'not-a-token',
      '--demo',
      '--account',
      'someone@example.com',
    ];
    const v = await runMain([...wrapper, 'mirror', 'verify', to, '--json']);
    expect({ code: v.code, stderr: v.stderr }).toEqual({ code: 0, stderr: '' });
    expect(verifyReport(v.stdout).totals.ok).toBe(1);
    const copies = await runMain([...wrapper, 'copies', 'list', '--json'], {
      env: { LIFEBOAT_DATA_DIR: join(dir, '.data') },
    });
    expect({ code: copies.code, stderr: copies.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(copies.stdout)).toEqual([]);
    const help = await runMain(['mirror', 'verify', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      'Also accepted and ignored here, for wrappers that pass them to every command: --api-url, --machine-token, --demo, --account.',
    );
  });
});

describe('small things', () => {
  it('says what was meant: mirror verfy, --site SITE.ENV, --shard past N; all before connecting', async () => {
    const before = sandbox.requests.length;
    const verfy = await cli(['mirror', 'verfy', join(dir, 'm')]);
    expect(verfy.code).toBe(2);
    expect(verfy.stderr).toContain(`Did you mean: lifeboat mirror verify ${join(dir, 'm')}?`);
    const site = await cli(['mirror', '--to', join(dir, 'm'), '--site', 'acme-blog.live']);
    expect(site.code).toBe(2);
    expect(site.stderr).toContain('did you mean --site acme-blog --env live?');
    const shard = await cli(['mirror', '--to', join(dir, 'm'), '--all', '--shard', '4/3']);
    expect(shard.code).toBe(2);
    expect(shard.stderr).toContain('--shard 4/3: the 3 shards are 1/3, 2/3, 3/3; 4 is not one of them.');
    expect(sandbox.requests.length).toBe(before);
  });

  it('help: mirror names mirror verify and pull --from-mirror; pull’s SITE.ENV is said whole, wrapped', async () => {
    const mirror = (await runMain(['mirror', '--help'])).stdout;
    expect(mirror).toMatch(/lifeboat\s+mirror\s+verify\s+DIR/);
    expect(mirror).toMatch(/lifeboat\s+pull\s+--from-mirror/);
    expect(mirror).toMatch(/--verify\s+re-read the newest set/);
    const pull = (await runMain(['pull', '--help'])).stdout;
    const args = pull.slice(pull.indexOf('Arguments:'), pull.indexOf('Flags:'));
    expect(args.replace(/\s+/g, ' ')).toContain(
      'SITE.ENV (optional) the site and environment (acme-blog.live): needed except with --from-mirror, whose set names it (given there, it must be the set’s)',
    );
    for (const line of args.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
  });

  it('pull --from-mirror’s progress reads from the mirror, it does not download', async () => {
    const to = join(dir, 'm');
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'])).code).toBe(0);
    const target = join(dir, 'target');
    const r = await runMain(
      ['pull', '--from-mirror', join(to, 'acme-blog', 'live'), '--to', target, '--element', 'db'],
      {
        env: { LIFEBOAT_DATA_DIR: join(dir, '.data') },
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^Reading from the mirror\s.*100%/m);
    expect(r.stderr).not.toContain('Downloading');
  });
});
