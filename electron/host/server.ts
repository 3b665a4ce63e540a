import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import type { AppApi } from '@shared/api/contract';
import type { AppEventName, AppEvents } from '@shared/api/events';
import type { Result } from '@shared/result';
import { registerSecret } from '../services/log/redact';
import { callContract } from './call-contract';
import { sameUserPeer, type ConnectionEnds } from './peer-uid';
import { describeError } from './process-guard';

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
  /** The page's address. It carries no secret: it only answers a browser that holds this run's cookie. */
  readonly url: string;
  readonly port: number;
  /**
   * A fresh sign-in link: it works once, within the token lifetime, and gives the browser that opens it this
   * run's cookie before sending it on to {@link url}.
   */
  signInUrl(): string;
  /** Sends an event to every connected page. */
  emit<K extends AppEventName>(name: K, payload: AppEvents[K]): void;
  close(): Promise<void>;
}

/** How to start a browser host. */
export interface HostOptions {
  readonly api: AppApi;
  readonly rendererDir: string;
  readonly port?: number;
  /** How long a sign-in link stays usable (default two minutes). */
  readonly tokenTtlMs?: number;
  /** Whether a connection comes from a process of this user; the /proc/net/tcp check by default. */
  readonly peerCheck?: (ends: ConnectionEnds) => 'same' | 'other' | 'unknown';
  /** Where problems are reported (already redacted); stderr by default. */
  readonly log?: (line: string) => void;
}

/** The largest WebSocket frame the host reads; requests are small, so anything near this is not the page. */
export const MAX_FRAME_BYTES = 256 * 1024;

/** One contract call from the page. Anything else on the socket is a protocol error that closes it. */
const CallFrame = z.strictObject({
  id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  method: z.string().max(100),
  req: z.unknown().optional(),
});
type CallFrame = z.infer<typeof CallFrame>;

/** The WebSocket close codes the host uses for a page that broke the protocol. */
const CLOSE_UNSUPPORTED = 1003;
const CLOSE_POLICY = 1008;

/** Parses one frame; a reason to close the socket when it is not a contract call. */
function parseFrame(
  data: RawData,
  isBinary: boolean,
): { ok: true; frame: CallFrame } | { ok: false; code: number; reason: string } {
  if (isBinary) return { ok: false, code: CLOSE_UNSUPPORTED, reason: 'Binary frames are not accepted.' };
  let value: unknown;
  try {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return { ok: false, code: CLOSE_POLICY, reason: 'A frame was not valid JSON.' };
  }
  const parsed = CallFrame.safeParse(value);
  if (!parsed.success) return { ok: false, code: CLOSE_POLICY, reason: 'A frame was not a contract call.' };
  return { ok: true, frame: parsed.data };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** True when `a` and `b` are the same string, in time that does not depend on where they differ. */
function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = Buffer.from(sha256(a));
  const y = Buffer.from(sha256(b));
  return timingSafeEqual(x, y);
}

/** The value of one cookie in a Cookie header. */
function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

/** A build output named by its content hash (Vite's `assets/<name>-<hash>.<ext>`). */
const IMMUTABLE_ASSET = /^assets\/[\w.-]+-[\w-]{8,}\.(?:js|css|woff2|svg|png)$/;

function forbidden(res: ServerResponse, message: string): void {
  res
    .writeHead(403, { 'content-type': 'text/plain; charset=utf-8', ...PAGE_HEADERS })
    .end(`Forbidden: ${message}\n`);
}

/**
 * Serves the built renderer on 127.0.0.1 and carries the same AppApi over a WebSocket, so the real UI runs on
 * the real engine in any browser. Who may use it:
 *
 * - only connections to 127.0.0.1 with a loopback Host header (against DNS rebinding), and on Linux only from
 *   processes of the user running the host (the kernel's socket table names the connecting uid);
 * - only a browser holding this run's cookie (HttpOnly, SameSite=Strict), which it gets by opening a sign-in
 *   link once: the link's token is random, single-use and short-lived, so the link that passes through a
 *   command line (`xdg-open`) is useless once the browser has used it, and the cookie never leaves the browser;
 * - WebSocket upgrades also only from the page's own origin, and every frame must be a contract call.
 */
