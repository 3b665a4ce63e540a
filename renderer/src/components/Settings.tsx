import { useEffect, useState } from 'react';
import { create } from 'zustand';
import type { DatabaseTest, ToolsFound, ToolStatus } from '@shared/api/contract';
import type { Settings, Theme } from '@shared/models';
import { bridge } from '../bridge';
import { useStore } from '../store';
import { Check, describedBy, ErrorState, Loading } from './common';
import { FolderField } from './dialogs';
import { UpdatesSection } from './Updates';

/** Settings: default restore folder, parallel downloads, the local database, theme, where git and the client are. */
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
  readonly pipe: string;
  readonly user: string;
  readonly password: string;
  readonly editor: string;
  readonly terminal: string;
  /** Paths of git and the database client; empty: Lifeboat looks for them. */
  readonly git: string;
  readonly mysqlClient: string;
}

const fieldsOf = (s: Settings): SettingsFields => ({
  dir: s.defaultRestoreDir,
  parallel: s.parallelDownloads,
  theme: s.theme,
  useDb: s.database !== null,
  host: s.database?.host ?? '127.0.0.1',
  port: s.database?.port ?? 3306,
  socket: s.database?.socket ?? '',
  pipe: s.database?.pipe ?? '',
  user: s.database?.user ?? 'root',
  password: '',
  editor: s.editorCommand ?? '',
  terminal: s.terminalCommand ?? '',
  git: s.tools.git ?? '',
  mysqlClient: s.tools.mysqlClient ?? '',
});

/**
 * The fields changed and not saved yet. Kept outside the form, so leaving Settings and coming back finds them
 * as they were; only the fields the person changed, so a change saved elsewhere meanwhile shows through the rest.
 */
export const useSettingsDraft = create<{ readonly draft: Partial<SettingsFields> }>(() => ({ draft: {} }));

const DB_FIELDS: readonly (keyof SettingsFields)[] = [
  'useDb',
  'host',
  'port',
  'socket',
  'pipe',
  'user',
  'password',
];

/**
 * The engine's platform (SystemInfo), for the database fields only one system has: a named pipe on Windows, a
 * Unix socket elsewhere. null until it answers.
 */
function useEnginePlatform(): string | null {
  const [platform, setPlatform] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    bridge()
      .system.info()
      .then((r) => live && r.ok && setPlatform(r.value.platform))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return platform;
}

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
  // Where the engine finds git and the client now (with the saved paths): null while it looks.
  const [tools, setTools] = useState<ToolsFound | { readonly failed: string } | null>(null);
  const askTools = async (again: boolean): Promise<ToolsFound | { readonly failed: string }> => {
    const r = await bridge().tools.find(again ? { again } : undefined);
    return r.ok ? r.value : { failed: r.error.message };
  };
  const findTools = async (again = false): Promise<void> => {
    setTools(null);
    setTools(await askTools(again));
  };
  useEffect(() => {
    let live = true;
    void askTools(false).then((t) => live && setTools(t));
    return () => {
      live = false;
    };
  }, []);
  const { dir, parallel, theme, useDb, host, port, socket, pipe, user, password, editor, terminal } = f;
  const platform = useEnginePlatform();
  // A value already there is always shown, so it can be seen and cleared on any system.
  const showPipe = platform === 'win32' || pipe !== '';
  const showSocket = platform !== 'win32' || socket !== '';

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
      pipe: pipe.trim() || null,
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
      database: useDb ? { host, port, socket: socket.trim() || null, pipe: pipe.trim() || null, user } : null,
      // Empty: the first one found on this computer.
      editorCommand: editor.trim() || null,
      terminalCommand: terminal.trim() || null,
      tools: { git: f.git.trim() || null, mysqlClient: f.mysqlClient.trim() || null },
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
    // The engine looks again with the paths saved.
    void findTools();
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
              {showSocket && (
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
              )}
              {showPipe && (
                <div className="field">
                  <label htmlFor="db-pipe">Or a named pipe (optional)</label>
                  <input
                    id="db-pipe"
                    type="text"
                    value={pipe}
                    onChange={(e) => set('pipe')(e.target.value)}
                    placeholder="\\.\pipe\MySQL"
                    spellCheck={false}
                    aria-describedby="db-pipe-hint"
                  />
                  <p id="db-pipe-hint" className="hint">
                    Used instead of the host and port when set: the server’s pipe (its socket setting, MySQL
                    by default), as \\.\pipe\NAME or NAME alone. The server needs named_pipe=ON.
                  </p>
                </div>
              )}
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
        <fieldset>
          <legend>Tools</legend>
          <p className="hint" id="settings-tools-hint">
            git restores code and the mariadb or mysql client imports databases; downloading files needs
            neither. Lifeboat looks for them on PATH and where their installers put them (Homebrew, DBngin,
            MAMP, Git for Windows, MariaDB and MySQL Server under Program Files, /usr/bin). Give a path only
            to use another one.
          </p>
          <div className="grid-2">
            <ToolField
              id="settings-git"
              label="git"
              value={f.git}
              onChange={set('git')}
              placeholder={tools && 'git' in tools && tools.git.found ? tools.git.found.path : '/usr/bin/git'}
              status={tools === null ? null : 'failed' in tools ? tools.failed : tools.git}
              saved={saved.git}
            />
            <ToolField
              id="settings-mysql-client"
              label="Database client (mariadb or mysql)"
              value={f.mysqlClient}
              onChange={set('mysqlClient')}
              placeholder={
                tools && 'git' in tools && tools.mysqlClient.found
                  ? tools.mysqlClient.found.path
                  : '/usr/bin/mariadb'
              }
              status={tools === null ? null : 'failed' in tools ? tools.failed : tools.mysqlClient}
              saved={saved.mysqlClient}
            />
          </div>
          <div className="row">
            <button type="button" onClick={() => void findTools(true)} disabled={tools === null}>
              Look again
            </button>
            <span className="hint">After installing one, or to check the paths saved.</span>
          </div>
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
      <UpdatesSection />
    </main>
  );
}

/** What a tool's lookup found, in words: where, which version and how; or why it cannot be used. */
function toolWords(status: ToolStatus): string {
  if (!status.found) return status.error?.message ?? 'Not found.';
  const how =
    status.found.via === 'setting'
      ? 'the path saved here'
      : status.found.via === 'path'
        ? 'found on PATH'
        : 'found where its installer puts it';
  return `Using ${status.found.path} (${status.found.version}), ${how}.`;
}

/** One tool's path field, with what the engine found for the saved settings under it. */
function ToolField({
  id,
  label,
  value,
  onChange,
  placeholder,
  status,
  saved,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  placeholder: string;
  /** null while looking; a string when the lookup itself failed. */
  status: ToolStatus | string | null;
  /** The path saved (what `status` is about). */
  saved: string;
}) {
  const missing = typeof status === 'string' || (status !== null && !status.found);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        spellCheck={false}
        aria-describedby={`${id}-status settings-tools-hint`}
        aria-invalid={missing && saved !== '' && value === saved ? true : undefined}
      />
      <div id={`${id}-status`} className={missing ? 'state state-error' : 'hint'} role="status">
        {status === null ? 'Looking…' : typeof status === 'string' ? status : toolWords(status)}
      </div>
    </div>
  );
}
