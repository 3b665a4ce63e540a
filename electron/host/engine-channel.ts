/**
 * The private channel between a shell (the browser host, Electron's main process) and the engine process it
 * starts: the messages, and one small adapter per way of starting a process, so the same protocol runs over
 * Node's `child_process.fork` and Electron's `utilityProcess.fork`. Nothing here imports 'electron': the
 * Electron side is described by the few members it uses, and the compiler checks Electron's real types
 * against them where main passes them in.
 */
import { fork } from 'node:child_process';
import type { AppEventName } from '@shared/api/events';
import type { Result } from '@shared/result';

/** What the engine can ask its shell to do: the shell's native dialogs, file manager and notifications. */
/** Whether a message is an object at all: both ends check that before reading a field of it. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

export type NativeOp = 'pickFolder' | 'showInFolder' | 'notify';

/** From the shell to the engine. */
export type ToEngine =
  /** One contract call; `method` is a `domain.method` name, `req` its request as the page sent it. */
  | { readonly kind: 'call'; readonly id: number; readonly method: string; readonly req: unknown }
  /** The answer to a native request of the engine's, with the same id. */
  | { readonly kind: 'native-answer'; readonly id: number; readonly result: Result<unknown> }
  /** Cancel the jobs, write the journal, stop the demo sandbox, then exit. */
  | { readonly kind: 'stop' };

/** From the engine to the shell. */
export type FromEngine =
  /** The engine is built and answers calls. */
  | { readonly kind: 'ready' }
  /** The Result a contract call resolved to, exactly as the api function returned it. */
  | { readonly kind: 'result'; readonly id: number; readonly result: Result<unknown> }
  /** An event for the UI. */
  | { readonly kind: 'event'; readonly event: AppEventName; readonly payload: unknown }
  /** A request for something only the shell can do; answered with a `native-answer` of the same id. */
  | { readonly kind: 'native'; readonly id: number; readonly op: NativeOp; readonly args: readonly string[] };

/** The shell's handle on one engine process, however it was started. */
export interface EngineProcess {
  /** The process id, once it runs. */
  readonly pid: number | undefined;
  /** Sends a message; throws when it cannot be sent (a value that cannot be cloned, a closed channel). */
  send(message: ToEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended (or could not start). */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends the process at once (SIGKILL), for a process that did not stop when asked. */
  kill(): void;
}

/**
 * Starts the engine with Node's `child_process.fork` (the browser host, tests, benchmarks). Messages use the
 * structured clone ('advanced'), as Electron's utility process does, so both carry the same values. The
 * engine's stdout goes to this process's stderr: the host's stdout belongs to its own output (`--json`).
 */
export function forkEngine(
  entry: string,
  args: readonly string[],
  options: { readonly execArgv?: readonly string[]; readonly env?: NodeJS.ProcessEnv } = {},
): EngineProcess {
  const child = fork(entry, [...args], {
    serialization: 'advanced',
    stdio: ['ignore', 2, 2, 'ipc'],
    ...(options.execArgv ? { execArgv: [...options.execArgv] } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  let exited = false;
  const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  const exit = (code: number | null, signal: string | null): void => {
    if (exited) return;
    exited = true;
    for (const l of exitListeners) l(code, signal);
  };
  child.once('exit', exit);
  // A process that could not be started emits 'error' and may never emit 'exit'; a failed send emits it too
  // (the exit that follows is what counts then). Unheard, either would end this process.
  child.on('error', () => {
    if (child.pid === undefined) exit(null, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    send(message) {
      // Errors of a channel closing under the send arrive here; the exit that follows handles them.
      child.send(message, undefined, undefined, () => undefined);
    },
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void exitListeners.push(listener),
    kill: () => void child.kill('SIGKILL'),
  };
}

/** The members of Electron's `UtilityProcess` the shell uses (structurally: host code never imports 'electron'). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  kill(): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number) => void): unknown;
}

/**
 * Wraps a process from Electron's `utilityProcess.fork` (the desktop app). Its `kill()` is a SIGTERM, which
 * the engine takes as "stop gracefully", so a hard stop signals the pid itself.
 */
export function utilityEngine(child: UtilityProcessLike): EngineProcess {
  const exitListeners: ((code: number | null, signal: string | null) => void)[] = [];
  child.on('exit', (code) => {
    for (const l of exitListeners) l(code, null);
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => child.postMessage(message),
    onMessage: (listener) => void child.on('message', listener),
    onExit: (listener) => void exitListeners.push(listener),
    kill() {
      const pid = child.pid;
      if (pid === undefined) return void child.kill();
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    },
  };
}

/** The engine's side of the channel, whichever way its shell started it. */
export interface ShellChannel {
  send(message: FromEngine): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called when the shell is gone (its end of the channel closed, or this process was orphaned). */
  onShellGone(listener: () => void): void;
}

/** The part of Electron's `process.parentPort` used here. */
interface ParentPortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { readonly data: unknown }) => void): unknown;
}

/** How often the engine checks that the process that started it still runs. */
const ORPHAN_CHECK_MS = 1000;

/**
 * The engine's end of the channel: Electron's `process.parentPort` in a utility process, Node's IPC channel
 * in a forked child; null when this process was started some other way (by hand).
 */
export function shellChannel(): ShellChannel | null {
  const gone: (() => void)[] = [];
  let told = false;
  const tellGone = (): void => {
    if (told) return;
    told = true;
    for (const l of gone) l();
  };
  // A parent that was SIGKILLed closes no channel in a utility process, and Node's 'disconnect' is the only
  // other sign: when the parent dies this process is handed to another (init or a subreaper), so a changed
  // ppid means the shell is gone too.
  const startedBy = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid !== startedBy) tellGone();
  }, ORPHAN_CHECK_MS);
  watch.unref();

  const port = (process as { parentPort?: ParentPortLike }).parentPort;
  if (port) {
    return {
      send: (message) => port.postMessage(message),
      onMessage: (listener) => void port.on('message', (e) => listener(e.data)),
      onShellGone: (listener) => void gone.push(listener),
    };
  }
  if (typeof process.send !== 'function') {
    clearInterval(watch);
    return null;
  }
  process.on('disconnect', tellGone);
  return {
    send(message) {
      // After the shell went away there is nobody to tell; the engine is stopping then.
      if (process.connected) process.send!(message, undefined, undefined, () => undefined);
    },
    onMessage: (listener) => void process.on('message', listener),
    onShellGone: (listener) => void gone.push(listener),
  };
}
