import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../electron/sandbox';
import { PantheonClient } from '../../electron/services/pantheon/client';
import type { RetryPolicy } from '../../electron/services/pantheon/http';

/** Retries as the app does them, but with millisecond backoff so fault tests stay quick. */
export const FAST_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

/** Starts a sandbox with quick workflows and the shared archive cache. */
export function testSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  return startSandbox({ workflowStepMs: 30, cacheDir: join(tmpdir(), 'lifeboat-sandbox-cache'), ...options });
}

/** A client for one of the sandbox's accounts (by email), or for any token. */
export function clientFor(sandbox: Sandbox, who: string, retry: RetryPolicy = FAST_RETRY): PantheonClient {
  const account = sandbox.accounts.find((a) => a.email === who);
  const token = account?.machineToken ?? who;
  return new PantheonClient({
    apiUrl: sandbox.apiUrl,
    machineToken: async () => token,
    userAgent: 'Lifeboat/test',
    retry,
    minPollMs: 10,
  });
}

/** The sandbox's requests whose path contains `part` (and of the method, if given). */
export const requestsTo = (sandbox: Sandbox, part: string, method?: string) =>
  sandbox.requests.filter((r) => r.path.includes(part) && (!method || r.method === method));

export const DANA = 'dana@example.com';
export const FRAN = 'fran@example.com';
