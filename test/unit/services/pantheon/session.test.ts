import { describe, expect, it } from 'vitest';
import {
  ASSUMED_LIFETIME_S,
  localSessionExpiry,
  SESSION_MARGIN_S,
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
