import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { BuiltArchive } from '../../../electron/sandbox/archives';
import { downloadToPart, type ArchiveSource } from '../../../electron/services/transfer/download';
import { clientFor, DANA, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';

const FAST = fastTransfer({ maxFailures: 4, maxUrlRefreshes: 2 });

let sandbox: Sandbox;
let source: ArchiveSource;
let built: BuiltArchive;
let dir: string;
beforeAll(async () => {
  sandbox = await testSandbox();
  const client = clientFor(sandbox, DANA);
  const site = await client.getSite('acme-blog');
  const [latest] = await client.listBackupSets(site, 'live');
  const archive = latest!.archives.files!;
  built = await sandbox.archive('acme-blog', 'live', 'files');
  source = {
    label: 'the files archive',
    identity: `${latest!.folder}/${archive.filename}`,
    size: archive.size,
    url: (s) => client.archiveUrl(site, 'live', latest!.folder, 'files', s),
  };
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  sandbox.setFaults({});
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-part-meta-'));
  return () => rm(dir, { recursive: true, force: true });
});

const sha = async (p: string): Promise<string> =>
  createHash('sha256')
    .update(await readFile(p))
    .digest('hex');
const archiveRequests = (from: number) =>
  sandbox.requests.slice(from).filter((r) => r.path.endsWith('_files.tar.gz') && r.method === 'GET');

describe('the .part.json beside a download', () => {
  it('is only ever replaced whole (temporary file, then rename), never written in place', async () => {
    const partPath = join(dir, 'site_live_files.tar.gz.part');
    const meta = `${basename(partPath)}.json`;
    const events: string[] = [];
    const watcher = watch(dir, (event, name) => events.push(`${event} ${String(name)}`));
    try {
      // A first run stopped once bytes are on disk (a cut connection may lose its last bytes on a loaded
      // machine, so the stop is a cancel at a known point), then a second that resumes: three meta writes.
      sandbox.setFaults({ store: { throttleBytesPerSecond: 100_000, match: '_files.' } });
      const ac = new AbortController();
      await expect(
        downloadToPart({
          source,
          partPath,
          policy: FAST,
          signal: ac.signal,
          onProgress: (done) => done >= 20_000 && ac.abort(),
        }),
      ).rejects.toMatchObject({ code: 'cancelled' });
      sandbox.setFaults({});
      const second = await downloadToPart({ source, partPath, policy: FAST });
      expect(second.resumedFrom).toBeGreaterThan(0);
      // inotify events arrive in order: once this marker's shows up, every earlier one has been seen.
      await writeFile(join(dir, 'marker'), 'x');
      await expect.poll(() => events.some((e) => e.endsWith(' marker'))).toBe(true);
    } finally {
      watcher.close();
    }
    const onMeta = events.filter((e) => e.endsWith(` ${meta}`));
    // Written in place, the file would be modified ("change"), and an observer (or a crash) could catch it empty.
    expect(onMeta.filter((e) => e.startsWith('change'))).toEqual([]);
    expect(onMeta.length).toBeGreaterThanOrEqual(2);
    expect(await sha(partPath)).toBe(built.sha256);
    expect(JSON.parse(await readFile(`${partPath}.json`, 'utf8'))).toMatchObject({
      identity: source.identity,
      size: source.size,
      etag: expect.stringMatching(/^"[0-9a-f]+"$/),
    });
    expect((await readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('an empty .part.json (left by a crash of an older version) does not cost the .part: it resumes', async () => {
    const partPath = join(dir, 'site_live_files.tar.gz.part');
    const have = 100_000;
    await writeFile(partPath, (await readFile(built.path)).subarray(0, have));
    await writeFile(`${partPath}.json`, '');
    const from = sandbox.requests.length;
    const { resumedFrom } = await downloadToPart({ source, partPath, policy: FAST });
    expect(resumedFrom).toBe(have);
    expect(archiveRequests(from)[0]!.range).toBe(`bytes=${have}-`);
    expect(await sha(partPath)).toBe(built.sha256);
    expect(JSON.parse(await readFile(`${partPath}.json`, 'utf8'))).toMatchObject({
      identity: source.identity,
    });
  });

  it('a .part.json cut mid-write resumes too; one that names another archive still discards its .part', async () => {
    const partPath = join(dir, 'site_live_files.tar.gz.part');
    const bytes = await readFile(built.path);
    await writeFile(partPath, bytes.subarray(0, 50_000));
    await writeFile(
      `${partPath}.json`,
      JSON.stringify({ identity: source.identity, size: source.size }).slice(0, 20),
    );
    expect((await downloadToPart({ source, partPath, policy: FAST })).resumedFrom).toBe(50_000);
    expect(await sha(partPath)).toBe(built.sha256);

    await writeFile(partPath, 'bytes of another backup');
    await writeFile(`${partPath}.json`, JSON.stringify({ identity: 'other/x.tar.gz', size: source.size }));
    expect((await downloadToPart({ source, partPath, policy: FAST })).resumedFrom).toBe(0);
    expect(await sha(partPath)).toBe(built.sha256);
  });
});
