import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  assertNoEscapingLinks,
  resolveLink,
  safePathInside,
  TreeLinks,
} from '../../../electron/services/archive/safe-path';
import { itUnless, noSymlinks } from '../../helpers/platform';

let root: string;
let tree: string;
beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'lifeboat-safe-path-')));
  tree = join(root, 'a', 'b', 'tree');
  await mkdir(tree, { recursive: true });
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('resolveLink, as the kernel resolves', () => {
  const links = (m: Record<string, string>) => (p: string) => m[p];

  it('follows a link before going up from it', () => {
    const m = links({ 'x/a': '..' });
    // Textually x/a/.. is x; through the link it is the root's parent.
    expect(resolveLink('x/b', 'a/..', m)).toEqual({ kind: 'outside' });
    expect(resolveLink('x/b', 'a', m)).toEqual({ kind: 'inside', path: '' });
    expect(resolveLink('x/b', 'c/..', m)).toEqual({ kind: 'inside', path: 'x' });
  });

  it('refuses absolute targets, also inside a chain', () => {
    expect(resolveLink('l', '/etc', links({}))).toEqual({ kind: 'outside' });
    expect(resolveLink('l', 'm/x', links({ m: '/tmp' }))).toEqual({ kind: 'outside' });
  });

  it('gives up on loops as the kernel does (ELOOP), which lead nowhere', () => {
    expect(resolveLink('a', 'b', links({ a: 'b', b: 'a' }))).toEqual({ kind: 'loop' });
  });
});

describe('TreeLinks', () => {
  it('refuses each link of a chain that climbs out, at the first one that does', () => {
    const t = new TreeLinks();
    expect(t.addSymlink('x/l0', '..')).toBeNull();
    expect(t.addSymlink('x/l1', 'l0/..')).toBe('link "x/l1" points outside the archive ("l0/..")');
  });

  it('re-checks earlier links when a path they went through becomes a link', () => {
    const t = new TreeLinks();
    expect(t.addSymlink('x/b', 'a/../..')).toBeNull();
    expect(t.addSymlink('x/a', '..')).toMatch(/"x\/b" would point outside .* once "x\/a" is in place/);
  });

  it('finds the link an entry would be written through', () => {
    const t = new TreeLinks();
    expect(t.linkOnPath('x/y/z')).toBeNull();
    t.addSymlink('x/y', 'q');
    expect(t.linkOnPath('x/y/z')).toBe('x/y');
    expect(t.linkOnPath('x/y')).toBeNull();
    expect(t.linkOnPath('x/yy/z')).toBeNull();
    expect(t.setPlain('x/y')).toBeNull();
    expect(t.linkOnPath('x/y/z')).toBeNull();
  });

  it('refuses a link replacing a folder that holds links', () => {
    const t = new TreeLinks();
    t.addSymlink('x/y/l', '.');
    expect(t.addSymlink('x', 'q')).toMatch(/replaces a folder that holds links/);
  });
});

describe('safePathInside', () => {
  it('returns the path under the root when nothing on the way is a link', async () => {
    await mkdir(join(tree, 'database'));
    expect(await safePathInside(tree, 'database/site.sql.gz')).toBe(join(tree, 'database', 'site.sql.gz'));
    expect(await safePathInside(tree, 'lifeboat.json')).toBe(join(tree, 'lifeboat.json'));
    // Folders that do not exist yet are fine: whoever creates them makes plain folders.
    expect(await safePathInside(tree, 'wp-content/uploads')).toBe(join(tree, 'wp-content', 'uploads'));
  });

  itUnless(noSymlinks())('refuses a folder on the way that is a link, even one pointing inside', async () => {
    await mkdir(join(tree, 'elsewhere'));
    await symlink('elsewhere', join(tree, 'database'));
    await expect(safePathInside(tree, 'database/site.sql.gz')).rejects.toMatchObject({
      code: 'hostile-archive',
      message: expect.stringContaining(`${join(tree, 'database')} is a symbolic link`),
    });
  });

  itUnless(noSymlinks())('refuses a link that climbs out, deep on the way', async () => {
    await mkdir(join(tree, 'wp-content'));
    await symlink('../../..', join(tree, 'wp-content', 'uploads'));
    await expect(safePathInside(tree, 'wp-content/uploads/2024')).rejects.toMatchObject({
      code: 'hostile-archive',
    });
  });

  itUnless(noSymlinks())('refuses the file itself being a link', async () => {
    await symlink('/etc/passwd', join(tree, 'lifeboat.json'));
    await expect(safePathInside(tree, 'lifeboat.json')).rejects.toMatchObject({ code: 'hostile-archive' });
  });

  itUnless(noSymlinks())('refuses a root that is a link', async () => {
    await symlink(tree, join(root, 'alias'));
    await expect(safePathInside(join(root, 'alias'), 'x')).rejects.toMatchObject({ code: 'hostile-archive' });
  });

  it('refuses paths that leave the root', async () => {
    for (const p of ['../x', 'a/../../x', '/etc/passwd', 'C:/x', '', '.'])
      await expect(safePathInside(tree, p)).rejects.toMatchObject({ code: 'hostile-archive' });
  });

  it('says so when a file stands where a folder is needed', async () => {
    await writeFile(join(tree, 'database'), 'not a folder');
    await expect(safePathInside(tree, 'database/x.sql.gz')).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('assertNoEscapingLinks', () => {
  itUnless(noSymlinks())('accepts links that stay inside, dangling ones and loops', async () => {
    await mkdir(join(tree, 'x', 'y'), { recursive: true });
    await writeFile(join(tree, 'x', 'f'), 'f');
    await symlink('../f', join(tree, 'x', 'y', 'up'));
    await symlink('..', join(tree, 'x', 'root'));
    await symlink('not-there/yet', join(tree, 'x', 'dangling'));
    await symlink('loop', join(tree, 'loop'));
    await expect(assertNoEscapingLinks(tree)).resolves.toBeUndefined();
  });

  itUnless(noSymlinks())('refuses a chain of links that climbs out', async () => {
    await mkdir(join(tree, 'x'));
    await symlink('..', join(tree, 'x', 'l0'));
    await symlink('l0/..', join(tree, 'x', 'l1'));
    await expect(assertNoEscapingLinks(tree)).rejects.toMatchObject({
      code: 'hostile-archive',
      message: expect.stringContaining(`${join(tree, 'x', 'l1')} points outside`),
    });
  });

  itUnless(noSymlinks())('refuses an absolute link, even to a place inside', async () => {
    await symlink(join(tree, 'x'), join(tree, 'abs'));
    await expect(assertNoEscapingLinks(tree)).rejects.toMatchObject({ code: 'hostile-archive' });
  });

  itUnless(noSymlinks())('refuses a dangling link that would climb out once its target exists', async () => {
    await mkdir(join(tree, 'deep'));
    await symlink('../../not-yet', join(tree, 'deep', 'out'));
    await expect(assertNoEscapingLinks(tree)).rejects.toMatchObject({ code: 'hostile-archive' });
  });

  itUnless(noSymlinks())('finds links deep in the tree', async () => {
    let d = tree;
    for (let i = 0; i < 20; i++) await mkdir((d = join(d, `d${i}`)));
    await symlink('../'.repeat(21), join(d, 'out'));
    await expect(assertNoEscapingLinks(tree)).rejects.toMatchObject({ code: 'hostile-archive' });
  });
});
