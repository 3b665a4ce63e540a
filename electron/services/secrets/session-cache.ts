import { createHash } from 'node:crypto';
import { registerSecret } from '../log/redact';
import type { CachedSession, SessionCache } from '../pantheon/session';
import type { SecretStore } from './secret-store';

export type { CachedSession, SessionCache } from '../pantheon/session';

/** What is stored: the session and what it takes to know whether it may be used. */
interface StoredSession {
  readonly v: 1;
  readonly apiUrl: string;
  readonly session: string;
  readonly userId: string;
  readonly expiresAt: number;
  /** When it was issued (local clock); absent in entries saved before it was kept. */
  readonly issuedAt?: number;
}

const parse = (text: string | null): CachedSession | null => {
  if (!text) return null;
  try {
    const s = JSON.parse(text) as Partial<StoredSession>;
    if (
      s.v !== 1 ||
      typeof s.apiUrl !== 'string' ||
      typeof s.session !== 'string' ||
      !s.session ||
      typeof s.userId !== 'string' ||
      typeof s.expiresAt !== 'number'
    )
      return null;
    registerSecret(s.session);
    return {
      apiUrl: s.apiUrl,
      session: s.session,
      userId: s.userId,
      expiresAt: s.expiresAt,
      ...(typeof s.issuedAt === 'number' ? { issuedAt: s.issuedAt } : {}),
    };
  } catch {
    return null;
  }
};

/**
 * A session cache in the keychain under `key`, as Terminus keeps its session in `~/.terminus/cache/session`:
 * sessions are secrets, so they live where the machine tokens do, never in a file. A keychain that is
 * unavailable or fails means "no cache": every method then quietly does nothing.
 */
export function keychainSessionCache(secrets: SecretStore, key: string): SessionCache {
  return {
    async load() {
      try {
        return parse(await secrets.get(key));
      } catch {
        return null;
      }
    },
    async save(s) {
      registerSecret(s.session);
      const stored: StoredSession = {
        v: 1,
        apiUrl: s.apiUrl,
        session: s.session,
        userId: s.userId,
        expiresAt: s.expiresAt,
        ...(s.issuedAt !== undefined ? { issuedAt: s.issuedAt } : {}),
      };
      try {
        await secrets.set(key, JSON.stringify(stored));
      } catch {
        // no cache this time
      }
    },
    async clear() {
      try {
        await secrets.delete(key);
      } catch {
        // nothing to clear where nothing could be kept
      }
    },
  };
}

/** The keychain entry of a saved account's session. */
export const accountSessionKey = (accountId: string): string => `${accountId}#session`;

/**
 * The session cache of a machine token given on the command line (`TERMINUS_MACHINE_TOKEN`): keyed by a
 * SHA-256 of the API base and the token, so the token itself is never a keychain entry name.
 */
export function sessionCacheForToken(secrets: SecretStore, apiUrl: string, token: string): SessionCache {
  const digest = createHash('sha256').update(`${apiUrl}\n${token}`).digest('hex');
  return keychainSessionCache(secrets, `token-session#${digest}`);
}
