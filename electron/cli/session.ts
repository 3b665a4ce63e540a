import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { closestName } from '@shared/closest';
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

/** Failures that belong to one account (its token is gone or refused), not to what was asked of it. */
const ACCOUNT_FAILURES: ReadonlySet<string> = new Set([
  'not-logged-in',
  'invalid-token',
  'session-expired',
  'keychain-unavailable',
]);
const accountFailed = (e: unknown): e is LifeboatError =>
  e instanceof LifeboatError && ACCOUNT_FAILURES.has(e.code);

/**
 * How the CLI reaches Pantheon: the in-process demo sandbox (`--demo`, every demo account as the app's demo
 * has them), a token given on the command line or in TERMINUS_MACHINE_TOKEN (no keychain, for scripts and CI),
 * or the accounts saved in the keychain. `--account EMAIL` keeps only that account.
 *
 * One saved account that cannot log in (its token missing from the keychain, or refused) does not stop the
 * others: it is skipped with a warning naming it, and a command fails only when no account could answer.
 */
export class Connection {
  private readonly emails = new Map<PantheonClient, Promise<string>>();
  /** Accounts that could not log in this run, and why; each is warned about once. */
  private readonly broken = new Map<Connected, LifeboatError>();
  private readonly reported = new Set<Connected>();

  private constructor(
    private readonly clients: readonly Connected[],
    readonly sandbox: Sandbox | null,
    private readonly warn: (text: string) => void,
    private readonly appDataDir: string | null,
    /** Saved accounts that could not be used at all (no client), already warned about. */
    private readonly unusable: readonly { readonly label: string; readonly error: LifeboatError }[] = [],
  ) {}

  static async open(
    g: GlobalOptions,
    env: NodeJS.ProcessEnv = process.env,
    warn: (text: string) => void = () => undefined,
  ): Promise<Connection> {
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
      return new Connection(clients, sandbox, warn, null);
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
      return new Connection(
        [{ client, label: 'machine token', email: null, accountId: null }],
        null,
        warn,
        null,
      );
    }
    const engine = keychainEngine(g, env);
    const accounts = (await engine.accounts.list()).filter((a) => !g.account || a.email === g.account);
    if (accounts.length === 0) {
      throw new LifeboatError(
        'not-logged-in',
        g.account
          ? `No saved account ${g.account}. See the saved ones with: lifeboat auth list`
          : 'Not logged in. Run: lifeboat auth login (it reads the token from standard input), or set TERMINUS_MACHINE_TOKEN, or try --demo.',
      );
    }
    const clients: Connected[] = [];
    const failed: { label: string; error: LifeboatError }[] = [];
    for (const a of accounts) {
      try {
        clients.push({
          client: await engine.accounts.client(a.id),
          label: a.email,
          email: a.email,
          accountId: a.id,
        });
      } catch (e) {
        // An account the CLI cannot use at all (a demo account the app saved) is skipped like a broken one.
        if (!(e instanceof LifeboatError)) throw e;
        failed.push({ label: a.email, error: e });
      }
    }
    if (clients.length === 0) throw failed[0]!.error;
    for (const f of failed) warn(`skipped ${f.label}: ${f.error.message}`);
    return new Connection(clients, null, warn, dataDir(env), failed);
  }

  /** Every account (one client each). */
  all(): readonly Connected[] {
    return this.clients;
  }

  /**
   * `fn` for every account that can log in, in order. An account whose token is missing or refused is skipped
   * with a warning naming it; when none answers, the first account's failure is the command's.
   */
  async eachAccount<T>(fn: (c: Connected) => Promise<T>): Promise<{ account: Connected; value: T }[]> {
    const out: { account: Connected; value: T }[] = [];
    for (const c of this.clients) {
      if (this.broken.has(c)) continue;
      try {
        out.push({ account: c, value: await fn(c) });
      } catch (e) {
        if (!accountFailed(e)) throw e;
        this.broken.set(c, e);
      }
    }
    this.reportBroken(out.length > 0);
    return out;
  }

  /** Warns once about each account skipped so far, or (when none answered) fails with the first one's error. */
  private reportBroken(anyAnswered: boolean): void {
    if (!anyAnswered && this.broken.size > 0) throw this.broken.values().next().value!;
    for (const [c, e] of this.broken) {
      if (this.reported.has(c)) continue;
      this.reported.add(c);
      this.warn(`skipped ${c.label}: ${e.message}`);
    }
  }

  /**
   * The accounts skipped so far (warned about): those that could not be used at all, then those whose token was
   * missing or refused, each named as messages name it, with why. For a command whose result must say what it
   * could not reach (a mirror of every site is not complete without them).
   */
  skipped(): { label: string; error: LifeboatError }[] {
    return [...this.unusable, ...[...this.broken].map(([c, error]) => ({ label: c.label, error }))];
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

  /**
   * The client of the account that can see `site`, and the site. Accounts that cannot log in are skipped (with
   * a warning): the lookup fails only when no account can see the site. A name no account knows is
   * `not-found`, with the closest site name when the site list is at hand (see {@link knownSiteNames}).
   */
  async site(ref: string): Promise<{ client: PantheonClient; site: Site }> {
    let notFound: LifeboatError | null = null;
    let answered = false;
    for (const c of this.clients) {
      if (this.broken.has(c)) continue;
      try {
        const site = await c.client.getSite(ref);
        this.reportBroken(true);
        return { client: c.client, site };
      } catch (e) {
        if (accountFailed(e)) {
          this.broken.set(c, e);
          continue;
        }
        if (!(e instanceof LifeboatError && e.code === 'not-found')) throw e;
        answered = true;
        notFound ??= e;
      }
    }
    this.reportBroken(answered);
    const close = closestName(ref, await this.knownSiteNames());
    const message = notFound?.message ?? `Site '${ref}' was not found.`;
    throw new LifeboatError(
      'not-found',
      `${message}${close ? ` Did you mean '${close}'?` : ''}`,
      notFound?.detail,
    );
  }

  /**
   * Site names to suggest from, only where they cost no requests to Pantheon: the in-process demo's lists, or
   * the lists the app last fetched for these accounts (its sites-cache.json). Anything unreadable is none.
   */
  private async knownSiteNames(): Promise<string[]> {
    const names = new Set<string>();
    if (this.sandbox) {
      for (const c of this.clients) {
        const list = await c.client.listSites().catch(() => null);
        list?.sites.forEach((s) => names.add(s.name));
      }
    } else if (this.appDataDir) {
      const cache = await readFile(join(this.appDataDir, 'sites-cache.json'), 'utf8')
        .then((t) => JSON.parse(t) as unknown)
        .catch(() => null);
      for (const c of this.clients) {
        const entry = c.accountId && isRecord(cache) ? cache[c.accountId] : null;
        const sites = isRecord(entry) && Array.isArray(entry.sites) ? (entry.sites as unknown[]) : [];
        for (const s of sites) if (isRecord(s) && typeof s.name === 'string') names.add(s.name);
      }
    }
    return [...names];
  }

  async close(): Promise<void> {
    await this.sandbox?.close();
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
