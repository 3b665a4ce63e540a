import type { TransferPolicy } from '../../electron/services/transfer/download';

/**
 * The app's transfer policy with millisecond backoff, URLs used until they expire and a 10 s stall limit, so
 * fault tests stay quick; each test sets what it is about (how many failures, a shorter stall…).
 */
export const fastTransfer = (overrides: Partial<TransferPolicy> = {}): TransferPolicy => ({
  maxFailures: 3,
  backoffMs: 5,
  maxBackoffMs: 20,
  maxUrlRefreshes: 4,
  refreshBeforeExpiryMs: 0,
  idleTimeoutMs: 10_000,
  ...overrides,
});
