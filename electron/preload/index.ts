import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { apiOverTransport, channelOf, eventChannelOf, type LifeboatBridge } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';

// The contract over IPC, plus event subscriptions; nothing else (no raw ipcRenderer) is exposed.
const api: LifeboatBridge = {
  ...apiOverTransport((method, req) => ipcRenderer.invoke(channelOf(method), req)),
  on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
    const wrapped = (_e: IpcRendererEvent, payload: AppEvents[K]): void => listener(payload);
    ipcRenderer.on(eventChannelOf(name), wrapped);
    return () => {
      ipcRenderer.removeListener(eventChannelOf(name), wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('lifeboat', api);
