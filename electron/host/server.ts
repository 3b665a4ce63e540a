import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { API_METHODS, apiFunction, type ApiMethod, type AppApi } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Result } from '@shared/result';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** A running browser host. */
export interface Host {
  /** The URL to open, with this run's secret in its path. */
  readonly url: string;
  readonly port: number;
  /** Sends an event to every connected page. */
  emit<K extends AppEventName>(name: K, payload: AppEvents[K]): void;
  close(): Promise<void>;
}

/** A message from the page: one contract call. */
interface CallMessage {
  readonly id: number;
  readonly method: string;
  readonly req?: unknown;
}

/**
 * Serves the built renderer on 127.0.0.1 and carries the same AppApi over a WebSocket, so the real UI runs on
 * the real engine in any browser. Every request must carry this run's random secret as its first path
 * segment and a loopback Host header (against DNS rebinding); WebSocket upgrades must also come from the
 * page's own origin.
 */
export async function startHost(options: {
  readonly api: AppApi;
  readonly rendererDir: string;
  readonly port?: number;
  readonly secret?: string;
}): Promise<Host> {
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const prefix = `/${secret}/`;
  let port = 0;
  const loopbackHost = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (!loopbackHost(req) || !path.startsWith(prefix)) {
      res
        .writeHead(403, { 'content-type': 'text/plain' })
        .end('Forbidden: open the URL Lifeboat printed, with its secret.\n');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice(prefix.length)) || 'index.html';
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request.\n');
      return;
    }
    if (rel.endsWith('/')) rel += 'index.html';
    const file = normalize(join(options.rendererDir, rel));
    if (!file.startsWith(options.rendererDir + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'no-referrer',
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found.\n');
    }
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const clients = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const origin = req.headers.origin ?? '';
    const okOrigin = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (!loopbackHost(req) || req.url !== `${prefix}ws` || !okOrigin) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      ws.on('message', async (data) => {
        let msg: CallMessage;
        try {
          msg = JSON.parse(String(data)) as CallMessage;
        } catch {
          return;
        }
        const reply = (result: Result<unknown>): void => {
          // The page may have gone away while the call ran.
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: msg.id, result }));
        };
        if (!(API_METHODS as readonly string[]).includes(msg.method)) {
          reply({
            ok: false,
            error: { code: 'invalid-request', message: `Unknown method ${msg.method}.`, retryable: false },
          });
          return;
        }
        reply(await apiFunction(options.api, msg.method as ApiMethod)(msg.req));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${prefix}`,
    port,
    emit(name, payload) {
      const text = JSON.stringify({ event: name, payload });
      for (const ws of clients) ws.send(text);
    },
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
