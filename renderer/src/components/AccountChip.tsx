import { memo, useState } from 'react';
import type { Account, Site } from '@shared/models';
import { bridge } from '../bridge';
import { siteKey, useStore } from '../store';

/** An account's name in its colour: how site rows, site pages and local copies say which account is meant. */
export function AccountChip({ account }: { account: Account }) {
  return (
    <span
      className={`account-chip account-${account.colour}`}
      title={account.email}
      data-account={account.id}
    >
      <span>{account.label}</span>
    </span>
  );
}

/** The chip of an account by id; nothing when it is not (or no longer) saved. */
export function AccountChipOf({ accountId }: { accountId: string | null }) {
  const account = useStore((s) => s.accounts.data?.find((a) => a.id === accountId));
  return account ? <AccountChip account={account} /> : null;
}

/**
 * The chips of the accounts that see a site, in account order, for a row of the site list. Shown only when
 * more than one account is saved: with one, there is nothing to tell apart.
 */
export const AccountChips = memo(function AccountChips({ ids }: { ids: readonly string[] }) {
  const accounts = useStore((s) => s.accounts.data);
  if (!accounts || accounts.length < 2) return null;
  const shown = accounts.filter((a) => ids.includes(a.id));
  if (shown.length === 0) return null;
  return (
    <span className="account-chips">
      {/* Read aloud as "…, seen by Dana, Fran"; words that name no button of the app (a row is a button). */}
      <span className="visually-hidden">, seen by </span>
      {shown.map((a) => (
        <AccountChip key={a.id} account={a} />
      ))}
    </span>
  );
});

/**
 * On a site's page: which account the site is used with and, for a site several accounts see, the choice of
 * another (remembered for this site by the engine; the page then shows the site as that account sees it).
 */
export function SiteAccount({ site }: { site: Site }) {
  const accounts = useStore((s) => s.accounts.data);
  const loadSites = useStore((s) => s.loadSites);
  const select = useStore((s) => s.select);
  const toast = useStore((s) => s.toast);
  const [busy, setBusy] = useState(false);
  const current = accounts?.find((a) => a.id === site.accountId);
  const seenBy = (accounts ?? []).filter((a) => (site.accountIds ?? [site.accountId]).includes(a.id));
  if (!current) return null;
  const choose = async (accountId: string): Promise<void> => {
    setBusy(true);
    const r = await bridge().sites.chooseAccount({ siteId: site.id, accountId });
    if (!r.ok) {
      setBusy(false);
      return toast('error', r.error.message);
    }
    await loadSites();
    // The page is the site as that account sees it (its own key); the focus stays on the choice.
    select(siteKey(accountId, site.id));
    requestAnimationFrame(() => document.getElementById('site-account-choice')?.focus());
  };
  return (
    <div className="site-account hint">
      {seenBy.length > 1 ? (
        <>
          <label htmlFor="site-account-choice">Account for this site</label>
          <AccountChip account={current} />
          <select
            id="site-account-choice"
            value={current.id}
            disabled={busy}
            aria-describedby="site-account-why"
            onChange={(e) => void choose(e.target.value)}
          >
            {seenBy.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label === a.email ? a.email : `${a.label} (${a.email})`}
              </option>
            ))}
          </select>
          <span id="site-account-why">
            {seenBy.length} of your accounts see this site; Lifeboat remembers the one you choose.
          </span>
        </>
      ) : (
        <>
          <span>Account</span>
          <AccountChip account={current} />
          <span>{current.email}</span>
        </>
      )}
    </div>
  );
}
