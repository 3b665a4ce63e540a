import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BackupArchive } from '@shared/models';
import type { Sandbox } from '../../../electron/sandbox';
import { runMain, type MainOptions } from '../../helpers/cli';
import { DANA, testSandbox } from '../../helpers/sandbox';
import { hostileApi, type HostileApi } from './hostile-api';

/**
 * The CLI against an API that lies (a proxy in front of the real sandbox): what reaches the terminal is shown,
 * never obeyed; absurd numbers are "unknown", never a crash; a confirmation names the site Pantheon resolved.
 */

let sandbox: Sandbox;
let api: HostileApi;
let token: string;

const cli = (argv: readonly string[], options: MainOptions = {}) =>
  runMain(['--api-url', api.apiUrl, ...argv], {
    ...options,
    env: { TERMINUS_MACHINE_TOKEN: token, ...options.env },
  });

/** Control characters (C0 but the line feed, DEL, C1): what a terminal would obey. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
const OSC52 = '\u001b]52;c;cm0gLXJmIH4=\u0007';

beforeAll(async () => {
  sandbox = await testSandbox();
  api = await hostileApi(sandbox);
  token = sandbox.accounts.find((a) => a.email === DANA)!.machineToken;
});
afterAll(async () => {
  await api.close();
  await sandbox.close();
});
beforeEach(() => {
  api.rewrite(null);
  sandbox.setFaults({});
});

async function siteId(name: string): Promise<string> {
  const sites = JSON.parse((await cli(['sites', '--json'])).stdout) as { id: string; name: string }[];
  return sites.find((s) => s.name === name)!.id;
}

async function olderDatabaseFolder(site: string): Promise<string> {
  const r = await cli(['backups', 'list', site, '--element', 'db', '--json']);
  return (JSON.parse(r.stdout) as BackupArchive[])[1]!.folder;
}

describe('backups restore confirms the site Pantheon resolved, not what was typed', () => {
  it('given a UUID, it shows the site’s name and label and asks for the name, not the UUID', async () => {
    const id = await siteId('acme-blog');
    const folder = await olderDatabaseFolder('acme-blog.dev');
    const args = ['backups', 'restore', `${id}.dev`, '--backup', folder, '--element', 'db'];
    const before = sandbox.restores.length;
    const typedUuid = await cli(args, { stdinTty: true, input: `${id}\n` });
    expect(typedUuid.code).toBe(130);
    expect(typedUuid.stderr).toContain(
      `This replaces the database of acme-blog.dev (“Acme Blog”, site id ${id})`,
    );
    expect(typedUuid.stderr).toContain('Type the site name (acme-blog) to restore acme-blog.dev');
    expect(sandbox.restores.length).toBe(before);
    const typedName = await cli(args, { stdinTty: true, input: 'acme-blog\n' });
    expect(typedName.code).toBe(0);
    expect(typedName.stdout).toMatch(/^Restored the database of acme-blog\.dev on Pantheon/);
    expect(sandbox.restores.slice(before)).toEqual([
      expect.objectContaining({ site: 'acme-blog', env: 'dev', element: 'database' }),
    ]);
  });

  it('a name Pantheon resolves to another site is named for what it is; typing the typed name restores nothing', async () => {
    const id = await siteId('acme-blog');
    const folder = await olderDatabaseFolder('acme-blog.dev');
    api.rewrite((a) =>
      a.method === 'GET' && a.path.startsWith('site-names/acme-landing')
        ? { status: 200, body: { id } }
        : undefined,
    );
    const before = sandbox.restores.length;
    const r = await cli(['backups', 'restore', 'acme-landing.dev', '--backup', folder, '--element', 'db'], {
      stdinTty: true,
      input: 'acme-landing\n',
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toContain(
      `This replaces the database of acme-blog.dev (“Acme Blog”, site id ${id}, found for “acme-landing”)`,
    );
    expect(r.stderr).toContain('Type the site name (acme-blog)');
    expect(sandbox.restores.length).toBe(before);
  });
});

describe('text from the API reaches the terminal shown, never obeyed', () => {
  it('in an error message (a 403 body), as text and as JSON', async () => {
    // Every answer, however many attempts the client makes (a 403 may be retried after a fresh login).
    sandbox.setFaults({
      api: { script: [{ path: 'memberships/sites', status: 403, body: `${OSC52}no`, times: 1000 }] },
    });
    const text = await cli(['sites']);
    expect(text.code).not.toBe(0);
    expect(text.stderr).toContain('\ufffd]52;c;cm0gLXJmIH4=\ufffd');
    expect(text.stderr).not.toMatch(CONTROL);
    const json = await cli(['sites', '--json']);
    expect(json.stdout).not.toMatch(CONTROL);
    // The same message for a parser: the escapes are JSON's, the text unchanged.
    expect((JSON.parse(json.stdout) as { error: { message: string } }).error.message).toContain(OSC52);
  });

  it('in the environments a "not found" lists', async () => {
    api.rewrite((a) =>
      a.method === 'GET' && /^sites\/[^/]+\/environments(\?|$)/.test(a.path) && a.body
        ? { body: { ...(a.body as object), [`ev${OSC52}il`]: { id: 'evil' } } }
        : undefined,
    );
    const r = await cli(['backups', 'list', 'acme-blog.lvie']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("Site 'acme-blog' has no environment 'lvie'");
    expect(r.stderr).not.toMatch(CONTROL);
  });

  it('in the uncommitted paths of the SFTP warning', async () => {
    sandbox.setDiffstat('globex-careers', 'dev', {
      [`wp-content/${OSC52}evil.php`]: { status: 'M', additions: '1', deletions: '0' },
    });
    const r = await cli(['backups', 'create', 'globex-careers.dev']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('wp-content/\ufffd]52');
    expect(r.stderr).not.toMatch(CONTROL);
  });

  it('in a workflow’s steps on a terminal, whose step count may be nonsense', async () => {
    api.rewrite((a) =>
      /workflows/.test(a.path) && a.body && typeof a.body === 'object' && !Array.isArray(a.body)
        ? {
            status: a.status,
            body: { ...(a.body as object), active_description: `Exporting${OSC52}`, step: -7 },
          }
        : undefined,
    );
    const r = await cli(['backups', 'create', 'acme-events.dev', '--element', 'db'], { stderrColumns: 80 });
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(0);
    // The only control sequence is the CLI's own redraw of its line.
    expect(r.stderr.replaceAll('\r\u001b[2K', '')).not.toMatch(CONTROL);
  });

  it('a signed link with control characters is refused, not printed', async () => {
    api.rewrite((a) =>
      a.method === 'POST' && a.path.endsWith('/s3token')
        ? { status: 200, body: { url: `https://store.example/a${OSC52}.sql.gz?Expires=1900000000` } }
        : undefined,
    );
    const r = await cli(['backups', 'get', 'acme-blog.live', '--element', 'db']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(CONTROL);
  });
});

describe('times no date can hold', () => {
  it('a finish time of 1e20 and a link expiring in 1e20 s are "unknown" in text and null in JSON, never a crash', async () => {
    api.rewrite((a) => {
      if (a.method === 'GET' && a.path.includes('/backups/catalog') && a.body && typeof a.body === 'object') {
        const catalog = a.body as Record<string, Record<string, unknown>>;
        return {
          body: Object.fromEntries(Object.entries(catalog).map(([k, v]) => [k, { ...v, finish_time: 1e20 }])),
        };
      }
      if (a.method === 'POST' && a.path.endsWith('/s3token') && a.body) {
        const url = new URL((a.body as { url: string }).url);
        url.searchParams.set('Expires', '99999999999999999999');
        return { body: { url: url.toString() } };
      }
      return undefined;
    });
    const json = await cli(['backups', 'info', 'acme-blog.live', '--element', 'db', '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const info = JSON.parse(json.stdout) as {
      date: string | null;
      expiry: string | null;
      urlExpiry: string | null;
    };
    expect(info.urlExpiry).toBeNull();
    for (const t of [info.date, info.expiry]) if (t !== null) expect(Date.parse(t)).toBeLessThan(8.64e15);
    const text = await cli(['backups', 'info', 'acme-blog.live', '--element', 'db']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^URL expiry\s+unknown$/m);
    expect(text.stdout).not.toMatch(/NaN/);
    const list = await cli(['backups', 'list', 'acme-blog.live']);
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(/NaN/);
    const listJson = await cli(['backups', 'list', 'acme-blog.live', '--element', 'db', '--json']);
    expect(listJson.code).toBe(0);
    for (const a of JSON.parse(listJson.stdout) as BackupArchive[])
      if (a.date !== null) expect(new Date(a.date * 1000).getTime()).not.toBeNaN();
  });
});
