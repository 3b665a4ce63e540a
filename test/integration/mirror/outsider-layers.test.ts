// An outside tester's attacks on the layers above the per-environment mirror engine (issue 11): the command line
// (`lifeboat mirror`, `mirror verify`, `pull --from-mirror`), the run over many sites, the app's `mirror.*`
// contract and the OS scheduler entry it writes. Each test is a promise of the issue, the README or the help, as
// a real user and a hostile world meet it. Real sandbox on 127.0.0.1 (rich and strict), real files, real CLI.
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Job, MirrorProfile, MirrorReport } from '@shared/models';
import { schemas } from '@shared/api/schemas';
import { createApi } from '../../../electron/api';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { LifeboatError } from '../../../electron/services/errors';
import { mirrorArgv, schedulerEntry, windowsArg } from '../../../electron/services/mirror/scheduler';
import type { AppApi } from '../../../shared/api/contract';
import { runMain, type MainOptions } from '../../helpers/cli';
import { keychainUnavailable, testService } from '../../helpers/keychain';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { until } from '../../helpers/until';

let sandbox: Sandbox;
let api: string[];
let token: string;
let dir: string;

beforeAll(async () => {
  sandbox = await testSandbox();
  api = ['--api-url', sandbox.apiUrl];
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterEach(() => sandbox.setFaults({}));
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-outsider-layers-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** The CLI as Dana with her token in the environment (as a scheduler gives it), a data folder of this test's. */
const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain([...api, ...argv], {
    ...options,
    env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: join(dir, '.data'), ...options.env },
  });

/** The report of a `--json` run, or null when stdout holds none (the run stopped before it had one). */
const reportOf = (stdout: string): MirrorReport | null => {
  try {
    const v = JSON.parse(stdout) as MirrorReport;
    return Array.isArray(v.sites) ? v : null;
  } catch {
    return null;
  }
};
const statusOf = (r: MirrorReport | null) =>
  r ? Object.fromEntries(r.sites.map((s) => [s.site, s.status])) : null;

/** Every regular file under `root` (links not followed) whose bytes contain one of `needles`, with the needle. */
async function filesHolding(root: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const text = (await readFile(p)).toString('latin1');
        for (const n of needles) if (text.includes(n)) found.push(`${p}: ${n.slice(0, 12)}…`);
      }
    }
  };
  await walk(root);
  return found;
}

/** What no file, message or report may hold: machine tokens, session tokens and signed-URL query strings. */
function secrets(): string[] {
  const sessions = new Set(
    sandbox.requests
      .map((r) => /^Bearer (.+)$/.exec(r.authorization ?? '')?.[1])
      .filter((s): s is string => !!s),
  );
  return [
    ...sandbox.accounts.map((a) => a.machineToken),
    ...sessions,
    'Signature=',
    'X-Goog-Signature',
    'GoogleAccessId',
    'Expires=',
  ];
}

