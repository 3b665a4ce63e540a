// Runs downloadToPart in a process of its own (started by download-crash.test.ts), so an error that escapes every
// handler shows as what it is in the app: a crash with a non-zero exit code and got's dump on stderr.
// Argument: JSON { url, dir, rounds, size }. Prints one JSON line: each round's outcome and its meta file.
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadToPart } from '../../../electron/services/transfer/download';
import { fastTransfer } from '../../helpers/transfer';

interface Args {
  readonly url: string;
  readonly dir: string;
  readonly rounds: number;
  readonly size: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
const policy = fastTransfer({ maxFailures: 2, backoffMs: 1, maxBackoffMs: 1, maxUrlRefreshes: 1 });

const rounds: { code?: string; message: string; metaBytes: number; metaValid: boolean }[] = [];
for (let i = 0; i < args.rounds; i++) {
  const partPath = join(args.dir, `round-${i}.tar.gz.part`);
  let code: string | undefined;
  let message = 'completed';
  try {
    await downloadToPart({
      source: { label: 'the test archive', identity: `set/${i}`, size: args.size, url: async () => args.url },
      partPath,
      policy,
    });
  } catch (e) {
    code = (e as { code?: string }).code;
    message = (e as Error).message;
  }
  let metaBytes = -1;
  let metaValid = false;
  try {
    metaBytes = (await stat(`${partPath}.json`)).size;
    metaValid = typeof (JSON.parse(await readFile(`${partPath}.json`, 'utf8')) as object) === 'object';
  } catch {
    // reported as metaBytes -1 / invalid
  }
  rounds.push({ ...(code ? { code } : {}), message, metaBytes, metaValid });
}
process.stdout.write(`${JSON.stringify(rounds)}\n`);
