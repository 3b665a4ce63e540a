// One Lifeboat process registering copies: `register-child.ts DATA_DIR ROOT PREFIX COUNT`. Each copy's folder
// is made here; the shared folder `ROOT/shared` is registered by every process at every step.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CopyRegistry } from '../../../electron/services/copies/registry';

const [data, root, prefix, count] = process.argv.slice(2) as [string, string, string, string];
const registry = new CopyRegistry({ dataDir: data });
const record = (name: string) => ({
  lifeboat: 'test',
  site: { id: 'site-id', name, framework: 'wordpress' },
  env: 'dev',
  backup: { folder: '1_automated', initiator: 'automated', scheduledFor: '2026-11-29T00:00:00.000Z' },
  archives: {},
  restoredAt: new Date().toISOString(),
});
for (let i = 0; i < Number(count); i++) {
  const path = join(root, `${prefix}-${i}`);
  await mkdir(path, { recursive: true });
  await writeFile(join(path, 'lifeboat.json'), JSON.stringify(record('acme')));
  await registry.register({ path, record: record('acme') }, null);
  await registry.register({ path: join(root, 'shared'), record: record(prefix) }, null);
}
process.stdout.write('done\n');
