import { apiOverTransport, type ApiMethod, type AppApi } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Job } from '@shared/models';
import type { Result } from '@shared/result';
import type { NativeShell } from '../services/engine';
import { isRecord, type EngineProcess, type FromEngine, type ToEngine } from './engine-channel';
import { describeError } from './process-guard';

/** How a shell starts and talks to its engine process. */
export interface EngineClientOptions {
  readonly dataDir: string;
  readonly pollMs?: number;
  readonly minPollMs?: number;
  readonly workflowStepMs?: number;
  /** Starts one engine process with these arguments: `forkEngine` (Node) or `utilityEngine` (Electron). */
  readonly start: (args: readonly string[]) => EngineProcess;
  /** Where the engine's events go (the windows, the WebSocket). */
  readonly emit: <K extends AppEventName>(name: K, payload: AppEvents[K]) => void;
  /** What only the desktop shell can do; the engine asks for it over the channel. None in the browser host. */
  readonly native?: NativeShell;
  /** Where problems are reported; stderr by default. Message contents are never logged. */
  readonly log?: (line: string) => void;
  /** How long `stop()` waits for the engine to cancel its jobs and write the journal before killing it. */
  readonly stopTimeoutMs?: number;
}

/** The engine as its shell sees it: the contract, carried to the engine process. */
export interface EngineClient {
  /** The contract: every call resolves to a Result, also when the engine process dies while it runs. */
  readonly api: AppApi;
  /** The running engine process's id (undefined between a crash and the next start). */
  pid(): number | undefined;
  /** Asks the engine to cancel its jobs, write the journal and exit; kills it if it takes too long. */
  stop(): Promise<void>;
}

/** What a call still waiting gets when the engine process dies under it. */
export const ENGINE_STOPPED: Result<never> = {
  ok: false,
  error: {
    code: 'internal',
    message:
      'Lifeboat’s engine stopped unexpectedly; it starts again for the next request. Try again: interrupted ' +
      'jobs can be retried from the job list, and their downloads resume.',
    retryable: true,
  },
};

const QUITTING: Result<never> = {
  ok: false,
  error: { code: 'cancelled', message: 'Lifeboat is quitting.', retryable: true },
};

/** Eager restarts after crashes within a minute; past this, the engine starts again only for the next call. */
const MAX_RESTARTS_PER_MINUTE = 5;

interface Running {
  readonly proc: EngineProcess;
  ready: boolean;
  /** Messages sent before the engine was ready, in order. */
  readonly queue: ToEngine[];
  /** The calls sent to this process and not answered. */
  readonly calls: Set<number>;
  readonly exited: Promise<void>;
  /** Jobs the crashed engine before this one was running: the UI is told what became of them once ready. */
  orphans: readonly Job[];
}

const isActive = (job: Job): boolean => job.state === 'running' || job.state === 'queued';

/**
 * Runs the engine in a process of its own and gives the shell an AppApi over it. The engine is started at once;
 * if it dies, every call waiting on it resolves to {@link ENGINE_STOPPED} (never a hang), it is started again,
 * and the jobs it was running are sent to the UI as the journal now shows them (interrupted, retryable).
 */
