import { registerSecret } from '../log/redact';

/** A session as kept between processes: whose API it is, and when it expires by the local clock. */
export interface CachedSession {
  /** The API base the session was issued by; a session is never offered to another API. */
  readonly apiUrl: string;
  readonly session: string;
  readonly userId: string;
  /** Seconds since epoch by the local clock (already corrected for the server's clock). */
  readonly expiresAt: number;
  /** When it was issued by the local clock, if known: with `expiresAt`, its lifetime. */
  readonly issuedAt?: number;
}

/**
 * Where a client keeps its session between processes (the keychain, as Terminus keeps `~/.terminus/cache/session`),
 * so a script of ten commands logs in once. Any failure of a cache means "no cache", never an error.
 */
export interface SessionCache {
  load(): Promise<CachedSession | null>;
  save(s: CachedSession): Promise<void>;
  clear(): Promise<void>;
}

/** Treat a session as expired this long before it does, so it never lapses mid-request. */
export const SESSION_MARGIN_S = 60;

/**
 * The margin of one session: {@link SESSION_MARGIN_S}, but at most half its lifetime, so a session that lives
 * less than a minute is still used for a while instead of causing a login before every request.
 */
export function sessionMargin(s: { readonly expiresAt: number; readonly issuedAt?: number }): number {
  if (s.issuedAt === undefined || !Number.isFinite(s.issuedAt)) return SESSION_MARGIN_S;
  return Math.min(SESSION_MARGIN_S, Math.max(0, (s.expiresAt - s.issuedAt) / 2));
}

/**
 * Whether a session value can be sent in an HTTP header as `Bearer <session>`: visible ASCII only (Pantheon's are
 * `<uuid>:<uuid>:<random>`). Control characters or non-ASCII would make every request fail.
 */
export const isUsableSession = (session: string): boolean => /^[\x21-\x7e]+$/.test(session);

/**
 * The lifetime assumed when Pantheon's answer cannot be trusted (no `expires_at`, or one already past with no
 * server clock to compare with). An hour keeps logins rare; a session that dies sooner costs one re-login on
 * its first 401, never a failure.
 */
export const ASSUMED_LIFETIME_S = 3600;

/** How long a keychain operation may take before the cache is taken as absent (a locked keychain may prompt). */
const CACHE_TIMEOUT_MS = 5000;

const asNumber = (v: unknown): number =>
  typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;

/**
 * When a session expires by the local clock. Pantheon's `expires_at` is by its own clock, which may be hours
 * away from the user's: the lifetime is `expires_at` minus the server's `Date` at login, counted from the local
 * time of login. Without a usable `Date`, `expires_at` is taken as is unless it is already (nearly) past, in
 * which case a sane lifetime is assumed rather than logging in before every request.
 */
export function localSessionExpiry(
  expiresAt: unknown,
  serverDate: string | undefined,
  localNow: number,
): number {
  const exp = asNumber(expiresAt);
  if (!Number.isFinite(exp)) return localNow + ASSUMED_LIFETIME_S;
  const server = serverDate ? Date.parse(serverDate) / 1000 : Number.NaN;
  if (Number.isFinite(server)) {
    const lifetime = exp - server;
    return lifetime > 0 ? localNow + lifetime : localNow + ASSUMED_LIFETIME_S;
  }
  return exp - SESSION_MARGIN_S > localNow ? exp : localNow + ASSUMED_LIFETIME_S;
}

/** A login's outcome, with the expiry already by the local clock. */
export interface SessionState {
  readonly session: string;
  readonly userId: string;
  readonly expiresAt: number;
  /** When the login was sent, by the local clock (its lifetime sets the margin). */
  readonly issuedAt?: number;
}

/** Resolves with `fallback` if `p` fails or takes too long: a cache is an optimisation, never a dependency. */
async function quietly<T>(p: () => Promise<T>, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p(),
      new Promise<T>((resolve) => {
        timer = setTimeout(() => resolve(fallback), CACHE_TIMEOUT_MS);
        timer.unref();
      }),
    ]);
  } catch {
    return fallback;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A machine-token login's session, shared by every request of one client, one login at a time. With a cache,
 * the first request tries the session another process saved (same API, not expired) before logging in, and
 * every new session is saved for the next process.
 */
export class SessionKeeper {
  private state: SessionState | null = null;
  private pending: Promise<SessionState> | null = null;
  private cacheTried = false;
  /** Cache writes run in order, so a clear after a 401 can never land after the save of the new session. */
  private cacheOps: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: {
      readonly apiUrl: string;
      readonly login: () => Promise<SessionState>;
      readonly cache?: SessionCache;
      readonly now?: () => number;
    },
  ) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now() / 1000;
  }

  /** The session from the cache in use now, if it is one: a refusal of it is the cache's fault, not the token's. */
  private cachedSession: string | null = null;

  private fresh(s: { expiresAt: number; issuedAt?: number }): boolean {
    return s.expiresAt - sessionMargin(s) > this.now();
  }

  /** Whether `session` is the one loaded from the cache (not one this keeper logged in for). */
  isFromCache(session: string): boolean {
    return this.cachedSession === session && this.state?.session === session;
  }

  /** The session to use now: the one in memory, else a cached one, else a new login. */
  current(): Promise<SessionState> {
    if (this.state && this.fresh(this.state)) return Promise.resolve(this.state);
    this.pending ??= this.fromCacheOrLogin().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  /** Forgets a session Pantheon refused (a 401), here and in the cache. */
  invalidate(session: string): void {
    if (this.state?.session !== session) return;
    this.state = null;
    const cache = this.deps.cache;
    if (cache) this.queue(() => cache.clear());
  }

  /** Logs in again now (after a 401), whatever the session in memory says. */
  renew(): Promise<SessionState> {
    this.pending ??= this.loginAndSave().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private queue(op: () => Promise<void>): Promise<void> {
    this.cacheOps = this.cacheOps.then(() => quietly(op, undefined));
    return this.cacheOps;
  }

  private async fromCacheOrLogin(): Promise<SessionState> {
    const cache = this.deps.cache;
    if (cache && !this.cacheTried) {
      this.cacheTried = true;
      const cached = await quietly(() => cache.load(), null);
      if (
        cached &&
        cached.apiUrl === this.deps.apiUrl &&
        typeof cached.session === 'string' &&
        isUsableSession(cached.session) &&
        typeof cached.userId === 'string' &&
        cached.userId !== '' &&
        Number.isFinite(cached.expiresAt) &&
        this.fresh(cached)
      ) {
        registerSecret(cached.session);
        this.state = {
          session: cached.session,
          userId: cached.userId,
          expiresAt: cached.expiresAt,
          ...(typeof cached.issuedAt === 'number' && Number.isFinite(cached.issuedAt)
            ? { issuedAt: cached.issuedAt }
            : {}),
        };
        this.cachedSession = cached.session;
        return this.state;
      }
    }
    return this.loginAndSave();
  }

  private async loginAndSave(): Promise<SessionState> {
    const s = await this.deps.login();
    registerSecret(s.session);
    this.state = s;
    const cache = this.deps.cache;
    if (cache) await this.queue(() => cache.save({ apiUrl: this.deps.apiUrl, ...s }));
    return s;
  }
}
