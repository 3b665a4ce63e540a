/**
 * `npm start`: opens Lifeboat. The desktop app when an Electron binary is installed; otherwise (on machines
 * where Electron cannot start) the same UI and engine through the browser host, in the system browser.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);

function electronBinary(): string | null {
  try {
    // The electron package exports the path to its binary, which is downloaded separately and may be missing.
    const path = createRequire(import.meta.url)('electron') as unknown as string;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const electron = electronBinary();
if (electron) {
  const child = spawn(electron, [join(here, 'index.js')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stdout.write(
    'The Electron binary is not installed here, so Lifeboat opens in your browser instead.\n',
  );
  const child = spawn(process.execPath, [join(here, 'host.js'), ...process.argv.slice(2)], {
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  child.stdout.on('data', (d: Buffer) => {
    process.stdout.write(d);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(d.toString())?.[1];
    if (url && !process.env.LIFEBOAT_NO_BROWSER) {
      const opener =
        process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
      spawn(opener, [url], { stdio: 'ignore', detached: true })
        .on('error', () => undefined)
        .unref();
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
