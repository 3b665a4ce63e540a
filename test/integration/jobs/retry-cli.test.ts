// `lifeboat jobs retry` and `jobs show` of jobs started without a saved account (a machine token, as CI runs
// them) and of restores on Pantheon, against the sandbox: the retry reaches the same account at the same API
// with the token given now, and a restore on Pantheon is described from its plan and asked for again.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupArchive, Job } from '../../../shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { writeRecord } from '../../../electron/services/jobs/journal';
import { accountIdOf } from '../../../electron/services/secrets/accounts';
import { runMain, type MainOptions } from '../../helpers/cli';
import { DANA, FRAN, testSandbox, wireLogin } from '../../helpers/sandbox';
import { queuedProgress } from '../../../electron/services/jobs/manager';

let sandbox: Sandbox;
let dir: string;
const tokenOf = (email: string): string => sandbox.accounts.find((a) => a.email === email)!.machineToken;

/** The CLI on this test's data folder; no token unless `env` gives one. */
const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain(argv, { ...options, env: { LIFEBOAT_DATA_DIR: join(dir, 'data'), ...options.env } });
const asDana = { TERMINUS_MACHINE_TOKEN: '' };

beforeAll(async () => {
  sandbox = await testSandbox();
  asDana.TERMINUS_MACHINE_TOKEN = tokenOf(DANA);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-retry-cli-'));
  await mkdir(join(dir, 'data', 'jobs'), { recursive: true });
  sandbox.setFaults({});
  return () => rm(dir, { recursive: true, force: true });
});

describe('jobs retry of a job started with a machine token (no saved account)', () => {
  it('runs with the token and --api-url given now, and without them says exactly what to pass', async () => {
    const to = join(dir, 'dl');
    // A download that fails (a damaged archive), started as CI starts it: the token in the environment.
    sandbox.setFaults({ store: { corrupt: true } });
    const first = await cli(
      ['--api-url', sandbox.apiUrl, 'download', 'acme-blog.live', '--element', 'db', '--to', to],
      { env: asDana },
    );
    expect(first.code).not.toBe(0);
    sandbox.setFaults({});
    const [job] = JSON.parse((await cli(['jobs', 'list', '--json'])).stdout) as Job[];
    expect(job).toMatchObject({ kind: 'download', state: 'failed' });
    const internalId = accountIdOf(sandbox.accounts.find((a) => a.email === DANA)!.userId, sandbox.apiUrl);

    const bare = await cli(['jobs', 'retry', job!.id]);
    expect(bare.code).toBe(3);
    expect(bare.stderr).toContain(
      'This job was started with a machine token, not a saved account: run it again with TERMINUS_MACHINE_TOKEN set',
    );
    expect(bare.stderr).toContain('--api-url');
    // And jobs show says so, in its retry line.
    const show = await cli(['jobs', 'show', job!.id]);
    expect(show.stdout).toMatch(/^Retry\s+lifeboat jobs retry \S+ .*TERMINUS_MACHINE_TOKEN/m);

    // The token, but not the API it ran at: refused before anything connects.
    const elsewhere = await cli(['jobs', 'retry', job!.id], { env: asDana });
    expect(elsewhere.code).toBe(2);
    // The plan records the API the download used, so the retry names it exactly.
    expect(elsewhere.stderr).toContain(`Run it again with --api-url ${sandbox.apiUrl}`);

    // Another account's token at that API.
    const fran = await cli(['--api-url', sandbox.apiUrl, 'jobs', 'retry', job!.id], {
      env: { TERMINUS_MACHINE_TOKEN: tokenOf(FRAN) },
    });
    expect(fran.code).toBe(3);
    expect(fran.stderr).toContain("started with another account's token");

    for (const r of [bare, elsewhere, fran]) {
      expect(r.stderr).not.toContain(internalId);
      expect(r.stderr).not.toContain('There is no account');
    }

    const retried = await cli(['--api-url', sandbox.apiUrl, 'jobs', 'retry', job!.id.slice(0, 8)], {
      env: asDana,
    });
    expect({ code: retried.code, stderr: retried.stderr }).toMatchObject({ code: 0 });
    expect(retried.stdout).toMatch(/succeeded/);
    expect((await readdir(to)).some((f) => f.endsWith('.sql.gz'))).toBe(true);
  });

  it('refuses a token at another API than the one the plan records, before it connects', async () => {
    const id = randomUUID();
    const dana = sandbox.accounts.find((a) => a.email === DANA)!;
    const now = new Date().toISOString();
    await writeRecord(join(dir, 'data', 'jobs'), {
      version: 2,
      job: {
        id,
        kind: 'download',
        title: 'Download the database archive of acme-blog.live',
        state: 'failed',
        progress: queuedProgress(),
        createdAt: now,
        finishedAt: now,
        error: { code: 'network', message: 'The line dropped.' },
      },
      plan: {
        accountId: accountIdOf(dana.userId, sandbox.apiUrl),
        apiUrl: sandbox.apiUrl,
        site: 'acme-blog',
        env: 'live',
        folder: 'latest',
        element: 'database',
        targetDir: join(dir, 'dl'),
      },
      owner: null,
      heartbeatAt: now,
    });
    const other = 'http://127.0.0.1:9/api/';
    const r = await cli(['--api-url', other, 'jobs', 'retry', id], { env: asDana });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`This job used the API at ${sandbox.apiUrl}`);
    expect(r.stderr).toContain(`--api-url ${sandbox.apiUrl}`);
  });
});

