/**
 * The many-jobs benchmark's measured process (issue 9 §6), run under GNU time by test/bench/many-jobs.ts:
 *   pull API TOKEN SITE DIR N      N restores of SITE.live's files archive at once, one engine, DIR/1…DIR/N
 *   extract ARCHIVE DIR N          the floor: N extractions of a local copy of the archive at once, same extractor
 * The token comes by environment (BENCH_TOKEN), never argv.
 */
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { extractTarGz } from '../../electron/services/archive/extract';
import { PantheonClient } from '../../electron/services/pantheon/client';
import { runRestore } from '../../electron/services/restore/restore';

const [mode, ...args] = process.argv.slice(2);
if (mode === 'pull') {
  const [apiUrl, siteName, dir, n] = args as [string, string, string, string];
  const token = process.env.BENCH_TOKEN ?? '';
  const client = new PantheonClient({ apiUrl, machineToken: async () => token, userAgent: 'Lifeboat/bench' });
  const site = await client.getSite(siteName);
  await Promise.all(
    Array.from({ length: Number(n) }, (_, i) =>
      runRestore(
        { client, site },
        {
          site: siteName,
          env: 'live',
          backup: 'latest',
          elements: ['files'],
          targetDir: join(dir, String(i)),
        },
        { phase: () => undefined, part: () => undefined },
      ),
    ),
  );
} else if (mode === 'extract') {
  const [archive, dir, n] = args as [string, string, string];
  await Promise.all(
    Array.from({ length: Number(n) }, async (_, i) => {
      const dest = join(dir, String(i));
      await mkdir(dest, { recursive: true });
      await extractTarGz(createReadStream(archive, { highWaterMark: 1 << 20 }), dest, {
        label: 'the archive',
      });
    }),
  );
} else {
  throw new Error('usage: many-jobs-child.ts pull API SITE DIR N | extract ARCHIVE DIR N');
}