describe('a mistyped command line', () => {
  it('--env lvie, an environment none of the selected sites has, is not a successful run that mirrored nothing', async () => {
    const to = join(dir, 'm');
    const r = await cli(['mirror', '--to', to, 'acme-blog', '--env', 'lvie', '--element', 'db']);
    // A nightly job with this typo must not go green for ever with nothing mirrored.
    expect({ code: r.code === 0 ? 0 : 'non-zero' }).toEqual({ code: 'non-zero' });
    expect(r.stdout + r.stderr).toMatch(/lvie/);
  });

  it('--to a file, or a folder of somebody else’s, is refused once, before any site is asked about', async () => {
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'my notes');
    const photos = join(dir, 'photos');
    await mkdir(photos);
    await writeFile(join(photos, 'cat.jpg'), 'a cat');
    for (const to of [file, photos]) {
      const before = sandbox.requests.length;
      const r = await cli(['mirror', '--to', to, '--org', 'acme-agency', '--element', 'db', '--json']);
      const asked = sandbox.requests.slice(before).filter((q) => q.path.includes('/environments'));
      // One error for the command (the folder is wrong for every site), not a failed row per site after
      // listing each site's environments: "Everything is checked before connecting" (mirror.ts).
      expect({ to, asked: asked.length, report: reportOf(r.stdout) !== null }).toEqual({
        to,
        asked: 0,
        report: false,
      });
      expect(r.code).toBe(7);
      expect(r.stdout + r.stderr).toContain(to);
    }
    expect(await readFile(file, 'utf8')).toBe('my notes');
    expect(await readdir(photos)).toEqual(['cat.jpg']);
  });

  it('other typos are usage errors (exit 2) before anything connects or is written', async () => {
    const to = join(dir, 'm');
    const cases: [string[], RegExp][] = [
      [['--keep-days', '1.5x'], /--keep-days must be a whole number/],
      [['--keep-days', '0'], /--keep-days must be a whole number of at least 1/],
      [['--keep=-1'], /--keep must be a whole number/],
      [['--shard', '1/2/3'], /--shard takes I\/N/],
      [['--shard', '2/1'], /--shard 2\/1: there is one shard, 1\/1; 2 is not one of them/],
      [['--element', 'cod'], /Unknown element "cod"/],
      [['--concurrency', '0'], /--concurrency must be a whole number of at least 1/],
    ];
    const before = sandbox.requests.length;
    for (const [extra, message] of cases) {
      const r = await cli(['mirror', '--to', to, 'acme-blog', ...extra]);
      expect({ extra, code: r.code }).toEqual({ extra, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect(sandbox.requests.slice(before).filter((q) => q.path.includes('/environments'))).toEqual([]);
    expect(await readdir(dir)).not.toContain('m');
  });

  it('mirror verify of a site folder, an environment folder, a file or nothing says what it is and changes nothing', async () => {
    const to = join(dir, 'm');
    expect((await cli(['mirror', '--to', to, 'acme-blog', '--element', 'db'])).code).toBe(0);
    const before = await readdir(join(to, 'acme-blog', 'live'), { recursive: true });
    for (const [path, code] of [
      [join(to, 'acme-blog'), 2],
      [join(to, 'acme-blog', 'live'), 2],
      [join(to, '.lifeboat-mirror'), 4],
      [join(dir, 'nothing-here'), 4],
    ] as const) {
      const r = await runMain(['mirror', 'verify', path]);
      expect({ path, code: r.code }).toEqual({ path, code });
      expect(r.stderr).toContain(path);
    }
    expect(await readdir(join(to, 'acme-blog', 'live'), { recursive: true })).toEqual(before);
  });
});

describe('shards', () => {
  it('machines with different selections still split by site id: no site in two shards, none lost', async () => {
    const args = (machine: string) => ['mirror', '--to', join(dir, machine), '--element', 'db', '--json'];
    // Machine A mirrors shard 1 of "acme", machine B shard 2 of everything; C shard 1 of everything.
    const [a, b, c] = await Promise.all([
      cli([...args('a'), 'acme', '--shard', '1/2']),
      cli([...args('b'), '--all', '--shard', '2/2']),
      cli([...args('c'), '--all', '--shard', '1/2']),
    ]);
    const [ra, rb, rc] = [reportOf(a.stdout)!, reportOf(b.stdout)!, reportOf(c.stdout)!];
    expect([a.code, b.code, c.code]).toEqual([0, 0, 0]);
    const names = (r: MirrorReport) => r.sites.map((s) => s.site);
    expect(names(ra).filter((n) => names(rb).includes(n))).toEqual([]);
    expect(names(ra).every((n) => names(rc).includes(n))).toBe(true);
    const whole = await cli(['sites', '--json']);
    const every = (JSON.parse(whole.stdout) as { name: string }[]).map((s) => s.name).sort();
    expect([...names(rb), ...names(rc)].sort()).toEqual(every);
    // A shard of a one-site selection that takes nothing is not an error, and says so.
    const one = ['mirror', '--to', join(dir, 'one'), 'acme-blog', '--element', 'db'];
    const outs = await Promise.all([cli([...one, '--shard', '1/2']), cli([...one, '--shard', '2/2'])]);
    expect(outs.map((o) => o.code)).toEqual([0, 0]);
    expect(outs.filter((o) => /nothing to do here/.test(o.stdout))).toHaveLength(1);
  });
});

describe('a hostile world', () => {
  it('strict mode (Pantheon’s lean shapes): every site is mirrored, skipped with a note, or failed with a code; a catalog answering 404 fails only that environment', async () => {
    const strict = await testSandbox({ mode: 'strict' });
    try {
      const strictToken = strict.accounts.find((a) => a.email === DANA)!.machineToken;
      const r0 = await runMain(['--api-url', strict.apiUrl, 'sites', 'acme-shop', '--json'], {
        env: { TERMINUS_MACHINE_TOKEN: strictToken, LIFEBOAT_DATA_DIR: join(dir, '.data') },
      });
      const shopId = (JSON.parse(r0.stdout) as { id: string }[])[0]!.id;
      strict.setFaults({
        api: {
          script: [
            {
              path: `sites/${shopId}/environments/test/backups/catalog`,
              status: 404,
              times: 100,
              body: '"Not found."',
            },
          ],
        },
      });
      const before = strict.requests.length;
      const envs = ['live', 'test', 'dev', 'feature-x'];
      const r = await runMain(
        [
          ...['--api-url', strict.apiUrl, 'mirror', '--to', join(dir, 'strict'), '--all'],
          ...['--env', envs.join(','), '--element', 'db', '--json'],
        ],
        { env: { TERMINUS_MACHINE_TOKEN: strictToken, LIFEBOAT_DATA_DIR: join(dir, '.data') } },
      );
      const report = reportOf(r.stdout)!;
      expect(report).not.toBeNull();
      // Only acme-shop failed: its exit code is the failure's own (not found: 4).
      expect(report.sites.filter((s) => s.status === 'failed').map((s) => s.site)).toEqual(['acme-shop']);
      expect(r.code).toBe(4);
      const shop = report.sites.find((s) => s.site === 'acme-shop')!;
      expect(Object.fromEntries(shop.envs.map((e) => [e.env, e.status]))).toEqual({
        live: 'downloaded',
        test: 'failed',
        dev: 'downloaded',
        'feature-x': 'skipped',
      });
      expect(shop.error!.code).toBe('not-found');
      for (const s of report.sites)
        for (const e of s.envs) {
          if (e.status === 'skipped') expect(e.note).toMatch(new RegExp(`${s.site}`));
          if (e.status === 'failed') expect(e.error?.message).toBeTruthy();
        }
      expect(report.sites.find((s) => s.site === 'acme-intranet')!.status).toBe('skipped');
      // Bounded calls per site: a listing (plus a site read and two settings reads strict mode may need), a
      // catalog per environment (a 404 is not retried) and a link per archive.
      for (const s of report.sites) {
        const mine = strict.requests.slice(before).filter((q) => q.path.startsWith(`/api/sites/${s.siteId}`));
        expect({ site: s.site, n: mine.length <= 1 + 1 + 2 + envs.length * 2 }).toEqual({
          site: s.site,
          n: true,
        });
      }
    } finally {
      await strict.close();
    }
  });

  it('a short 429 storm with Retry-After: the run waits it out and every site completes', async () => {
    sandbox.setFaults({ api: { script: [{ path: 'sites/', status: 429, times: 4, retryAfterSeconds: 1 }] } });
    const before = sandbox.requests.length;
    const r = await cli([
      'mirror',
      '--to',
      join(dir, 'm'),
      '--org',
      'acme-agency',
      '--element',
      'db',
      '--json',
    ]);
    expect(sandbox.requests.slice(before).filter((q) => q.status === 429)).toHaveLength(4);
    expect({ code: r.code, sites: statusOf(reportOf(r.stdout)) }).toEqual({
      code: 0,
      sites: { 'acme-events': 'downloaded', 'acme-intranet': 'skipped', 'acme-shop': 'downloaded' },
    });
  });

  it('connections cut on every request about one site: that site fails as a network error, the others complete', async () => {
    const ids = JSON.parse((await cli(['sites', 'acme', '--json'])).stdout) as { id: string; name: string }[];
    const events = ids.find((s) => s.name === 'acme-events')!;
    sandbox.setFaults({
      api: {
        script: [{ path: `sites/${events.id}/environments/live`, status: 0, hangUp: true, times: 1000 }],
      },
    });
    const r = await cli([
      'mirror',
      '--to',
      join(dir, 'm'),
      '--org',
      'acme-agency',
      '--element',
      'db',
      '--json',
    ]);
    const report = reportOf(r.stdout)!;
    expect(statusOf(report)).toEqual({
      'acme-events': 'failed',
      'acme-intranet': 'skipped',
      'acme-shop': 'downloaded',
    });
    expect(report.sites.find((s) => s.site === 'acme-events')!.error!.code).toBe('network');
    expect(r.code).toBe(5);
  }, 60_000);
});

describe('secrets never reach files, reports or messages', () => {
  it('a CLI run interrupted mid-download, then finished: nothing under the mirror or the data folder holds a token, a session or a signed URL', async () => {
    const to = join(dir, 'm');
    const data = join(dir, '.data');
    sandbox.setFaults({ store: { throttleBytesPerSecond: 40_000 } });
    const ac = new AbortController();
    const partSeen = until(
      'a .part file',
      async () =>
        (await readdir(to, { recursive: true }).catch(() => [] as string[])).some((n) =>
          n.endsWith('.part.json'),
        ),
      30_000,
      20,
    ).then(() => ac.abort());
    const cut = await cli(['mirror', '--to', to, 'acme-blog', 'acme-shop', '--element', 'db,code'], {
      signal: ac.signal,
    });
    await partSeen;
    expect(cut.code).toBe(130);
    // The needles include the sessions the run used (so the search below can find one).
    expect(secrets().length).toBeGreaterThan(sandbox.accounts.length + 4);
    const leftovers = (await readdir(to, { recursive: true })).filter(
      (n) => n.endsWith('.part.json') || n.endsWith('partial.json'),
    );
    expect(leftovers.length).toBeGreaterThan(0);
    expect(await filesHolding(to, secrets())).toEqual([]);
    expect(await filesHolding(data, secrets())).toEqual([]);
    for (const s of secrets()) expect(cut.stdout + cut.stderr).not.toContain(s);

    sandbox.setFaults({});
    const done = await cli([
      'mirror',
      '--to',
      to,
      'acme-blog',
      'acme-shop',
      '--element',
      'db,code',
      '--json',
    ]);
    expect(done.code).toBe(0);
    expect(await filesHolding(to, secrets())).toEqual([]);
    expect(await filesHolding(data, secrets())).toEqual([]);
    for (const s of secrets()) expect(done.stdout + done.stderr).not.toContain(s);
  });
});

/** The engine and contract the app builds, with Dana's and Fran's accounts saved (in a memory keychain). */
async function app(work: string): Promise<{ engine: Engine; api: AppApi }> {
  const engine = createEngine({
    dataDir: join(work, 'data'),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: fastTransfer(),
    scheduler: {
      platform: 'linux',
      home: join(work, 'home'),
      run: async (argv) => ({ argv, ok: true, output: '' }),
    },
  });
  engines.push(engine);
  const contract = createApi(engine);
  for (const who of [DANA, FRAN]) {
    const added = await contract.accounts.add({
      machineToken: sandbox.accounts.find((a) => a.email === who)!.machineToken,
      apiUrl: sandbox.apiUrl,
    });
    if (!added.ok) throw new Error(added.error.message);
  }
  return { engine, api: contract };
}
let engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines) {
    e.dispose();
    e.jobs.cancelAll();
    await e.jobs.flush();
    e.jobs.close();
  }
  engines = [];
});

