// Shared set-up of the update attacks: a sandbox and the app's engine per test, a copy of acme-blog.live restored
// one deploy behind, and the contract's copies.update run to its job's end.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sandbox } from '../../../electron/sandbox';
import { createApi } from '../../../electron/api';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { KeytarSecretStore } from '../../../electron/services/secrets/keytar-store';
import type { AppApi } from '../../../shared/api/contract';
import type { Job, LocalCopy, RestorePreview } from '../../../shared/models';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';
import { fastTransfer } from '../../helpers/transfer';
import { codeOneDeployBehind } from '../restore/newer-backup';

export type UpdateRequest = Omit<Parameters<AppApi['copies']['update']>[0], 'copyId'>;

export interface UpdateKit {
  readonly sandbox: Sandbox;
  readonly dir: string;
  readonly engine: Engine;
  readonly api: AppApi;
  /** The copy's folder. */
  readonly copy: string;
  readonly copyInfo: () => Promise<LocalCopy>;
  /** The tags of the deploy the copy was restored at and of the one since. */
  readonly tags: { readonly older: string; readonly newest: string };
  preview(req?: UpdateRequest): Promise<RestorePreview>;
  /** Starts the update; the job once it ended, or the refusal. */
  update(req?: UpdateRequest): Promise<Job | { refused: string; message: string }>;
  /** Starts the update; its job, still running. */
  start(req?: UpdateRequest): Promise<Job>;
  close(): Promise<void>;
}

/** A copy of acme-blog.live (code and files) one deploy behind, restored through the app's contract. */
export async function updateKit(): Promise<UpdateKit> {
  const sandbox = await testSandbox();
  const dir = await mkdtemp(join(tmpdir(), 'lifeboat-attack-update-'));
  const engine = createEngine({
    dataDir: join(dir, 'data'),
    secrets: new KeytarSecretStore('Lifeboat-test-app'),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    transfer: fastTransfer(),
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  const api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  const accountId = added.value[0]!.id;
  const code = await codeOneDeployBehind(sandbox, 'acme-blog', 'live', dir);
  const started = await api.restores.start({
    accountId,
    site: 'acme-blog',
    env: 'live',
    backup: 'latest',
    elements: ['code', 'files'],
    targetDir: join(dir, 'sites'),
  });
  if (!started.ok) throw new Error(started.error.message);
  const job = await engine.jobs.wait(started.value.id);
  if (job.state !== 'succeeded') throw new Error(job.error?.message ?? job.state);
  code.restore();
  const copyInfo = async (): Promise<LocalCopy> => {
    const r = await api.copies.list();
    if (!r.ok) throw new Error(r.error.message);
    return r.value[0]!;
  };
  const start = async (req: UpdateRequest = {}): Promise<Job> => {
    const r = await api.copies.update({ copyId: (await copyInfo()).id, ...req });
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  return {
    sandbox,
    dir,
    engine,
    api,
    copy: job.outputPath!,
    copyInfo,
    tags: { older: code.older, newest: code.newest },
    async preview(req = {}) {
      const r = await api.copies.previewUpdate({ copyId: (await copyInfo()).id, ...req });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    },
    async update(req = {}) {
      const r = await api.copies.update({ copyId: (await copyInfo()).id, ...req });
      if (!r.ok) return { refused: r.error.code, message: r.error.message };
      return engine.jobs.wait(r.value.id);
    },
    start,
    async close() {
      engine.jobs.cancelAll();
      await engine.jobs.flush();
      engine.jobs.close();
      await sandbox.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
