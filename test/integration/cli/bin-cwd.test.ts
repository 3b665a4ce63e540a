// bin/lifeboat.js in a checkout runs the TypeScript source through tsx: with the checkout's tsconfig (its
// @shared/* paths) wherever it is started from, never the current folder's (none, or someone else's).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { lifeboat, type CliResult } from '../../helpers/cli';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-bin-cwd-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `node <checkout>/bin/lifeboat.js args` from the folder `cwd`. */
const lifeboatFrom = (cwd: string, args: readonly string[]): Promise<CliResult> =>
  lifeboat(args, { LIFEBOAT_DATA_DIR: join(dir, 'data') }, undefined, '', cwd);

it('runs from a folder outside the checkout, and from one with a tsconfig.json of its own', async () => {
  const outside = await lifeboatFrom(dir, ['--demo', 'sites', '--json']);
  expect({ code: outside.code, stderr: outside.stderr }).toEqual({ code: 0, stderr: '' });
  expect(outside.stdout).toContain('"acme-blog"');

  // A project of the person's own, whose tsconfig maps @shared/* somewhere else.
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { paths: { '@shared/*': ['./nowhere/*'] } } }),
  );
  const inProject = await lifeboatFrom(dir, ['--demo', 'sites', '--json']);
  expect({ code: inProject.code, stderr: inProject.stderr }).toEqual({ code: 0, stderr: '' });
  expect(inProject.stdout).toBe(outside.stdout);
});
