import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IpcMainInvokeEvent } from 'electron';
import { API_METHODS, channelOf } from '../../../shared/api/contract';
import { createApi } from '../../../electron/api';
import { bindApi } from '../../../electron/main/ipc';
import { createEngine } from '../../../electron/services/engine';
import type { SecretStore } from '../../../electron/services/secrets/secret-store';

type Handler = (event: IpcMainInvokeEvent, req: unknown) => Promise<unknown>;

/** Stands in for Electron's ipcMain, which only exists inside Electron: it records what is bound. */
class RecordingIpc {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, h: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, h);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

// These calls never reach the keychain; a store that fails loudly proves it.
const noKeychain: SecretStore = {
  get: () => Promise.reject(new Error('keychain touched')),
  set: () => Promise.reject(new Error('keychain touched')),
  delete: () => Promise.reject(new Error('keychain touched')),
  available: async () => false,
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-ipc-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('the IPC binding of the desktop app', () => {
  const setup = () => {
    const ipc = new RecordingIpc();
    const trusted = { sender: 'own window' } as unknown as IpcMainInvokeEvent;
    const stranger = { sender: 'some other frame' } as unknown as IpcMainInvokeEvent;
    const unbind = bindApi(
      ipc as never,
      createApi(createEngine({ dataDir: dir, secrets: noKeychain })),
      (e) => e === trusted,
    );
    return { ipc, trusted, stranger, unbind };
  };

  it('binds one channel per contract method and unbinds them all', () => {
    const { ipc, unbind } = setup();
    expect([...ipc.handlers.keys()].sort()).toEqual(API_METHODS.map(channelOf).sort());
    unbind();
    expect(ipc.handlers.size).toBe(0);
  });

  it('answers our own window with Results', async () => {
    const { ipc, trusted } = setup();
    expect(await ipc.handlers.get(channelOf('accounts.list'))!(trusted, undefined)).toEqual({
      ok: true,
      value: [],
    });
    expect(
      await ipc.handlers.get(channelOf('accounts.add'))!(trusted, { machineToken: 'bad token!' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid-request', message: expect.stringContaining('machineToken') },
    });
  });

  it('refuses any other sender before the api runs', async () => {
    const { ipc, stranger } = setup();
    const r = await ipc.handlers.get(channelOf('settings.update'))!(stranger, { theme: 'dark' });
    expect(r).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const after = await createApi(createEngine({ dataDir: dir, secrets: noKeychain })).settings.get();
    expect(after.ok && after.value.theme).toBe('system');
  });
});
