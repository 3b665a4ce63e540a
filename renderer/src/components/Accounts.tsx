import { useState } from 'react';
import type { AppError } from '@shared/result';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { ErrorState } from './common';

const TOKEN_HELP = 'https://docs.pantheon.io/machine-tokens';

/** The heading of a failed add: only a token Pantheon refused is the token's fault. */
const addFailedTitle = (error: AppError): string =>
  error.code === 'invalid-token'
    ? 'That token did not work'
    : error.code === 'network' || error.code === 'timeout'
      ? 'Lifeboat could not reach Pantheon'
      : 'The account was not added';

/** Adding an account by machine token, with the specific error when Pantheon refuses it. */
export function AddAccountForm({ onAdded }: { onAdded?: () => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const loadSites = useStore((s) => s.loadSites);
  const toast = useStore((s) => s.toast);
  const submit = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await bridge().accounts.add({ machineToken: token });
    setBusy(false);
    if (!r.ok) {
      setError(r.error);
      return;
    }
    setToken('');
    toast('success', `Added ${r.value.email}.`);
    await loadAccounts();
    await loadSites(true);
    onAdded?.();
  };
  return (
    <form className="stack" onSubmit={submit} aria-label="Add a Pantheon account">
      <label htmlFor="machine-token">Machine token</label>
      <input
        id="machine-token"
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={token}
        onChange={(e) => setToken(e.target.value)}
        placeholder="Paste a machine token"
        aria-describedby="machine-token-help"
        aria-invalid={error?.code === 'invalid-token' ? true : undefined}
      />
      <p id="machine-token-help" className="hint">
        Create one in the Pantheon dashboard under Personal Settings → Machine Tokens (
        <a href={TOKEN_HELP} target="_blank" rel="noreferrer">
          how
        </a>
        ). Lifeboat keeps it in your system keychain.
      </p>
      {error && <ErrorState title={addFailedTitle(error)} error={error} />}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || token.trim() === ''}>
          {busy ? 'Checking…' : 'Add account'}
        </button>
      </div>
    </form>
  );
}

/** Buttons for the other two ways in: Terminus's saved tokens and the demo sandbox. */
export function OtherWaysIn() {
  const [busy, setBusy] = useState<'terminus' | 'demo' | null>(null);
  const [message, setMessage] = useState<{ kind: 'error' | 'info'; text: string } | null>(null);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const loadSites = useStore((s) => s.loadSites);
  const importTerminus = async (): Promise<void> => {
    setBusy('terminus');
    setMessage(null);
    const r = await bridge().accounts.importTerminus();
    setBusy(null);
    if (!r.ok) return setMessage({ kind: 'error', text: r.error.message });
    const skipped = r.value.skipped.map((s) => `${s.file}: ${s.reason}`).join('; ');
    setMessage({
      kind: r.value.imported.length ? 'info' : 'error',
      text: `Imported ${r.value.imported.length} account(s).${skipped ? ` Skipped ${skipped}.` : ''}`,
    });
    await loadAccounts();
    await loadSites(true);
  };
  const demo = async (): Promise<void> => {
    setBusy('demo');
    setMessage(null);
    const r = await bridge().accounts.startDemo();
    setBusy(null);
    if (!r.ok) return setMessage({ kind: 'error', text: r.error.message });
    await loadAccounts();
    await loadSites(true);
  };
  return (
    <div className="stack">
      <div className="row">
        <button type="button" onClick={importTerminus} disabled={busy !== null}>
          {busy === 'terminus' ? 'Importing…' : 'Import from Terminus'}
        </button>
        <button type="button" onClick={demo} disabled={busy !== null}>
          {busy === 'demo' ? 'Starting the demo…' : 'Try the demo sandbox'}
        </button>
      </div>
      {message &&
        (message.kind === 'error' ? (
          <ErrorState error={{ message: message.text }} />
        ) : (
          <p role="status">{message.text}</p>
        ))}
    </div>
  );
}

/** The first screen when there is no account yet. */
export function Welcome() {
  return (
    <main className="welcome" aria-labelledby="welcome-title">
      <div className="welcome-card">
        <h1 id="welcome-title">Welcome to Lifeboat</h1>
        <p className="lead">
          Bring a Pantheon site home: its code on a git branch at the deploy tag, its files in place, its
          database ready to import.
        </p>
        <section aria-labelledby="add-title">
          <h2 id="add-title">Add a Pantheon account</h2>
          <AddAccountForm />
        </section>
        <section aria-labelledby="other-title">
          <h2 id="other-title">Or</h2>
          <OtherWaysIn />
          <p className="hint">
            The demo sandbox is a pretend Pantheon running on this computer, with sample sites to try
            everything safely.
          </p>
        </section>
      </div>
    </main>
  );
}

/** Every account, with remove, plus the ways to add more. */
export function AccountsView() {
  const accounts = useStore((s) => s.accounts);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const loadSites = useStore((s) => s.loadSites);
  const toast = useStore((s) => s.toast);
  const remove = async (id: string, email: string): Promise<void> => {
    if (!window.confirm(`Remove ${email}? Its token is deleted from the keychain; restored folders stay.`))
      return;
    const r = await bridge().accounts.remove({ accountId: id });
    if (!r.ok) return toast('error', r.error.message);
    toast('info', `Removed ${email}.`);
    await loadAccounts();
    await loadSites(true);
  };
  return (
    <main className="page" aria-labelledby="accounts-title">
      <h1 id="accounts-title">Accounts</h1>
      {accounts.error && <ErrorState error={accounts.error} onRetry={() => void loadAccounts()} />}
      <ul className="card-list" aria-label="Accounts">
        {accounts.data?.map((a) => (
          <li key={a.id} className="card row spread">
            <div>
              <strong>{a.email}</strong>
              <div className="hint">
                {a.fullName}
                {a.demo ? ' · demo sandbox' : a.apiUrl ? ` · ${a.apiUrl}` : ''}
              </div>
            </div>
            <button type="button" onClick={() => void remove(a.id, a.email)} aria-label={`Remove ${a.email}`}>
              Remove
            </button>
          </li>
        ))}
      </ul>
      <section className="card" aria-labelledby="add-more">
        <h2 id="add-more">Add another account</h2>
        <AddAccountForm />
        <OtherWaysIn />
      </section>
    </main>
  );
}