export async function startHost(options: HostOptions): Promise<Host> {
  const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const tokenTtlMs = options.tokenTtlMs ?? 120_000;
  const peerCheck = options.peerCheck ?? ((ends: ConnectionEnds) => sameUserPeer(ends));
  const sessionSecret = randomBytes(32).toString('base64url');
  registerSecret(sessionSecret);
  /** Outstanding sign-in tokens, by their SHA-256 (so a lookup's timing says nothing about a token). */
  const tokens = new Map<string, number>();
  let port = 0;
  const cookieName = (): string => `lifeboat-${port}`;
  const loopbackHost = (req: IncomingMessage): boolean => {
    const host = req.headers.host ?? '';
    return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
  };
  const hasSession = (req: IncomingMessage): boolean =>
    sameSecret(cookieValue(req.headers.cookie, cookieName()), sessionSecret);
  const takeToken = (token: string | null): boolean => {
    if (!token) return false;
    const key = sha256(token);
    const expires = tokens.get(key);
    if (expires === undefined) return false;
    tokens.delete(key);
    return expires > Date.now();
  };

  /** `/open?token=…`: trades a sign-in token for the cookie, then sends the browser on to the clean address. */
  const signIn = (req: IncomingMessage, res: ServerResponse, url: URL): void => {
    const tokenOk = takeToken(url.searchParams.get('token'));
    if (!tokenOk && !hasSession(req)) {
      forbidden(
        res,
        'this sign-in link was already used or has expired. Links work once, for a few minutes; ' +
          'start Lifeboat again (or press Enter where it runs) for a new one.',
      );
      return;
    }
    const headers: Record<string, string> = { ...PAGE_HEADERS };
    if (tokenOk)
      headers['set-cookie'] = `${cookieName()}=${sessionSecret}; Path=/; HttpOnly; SameSite=Strict`;
    // A navigation the person started (address bar, xdg-open) may follow a redirect with the Strict cookie.
    // One started by another site may not, so that case gets a page that moves on from our own origin.
    if (req.headers['sec-fetch-site'] === 'none' || req.headers['sec-fetch-site'] === undefined) {
      res.writeHead(303, { ...headers, location: '/' }).end();
      return;
    }
    res
      .writeHead(200, {
        ...headers,
        'content-type': 'text/html; charset=utf-8',
        'content-security-policy': "default-src 'none'",
      })
      .end(
        '<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=/">' +
          '<title>Lifeboat</title><p><a href="/">Open Lifeboat</a></p>\n',
      );
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!loopbackHost(req)) {
      forbidden(res, 'Lifeboat only answers on this computer, at the address it printed.');
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('Bad request.\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('Method not allowed.\n');
      return;
    }
    if (url.pathname === '/open') {
      signIn(req, res, url);
      return;
    }
    if (!hasSession(req)) {
      forbidden(res, 'open Lifeboat with the sign-in link it opened or printed.');
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname.slice(1)) || 'index.html';
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
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found.\n');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      ...PAGE_HEADERS,
      // The build names its scripts and styles by their content, so a reload need not fetch and compile them
      // again: this browser may keep them (it got them with this run's cookie; "private" keeps them out of any
      // shared cache). The page itself is never cached.
      ...(IMMUTABLE_ASSET.test(rel) ? { 'cache-control': 'private, max-age=31536000, immutable' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`[host] request failed: ${describeError(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error.\n');
      else res.destroy();
    });
  });
  // Other accounts on this computer are turned away before they can send anything (Linux).
  server.on('connection', (socket: Socket) => {
    if (peerCheck(socket) === 'other') socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const clients = new Set<WebSocket>();

  const answer = async (ws: WebSocket, frame: CallFrame): Promise<void> => {
    const reply = (result: Result<unknown>): void => {
      // The page may have gone away while the call ran.
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id: frame.id, result }));
    };
    reply(await callContract(options.api, frame.method, frame.req, (line) => log(`[host] ${line}`)));
  };

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const origin = req.headers.origin ?? '';
    const okOrigin = origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`;
    if (!loopbackHost(req) || req.url !== '/ws' || !okOrigin || !hasSession(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // Oversized or malformed frames end this socket (ws closes it); they must not reach the process.
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data, isBinary) => {
        const parsed = parseFrame(data, isBinary);
        if (!parsed.ok) {
          clients.delete(ws);
          ws.close(parsed.code, parsed.reason);
          return;
        }
        answer(ws, parsed.frame).catch((e: unknown) => log(`[host] could not answer: ${describeError(e)}`));
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    port,
    signInUrl() {
      const now = Date.now();
      for (const [key, expires] of tokens) if (expires <= now) tokens.delete(key);
      // A handful of links at a time is plenty; the oldest go first.
      while (tokens.size >= 16) tokens.delete(tokens.keys().next().value!);
      const token = randomBytes(32).toString('base64url');
      tokens.set(sha256(token), now + tokenTtlMs);
      return `${origin}/open?token=${token}`;
    },
    emit(name, payload) {
      const text = JSON.stringify({ event: name, payload });
      for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
    },
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
