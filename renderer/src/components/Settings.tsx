import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type { DatabaseTest } from '@shared/api/contract';
import type { Settings, Theme } from '@shared/models';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { Check, describedBy, ErrorState, Loading } from './common';
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

/** What the form edits, as the person sees it (strings where they type, the password never from the keychain). */
interface SettingsFields {
  readonly dir: string;
  readonly parallel: number;
  readonly theme: Theme;
  readonly useDb: boolean;
  readonly host: string;
  readonly port: number;
  readonly socket: string;
  readonly user: string;
  readonly password: string;
  readonly editor: string;
  readonly terminal: string;
}

const fieldsOf = (s: Settings): SettingsFields => ({
  dir: s.defaultRestoreDir,
  parallel: s.parallelDownloads,
  theme: s.theme,
  useDb: s.database !== null,
  host: s.database?.host ?? '127.0.0.1',
  port: s.database?.port ?? 3306,
  socket: s.database?.socket ?? '',
  user: s.database?.user ?? 'root',
  password: '',
  editor: s.editorCommand ?? '',
  terminal: s.terminalCommand ?? '',
});

/**
 * The fields changed and not saved yet. Kept outside the form, so leaving Settings and coming back finds them
 * as they were; only the fields the person changed, so a change saved elsewhere meanwhile shows through the rest.
 */
export const useSettingsDraft = create<{ readonly draft: Partial<SettingsFields> }>(() => ({ draft: {} }));

const DB_FIELDS: readonly (keyof SettingsFields)[] = ['useDb', 'host', 'port', 'socket', 'user', 'password'];

/** The theme as the window shows it: "system" follows the OS setting (as App.tsx applies it). */
function showTheme(theme: Theme): void {
  document.documentElement.dataset.theme =
    theme === 'system'
      ? window.matchMedia('(prefers-color-scheme: dark)').matches
        ? 'dark'
        : 'light'
      : theme;
}

