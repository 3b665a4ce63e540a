import { readdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ACCOUNT_COLOURS, type Account, type AccountColour } from '@shared/models';
import type { TerminusImport } from '@shared/api/contract';
import { LifeboatError } from '../errors';
import { forgetSecret, registerSecret } from '../log/redact';
import { PANTHEON_API_URL } from '../pantheon/config';
import type { PantheonClient, SessionCache } from '../pantheon/client';
import { JsonFile } from '../settings/json-file';
import type { SecretStore } from './secret-store';
import { accountSessionKey, keychainSessionCache } from './session-cache';

/** Builds an API client for an API base and a token source, keeping its session in `sessionCache` if given. */
export type ClientFactory = (
  apiUrl: string,
  machineToken: () => Promise<string>,
  sessionCache?: SessionCache,
) => PantheonClient;

/**
 * An account as saved. Files written before accounts had names and colours have neither: they load with the
 * defaults (see {@link withDefaults}). `label` is saved only once the person gives one, so the default follows
 * the user's name.
 */
type StoredAccount = Omit<Account, 'label' | 'colour'> & {
  readonly label?: string;
  readonly colour?: string;
};

interface AccountsFile {
  readonly version: 1;
  readonly accounts: StoredAccount[];
  /** The account the person chose for a site several accounts see, by site id. */
  readonly siteAccounts?: Readonly<Record<string, string>>;
}

const isColour = (c: unknown): c is AccountColour => ACCOUNT_COLOURS.includes(c as AccountColour);

/**
 * The accounts with their names and colours: a saved one as it is, else the defaults. An account without a
 * colour (saved by an older Lifeboat, or edited by hand) gets the first one no account before it has, so two
 * older accounts never share one while the palette lasts.
 */
function withDefaults(stored: readonly StoredAccount[]): Account[] {
  const used: AccountColour[] = stored.map((a) => a.colour).filter(isColour);
  return stored.map((a) => {
    let colour = isColour(a.colour) ? a.colour : undefined;
    if (!colour) {
      colour = freeColour(used);
      used.push(colour);
    }
    return { ...a, label: a.label?.trim() || a.fullName || a.email, colour };
  });
}

/** The first colour of the palette no account has; once all are taken, the first of the least used. */
function freeColour(used: readonly string[]): AccountColour {
  const count = (c: string): number => used.filter((u) => u === c).length;
  const least = Math.min(...ACCOUNT_COLOURS.map(count));
  return ACCOUNT_COLOURS.find((c) => count(c) === least)!;
}

/** The demo sandbox, started on first use by the composition root: where it is and its accounts' tokens. */
export type DemoProvider = () => Promise<{
  readonly apiUrl: string;
  readonly tokens: Readonly<Record<string, string>>;
}>;

/**
 * Accounts: one per machine token, named by the user's email. The token goes to the keychain; the rest
 * (email, name, API base) to `accounts.json` in the data folder. Clients are made per account on demand.
 */
export class AccountService {
  private readonly file: JsonFile<AccountsFile>;
  private readonly clients = new Map<string, PantheonClient>();

  constructor(
    private readonly deps: {
      readonly dataDir: string;
      readonly secrets: SecretStore;
      readonly clientFor: ClientFactory;
      /** The API base new accounts use unless told otherwise. */
      readonly defaultApiUrl: string;
      readonly demo?: DemoProvider;
      readonly onChange?: (accounts: readonly Account[]) => void;
    },
  ) {
    this.file = new JsonFile(join(deps.dataDir, 'accounts.json'), () => ({ version: 1, accounts: [] }));
  }

  /** Every account, in the order they were added. */
  async list(): Promise<Account[]> {
    return withDefaults((await this.file.read()).accounts);
  }

  /** One account, or `not-found`. */
  async get(accountId: string): Promise<Account> {
    const account = (await this.list()).find((a) => a.id === accountId);
    if (!account)
      throw new LifeboatError('not-found', `There is no account ${accountId}. It may have been removed.`);
    return account;
  }

