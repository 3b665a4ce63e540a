import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { API_METHODS, apiFunction, channelOf, type AppApi } from '@shared/api/contract';
import type { Result } from '@shared/result';

/**
 * Binds every contract method to ipcMain through one wrapper: only our own window's top frame may call, and
 * the api itself validates every request against its schema and answers with a Result. `ipc` is Electron's
 * ipcMain (passed in, so this wiring is tested under plain Node).
 */
export function bindApi(
  ipc: Pick<IpcMain, 'handle' | 'removeHandler'>,
  api: AppApi,
  isTrustedSender: (e: IpcMainInvokeEvent) => boolean,
): () => void {
  for (const method of API_METHODS) {
    const fn = apiFunction(api, method);
    ipc.handle(channelOf(method), async (event, req: unknown): Promise<Result<unknown>> => {
      if (!isTrustedSender(event)) {
        return {
          ok: false,
          error: {
            code: 'forbidden',
            message: 'This request did not come from Lifeboat’s own window.',
            retryable: false,
          },
        };
      }
      return fn(req);
    });
  }
  return () => API_METHODS.forEach((m) => ipc.removeHandler(channelOf(m)));
}
