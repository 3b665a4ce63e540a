// The mirror through the contract (issue 11 §2), as the app's Mirror screen reaches it: every request validated
// with a message that says what to fix (a sentence, no field name), the preview's sites being the run's and the
// folder checked by the run's own rule, the run as a job with its report kept on the job (also for another process
// reading the journal) and in the data folder beside the CLI's, the newest kept report whoever ran it, the job's
// bytes (a total learnt as it goes, the time left only once it is whole), the saved profile, the OS scheduler entry
// previewed then installed exactly (refused for the demo's sites, whose command has --demo), and the timer while
// the app runs. Real sandbox on 127.0.0.1, real files.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api';
import type { Sandbox } from '../../../electron/sandbox';
import { createEngine, type Engine, type EngineOptions } from '../../../electron/services/engine';
import type { TickOutcome, TimerClock } from '../../../electron/services/jobs/mirror-timer';
import { MIRROR_MANIFEST, MirrorManifestSchema } from '../../../electron/services/mirror/layout';
import { saveMirrorReport } from '../../../electron/services/mirror/reports';
import { mirrorCommandLine } from '../../../electron/services/mirror/scheduler';
import type { AppApi } from '../../../shared/api/contract';
import type { Job, MirrorProfile, MirrorReport, MirrorSiteReport } from '../../../shared/models';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { until } from '../../helpers/until';

let sandbox: Sandbox;
let work: string;
let engines: Engine[];

beforeEach(async () => {
  sandbox = await testSandbox();
  work = await mkdtemp(join(tmpdir(), 'lifeboat-mirror-api-'));
  engines = [];
});
afterEach(async () => {
  for (const e of engines) {
    e.dispose();
    e.jobs.cancelAll();
    await e.jobs.flush();
    e.jobs.close();
  }
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
});

/** The engine and contract the app builds, with Dana's and Fran's accounts saved (in a memory keychain). */
async function app(options: Partial<EngineOptions> = {}): Promise<{ engine: Engine; api: AppApi }> {
  const engine = createEngine({
    dataDir: join(work, 'data'),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: fastTransfer(),
    scheduler: { platform: 'linux', home: join(work, 'home') },
    ...options,
  });
  engines.push(engine);
  const api = createApi(engine);
  for (const who of [DANA, FRAN]) {
    const added = await api.accounts.add({
      machineToken: sandbox.accounts.find((a) => a.email === who)!.machineToken,
      apiUrl: sandbox.apiUrl,
    });
    if (!added.ok) throw new Error(added.error.message);
  }
  return { engine, api };
}

const profile = (over: Partial<MirrorProfile> = {}): MirrorProfile => ({
  selection: { queries: [], sites: ['acme-blog', 'fran-bakery'] },
  root: join(work, 'mirror'),
  envs: ['live'],
  elements: ['database'],
  concurrency: 2,
  everyHours: null,
  ...over,
});

const refused = async (answer: Promise<{ ok: boolean }>): Promise<string> => {
  const r = (await answer) as { ok: false; error: { code: string; message: string } };
  expect(r.ok).toBe(false);
  expect(r.error.code).toBe('invalid-request');
  return r.error.message;
};