  /**
   * Adds an account by machine token: logs in to learn who it belongs to, then saves the token in the keychain
   * and the account in the settings. Adding a token of an existing account replaces its token.
   */
  async add(machineToken: string, options: { apiUrl?: string; demo?: boolean } = {}): Promise<Account> {
    const token = machineToken.trim();
    registerSecret(token);
    const apiUrl = options.apiUrl ?? this.deps.defaultApiUrl;
    const client = this.deps.clientFor(apiUrl, async () => token);
    const user = await client.whoAmI();
    const id = options.demo ? `${user.id}@demo` : accountIdOf(user.id, apiUrl);
    const account: StoredAccount = {
      id,
      email: user.email,
      fullName: user.fullName,
      ...(apiUrl !== PANTHEON_API_URL && !options.demo ? { apiUrl } : {}),
      ...(options.demo ? { demo: true } : {}),
      addedAt: new Date().toISOString(),
    };
    // Demo tokens are public and come from the sandbox itself; real tokens go to the keychain before anything else is written.
    if (!options.demo) {
      await this.deps.secrets.set(id, token);
      // A session cached for the token this one replaces is not this token's: start afresh.
      await keychainSessionCache(this.deps.secrets, accountSessionKey(id)).clear();
    }
    try {
      const next = await this.file.update((f) => {
        const existing = f.accounts.find((a) => a.id === id);
        // A new token for a known account keeps the name and colour the person gave it.
        const merged: StoredAccount = existing
          ? {
              ...account,
              addedAt: existing.addedAt,
              ...(existing.label ? { label: existing.label } : {}),
              ...(existing.colour ? { colour: existing.colour } : {}),
            }
          : { ...account, colour: freeColour(withDefaults(f.accounts).map((a) => a.colour)) };
        return {
          ...f,
          accounts: existing ? f.accounts.map((a) => (a.id === id ? merged : a)) : [...f.accounts, merged],
        };
      });
      const accounts = withDefaults(next.accounts);
      this.clients.set(id, client);
      this.deps.onChange?.(accounts);
      return accounts.find((a) => a.id === id)!;
    } catch (e) {
      if (!options.demo) await this.deps.secrets.delete(id).catch(() => undefined);
      throw e;
    }
  }

  /** Starts the demo sandbox (if needed) and adds its accounts. */
  async startDemo(): Promise<Account[]> {
    if (!this.deps.demo)
      throw new LifeboatError('not-found', 'The demo sandbox is not available in this build.');
    const demo = await this.deps.demo();
    const added: Account[] = [];
    for (const token of Object.values(demo.tokens))
      added.push(await this.add(token, { apiUrl: demo.apiUrl, demo: true }));
    return added;
  }

  /** Removes an account, its keychain entry and its cached session. */
  async remove(accountId: string): Promise<void> {
    const account = await this.get(accountId);
    if (!account.demo) {
      const token = await this.deps.secrets.get(accountId);
      await this.deps.secrets.delete(accountId);
      if (token) forgetSecret(token);
      await keychainSessionCache(this.deps.secrets, accountSessionKey(accountId)).clear();
    }
    const next = await this.file.update((f) => ({
      ...f,
      accounts: f.accounts.filter((a) => a.id !== accountId),
      // Its sites fall back to the first account that still sees them.
      siteAccounts: Object.fromEntries(
        Object.entries(f.siteAccounts ?? {}).filter(([, chosen]) => chosen !== accountId),
      ),
    }));
    this.clients.delete(accountId);
    this.deps.onChange?.(withDefaults(next.accounts));
  }

  /** Renames an account and/or gives it another colour of the palette. */
  async update(accountId: string, change: { label?: string; colour?: AccountColour }): Promise<Account> {
    const label = change.label?.trim();
    if (change.label !== undefined && !label)
      throw new LifeboatError('invalid-request', 'An account name cannot be empty.');
    if (change.colour !== undefined && !isColour(change.colour))
      throw new LifeboatError('invalid-request', `A colour is one of ${ACCOUNT_COLOURS.join(', ')}.`);
    const next = await this.file.update((f) => {
      if (!f.accounts.some((a) => a.id === accountId))
        throw new LifeboatError('not-found', `There is no account ${accountId}. It may have been removed.`);
      return {
        ...f,
        accounts: f.accounts.map((a) =>
          a.id === accountId
            ? { ...a, ...(label ? { label } : {}), ...(change.colour ? { colour: change.colour } : {}) }
            : a,
        ),
      };
    });
    const accounts = withDefaults(next.accounts);
    this.deps.onChange?.(accounts);
    return accounts.find((a) => a.id === accountId)!;
  }

