import { randomUUID } from 'node:crypto';
import got, { HTTPError, RequestError, type Got, type Hooks, type RetryObject } from 'got';
import { LifeboatError } from '../errors';

/** How hard to retry: Terminus's rules, with bounds a desktop app can live with. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly limit: number;
  /** First backoff; doubles each retry, with up to 20% jitter. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the request fails as rate-limited. */
  readonly maxRetryAfterMs: number;
}

/** The default retry policy: 4 retries, 0.5 s doubling to 8 s, waiting up to 2 minutes when Pantheon asks. */
export const DEFAULT_RETRY: RetryPolicy = {
  limit: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  maxRetryAfterMs: 120_000,
};

/**
 * Status codes that are retried. Terminus's decider (`/[2,4]0\d/` means "do not retry") never retries 200–209 and
 * 400–409 and retries everything else: 3xx that were not followed, 410–499 (422, 429…) and every 5xx.
 */
export const RETRIED_STATUS_CODES: readonly number[] = [
  ...Array.from({ length: 100 }, (_, i) => 300 + i),
  ...Array.from({ length: 90 }, (_, i) => 410 + i),
  ...Array.from({ length: 100 }, (_, i) => 500 + i),
];

/** True if Terminus's rules retry this status. */
export const isRetriedStatus = (status: number): boolean =>
  !/^[24]0\d$/.test(String(status)) && status >= 300;

/** The body of a Pantheon error: usually a JSON-encoded string, sometimes plain text. */
export function errorBodyText(body: unknown): string {
  const raw = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '';
  const trimmed = raw.trim();
  if (trimmed === '') return '';
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed === 'string') return parsed.trim();
    if (parsed && typeof parsed === 'object') {
      const o = parsed as Record<string, unknown>;
      const m = o.message ?? o.error ?? o.reason;
      if (typeof m === 'string') return m.trim();
    }
  } catch {
    // not JSON: plain text
  }
  return trimmed.length > 300 ? `${trimmed.slice(0, 300)}…` : trimmed;
}

const isLoginPath = (url: string): boolean => {
  try {
    return new URL(url).pathname.endsWith('/authorize/machine-token');
  } catch {
    return url.endsWith('authorize/machine-token');
  }
};

/**
 * A login answered as by something that is not Pantheon's API: no such path (404), no POST there (405), or a
 * redirect got did not follow. Pantheon answers a bad token with 400, 401 or 500, never these.
 */
const isWrongApiAddress = (url: string, status: number): boolean =>
  isLoginPath(url) && (status === 404 || status === 405 || (status >= 300 && status < 400));

/** Login failures: Pantheon has answered a bad token with 401, 400 and even 500 over the years. */
const isLoginRejection = (url: string, status: number, body: string): boolean =>
  isLoginPath(url) &&
  !isWrongApiAddress(url, status) &&
  (status === 401 || status === 400 || status === 403 || /authoriz/i.test(body));

/**
 * The error for an API base that is not Pantheon's API (`invalid-request`: the address given is wrong, trying
 * again will not help). Used for a login that answers 404/405 and for one that answers something not JSON.
 */
export function wrongApiAddress(url: string, what: string, detail?: string): LifeboatError {
  let base = url;
  try {
    const u = new URL(url);
    base = `${u.origin}${u.pathname.replace(/authorize\/machine-token$/, '')}`;
  } catch {
    // keep the text as given
  }
  return new LifeboatError(
    'invalid-request',
    `The API address ${base} does not look like Pantheon's API (${what}). Check the address: it ends in /api/, as https://terminus.pantheon.io:443/api/ does.`,
    detail,
  );
}

/** How long to wait for a connection and for an answer; Pantheon's bounds unless a test needs shorter ones. */
export interface HttpTimeouts {
  readonly connectMs: number;
  readonly responseMs: number;
}

export const DEFAULT_TIMEOUTS: HttpTimeouts = { connectMs: 15_000, responseMs: 60_000 };

