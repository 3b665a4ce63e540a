// The decisions behind the desktop app's updates (electron/main/update-policy.ts), under plain Node. The updater
// errors are the real ones: electron-updater's own GitHub provider asks a stand-in for GitHub on 127.0.0.1 (the
// feed, the latest-release API, the release's latest-linux.yml), exactly as the packaged app asks github.com.
import { createServer, request, type ClientRequest, type RequestOptions, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpExecutor } from 'builder-util-runtime';
import { GitHubProvider } from 'electron-updater/out/providers/GitHubProvider';
import type { AppUpdater } from 'electron-updater';
import {
  describeUpdateError,
  initialUpdateState,
  isActiveJob,
  reduceUpdate,
  restartBlocker,
  updatesOffReason,
  type UpdateFacts,
} from '../../../electron/main/update-policy';
import type { UpdateState } from '../../../shared/models';

const packaged: UpdateFacts = { packaged: true, platform: 'darwin', env: {}, linuxPackageType: null };

describe('whether this copy of Lifeboat updates itself', () => {
  it('does when packaged: the mac app, the Windows installer, the AppImage and the deb', () => {
    expect(updatesOffReason(packaged)).toBeNull();
    expect(updatesOffReason({ ...packaged, platform: 'win32' })).toBeNull();
    expect(
      updatesOffReason({ ...packaged, platform: 'linux', env: { APPIMAGE: '/home/d/Lifeboat.AppImage' } }),
    ).toBeNull();
    expect(updatesOffReason({ ...packaged, platform: 'linux', linuxPackageType: 'deb' })).toBeNull();
    // Set to a "no" value, the switch leaves updates on.
    expect(updatesOffReason({ ...packaged, env: { LIFEBOAT_NO_UPDATES: '0' } })).toBeNull();
  });

  it('does not in development, when switched off, as the portable exe, or as a Linux build it cannot replace', () => {
    expect(updatesOffReason({ ...packaged, packaged: false })).toMatch(/off in development/);
    expect(updatesOffReason({ ...packaged, env: { LIFEBOAT_NO_UPDATES: '1' } })).toMatch(
      /LIFEBOAT_NO_UPDATES/,
    );
    expect(
      updatesOffReason({ ...packaged, platform: 'win32', env: { PORTABLE_EXECUTABLE_DIR: 'D:\\Apps' } }),
    ).toMatch(/portable/);
    // Unpacked (linux-unpacked), or an rpm nobody built: electron-updater would try the AppImage updater and fail.
    expect(updatesOffReason({ ...packaged, platform: 'linux' })).toMatch(/AppImage or the \.deb/);
    expect(updatesOffReason({ ...packaged, platform: 'linux', linuxPackageType: 'rpm' })).toMatch(/AppImage/);
    // Off, the state says why from the start.
    expect(initialUpdateState('0.1.0', 'Off.')).toEqual({
      status: 'unavailable',
      current: '0.1.0',
      reason: 'Off.',
    });
    expect(initialUpdateState('0.1.0', null)).toEqual({ status: 'idle', current: '0.1.0' });
  });
});