describe('mirror requests are validated, each with a message that says what to fix', () => {
  it('refuses a relative folder, a concurrency out of 1..16, a bad environment, keep 0, and an empty selection', async () => {
    const { api } = await app();
    // Each said as a sentence a person reads on the Mirror screen: no field name ("root: ...") before it.
    expect(await refused(api.mirror.preview({ ...profile(), root: 'mirror' }))).toBe(
      'The mirror’s folder is an absolute path, such as /home/you/Mirror.',
    );
    expect(await refused(api.mirror.preview({ ...profile(), root: '  ' }))).toBe(
      'Choose a folder for the mirror.',
    );
    expect(await refused(api.mirror.run({ ...profile(), concurrency: 17 }))).toBe(
      'Work on at most 16 sites at a time.',
    );
    expect(await refused(api.mirror.run({ ...profile(), concurrency: 0 }))).toBe(
      'Work on at least 1 site at a time.',
    );
    // Not a number at all (what a number field can send): a sentence too, not zod's "expected number".
    expect(await refused(api.mirror.preview({ ...profile(), concurrency: Number.NaN }))).toBe(
      'Sites at once is a whole number.',
    );
    expect(await refused(api.mirror.preview({ ...profile(), keep: Number.POSITIVE_INFINITY }))).toBe(
      'Keep a whole number of backup sets.',
    );
    expect(await refused(api.mirror.saveProfile({ ...profile(), envs: ['Live!'] }))).toMatch(
      /^An environment id is lowercase/,
    );
    expect(await refused(api.mirror.saveProfile({ ...profile(), envs: [] }))).toBe(
      'Choose at least one environment (e.g. live).',
    );
    expect(await refused(api.mirror.schedulePreview({ ...profile(), keep: 0 }))).toBe(
      'Keep at least 1 backup set per environment.',
    );
    expect(await refused(api.mirror.preview({ ...profile(), elements: [] }))).toBe(
      'Choose at least one of code, database and files.',
    );
    expect(
      await refused(api.mirror.run({ ...profile(), selection: { queries: [], sites: [], org: '  ' } })),
    ).toMatch(/^Say which sites to mirror/);
    expect(
      await refused(
        api.mirror.preview({ ...profile(), selection: { queries: [], sites: ['x'.repeat(201)] } }),
      ),
    ).toBe('A site picked by hand is named in at most 200 characters.');
    expect(await refused(api.mirror.scheduleInstall({ ...profile(), everyHours: 0 }))).toBe(
      'Run at most every hour.',
    );
    // Nothing was written by a refused request.
    expect(existsSync(join(work, 'home'))).toBe(false);
    expect(existsSync(join(work, 'mirror'))).toBe(false);
  });
});

