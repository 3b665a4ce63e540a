// An outsider's attack on "every conflict found before the first byte": the copy's uploads folder is a link to a
// folder elsewhere (people keep big uploads on another disk), and the update is asked to replace local edits.
// The update cannot go through the link (rightly); it must say so in the preview, before downloading anything,
// and not blame a hostile archive for the person's own link.
import { readdir, rename, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { clientFor, DANA } from '../../helpers/sandbox';
import { newBackup } from '../restore/newer-backup';
import { updateKit, type UpdateKit } from './update-kit';
import { itUnless, noSymlinks } from '../../helpers/platform';

let k: UpdateKit;
beforeEach(async () => void (k = await updateKit()));
afterEach(() => k.close());

describe('the uploads folder is a link to another disk, and local edits are to be replaced', () => {
  itUnless(noSymlinks())('is a conflict of the preview, and the run downloads nothing', async () => {
    await newBackup(clientFor(k.sandbox, DANA), 'acme-blog', 'live');
    const elsewhere = join(k.dir, 'other-disk-uploads');
    await rename(join(k.copy, 'wp-content', 'uploads'), elsewhere);
    await symlink(elsewhere, join(k.copy, 'wp-content', 'uploads'));
    const before = (await readdir(elsewhere, { recursive: true })).sort();

    const plan = await k.preview({ replaceLocalEdits: true });
    // Today: no conflict at all; the run downloads both archives, then fails in "checking-out".
    expect(plan.conflicts).toEqual([
      expect.objectContaining({ message: expect.stringContaining('wp-content/uploads') }),
    ]);
    const done = await k.update({ replaceLocalEdits: true });
    expect(done).toHaveProperty('refused');
    expect((done as { message: string }).message).not.toMatch(/hostile archive/);
    expect((await readdir(elsewhere, { recursive: true })).sort()).toEqual(before);
  });
});