const profileOf = (root: string, over: Partial<MirrorProfile> = {}): MirrorProfile => ({
  selection: { queries: [], sites: ['acme-blog', 'acme-shop', 'fran-bakery'] },
  root,
  envs: ['live'],
  elements: ['database'],
  concurrency: 2,
  everyHours: null,
  ...over,
});

describe('the app’s mirror', () => {
  it('two mirror.run at once on one folder: the second is refused or waits, never a run beside the first whose sites fail as busy', async () => {
    const { engine, api: contract } = await app(dir);
    const p = profileOf(join(dir, 'mirror'));
    // Slow downloads, so the first run is still writing when the second starts (a double click on Run now).
    sandbox.setFaults({ store: { throttleBytesPerSecond: 60_000 } });
    // Both asked at once: either may be the one that starts (which reaches the folder's lock first is the
    // scheduler's choice), but at least one starts and a refused one is a conflict.
    const both = await Promise.all([contract.mirror.run(p), contract.mirror.run(p)]);
    const started = both.filter((r) => r.ok);
    expect(started.length).toBeGreaterThanOrEqual(1);
    const jobs: Job[] = [];
    for (const r of both) {
      if (r.ok) jobs.push(await engine.jobs.wait(r.value.id));
      else
        expect({ code: r.error.code, message: r.error.message }).toEqual({
          code: 'conflict',
          message: expect.stringMatching(/is already running/),
        });
    }
    const failed = jobs.flatMap((j) =>
      (j.mirror?.report?.sites ?? [])
        .filter((s) => s.status === 'failed')
        .map((s) => `${s.site}: ${s.error?.message}`),
    );
    expect(failed).toEqual([]);
  });

  it('a hand-picked site that no longer exists does not stop the others (Run now)', async () => {
    const { engine, api: contract } = await app(dir);
    const p = profileOf(join(dir, 'mirror'), {
      selection: { queries: [], sites: ['acme-blog', 'fran-bakery', 'acme-retired-client'] },
    });
    const started = await contract.mirror.run(p);
    // Refusing the whole run would stop every other site's mirror the day a client's site is deleted.
    expect(started.ok ? 'started' : started.error.message).toBe('started');
    if (!started.ok) return;
    const job = await engine.jobs.wait(started.value.id);
    const rows = Object.fromEntries(job.mirror!.report!.sites.map((s) => [s.site, s.status]));
    expect(rows).toMatchObject({ 'acme-blog': 'downloaded', 'fran-bakery': 'downloaded' });
  });

  it('the scheduled command of such a profile (run while the app is closed) still mirrors the sites that exist, and exits non-zero', async () => {
    const p = profileOf(join(dir, 'mirror'), {
      selection: { queries: [], sites: ['acme-blog', 'acme-shop', 'acme-retired-client'] },
    });
    const r = await cli([...mirrorArgv(p), '--json']);
    expect(r.code).not.toBe(0);
    expect(statusOf(reportOf(r.stdout))).toMatchObject({
      'acme-blog': 'downloaded',
      'acme-shop': 'downloaded',
    });
  });

  it('a profile of 5000 hand-picked sites (the most the app accepts) makes a Windows task that can start, or is refused saying why', async () => {
    const sites = Array.from({ length: 5000 }, (_, i) => `client-site-${String(i).padStart(4, '0')}`);
    const p = schemas.mirrorProfile.parse(
      profileOf('C:\\Backups\\Pantheon', { selection: { queries: [], sites } }),
    );
    const cliCommand = {
      program: 'C:\\Program Files\\nodejs\\node.exe',
      args: ['C:\\Program Files\\Lifeboat\\resources\\cli.js'],
      env: {},
    };
    let entry;
    try {
      entry = await schedulerEntry(p, { platform: 'win32', dataDir: join(dir, 'data'), cli: cliCommand });
    } catch (e) {
      // Refused with a message that says what to do is a kept promise too.
      expect(e).toBeInstanceOf(LifeboatError);
      expect((e as LifeboatError).code).toBe('invalid-request');
      return;
    }
    const xml = entry.files[0]!.content;
    const args = /<Arguments>([^<]*)<\/Arguments>/
      .exec(xml)![1]!
      .replace(/&quot;/g, '"')
      .replace(/&amp;/g, '&');
    // CreateProcess takes a command line of at most 32,767 characters: a longer task never starts.
    expect(windowsArg(cliCommand.program).length + 1 + args.length).toBeLessThanOrEqual(32_767);
  });

  it('mirror.run and an installed scheduler entry leave no token, session or signed URL in the data folder or the entry', async () => {
    const { engine, api: contract } = await app(dir);
    const p = profileOf(join(dir, 'mirror'), { everyHours: 6 });
    const started = await contract.mirror.run(p);
    if (!started.ok) throw new Error(started.error.message);
    const job = await engine.jobs.wait(started.value.id);
    expect(job.state).toBe('succeeded');
    const installed = await contract.mirror.scheduleInstall(p);
    if (!installed.ok) throw new Error(installed.error.message);
    expect(await filesHolding(join(dir, 'data'), secrets())).toEqual([]);
    expect(await filesHolding(join(dir, 'home'), secrets())).toEqual([]);
    expect(await filesHolding(join(dir, 'mirror'), secrets())).toEqual([]);
    expect(JSON.stringify(job)).not.toMatch(/Signature=|Expires=/);
  });
});