  /** The account the person chose for each site several accounts see, by site id. */
  async siteAccounts(): Promise<Readonly<Record<string, string>>> {
    return (await this.file.read()).siteAccounts ?? {};
  }

  /** Remembers which account to use for a site several accounts see. */
  async chooseSiteAccount(siteId: string, accountId: string): Promise<void> {
    await this.get(accountId);
    await this.file.update((f) => ({ ...f, siteAccounts: { ...f.siteAccounts, [siteId]: accountId } }));
  }

  /** The API client of an account; the token is read from the keychain when a login is needed. */
  async client(accountId: string): Promise<PantheonClient> {
    const cached = this.clients.get(accountId);
    if (cached) return cached;
    const account = await this.get(accountId);
    if (account.demo) {
      // Demo tokens come from the running sandbox, which listens on a new port each time the app starts.
      if (!this.deps.demo)
        throw new LifeboatError(
          'not-found',
          'The demo sandbox is not available here. Remove the demo account.',
        );
      const demo = await this.deps.demo();
      const token = demo.tokens[account.email];
      if (!token)
        throw new LifeboatError(
          'not-found',
          `The demo has no account ${account.email}. Remove it and start the demo again.`,
        );
      const client = this.deps.clientFor(demo.apiUrl, async () => token);
      this.clients.set(accountId, client);
      return client;
    }
    const client = this.deps.clientFor(
      account.apiUrl ?? PANTHEON_API_URL,
      async () => {
        const token = await this.deps.secrets.get(accountId);
        if (!token) {
          throw new LifeboatError(
            'not-logged-in',
            `The machine token of ${account.email} is missing from the keychain. Remove the account and add it again.`,
          );
        }
        return token;
      },
      // The session is kept beside the token, so the next process (a CLI command, the app restarted) reuses it.
      keychainSessionCache(this.deps.secrets, accountSessionKey(accountId)),
    );
    this.clients.set(accountId, client);
    return client;
  }

  /**
   * Imports the machine tokens Terminus saved in `~/.terminus/cache/tokens/` (JSON `{token, email, date}`),
   * checking each with a login. Files that are not tokens or whose token Pantheon rejects are reported, not fatal.
   */
  async importTerminus(dir = join(homedir(), '.terminus', 'cache', 'tokens')): Promise<TerminusImport> {
    let names: string[];
    try {
      names = (await readdir(dir, { withFileTypes: true }))
        .filter((d) => d.isFile())
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new LifeboatError(
          'not-found',
          `No Terminus tokens found: ${dir} does not exist. Log in with Terminus first, or add a machine token directly.`,
        );
      }
      throw new LifeboatError('io', `Could not read ${dir}: ${(e as Error).message}`);
    }
    const imported: Account[] = [];
    const skipped: { file: string; reason: string }[] = [];
    for (const name of names) {
      let token: unknown;
      try {
        token = (JSON.parse(await readFile(join(dir, name), 'utf8')) as { token?: unknown }).token;
      } catch {
        skipped.push({ file: name, reason: 'not a Terminus token file (not JSON)' });
        continue;
      }
      if (typeof token !== 'string' || token.trim() === '') {
        skipped.push({ file: name, reason: 'no token in the file' });
        continue;
      }
      try {
        imported.push(await this.add(token));
      } catch (e) {
        if (e instanceof LifeboatError && e.code === 'keychain-unavailable') throw e;
        skipped.push({
          file: name,
          reason: e instanceof LifeboatError ? e.toAppError().message : 'could not log in',
        });
      }
    }
    if (names.length === 0)
      throw new LifeboatError(
        'not-found',
        `No Terminus tokens found in ${dir}. Log in with Terminus first, or add a machine token directly.`,
      );
    return { imported, skipped };
  }
}

/** An account id: the Pantheon user id, qualified by host for any API other than Pantheon's. */
export function accountIdOf(userId: string, apiUrl: string): string {
  return apiUrl === PANTHEON_API_URL ? userId : `${userId}@${new URL(apiUrl).host}`;
}
