import type { Site } from '@shared/models';
import { startSandbox, type Sandbox } from '../sandbox';
import { createEngine, type Engine } from '../services/engine';
import { LifeboatError } from '../services/errors';
import { PantheonClient } from '../services/pantheon/client';
import { resolveApiUrl } from '../services/pantheon/config';
import { defaultDataDir } from '../services/settings/paths';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import { USER_AGENT } from '../services/version';

/** Global options every command accepts. */
export interface GlobalOptions {
  readonly apiUrl?: string;
  readonly machineToken?: string;
  readonly demo: boolean;
  readonly account?: string;
}

/** Where the CLI keeps its accounts: shared with the desktop app. */
export const dataDir = (): string => defaultDataDir();

/** The engine over the OS keychain, for the `auth` commands. */
export function keychainEngine(g: GlobalOptions): Engine {
  return createEngine({
    dataDir: dataDir(),
    secrets: new KeytarSecretStore(),
    defaultApiUrl: resolveApiUrl(g.apiUrl),
  });
}

/**
 * How the CLI reaches Pantheon: the in-process demo sandbox (`--demo`), a token given on the command line or in
 * TERMINUS_MACHINE_TOKEN (no keychain, for scripts and CI), or the accounts saved in the keychain.
 */
export class Connection {
  private constructor(
    private readonly clients: readonly { client: PantheonClient; label: string }[],
    readonly sandbox: Sandbox | null,
  ) {}

  static async open(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
    if (g.demo) {
      const sandbox = await startSandbox({ seed: 'demo', workflowStepMs: 400 });
      const account = sandbox.accounts.find((a) => !g.account || a.email === g.account);
      if (!account)
        throw new LifeboatError(
          'not-found',
          `The demo has no account ${g.account}; it has ${sandbox.accounts.map((a) => a.email).join(' and ')}.`,
        );
      const client = new PantheonClient({
        apiUrl: sandbox.apiUrl,
        machineToken: async () => account.machineToken,
        userAgent: USER_AGENT,
        minPollMs: 100,
      });
      return new Connection([{ client, label: `${account.email} (demo)` }], sandbox);
    }
    const apiUrl = resolveApiUrl(g.apiUrl, env);
    const token = g.machineToken ?? env.TERMINUS_MACHINE_TOKEN;
    if (token) {
      const client = new PantheonClient({ apiUrl, machineToken: async () => token, userAgent: USER_AGENT });
      return new Connection([{ client, label: 'machine token' }], null);
    }
    const engine = keychainEngine(g);
    const accounts = (await engine.accounts.list()).filter((a) => !g.account || a.email === g.account);
    if (accounts.length === 0) {
      throw new LifeboatError(
        'not-logged-in',
        g.account
          ? `No saved account ${g.account}. See the saved ones with: lifeboat auth list`
          : 'Not logged in. Run: lifeboat auth login --machine-token TOKEN (or pass --machine-token, or set TERMINUS_MACHINE_TOKEN, or try --demo).',
      );
    }
    const clients = await Promise.all(
      accounts.map(async (a) => ({ client: await engine.accounts.client(a.id), label: a.email })),
    );
    return new Connection(clients, null);
  }

  /** Every client (one per account). */
  all(): readonly { client: PantheonClient; label: string }[] {
    return this.clients;
  }

  /** The client of the account that can see `site`, and the site. */
  async site(ref: string): Promise<{ client: PantheonClient; site: Site }> {
    let last: unknown = null;
    for (const { client } of this.clients) {
      try {
        return { client, site: await client.getSite(ref) };
      } catch (e) {
        last = e;
        if (!(e instanceof LifeboatError && e.code === 'not-found')) throw e;
      }
    }
    throw last ?? new LifeboatError('not-found', `Site '${ref}' was not found.`);
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
  }
}
