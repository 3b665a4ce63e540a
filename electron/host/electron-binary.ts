import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The path of the Electron binary, or null when this machine has none. The electron package's own entry
 * point would try to download a missing binary (from outside the npm registry), so this reads the package's
 * `path.txt` and checks `dist/` itself, honouring ELECTRON_OVERRIDE_DIST_PATH like Electron does.
 */
export function electronBinary(env: NodeJS.ProcessEnv = process.env): string | null {
  try {
    const pkgDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const pathFile = join(pkgDir, 'path.txt');
    const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
    if (!rel) return null;
    const full = env.ELECTRON_OVERRIDE_DIST_PATH
      ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel)
      : join(pkgDir, 'dist', rel);
    return existsSync(full) ? full : null;
  } catch {
    return null;
  }
}
