// A `lifeboat` process of its own, for cross-process.test.ts (run with `node --import tsx`):
//   run DATA_DIR STEPS      records a slow download (one step every 100 ms) with runAsJob; exits 0 when done,
//                           130 when cancelled (by SIGTERM here, or by another process through the journal)
//   jobs DATA_DIR SUB [ID]  runs `lifeboat jobs SUB ID --json` and exits with its code
import { setTimeout as sleep } from 'node:timers/promises';
import { jobsCommand, runAsJob } from '../../../electron/cli/jobs';
import { EXIT, exitCodeFor } from '../../../electron/cli/exit-codes';
import { toAppError } from '../../../electron/services/errors';

const [mode, dataDir, a, b] = process.argv.slice(2);
const ac = new AbortController();
process.on('SIGTERM', () => ac.abort());

async function main(): Promise<number> {
  if (mode === 'run') {
    const steps = Number(a);
    try {
      const done = await runAsJob(
        {
          dataDir: dataDir!,
          kind: 'download',
          title: 'Slow download from a terminal',
          plan: { site: 'acme-blog', env: 'live', steps },
          signal: ac.signal,
        },
        async (ctx) => {
          ctx.phase('downloading', 'Downloading the files archive');
          for (let i = 1; i <= steps; i++) {
            await sleep(100, undefined, { signal: ctx.signal });
            ctx.part('files', 'files archive', i, steps);
          }
          return { result: steps, outputPath: dataDir! };
        },
      );
      process.stdout.write(`${JSON.stringify({ done })}\n`);
      return EXIT.ok;
    } catch (e) {
      const error = toAppError(e);
      process.stdout.write(`${JSON.stringify({ error })}\n`);
      return exitCodeFor(error.code);
    }
  }
  return jobsCommand(
    { sub: a as 'list' | 'show' | 'cancel' | 'retry', ...(b ? { id: b } : {}), json: true },
    {
      print: (s) => void process.stdout.write(`${s}\n`),
      stderr: process.stderr,
      signal: ac.signal,
      env: process.env,
      dataDir: dataDir!,
    },
  );
}

void main().then((code) => {
  process.exitCode = code;
});
