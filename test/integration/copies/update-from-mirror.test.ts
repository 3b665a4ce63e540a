// A copy restored from the mirror with `lifeboat pull --from-mirror` (offline), then updated with the app's Update
// once Pantheon answers: the copy is recorded with the saved account the mirror's manifest names, read from the
// saved accounts on this disk without connecting, so the app knows where its newer backups are. Real sandbox on
// 127.0.0.1, the real mirror engine, the CLI in-process, real files; the account's token in a memory keychain.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import type { AppApi } from '../../../shared/api/contract';
import type { LocalCopy } from '../../../shared/models';
import { runMain } from '../../helpers/cli';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { mirrorOnce } from '../../helpers/mirror';
import { clientFor, DANA, FAST_RETRY, FRAN, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { newBackup } from '../restore/newer-backup';

let sandbox: Sandbox;
let dir: string;
let engine: Engine;
let api: AppApi;

beforeEach(async () => {
  sandbox = await testSandbox();
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-update-mirror-'));
  engine = createEngine({
    dataDir: join(dir, 'data'),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: fastTransfer(),
  });
  api = createApi(engine);
});
afterEach(async () => {
  engine.jobs.cancelAll();
  await engine.jobs.flush();
  engine.jobs.close();
  await sandbox.close();
  await rm(dir, { recursive: true, force: true });
});

/** Saves an account in the app (its token in the memory keychain); its id. */
async function save(email: string): Promise<string> {
  const added = await api.accounts.add({
    machineToken: sandbox.accounts.find((a) => a.email === email)!.machineToken,
    apiUrl: sandbox.apiUrl,
  });
  if (!added.ok) throw new Error(added.error.message);
  return added.value.id;
}

/** acme-blog.live's database mirrored (through Dana, as the manifest records), then restored from it offline. */
async function restoreFromMirror(): Promise<{ copy: LocalCopy; folder: string; asked: number }> {
  const mirrored = await mirrorOnce(clientFor(sandbox, DANA), 'acme-blog', 'live', join(dir, 'mirror'), {
    elements: ['database'],
  });
  const before = sandbox.requests.length;
  const r = await runMain(
    [
      ...['--api-url', sandbox.apiUrl, 'pull', '--from-mirror', dirname(mirrored.path!)],
      ...['--to', join(dir, 'sites'), '--element', 'db', '--json'],
    ],
    // No token and no keychain: nothing can connect (the saved accounts' list is only read).
    {
      env: {
        TERMINUS_MACHINE_TOKEN: '',
        LIFEBOAT_DATA_DIR: join(dir, 'data'),
        DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/lifeboat-test-bus',
      },
    },
  );
  expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  const asked = sandbox.requests.length - before;
  const list = await api.copies.list();
  if (!list.ok) throw new Error(list.error.message);
  expect(list.value).toHaveLength(1);
  return {
    copy: list.value[0]!,
    folder: (JSON.parse(r.stdout) as { record: { backup: { folder: string } } }).record.backup.folder,
    asked,
  };
}

describe('a copy restored from the mirror', () => {
  it('is recorded with the saved account the manifest names, and the app’s Update goes through it', async () => {
    const dana = await save(DANA);
    const { copy, folder, asked } = await restoreFromMirror();
    // Known without asking Pantheon anything.
    expect(asked).toBe(0);
    expect(copy.accountId).toBe(dana);

    // Pantheon has a newer backup: the app's Update plans and runs it through Dana's account.
    await newBackup(clientFor(sandbox, DANA), 'acme-blog', 'live');
    const preview = await api.copies.previewUpdate({ copyId: copy.id });
    if (!preview.ok) throw new Error(preview.error.message);
    expect(preview.value.conflicts).toEqual([]);
    const started = await api.copies.update({ copyId: copy.id });
    if (!started.ok) throw new Error(started.error.message);
    const job = await engine.jobs.wait(started.value.id);
    expect({ state: job.state, error: job.error?.message }).toEqual({ state: 'succeeded', error: undefined });
    const after = await api.copies.list();
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value[0]!.accountId).toBe(dana);
    expect(after.value[0]!.backup.folder).not.toBe(folder);
  });

  it('names no account when no saved account is the manifest’s', async () => {
    await save(FRAN);
    const { copy } = await restoreFromMirror();
    expect(copy.accountId).toBeNull();
  });
});
