import { useRef, useState } from 'react';
import { ACCOUNT_COLOURS, type Account, type AccountColour } from '@shared/models';
import type { AppError } from '@shared/result';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { AccountChip } from './AccountChip';
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

/** A colour's name for people: `blue` is Blue. */
const colourName = (c: AccountColour): string => c[0]!.toUpperCase() + c.slice(1);

/** Renaming an account and picking its colour, in place on its card. */
function AccountEditor({ account, onDone }: { account: Account; onDone: () => void }) {
  const [label, setLabel] = useState(account.label);
  const [colour, setColour] = useState<AccountColour>(account.colour);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const toast = useStore((s) => s.toast);
  const id = `account-edit-${account.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    const change = {
      ...(label.trim() !== account.label ? { label } : {}),
      ...(colour !== account.colour ? { colour } : {}),
    };
    if (Object.keys(change).length === 0) return onDone();
    setBusy(true);
    setError(null);
    const r = await bridge().accounts.update({ accountId: account.id, ...change });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    toast('success', `Saved ${r.value.label} (${r.value.email}).`);
    await loadAccounts();
    onDone();
  };
  return (
    <form
      className="stack account-editor"
      onSubmit={save}
      aria-label={`Name and colour of ${account.email}`}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          onDone();
        }
      }}
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={label}
          maxLength={80}
          autoComplete="off"
          // The person just asked to rename this account: the name is what they came to change.
          autoFocus
          onChange={(e) => setLabel(e.target.value)}
          aria-describedby={`${id}-help`}
          aria-invalid={error?.code === 'invalid-request' ? true : undefined}
        />
        <span id={`${id}-help`} className="hint">
          Shown with its colour on every site of this account, e.g. the client or agency it belongs to.
        </span>
      </div>
      <fieldset>
        <legend>Colour</legend>
        <div className="colour-choices">
          {ACCOUNT_COLOURS.map((c) => (
            <label key={c}>
              <input
                type="radio"
                name={`${id}-colour`}
                value={c}
                checked={colour === c}
                onChange={() => setColour(c)}
              />
              <span className={`account-chip account-${c}`}>
                <span>{colourName(c)}</span>
              </span>
            </label>
          ))}
        </div>
      </fieldset>
      {error && <ErrorState title="Not saved" error={error} />}
      <div className="row">
        <button type="submit" className="primary" disabled={busy || label.trim() === ''}>
          {busy ? 'Saving…' : 'Save'}
        </button>
        <button type="button" onClick={onDone} disabled={busy}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** Every account, with its name and colour (editable) and remove, plus the ways to add more. */
export function AccountsView() {
  const accounts = useStore((s) => s.accounts);
  const loadAccounts = useStore((s) => s.loadAccounts);
  const loadSites = useStore((s) => s.loadSites);
  const toast = useStore((s) => s.toast);
  const [editing, setEditing] = useState<string | null>(null);
  const editButtons = useRef(new Map<string, HTMLButtonElement>());
  const stopEditing = (id: string): void => {
    setEditing(null);
    // The focus goes back to the button that opened the editor, not to the page's start.
    requestAnimationFrame(() => editButtons.current.get(id)?.focus());
  };
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
          <li key={a.id} className="card">
            <div className="row spread">
              <div>
                <div className="row">
                  <AccountChip account={a} />
                  <strong>{a.email}</strong>
                </div>
                <div className="hint">
                  {a.fullName}
                  {a.demo ? ' · demo sandbox' : a.apiUrl ? ` · ${a.apiUrl}` : ''}
                </div>
              </div>
              <div className="row">
                <button
                  type="button"
                  ref={(el) => {
                    if (el) editButtons.current.set(a.id, el);
                    else editButtons.current.delete(a.id);
                  }}
                  aria-expanded={editing === a.id}
                  aria-label={`Rename or recolour ${a.email}`}
                  onClick={() => (editing === a.id ? stopEditing(a.id) : setEditing(a.id))}
                >
                  Rename…
                </button>
                <button
                  type="button"
                  onClick={() => void remove(a.id, a.email)}
                  aria-label={`Remove ${a.email}`}
                >
                  Remove
                </button>
              </div>
            </div>
            {editing === a.id && <AccountEditor account={a} onDone={() => stopEditing(a.id)} />}
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