describe('the mirror’s folder', () => {
  it('is never inside the app’s own data folder: run, save and the scheduler entry refuse it', async () => {
    const { engine, api } = await app();
    for (const root of [join(work, 'data'), join(work, 'data', 'mirror')]) {
      const p = profile({ root });
      for (const answer of [api.mirror.run(p), api.mirror.saveProfile(p), api.mirror.scheduleInstall(p)])
        expect(await refused(answer)).toBe(
          `${root} is inside Lifeboat's own data folder (${join(work, 'data')}). Choose a folder outside it for the mirror.`,
        );
    }
    expect((await engine.jobs.list()).filter((j) => j.kind === 'mirror')).toEqual([]);
    expect(await api.mirror.profile()).toEqual({ ok: true, value: null });
    expect(existsSync(join(work, 'home'))).toBe(false);
  });

  it('is checked by the preview with the run’s own rule, without writing: a file, somebody else’s folder, the data folder', async () => {
    const { api } = await app();
    const problemOf = async (root: string): Promise<string | null> => {
      const r = await api.mirror.preview(profile({ root }));
      if (!r.ok) throw new Error(r.error.message);
      return r.value.rootProblem;
    };
    const file = join(work, 'a-file');
    await writeFile(file, 'x');
    expect(await problemOf(file)).toBe(`${file} is a file, not a folder to mirror into.`);
    // What the run says of it, word for word.
    const run = await api.mirror.run(profile({ root: file }));
    expect(run.ok ? null : run.error.message).toBe(await problemOf(file));
    const foreign = join(work, 'foreign');
    await mkdir(foreign);
    await writeFile(join(foreign, 'notes.txt'), 'mine');
    expect(await problemOf(foreign)).toMatch(/^.* is not empty and is not a Lifeboat mirror/);
    expect(await problemOf(join(work, 'data', 'mirror'))).toMatch(/is inside Lifeboat's own data folder/);
    // A folder still to be made, or an empty one: no problem, and nothing made by asking.
    expect(await problemOf(join(work, 'new', 'mirror'))).toBeNull();
    expect(existsSync(join(work, 'new'))).toBe(false);
    await mkdir(join(work, 'empty'));
    expect(await problemOf(join(work, 'empty'))).toBeNull();
    expect(await readdir(join(work, 'empty'))).toEqual([]);
  });
});

describe('mirror.preview and mirror.run', () => {
  it('previews the sites the run then mirrors, through their accounts, and keeps the report on the job', async () => {
    const { engine, api } = await app();
    const p = profile();
    const preview = await api.mirror.preview(p);
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview.value.sites).toEqual([
      { name: 'acme-blog', id: expect.any(String), account: DANA },
      { name: 'fran-bakery', id: expect.any(String), account: FRAN },
    ]);
    expect(preview.value.total).toBe(2);
    expect(preview.value.accounts).toBe(2);
    expect(preview.value.command).toBe(mirrorCommandLine(p));
    expect(preview.value.freeBytes).toBeGreaterThan(0);

    const started = await api.mirror.run(p);
    if (!started.ok) throw new Error(started.error.message);
    expect(started.value.kind).toBe('mirror');
    expect(started.value.title).toBe(`Mirror acme-blog and fran-bakery (live; database) into ${p.root}`);
    const job = await engine.jobs.wait(started.value.id);
    expect(job.state).toBe('succeeded');
    expect(job.outputPath).toBe(p.root);
    const kept = job.mirror!;
    expect(kept.sitesDone).toBe(2);
    expect(kept.sitesTotal).toBe(2);
    expect(kept.omitted).toBe(0);
    expect(kept.report!.sites.map((s) => [s.site, s.account, s.status])).toEqual([
      ['acme-blog', DANA, 'downloaded'],
      ['fran-bakery', FRAN, 'downloaded'],
    ]);
    // The whole report is a file in the data folder too, kept as the CLI keeps its own: the app's.
    expect(JSON.parse(await readFile(kept.file!, 'utf8'))).toEqual({ source: 'app', report: kept.report });
    expect(await api.mirror.lastReport()).toEqual({
      ok: true,
      value: {
        report: kept.report,
        source: 'app',
        finishedAt: kept.report!.finishedAt,
        omitted: 0,
        file: kept.file,
      },
    });
    // Each site's set is complete on disk, with its manifest.
    for (const site of ['acme-blog', 'fran-bakery']) {
      const sets = await readdir(join(p.root, site, 'live'));
      expect(sets).toHaveLength(1);
      const manifest = MirrorManifestSchema.parse(
        JSON.parse(await readFile(join(p.root, site, 'live', sets[0]!, MIRROR_MANIFEST), 'utf8')),
      );
      expect(manifest.complete).toBe(true);
      expect(manifest.site.name).toBe(site);
    }

    // Another Lifeboat process on the same data folder (a reloaded window's engine) reads the report back.
    const other = createEngine({ dataDir: join(work, 'data'), secrets: new MemorySecrets() });
    engines.push(other);
    const listed = (await other.jobs.list()).find((j) => j.id === job.id)!;
    expect(listed.mirror).toEqual(kept);
  });

  it('a rerun with nothing new reports every site up to date', async () => {
    const { engine, api } = await app();
    const first = await api.mirror.run(profile());
    if (!first.ok) throw new Error(first.error.message);
    await engine.jobs.wait(first.value.id);
    const again = await api.mirror.run(profile());
    if (!again.ok) throw new Error(again.error.message);
    const job = await engine.jobs.wait(again.value.id);
    expect(job.mirror!.report!.sites.map((s) => s.status)).toEqual(['up-to-date', 'up-to-date']);
    expect(job.mirror!.report!.totals.bytes).toBe(0);
  });

  it('refuses a selection that takes no site, before any job, and names an unknown site with the closest', async () => {
    const { engine, api } = await app();
    const none = await api.mirror.run(profile({ selection: { queries: ['no-such-thing'], sites: [] } }));
    expect(none.ok ? null : none.error.code).toBe('not-found');
    const typo = await api.mirror.preview(profile({ selection: { queries: [], sites: ['acme-blgo'] } }));
    expect(typo.ok ? null : typo.error.message).toMatch(/acme-blog/);
    expect((await engine.jobs.list()).filter((j) => j.kind === 'mirror')).toEqual([]);
  });
});

