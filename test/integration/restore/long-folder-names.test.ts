// A restore's folder name too long for the file system once Lifeboat makes its staging folder (`.NAME.lifeboat`,
// 10 more) beside it: the plan refuses it, so `pull --dry-run` and the app's preview show the conflict and the
// run refuses with invalid-request before writing anything, never "Something went wrong" at its first mkdir.
// 255 is the limit in bytes of UTF-8 (Linux, macOS) or UTF-16 units (Windows): ASCII names count the same in both,
// and 250 `é` (500 bytes, 250 units) are too long everywhere.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../../electron/cli/exit-codes';
import type { Sandbox } from '../../../electron/sandbox';
import type { RequestOf } from '../../../shared/api/schemas';
import type { RestorePreview } from '../../../shared/models';
import { appUnderTest } from '../../helpers/app-engine';
import { lifeboat } from '../../helpers/cli';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { cliAuth, testSandbox } from '../../helpers/sandbox';

let sandbox: Sandbox;
let dir: string;
let auth: string[];

beforeAll(async () => {
  sandbox = await testSandbox();
  auth = cliAuth(sandbox);
});
afterAll(() => sandbox.close());
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-long-folder-'));
  return () => rm(dir, { recursive: true, force: true });
});

/** The longest name whose staging folder `.NAME.lifeboat` still fits 255. */
const LONGEST = 'a'.repeat(245);
const TOO_LONG: readonly string[] = ['b'.repeat(246), 'é'.repeat(250)];
const REFUSED =
  /^".+" cannot be a folder name here: it is \d+ (bytes|characters) long and may be at most 245 here \(the system allows 255, and Lifeboat also makes \.NAME\.lifeboat from it\).* Give the folder another name\.$/;

describe('pull --folder with a name too long for its staging folder', () => {
  for (const name of TOO_LONG)
    it(`is a conflict in --dry-run and refused by the run, nothing written (${name.slice(0, 1)} x ${name.length})`, async () => {
      const args = [...auth, 'pull', 'acme-blog.live', '--to', dir, '--element', 'files', '--folder', name];
      const dry = await lifeboat([...args, '--dry-run', '--json']);
      const preview = JSON.parse(dry.stdout) as RestorePreview;
      expect(preview.conflicts).toEqual([
        { kind: 'folder', code: 'invalid-request', message: expect.stringMatching(REFUSED) },
      ]);
      // invalid-request's exit code, as the run's.
      expect(dry.code).toBe(EXIT.usage);

      const run = await lifeboat(args);
      expect(run.stderr).not.toMatch(/Something went wrong/);
      expect(run.stderr).toContain(preview.conflicts[0]!.message);
      expect(run.code).toBe(EXIT.usage);
      expect(await readdir(dir)).toEqual([]);
    });

  it('restores into the longest name that fits, its staging folder included', async () => {
    const args = [...auth, 'pull', 'acme-blog.live', '--to', dir, '--element', 'files', '--folder', LONGEST];
    const dry = await lifeboat([...args, '--dry-run', '--json']);
    expect((JSON.parse(dry.stdout) as RestorePreview).conflicts).toEqual([]);
    const run = await lifeboat(args);
    expect(run.stderr).not.toMatch(/lifeboat: (?!warning)/);
    expect(run.code).toBe(0);
    // The staging folder came and went.
    expect(await readdir(dir)).toEqual([LONGEST]);
  });
});

describe("the app's preview and start", () => {
  it('show the conflict in the preview and refuse the start with invalid-request', async () => {
    const app = await appUnderTest(sandbox, join(dir, 'app-data'), { secrets: new MemorySecrets() });
    try {
      const req: RequestOf<'restore'> = {
        accountId: app.accountId,
        site: 'acme-blog',
        env: 'live',
        backup: 'latest',
        elements: ['files'],
        targetDir: join(dir, 'sites'),
        folderName: 'é'.repeat(250),
      };
      const preview = await app.api.restores.preview(req);
      if (!preview.ok) throw new Error(preview.error.message);
      expect(preview.value.conflicts).toEqual([
        { kind: 'folder', code: 'invalid-request', message: expect.stringMatching(REFUSED) },
      ]);
      const started = await app.api.restores.start(req);
      expect(started).toMatchObject({
        ok: false,
        error: { code: 'invalid-request', message: preview.value.conflicts[0]!.message },
      });
      expect(await readdir(dir)).toEqual(['app-data']);
    } finally {
      await app.close();
    }
  });
});
