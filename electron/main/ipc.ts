import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { API_METHODS, channelOf, type ApiMethod, type AppApi } from '@shared/api/contract';
import type { Result } from '@shared/result';

/** The api function behind a `domain.method` name. */
function resolve(api: AppApi, method: ApiMethod): (req?: unknown) => Promise<Result<unknown>> {
  const [domain, name] = method.split('.') as [keyof AppApi, string];
  const fn = (api[domain] as unknown as Record<string, (req?: unknown) => Promise<Result<unknown>>>)[name]!;
  return fn.bind(api[domain]);
}

/**
 * Binds every contract method to ipcMain through one wrapper: only our own window's top frame may call, and
 * the api itself validates every request against its schema and answers with a Result.
 */
export function bindApi(api: AppApi, isTrustedSender: (e: IpcMainInvokeEvent) => boolean): () => void {
  for (const method of API_METHODS) {
    const fn = resolve(api, method);
    ipcMain.handle(channelOf(method), async (event, req: unknown): Promise<Result<unknown>> => {
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
  return () => API_METHODS.forEach((m) => ipcMain.removeHandler(channelOf(m)));
}
