import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import type { PlannedWrite, RestorePreview } from '../../../shared/models';
import { lifeboat } from '../../helpers/cli';
import { cliAuth, testSandbox } from '../../helpers/sandbox';
import { itUnless, noSymlinks } from '../../helpers/platform';

const run = promisify(execFile);
let sandbox: Sandbox;
let dir: string;
let auth: string[];

beforeAll(async () => {
  sandbox = await testSandbox();
  auth = cliAuth(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-dry-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** Every path under `root` (relative), without descending into `.git`. */
async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(root, { withFileTypes: true, recursive: true })) {
    const rel = relative(root, join(e.parentPath, e.name));
    if (rel === '.git' || rel.startsWith('.git/')) continue;
    out.push(rel);
  }
  return out.sort();
}

/** The paths git tracks at HEAD (and the folders they are in). */
async function tracked(root: string): Promise<Set<string>> {
  const files = (await run('git', ['ls-files'], { cwd: root })).stdout.split('\n').filter(Boolean);
  const all = new Set<string>();
  for (const f of files) {
    const parts = f.split('/');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join('/'));
  }
  return all;
}

describe('pull --dry-run prints the plan the run then carries out', () => {
  for (const [site, framework] of [
    ['acme-blog', 'WordPress'],
    ['acme-events', 'Drupal 7'],
    ['acme-shop', 'Drupal 8+'],
  ] as const) {
    it(`${framework} (${site}): every path written is one the dry run named, and nothing else`, async () => {
      const args = [...auth, 'pull', `${site}.live`, '--to', dir, '--branch', 'snap'];
      const dry = await lifeboat([...args, '--dry-run', '--json']);
      expect(dry.stderr).not.toMatch(/lifeboat: (?!warning)/);
      expect(dry.code).toBe(0);
      const preview = JSON.parse(dry.stdout) as RestorePreview;
      expect(preview.conflicts).toEqual([]);
      // The dry run wrote nothing at all.
      expect(await readdir(dir)).toEqual([]);

      const real = await lifeboat([...args, '--json']);
      expect(real.code).toBe(0);
      const done = JSON.parse(real.stdout) as { path: string; record: { files?: { path: string } } };
      expect(done.path).toBe(preview.path);
      // Staging gone; only the restored folder is left in the target.
      expect(await readdir(dir)).toEqual([relative(dir, preview.path)]);

      const byKind = (k: PlannedWrite['kind']) => preview.writes.filter((w) => w.kind === k);
      // The branch the plan named is checked out.
      expect(byKind('branch').map((w) => w.target)).toEqual(['snap']);
      expect((await run('git', ['branch', '--show-current'], { cwd: preview.path })).stdout.trim()).toBe(
        'snap',
      );
      // The files went to the plan's place (or its named alternative), and the record says which.
      const files = byKind('folder').find((w) => w.target !== preview.path)!;
      const filesAt = join(preview.path, done.record.files!.path);
      expect([files.target, ...(files.alternatives ?? [])]).toContain(filesAt);
      // Every planned file exists.
      for (const w of byKind('file'))
        expect(await tree(preview.path)).toContain(relative(preview.path, w.target));
      // Nothing exists that is neither from the code nor a planned write.
      const code = await tracked(preview.path);
      const planned = [...byKind('file'), ...byKind('folder')].map((w) => relative(preview.path, w.target));
      const unexplained = (await tree(preview.path)).filter(
        (p) =>
          !code.has(p) &&
          !planned.some((w) => w === '' || p === w || p.startsWith(`${w}/`) || w.startsWith(`${p}/`)) &&
          !p.startsWith(`${relative(preview.path, filesAt)}/`),
      );
      expect(unexplained).toEqual([]);
    });
  }

  it('lists every conflict and exits with the first one, writing nothing', async () => {
    await mkdir(join(dir, 'acme-blog-live'));
    await writeFile(join(dir, 'acme-blog-live', 'mine.txt'), 'mine');
    const r = await lifeboat([
      ...auth,
      'pull',
      'acme-blog.live',
      '--to',
      dir,
      '--folder',
      'acme-blog-live',
      '--branch',
      'bad..name',
      '--dry-run',
    ]);
    expect(r.code).toBe(2); // the invalid branch name comes first: a usage error
    expect(r.stdout).toContain('conflict');
    expect(r.stdout).toContain('"bad..name" is not a valid branch name');
    expect(r.stdout).toContain('already exists and is not empty');
    expect(await readdir(dir)).toEqual(['acme-blog-live']);
  });

  itUnless(noSymlinks())(
    'a pull into a mirror (its folder, a folder inside it, or a link to one) is a conflict of the plan and is refused',
    async () => {
      // A mirror's root, as lifeboat mirror marks it, with a site's folder in it.
      const mirror = join(dir, 'mirror');
      await mkdir(join(mirror, 'acme-blog', 'live'), { recursive: true });
      await writeFile(join(mirror, '.lifeboat-mirror'), '{"version":1}\n');
      await symlink(join(mirror, 'acme-blog'), join(dir, 'link'));
      const before = (await readdir(mirror, { recursive: true })).sort();
      for (const [to, root] of [
        [mirror, mirror],
        [join(mirror, 'acme-blog', 'live'), mirror],
        [join(mirror, 'acme-blog', 'new-folder'), mirror],
        [join(dir, 'link'), mirror],
      ] as const) {
        const dry = await lifeboat([
          ...auth,
          'pull',
          'acme-blog.live',
          '--to',
          to,
          '--element',
          'db',
          '--dry-run',
          '--json',
        ]);
        const preview = JSON.parse(dry.stdout) as RestorePreview;
        expect({ to, conflicts: preview.conflicts.map((c) => [c.kind, c.code]) }).toEqual({
          to,
          conflicts: [['folder', 'conflict']],
        });
        expect(preview.conflicts[0]!.message).toContain(root);
        expect(preview.conflicts[0]!.message).toContain('Restore somewhere else');
        expect(dry.code).toBe(7);
        const real = await lifeboat([...auth, 'pull', 'acme-blog.live', '--to', to, '--element', 'db']);
        expect({ to, code: real.code }).toEqual({ to, code: 7 });
        expect(real.stderr).toContain(`mirror`);
      }
      expect((await readdir(mirror, { recursive: true })).sort()).toEqual(before);
    },
  );

  it('refuses --folder . and .. before anything connects', async () => {
    for (const f of ['.', '..']) {
      const r = await lifeboat([...auth, 'pull', 'acme-blog.live', '--to', dir, '--folder', f]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('give the name of a new folder');
    }
    expect(await readdir(dir)).toEqual([]);
  });
});
