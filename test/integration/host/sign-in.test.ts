// The browser host's sign-in: what reaches a command line when it opens the browser, the one-time link, the
// cookie that every page request and the WebSocket need, and (Linux) other accounts turned away.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOverTransport } from '../../../shared/api/contract';
import { browserCommand, openHostInBrowser } from '../../../electron/host/open-browser';
import { startHost, type Host } from '../../../electron/host/server';
import { CHROMIUM } from '../../helpers/chromium';
import { call, get, openSocket, redeem } from './host-client';

let dir: string;
let renderer: string;
let host: Host;

/** A small contract implementation: every call answers which method it was. */
const echoApi = apiOverTransport(async (method, req) => ({ ok: true, value: { method, req } }));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-signin-'));
  renderer = join(dir, 'renderer');
  await mkdir(renderer, { recursive: true });
  // A page that proves it reached the engine: it calls over /ws and shows the answer in its title.
  await writeFile(
    join(renderer, 'index.html'),
    '<!doctype html><title>loading</title><script src="./app.js"></script>',
  );
  await writeFile(
    join(renderer, 'app.js'),
    `const ws = new WebSocket('ws://' + location.host + '/ws');
     ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'system.info' }));
     ws.onmessage = (e) => { document.title = 'engine:' + JSON.parse(e.data).result.value.method; };
     ws.onclose = () => { if (!document.title.startsWith('engine:')) document.title = 'refused'; };`,
  );
  // A build output named by its content, which a reload may take from the browser's cache.
  await mkdir(join(renderer, 'assets'), { recursive: true });
  await writeFile(join(renderer, 'assets', 'index-AN4QZPGV.js'), 'console.log(1);');
  host = await startHost({ api: echoApi, rendererDir: renderer });
});
afterAll(async () => {
  await host.close();
  await rm(dir, { recursive: true, force: true });
});

