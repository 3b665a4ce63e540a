// The renderer's components on the real contract: the engine and API the desktop app builds, signed in to the
// demo sandbox on 127.0.0.1, handed to the page as `window.lifeboat` the way the preload does.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApi } from '../../../electron/api';
import type { Sandbox, SandboxOptions } from '../../../electron/sandbox';
import { createEngine, type Engine } from '../../../electron/services/engine';
import { MemorySecrets } from '../../helpers/memory-secrets';
import type { AppApi, LifeboatBridge } from '../../../shared/api/contract';
import type { AppEventName, AppEvents } from '../../../shared/api/events';
import type { Site } from '../../../shared/models';
import { DANA, FAST_RETRY, testSandbox } from '../../helpers/sandbox';

export interface RealBridge {
  readonly sandbox: Sandbox;
  readonly engine: Engine;
  readonly api: AppApi;
  readonly accountId: string;
  /** The engine's data folder (accounts, settings, the site cache). */
  readonly dataDir: string;
  /** A site as the app lists it, by name. */
  site(name: string): Promise<Site>;
  close(): Promise<void>;
}

/** Starts the sandbox and the engine, signs Dana in, and sets `window.lifeboat` (call before any render). */
export async function realBridge(options: SandboxOptions = {}): Promise<RealBridge> {
  const sandbox = await testSandbox(options);
  const dataDir = await mkdtemp(join(tmpdir(), 'lifeboat-renderer-'));
  // Main-side events reach the page's subscribers, as over IPC.
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const engine = createEngine({
    dataDir,
    emit: (name, payload) => listeners.get(name)?.forEach((l) => l(payload)),
    secrets: new MemorySecrets(),
    retry: FAST_RETRY,
    minPollMs: 10,
    pollMs: 10,
    demo: async () => ({
      apiUrl: sandbox.apiUrl,
      tokens: { [DANA]: sandbox.accounts.find((a) => a.email === DANA)!.machineToken },
    }),
  });
  const api = createApi(engine);
  const added = await api.accounts.startDemo();
  if (!added.ok) throw new Error(added.error.message);
  const accountId = added.value[0]!.id;
  const bridge: LifeboatBridge = {
    ...api,
    on<K extends AppEventName>(name: K, listener: (payload: AppEvents[K]) => void) {
      const set = listeners.get(name) ?? new Set();
      set.add(listener as (p: unknown) => void);
      listeners.set(name, set);
      return () => set.delete(listener as (p: unknown) => void);
    },
  };
  window.lifeboat = bridge;
  return {
    sandbox,
    engine,
    api,
    accountId,
    dataDir,
    async site(name) {
      const r = await api.sites.list();
      if (!r.ok) throw new Error(r.error.message);
      const site = r.value.sites.find((s) => s.name === name);
      if (!site) throw new Error(`No site ${name} in the sandbox.`);
      return site;
    },
    async close() {
      engine.jobs.cancelAll();
      await engine.jobs.flush();
      engine.jobs.close();
      await sandbox.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
