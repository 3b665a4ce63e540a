import { execFile } from 'node:child_process';

/**
 * How a program Lifeboat ran without a shell ended, kept apart: a clean exit, an exit code (simple-git and
 * promisified execFile hide a silent non-zero exit and the signal), a signal, no answer in time, or not started
 * at all (`code`: ENOENT, EACCES, …).
 */
export type ProgramRun =
  | { readonly kind: 'ok'; readonly stdout: string; readonly stderr: string }
  | { readonly kind: 'exit'; readonly code: number; readonly stderr: string }
  | { readonly kind: 'signal'; readonly signal: string; readonly stderr: string }
  | { readonly kind: 'timeout'; readonly stderr: string }
  | { readonly kind: 'failed'; readonly code: string; readonly stderr: string };

/** Runs `file args` (no shell, no window on Windows) and says how it ended; never rejects. */
export function runProgram(
  file: string,
  args: readonly string[],
  options: {
    readonly env: NodeJS.ProcessEnv;
    readonly timeoutMs: number;
    readonly maxBuffer: number;
    readonly cwd?: string;
  },
): Promise<ProgramRun> {
  return new Promise((done) => {
    execFile(
      file,
      args,
      {
        env: options.env,
        timeout: options.timeoutMs,
        maxBuffer: options.maxBuffer,
        windowsHide: true,
        ...(options.cwd ? { cwd: options.cwd } : {}),
      },
      (e, stdout, stderr) => {
        const err = String(stderr);
        if (!e) return done({ kind: 'ok', stdout: String(stdout), stderr: err });
        const code = (e as NodeJS.ErrnoException).code as unknown;
        if (typeof code === 'string') return done({ kind: 'failed', code, stderr: err });
        if (e.killed) return done({ kind: 'timeout', stderr: err });
        if (e.signal) return done({ kind: 'signal', signal: e.signal, stderr: err });
        if (typeof code === 'number') return done({ kind: 'exit', code, stderr: err });
        done({ kind: 'failed', code: e.message, stderr: err });
      },
    );
  });
}