/** A report as a run writes it, of these rows. */
function reportOf(rows: MirrorSiteReport[], at = new Date()): MirrorReport {
  const count = (st: MirrorSiteReport['status']) => rows.filter((r) => r.status === st).length;
  return {
    root: '/srv/mirror',
    startedAt: at.toISOString(),
    finishedAt: at.toISOString(),
    shard: null,
    sites: rows,
    totals: {
      sites: rows.length,
      downloaded: count('downloaded'),
      upToDate: count('up-to-date'),
      skipped: count('skipped'),
      failed: count('failed'),
      bytes: 0,
    },
  };
}
const siteRow = (site: string, status: MirrorSiteReport['status'] = 'up-to-date'): MirrorSiteReport => ({
  site,
  siteId: `id-${site}`,
  account: DANA,
  status,
  bytes: 0,
  durationMs: 10,
  envs: [],
  ...(status === 'failed' ? { error: { code: 'server', message: 'Pantheon answered 500.' } } : {}),
});

describe('mirror.lastReport: the newest run, the app’s or the CLI’s', () => {
  it('is null before any run, then the newest kept report with who ran it, its rows bounded as a job’s', async () => {
    const { engine, api } = await app();
    expect(await api.mirror.lastReport()).toEqual({ ok: true, value: null });
    const started = await api.mirror.run(profile());
    if (!started.ok) throw new Error(started.error.message);
    const job = await engine.jobs.wait(started.value.id);
    const mine = await api.mirror.lastReport();
    expect(mine.ok && mine.value?.source).toBe('app');
    expect(mine.ok && mine.value?.report).toEqual(job.mirror!.report);

    // `lifeboat mirror` from cron an hour later, of 250 sites with one failed: the newest, said to be the CLI's.
    const rows = Array.from({ length: 250 }, (_, i) => siteRow(`site-${String(i).padStart(3, '0')}`));
    rows[240] = siteRow('site-240', 'failed');
    const later = new Date(Date.now() + 3_600_000);
    const file = await saveMirrorReport(join(work, 'data'), reportOf(rows, later), 'cli');
    const cli = await api.mirror.lastReport();
    if (!cli.ok || !cli.value) throw new Error('no report');
    expect(cli.value.source).toBe('cli');
    expect(cli.value.finishedAt).toBe(later.toISOString());
    expect(cli.value.file).toBe(file);
    // The failed site first, then the others, up to the bound; the totals count them all.
    expect(cli.value.report.sites).toHaveLength(200);
    expect(cli.value.report.sites[0]!.site).toBe('site-240');
    expect(cli.value.omitted).toBe(50);
    expect(cli.value.report.totals.sites).toBe(250);
  });
});

describe('a mirror job’s bytes', () => {
  it('has a total of at least the sizes known so far, and a time left only once every site is sized', async () => {
    const { engine, api } = await app();
    // Four sites, one download at a time, slowly: the last ones are not started, so not sized, while the first
    // downloads (and, if the run works on a second one meanwhile, that one waits its turn, sized already).
    sandbox.setFaults({ store: { throttleBytesPerSecond: 16_000 } });
    const p = profile({
      selection: { queries: [], sites: ['acme-blog', 'fran-bakery', 'globex-docs', 'globex-www'] },
      concurrency: 1,
    });
    const started = await api.mirror.run(p);
    if (!started.ok) throw new Error(started.error.message);
    const id = started.value.id;
    const early = await until(
      'the sites started all sized, others still to start, at a known speed',
      async () => {
        const j = await engine.jobs.get(id);
        const parts = j.progress.parts;
        const sized = parts.length > 0 && parts.every((x) => x.bytesTotal !== null);
        return j.mirror?.sitesDone === 0 && parts.length < 4 && sized && j.progress.bytesPerSecond ? j : null;
      },
      30_000,
      20,
    );
    // The sizes known (and no more): a lower bound of the whole, from which no time left is told.
    const known = early.progress.parts.reduce((n, x) => n + (x.bytesTotal ?? x.bytesDone), 0);
    expect(early.progress.bytesTotal).toBe(known);
    expect(early.progress.bytesDone).toBeLessThanOrEqual(known);
    expect(early.progress.etaSeconds).toBeNull();
    // Once the third has started and is sized, the total is whole: the time left is told.
    const late = await until(
      'every site sized',
      async () => {
        const j = await engine.jobs.get(id);
        return j.progress.etaSeconds !== null ? j : null;
      },
      60_000,
      20,
    );
    expect(late.mirror!.sitesDone).toBeGreaterThanOrEqual(1);
    expect(late.progress.bytesTotal).toBeGreaterThan(known);
    sandbox.setFaults({});
    expect((await engine.jobs.wait(id)).state).toBe('succeeded');
  });
});

