// ATTACK: many copies, few file descriptors. `list` opens every registry file at once, then every copy's
// lifeboat.json at once; when the process runs out of descriptors (EMFILE) each failed open is taken for "not a
// copy file" (skipped) or "no lifeboat.json" (state replaced).
// PROMISE BROKEN: "read tolerantly (a damaged or foreign file is skipped, never crashes a list)" — a healthy file
// is skipped too, silently: `lifeboat copies` (and the app's view) shows part of the list, exit 0. Here the limit
// is lowered to 128 with 300 copies; in the wild it takes as many copies as the hard limit (4096 on many
// Linux systems), or fewer while the app holds other files open (downloads, the journal).
// SEVERITY: low (a list that lies under load; nothing is lost).
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CopyRegistry } from '../../../electron/services/copies/registry';
import type { RestoreRecord } from '../../../electron/services/restore/assemble';
import type { LocalCopy } from '../../../shared/models';
import { BIN, ROOT } from '../../helpers/cli';
import { readJson, scratch, type Scratch } from './lib';
import { describeUnless, onWindows } from '../../helpers/platform';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

const listWithFewFds = (env: NodeJS.ProcessEnv): Promise<string> =>
  new Promise((resolve, reject) => {
    // Soft and hard: Node raises the soft limit to the hard one at start.
    const child = spawn(
      'bash',
      ['-c', 'ulimit -n 128 && exec "$0" "$1" copies --json', process.execPath, BIN],
      {
        cwd: ROOT,
        env: { ...process.env, VITEST: '', ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });

describeUnless(onWindows ? 'Windows has no ulimit to lower the number of open files' : null)(
  'copies list with few file descriptors',
  () => {
    it('lists every copy, or fails saying why, rather than a silent part of the list', async () => {
      const first = await s.pull('acme-blog.live', join(s.dir, 'sites'));
      const record = await readJson<RestoreRecord>(join(first, 'lifeboat.json'));
      const registry = new CopyRegistry({ dataDir: s.data });
      for (let i = 0; i < 299; i++) {
        const path = join(s.dir, 'many', `copy-${i}`);
        await mkdir(path, { recursive: true });
        await writeFile(join(path, 'lifeboat.json'), JSON.stringify(record));
        await registry.register({ path, record }, null);
      }
      expect(await s.list()).toHaveLength(300);

      const listed = await listWithFewFds(s.env).then(
        (out) => JSON.parse(out) as LocalCopy[],
        () => null, // a clear failure is acceptable
      );
      if (listed !== null) {
        expect(listed).toHaveLength(300);
        expect(listed.filter((c) => c.state !== 'present')).toEqual([]);
      }
    });
  },
);
