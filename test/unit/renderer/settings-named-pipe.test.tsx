// @vitest-environment jsdom
// The Settings form's named pipe (issue 12 §3), on the real engine: shown where the engine says it runs on Windows
// (SystemInfo.platform), or wherever one is saved (so it can be seen and cleared); saved through the real
// contract, checked by it, and refused with the engine's message when tested on a system without pipes.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LifeboatBridge, SystemInfo } from '../../../shared/api/contract';
import type { Result } from '../../../shared/result';
import { SettingsView, useSettingsDraft } from '../../../renderer/src/components/Settings';
import { useStore } from '../../../renderer/src/store';
import { stubMatchMedia } from './match-media';
import { realBridge, type RealBridge } from './real-bridge';

let app: RealBridge;
let realInfo: () => Promise<Result<SystemInfo>>;
/** The page's `window.lifeboat`, which realBridge sets. */
const page = (): LifeboatBridge => {
  if (!window.lifeboat) throw new Error('realBridge sets window.lifeboat');
  return window.lifeboat;
};
beforeAll(async () => {
  app = await realBridge();
  realInfo = page().system.info;
}, 60_000);
afterAll(async () => {
  await app?.close();
});
beforeEach(async () => {
  stubMatchMedia();
  page().system.info = realInfo;
  await app.engine.settings.update({ database: null });
  useSettingsDraft.setState({ draft: {} });
  await act(() => useStore.getState().loadSettings());
});
afterEach(cleanup);

/**
 * The engine answers as it would on `platform` (everything else it says is its own); the function returned waits
 * until the form has asked and had that answer, so a test can look at what the form shows for it.
 */
const engineOn = (platform: string): (() => Promise<void>) => {
  let answered = false;
  page().system.info = async () => {
    const r = await realInfo();
    setTimeout(() => (answered = true));
    return r.ok ? { ok: true, value: { ...r.value, platform } } : r;
  };
  return () => waitFor(() => expect(answered, 'the form asked the engine for its platform').toBe(true));
};

const input = (label: string | RegExp) => screen.getByLabelText<HTMLInputElement>(label);
const pipeField = () => screen.queryByLabelText('Or a named pipe (optional)');
const socketField = () => screen.queryByLabelText('Or a socket (optional)');
const useDatabase = (): void => {
  const box = screen.getByRole<HTMLInputElement>('checkbox', {
    name: 'I have a local MySQL or MariaDB server',
  });
  if (!box.checked) fireEvent.click(box);
};
describe('Settings: named pipe', { timeout: 60_000 }, () => {
  it('is not offered where the engine runs on Linux or macOS, where the socket is', async () => {
    const known = engineOn('linux');
    render(<SettingsView />);
    useDatabase();
    await known();
    expect(pipeField()).toBeNull();
    expect(socketField()).not.toBeNull();
  });

  it('is offered in place of the socket where the engine runs on Windows, and saved', async () => {
    engineOn('win32');
    render(<SettingsView />);
    useDatabase();
    await waitFor(() => expect(pipeField()).not.toBeNull());
    expect(socketField()).toBeNull();
    fireEvent.change(input('Or a named pipe (optional)'), { target: { value: '\\\\.\\pipe\\MySQL' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(async () =>
      expect((await app.engine.settings.get()).database?.pipe).toBe('\\\\.\\pipe\\MySQL'),
    );
  });

  it('says what is wrong with one that is not a pipe, and saves nothing', async () => {
    engineOn('win32');
    render(<SettingsView />);
    useDatabase();
    await waitFor(() => expect(pipeField()).not.toBeNull());
    fireEvent.change(input('Or a named pipe (optional)'), {
      target: { value: '\\\\db-server\\pipe\\MySQL' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toMatch(
      /a pipe on another computer; Lifeboat connects only to a server on this one/,
    );
    expect((await app.engine.settings.get()).database).toBeNull();
  });

  it('shows a saved pipe on any system, so it can be seen and cleared', async () => {
    await app.engine.settings.update({
      database: { host: '127.0.0.1', port: 3306, socket: null, pipe: 'MySQL', user: 'root' },
    });
    await act(() => useStore.getState().loadSettings());
    const known = engineOn('darwin');
    render(<SettingsView />);
    await known();
    expect(input('Or a named pipe (optional)').value).toBe('MySQL');
    fireEvent.change(input('Or a named pipe (optional)'), { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    await waitFor(async () => expect((await app.engine.settings.get()).database?.pipe).toBeNull());
  });

  it.skipIf(process.platform === 'win32')(
    'tested on a system without pipes, says why it cannot be used (skipped on Windows, where it is tried)',
    async () => {
      await app.engine.settings.update({
        database: { host: '127.0.0.1', port: 3306, socket: null, pipe: 'MySQL', user: 'root' },
      });
      await act(() => useStore.getState().loadSettings());
      render(<SettingsView />);
      fireEvent.click(screen.getByRole('button', { name: 'Test connection' }));
      const alert = await screen.findByRole('alert');
      expect(alert.textContent).toContain('connects to a database server on Windows only');
    },
  );
});