describe('opening the browser host in a browser', () => {
  it('puts only a one-time link on the command line, never the session, and the link works once', async () => {
    const opened: string[] = [];
    openHostInBrowser(host, (url) => opened.push(url));
    expect(opened).toHaveLength(1);
    const [command, argv] = browserCommand(opened[0]!, 'linux');
    expect(command).toBe('xdg-open');
    expect(argv).toEqual([opened[0]]);
    expect(new URL(opened[0]!).pathname).toBe('/open');

    const first = await redeem(opened[0]!);
    expect(first.response.status).toBe(303);
    expect(first.response.location).toBe('/');
    const setCookie = first.response.setCookie[0]!;
    expect(setCookie).toMatch(/; Path=\/(;|$)/);
    expect(setCookie).toMatch(/; HttpOnly(;|$)/);
    expect(setCookie).toMatch(/; SameSite=Strict(;|$)/);
    expect(setCookie).not.toMatch(/Max-Age|Expires|Domain/i);
    const cookie = first.cookie!;
    const session = cookie.split('=')[1]!;
    expect(session.length).toBeGreaterThanOrEqual(32);
    // Nothing that lasts went through argv: the session is not in it, and the link is spent.
    expect(argv.join(' ')).not.toContain(session);
    const second = await redeem(opened[0]!);
    expect(second.response.status).toBe(403);
    expect(second.cookie).toBeNull();
    // The page and the engine answer the cookie.
    expect((await get(host.port, '/', { cookie })).status).toBe(200);
    const ws = await openSocket(host.port, cookie);
    expect(await call(ws, 1, 'accounts.list')).toEqual({ ok: true, value: { method: 'accounts.list' } });
    ws.close();
  });

  it('refuses the page and the WebSocket without the cookie, or with a wrong one', async () => {
    const wrong = `lifeboat-${host.port}=${'A'.repeat(43)}`;
    for (const headers of [{}, { cookie: wrong }, { cookie: 'lifeboat-1=whatever' }] as Record<
      string,
      string
    >[]) {
      expect((await get(host.port, '/', headers)).status).toBe(403);
      expect((await get(host.port, '/app.js', headers)).status).toBe(403);
    }
    await expect(openSocket(host.port, null)).rejects.toThrow('403');
    await expect(openSocket(host.port, wrong)).rejects.toThrow('403');
    // The old secret-path scheme is gone: no path prefix opens anything.
    expect((await get(host.port, '/open')).status).toBe(403);
    expect((await get(host.port, '/open?token=guess')).status).toBe(403);
  });

  it('lets the browser keep content-named assets, never the page, and still only with the cookie', async () => {
    const { cookie } = await redeem(host.signInUrl());
    const asset = await get(host.port, '/assets/index-AN4QZPGV.js', { cookie: cookie! });
    expect(asset.status).toBe(200);
    expect(asset.cacheControl).toBe('private, max-age=31536000, immutable');
    for (const path of ['/', '/index.html', '/app.js'])
      expect((await get(host.port, path, { cookie: cookie! })).cacheControl).toBe('no-store');
    expect((await get(host.port, '/assets/index-AN4QZPGV.js')).status).toBe(403);
  });

  it('keeps the Host-header and same-origin checks with a valid cookie', async () => {
    const { cookie } = await redeem(host.signInUrl());
    expect((await get(host.port, '/', { cookie: cookie!, host: `evil.example:${host.port}` })).status).toBe(
      403,
    );
    await expect(openSocket(host.port, cookie, 'http://evil.example')).rejects.toThrow('403');
    await expect(openSocket(host.port, cookie, `http://127.0.0.1:${host.port + 1}`)).rejects.toThrow('403');
  });

  it('lets a sign-in link expire unused', async () => {
    const quick = await startHost({ api: echoApi, rendererDir: renderer, tokenTtlMs: 50 });
    try {
      const link = quick.signInUrl();
      await new Promise((r) => setTimeout(r, 120));
      expect((await redeem(link)).response.status).toBe(403);
      expect((await redeem(quick.signInUrl())).response.status).toBe(303);
    } finally {
      await quick.close();
    }
  });

  it('sends a browser that already signed in on to the page, even with a spent link (a reload)', async () => {
    const link = host.signInUrl();
    const { cookie } = await redeem(link);
    const again = await redeem(link, { cookie: cookie! });
    expect(again.response.status).toBe(303);
    expect(again.response.setCookie).toEqual([]);
  });

  it('signs a real Chromium in, from the address bar and from a link on another site', async () => {
    const browser = await chromium.launch(CHROMIUM);
    try {
      // As xdg-open does: the link typed into a fresh browser.
      const direct = await browser.newPage();
      await direct.goto(host.signInUrl());
      await expect.poll(() => direct.title()).toBe('engine:system.info');
      expect(new URL(direct.url()).pathname).toBe('/');
      expect(new URL(direct.url()).search).toBe('');
      // Clicked on another site: SameSite=Strict cookies do not follow a cross-site redirect, so the host
      // answers with a page that moves on from its own origin.
      const other = await browser.newPage();
      const link = host.signInUrl();
      await other.setContent(`<a id="go" href="${link}">Lifeboat</a>`);
      await other.click('#go');
      await expect.poll(() => other.title(), { timeout: 10_000 }).toBe('engine:system.info');
      // A tab of a browser that never signed in gets nothing, not even the engine over a forged page.
      const stranger = await (await browser.newContext()).newPage();
      const res = await stranger.goto(host.url);
      expect(res?.status()).toBe(403);
    } finally {
      await browser.close();
    }
  });

  const otherUserTestable =
    process.platform === 'linux' && process.getuid?.() === 0 && existsSync('/proc/net/tcp');
  it.skipIf(!otherUserTestable)(
    'turns away another account on this computer even when it holds a fresh link (Linux; needs root to act as nobody)',
    async () => {
      // What a local attacker would do with a link seen in `ps`: use it first, as another uid.
      const link = host.signInUrl();
      const script = `fetch(process.argv[1]).then((r) => console.log('status', r.status), (e) => console.log('error', e.cause?.code ?? e.message))`;
      const out = await new Promise<string>((resolve) =>
        execFile(
          process.execPath,
          ['-e', script, link],
          { uid: 65534, gid: 65534, cwd: '/' },
          (e, stdout, stderr) => resolve(`${stdout}${stderr}${e ? ` (${e.message})` : ''}`),
        ),
      );
      // The connection is dropped before a byte is read: fetch fails, or (undici, when the socket closes in
      // the middle of its handshake) never settles and the child ends with nothing to wait for. Either way the
      // other account gets no answer.
      expect(out).not.toMatch(/status/);
      expect(out === '' || /^error /.test(out)).toBe(true);
      // The link was never seen by the host, so the person's own browser still signs in with it.
      expect((await redeem(link)).response.status).toBe(303);
    },
  );
});
