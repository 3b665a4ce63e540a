import { join } from 'node:path';
import type { SiteList } from '@shared/api/contract';
import type { Organization, Site } from '@shared/models';
import { mergeAccounts } from '@shared/site-search';
import { LifeboatError } from '../errors';
import type { AccountService } from '../secrets/accounts';
import { JsonFile } from '../settings/json-file';

interface CachedAccount {
  readonly sites: Site[];
  readonly organizations: Organization[];
  readonly fetchedAt: string;
}

type CacheFile = Record<string, CachedAccount>;

/**
 * One site list across every account. The last good list of each account is kept on disk, so when Pantheon
 * or the network fails the app still shows what it knew, with the failure reported beside it.
 */
export class SiteDirectory {
  private readonly cache: JsonFile<CacheFile>;
  private memory: CacheFile | null = null;

  constructor(
    private readonly accounts: AccountService,
    dataDir: string,
  ) {
    this.cache = new JsonFile(join(dataDir, 'sites-cache.json'), () => ({}));
  }

  /**
   * Sites of all accounts, each site once: one several accounts see carries them all in `accountIds` and, as
   * its `accountId`, the one the person chose for it (else the first in account order). Fetched when `refresh`
   * or when nothing is known yet.
   */
  async list(refresh = false): Promise<SiteList> {
    const accounts = await this.accounts.list();
    const known = this.memory ?? (await this.cache.read());
    const failedAccounts: { accountId: string; message: string }[] = [];
    const next: CacheFile = {};
    let fetched = false;
    await Promise.all(
      accounts.map(async (a) => {
        const cached = known[a.id];
        if (cached && !refresh) {
          next[a.id] = cached;
          return;
        }
        try {
          const { sites, organizations } = await (await this.accounts.client(a.id)).listSites();
          fetched = true;
          next[a.id] = {
            sites: sites.map((s) => ({ ...s, accountId: a.id })),
            organizations,
            fetchedAt: new Date().toISOString(),
          };
        } catch (e) {
          const message = e instanceof LifeboatError ? e.toAppError().message : 'Unknown error.';
          failedAccounts.push({ accountId: a.id, message });
          if (cached) next[a.id] = cached;
        }
      }),
    );
    this.memory = next;
    // The app asks for the list at every start: rewrite the cache only when it changed (something was fetched,
    // or an account that is gone takes its sites with it).
    if (fetched || Object.keys(known).some((id) => !(id in next))) await this.cache.write(next);
    const chosen = await this.accounts.siteAccounts();
    const sites = mergeAccounts(accounts.flatMap((a) => next[a.id]?.sites ?? [])).map(
      ({ site, accountIds }): Site => ({
        ...site,
        accountId: accountIds.find((id) => id === chosen[site.id]) ?? accountIds[0]!,
        accountIds,
      }),
    );
    const organizations = accounts.flatMap((a) => next[a.id]?.organizations ?? []);
    const times = accounts.map((a) => next[a.id]?.fetchedAt).filter((t): t is string => Boolean(t));
    return {
      sites,
      organizations,
      failedAccounts,
      // The oldest part of the list is what "refreshed at" must admit to.
      fetchedAt: times.sort()[0] ?? new Date().toISOString(),
    };
  }

  /**
   * Uses `accountId` for the site `siteId` from now on (remembered across restarts), as `sites.list` then says.
   * Refused (`not-found`) when that account does not see the site as far as the last list knows.
   */
  async chooseAccount(siteId: string, accountId: string): Promise<Site> {
    const site = (await this.list()).sites.find((s) => s.id === siteId || s.name === siteId);
    if (!site)
      throw new LifeboatError('not-found', `No account sees a site ${siteId}. Refresh the site list.`);
    const account = await this.accounts.get(accountId);
    if (!site.accountIds?.includes(accountId))
      throw new LifeboatError('not-found', `${account.label} (${account.email}) does not see ${site.name}.`);
    await this.accounts.chooseSiteAccount(site.id, accountId);
    return { ...site, accountId };
  }

  /** A site of an account by name or id: from the known list when possible, else looked up on Pantheon. */
  async resolve(accountId: string, ref: string): Promise<Site> {
    const known = this.memory?.[accountId]?.sites.find((s) => s.name === ref || s.id === ref);
    if (known) return known;
    const site = await (await this.accounts.client(accountId)).getSite(ref);
    return { ...site, accountId };
  }
}
