// What a browser does with the browser host, spelled out over raw HTTP and WebSocket on 127.0.0.1.
import { request } from 'node:http';
import WebSocket from 'ws';

/** A response as the tests look at it. */
export interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly type?: string | undefined;
  readonly location?: string | undefined;
  readonly cacheControl?: string | undefined;
  readonly setCookie: readonly string[];
}

/** A raw GET with chosen headers (fetch does not allow setting Host or Cookie). */
export function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            type: res.headers['content-type'],
            location: res.headers.location,
            cacheControl: res.headers['cache-control'],
            setCookie: res.headers['set-cookie'] ?? [],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens a sign-in link the way a browser would; returns the `name=value` cookie it was given (or null). */
export async function redeem(
  signInUrl: string,
  headers: Record<string, string> = {},
): Promise<{ response: RawResponse; cookie: string | null }> {
  const u = new URL(signInUrl);
  const response = await get(Number(u.port), `${u.pathname}${u.search}`, headers);
  const cookie = response.setCookie[0]?.split(';')[0] ?? null;
  return { response, cookie };
}

/** Opens the host's WebSocket from its own origin with a cookie; resolves once open, rejects when refused. */
export function openSocket(
  port: number,
  cookie: string | null,
  origin = `http://127.0.0.1:${port}`,
): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    origin,
    headers: cookie ? { cookie } : {},
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends one frame and waits for the answer with that id. */
export function call(ws: WebSocket, id: number, method: string, req?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const onClose = (): void => reject(new Error('socket closed'));
    const onMessage = (d: WebSocket.RawData): void => {
      const msg = JSON.parse(String(d)) as { id?: number; result?: unknown };
      if (msg.id === id) {
        ws.off('message', onMessage);
        ws.off('close', onClose);
        resolve(msg.result);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.send(JSON.stringify({ id, method, ...(req === undefined ? {} : { req }) }));
  });
}

/** Waits for a socket to close; resolves with its close code. */
export function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve(1006);
    ws.once('close', (code) => resolve(code));
  });
}
