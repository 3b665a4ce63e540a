/**
 * The engine in a process of its own (`out/main/engine.js`), started by the desktop app (Electron's
 * utilityProcess) or the browser host (Node's fork) through engine-client.ts, so inflating and writing
 * gigabytes never delays the process that answers the UI. It serves the contract over the private channel of
 * engine-channel.ts, sends events, asks the shell for native dialogs, and stops, cancelling its jobs and writing
 * the journal, when asked to or when the shell is gone (so a killed host leaves no orphan downloading).
 *
 *   --data-dir DIR            the data folder (required)
 *   --poll-ms, --min-poll-ms  Pantheon workflow polling (tests make it quick)
 *   --workflow-step-ms        how long each step of the demo sandbox's workflows takes
 *   --native                  the shell answers native requests (pick a folder, show in folder, notify)
 */
import { parseArgs } from 'node:util';
import { API_METHODS } from '@shared/api/contract';
import type { Result } from '@shared/result';
import { setExtractionThreadLimit } from '../services/archive/extract-file';
import type { NativeShell } from '../services/engine';
import { composeApp } from './compose';
import { callContract, UNEXPECTED } from './call-contract';
import { isRecord, shellChannel, type NativeOp } from './engine-channel';
import { describeError, installProcessGuards } from './process-guard';
import { lowerBulkThreads } from './thread-priority';

installProcessGuards({ name: 'engine' });

const log = (line: string): void => void process.stderr.write(`[engine] ${line}\n`);

const channel = shellChannel();
if (!channel) {
  process.stderr.write('The Lifeboat engine is started by the app or the browser host, not by hand.\n');
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'poll-ms': { type: 'string' },
    'min-poll-ms': { type: 'string' },
    'workflow-step-ms': { type: 'string' },
    native: { type: 'boolean', default: false },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) {
  log('--data-dir is required.');
  process.exit(2);
}
const number = (name: 'poll-ms' | 'min-poll-ms' | 'workflow-step-ms'): number | undefined => {
  const text = values[name];
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    log(`--${name} must be a number of milliseconds, not "${text}".`);
    process.exit(2);
  }
  return n;
};
const pollMs = number('poll-ms');
const minPollMs = number('min-poll-ms');
const workflowStepMs = number('workflow-step-ms');

/**
 * Big archives extracted in threads at once here: three jobs (engine.ts) with a code and a files archive each.
 * Not one per core as elsewhere: this process's main thread answers the UI, and an archive extracted in it would
 * hold up each answer for a whole inflate-and-write step (see setExtractionThreadLimit).
 */
const EXTRACTION_THREADS = 6;
setExtractionThreadLimit(EXTRACTION_THREADS);
// The main thread answers the UI first; every other thread here is bulk work and yields a busy core to it.
void lowerBulkThreads();

/** Native requests waiting for the shell's answer, by id. */
const asked = new Map<number, (result: Result<unknown>) => void>();
let nextAsk = 1;
const ask = (op: NativeOp, args: readonly string[]): Promise<Result<unknown>> =>
  new Promise((resolve) => {
    const id = nextAsk++;
    asked.set(id, resolve);
    channel.send({ kind: 'native', id, op, args });
  });
const native: NativeShell | undefined = values.native
  ? {
      async pickFolder() {
        const r = await ask('pickFolder', []);
        if (!r.ok) throw new Error(r.error.message);
        return typeof r.value === 'string' ? r.value : null;
      },
      showInFolder: (path) => void ask('showInFolder', [path]),
      notify: (title, body) => void ask('notify', [title, body]),
    }
  : undefined;

const app = composeApp({
  dataDir,
  ...(pollMs !== undefined ? { pollMs } : {}),
  ...(minPollMs !== undefined ? { minPollMs } : {}),
  ...(workflowStepMs !== undefined ? { workflowStepMs } : {}),
  ...(native ? { native } : {}),
  emit: (event, payload) => channel.send({ kind: 'event', event, payload }),
});

let stopping: Promise<void> | null = null;
/** Cancels the jobs and writes the journal (they show as cancelled, resumable), then ends the process. */
const stop = (): Promise<void> =>
  (stopping ??= (async () => {
    try {
      await app.stop();
    } catch (e) {
      log(`could not stop cleanly: ${describeError(e)}`);
    } finally {
      // The process guard keeps the process alive on errors; stopping must stop regardless.
      process.exit(0);
    }
  })());

/** Answers one contract call with the Result its api function returns; never throws. */
async function answer(id: number, method: string, req: unknown): Promise<void> {
  // An unknown method is refused as such even while quitting, as the contract's own answer would be.
  const known = (API_METHODS as readonly string[]).includes(method);
  const result: Result<unknown> =
    stopping && known
      ? { ok: false, error: { code: 'cancelled', message: 'Lifeboat is quitting.', retryable: true } }
      : await callContract(app.api, method, req, log);
  try {
    channel!.send({ kind: 'result', id, result });
  } catch (e) {
    // A value that cannot be cloned is a bug of the method, not the caller's: answer with an error instead.
    log(`${method} answered with a value that cannot be sent: ${describeError(e)}`);
    channel!.send({
      kind: 'result',
      id,
      result: { ok: false, error: UNEXPECTED },
    });
  }
}

channel.onMessage((message) => {
  // Messages are never logged: an accounts.add request carries a machine token.
  if (!isRecord(message)) return log('ignored a message that is not an object');
  if (message.kind === 'call' && typeof message.id === 'number' && typeof message.method === 'string')
    void answer(message.id, message.method, message.req);
  else if (message.kind === 'native-answer' && typeof message.id === 'number') {
    const resolve = asked.get(message.id);
    asked.delete(message.id);
    resolve?.(message.result as Result<unknown>);
  } else if (message.kind === 'stop') void stop();
  else log(`ignored a message of kind ${typeof message.kind === 'string' ? message.kind : 'unknown'}`);
});
channel.onShellGone(() => {
  log('the app that started the engine is gone: stopping.');
  void stop();
});
// A terminal's Ctrl-C reaches the whole process group; the shell decides, and sends `stop`.
process.on('SIGINT', () => undefined);
process.on('SIGTERM', () => void stop());

channel.send({ kind: 'ready' });
