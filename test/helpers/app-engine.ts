import { createApi } from '../../electron/api';
import type { Sandbox } from '../../electron/sandbox';
import { createEngine, type Engine } from '../../electron/services/engine';
import type { SecretStore } from '../../electron/services/secrets/secret-store';
import type { FreeSpaceProbe } from '../../electron/services/transfer/disk';
import type { TransferPolicy } from '../../electron/services/transfer/download';
import { KeytarSecretStore } from '../../electron/services/secrets/keytar-store';
import type { AppApi } from '../../shared/api/contract';
import type { Job } from '../../shared/models';
import { DANA, FAST_RETRY } from './sandbox';

/** The engine and contract as the desktop app and the browser host build them, signed in to the sandbox. */
export interface AppUnderTest {
  readonly engine: Engine;
  readonly api: AppApi;
  readonly accountId: string;
  /** Starts a restore through the contract and waits for its job (or returns the refusal). */
  restore(
    req: Omit<Parameters<AppApi['restores']['start']>[0], 'accountId'>,
  ): Promise<Job | { refused: string }>;
  close(): Promise<void>;
}

/**
 * Builds the app's engine over the sandbox's demo account (demo tokens never reach the keychain, so the
 * store is never asked), for tests of the app path (`restores.start` → job) next to the CLI path.
 */
export async function appUnderTest(
  sandbox: Sandbox,
  dataDir: string,
  options: {
    readonly freeSpace?: FreeSpaceProbe;
    /** Default: the keychain (under the test's private D-Bus session). */
    readonly secrets?: SecretStore;
    readonly transfer?: TransferPolicy;
  } = {},
): Promise<AppUnderTest> {
  const engine = createEngine({
    dataDir,
    secrets: options.secrets ?? new KeytarSecretStore('Lifeboat-test-app'),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    ...(options.freeSpace ? { freeSpace: options.freeSpace } : {}),
    ...(options.transfer ? { transfer: options.transfer } : {}),
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  const api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  const accountId = added.value[0]!.id;
  return {
    engine,
    api,
    accountId,
    async restore(req) {
      const started = await api.restores.start({ ...req, accountId });
      if (!started.ok) return { refused: started.error.code };
      return engine.jobs.wait(started.value.id);
    },
    async close() {
      engine.jobs.cancelAll();
      await engine.jobs.flush();
    },
  };
}
