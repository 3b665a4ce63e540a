// ATTACK (careless user): restore one environment into a folder inside another copy (`pull acme-blog.dev --to
// ~/Sites/acme-blog-live`, which pull accepts), then remove the outer copy.
// PROMISE BROKEN: "remove moves the copy's folder to the trash, then forgets the copy" — and the confirmation
// names what goes ("Move <path> (<size>), the restore of <site.env>, to the trash?"). The outer folder holds
// another registered copy; it goes to the trash too, without a word, and is left in the list as "missing".
// The outer copy's size (shown in the question) also counts the inner copy.
// SEVERITY: medium (a second copy, possibly with the user's work, trashed unannounced; recoverable from the trash).
import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './lib';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

describe('copies remove of a copy that holds another copy', () => {
  it('does not silently trash the copy nested inside it', async () => {
    const live = await s.pull('acme-blog.live', join(s.dir, 'sites'));
    const dev = await s.pull('acme-blog.dev', live);
    expect((await s.list()).map((c) => [c.path, c.state])).toEqual([
      [dev, 'present'],
      [live, 'present'],
    ]);

    const r = await s.run(['copies', 'remove', live, '--yes']);
    const devKept = await lstat(dev).then(
      () => true,
      () => false,
    );
    // Either the nested copy is kept (refused, or named and moved out first), or the remove said it would go.
    expect({ devKept, mentioned: `${r.stdout}${r.stderr}`.includes(dev) }).not.toEqual({
      devKept: false,
      mentioned: false,
    });
    // And the list never shows a copy as merely "missing" that Lifeboat itself put in the trash.
    const after = await s.list();
    expect(after.filter((c) => c.path === dev && c.state === 'missing')).toEqual([]);
  });
});
