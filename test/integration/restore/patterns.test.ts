/**
 * Include and exclude patterns, through the real use cases against the sandbox: a malformed pattern is refused
 * before Pantheon is asked anything, an include that matches nothing is a usage error naming it and leaves no
 * restore or unpacked folder behind (only the resumable download), and download takes --exclude too.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { Site } from '../../../shared/models';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { downloadArchive, type DownloadRequest } from '../../../electron/services/restore/download-archive';
import { planRestore, type RestoreRequest } from '../../../electron/services/restore/plan';
import { runRestore, type RestoreContext } from '../../../electron/services/restore/restore';
import { clientFor, DANA, requestsTo, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';

let sandbox: Sandbox;
let dana: PantheonClient;
let site: Site;
let dir: string;
const FAST = fastTransfer({ maxFailures: 6 });
const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

beforeAll(async () => {
  sandbox = await testSandbox();
  dana = clientFor(sandbox, DANA);
  site = await dana.getSite('acme-blog');
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-patterns-'));
  return () => rm(dir, { recursive: true, force: true });
});

const pull = async (req: Omit<RestoreRequest, 'targetDir' | 'site' | 'env' | 'backup'>) => {
  return runRestore(
    { client: dana, site, options: { transfer: FAST, pollMs: 10 } },
    { site: 'acme-blog', env: 'live', backup: 'latest', targetDir: dir, ...req },
    ctx,
  );
};

const download = async (
  req: Pick<DownloadRequest, 'include' | 'exclude'>,
  element: 'files' | 'database' = 'files',
) => {
  return downloadArchive(
    { client: dana, site, transfer: FAST },
    { site: 'acme-blog', env: 'live', folder: 'latest', element, targetDir: dir, ...req },
    ctx,
  );
};

/** The name of the newest live files archive. */
const filesArchive = async (): Promise<string> => {
  const [latest] = await dana.listBackupSets(site, 'live');
  return latest!.archives.files!.filename;
};

/** Every path under `root`, relative, sorted. */
const tree = async (root: string): Promise<string[]> =>
  (await readdir(root, { recursive: true })).map(String).sort();

const sha = async (p: string) =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');

const MALFORMED: readonly [string, RegExp][] = [
  ['', /The include pattern "" is empty/],
  ['   ', /The include pattern " {3}" is empty/],
  ['/var/www/files/2024', /"\/var\/www\/files\/2024" is an absolute path/],
  ['../2024', /"\.\.\/2024" climbs out of the archive with "\.\."/],
  ['2024/../../etc', /"2024\/\.\.\/\.\.\/etc" climbs out/],
  ['.', /"\." names the whole archive/],
];