describe('restoring from the mirror', () => {
  /** acme-blog.live's database mirrored into `dir/mirror`; its environment folder. */
  async function mirrored(): Promise<{ root: string; envDir: string }> {
    const root = join(dir, 'mirror');
    const r = await cli(['mirror', '--to', root, 'acme-blog', '--element', 'db']);
    expect(r.code).toBe(0);
    return { root, envDir: join(root, 'acme-blog', 'live') };
  }
  const offline = { TERMINUS_MACHINE_TOKEN: '' };

  it('a restore into the mirror’s own folder is refused, and the mirror is left as it was', async () => {
    const { root, envDir } = await mirrored();
    const before = (await readdir(root, { recursive: true })).sort();
    for (const to of [root, envDir]) {
      const r = await cli(['pull', '--from-mirror', envDir, '--to', to, '--element', 'db'], { env: offline });
      expect({ to, code: r.code === 0 ? 0 : 'refused' }).toEqual({ to, code: 'refused' });
    }
    expect((await readdir(root, { recursive: true })).sort()).toEqual(before);
    const verify = await runMain(['mirror', 'verify', root]);
    expect(verify.code).toBe(0);
  });

  it('a copy restored from the mirror (Pantheon down) is updated with lifeboat copies update once Pantheon is back', async () => {
    const { envDir } = await mirrored();
    const target = join(dir, 'sites');
    await mkdir(target);
    const restored = await cli(
      ['pull', '--from-mirror', envDir, '--to', target, '--element', 'db', '--json'],
      {
        env: offline,
      },
    );
    expect(restored.code).toBe(0);
    const copy = join(target, 'acme-blog-live');
    const oldFolder = (JSON.parse(restored.stdout) as { record: { backup: { folder: string } } }).record
      .backup.folder;
    // Pantheon is back and has a newer backup.
    expect((await cli(['backups', 'create', 'acme-blog.live', '--element', 'database'])).code).toBe(0);
    const updated = await cli(['copies', 'update', copy, '--json']);
    expect({
      code: updated.code,
      stderr: updated.stderr.split('\n').filter((l) => l.startsWith('lifeboat:')),
    }).toEqual({
      code: 0,
      stderr: [],
    });
    const record = JSON.parse(updated.stdout) as { record: { backup: { folder: string } } };
    expect(record.record.backup.folder).not.toBe(oldFolder);
    expect((await lstat(copy)).isDirectory()).toBe(true);
  });
});