describe('the update state through a check and a download', () => {
  const idle: UpdateState = { status: 'idle', current: '0.1.0' };

  it('goes checking, available, downloading (whole percents), ready; a later check or error keeps it ready', () => {
    let s = reduceUpdate(idle, { type: 'checking' });
    expect(s.status).toBe('checking');
    s = reduceUpdate(s, { type: 'available', version: '0.2.0' });
    expect(s).toMatchObject({ status: 'available', version: '0.2.0' });
    s = reduceUpdate(s, { type: 'progress', percent: 41.7 });
    expect(s).toMatchObject({ status: 'downloading', version: '0.2.0', percent: 41 });
    s = reduceUpdate(s, { type: 'progress', percent: 250 });
    expect(s.percent).toBe(100);
    s = reduceUpdate(s, { type: 'downloaded', version: '0.2.0' });
    expect(s).toEqual({
      status: 'ready',
      current: '0.1.0',
      version: '0.2.0',
      reason: 'Lifeboat 0.2.0 is ready: restart Lifeboat to update.',
    });
    expect(reduceUpdate(s, { type: 'checking' })).toBe(s);
    expect(reduceUpdate(s, { type: 'error', error: new Error('net::ERR_INTERNET_DISCONNECTED') })).toBe(s);
  });

  it('says "newest version" when there is none newer, and stays off when updates are off', () => {
    expect(reduceUpdate(reduceUpdate(idle, { type: 'checking' }), { type: 'not-available' })).toEqual({
      status: 'up-to-date',
      current: '0.1.0',
      reason: 'Lifeboat 0.1.0 is the newest version.',
    });
    const off = initialUpdateState('0.1.0', 'Updates are off in development.');
    expect(reduceUpdate(off, { type: 'checking' })).toBe(off);
    // A progress event with no download under way changes nothing.
    expect(reduceUpdate(idle, { type: 'progress', percent: 10 })).toBe(idle);
  });

  it('names the version that could not be downloaded when the download fails', () => {
    const downloading = reduceUpdate(reduceUpdate(idle, { type: 'available', version: '0.2.0' }), {
      type: 'progress',
      percent: 30,
    });
    const s = reduceUpdate(downloading, {
      type: 'error',
      error: Object.assign(new Error('sha512 checksum mismatch'), { code: 'ERR_CHECKSUM_MISMATCH' }),
    });
    expect(s.status).toBe('error');
    expect(s.reason).toMatch(
      /^Lifeboat 0\.2\.0 could not be downloaded\. The downloaded update could not be verified/,
    );
    expect(s.version).toBeUndefined();
  });
});

