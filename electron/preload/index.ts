import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { channelOf, eventChannelOf, type ApiMethod, type LifeboatBridge } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';

const call =
  (method: ApiMethod) =>
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  (req?: unknown): Promise<any> =>
    ipcRenderer.invoke(channelOf(method), req);

// Declared against the contract so the compiler checks every method; nothing else (no raw ipcRenderer) is exposed.
const api: LifeboatBridge = {
  accounts: {
    list: call('accounts.list'),
    add: call('accounts.add'),
    remove: call('accounts.remove'),
    importTerminus: call('accounts.importTerminus'),
  },
  sites: { list: call('sites.list'), environments: call('sites.environments') },
  backups: {
    list: call('backups.list'),
    create: call('backups.create'),
    workflow: call('backups.workflow'),
    schedule: call('backups.schedule'),
    setSchedule: call('backups.setSchedule'),
  },
  system: { info: call('system.info') },
  on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
    const wrapped = (_e: IpcRendererEvent, payload: AppEvents[K]): void => listener(payload);
    ipcRenderer.on(eventChannelOf(name), wrapped);
    return () => {
      ipcRenderer.removeListener(eventChannelOf(name), wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('lifeboat', api);
