import { createApi } from '../api';
import { startSandbox, type Sandbox } from '../sandbox';
import { createEngine, type Engine, type EngineOptions } from '../services/engine';
import { PANTHEON_API_URL, resolveApiUrl } from '../services/pantheon/config';
import { KeytarSecretStore } from '../services/secrets/keytar-store';
import type { AppApi } from '@shared/api/contract';

/** The app as its two shells run it: the engine, its contract, and the demo sandbox it may start. */
export interface ComposedApp {
  readonly engine: Engine;
  readonly api: AppApi;
  /** Cancels running jobs, writes the journal and stops the demo sandbox if it was started. */
  stop(): Promise<void>;
}

/**
 * The one composition root of the desktop app and the browser host: the engine over the OS keychain and
 * Pantheon's API (or Terminus's TERMINUS_* variables), with the built-in demo sandbox started on first use.
 * Both shells build it in the engine's own process (engine-process.ts) and reach it through engine-client.ts;
 * each adds only what it alone has: native dialogs and notifications (Electron), where events go.
 */
export function composeApp(
  options: Pick<EngineOptions, 'dataDir' | 'native' | 'emit' | 'pollMs' | 'minPollMs'> & {
    /** How long each demo workflow step takes (tests make it quick). */
    readonly workflowStepMs?: number;
  },
): ComposedApp {
  let sandbox: Promise<Sandbox> | null = null;
  const engine = createEngine({
    dataDir: options.dataDir,
    secrets: new KeytarSecretStore(),
    defaultApiUrl: apiUrlOrPantheon(),
    ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    ...(options.minPollMs !== undefined ? { minPollMs: options.minPollMs } : {}),
    ...(options.native ? { native: options.native } : {}),
    ...(options.emit ? { emit: options.emit } : {}),
    // The app runs the saved mirror profile every N hours while it runs (the CLI never does).
    mirrorTimer: true,
    demo: async () => {
      sandbox ??= startSandbox({ seed: 'demo', workflowStepMs: options.workflowStepMs ?? 800 });
      const s = await sandbox;
      return {
        apiUrl: s.apiUrl,
        tokens: Object.fromEntries(s.accounts.map((a) => [a.email, a.machineToken])),
      };
    },
  });
  return {
    engine,
    api: createApi(engine),
    async stop() {
      engine.dispose();
      engine.jobs.cancelAll();
      await engine.jobs.flush();
      await (await sandbox)?.close();
    },
  };
}

/**
 * The API new accounts use: Terminus's TERMINUS_* variables when they make a URL, else Pantheon. The app starts
 * either way; a variable it cannot use is reported on the console, not a crash at launch.
 */
function apiUrlOrPantheon(): string {
  try {
    return resolveApiUrl();
  } catch (e) {
    process.stderr.write(`lifeboat: ${(e as Error).message} Using ${PANTHEON_API_URL}.\n`);
    return PANTHEON_API_URL;
  }
}
