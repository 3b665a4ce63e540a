import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../electron/sandbox';
import { PantheonClient } from '../../electron/services/pantheon/client';
import type { RetryPolicy } from '../../electron/services/pantheon/http';

/** Retries as the app does them, but with millisecond backoff so fault tests stay quick. */
export const FAST_RETRY: RetryPolicy = { limit: 3, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 5_000 };

/** The sandbox's modes, for tests parameterised over both: rich (complete objects) and strict (Pantheon's lean shapes). */
export const SANDBOX_MODES = ['rich', 'strict'] as const;

/** Starts a sandbox (in `options.mode`, default rich) with quick workflows and the shared archive cache. */
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

/** A session made over plain HTTP, for tests of the wire that must not go through Lifeboat's client. */
export interface WireSession {
  readonly session: string;
  readonly userId: string;
  readonly expiresAt: number;
  /** The login response itself (its headers are checked by clock tests). */
  readonly login: Response;
  /** `fetch` of an API path (relative to `/api/`) with this session and a JSON content type. */
  api(path: string, init?: RequestInit): Promise<Response>;
  /** The JSON body of a GET of an API path that must answer 200. */
  get<T = unknown>(path: string): Promise<T>;
  /** The site id of a site name. */
  siteId(name: string): Promise<string>;
}

/** Logs in as one of the sandbox's accounts with `POST authorize/machine-token`, as Terminus does. */
export async function wireLogin(sandbox: Sandbox, who: string = DANA): Promise<WireSession> {
  const account = sandbox.accounts.find((a) => a.email === who);
  if (!account) throw new Error(`No account ${who} in this sandbox.`);
  const login = await fetch(`${sandbox.apiUrl}authorize/machine-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ machine_token: account.machineToken, client: 'terminus' }),
  });
  const body = (await login.clone().json()) as { session: string; user_id: string; expires_at: number };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${sandbox.apiUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${body.session}`,
        'content-type': 'application/json',
        ...init.headers,
      },
    });
  const get = async <T>(path: string): Promise<T> => {
    const res = await api(path);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as T;
  };
  return {
    session: body.session,
    userId: body.user_id,
    expiresAt: body.expires_at,
    login,
    api,
    get,
    siteId: async (name) => (await get<{ id: string }>(`site-names/${name}`)).id,
  };
}

/** The CLI's arguments to reach the sandbox as one of its accounts (by email). */
export const cliAuth = (sandbox: Sandbox, who: string = DANA): string[] => [
  '--api-url',
  sandbox.apiUrl,
  '--machine-token',
  sandbox.accounts.find((a) => a.email === who)!.machineToken,
];
