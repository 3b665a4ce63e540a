import type { AppError, ErrorCode } from '@shared/result';
import { isRetryableCode } from '@shared/result';
import { redact } from './log/redact';

/** The engine's one error type: a code from the contract and a message a person can act on. */
export class LifeboatError extends Error {
  override readonly name = 'LifeboatError';

  /**
   * Whether the same action may succeed later unchanged: by default from the code, but a situation that passes
   * by itself (an archive still being written is a `conflict` that ends when the backup finishes) says so.
   */
  readonly retryable: boolean;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly detail?: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.retryable = options?.retryable ?? isRetryableCode(code);
  }

  /** The error as contract data, with secrets and signed URLs redacted. */
  toAppError(): AppError {
    return {
      code: this.code,
      message: redact(this.message),
      ...(this.detail ? { detail: redact(this.detail) } : {}),
      retryable: this.retryable,
    };
  }
}

/** Any thrown value as contract data; unknown errors become `internal` without leaking their text's secrets. */
export function toAppError(e: unknown): AppError {
  if (e instanceof LifeboatError) return e.toAppError();
  if (e instanceof Error && e.name === 'AbortError')
    return { code: 'cancelled', message: 'Cancelled.', retryable: false };
  const err = e as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ENOSPC') {
    return {
      code: 'disk-full',
      message: 'The disk is full. Free some space and try again.',
      retryable: false,
    };
  }
  if (err?.code === 'EACCES' || err?.code === 'EPERM') {
    return {
      code: 'io',
      message: `Permission denied: ${redact(err.path ?? err.message)}.`,
      retryable: false,
    };
  }
  if (err?.code === 'EROFS') {
    return {
      code: 'io',
      message: `${redact(err.path ?? 'The folder')} is on a read-only file system: nothing can be written there. Choose another folder, or make it writable.`,
      retryable: false,
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return {
    code: 'internal',
    message: `Something went wrong inside Lifeboat: ${redact(message)}`,
    retryable: false,
  };
}
