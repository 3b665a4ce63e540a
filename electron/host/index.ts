/**
 * `npm run start:web` / `node out/main/host.js`: Lifeboat's real UI and engine in any browser, for machines
 * where Electron cannot start, for UI work and for the end-to-end tests. Prints a one-time sign-in link
 * (`--open` also opens one in the browser; `--json` prints `{ url }` with the link, for tests). This process only
 * serves the page and the WebSocket; the engine runs in a child process (engine-process.ts), so downloads and
 * extraction never delay an answer to the page.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { AppEventName, AppEvents } from '@shared/api/events';
import { defaultDataDir } from '../services/settings/paths';
import { forkEngine } from './engine-channel';
import { startEngineClient } from './engine-client';
import { openHostInBrowser } from './open-browser';
import { installProcessGuards } from './process-guard';
import { startHost, type Host } from './server';

installProcessGuards({ name: 'host' });

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string' },
    'renderer-dir': { type: 'string' },
    'workflow-step-ms': { type: 'string' },
    'poll-ms': { type: 'string' },
    json: { type: 'boolean', default: false },
    open: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}".\n`);
  process.exit(2);
}
// fileURLToPath, not URL.pathname: the pathname keeps %20 for spaces and a leading / before a Windows drive letter.
const here = dirname(fileURLToPath(import.meta.url));
const rendererDir = values['renderer-dir'] ?? join(here, '..', 'renderer');
// Built, the engine is out/main/engine.js beside this file; from source (`node --import tsx`), its .ts, which the
// child loads with the same --import, inherited through execArgv.
const engineEntry = import.meta.url.endsWith('.ts')
  ? fileURLToPath(new URL('./engine-process.ts', import.meta.url))
  : join(here, 'engine.js');
let host: Host | null = null;
const engine = startEngineClient({
  dataDir: values['data-dir'] ?? defaultDataDir(),
  ...(values['poll-ms'] ? { pollMs: Number(values['poll-ms']), minPollMs: 10 } : {}),
  ...(values['workflow-step-ms'] ? { workflowStepMs: Number(values['workflow-step-ms']) } : {}),
  start: (args) => forkEngine(engineEntry, args),
  emit: <K extends AppEventName>(name: K, payload: AppEvents[K]) => host?.emit(name, payload),
});
host = await startHost({ api: engine.api, rendererDir, port });
const running = host;
if (values.json) process.stdout.write(`${JSON.stringify({ url: running.signInUrl() })}\n`);
else {
  if (values.open) openHostInBrowser(running);
  const link = (): string =>
    `Sign-in link (works once, for two minutes): ${running.signInUrl()}\n` +
    (process.stdin.isTTY ? 'Press Enter for a new link. ' : '') +
    'Ctrl-C stops Lifeboat.\n';
  process.stdout.write(
    `Lifeboat is running at ${running.url} (it only answers on this computer, to a browser that signed in)\n` +
      (values.open ? 'Opening it in your browser.\n' : '') +
      link(),
  );
  // A link for another browser, or after the first one expired: only the person at this terminal gets it.
  if (process.stdin.isTTY) process.stdin.on('data', () => process.stdout.write(link()));
}
const stop = async (): Promise<void> => {
  try {
    await host?.close();
    await engine.stop();
  } finally {
    // The process guard keeps the process alive on errors; stopping must stop regardless.
    process.exit(0);
  }
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
