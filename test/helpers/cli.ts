import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../../electron/cli/index';
import { afterAll } from 'vitest';
import { testService } from './keychain';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'lifeboat.js');

/**
 * The data folder (accounts, the job journal) of CLIs a test runs without naming one: this test process's own,
 * so a command that records a job never writes into the real Lifeboat folder of whoever runs the tests.
 */
export const SCRATCH_DATA_DIR = mkdtempSync(join(tmpdir(), 'lifeboat-cli-data-'));
// Each test file gets its own module instance, so its own folder, removed when the file's tests are done.
afterAll(() => rmSync(SCRATCH_DATA_DIR, { recursive: true, force: true }));

/** Keychain entries of CLIs run by tests (a token's cached session): their own, never the real `Lifeboat` ones. */
export const TEST_KEYCHAIN_SERVICE = testService('cli');

/** What a CLI run printed and how it ended. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lifeboat` as a user would, in its own process (from `cwd`, the checkout unless said); resolves with its exit code and output. */
export function lifeboat(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  onStart?: (child: ChildProcess) => void,
  input = '',
  cwd = ROOT,
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        VITEST: '',
        LIFEBOAT_DATA_DIR: SCRATCH_DATA_DIR,
        LIFEBOAT_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE,
        ...env,
      },
    });
    // Standard input as a script gives it: what is piped, then end of file.
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onStart?.(child);
  });
}

/** How {@link runMain} presents its streams: as a terminal (with a width) or as pipes. */
export interface MainOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Standard input's text; with `stdinTty`, typed at a terminal. */
  readonly input?: string;
  readonly stdinTty?: boolean;
  /** Standard error as a terminal this many columns wide (progress redraws one line). */
  readonly stderrColumns?: number;
  readonly signal?: AbortSignal;
  /** Called with everything printed on stdout so far, each time more is printed. */
  readonly onStdout?: (soFar: string) => void;
}

/**
 * Runs the CLI's `main` in this process, for what needs no process of its own (help, parsing, usage errors,
 * output shapes): the same code as the binary, without a second's start-up per run.
 */
export async function runMain(args: readonly string[], options: MainOptions = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = Object.assign(
    new PassThrough(),
    options.stderrColumns ? { isTTY: true, columns: options.stderrColumns } : {},
  );
  const stdin = Object.assign(Readable.from([options.input ?? '']), options.stdinTty ? { isTTY: true } : {});
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => {
    out += d.toString();
    options.onStdout?.(out);
  });
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await main(args, {
    stdout,
    stderr,
    stdin,
    env: {
      ...process.env,
      LIFEBOAT_DATA_DIR: SCRATCH_DATA_DIR,
      LIFEBOAT_KEYCHAIN_SERVICE: TEST_KEYCHAIN_SERVICE,
      TERMINUS_MACHINE_TOKEN: '',
      ...options.env,
    },
    signal: options.signal ?? new AbortController().signal,
  });
  return { code, signal: null, stdout: out, stderr: err };
}
