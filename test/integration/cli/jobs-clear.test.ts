// `lifeboat jobs clear [ID]` and the log `lifeboat jobs show` prints (issue 10 §3), over the journal the app shares,
// with real downloads from the sandbox.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { COMMANDS } from '../../../electron/cli/commands';
import { jsonProblems } from '../../../electron/cli/json-doc';
import { backupNameOfFolder } from '../../../shared/dates';
import { JobManager, type JobRunner } from '../../../electron/services/jobs/manager';
import { runMain } from '../../helpers/cli';
import { DANA, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let dir: string;
let token: string;

const data = (): string => join(dir, '.data');
const cli = (argv: readonly string[]) =>
  runMain(['--api-url', sandbox.apiUrl, ...argv], {
    env: { TERMINUS_MACHINE_TOKEN: token, LIFEBOAT_DATA_DIR: data() },
  });
const jobsOf = async () =>
  JSON.parse((await cli(['jobs', 'list', '--json'])).stdout) as {
    id: string;
    title: string;
    state: string;
  }[];

beforeAll(async () => {
  sandbox = await testSandbox();
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-cli-jobs-clear-'));
  return () => rm(dir, { recursive: true, force: true });
});

describe('lifeboat jobs', () => {
  it('show prints the log of the phases with their times, and a download names its backup by date', async () => {
    const archives = JSON.parse(
      (await cli(['backups', 'list', 'acme-blog.live', '--element', 'db', '--json'])).stdout,
    ) as { folder: string }[];
    const folder = archives[1]!.folder;
    const r = await cli(['download', 'acme-blog.live', '--element', 'db', '--backup', folder, '--to', dir]);
    expect(r.code).toBe(0);
    const [job] = await jobsOf();
    expect(job!.title).toBe(
      `Download the database archive of acme-blog.live from the ${backupNameOfFolder(folder)}`,
    );
    const show = await cli(['jobs', 'show', job!.id.slice(0, 8)]);
    const log = show.stdout
      .slice(show.stdout.indexOf('\nLog\n') + 5)
      .trimEnd()
      .split('\n');
    expect(show.stdout).toContain('\nLog\n');
    expect(log[0]).toMatch(/^ {2}\d\d:\d\d:\d\d {2}queued$/);
    expect(log[1]).toMatch(/^ {2}\d\d:\d\d:\d\d {2}started$/);
    expect(log).toContainEqual(
      expect.stringMatching(/^ {2}\d\d:\d\d:\d\d {2}downloading: Downloading \S+\.sql\.gz$/),
    );
    expect(log.at(-1)).toMatch(/^ {2}\d\d:\d\d:\d\d {2}succeeded$/);
    const json = JSON.parse((await cli(['jobs', 'show', job!.id, '--json'])).stdout) as {
      log: { at: string; phase: string; state?: string }[];
    };
    expect(json.log.map((l) => l.state ?? l.phase)).toEqual([
      'queued',
      'running',
      'downloading',
      'succeeded',
    ]);
  });

  it('clear takes one finished job, or every finished one, off the list; a running job stays', async () => {
    for (const to of ['a', 'b', 'c'])
      expect((await cli(['download', 'acme-blog.live', '--element', 'db', '--to', join(dir, to)])).code).toBe(
        0,
      );
    // A job another Lifeboat process is running on the same journal.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runner: JobRunner = async () => (await gate, {});
    const app = new JobManager({ dataDir: data(), runners: { restore: runner } });
    try {
      const running = await app.submit(
        'restore',
        'Restore acme-blog.live from the latest backup into /x',
        {},
      );
      await app.flush();
      const [c, b, a] = (await jobsOf()).filter((j) => j.id !== running.id);
      const one = await cli(['jobs', 'clear', a!.id.slice(0, 8)]);
      expect(one).toMatchObject({ code: 0, stdout: `Cleared job ${a!.id.slice(0, 8)}.\n` });
      expect((await jobsOf()).map((j) => j.id).sort()).toEqual([b!.id, c!.id, running.id].sort());
      const refused = await cli(['jobs', 'clear', running.id]);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain('That job is still running; cancel it first, then clear it.');
      const all = await cli(['jobs', 'clear', '--json']);
      expect(all.code).toBe(0);
      const out = JSON.parse(all.stdout) as { cleared: string[] };
      expect(jsonProblems(out, COMMANDS.find((x) => x.name === 'jobs clear')!.json![0]!)).toEqual([]);
      expect(out.cleared.sort()).toEqual([b!.id, c!.id].sort());
      expect((await jobsOf()).map((j) => j.id)).toEqual([running.id]);
      expect((await cli(['jobs', 'clear'])).stdout).toBe('No finished jobs to clear.\n');
      release();
      await app.wait(running.id);
    } finally {
      release();
      await app.flush();
      app.close();
    }
  });
});