describe('several saved accounts (real Secret Service)', () => {
  let reason: string | null = null;
  beforeAll(async () => {
    reason = await keychainUnavailable();
  });

  it('an account whose token is refused: its sites are not silently dropped from a run that exits 0', async (ctx) => {
    if (reason) return ctx.skip(`real Secret Service unavailable: ${reason}`);
    const service = testService('outsider-layers');
    const env = {
      TERMINUS_MACHINE_TOKEN: '',
      LIFEBOAT_KEYCHAIN_SERVICE: service,
      LIFEBOAT_DATA_DIR: join(dir, '.data'),
    };
    try {
      for (const who of [DANA, FRAN]) {
        const t = sandbox.accounts.find((a) => a.email === who)!.machineToken;
        const login = await runMain([...api, 'auth', 'login'], { env, input: `${t}\n` });
        expect({ who, code: login.code, err: login.code ? login.stderr : '' }).toEqual({
          who,
          code: 0,
          err: '',
        });
      }
      // Dana's token is revoked: her next login is refused.
      sandbox.expireSessions();
      sandbox.setFaults({
        api: {
          script: [
            { path: 'authorize/machine-token', status: 401, times: 1, body: '"Authorization failed"' },
          ],
        },
      });
      const r = await runMain(
        [...api, 'mirror', '--to', join(dir, 'm'), '--all', '--element', 'db', '--json'],
        {
          env,
        },
      );
      const report = reportOf(r.stdout);
      // Dana's sites (acme-blog among them) were asked for with --all: a green run without them hides the loss.
      const mirroredAcme =
        report?.sites.some((s) => s.site === 'acme-blog' && s.status !== 'failed') ?? false;
      expect({ mirroredAcme, code: r.code === 0 ? 0 : 'non-zero' }).toEqual({
        mirroredAcme: false,
        code: 'non-zero',
      });
    } finally {
      for (const who of [DANA, FRAN]) await runMain(['auth', 'logout', who], { env });
    }
  });
});
