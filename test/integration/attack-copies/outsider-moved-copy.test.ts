// An outsider's attack on "Update from a newer backup": the person moves (renames) the copy's folder while the
// update downloads, after every check made under the lock. Promised: a copy whose folder is missing is refused
// with what to do, nothing is written outside the copy, and the update never leaves something half made.
import { lstat, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clientFor, DANA } from '../../helpers/sandbox';
import { until } from '../../helpers/until';
import { changedFiles, newBackup } from '../restore/newer-backup';
import { updateKit, type UpdateKit } from './update-kit';

let k: UpdateKit;
beforeEach(async () => void (k = await updateKit()));
afterEach(() => k.close());

const exists = (p: string) =>
  lstat(p).then(
    () => true,
    () => false,
  );

/** Starts the update of the copy `copyId` with slow downloads and moves `copy` away once it downloads. */
async function moveWhileDownloading(copyId: string, copy: string) {
  k.sandbox.setFaults({ store: { throttleBytesPerSecond: 200_000 } });
  const r = await k.api.copies.update({ copyId });
  if (!r.ok) throw new Error(r.error.message);
  await until(
    'the download',
    async () => (await k.engine.jobs.get(r.value.id)).progress.phase === 'downloading',
    20_000,
    10,
  );
  await rename(copy, `${copy}-moved`);
  k.sandbox.setFaults({});
  return k.engine.jobs.wait(r.value.id);
}

describe('the copy’s folder moved away while its update downloads', () => {
  it('a copy of the files only: the update does not make a new copy where the old one was', async () => {
    const accountId = (await k.copyInfo()).accountId!;
    const started = await k.api.restores.start({
      accountId,
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['files'],
      targetDir: join(k.dir, 'designer'),
    });
    if (!started.ok) throw new Error(started.error.message);
    const copy = (await k.engine.jobs.wait(started.value.id)).outputPath!;
    await changedFiles(k.sandbox, 'acme-blog', 'live', k.dir, async () => undefined);
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const listed = await k.api.copies.list();
    if (!listed.ok) throw new Error(listed.error.message);
    const copyId = listed.value.find((c) => c.path === copy)!.id;

    const done = await moveWhileDownloading(copyId, copy);

    // Today the update "succeeds": it makes the folder again at the old path with the whole new backup in it
    // (and a record saying it was updated), while the person's copy sits elsewhere, untouched and unlisted.
    expect(await exists(copy)).toBe(false);
    expect(done.state).toBe('failed');
    expect(done.error?.message).toMatch(/moved|not there any more/);
  });

  it('a copy with code: refused saying the folder moved, not as an internal error', async () => {
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const done = await moveWhileDownloading((await k.copyInfo()).id, k.copy);
    expect(done.state).toBe('failed');
    // Today: "Something went wrong inside Lifeboat: Cannot use simple-git on a directory that does not exist".
    expect(done.error?.code).not.toBe('internal');
    expect(done.error?.message).toMatch(/moved|not there any more/);
    expect(await exists(k.copy)).toBe(false);
  });
});
