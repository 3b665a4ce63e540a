/**
 * `npm run sandbox [-- --port N --seed demo|big --mode rich|strict --clock-skew SECONDS]`: runs the sandbox
 * standalone and prints how to reach it.
 */
import { parseArgs } from 'node:util';
import { seedByName } from './seed';
import { SANDBOX_MODE_NAMES, startSandbox, type SandboxMode } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '8787' },
    seed: { type: 'string', default: 'demo' },
    'step-ms': { type: 'string' },
    mode: { type: 'string', default: 'rich' },
    'clock-skew': { type: 'string', default: '0' },
  },
});
const seed = seedByName(values.seed);
if (!seed) {
  process.stderr.write(`Unknown seed "${values.seed}": use demo, big[:SITES[:KiB]] or bench[:MiB].\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}".\n`);
  process.exit(2);
}
const mode = values.mode as SandboxMode;
if (!SANDBOX_MODE_NAMES.includes(mode)) {
  process.stderr.write(`Unknown mode "${values.mode}": use ${SANDBOX_MODE_NAMES.join(' or ')}.\n`);
  process.exit(2);
}
const clockSkewSeconds = Number(values['clock-skew']);
if (!Number.isFinite(clockSkewSeconds)) {
  process.stderr.write(`--clock-skew must be a number of seconds, not "${values['clock-skew']}".\n`);
  process.exit(2);
}
const sandbox = await startSandbox({
  port,
  seed,
  mode,
  clockSkewSeconds,
  workflowStepMs: values['step-ms'] ? Number(values['step-ms']) : undefined,
});
const u = new URL(sandbox.url);
process.stdout.write(
  `Lifeboat sandbox (${seed.name} seed, ${sandbox.seed.sites.length} sites, ${mode} mode) at ${sandbox.url}\n` +
    `API: ${sandbox.apiUrl}\n` +
    `Use it with Terminus-style variables: TERMINUS_PROTOCOL=http TERMINUS_HOST=${u.hostname} TERMINUS_PORT=${u.port}\n` +
    `Demo machine tokens:\n${sandbox.accounts.map((a) => `  ${a.email.padEnd(24)} ${a.machineToken}`).join('\n')}\n` +
    `Admin API (faults, request log) needs the header: X-Sandbox-Admin: ${sandbox.adminToken}\n`,
);
const stop = (): void => {
  void sandbox.close().then(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
