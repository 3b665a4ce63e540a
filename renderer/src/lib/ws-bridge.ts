import { apiOverTransport, type LifeboatBridge } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Result } from '@shared/result';

/**
 * The contract over the browser host's WebSocket: the same AppApi the preload gives the desktop app. Calls
 * made while the socket reconnects wait for it; a lost connection answers every pending call with a
 * `network` error instead of hanging.
 */
export function webSocketBridge(url: string): LifeboatBridge {
  let socket: WebSocket | null = null;
  let ready: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const connect = (): Promise<WebSocket> => {
    ready ??= new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        resolve(ws);
      };
      ws.onerror = () => reject(new Error('Could not connect to Lifeboat.'));
      ws.onclose = () => {
        socket = null;
        ready = null;
        for (const [, done] of pending)
          done({
            ok: false,
            error: {
              code: 'network',
              message: 'Lost the connection to Lifeboat. Is it still running?',
              retryable: true,
            },
          });
        pending.clear();
      };
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as {
          id?: number;
          result?: Result<unknown>;
          event?: string;
          payload?: unknown;
        };
        if (msg.id !== undefined && msg.result) {
          pending.get(msg.id)?.(msg.result);
          pending.delete(msg.id);
        } else if (msg.event) {
          listeners.get(msg.event)?.forEach((l) => l(msg.payload));
        }
      };
    });
    return ready;
  };

  const send = async (method: string, req: unknown): Promise<Result<unknown>> => {
    let ws: WebSocket;
    try {
      ws = socket ?? (await connect());
    } catch (e) {
      return { ok: false, error: { code: 'network', message: (e as Error).message, retryable: true } };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, req }));
    });
  };

  void connect().catch(() => undefined);
  return {
    ...apiOverTransport(send),
    on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
}
