// ATTACK: reach one folder by two spellings — a restore through a linked parent (`--to ~/link/s`, link → real),
// then an update in place of the same folder by its real path (`--to ~/real/s --update`).
// PROMISE BROKEN: "One copy per folder: restoring again into the same path (an update in place) updates that copy
// instead of adding one." The registry keys a copy on the path as typed, so the list shows two "present"
// copies of one folder, one of them with a backup the folder no longer holds (a wrong state shown); removing
// either leaves the other "missing".
// SEVERITY: low (a list that lies about what a folder holds; nothing is lost).
import { realpath, symlink, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import { scratch, type Scratch } from './lib';
import { itUnless, noSymlinks } from '../../helpers/platform';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

describe('one copy per folder, whatever the spelling', () => {
  itUnless(noSymlinks())(
    'an update in place through the real path updates the copy made through a link',
    async () => {
      await mkdir(join(s.dir, 'real'));
      await symlink(join(s.dir, 'real'), join(s.dir, 'link'));
      await s.pull('acme-blog.dev', join(s.dir, 'link', 's'));
      const older = (await s.run(['--demo', 'backups', 'list', 'acme-blog.dev', '--json'])).stdout;
      const folders = (JSON.parse(older) as { folder: string }[]).map((b) => b.folder);
      // A second, older backup into the same folder, by its real path.
      await s.pull('acme-blog.dev', join(s.dir, 'real', 's'), '--update', '--backup', folders[1]!);

      const copies = await s.list();
      const folder = join(s.dir, 'real', 's', 'acme-blog-dev');
      const same = [];
      for (const c of copies) if ((await realpath(c.path).catch(() => null)) === folder) same.push(c);
      expect(same.map((c) => ({ path: c.path, backup: c.backup.folder }))).toHaveLength(1);
      expect(same[0]!.backup.folder).toBe(folders[1]);
    },
  );
});
