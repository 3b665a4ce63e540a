// The engine in a process of its own, as the browser host and the desktop app run it: real child processes
// (Node's fork; Electron's utilityProcess carries the same protocol through the same client), the real engine,
// the built-in demo sandbox inside the engine process.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Job } from '@shared/models';
import { forkEngine } from '../../../electron/host/engine-channel';
import { startEngineClient, type EngineClient } from '../../../electron/host/engine-client';
import { until } from '../../helpers/until';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRY = join(ROOT, 'electron', 'host', 'engine-process.ts');
const PARENT = join(import.meta.dirname, 'fixtures', 'engine-parent.ts');

type Event = { [K in AppEventName]: { name: K; payload: AppEvents[K] } }[AppEventName];

interface Shell {
  readonly client: EngineClient;
  readonly events: Event[];
  readonly native: { picks: (() => void)[]; shown: string[]; notes: string[]; answer: string | null };
  readonly logs: string[];
  /** Resolves with the first jobs.updated payload for `id` that satisfies `test`. */
  job(id: string, test: (job: Job) => boolean): Promise<Job>;
}

let dir: string;
const shells: EngineClient[] = [];
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-engine-process-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(shells.splice(0).map((c) => c.stop()));
  await rm(dir, { recursive: true, force: true });
});

/** A shell over an engine process on `dir`'s data folder, with a native side the test controls. */
function shell(options: { workflowStepMs?: number; native?: boolean } = {}): Shell {
  const events: Event[] = [];
  const logs: string[] = [];
  const native: Shell['native'] = { picks: [], shown: [], notes: [], answer: '/picked/folder' };
  const client = startEngineClient({
    dataDir: join(dir, 'data'),
    workflowStepMs: options.workflowStepMs ?? 50,
    pollMs: 20,
    minPollMs: 10,
    start: (args) => forkEngine(ENTRY, args, { execArgv: ['--import', 'tsx'] }),
    emit: (name, payload) => void events.push({ name, payload } as Event),
    log: (line) => void logs.push(line),
    stopTimeoutMs: 20_000,
    ...(options.native === false
      ? {}
      : {
          native: {
            // A folder dialog stays open until the test lets it answer.
            pickFolder: () =>
              new Promise<string | null>((resolve) => native.picks.push(() => resolve(native.answer))),
            showInFolder: (path: string) => void native.shown.push(path),
            notify: (title: string) => void native.notes.push(title),
          },
        }),
  });
  shells.push(client);
  const job = (id: string, test: (job: Job) => boolean): Promise<Job> =>
    until(
      `a jobs.updated event for ${id}`,
      async () =>
        events.find(
          (e): e is Extract<Event, { name: 'jobs.updated' }> =>
            e.name === 'jobs.updated' && e.payload.job.id === id && test(e.payload.job),
        )?.payload.job,
      30_000,
      20,
    );
  return { client, events, native, logs, job };
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Signs in to the demo sandbox in the engine and starts a backup whose workflow runs for as long as it may. */
async function runningBackup(s: Shell): Promise<Job> {
  const demo = await s.client.api.accounts.startDemo();
  if (!demo.ok) throw new Error(demo.error.message);
  const started = await s.client.api.backups.create({
    accountId: demo.value[0]!.id,
    site: 'acme-blog',
    env: 'live',
    elements: ['database'],
    keepForDays: 1,
  });
  if (!started.ok) throw new Error(started.error.message);
  return s.job(started.value.id, (j) => j.state === 'running');
}

describe('the engine in its own process', () => {
  it('answers contract calls from another process, sends events, and asks the shell for native dialogs', async () => {
    const s = shell();
    const info = await s.client.api.system.info();
    expect(info).toMatchObject({ ok: true, value: { dataDir: join(dir, 'data'), native: true } });
    const pid = s.client.pid();
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    // A request the engine refuses comes back as the api's own Result.
    expect(await s.client.api.accounts.remove({ accountId: '' })).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });

    const demo = await s.client.api.accounts.startDemo();
    expect(demo.ok).toBe(true);
    await until('accounts.changed', async () => s.events.some((e) => e.name === 'accounts.changed'), 10_000);

    // The engine asks, the shell's dialog answers, the call resolves with the answer.
    const picked = s.client.api.system.pickFolder();
    await until('the folder dialog', async () => s.native.picks.length === 1, 10_000);
    s.native.picks[0]!();
    expect(await picked).toEqual({ ok: true, value: '/picked/folder' });
    expect(await s.client.api.system.showInFolder({ path: dir })).toEqual({ ok: true, value: null });
    expect(s.native.shown).toEqual([dir]);
  });

  it('has no native side where its shell has none (the browser host)', async () => {
    const s = shell({ native: false });
    expect(await s.client.api.system.info()).toMatchObject({ ok: true, value: { native: false } });
    expect(await s.client.api.system.pickFolder()).toMatchObject({
      ok: false,
      error: { code: 'invalid-request' },
    });
  });

  it('cancels a running job across the boundary', async () => {
    const s = shell({ workflowStepMs: 600_000 });
    const job = await runningBackup(s);
    const cancelled = await s.client.api.jobs.cancel({ jobId: job.id });
    expect(cancelled).toMatchObject({ ok: true });
    const ended = await s.job(job.id, (j) => j.state !== 'running' && j.state !== 'queued');
    expect(ended.state).toBe('cancelled');
  });

  it('stop() cancels the jobs, writes the journal and ends the process', async () => {
    const s = shell({ workflowStepMs: 600_000 });
    const job = await runningBackup(s);
    const pid = s.client.pid()!;
    await s.client.stop();
    expect(alive(pid)).toBe(false);
    // The journal on disk says cancelled (not running, and not interrupted, which shows as failed).
    const files = await readdir(join(dir, 'data', 'jobs'));
    const file = files.find((f) => f.startsWith(job.id))!;
    const rec = JSON.parse(await readFile(join(dir, 'data', 'jobs', file), 'utf8')) as { job: Job };
    expect(rec.job.state).toBe('cancelled');
    // Calls after stop are answered, not left waiting.
    expect(await s.client.api.jobs.list()).toMatchObject({ ok: false, error: { code: 'cancelled' } });
  });

  it('answers calls waiting on an engine that dies with a clear error, starts it again, and reports its jobs', async () => {
    const s = shell({ workflowStepMs: 600_000 });
    const job = await runningBackup(s);
    const pid = s.client.pid()!;
    // A call the engine is in the middle of: its folder dialog is open in the shell.
    const waiting = s.client.api.system.pickFolder();
    await until('the folder dialog', async () => s.native.picks.length === 1, 10_000);
    process.kill(pid, 'SIGKILL');
    const answer = await waiting;
    expect(answer).toMatchObject({ ok: false, error: { code: 'internal', retryable: true } });
    expect(!answer.ok && answer.error.message).toMatch(/engine stopped unexpectedly.*can be retried/s);
    expect(s.logs.join('\n')).toMatch(/stopped unexpectedly \(SIGKILL\)/);

    // The UI hears that the job was interrupted, as the journal now shows it.
    const interrupted = await s.job(job.id, (j) => j.state === 'failed');
    expect(interrupted.error).toMatchObject({ code: 'cancelled', retryable: true });
    expect(interrupted.error!.message).toMatch(/Interrupted/);

    // The next calls go to a new engine process, and the job can be retried there.
    expect(await s.client.api.system.info()).toMatchObject({ ok: true });
    expect(s.client.pid()).not.toBe(pid);
    expect(alive(s.client.pid()!)).toBe(true);
    const retried = await s.client.api.jobs.retry({ jobId: job.id });
    expect(retried).toMatchObject({ ok: true, value: { id: job.id } });
    await s.job(job.id, (j) => j.state === 'running' && j.createdAt === job.createdAt);
  });

  it('answers with the error, and does not restart in a loop, when the engine cannot start', async () => {
    let starts = 0;
    const logs: string[] = [];
    const client = startEngineClient({
      dataDir: join(dir, 'data'),
      // Without --data-dir the engine refuses to start (exit status 2), before it is ready.
      start: () => (starts++, forkEngine(ENTRY, [], { execArgv: ['--import', 'tsx'] })),
      emit: () => undefined,
      log: (line) => void logs.push(line),
    });
    shells.push(client);
    await until('the first start to fail', async () => logs.length === 1, 10_000);
    expect(logs[0]).toMatch(/stopped unexpectedly \(exit code 2\).*starts again for the next call/);
    expect(await client.api.jobs.list()).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(await client.api.jobs.list()).toMatchObject({ ok: false, error: { code: 'internal' } });
    // The first start, then one per call: none of its own after a failed start.
    expect(starts).toBe(3);
    expect(logs).toHaveLength(3);
  });

  it('stops by itself, cancelling its jobs, when its shell is SIGKILLed', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, join(dir, 'data')], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(parent);
    let err = '';
    parent.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const { enginePid, jobId } = await new Promise<{ enginePid: number; jobId: string }>(
      (resolve, reject) => {
        let out = '';
        parent.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const line = out.split('\n').find((l) => l.startsWith('{'));
          if (line) resolve(JSON.parse(line) as { enginePid: number; jobId: string });
        });
        parent.once('exit', (code) => reject(new Error(`the shell exited ${code}: ${err}`)));
      },
    );
    expect(alive(enginePid)).toBe(true);
    parent.kill('SIGKILL');
    await until('the orphaned engine to exit', async () => !alive(enginePid), 30_000);
    // It wrote the journal on its way out: the job is cancelled, not left "running".
    const s = shell();
    const jobs = await s.client.api.jobs.list();
    expect(jobs.ok && jobs.value.find((j) => j.id === jobId)).toMatchObject({ state: 'cancelled' });
  });
});
