/**
 * The `lifeboat` command: Lifeboat's engine for scripts and terminals. Each command is a module in commands/,
 * declared once (name, arguments, flags, examples, the JSON it prints) for the parser, `--help` and the
 * README; `--json` prints the shared models; exit codes are in exit-codes.ts.
 */
import { LifeboatError, toAppError } from '../services/errors';
import { redact } from '../services/log/redact';
import { VERSION } from '../services/version';
import { COMMANDS } from './commands';
import { runContext, type Io } from './context';
import { EXIT, exitCodeFor } from './exit-codes';
import { inertJson, printableLines } from './output';
import { globalHelp, NoCommand, resolve, UsageError } from './registry';

export type { Io } from './context';

/** Why a run is cancelled when its reader closed the pipe: it then ends quietly, with 0. */
export const OUTPUT_CLOSED = new LifeboatError('cancelled', 'The output was closed.');

/** Runs the CLI; resolves with the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const print = (s: string): void => void io.stdout.write(s.endsWith('\n') ? s : `${s}\n`);
  let json = argv.includes('--json');
  let ctx: ReturnType<typeof runContext> | null = null;
  try {
    let resolved;
    try {
      resolved = resolve(argv, COMMANDS, VERSION);
    } catch (e) {
      if (!(e instanceof NoCommand)) throw e;
      io.stderr.write(globalHelp(COMMANDS, VERSION));
      return EXIT.usage;
    }
    if (resolved.kind === 'version') {
      print(VERSION);
      return EXIT.ok;
    }
    if (resolved.kind === 'help') {
      print(resolved.text);
      return EXIT.ok;
    }
    json = Boolean(resolved.values.json);
    ctx = runContext(io, resolved.command, resolved.values, resolved.positionals);
    return await resolved.command.run(ctx);
  } catch (e) {
    // Nobody reads any more: nothing to say, and nothing went wrong with what was asked.
    if (io.signal.aborted && io.signal.reason === OUTPUT_CLOSED) return EXIT.ok;
    // Messages carry text from the API and from the command line: shown on a terminal, never obeyed by it.
    if (e instanceof UsageError) {
      // A script asking for JSON gets its error as JSON too, like every other failure.
      if (json)
        io.stdout.write(
          `${inertJson(JSON.stringify({ error: { code: 'invalid-request', message: e.message } }))}\n`,
        );
      io.stderr.write(`lifeboat: ${printableLines(e.message)}\n`);
      return EXIT.usage;
    }
    const err = toAppError(e);
    if (json) io.stdout.write(`${inertJson(JSON.stringify({ error: err }))}\n`);
    io.stderr.write(
      `\nlifeboat: ${printableLines(err.message)}${err.code === 'cancelled' ? ' Run the same command again to resume.' : ''}\n`,
    );
    return exitCodeFor(err.code);
  } finally {
    await ctx?.close();
  }
}

const isEntry =
  process.argv[1] &&
  /(?:^|[\\/])(cli\.(?:js|ts)|index\.ts|lifeboat(?:\.js)?)$/.test(process.argv[1]) &&
  !process.env.VITEST;
if (isEntry || process.env.LIFEBOAT_CLI_ENTRY === '1') {
  const ac = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    if (++interrupts > 1) process.exit(EXIT.cancelled);
    ac.abort(new LifeboatError('cancelled', 'Cancelled.'));
  });
  process.on('SIGTERM', () => ac.abort(new LifeboatError('cancelled', 'Cancelled.')));
  // The net under everything: an error no code path caught becomes a clean, redacted failure (exit 1),
  // never a stack trace with a signed URL in it. Downloads stay in their .part files to resume.
  const crash = (e: unknown): void => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`\nlifeboat: internal error: ${printableLines(redact(message))}\n`);
    ac.abort(new LifeboatError('internal', 'Stopped after an internal error.'));
    process.exitCode = EXIT.error;
    setTimeout(() => process.exit(EXIT.error), 2000).unref();
  };
  process.on('uncaughtException', crash);
  // A promise nobody awaited failed: say so (redacted) but let the command finish and clean up; killing it
  // two seconds later could stop an update half way through undoing itself.
  process.on('unhandledRejection', (e: unknown) => {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(
      `lifeboat: warning: an internal operation failed: ${printableLines(redact(message))}\n`,
    );
  });
  // The reader went away (`lifeboat sites | head -1`): what it wanted was written, so the command ends quietly
  // with 0, as git and coreutils do, and never as an internal error. Work still running is cancelled (a
  // download stays resumable) and nothing more is written to a pipe nobody reads.
  let pipeClosed = false;
  const onStreamError = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') return crash(e);
    if (pipeClosed) return;
    pipeClosed = true;
    ac.abort(OUTPUT_CLOSED);
    process.exitCode = EXIT.ok;
    // Cleanup (a job recorded as cancelled, a lock released) gets a moment, not a say in the exit code.
    setTimeout(() => process.exit(EXIT.ok), 2000).unref();
  };
  process.stdout.on('error', onStreamError);
  process.stderr.on('error', onStreamError);
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    signal: ac.signal,
  }).then((code) => {
    const exit = pipeClosed ? EXIT.ok : process.exitCode === EXIT.error ? EXIT.error : code;
    process.exitCode = exit;
    // Let pending writes flush, then leave even if a keep-alive socket lingers.
    setTimeout(() => process.exit(exit), 50).unref();
  });
}
