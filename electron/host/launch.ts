/**
 * `npm start`: opens Lifeboat. The desktop app when an Electron binary is installed; otherwise (on machines
 * where Electron cannot start) the same UI and engine through the browser host, in the system browser.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { electronBinary } from './electron-binary';

const here = dirname(new URL(import.meta.url).pathname);

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
