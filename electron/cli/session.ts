import type { Site } from '@shared/models';
import { startSandbox, type Sandbox } from '../sandbox';
import { createEngine, type Engine } from '../services/engine';
import { LifeboatError } from '../services/errors';
import { PantheonClient } from '../services/pantheon/client';
import { resolveApiUrl } from '../services/pantheon/config';
import { defaultDataDir } from '../services/settings/paths';
import { accountIdOf } from '../services/secrets/accounts';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import { sessionCacheForToken } from '../services/secrets/session-cache';
import { USER_AGENT } from '../services/version';

/** Global options every command accepts. */
export interface GlobalOptions {
  readonly apiUrl?: string;
  readonly machineToken?: string;
  readonly demo: boolean;
  readonly account?: string;
}

/** Where the CLI keeps its accounts and jobs: shared with the desktop app (LIFEBOAT_DATA_DIR overrides). */
export const dataDir = (env: NodeJS.ProcessEnv = process.env): string => defaultDataDir(env);

/** The OS keychain; LIFEBOAT_KEYCHAIN_SERVICE (tests) names entries of its own instead of Lifeboat's. */
const keychain = (env: NodeJS.ProcessEnv): KeytarSecretStore =>
  new KeytarSecretStore(env.LIFEBOAT_KEYCHAIN_SERVICE || undefined);

/** The engine over the OS keychain, for the `auth` commands and the saved accounts. */
export function keychainEngine(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Engine {
  return createEngine({
    dataDir: dataDir(env),
    secrets: keychain(env),
    defaultApiUrl: resolveApiUrl(g.apiUrl, env),
  });
}

/** One account the CLI works through: its client and how to name it. */
export interface Connected {
  readonly client: PantheonClient;
  /** How messages name it: the email, `… (demo)`, or `machine token`. */
  readonly label: string;
  /** The account's email; null for a bare machine token until {@link Connection.emailOf} asks Pantheon. */
  readonly email: string | null;
  /** The id the app knows the account by (the keychain's, or a demo account's); null for a bare token. */
  readonly accountId: string | null;
}

/**
 * How the CLI reaches Pantheon: the in-process demo sandbox (`--demo`, every demo account as the app's demo
 * has them), a token given on the command line or in TERMINUS_MACHINE_TOKEN (no keychain, for scripts and CI),
 * or the accounts saved in the keychain. `--account EMAIL` keeps only that account.
 */
export class Connection {
  private readonly emails = new Map<PantheonClient, Promise<string>>();

  private constructor(
    private readonly clients: readonly Connected[],
    readonly sandbox: Sandbox | null,
  ) {}

  static async open(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
    if (g.demo) {
      const sandbox = await startSandbox({ seed: 'demo', workflowStepMs: 400 });
      const accounts = sandbox.accounts.filter((a) => !g.account || a.email === g.account);
      if (accounts.length === 0) {
        await sandbox.close();
        throw new LifeboatError(
          'not-found',
          `The demo has no account ${g.account}; it has ${sandbox.accounts.map((a) => a.email).join(' and ')}.`,
        );
      }
      const clients = accounts.map((account) => ({
        client: new PantheonClient({
          apiUrl: sandbox.apiUrl,
          machineToken: async () => account.machineToken,
          userAgent: USER_AGENT,
          minPollMs: 100,
        }),
        label: `${account.email} (demo)`,
        email: account.email,
        // As the app's demo names its accounts, so a job started here can be retried there.
        accountId: `${account.userId}@demo`,
      }));
      return new Connection(clients, sandbox);
    }
    const apiUrl = resolveApiUrl(g.apiUrl, env);
    const token = g.machineToken ?? env.TERMINUS_MACHINE_TOKEN;
    if (token) {
      // The session is kept in the keychain between commands (as Terminus keeps it), so a script of ten
      // commands logs in once; without a keychain there is simply no cache.
      const client = new PantheonClient({
        apiUrl,
        machineToken: async () => token,
        userAgent: USER_AGENT,
        sessionCache: sessionCacheForToken(keychain(env), apiUrl, token),
      });
      return new Connection([{ client, label: 'machine token', email: null, accountId: null }], null);
    }
    const engine = keychainEngine(g, env);
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
      accounts.map(async (a) => ({
        client: await engine.accounts.client(a.id),
        label: a.email,
        email: a.email,
        accountId: a.id,
      })),
    );
    return new Connection(clients, null);
  }

  /** Every account (one client each). */
  all(): readonly Connected[] {
    return this.clients;
  }

  /** The email of an account; for a bare machine token, asked of Pantheon once. */
  emailOf(c: Connected): Promise<string> {
    if (c.email !== null) return Promise.resolve(c.email);
    let email = this.emails.get(c.client);
    if (!email) {
      email = c.client.whoAmI().then((u) => u.email || c.label);
      this.emails.set(c.client, email);
    }
    return email;
  }

  /**
   * The app's id for the account behind `client` (for a job's plan): the saved account's, or for a bare token
   * the id the app would give that user, so a job started with a token can be retried by the app when the
   * same account is saved there.
   */
  accountIdFor(client: PantheonClient, site: Site): string {
    const c = this.clients.find((x) => x.client === client);
    return c?.accountId ?? accountIdOf(site.accountId, client.apiUrl);
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
