import { describe, expect, it } from 'vitest';
import {
  ASSUMED_LIFETIME_S,
  localSessionExpiry,
  SESSION_MARGIN_S,
  SessionKeeper,
  type CachedSession,
  type SessionState,
} from '../../../../electron/services/pantheon/session';

const now = 1_800_000_000;
const httpDate = (epochS: number) => new Date(epochS * 1000).toUTCString();

describe('localSessionExpiry', () => {
  it("counts the lifetime from the server's Date, whichever way its clock is off", () => {
    // 28 days, as the recorded logins have it, from a server two hours behind and one two hours ahead.
    const lifetime = 28 * 86400;
    expect(localSessionExpiry(now - 7200 + lifetime, httpDate(now - 7200), now)).toBe(now + lifetime);
    expect(localSessionExpiry(now + 7200 + lifetime, httpDate(now + 7200), now)).toBe(now + lifetime);
    // A one-hour session from a server two hours behind: past by our clock, an hour left in truth.
    expect(localSessionExpiry(now - 7200 + 3600, httpDate(now - 7200), now)).toBe(now + 3600);
  });

  it('without a usable Date, trusts expires_at unless it is already past, then assumes a sane lifetime', () => {
    expect(localSessionExpiry(now + 86400, undefined, now)).toBe(now + 86400);
    expect(localSessionExpiry(now + 86400, 'not a date', now)).toBe(now + 86400);
    expect(localSessionExpiry(now - 3600, undefined, now)).toBe(now + ASSUMED_LIFETIME_S);
    expect(localSessionExpiry(now + SESSION_MARGIN_S / 2, undefined, now)).toBe(now + ASSUMED_LIFETIME_S);
  });

  it('assumes a sane lifetime when expires_at is missing, not a number, or before the Date it came with', () => {
    expect(localSessionExpiry(undefined, httpDate(now), now)).toBe(now + ASSUMED_LIFETIME_S);
    expect(localSessionExpiry('soon', httpDate(now), now)).toBe(now + ASSUMED_LIFETIME_S);
    expect(localSessionExpiry(now - 10, httpDate(now), now)).toBe(now + ASSUMED_LIFETIME_S);
    // A number sent as a string is still a number.
    expect(localSessionExpiry(String(now + 600), httpDate(now), now)).toBe(now + 600);
  });
});

describe('SessionKeeper', () => {
  /** A keeper on a clock the test moves, whose logins issue sessions of `lifetime` seconds. */
  function keeper(lifetime: number, cached?: CachedSession) {
    let clock = now;
    let logins = 0;
    const k = new SessionKeeper({
      apiUrl: 'https://api.example/api/',
      now: () => clock,
      login: async (): Promise<SessionState> => {
        logins++;
        return { session: `s${logins}`, userId: 'u', expiresAt: clock + lifetime, issuedAt: clock };
      },
      ...(cached
        ? { cache: { load: async () => cached, save: async () => undefined, clear: async () => undefined } }
        : {}),
    });
    return {
      k,
      logins: () => logins,
      advance: (s: number) => {
        clock += s;
      },
    };
  }

  it('uses a session shorter-lived than the margin for half its life, not one login per request', async () => {
    // Pantheon answered expires_at = now + 30: the margin is 15 s, not 60 s.
    const t = keeper(30);
    for (let i = 0; i < 4; i++) {
      await t.k.current();
      t.advance(3);
    }
    expect(t.logins()).toBe(1);
    t.advance(10); // 22 s in: past half of its life
    expect((await t.k.current()).session).toBe('s2');
    expect(t.logins()).toBe(2);
  });

  it('keeps the full minute of margin for a long session', async () => {
    const t = keeper(3600);
    await t.k.current();
    t.advance(3600 - SESSION_MARGIN_S - 1);
    await t.k.current();
    expect(t.logins()).toBe(1);
    t.advance(2);
    await t.k.current();
    expect(t.logins()).toBe(2);
  });

  it('never uses a cached session that an HTTP header cannot carry', async () => {
    for (const session of ['abc\u001b]52;c;x\u0007def', 'caf\u00e9:1', 'two words', 'line\r\nX-Evil: 1']) {
      const t = keeper(3600, {
        apiUrl: 'https://api.example/api/',
        session,
        userId: 'u',
        expiresAt: now + 3600,
      });
      expect((await t.k.current()).session).toBe('s1');
      expect(t.logins()).toBe(1);
    }
    const good = keeper(3600, {
      apiUrl: 'https://api.example/api/',
      session: 'u:4f1c:AbC-_9',
      userId: 'u',
      expiresAt: now + 3600,
    });
    expect((await good.k.current()).session).toBe('u:4f1c:AbC-_9');
    expect(good.logins()).toBe(0);
  });
});
