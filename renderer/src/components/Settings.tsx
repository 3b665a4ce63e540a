import { useState } from 'react';
import type { Settings, Theme } from '@shared/models';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { Check, ErrorState, Loading } from './common';
import { FolderField } from './dialogs';

/** Settings: default restore folder, parallel downloads, the local database, theme. */
export function SettingsView() {
  const settings = useStore((s) => s.settings);
  const loadSettings = useStore((s) => s.loadSettings);
  if (settings.error && !settings.data)
    return <ErrorState error={settings.error} onRetry={() => void loadSettings()} />;
  if (!settings.data) return <Loading what="settings" />;
  return <SettingsForm initial={settings.data} />;
}

function SettingsForm({ initial }: { initial: Settings }) {
  const setSettings = useStore((s) => s.setSettings);
  const toast = useStore((s) => s.toast);
  const [dir, setDir] = useState(initial.defaultRestoreDir);
  const [parallel, setParallel] = useState(initial.parallelDownloads);
  const [theme, setTheme] = useState<Theme>(initial.theme);
  const [useDb, setUseDb] = useState(initial.database !== null);
  const [host, setHost] = useState(initial.database?.host ?? '127.0.0.1');
  const [port, setPort] = useState(initial.database?.port ?? 3306);
  const [socket, setSocket] = useState(initial.database?.socket ?? '');
  const [user, setUser] = useState(initial.database?.user ?? 'root');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const r = await bridge().settings.update({
      defaultRestoreDir: dir,
      parallelDownloads: parallel,
      theme,
      database: useDb ? { host, port, socket: socket.trim() || null, user } : null,
    });
    if (!r.ok) return setError(r.error.message);
    let s = r.value;
    if (useDb && password) {
      const p = await bridge().settings.setDatabasePassword({ password });
      if (!p.ok) return setError(p.error.message);
      s = p.value;
      setPassword('');
    }
    setSettings(s);
    toast('success', 'Settings saved.');
  };
  return (
    <main className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <form className="stack card" onSubmit={save}>
        <FolderField id="settings-dir" label="Restore into (default folder)" value={dir} onChange={setDir} />
        <div className="field">
          <label htmlFor="settings-parallel">Archives downloaded at once</label>
          <input
            id="settings-parallel"
            type="number"
            min={1}
            max={6}
            value={parallel}
            onChange={(e) => setParallel(Number(e.target.value))}
            className="narrow"
          />
        </div>
        <fieldset>
          <legend>Theme</legend>
          {(['system', 'light', 'dark'] as const).map((t) => (
            <label key={t} className="choice">
              <input type="radio" name="theme" checked={theme === t} onChange={() => setTheme(t)} />{' '}
              {t === 'system' ? 'Like the system' : t[0]!.toUpperCase() + t.slice(1)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Local database for imports</legend>
          <Check checked={useDb} onChange={setUseDb}>
            I have a local MySQL or MariaDB server
          </Check>
          {useDb && (
            <div className="grid-2">
              <div className="field">
                <label htmlFor="db-host">Host</label>
                <input id="db-host" type="text" value={host} onChange={(e) => setHost(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="db-port">Port</label>
                <input
                  id="db-port"
                  type="number"
                  min={1}
                  max={65535}
                  value={port}
                  onChange={(e) => setPort(Number(e.target.value))}
                />
              </div>
              <div className="field">
                <label htmlFor="db-socket">Or a socket (optional)</label>
                <input
                  id="db-socket"
                  type="text"
                  value={socket}
                  onChange={(e) => setSocket(e.target.value)}
                  placeholder="/run/mysqld/mysqld.sock"
                />
              </div>
              <div className="field">
                <label htmlFor="db-user">User</label>
                <input id="db-user" type="text" value={user} onChange={(e) => setUser(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="db-password">
                  Password{' '}
                  {initial.database?.hasPassword && (
                    <span className="hint">(saved in the keychain; type to change)</span>
                  )}
                </label>
                <input
                  id="db-password"
                  type="password"
                  value={password}
                  autoComplete="off"
                  onChange={(e) => setPassword(e.target.value)}
                />
              </div>
            </div>
          )}
        </fieldset>
        {error && <ErrorState error={{ message: error }} />}
        <div className="row end">
          <button type="submit" className="primary">
            Save settings
          </button>
        </div>
      </form>
    </main>
  );
}
