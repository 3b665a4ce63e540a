import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from '../../../electron/sandbox';

/** One answer of the sandbox as the proxy saw it, for a rewrite to change. */
export interface Answer {
  readonly method: string;
  /** The path after `/api/`, with its query. */
  readonly path: string;
  readonly status: number;
  /** The JSON body (undefined when it was not JSON). */
  readonly body: unknown;
}

/** What a rewrite answers instead; undefined keeps the sandbox's answer. */
export type Rewrite = (answer: Answer) => { status?: number; body: unknown } | undefined;

/** A Pantheon API that lies: the sandbox behind a proxy whose rewrites change some of its answers. */
export interface HostileApi {
  readonly apiUrl: string;
  /** Replaces the rewrite (none keeps every answer as the sandbox gave it). */
  rewrite(fn: Rewrite | null): void;
  close(): Promise<void>;
}

const bodyOf = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
};

/**
 * Starts a proxy on 127.0.0.1 in front of the sandbox's API: every request goes to the real sandbox (logins,
 * workflows, catalogs all real), and `rewrite` may replace what comes back, as a broken or hostile API would
 * answer (escape sequences in names, absurd numbers, another site's id). Archive downloads go to the sandbox's
 * store directly, as the signed links say.
 */
export async function hostileApi(sandbox: Sandbox): Promise<HostileApi> {
  let rewrite: Rewrite | null = null;
  const server = createServer((req, res) => {
    void (async () => {
      const path = (req.url ?? '/').replace(/^\/api\//, '');
      const body = await bodyOf(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k)) headers[k] = v;
      const upstream = await fetch(`${sandbox.apiUrl}${path}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length ? { body: new Uint8Array(body) } : {}),
      });
      const text = await upstream.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      const changed = rewrite?.({ method: req.method ?? 'GET', path, status: upstream.status, body: json });
      const out = changed ? JSON.stringify(changed.body) : text;
      res.writeHead(changed?.status ?? upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/json',
        'content-length': Buffer.byteLength(out),
      });
      res.end(out);
    })().catch((e: unknown) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiUrl: `http://127.0.0.1:${port}/api/`,
    rewrite(fn) {
      rewrite = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
