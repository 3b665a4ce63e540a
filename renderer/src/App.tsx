import { useEffect, useState } from 'react';
import type { Account } from '@shared/models';
import { bridge } from './bridge';

/** The first screen: the accounts Lifeboat knows. The full UI is built on this contract. */
export function App() {
  const [accounts, setAccounts] = useState<readonly Account[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void Promise.resolve()
      .then(() => bridge().accounts.list())
      .then(
        (r) => {
          if (!live) return;
          if (r.ok) setAccounts(r.value);
          else setError(r.error.message);
        },
        (e: Error) => live && setError(e.message),
      );
    return () => {
      live = false;
    };
  }, []);

  return (
    <main>
      <h1>Lifeboat</h1>
      {error && <p role="alert">{error}</p>}
      {!error && accounts === null && <p>Loading accounts…</p>}
      {accounts?.length === 0 && <p>No Pantheon account yet.</p>}
      {accounts && accounts.length > 0 && (
        <ul aria-label="Accounts">
          {accounts.map((a) => (
            <li key={a.id}>{a.email}</li>
          ))}
        </ul>
      )}
    </main>
  );
}
