import { API_METHODS, apiFunction, type ApiMethod, type AppApi } from '@shared/api/contract';
import type { Result } from '@shared/result';
import { describeError } from './process-guard';

/**
 * Answers one contract call that came from outside the process (the page's WebSocket, the shell's channel to the
 * engine) with the Result its api function gives; never throws. An unknown method is an invalid request; a method
 * that throws is logged by its name only (its request may hold a machine token) and answered as an internal error.
 */
export async function callContract(
  api: AppApi,
  method: string,
  req: unknown,
  log: (line: string) => void,
): Promise<Result<unknown>> {
  if (!(API_METHODS as readonly string[]).includes(method)) {
    return {
      ok: false,
      error: { code: 'invalid-request', message: `Unknown method ${method}.`, retryable: false },
    };
  }
  try {
    return await apiFunction(api, method as ApiMethod)(req);
  } catch (e) {
    log(`${method} failed: ${describeError(e)}`);
    return { ok: false, error: UNEXPECTED };
  }
}

/** What a caller is told when Lifeboat itself failed, with nothing of the failure's detail. */
export const UNEXPECTED = {
  code: 'internal',
  message: 'Lifeboat hit an unexpected error. Try again.',
  retryable: false,
} as const;