describe('jobs retry of a restore on Pantheon, started by a saved account', () => {
  // Dana's account saved as `auth login` saves it: the job's account id is that account's.
  beforeEach(async () => {
    const login = await cli(['--api-url', sandbox.apiUrl, 'auth', 'login'], { env: asDana });
    expect(login.code).toBe(0);
    return async () => void (await cli(['auth', 'logout', DANA]));
  });

  /** A failed restore of acme-blog.test's database on Pantheon, written as the app writes it, under a false title. */
  async function failedRestoreOnPantheon(): Promise<{ id: string; folder: string }> {
    const listed = await cli(
      ['--api-url', sandbox.apiUrl, 'backups', 'list', 'acme-blog.test', '--element', 'db', '--json'],
      { env: asDana },
    );
    const folder = (JSON.parse(listed.stdout) as BackupArchive[]).find((a) => a.finished)!.folder;
    const siteId = await (await wireLogin(sandbox)).siteId('acme-blog');
    const id = randomUUID();
    const now = new Date().toISOString();
    await writeRecord(join(dir, 'data', 'jobs'), {
      version: 2,
      job: {
        id,
        kind: 'pantheon-restore',
        // A title that says something else: what runs is the plan.
        title: 'Download the files archive of acme-blog.live',
        state: 'failed',
        progress: queuedProgress(),
        createdAt: now,
        finishedAt: now,
        error: { code: 'network', message: 'Pantheon did not answer.' },
      },
      plan: {
        accountId: accountIdOf(sandbox.accounts.find((a) => a.email === DANA)!.userId, sandbox.apiUrl),
        apiUrl: sandbox.apiUrl,
        siteId,
        env: 'test',
        folder,
        elements: ['database'],
        confirmSiteName: 'acme-blog',
      },
      owner: null,
      heartbeatAt: now,
    });
    return { id, folder };
  }
  const retry = (id: string, extra: string[], options: MainOptions = {}) =>
    cli(['jobs', 'retry', id, ...extra], options);

  it('describes it from its plan, asks for the site name on a terminal, needs --yes without one, and never redoes a success', async () => {
    const { id, folder } = await failedRestoreOnPantheon();
    const before = sandbox.restores.length;

    // A script: no terminal, no --yes.
    const script = await retry(id, []);
    expect(script.code).toBe(2);
    expect(script.stderr).toContain('Pass --yes');
    expect(script.stderr).toContain('Restore the database of acme-blog');
    expect(sandbox.restores.length).toBe(before);

    // What it does is shown from its plan, beside a title that says otherwise.
    const show = await cli(['jobs', 'show', id]);
    expect(show.stdout).toMatch(
      /^Does\s+Restore the database of acme-blog \(site [0-9a-f-]+\)\.test ON PANTHEON/m,
    );
    expect(show.stdout).toMatch(/^Title\s+Download the files archive of acme-blog\.live$/m);
    expect(show.stdout).toMatch(/^Note\s+The title does not say what the job does/m);
    const list = await cli(['jobs', 'list']);
    expect(list.stdout).toContain('(titled "Download the files archive of acme-blog.live")');

    // A person who types something else.
    const typo = await retry(id, [], { stdinTty: true, input: 'acme-blo\n' });
    expect(typo.code).toBe(130);
    expect(typo.stderr).toMatch(
      /This restores the database of acme-blog\.test ON PANTHEON from the backup of /,
    );
    expect(typo.stderr).toContain('Type the site name (acme-blog)');
    expect(typo.stderr).toContain('titled "Download the files archive of acme-blog.live"');
    expect(sandbox.restores.length).toBe(before);

    const typed = await retry(id, [], { stdinTty: true, input: 'acme-blog\n' });
    expect({ code: typed.code, stderr: typed.stderr }).toMatchObject({ code: 0 });
    expect(sandbox.restores.slice(before).map((r) => [r.element, r.folder])).toEqual([['database', folder]]);

    // It succeeded: not run again, with or without --yes.
    const again = await retry(id, ['--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('finished successfully');
    expect(sandbox.restores.length).toBe(before + 1);
  });

  it('runs with --yes in a script', async () => {
    const { id, folder } = await failedRestoreOnPantheon();
    const before = sandbox.restores.length;
    const r = await retry(id, ['--yes', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id, state: 'succeeded' });
    expect(sandbox.restores.slice(before).map((x) => [x.element, x.folder])).toEqual([['database', folder]]);
  });
});
