// Open in editor / Open terminal through the app's contract and `lifeboat copies open`: real scripts stand in for
// the editor and the terminal, each recording the arguments and the folder it was started with.
import { chmod, mkdir, mkdtemp, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApi } from '../../../electron/api';
import { createEngine } from '../../../electron/services/engine';
import type { RestoreRecord } from '../../../electron/services/restore/assemble';
import type { AppApi } from '../../../shared/api/contract';
import type { LocalCopy } from '../../../shared/models';
import { runMain } from '../../helpers/cli';
import { MemorySecrets } from '../../helpers/memory-secrets';
import { firstMissing, itUnless, noShellScripts, onMac, onWindows } from '../../helpers/platform';
import { until } from '../../helpers/until';

let dir: string;
let bin: string;
let data: string;
let started: number[];

beforeEach(async () => {
  // Its real path: a started program reports its folder resolved (macOS's temporary folder is under a link).
  dir = await realpath(await mkdtemp(join(tmpdir(), 'lifeboat-open-')));
  bin = join(dir, 'bin');
  data = join(dir, 'data');
  await mkdir(bin);
  started = [];
});

/** The recorders are scripts run through their #! line. */
const recorders = noShellScripts;
/** With no Terminal command set, macOS and Windows always have their own terminal, found without PATH. */
const systemTerminal = onMac
  ? 'macOS always has its Terminal app, opened with open -a'
  : onWindows
    ? 'Windows always has cmd.exe for a terminal'
    : null;
afterEach(async () => {
  // Only what these tests started: the recorders that stay running.
  for (const pid of started)
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      // Already ended.
    }
  await rm(dir, { recursive: true, force: true });
});

interface Recorded {
  readonly argv: string[];
  readonly cwd: string;
  readonly pid: number;
  readonly pgid: number | null;
}

/**
 * A program named `name` in `bin` that writes its arguments, folder and process group to `<dir>/<name>.json`
 * (node by its absolute path: PATH may hold only `bin`); with `stay`, it keeps running afterwards.
 */
async function recorder(name: string, stay = false): Promise<string> {
  const path = join(bin, name);
  const out = join(dir, `${name}.json`);
  await writeFile(
    path,
    `#!${process.execPath}
const fs = require('node:fs');
let pgid = null;
try { pgid = Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[2]); } catch {
  // No /proc (macOS): ps says it.
  try { pgid = Number(require('node:child_process').execFileSync('ps', ['-o', 'pgid=', '-p', String(process.pid)]).toString().trim()); } catch {}
}
fs.writeFileSync(${JSON.stringify(`${out}.tmp`)}, JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(), pid: process.pid, pgid }));
fs.renameSync(${JSON.stringify(`${out}.tmp`)}, ${JSON.stringify(out)});
${stay ? 'setInterval(() => {}, 1000);' : ''}
`,
  );
  await chmod(path, 0o755);
  return path;
}

const recorded = async (name: string): Promise<Recorded> => {
  const r = await until(
    `${name} to record its start`,
    () => readFile(join(dir, `${name}.json`), 'utf8').catch(() => null),
    20_000,
  );
  const v = JSON.parse(r) as Recorded;
  started.push(v.pid);
  return v;
};
const ranAtAll = (name: string): Promise<boolean> =>
  readFile(join(dir, `${name}.json`)).then(
    () => true,
    () => false,
  );

const record = (): RestoreRecord => ({
  lifeboat: 'test',
  site: { id: '11111111-2222-4333-8444-555555555555', name: 'acme-blog', framework: 'wordpress' },
  env: 'live',
  backup: {
    folder: '1795910400_automated',
    initiator: 'automated',
    scheduledFor: '2026-11-29T00:00:00.000Z',
  },
  archives: { files: { filename: 'f.tar.gz', size: 1, finishedAt: null } },
  restoredAt: '2026-11-30T10:00:00.000Z',
});

/** The app's engine and contract on `data`, its PATH only `path`, with one registered copy (a space in its name). */
async function app(path: string): Promise<{ api: AppApi; copy: LocalCopy }> {
  const engine = createEngine({
    dataDir: data,
    secrets: new MemorySecrets(),
    env: { ...process.env, PATH: path },
  });
  const folder = join(dir, 'Sites', 'acme blog-live');
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'lifeboat.json'), JSON.stringify(record()));
  const copy = await engine.copies.register({ path: folder, record: record() }, null);
  return { api: createApi(engine), copy };
}