describe('the demo’s sites', () => {
  it('have --demo in the terminal’s command, and get no OS scheduler entry (refused, saying why)', async () => {
    const engine = createEngine({
      dataDir: join(work, 'demo-data'),
      secrets: new MemorySecrets(),
      retry: FAST_RETRY,
      transfer: fastTransfer(),
      scheduler: { platform: 'linux', home: join(work, 'home') },
      demo: async () => ({
        apiUrl: sandbox.apiUrl,
        tokens: Object.fromEntries(
          [DANA, FRAN].map((who) => [who, sandbox.accounts.find((a) => a.email === who)!.machineToken]),
        ),
      }),
    });
    engines.push(engine);
    const api = createApi(engine);
    const demo = await api.accounts.startDemo();
    if (!demo.ok) throw new Error(demo.error.message);
    const p = profile();
    const preview = await api.mirror.preview(p);
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview.value.demoSites).toBe(2);
    expect(preview.value.command).toBe(mirrorCommandLine(p, { demo: true }));
    expect(preview.value.command).toMatch(/^lifeboat mirror --demo --to /);
    for (const answer of [api.mirror.schedulePreview(p), api.mirror.scheduleInstall(p)])
      expect(await refused(answer)).toMatch(
        /^2 of these sites are the demo’s: the demo is made up afresh each time, so your system’s scheduler does not mirror it\./,
      );
    expect(existsSync(join(work, 'home'))).toBe(false);
  });
});

describe('the saved profile', () => {
  it('is null before one is saved, then what was saved; a hand-damaged one reads as none', async () => {
    const { api } = await app();
    expect(await api.mirror.profile()).toEqual({ ok: true, value: null });
    const saved = await api.mirror.saveProfile(profile({ keep: 3, everyHours: 12 }));
    expect(saved.ok).toBe(true);
    expect(await api.mirror.profile()).toEqual({ ok: true, value: profile({ keep: 3, everyHours: 12 }) });
    const file = join(work, 'data', 'settings.json');
    const settings = JSON.parse(await readFile(file, 'utf8')) as { mirror: MirrorProfile };
    await writeFile(file, JSON.stringify({ ...settings, mirror: { ...settings.mirror, concurrency: 99 } }));
    expect(await api.mirror.profile()).toEqual({ ok: true, value: null });
  });
});

describe('the OS scheduler entry through the contract', () => {
  it('previews, installs exactly what it previewed (reporting a systemctl that cannot run), and removes it', async () => {
    const { api } = await app();
    const p = profile({ everyHours: 8 });
    const preview = await api.mirror.schedulePreview(p);
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview.value.installed).toBe(false);
    // The entry runs this checkout's CLI, with the app's (non-default) data folder.
    expect(preview.value.commandLine).toContain(`LIFEBOAT_DATA_DIR=${join(work, 'data')}`);
    expect(preview.value.commandLine).toMatch(/out\/main\/cli\.js mirror --to /);
    // Nothing is written by a preview.
    for (const f of preview.value.files) expect(existsSync(f.path)).toBe(false);

    const installed = await api.mirror.scheduleInstall(p);
    if (!installed.ok) throw new Error(installed.error.message);
    for (const f of preview.value.files) expect(await readFile(f.path, 'utf8')).toBe(f.content);
    // Here systemctl has no user bus (or is missing): said, not thrown. With a user session it would succeed.
    const last = installed.value.ran.at(-1)!;
    expect(installed.value.entry.installed).toBe(installed.value.ran.every((r) => r.ok));
    if (!last.ok) expect(last.output).not.toBe('');

    const removed = await api.mirror.scheduleRemove();
    if (!removed.ok) throw new Error(removed.error.message);
    expect([...removed.value.removed].sort()).toEqual(preview.value.files.map((f) => f.path).sort());
    for (const f of preview.value.files) expect(existsSync(f.path)).toBe(false);
  });
});

