/** Error codes that cross every boundary (IPC, WebSocket, CLI exit codes); each names a situation a person can act on. */
export const ERROR_CODES = [
  'invalid-request',
  'invalid-token',
  'not-logged-in',
  'session-expired',
  'not-found',
  'frozen',
  'forbidden',
  'rate-limited',
  'network',
  'server',
  'timeout',
  'integrity',
  'cancelled',
  'conflict',
  'disk-full',
  'keychain-unavailable',
  'workflow-failed',
  'database',
  /** git or the database client is not installed, not found, or the path set for it does not run. */
  'missing-tool',
  'hostile-archive',
  'io',
  'internal',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as data: what went wrong (`code`), what to tell a person (`message`), optional detail. */
export interface AppError {
  readonly code: ErrorCode;
  readonly message: string;
  readonly detail?: string;
  readonly retryable?: boolean;
}

/** The outcome of every contract call: errors are values, since thrown errors lose their fields over IPC. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

/** A successful {@link Result}. */
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

/** A failed {@link Result}. */
export const fail = <T = never>(error: AppError): Result<T> => ({ ok: false, error });

/** True for the error codes where trying the same thing again later may succeed. */
export const isRetryableCode = (code: ErrorCode): boolean =>
  code === 'network' || code === 'server' || code === 'timeout' || code === 'rate-limited';
