/**
 * A files archive unpacked by a download holds what its top folder `files_<env>/` holds, with no extra level
 * (the folder tree the app shows starts below it): against the real sandbox, with the demo's archive and with
 * archives made here whose top folder is another one, missing, or not alone.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { PantheonClient } from '../../../electron/services/pantheon/client';
import { downloadArchive, type DownloadRequest } from '../../../electron/services/restore/download-archive';
import type { RestoreContext } from '../../../electron/services/restore/restore';
import type { Site } from '../../../shared/models';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { rawTarGz, type RawEntry } from '../../helpers/tarball';
import { fastTransfer } from '../../helpers/transfer';

let sandbox: Sandbox;
let dana: PantheonClient;
let site: Site;
let root: string;
let dir: string;
const ctx: RestoreContext = { phase: () => undefined, part: () => undefined };

beforeAll(async () => {
  sandbox = await testSandbox();
  dana = clientFor(sandbox, DANA);
  site = await dana.getSite('acme-blog');
  root = await mkdtemp(join(tmpdir(), 'lifeboat-download-top-'));
});
afterAll(async () => {
  await sandbox.close();
  await rm(root, { recursive: true, force: true });
});
beforeEach(async () => {
  dir = await mkdtemp(join(root, 'to-'));
});

const download = (req: Pick<DownloadRequest, 'include' | 'exclude'>, env = 'live') =>
  downloadArchive(
    { client: dana, site, transfer: fastTransfer({ maxFailures: 2 }) },
    { site: 'acme-blog', env, folder: 'latest', element: 'files', targetDir: dir, ...req },
    ctx,
  );

/** Every path below `path`, sorted, folders and files alike. */
const tree = async (path: string): Promise<string[]> =>
  (await readdir(path, { recursive: true })).map(String).sort();

/** Serves a files archive made of `entries` as the test environment's newest one. */
async function serve(entries: readonly RawEntry[]): Promise<void> {
  const file = join(root, `served-${Math.random().toString(36).slice(2)}.tar.gz`);
  await writeFile(file, rawTarGz(entries));
  sandbox.serveArchive('acme-blog', 'test', 'files', file);
}

const file = (path: string, body = path): RawEntry => ({ path, body });
const folder = (path: string): RawEntry => ({ path, type: 'Directory' });

describe('a download that unpacks the files archive', () => {
  it('puts what files_live/ holds directly in the unpacked folder, leaving nothing else beside the archive', async () => {
    const r = await download({ include: ['files_live/2024/'] });
    expect(await readdir(r.extractedTo!)).toEqual(['2024']);
    expect((await readdir(dir)).sort()).toEqual([basename(r.path), basename(r.extractedTo!)].sort());
    expect(r.extractedTo).toBe(join(dir, basename(r.path).replace(/\.tar\.gz$/, '')));
  });

  it('everything (include "**") is exactly what files_live/ holds, as tar itself unpacks it', async () => {
    const r = await download({ include: ['**'] });
    const byTar = join(root, 'by-tar');
    await mkdir(byTar);
    await promisify(execFile)('tar', [
      '-xzf',
      (await sandbox.archive('acme-blog', 'live', 'files')).path,
      '-C',
      byTar,
    ]);
    expect(await readdir(byTar)).toEqual(['files_live']);
    expect(await tree(r.extractedTo!)).toEqual(await tree(join(byTar, 'files_live')));
    expect(await readFile(join(r.extractedTo!, 'documents', 'price-list.csv'))).toEqual(
      await readFile(join(byTar, 'files_live', 'documents', 'price-list.csv')),
    );
  });

  it('an exclude alone also unpacks below the top folder', async () => {
    const r = await download({ exclude: ['2024/'] });
    const top = await readdir(r.extractedTo!);
    expect(top).toContain('documents');
    expect(top).not.toContain('2024');
    expect(top).not.toContain('files_live');
  });

  it("another environment's top folder is its top folder all the same", async () => {
    await serve([folder('files_dev/'), folder('files_dev/img/'), file('files_dev/img/a.png')]);
    const r = await download({ include: ['**'] }, 'test');
    expect(await tree(r.extractedTo!)).toEqual(['img', 'img/a.png']);
  });

  it('an archive without a top folder is unpacked as it is: a picked folder keeps its own name', async () => {
    await serve([folder('2024/'), file('2024/a.png'), folder('docs/'), file('docs/b.txt')]);
    const all = await download({ include: ['**'] }, 'test');
    expect(await tree(all.extractedTo!)).toEqual(['2024', '2024/a.png', 'docs', 'docs/b.txt']);
    await rm(dir, { recursive: true });
    const one = await download({ include: ['2024/'] }, 'test');
    expect(await tree(one.extractedTo!)).toEqual(['2024', '2024/a.png']);
  });

  it('a single top folder with another name, or a top folder with something beside it, is not taken away', async () => {
    await serve([folder('uploads/'), file('uploads/a.png')]);
    const other = await download({ include: ['**'] }, 'test');
    expect(await tree(other.extractedTo!)).toEqual(['uploads', 'uploads/a.png']);
    await rm(dir, { recursive: true });
    await serve([folder('files_test/'), file('files_test/a.png'), file('README.txt')]);
    const beside = await download({ include: ['**'] }, 'test');
    expect(await tree(beside.extractedTo!)).toEqual(['README.txt', 'files_test', 'files_test/a.png']);
  });

  it('a link named like the top folder is not followed out: the extractor refuses it and nothing is left', async () => {
    await serve([{ path: 'files_test', type: 'SymbolicLink', linkpath: '/tmp' }]);
    await expect(download({ include: ['**'] }, 'test')).rejects.toMatchObject({ code: 'hostile-archive' });
    expect((await readdir(dir)).filter((n) => !n.includes('.part'))).toEqual([]);
  });
});
