import { redact } from '../services/log/redact';

/** How the process guard reports and when it gives up. */
export interface ProcessGuardOptions {
  /** Names the process in each line ("host", "main"). */
  readonly name: string;
  /** Where a line goes; stderr by default. */
  readonly write?: (line: string) => void;
  /** More uncaught exceptions than this within `windowMs` means the state is no longer trustworthy: exit. */
  readonly maxExceptions?: number;
  readonly windowMs?: number;
  /** Called instead of process.exit when giving up (tests). */
  readonly exit?: (code: number) => void;
}

/** The text of a thrown value, stack included, with every secret the redactor knows removed. */
export function describeError(value: unknown): string {
  let text: string;
  if (value instanceof Error) text = value.stack ?? `${value.name}: ${value.message}`;
  else {
    try {
      text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    } catch {
      text = String(value);
    }
  }
  return redact(text);
}

/**
 * The last net for errors nothing else caught: logs uncaught exceptions and unhandled rejections (redacted)
 * instead of letting Node end the process. Jobs already turn their own errors into failed jobs and the host
 * answers a failing call with an error Result, so what reaches here is a bug in a callback; one of them is not
 * worth closing every window and losing running downloads for. A burst of them (a loop that keeps throwing) is
 * a sign of broken state, so past `maxExceptions` in `windowMs` the process exits with status 70. Returns a
 * function that uninstalls the handlers.
 */
export function installProcessGuards(options: ProcessGuardOptions): () => void {
  const write = options.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const max = options.maxExceptions ?? 20;
  const windowMs = options.windowMs ?? 60_000;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const recent: number[] = [];
  const safeWrite = (line: string): void => {
    try {
      write(line);
    } catch {
      // A closed stderr must not turn the net into a new source of exceptions.
    }
  };
  const onException = (error: unknown): void => {
    safeWrite(`[${options.name}] uncaught exception: ${describeError(error)}`);
    const now = Date.now();
    recent.push(now);
    while (recent.length > 0 && recent[0]! < now - windowMs) recent.shift();
    if (recent.length > max) {
      safeWrite(`[${options.name}] ${recent.length} uncaught exceptions within ${windowMs} ms: stopping.`);
      exit(70);
    }
  };
  const onRejection = (reason: unknown): void => {
    safeWrite(`[${options.name}] unhandled rejection: ${describeError(reason)}`);
  };
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