/** TLS failures as Node names them (certificate checks, a handshake with something that does not speak TLS). */
const isTlsCode = (code: string): boolean =>
  code === 'EPROTO' ||
  code.startsWith('ERR_SSL_') ||
  code.startsWith('ERR_TLS_') ||
  /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code);

/**
 * Why a request never reached the server, in words, or null when the error code is not one of the ways a
 * connection fails.
 */
export function connectionCause(code: string | undefined): string | null {
  if (!code) return null;
  if (code === 'ENOTFOUND') return 'the name does not resolve';
  if (code === 'EAI_AGAIN') return 'the name could not be looked up (no answer from DNS)';
  if (code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'ENETUNREACH' || code === 'EHOSTUNREACH' || code === 'ENETDOWN' || code === 'EHOSTDOWN')
    return 'there is no route to it';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was cut';
  if (code === 'ETIMEDOUT') return 'it did not answer in time';
  if (isTlsCode(code)) return `a secure (TLS) connection could not be made (${code})`;
  return null;
}

/**
 * Connection failures a login does not retry: a name that does not resolve, a refused connection, no route, a
 * failed TLS handshake. Adding an account while offline says so at once instead of after a minute of backoff;
 * a request with a session (mid-job) still retries them, since a blip there should not fail a long job.
 */
const failsLoginAtOnce = (code: string | undefined): boolean =>
  code !== undefined && code !== 'ETIMEDOUT' && code !== 'ECONNRESET' && connectionCause(code) !== null;

/**
 * When each API base may be asked again (ms, this machine's clock), after it answered 429 with Retry-After. One
 * gate per base for the whole process: a rate limit is Pantheon's for the caller, so every client of every
 * account waits (a mirror's workers, the app's lists), not only the request that was told. Clients of other
 * bases (another sandbox, a test server) are not held up.
 */
const rateGates = new Map<string, number>();

const gateKey = (apiUrl: string): string => {
  try {
    const u = new URL(apiUrl);
    return `${u.origin}${u.pathname.replace(/\/?$/, '/')}`;
  } catch {
    return apiUrl;
  }
};

/** Until when (ms) requests to this API base wait after a 429, or null when they do not (for messages, tests). */
export function rateLimitedUntil(apiUrl: string): number | null {
  const until = rateGates.get(gateKey(apiUrl));
  return until !== undefined && until > Date.now() ? until : null;
}

/**
 * A Retry-After in milliseconds, as got reads it (seconds, or an HTTP date, a past one being 1 ms); the date
 * form is measured against the response's own `Date` when it has one, so a server's skewed clock does not
 * stretch or cancel the wait. Null when absent or unreadable.
 */
export function retryAfterMs(value: string | undefined, serverDate?: string): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  const now = serverDate && !Number.isNaN(Date.parse(serverDate)) ? Date.parse(serverDate) : Date.now();
  return Math.max(1, at - now);
}

/**
 * The most a request held by a closed gate waits beyond its reopening: each waits a random part of it, so the
 * workers held by one 429 do not all ask again in the same instant (and earn the next 429 together).
 */
export const GATE_JITTER_MS = 500;

