import { LifeboatError } from '../errors';

/** An error as it crosses threads: a LifeboatError with its code and detail, any other with its errno fields. */
export interface SentError {
  readonly lifeboat: boolean;
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly retryable?: boolean;
  readonly errno?: number;
  readonly syscall?: string;
  readonly path?: string;
  readonly stack?: string;
  readonly cause?: SentError;
}

/** An error as plain data for postMessage (structured cloning keeps neither the class nor `code`). */
export function sendError(e: unknown, depth = 0): SentError {
  if (!(e instanceof Error)) return { lifeboat: false, name: 'Error', message: String(e) };
  const err = e as NodeJS.ErrnoException & { detail?: string; retryable?: boolean };
  return {
    lifeboat: e instanceof LifeboatError,
    name: e.name,
    message: e.message,
    ...(typeof err.code === 'string' ? { code: err.code } : {}),
    ...(typeof err.detail === 'string' ? { detail: err.detail } : {}),
    ...(typeof err.retryable === 'boolean' ? { retryable: err.retryable } : {}),
    ...(typeof err.errno === 'number' ? { errno: err.errno } : {}),
    ...(typeof err.syscall === 'string' ? { syscall: err.syscall } : {}),
    ...(typeof err.path === 'string' ? { path: err.path } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
    ...(e.cause !== undefined && depth < 3 ? { cause: sendError(e.cause, depth + 1) } : {}),
  };
}

/** The error `sendError` described, rebuilt: a LifeboatError again, any other an Error with its fields. */
export function receiveError(s: SentError): Error {
  const cause = s.cause ? { cause: receiveError(s.cause) } : {};
  if (s.lifeboat) {
    const e = new LifeboatError(s.code as LifeboatError['code'], s.message, s.detail, {
      ...cause,
      ...(s.retryable !== undefined ? { retryable: s.retryable } : {}),
    });
    if (s.stack) e.stack = s.stack;
    return e;
  }
  const e = new Error(s.message, cause) as NodeJS.ErrnoException;
  if (s.name !== 'Error') Object.defineProperty(e, 'name', { value: s.name, configurable: true });
  if (s.code !== undefined) e.code = s.code;
  if (s.errno !== undefined) e.errno = s.errno;
  if (s.syscall !== undefined) e.syscall = s.syscall;
  if (s.path !== undefined) e.path = s.path;
  if (s.stack) e.stack = s.stack;
  return e;
}
