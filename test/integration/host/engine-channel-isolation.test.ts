// Outside attack (issue 9): the engine's private channel to its shell. Under the browser host the engine is a
// forked child, and its end of the channel is a socket on an inherited descriptor (NODE_CHANNEL_FD). Every
// program the engine starts (git, the mariadb client, which read what Pantheon or a dump hands them) must not
// inherit that descriptor: with it, a program could read the shell's calls (accounts.add carries a machine
// token) and send the shell messages as the engine (events for the UI, answers to calls).
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect } from 'vitest';
import type { AppEventName, AppEvents } from '@shared/api/events';
import { forkEngine } from '../../../electron/host/engine-channel';
import { startEngineClient, type EngineClient } from '../../../electron/host/engine-client';
import { itUnless, noProc } from '../../helpers/platform';
import { until } from '../../helpers/until';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const ENTRY = join(ROOT, 'electron', 'host', 'engine-process.ts');

let dir: string;
const shells: EngineClient[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lifeboat-attack9-channel-'));
});
afterEach(async () => {
  await Promise.all(shells.splice(0).map((c) => c.stop()));
  await rm(dir, { recursive: true, force: true });
});

/**
 * A `git` first on the engine's PATH: it writes the descriptors it was given (number and target) to
 * `report/fds-<pid>`, and, when one of them beyond stdio is a socket, uses it once as a Node IPC channel to send
 * the shell a forged jobs.updated event. Then it runs the real git.
 */
async function fakeGit(): Promise<{ bin: string; report: string }> {
  const bin = join(dir, 'bin');
  const report = join(dir, 'report');
  await mkdir(bin);
  await mkdir(report);
  const realGit = execFileSync('sh', ['-c', 'command -v git']).toString().trim();
  const forge =
    "process.send({kind:'event',event:'jobs.updated',payload:{job:{id:'forged-by-a-child',state:'succeeded'," +
    "kind:'restore',title:'Forged'}}},()=>process.exit(0))";
  const script = [
    '#!/bin/sh',
    `out="${report}/fds-$$"`,
    ': > "$out"',
    'for f in /proc/$$/fd/*; do n=${f##*/}; echo "$n $(readlink "$f")" >> "$out"; done',
    `if [ ! -e "${report}/forged" ]; then`,
    '  for f in /proc/$$/fd/*; do',
    '    n=${f##*/}',
    '    case "$n" in 0|1|2) continue;; esac',
    '    case "$(readlink "$f")" in socket:*)',
    `      : > "${report}/forged"`,
    `      NODE_CHANNEL_FD=$n NODE_CHANNEL_SERIALIZATION_MODE=advanced "${process.execPath}" -e "${forge}" || true`,
    '    ;; esac',
    '  done',
    'fi',
    `exec "${realGit}" "$@"`,
    '',
  ].join('\n');
  await writeFile(join(bin, 'git'), script);
  await chmod(join(bin, 'git'), 0o755);
  return { bin, report };
}

describe("the engine's channel to its shell", () => {
  // The stand-in git is a shell script that reads its descriptors from /proc: elsewhere it would find none.
  const test = itUnless(noProc && "the stand-in git lists its descriptors in Linux's /proc/<pid>/fd");
  test('is not handed to the programs the engine starts, which cannot speak for the engine', async () => {
    const { bin, report } = await fakeGit();
    const events: { name: AppEventName; payload: unknown }[] = [];
    const client = startEngineClient({
      dataDir: join(dir, 'data'),
      workflowStepMs: 50,
      pollMs: 20,
      minPollMs: 10,
      start: (args) =>
        forkEngine(ENTRY, args, {
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` },
        }),
      emit: <K extends AppEventName>(name: K, payload: AppEvents[K]) => void events.push({ name, payload }),
      log: () => undefined,
      stopTimeoutMs: 20_000,
    });
    shells.push(client);
    const demo = await client.api.accounts.startDemo();
    if (!demo.ok) throw new Error(demo.error.message);
    // A restore's preview checks that git runs (`git --version`) in the engine process.
    await client.api.restores.preview({
      accountId: demo.value[0]!.id,
      site: 'acme-blog',
      env: 'live',
      backup: 'latest',
      elements: ['code'],
      targetDir: join(dir, 'sites'),
    });
    const files = await until(
      'the fake git to run',
      async () => {
        const f = (await readdir(report)).filter((n) => n.startsWith('fds-'));
        return f.length > 0 ? f : undefined;
      },
      30_000,
      20,
    );
    const enginePid = client.pid()!;
    const channel = await readlink(`/proc/${enginePid}/fd/3`).catch(() => 'none');
    const inherited: string[] = [];
    for (const f of files) {
      for (const line of (await readFile(join(report, f), 'utf8')).split('\n').filter(Boolean)) {
        const [n, target = ''] = line.split(' ');
        if (!['0', '1', '2'].includes(n!) && target.startsWith('socket:')) inherited.push(line);
      }
    }
    expect(inherited, `descriptors a child of the engine got (the engine's channel is ${channel})`).toEqual(
      [],
    );
    // And whatever it got, the shell heard nothing from it as the engine.
    await new Promise((r) => setTimeout(r, 500));
    expect(
      events.filter((e) => JSON.stringify(e.payload).includes('forged-by-a-child')),
      'an event a child of the engine forged reached the UI',
    ).toEqual([]);
  }, 90_000);
});