function SettingsForm({ initial }: { initial: Settings }) {
  const setSettings = useStore((s) => s.setSettings);
  const toast = useStore((s) => s.toast);
  const draft = useSettingsDraft((s) => s.draft);
  const [error, setError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const [tested, setTested] = useState<
    { ok: true; value: DatabaseTest } | { ok: false; message: string } | null
  >(null);
  const saved = fieldsOf(initial);
  const f: SettingsFields = { ...saved, ...draft };
  const set =
    <K extends keyof SettingsFields>(key: K) =>
    (value: SettingsFields[K]): void => {
      useSettingsDraft.setState((s) => ({ draft: { ...s.draft, [key]: value } }));
      // A test's answer is about the values it tested.
      if (DB_FIELDS.includes(key)) setTested(null);
    };
  const changed = (Object.keys(draft) as (keyof SettingsFields)[]).filter((k) =>
    k === 'password' ? f.password !== '' : f[k] !== saved[k],
  );
  const dirty = changed.length > 0;
  const { dir, parallel, theme, useDb, host, port, socket, user, password, editor, terminal } = f;

  // The theme previews as it is chosen; leaving the page shows the saved one again (the choice stays in the draft).
  useEffect(() => {
    showTheme(theme);
  }, [theme]);
  useEffect(() => () => showTheme(useStore.getState().settings.data?.theme ?? 'system'), []);

  const discard = (): void => {
    useSettingsDraft.setState({ draft: {} });
    setError(null);
    setTested(null);
  };
  const testDatabase = async (): Promise<void> => {
    setTesting(true);
    setTested(null);
    const r = await bridge().settings.testDatabase({
      host,
      port,
      socket: socket.trim() || null,
      user,
      ...(password ? { password } : {}),
    });
    setTesting(false);
    setTested(r.ok ? r : { ok: false, message: r.error.message });
  };
  const save = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const r = await bridge().settings.update({
      defaultRestoreDir: dir,
      parallelDownloads: parallel,
      theme,
      database: useDb ? { host, port, socket: socket.trim() || null, user } : null,
      // Empty: the first one found on this computer.
      editorCommand: editor.trim() || null,
      terminalCommand: terminal.trim() || null,
    });
    if (!r.ok) return setError(r.error.message);
    let s = r.value;
    if (useDb && password) {
      const p = await bridge().settings.setDatabasePassword({ password });
      if (!p.ok) return setError(p.error.message);
      s = p.value;
    }
    useSettingsDraft.setState({ draft: {} });
    setSettings(s);
    toast('success', 'Settings saved.');
  };
  return (
    <main className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {dirty && (
        <p className="unsaved" role="status">
          Unsaved changes: they are kept, here, until you save or discard them.
        </p>
      )}
      <form className="stack card" onSubmit={save}>
        <FolderField
          id="settings-dir"
          label="Restore into (default folder)"
          value={dir}
          onChange={set('dir')}
        />
        <div className="field">
          <label htmlFor="settings-parallel">Archives downloaded at once</label>
          <input
            id="settings-parallel"
            type="number"
            min={1}
            max={6}
            value={parallel}
            onChange={(e) => set('parallel')(Number(e.target.value))}
            className="narrow"
          />
        </div>
        <fieldset>
          <legend>Theme</legend>
          {(['system', 'light', 'dark'] as const).map((t) => (
            <label key={t} className="choice">
              <input type="radio" name="theme" checked={theme === t} onChange={() => set('theme')(t)} />{' '}
              {t === 'system' ? 'Like the system' : t[0]!.toUpperCase() + t.slice(1)}
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>Opening local copies</legend>
          <div className="grid-2">
            <div className="field">
              <label htmlFor="settings-editor">Editor command</label>
              <input
                id="settings-editor"
                type="text"
                value={editor}
                onChange={(e) => set('editor')(e.target.value)}
                placeholder="code --new-window"
                spellCheck={false}
                aria-describedby="settings-open-hint"
              />
            </div>
            <div className="field">
              <label htmlFor="settings-terminal">Terminal command</label>
              <input
                id="settings-terminal"
                type="text"
                value={terminal}
                onChange={(e) => set('terminal')(e.target.value)}
                placeholder="gnome-terminal --working-directory={path}"
                spellCheck={false}
                aria-describedby="settings-open-hint"
              />
            </div>
          </div>
          <p id="settings-open-hint" className="hint">
            The copy’s folder is added at the end, or where you write {'{path}'}. Left empty: the first editor
            found on this computer (VS Code, VSCodium, Zed, Sublime Text, PhpStorm…) and the system’s
            terminal.
          </p>
        </fieldset>
        <fieldset>
          <legend>Local database for imports</legend>
          <Check checked={useDb} onChange={set('useDb')}>
            I have a local MySQL or MariaDB server
          </Check>
          {useDb && (
            <div className="grid-2">
              <div className="field">
                <label htmlFor="db-host">Host</label>
                <input id="db-host" type="text" value={host} onChange={(e) => set('host')(e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="db-port">Port</label>
                <input
                  id="db-port"
                  type="number"
                  min={1}
                  max={65535}
                  value={port}
                  onChange={(e) => set('port')(Number(e.target.value))}
                />
              </div>
              <div className="field">
                <label htmlFor="db-socket">Or a socket (optional)</label>
                <input
                  id="db-socket"
                  type="text"
                  value={socket}
                  onChange={(e) => set('socket')(e.target.value)}
                  placeholder="/run/mysqld/mysqld.sock"
                />
              </div>
              <div className="field">
                <label htmlFor="db-user">User</label>
                <input id="db-user" type="text" value={user} onChange={(e) => set('user')(e.target.value)} />
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
                  onChange={(e) => set('password')(e.target.value)}
                />
              </div>
            </div>
          )}
          {useDb && (
            <div className="stack">
              <div className="row">
                <button
                  type="button"
                  onClick={() => void testDatabase()}
                  disabled={testing}
                  {...describedBy(testing ? 'db-test-status' : null)}
                >
                  Test connection
                </button>
                <span className="hint" id="db-test-status" role="status">
                  {testing
                    ? 'Connecting…'
                    : tested?.ok
                      ? `Connected to ${tested.value.server}: the server is ${tested.value.version}.`
                      : ''}
                </span>
              </div>
              {tested && !tested.ok && (
                <ErrorState title="The connection test failed" error={{ message: tested.message }} />
              )}
              <p className="hint">
                Tests the values above, saved or not, with the password typed here or else the one in the
                keychain.
              </p>
            </div>
          )}
        </fieldset>
        {error && <ErrorState error={{ message: error }} />}
        <div className="row end">
          {dirty && (
            <button type="button" onClick={discard}>
              Discard changes
            </button>
          )}
          <button type="submit" className="primary">
            Save settings
          </button>
        </div>
      </form>
    </main>
  );
}