export function startEngineClient(options: EngineClientOptions): EngineClient {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const args = [
    '--data-dir',
    options.dataDir,
    ...(options.pollMs !== undefined ? ['--poll-ms', String(options.pollMs)] : []),
    ...(options.minPollMs !== undefined ? ['--min-poll-ms', String(options.minPollMs)] : []),
    ...(options.workflowStepMs !== undefined ? ['--workflow-step-ms', String(options.workflowStepMs)] : []),
    ...(options.native ? ['--native'] : []),
  ];
  const pending = new Map<number, (result: Result<unknown>) => void>();
  /** The engine's queued and running jobs, from its events: what to account for if it dies. */
  const active = new Map<string, Job>();
  const restarts: number[] = [];
  let current: Running | null = null;
  let nextId = 1;
  let stopping: Promise<void> | null = null;

  const settle = (id: number, result: Result<unknown>): void => {
    const resolve = pending.get(id);
    pending.delete(id);
    resolve?.(result);
  };

  const post = (r: Running, message: ToEngine): void => {
    if (!r.ready) {
      r.queue.push(message);
      return;
    }
    try {
      r.proc.send(message);
    } catch (e) {
      // Only the kind: a call's request may carry a machine token.
      log(`[engine] could not send a ${message.kind} message: ${describeError(e)}`);
      if (message.kind === 'call') {
        r.calls.delete(message.id);
        settle(message.id, {
          ok: false,
          error: {
            code: 'invalid-request',
            message: 'That request could not be passed to Lifeboat’s engine.',
            retryable: false,
          },
        });
      }
    }
  };

  const launch = (orphans: readonly Job[] = []): Running => {
    const proc = options.start(args);
    let exited!: () => void;
    const r: Running = {
      proc,
      ready: false,
      queue: [],
      calls: new Set(),
      exited: new Promise<void>((resolve) => (exited = resolve)),
      orphans,
    };
    current = r;
    proc.onMessage((message) => onMessage(r, message));
    proc.onExit((code, signal) => {
      exited();
      onExit(r, code, signal);
    });
    return r;
  };

  const onExit = (r: Running, code: number | null, signal: string | null): void => {
    if (current === r) current = null;
    const lost = [...r.calls];
    r.calls.clear();
    for (const id of lost) settle(id, stopping ? QUITTING : ENGINE_STOPPED);
    if (stopping) return;
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    // An engine that never got ready (it cannot start) or keeps dying starts again only when called: no loop.
    const again = r.ready && restarts.length < MAX_RESTARTS_PER_MINUTE;
    log(
      `[engine] the engine process stopped unexpectedly (${signal ?? `exit code ${code}`}); ` +
        (lost.length ? `${lost.length} call(s) answered with an error; ` : '') +
        (again ? 'starting it again.' : 'it starts again for the next call.'),
    );
    const orphans = [...active.values(), ...r.orphans];
    active.clear();
    if (again) {
      restarts.push(now);
      launch(orphans);
    } else if (orphans.length > 0) {
      // Nobody to ask what the journal says: tell the UI they ended.
      for (const job of orphans) options.emit('jobs.updated', { job: interruptedView(job) });
    }
  };

  const onMessage = (r: Running, message: unknown): void => {
    if (!isRecord(message) || typeof message.kind !== 'string') {
      log('[engine] ignored a message that is not part of the protocol');
      return;
    }
    const m = message as FromEngine;
    switch (m.kind) {
      case 'ready': {
        r.ready = true;
        for (const queued of r.queue.splice(0)) post(r, queued);
        if (r.orphans.length > 0) void reportOrphans(r);
        return;
      }
      case 'result':
        if (r.calls.delete(m.id)) settle(m.id, m.result);
        return;
      case 'event': {
        if (m.event === 'jobs.updated') {
          const { job } = m.payload as AppEvents['jobs.updated'];
          if (isActive(job)) active.set(job.id, job);
          else active.delete(job.id);
        }
        options.emit(m.event, m.payload as AppEvents[typeof m.event]);
        return;
      }
      case 'native':
        void answerNative(r, m.id, m.op, m.args);
        return;
      default:
        log('[engine] ignored a message of an unknown kind');
    }
  };

  /** Does what the engine asked of the shell and sends back what came of it. */
  const answerNative = async (
    r: Running,
    id: number,
    op: unknown,
    args: readonly unknown[],
  ): Promise<void> => {
    let result: Result<unknown>;
    const native = options.native;
    const text = (i: number): string => (typeof args[i] === 'string' ? (args[i] as string) : '');
    try {
      if (!native) throw new Error('This needs the desktop app.');
      if (op === 'pickFolder') result = { ok: true, value: await native.pickFolder() };
      else if (op === 'showInFolder') result = { ok: true, value: (native.showInFolder(text(0)), null) };
      else if (op === 'notify') result = { ok: true, value: (native.notify?.(text(0), text(1)), null) };
      else throw new Error('Unknown request.');
    } catch (e) {
      result = {
        ok: false,
        error: { code: 'invalid-request', message: (e as Error).message ?? String(e), retryable: false },
      };
    }
    if (current === r) post(r, { kind: 'native-answer', id, result });
  };

  /**
   * Tells the UI what became of the jobs a crashed engine ran, as the new engine reads them from the journal
   * (interrupted, retryable). A job another process still runs is left alone: the new engine follows it.
   */
  const reportOrphans = async (r: Running): Promise<void> => {
    const orphans = r.orphans;
    r.orphans = [];
    const listed = await call('jobs.list', undefined);
    const now = listed.ok ? (listed.value as readonly Job[]) : [];
    for (const job of orphans) {
      const seen = now.find((j) => j.id === job.id);
      if (seen && isActive(seen)) continue;
      options.emit('jobs.updated', { job: seen ?? interruptedView(job) });
    }
  };

  const call = (method: ApiMethod, req: unknown): Promise<Result<unknown>> => {
    if (stopping) return Promise.resolve(QUITTING);
    const r = current ?? launch();
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      r.calls.add(id);
      post(r, { kind: 'call', id, method, req });
    });
  };

  launch();

  return {
    api: apiOverTransport(call),
    pid: () => current?.proc.pid,
    stop() {
      stopping ??= (async () => {
        const r = current;
        if (!r) return;
        post(r, { kind: 'stop' });
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), options.stopTimeoutMs ?? 15_000);
        });
        const outcome = await Promise.race([r.exited, late]);
        clearTimeout(timer);
        if (outcome === 'late') {
          log('[engine] the engine did not stop in time: ending it.');
          r.proc.kill();
          await r.exited;
        }
      })();
      return stopping;
    },
  };
}

/** A job whose engine died, as the journal shows such a job when it cannot be read back. */
function interruptedView(job: Job): Job {
  return {
    ...job,
    state: 'failed',
    finishedAt: new Date().toISOString(),
    error: {
      code: 'cancelled',
      message:
        'Interrupted: Lifeboat’s engine stopped unexpectedly. Retry to resume; finished downloads are kept.',
      retryable: true,
    },
  };
}
