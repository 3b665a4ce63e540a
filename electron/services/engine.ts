import type { AppEventName, AppEvents } from '@shared/api/events';
import { PantheonClient } from './pantheon/client';
import { PANTHEON_API_URL } from './pantheon/config';
import type { RetryPolicy } from './pantheon/http';
import { AccountService, type TokenOverride } from './secrets/accounts';
import type { SecretStore } from './secrets/secret-store';
import { SiteDirectory } from './sites/site-directory';
import { USER_AGENT } from './version';

/** What the engine needs from its composition root (main, host, CLI or a test). */
export interface EngineOptions {
  readonly dataDir: string;
  readonly secrets: SecretStore;
  readonly defaultApiUrl?: string;
  readonly retry?: RetryPolicy;
  readonly minPollMs?: number;
  readonly tokenOverride?: TokenOverride;
  readonly emit?: <K extends AppEventName>(name: K, payload: AppEvents[K]) => void;
}

/** The engine: every service, wired once, shared by the desktop app, the browser host and the CLI. */
export interface Engine {
  readonly dataDir: string;
  readonly secrets: SecretStore;
  readonly accounts: AccountService;
  readonly sites: SiteDirectory;
}

/** Wires the services. */
export function createEngine(options: EngineOptions): Engine {
  const clientFor = (apiUrl: string, machineToken: () => Promise<string>): PantheonClient =>
    new PantheonClient({
      apiUrl,
      machineToken,
      userAgent: USER_AGENT,
      retry: options.retry,
      minPollMs: options.minPollMs,
    });
  const accounts = new AccountService({
    dataDir: options.dataDir,
    secrets: options.secrets,
    clientFor,
    defaultApiUrl: options.defaultApiUrl ?? PANTHEON_API_URL,
    tokenOverride: options.tokenOverride,
    onChange: (list) => options.emit?.('accounts.changed', { accounts: list }),
  });
  return {
    dataDir: options.dataDir,
    secrets: options.secrets,
    accounts,
    sites: new SiteDirectory(accounts, options.dataDir),
  };
}
