import { describe, expect, it } from 'vitest';
import { formatBytes } from '../../../shared/format';

describe('formatBytes', () => {
  it('shows whole bytes below a kilobyte, even for a measured rate (a fraction)', () => {
    expect(formatBytes(194.8051948051948)).toBe('195 bytes');
    expect(formatBytes(0)).toBe('0 bytes');
  });
  it('uses decimal units with one decimal under ten', () => {
    expect(formatBytes(1500)).toBe('1.5 kB');
    expect(formatBytes(340_000_000)).toBe('340 MB');
    expect(formatBytes(null)).toBe('—');
  });
});
