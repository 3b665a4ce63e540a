import { describe, expect, it } from 'vitest';
import { formatBytes, relativeTime } from '../../../renderer/src/lib/format';

describe('formatting', () => {
  it('formats bytes and ages for people', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(null)).toBe('—');
    const now = Date.UTC(2026, 0, 10);
    expect(relativeTime(now / 1000 - 3 * 86400, now)).toBe('3 days ago');
    expect(relativeTime(now / 1000 + 8 * 86400, now)).toBe('next week');
  });
});
