import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { startSandbox, type Sandbox } from '../../electron/sandbox';

export const ROOT = join(import.meta.dirname, '..', '..');
const HOST = join(ROOT, 'out', 'main', 'host.js');

/** A browser host process on its own data folder, pointed at a sandbox through Terminus's variables. */
export interface HostRun {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
}

/** The XDG data folder a run's app gets (its trash is `Trash/` in it): beside its data folder. */
export const trashHome = (dataDir: string): string => join(dataDir, '..', 'xdg-data');

export async function startHostProcess(sandbox: Sandbox, dataDir: string): Promise<HostRun> {
  if (!existsSync(HOST)) throw new Error('Run `npm run build` first: out/main/host.js is missing.');
  const u = new URL(sandbox.url);
  const child = spawn(
    process.execPath,
    [HOST, '--port', '0', '--data-dir', dataDir, '--json', '--workflow-step-ms', '150', '--poll-ms', '100'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        TERMINUS_PROTOCOL: 'http',
        TERMINUS_HOST: u.hostname,
        TERMINUS_PORT: u.port,
        // What the app moves to the trash lands in the run's own folder, never in the person's trash.
        XDG_DATA_HOME: trashHome(dataDir),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => reject(new Error(`host exited ${code}`)));
  });
  return { url, dataDir, process: child };
}

/** Runs axe on the page: no serious or critical violations. */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(
    bad.map((v) => `${screen}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
  ).toEqual([]);
}

interface Fixtures {
  sandbox: Sandbox;
  work: string;
  host: HostRun;
}

export const test = base.extend<Fixtures>({
  // eslint-disable-next-line no-empty-pattern
  sandbox: async ({}, use) => {
    const s = await startSandbox({ workflowStepMs: 150, cacheDir: join(tmpdir(), 'lifeboat-sandbox-cache') });
    await use(s);
    await s.close();
  },
  // eslint-disable-next-line no-empty-pattern
  work: async ({}, use) => {
    const dir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-'));
    await use(dir);
    await rm(dir, { recursive: true, force: true });
  },
  host: async ({ sandbox, work }, use) => {
    const run = await startHostProcess(sandbox, join(work, 'data'));
    await use(run);
    run.process.kill('SIGTERM');
    await new Promise((r) => run.process.once('exit', r));
  },
});

export { expect };

/** Adds a sandbox account through the UI. */
export async function addAccount(page: Page, token: string): Promise<void> {
  await page.getByLabel('Machine token').fill(token);
  await page.getByRole('button', { name: 'Add account' }).click();
}
