/**
 * Bounds for numbers Pantheon sends (catalog times and ttls, schedule hours, signed URLs' expiry). A value
 * outside them is a broken or hostile answer, read as "not said": a date of 1e20 or NaN would otherwise reach
 * date formatting (which throws) or a loop that counts towards it (which never ends).
 */

/** 2000-01-01T00:00:00Z: Pantheon has no backup from before it. */
export const EARLIEST_TIME_S = 946_684_800;
/** 2200-01-01T00:00:00Z: no backup is made or scheduled after it. */
export const LATEST_TIME_S = 7_258_118_400;
/** A hundred years: Terminus sets no limit on `--keep-for`, but nothing is kept longer than that. */
export const LONGEST_TTL_S = 100 * 365 * 86_400;

/** A number, also one sent as a string ("385"), else null. */
export const numeric = (v: unknown): number | null =>
  typeof v === 'number' && Number.isFinite(v)
    ? v
    : typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))
      ? Number(v)
      : null;

/** A point in time (seconds since epoch) in the sane range, else null. */
export function saneTime(v: unknown): number | null {
  const n = numeric(v);
  return n !== null && n >= EARLIEST_TIME_S && n <= LATEST_TIME_S ? n : null;
}

/** An expiry: a sane time plus at most a sane ttl, else null. */
export function saneExpiry(v: unknown): number | null {
  const n = numeric(v);
  return n !== null && n >= EARLIEST_TIME_S && n <= LATEST_TIME_S + LONGEST_TTL_S ? n : null;
}

/** A retention in seconds: zero up to a hundred years, else null. */
export function saneTtl(v: unknown): number | null {
  const n = numeric(v);
  return n !== null && n >= 0 && n <= LONGEST_TTL_S ? n : null;
}
