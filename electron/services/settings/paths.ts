import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Where Lifeboat keeps accounts, settings and the job journal: the same folder Electron's `userData` is for
 * an app named "Lifeboat", so the desktop app, the browser host and the CLI share it. LIFEBOAT_DATA_DIR overrides.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.LIFEBOAT_DATA_DIR) return env.LIFEBOAT_DATA_DIR;
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Lifeboat');
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Lifeboat');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Lifeboat');
}