/** A clock the test moves by hand: timers fire, in order, when it is advanced past them. */
function manualClock(start = Date.now()) {
  let now = start;
  let next = 1;
  const pending = new Map<number, { at: number; fn: () => void }>();
  const clock: TimerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      pending.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout: (id) => void pending.delete(id as number),
  };
  return {
    clock,
    pending: () => pending.size,
    /** Moves the clock forward, firing each timer due (and those they set) with `after` awaited in between. */
    async advance(ms: number, after: () => Promise<unknown>): Promise<void> {
      const until = now + ms;
      for (;;) {
        const due = [...pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
        if (!due) break;
        pending.delete(due[0]);
        now = Math.max(now, due[1].at);
        due[1].fn();
        await after();
      }
      now = until;
    },
  };
}

describe('the timer while the app runs', () => {
  it('runs the saved profile every N hours, skips a tick while a mirror runs, and stops on dispose', async () => {
    const manual = manualClock();
    const { engine, api } = await app({ mirrorTimer: { clock: manual.clock } });
    const timer = engine.mirror.timer!;
    const outcomes: (TickOutcome | null)[] = [];
    const settle = async (): Promise<void> => void outcomes.push(await timer.settled());
    const mirrors = async (): Promise<Job[]> => (await engine.jobs.list()).filter((j) => j.kind === 'mirror');

    // No profile: no timer.
    await manual.advance(3 * 3_600_000, settle);
    expect(await mirrors()).toEqual([]);

    // Slow downloads, so the first run is still going when the next hour comes.
    sandbox.setFaults({ store: { throttleBytesPerSecond: 4_000 } });
    const saved = await api.mirror.saveProfile(profile({ everyHours: 1 }));
    expect(saved.ok).toBe(true);
    expect(timer.armed).toBe(true);
    await manual.advance(59 * 60_000, settle);
    expect(await mirrors()).toEqual([]);
    await manual.advance(60_000, settle);
    expect(outcomes.at(-1)).toBe('started');
    const first = await until('the first mirror job runs', async () => (await mirrors())[0], 10_000);

    // An hour later the first run is still going: that tick is skipped, not a second run beside it.
    await until(
      'the run to be under way',
      async () => (await engine.jobs.get(first.id)).state === 'running',
      10_000,
    );
    await manual.advance(3_600_000, settle);
    expect(outcomes.at(-1)).toBe('skipped');
    expect(await mirrors()).toHaveLength(1);

    sandbox.setFaults({});
    expect((await engine.jobs.wait(first.id)).state).toBe('succeeded');
    await manual.advance(3_600_000, settle);
    expect(outcomes.at(-1)).toBe('started');
    await until('the second mirror job', async () => (await mirrors()).length === 2, 10_000);

    // Stopped: no timer left, and nothing runs however long the clock goes on.
    engine.dispose();
    expect(timer.armed).toBe(false);
    expect(manual.pending()).toBe(0);
    await manual.advance(10 * 3_600_000, settle);
    expect(await mirrors()).toHaveLength(2);
  });

  it('no profile with everyHours, no timer; clearing everyHours disarms it', async () => {
    const manual = manualClock();
    const { engine, api } = await app({ mirrorTimer: { clock: manual.clock } });
    await api.mirror.saveProfile(profile({ everyHours: 2 }));
    expect(engine.mirror.timer!.armed).toBe(true);
    await api.mirror.saveProfile(profile({ everyHours: null }));
    expect(engine.mirror.timer!.armed).toBe(false);
    await manual.advance(5 * 3_600_000, async () => engine.mirror.timer!.settled());
    expect((await engine.jobs.list()).filter((j) => j.kind === 'mirror')).toEqual([]);
  });

  it('an engine without a timer (the CLI) never runs the profile', async () => {
    const { engine, api } = await app();
    await api.mirror.saveProfile(profile({ everyHours: 1 }));
    expect(engine.mirror.timer).toBeNull();
  });
});