/** Waits until the API base's gate is open; cancelled with the request's signal. */
async function passGate(key: string, signal: AbortSignal | undefined): Promise<void> {
  let held = false;
  // A loop: another 429 may move the gate further while this request waits.
  for (;;) {
    const until = rateGates.get(key);
    let wait = until === undefined ? 0 : until - Date.now();
    if (wait <= 0) {
      if (until !== undefined && rateGates.get(key) === until) rateGates.delete(key);
      if (!held) return;
      // Held: spread out after the reopening, then look again (another 429 may have closed it meanwhile).
      held = false;
      wait = Math.random() * GATE_JITTER_MS;
    } else {
      held = true;
    }
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(new LifeboatError('cancelled', 'Cancelled.'));
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, wait);
      const onAbort = (): void => {
        clearTimeout(t);
        reject(new LifeboatError('cancelled', 'Cancelled.'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

/** Creates the one got instance for an API base: User-Agent, retry policy, text bodies parsed by the client. */
export function createHttp(
  apiUrl: string,
  userAgent: string,
  retry: RetryPolicy,
  hooks: Partial<Hooks> = {},
  timeouts: HttpTimeouts = DEFAULT_TIMEOUTS,
): Got {
  const traceId = randomUUID();
  const gate = gateKey(apiUrl);
  return got.extend({
    prefixUrl: apiUrl,
    headers: { 'user-agent': userAgent, accept: 'application/json', 'x-pantheon-trace-id': traceId },
    responseType: 'text',
    timeout: { connect: timeouts.connectMs, response: timeouts.responseMs },
    hooks: {
      ...hooks,
      // Every request (retries too: got runs these hooks again) first waits for the base's rate-limit gate.
      beforeRequest: [
        (options) => passGate(gate, options.signal as AbortSignal | undefined),
        ...(hooks.beforeRequest ?? []),
      ],
      // A 429 with Retry-After closes the gate for that long. A wait beyond maxRetryAfterMs is not taken (that
      // request fails as rate-limited, as before), so neither is it imposed on the others.
      afterResponse: [
        (response) => {
          if (response.statusCode === 429) {
            const ms = retryAfterMs(
              response.headers['retry-after'] as string | undefined,
              response.headers.date,
            );
            if (ms !== null && ms > 0 && ms <= retry.maxRetryAfterMs) {
              const until = Date.now() + ms;
              rateGates.set(gate, Math.max(rateGates.get(gate) ?? 0, until));
            }
          }
          return response;
        },
        ...(hooks.afterResponse ?? []),
      ],
    },
    retry: {
      limit: retry.limit,
      // Terminus retries every method; a repeated backup request only makes one extra backup, never loses one.
      methods: ['GET', 'HEAD', 'DELETE', 'PUT', 'POST'],
      statusCodes: [...RETRIED_STATUS_CODES],
      maxRetryAfter: retry.maxRetryAfterMs,
      calculateDelay: ({ attemptCount, error, computedValue, retryAfter }: RetryObject): number => {
        if (error.name === 'RetryError') return computedValue;
        if (computedValue === 0) return 0;
        const res = error.response;
        // A rejected machine token is not a server fault even when Pantheon says 500: fail now, not in two minutes.
        const url = String(error.options.url ?? '');
        if (!res && isLoginPath(url)) {
          if (failsLoginAtOnce(error.code)) return 0;
          // A login that timed out is tried once more, not four times (each try may wait the whole timeout).
          if ((error.name === 'TimeoutError' || error.code === 'ETIMEDOUT') && attemptCount > 1) return 0;
        }
        if (res && isLoginRejection(url, res.statusCode, errorBodyText(res.body))) return 0;
        // Nor is a login sent to something that is not Pantheon's API: the address is wrong, not busy.
        if (res && isWrongApiAddress(url, res.statusCode)) return 0;
        if (retryAfter !== undefined && res) return computedValue;
        const backoff = Math.min(retry.baseDelayMs * 2 ** (attemptCount - 1), retry.maxDelayMs);
        return backoff + Math.random() * backoff * 0.2;
      },
    },
  });
}

/** What the request was about, to word its errors. */
export interface ErrorContext {
  readonly what: string;
  readonly site?: string;
  /** The environment of an environment-scoped path: a 404 there is about the environment, not the site. */
  readonly env?: string;
}

/** Maps a got error to a LifeboatError with a message a person can act on. */
export function mapHttpError(e: unknown, ctx: ErrorContext): LifeboatError {
  if (e instanceof LifeboatError) return e;
  // A login inside a request's hook (the first request, or the one after a 401) that failed: got wraps its
  // error, which is the one to report (a revoked token is `invalid-token`, not an unreachable host).
  if (e instanceof RequestError && e.cause instanceof LifeboatError) return e.cause;
  if (e instanceof HTTPError) {
    const status = e.response.statusCode;
    const body = errorBodyText(e.response.body);
    const url = String(e.options.url ?? '');
    const detail = `HTTP ${status}${body ? `: ${body}` : ''}`;
    if (isWrongApiAddress(url, status))
      return wrongApiAddress(url, `logging in answered HTTP ${status}`, detail);
    if (isLoginRejection(url, status, body)) {
      return new LifeboatError(
        'invalid-token',
        'The machine token was rejected by Pantheon. Check that it was pasted whole and has not been revoked (Pantheon dashboard → Personal Settings → Machine Tokens).',
        detail,
      );
    }
    if (status === 401) {
      return new LifeboatError(
        'session-expired',
        'Pantheon no longer accepts this session, and logging in again did not help. Remove and re-add the account.',
        detail,
      );
    }
    if (status === 404 && ctx.site && ctx.env) {
      // The site was found before this request was made: the environment or the thing asked for is missing.
      const aboutEnv = !body || /environment/i.test(body);
      return new LifeboatError(
        'not-found',
        `Pantheon found nothing while ${ctx.what} on ${ctx.site}.${ctx.env}${body ? `: ${body}` : '.'}${aboutEnv ? ` Check that '${ctx.env}' is one of the site's environments.` : ''}`,
        detail,
      );
    }
    if (status === 404 && ctx.site) {
      return new LifeboatError(
        'not-found',
        `Site '${ctx.site}' was not found or you have no access to it.`,
        detail,
      );
    }
    if (status === 403 && ctx.site) {
      if (/frozen/i.test(body))
        return new LifeboatError(
          'frozen',
          `Site '${ctx.site}' is frozen: unfreeze it in the Pantheon dashboard first.`,
          detail,
        );
      return new LifeboatError(
        'forbidden',
        `Pantheon refused ${ctx.what} for site '${ctx.site}': ${body || 'access denied'}.`,
        detail,
      );
    }
    if (status === 404)
      return new LifeboatError(
        'not-found',
        `Pantheon could not find ${ctx.what}${body ? `: ${body}` : '.'}`,
        detail,
      );
    if (status === 403)
      return new LifeboatError(
        'forbidden',
        `Pantheon refused ${ctx.what}${body ? `: ${body}` : '.'}`,
        detail,
      );
    if (status === 429) {
      return new LifeboatError(
        'rate-limited',
        `Pantheon is limiting requests; ${ctx.what} failed after several tries. Wait a minute and try again.`,
        detail,
      );
    }
    if (status >= 400 && status < 500)
      return new LifeboatError(
        'invalid-request',
        `Pantheon rejected ${ctx.what}${body ? `: ${body}` : '.'}`,
        detail,
      );
    return new LifeboatError(
      'server',
      `Pantheon had a problem with ${ctx.what} (HTTP ${status}) and still failed after retrying. Try again later.`,
      detail,
    );
  }
  if (e instanceof RequestError) {
    if (e.name === 'AbortError' || e.code === 'ERR_ABORTED')
      return new LifeboatError('cancelled', 'Cancelled.');
    const host = (() => {
      try {
        return new URL(String(e.options.url)).host;
      } catch {
        return 'Pantheon';
      }
    })();
    if (e.name === 'TimeoutError') {
      return new LifeboatError(
        'timeout',
        `Lifeboat could not reach ${host} while ${ctx.what}: it did not answer in time. Check the network connection and try again.`,
        e.code,
      );
    }
    const cause = connectionCause(e.code) ?? `the connection failed (${e.code ?? e.message})`;
    return new LifeboatError(
      'network',
      `Lifeboat could not reach ${host} while ${ctx.what}: ${cause}. Check the network connection and try again.`,
      e.code,
    );
  }
  if (e instanceof Error && e.name === 'AbortError') return new LifeboatError('cancelled', 'Cancelled.');
  return new LifeboatError(
    'internal',
    `Unexpected error during ${ctx.what}: ${e instanceof Error ? e.message : String(e)}`,
  );
}