describe('pull', () => {
  it('an include that matches nothing is a usage error naming it, after which nothing is in place and a corrected run downloads nothing again', async () => {
    const err = await pull({ elements: ['files'], include: ['2024/**', 'files_live/nomatch'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining(
        'Nothing in the files archive matches the include pattern "files_live/nomatch".',
      ),
    });
    // Only the pattern that matched nothing is named; the hint shows what the archive holds.
    expect((err as Error).message).not.toContain('"2024/**".');
    expect((err as Error).message).toContain('files_live/ holds');
    // No restore folder; the staging folder keeps only the download, to resume.
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
    expect((await readdir(join(dir, '.acme-blog-live.lifeboat'))).sort()).toEqual([
      'downloads',
      'restore.json',
    ]);

    const before = requestsTo(sandbox, '/store/').length;
    const ok = await pull({ elements: ['files'], include: ['2024/**'] });
    expect(requestsTo(sandbox, '/store/').length).toBe(before);
    expect(await readdir(join(ok.path, 'files'))).toEqual(['2024']);
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });

  it('a single include that matches nothing, with all three elements: a usage error, no restore folder', async () => {
    await expect(
      pull({ elements: ['code', 'database', 'files'], include: ['nomatch/**'] }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('matches the include pattern "nomatch/**"'),
    });
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
    expect((await readdir(join(dir, '.acme-blog-live.lifeboat'))).sort()).toEqual([
      'downloads',
      'restore.json',
    ]);
  });

  it('an include whose every match is excluded says so', async () => {
    await expect(
      pull({ elements: ['files'], include: ['2024'], exclude: ['2024/**'] }),
    ).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining(
        'Everything the include pattern "2024" matches in the files archive is left out by the exclude patterns',
      ),
    });
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
  });

  for (const [pattern, message] of MALFORMED)
    it(`a malformed include ${JSON.stringify(pattern)} is refused before Pantheon is asked anything`, async () => {
      const before = sandbox.requests.length;
      await expect(
        runRestore(
          { client: dana, site, options: { transfer: FAST, pollMs: 10 } },
          {
            site: 'acme-blog',
            env: 'live',
            backup: 'latest',
            targetDir: dir,
            elements: ['code', 'files'],
            include: [pattern],
          },
          ctx,
        ),
      ).rejects.toMatchObject({ code: 'invalid-request', message: expect.stringMatching(message) });
      expect(sandbox.requests.slice(before)).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    });

  it('a malformed exclude is refused too, and the dry run (the plan) says the same', async () => {
    const before = sandbox.requests.length;
    const request: RestoreRequest = {
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      targetDir: dir,
      elements: ['files'],
      exclude: ['/tmp'],
    };
    await expect(planRestore({ client: dana, site }, request)).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('The exclude pattern "/tmp" is an absolute path'),
    });
    expect(sandbox.requests.slice(before)).toEqual([]);
  });

  it('a pattern starting with "!" is refused before Pantheon is asked anything, pointing to the other flag', async () => {
    for (const [kind, pattern, hint] of [
      ['exclude', '!2024/', 'to keep only something, use --include PATTERN'],
      ['include', '!2024', 'to leave something out, use --exclude PATTERN'],
    ] as const) {
      const before = sandbox.requests.length;
      await expect(pull({ elements: ['files'], [kind]: [pattern] })).rejects.toMatchObject({
        code: 'invalid-request',
        message: `The ${kind} pattern "${pattern}" starts with "!", which Lifeboat does not read as "not": ${hint}.`,
      });
      expect(sandbox.requests.slice(before)).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    }
  });

  it('an exclude that leaves out everything is a usage error like an include that matches nothing, not a damaged archive', async () => {
    await expect(pull({ elements: ['files'], exclude: ['*'] })).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining(
        'The exclude pattern "*" leaves out everything in the files archive. Patterns name paths inside the top folder files_live/',
      ),
    });
    // As for an include that matches nothing: no restore folder, the download kept to resume.
    expect(await readdir(dir)).toEqual(['.acme-blog-live.lifeboat']);
    const before = requestsTo(sandbox, '/store/').length;
    const ok = await pull({ elements: ['files'], exclude: ['2023'] });
    expect(requestsTo(sandbox, '/store/').length).toBe(before);
    expect(await readdir(join(ok.path, 'files'))).not.toContain('2023');
  });

  it('the plan (what the dry run prints) lists the include and exclude patterns', async () => {
    const plan = await planRestore(
      { client: dana, site },
      {
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        targetDir: dir,
        elements: ['files'],
        include: ['2024/**', 'documents'],
        exclude: ['*.pdf'],
      },
    );
    const files = plan.writes.find((w) => w.description.includes('the files archive'));
    expect(files?.description).toContain('only "2024/**", "documents", without "*.pdf"');
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('download', () => {
  it('an include that matches nothing is a usage error naming it: no unpacked folder, and a corrected run downloads nothing again', async () => {
    const name = await filesArchive();
    await expect(download({ include: ['nomatch/**'] })).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining(
        'Nothing in the files archive matches the include pattern "nomatch/**"',
      ),
    });
    // Neither the archive under its name nor the folder it unpacks into: only the resumable download.
    expect(await readdir(dir).then((n) => n.sort())).toEqual([`${name}.part`, `${name}.part.json`]);

    const before = requestsTo(sandbox, '/store/').length;
    const r = await download({ include: ['2024/'] });
    expect(requestsTo(sandbox, '/store/').length).toBe(before);
    expect(r.extractedTo).not.toBeNull();
    // What files_live/ holds, without that extra level (see download-top-folder.test.ts).
    expect(await readdir(r.extractedTo!)).toEqual(['2024']);
  });

  for (const [pattern, message] of MALFORMED.slice(0, 4))
    it(`a malformed include ${JSON.stringify(pattern)} is refused before Pantheon is asked anything`, async () => {
      const before = sandbox.requests.length;
      await expect(download({ include: [pattern] })).rejects.toMatchObject({
        code: 'invalid-request',
        message: expect.stringMatching(message),
      });
      expect(sandbox.requests.slice(before)).toEqual([]);
      expect(await readdir(dir)).toEqual([]);
    });

  it('--exclude leaves the matched entries out of the unpacked folder; the archive itself is saved whole', async () => {
    const whole = await download({});
    const kept = await sha(whole.path);
    await rm(whole.path);
    const r = await download({ exclude: ['media/', '2023', '**/*.pdf'] });
    expect(await sha(r.path)).toBe(kept);
    expect(r.extractedTo).not.toBeNull();
    const paths = await tree(r.extractedTo!);
    expect(paths).toContain('2024');
    expect(paths).toContain('documents/price-list.csv');
    expect(paths.filter((p) => p.startsWith('media') || p.startsWith('2023') || p.endsWith('.pdf'))).toEqual(
      [],
    );
    expect(paths.some((p) => p.endsWith('.png'))).toBe(true);
  });

  it('an exclude that leaves out everything is a usage error, not an empty folder reported as saved', async () => {
    const name = await filesArchive();
    for (const exclude of [['files_live'], ['**/*']]) {
      await expect(download({ exclude })).rejects.toMatchObject({
        code: 'invalid-request',
        message: expect.stringContaining(`leaves out everything in the files archive.`),
      });
      // No unpacked folder and no archive under its name: only the resumable download.
      expect(await readdir(dir).then((n) => n.sort())).toEqual([`${name}.part`, `${name}.part.json`]);
    }
    await expect(download({ exclude: ['!2024/'] })).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('starts with "!"'),
    });
  });

  it('a malformed exclude is refused before anything is asked, and so is an exclude on the database', async () => {
    const before = sandbox.requests.length;
    await expect(download({ exclude: ['../x'] })).rejects.toMatchObject({
      code: 'invalid-request',
      message: expect.stringContaining('The exclude pattern "../x" climbs out'),
    });
    await expect(download({ exclude: ['*.sql'] }, 'database')).rejects.toMatchObject({
      code: 'invalid-request',
    });
    expect(sandbox.requests.slice(before)).toEqual([]);
  });
});
