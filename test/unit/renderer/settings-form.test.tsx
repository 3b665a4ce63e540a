// @vitest-environment jsdom
// Settings on the real engine (issue 10 §3): changes not saved are kept when the page is left, the theme previews as
// it is chosen, and "Test connection" reaches a real MariaDB server with the values typed, saved or not.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SettingsView } from '../../../renderer/src/components/Settings';
import { useStore } from '../../../renderer/src/store';
import { useMariaDb } from '../../helpers/mariadb-suite';
import { stubMatchMedia } from './match-media';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
beforeAll(async () => {
  app = await realBridge();
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  stubMatchMedia();
  await act(() => useStore.getState().loadSettings());
});
afterEach(cleanup);

const input = (label: string | RegExp) => screen.getByLabelText<HTMLInputElement>(label);
const theme = () => document.documentElement.dataset.theme;
/** Ticks "I have a local MySQL or MariaDB server" (it may be ticked already: what was typed is kept). */
const useDatabase = (): void => {
  const box = screen.getByRole<HTMLInputElement>('checkbox', {
    name: 'I have a local MySQL or MariaDB server',
  });
  if (!box.checked) fireEvent.click(box);
};

describe('Settings', { timeout: 60_000 }, () => {
  it('keeps changes not saved when the page is left, says so, and saves or discards them', async () => {
    const before = await app.engine.settings.get();
    const view = render(<SettingsView />);
    fireEvent.change(input('Archives downloaded at once'), { target: { value: '5' } });
    fireEvent.change(input('Restore into (default folder)'), { target: { value: '/srv/sites' } });
    expect(screen.getByText(/^Unsaved changes/).getAttribute('role')).toBe('status');
    // Another page, then Settings again: what was typed is still there.
    view.unmount();
    render(<SettingsView />);
    expect(input('Archives downloaded at once').value).toBe('5');
    expect(input('Restore into (default folder)').value).toBe('/srv/sites');
    expect(screen.getByText(/^Unsaved changes/).getAttribute('role')).toBe('status');
    // Nothing was saved meanwhile.
    expect((await app.engine.settings.get()).parallelDownloads).toBe(before.parallelDownloads);
    fireEvent.click(screen.getByRole('button', { name: 'Discard changes' }));
    expect(input('Archives downloaded at once').value).toBe(String(before.parallelDownloads));
    expect(input('Restore into (default folder)').value).toBe(before.defaultRestoreDir);
    expect(screen.queryByText(/Unsaved changes/)).toBeNull();
    fireEvent.change(input('Archives downloaded at once'), { target: { value: '4' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(() => expect(screen.queryByText(/Unsaved changes/)).toBeNull());
    expect((await app.engine.settings.get()).parallelDownloads).toBe(4);
    // Saved: nothing is left over for the next visit.
    cleanup();
    render(<SettingsView />);
    expect(input('Archives downloaded at once').value).toBe('4');
    expect(screen.queryByText(/Unsaved changes/)).toBeNull();
  });

  it('previews the theme as it is chosen, and shows the saved one again on leaving', async () => {
    document.documentElement.dataset.theme = 'light';
    const view = render(<SettingsView />);
    fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(theme()).toBe('dark');
    expect((await app.engine.settings.get()).theme).toBe('system');
    view.unmount();
    // Saved is "system", and the system (stubbed) is light.
    expect(theme()).toBe('light');
    render(<SettingsView />);
    expect(screen.getByRole<HTMLInputElement>('radio', { name: 'Dark' }).checked).toBe(true);
    expect(theme()).toBe('dark');
    fireEvent.click(screen.getByRole('radio', { name: 'Like the system' }));
    expect(theme()).toBe('light');
  });
});

describe('Settings: Test connection', { timeout: 60_000 }, () => {
  const suite = useMariaDb('lifeboat-settings-db-');

  it("answers with the server's version for the values typed, before they are saved", async () => {
    const version = (await suite.db.query('SELECT VERSION()')).trim();
    render(<SettingsView />);
    useDatabase();
    fireEvent.change(input('Or a socket (optional)'), { target: { value: suite.db.socket } });
    fireEvent.change(input('User'), { target: { value: 'root' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    await waitFor(() =>
      expect(
        screen.getByText(`Connected to root@${suite.db.socket}: the server is ${version}.`),
      ).toBeTruthy(),
    );
    expect(screen.queryByRole('alert')).toBeNull();
    expect((await app.engine.settings.get()).database).toBeNull();
  });

  it('says what to fix when nothing answers, in one message and without "Something went wrong"', async () => {
    render(<SettingsView />);
    useDatabase();
    fireEvent.change(input('Host'), { target: { value: '127.0.0.1' } });
    fireEvent.change(input('Port'), { target: { value: '1' } });
    fireEvent.change(input('Or a socket (optional)'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toBe(
      'The connection test failed' +
        'No database server answers on 127.0.0.1:1. Check that MySQL or MariaDB is running and that this is its host and port.',
    );
  });
});