describe('copies.open', () => {
  itUnless(recorders)(
    'runs the configured editor command without a shell: quoted words kept, the folder at {path}, started in it',
    async () => {
      const script = await recorder('my editor');
      const { api, copy } = await app(bin);
      const set = await api.settings.update({
        editorCommand: `"${script}" --new-window --goto={path}/index.php 'two words' $HOME;x`,
      });
      expect(set.ok && set.value.editorCommand).toContain('--new-window');
      expect(await api.copies.open({ copyId: copy.id, with: 'editor' })).toEqual({ ok: true, value: null });
      const r = await recorded('my editor');
      expect(r.argv).toEqual(['--new-window', `--goto=${copy.path}/index.php`, 'two words', '$HOME;x']);
      expect(r.cwd).toBe(copy.path);
    },
  );

  itUnless(recorders)(
    'appends the folder to a terminal command without {path}, and never waits for the program',
    async () => {
      await recorder('term', true);
      const { api, copy } = await app(bin);
      await api.settings.update({ terminalCommand: 'term --hold' });
      expect(await api.copies.open({ copyId: copy.id, with: 'terminal' })).toEqual({ ok: true, value: null });
      const r = await recorded('term');
      expect(r).toMatchObject({ argv: ['--hold', copy.path], cwd: copy.path });
      // Still running after open answered (nobody waited for it to end), in a process group of its own (detached:
      // Lifeboat quitting does not take it along).
      expect(() => process.kill(r.pid, 0)).not.toThrow();
      if (r.pgid !== null) expect(r.pgid).toBe(r.pid);
    },
  );

  itUnless(firstMissing(recorders, systemTerminal))(
    'without a configured command, uses the first known editor and terminal found on PATH',
    async () => {
      await recorder('zed');
      await recorder('code');
      await recorder('konsole');
      await recorder('xterm');
      const { api, copy } = await app(`${join(dir, 'nothing-here')}:${bin}`);
      expect(await api.copies.open({ copyId: copy.id, with: 'editor' })).toEqual({ ok: true, value: null });
      expect(await recorded('code')).toMatchObject({ argv: [copy.path], cwd: copy.path });
      expect(await ranAtAll('zed')).toBe(false);
      expect(await api.copies.open({ copyId: copy.id, with: 'terminal' })).toEqual({ ok: true, value: null });
      expect(await recorded('konsole')).toMatchObject({ argv: ['--workdir', copy.path], cwd: copy.path });
      expect(await ranAtAll('xterm')).toBe(false);
    },
  );

  itUnless(systemTerminal)(
    'says which setting to set when nothing is found, and which one is wrong when it names no program here',
    async () => {
      const { api, copy } = await app(bin);
      const none = await api.copies.open({ copyId: copy.id, with: 'editor' });
      expect(none.ok).toBe(false);
      if (!none.ok) {
        expect(none.error.code).toBe('not-found');
        expect(none.error.message).toMatch(
          /^No editor was found on this computer \(Lifeboat looked for code, /,
        );
        expect(none.error.message).toContain('Set the Editor command in Settings');
      }
      const noTerminal = await api.copies.open({ copyId: copy.id, with: 'terminal' });
      expect(!noTerminal.ok && noTerminal.error.message).toContain('Set the Terminal command in Settings');

      await api.settings.update({ editorCommand: 'no-such-editor-here --wait' });
      const wrong = await api.copies.open({ copyId: copy.id, with: 'editor' });
      expect(!wrong.ok && wrong.error).toMatchObject({
        code: 'not-found',
        message: expect.stringMatching(
          /^The Editor command in Settings starts no-such-editor-here, which is not on this computer’s PATH\. Change the Editor command in Settings/,
        ),
      });
    },
  );

  it('refuses a command line that cannot be read when it is saved, and keeps the one before', async () => {
    const { api } = await app(bin);
    await api.settings.update({ editorCommand: 'code --wait' });
    const bad = await api.settings.update({ editorCommand: 'code "--wait' });
    expect(!bad.ok && bad.error).toMatchObject({
      code: 'invalid-request',
      message: 'The Editor command cannot be read: it has a " that is never closed.',
    });
    const now = await api.settings.get();
    expect(now.ok && now.value.editorCommand).toBe('code --wait');
    // Cleared: back to one found on this computer.
    const cleared = await api.settings.update({ editorCommand: null });
    expect(cleared.ok && cleared.value.editorCommand).toBeNull();
  });

  itUnless(recorders)(
    'opens only a present copy: a missing or replaced folder is refused and nothing is started',
    async () => {
      await recorder('code');
      const { api, copy } = await app(bin);
      await writeFile(join(copy.path, 'lifeboat.json'), JSON.stringify({ ...record(), env: 'dev' }));
      const replaced = await api.copies.open({ copyId: copy.id, with: 'editor' });
      expect(!replaced.ok && replaced.error).toMatchObject({
        code: 'conflict',
        message: expect.stringContaining('no longer holds this restore of acme-blog.live'),
      });
      await rename(copy.path, `${copy.path}-moved`);
      const missing = await api.copies.open({ copyId: copy.id, with: 'editor' });
      expect(!missing.ok && missing.error).toMatchObject({
        code: 'not-found',
        message: `${copy.path} is not there any more (moved or deleted), so there is nothing to open. Forget the copy instead.`,
      });
      expect(await ranAtAll('code')).toBe(false);
      const unknown = await api.copies.open({
        copyId: '6f1c2a8e-7a7b-4c1e-9d55-0d9a1d1c0001',
        with: 'editor',
      });
      expect(!unknown.ok && unknown.error.code).toBe('not-found');
    },
  );
});

describe('lifeboat copies open', () => {
  itUnless(recorders)(
    'opens the copy at PATH with the command in Settings, and names the copy meant for a mistyped path',
    async () => {
      await recorder('term');
      const { api, copy } = await app(bin);
      await api.settings.update({ terminalCommand: `${join(bin, 'term')} --cd {path}` });
      const env = { LIFEBOAT_DATA_DIR: data, PATH: bin };
      const r = await runMain(['copies', 'open', copy.path, '--terminal', '--json'], { env });
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(r.stdout)).toEqual({
        path: copy.path,
        program: join(bin, 'term'),
        args: ['--cd', copy.path],
      });
      expect(await recorded('term')).toMatchObject({ argv: ['--cd', copy.path], cwd: copy.path });

      const typo = await runMain(['copies', 'open', join(dir, 'Sites', 'acme blog-lvie')], { env });
      expect(typo.code).toBe(4);
      expect(typo.stderr).toContain(`Did you mean ${copy.path}?`);
      const both = await runMain(['copies', 'open', copy.path, '--editor', '--terminal'], { env });
      expect(both.code).toBe(2);
      // No editor here (PATH has only the terminal), none configured: the setting to set, exit 4.
      const none = await runMain(['copies', 'open', copy.path], { env });
      expect(none.code).toBe(4);
      expect(none.stderr).toContain('Set the Editor command in Settings');
    },
  );
});
