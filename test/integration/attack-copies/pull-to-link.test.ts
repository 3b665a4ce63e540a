// ATTACK (careless user): `lifeboat pull SITE.ENV --to ~/Sites` where ~/Sites is a link to a folder (common when
// sites live on another disk) — the folder a copy is then registered under.
// PROMISE BROKEN: "Bad input gets a clear, specific error" (helper rules). The pull is refused with
// "<path> is a link to something that is not a folder", which is false: the link points to a folder (the check
// uses lstat on --to). Either restore into it or say that links are not followed.
// SEVERITY: low (an untrue error; nothing is lost).
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { scratch, type Scratch } from './lib';
import { itUnless, noSymlinks } from '../../helpers/platform';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

describe('pull --to a link to a folder', () => {
  itUnless(noSymlinks())('does not claim the link points to something that is not a folder', async () => {
    await mkdir(join(s.dir, 'disk', 'Sites'), { recursive: true });
    await symlink(join(s.dir, 'disk', 'Sites'), join(s.home, 'Sites'));
    const r = await s.run([
      '--demo',
      'pull',
      'acme-blog.live',
      '--to',
      join(s.home, 'Sites'),
      '--element',
      'files',
    ]);
    expect(r.stderr).not.toContain('is a link to something that is not a folder');
  });
});