/** A stand-in for github.com's release pages, answering each path with what a test sets. */
let server: Server | null = null;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = null;
});
async function fakeGitHub(routes: Record<string, [number, string]>): Promise<number> {
  server = createServer((req, res) => {
    const [status, body] = routes[req.url ?? ''] ?? [404, 'Not Found'];
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** builder-util-runtime's executor over Node's http (the app's own runs over Electron's net). */
class NodeExecutor extends HttpExecutor<ClientRequest> {
  createRequest(options: RequestOptions, callback: (response: unknown) => void): ClientRequest {
    return request(options, callback);
  }
}

/** What electron-updater's GitHub provider throws for the latest release of o/r at 127.0.0.1:port. */
async function providerError(port: number): Promise<unknown> {
  const updater = { allowPrerelease: false, channel: null, fullChangelog: false } as unknown as AppUpdater;
  const provider = new GitHubProvider(
    { provider: 'github', owner: 'o', repo: 'r', host: `127.0.0.1:${port}`, protocol: 'http' },
    updater,
    // The type asks for Electron's executor; the provider only calls `request` on it.
    { executor: new NodeExecutor() as never, platform: 'linux', isUseMultipleRangeRequest: false },
  );
  try {
    await provider.getLatestVersion();
  } catch (e) {
    return e;
  }
  throw new Error('the provider found a release');
}

const FEED = (tag: string) =>
  `<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id>` +
  `<link rel="alternate" type="text/html" href="/o/r/releases/tag/${tag}"/><title>${tag}</title></entry></feed>`;
const EMPTY_FEED = '<?xml version="1.0" encoding="UTF-8"?><feed xmlns="http://www.w3.org/2005/Atom"></feed>';

describe('what an updater error means for a person', () => {
  it('no release published (only a draft, which the feed does not list): up to date, not a failure', async () => {
    const port = await fakeGitHub({ '/o/r/releases.atom': [200, EMPTY_FEED] });
    const e = await providerError(port);
    expect(describeUpdateError(e)).toEqual({
      status: 'up-to-date',
      reason: expect.stringMatching(/^No newer release of Lifeboat is published.*draft/),
    });
  });

  it('a feed with no latest release behind it (GitHub answers 404): up to date', async () => {
    const port = await fakeGitHub({ '/o/r/releases.atom': [200, FEED('v0.2.0')] });
    const e = await providerError(port);
    // electron-updater 6.8 wraps its own "Unable to find latest version" in an invalid-feed error.
    expect((e as { code?: string }).code).toBe('ERR_UPDATER_INVALID_RELEASE_FEED');
    expect(describeUpdateError(e).status).toBe('up-to-date');
  });

  it('a release without this system’s update file: an error that says so', async () => {
    const port = await fakeGitHub({
      '/o/r/releases.atom': [200, FEED('v0.2.0')],
      '/api/v3/repos/o/r/releases/latest': [200, JSON.stringify({ tag_name: 'v0.2.0' })],
    });
    const e = await providerError(port);
    expect(describeUpdateError(e)).toEqual({
      status: 'error',
      reason: expect.stringMatching(/^The newest release has no update for this system yet/),
    });
  });

  it('GitHub limiting requests, behind the provider’s own wrapping: says so, not "no release"', async () => {
    const port = await fakeGitHub({
      '/o/r/releases.atom': [200, FEED('v0.2.0')],
      '/api/v3/repos/o/r/releases/latest': [403, '{"message":"API rate limit exceeded for 127.0.0.1."}'],
    });
    const e = await providerError(port);
    expect((e as { code?: string }).code).toBe('ERR_UPDATER_INVALID_RELEASE_FEED');
    expect(describeUpdateError(e).reason).toMatch(/^GitHub is limiting requests/);
  });

  it('nothing answering (offline): could not reach GitHub', async () => {
    const port = await fakeGitHub({});
    await new Promise<void>((r) => server!.close(() => r()));
    server = null;
    const e = await providerError(port);
    expect(describeUpdateError(e)).toEqual({
      status: 'error',
      reason: expect.stringMatching(/^Lifeboat could not reach GitHub.*offline/),
    });
    // Electron's net says it its own way.
    expect(describeUpdateError(new Error('net::ERR_INTERNET_DISCONNECTED')).reason).toMatch(
      /could not reach/,
    );
  });

  it('a build with no update source is "unavailable"; an unknown error gives its first line, redacted', () => {
    const unsupported = Object.assign(new Error('Unsupported provider: undefined'), {
      code: 'ERR_UPDATER_UNSUPPORTED_PROVIDER',
    });
    expect(describeUpdateError(unsupported).status).toBe('unavailable');
    const noFile = Object.assign(
      new Error("ENOENT: no such file or directory, open '/opt/Lifeboat/resources/app-update.yml'"),
      { code: 'ENOENT' },
    );
    expect(describeUpdateError(noFile).status).toBe('unavailable');
    const odd = new Error(
      'Cannot download https://objects.githubusercontent.com/x/Lifeboat.zip?X-Amz-Signature=abc123&X-Amz-Expires=300\n' +
        '    at Stack.frame (/secret/path.js:1:1)',
    );
    const { status, reason } = describeUpdateError(odd);
    expect(status).toBe('error');
    expect(reason).toContain(
      'The update check failed: Cannot download https://objects.githubusercontent.com/x/Lifeboat.zip',
    );
    expect(reason).not.toContain('abc123');
    expect(reason).not.toContain('/secret/path.js');
    expect(describeUpdateError('Cannot update while running on a read-only volume.').reason).toMatch(
      /Applications/,
    );
  });
});

describe('whether a restart now would stop someone’s work', () => {
  it('allows it with no job queued or running, and refuses while any is, naming them', () => {
    expect(restartBlocker([])).toBeNull();
    const one = restartBlocker([{ kind: 'download', title: 'acme-blog live files' }]);
    expect(one).toBe(
      'A job is still running (download: acme-blog live files): restarting now would stop it. Restart when it ' +
        'finishes, or cancel it in Jobs first.',
    );
    const many = restartBlocker([
      { kind: 'restore', title: 'a' },
      { kind: 'mirror', title: 'b' },
      { kind: 'create-backup', title: 'c' },
      { kind: 'pantheon-restore', title: 'd' },
    ]);
    expect(many).toMatch(/^4 jobs are still running \(restore: a; mirror: b; backup: c; and 1 more\)/);
    // Not knowing is no licence to restart.
    expect(restartBlocker(null)).toMatch(/could not tell whether jobs are running/);
  });

  it('counts queued and running jobs as work a restart would stop, finished ones not', () => {
    expect(
      ['queued', 'running', 'succeeded', 'failed', 'cancelled'].map((state) =>
        isActiveJob({ state: state as never }),
      ),
    ).toEqual([true, true, false, false, false]);
  });
});
