/**
 * `npm start`: opens Lifeboat. The desktop app when an Electron binary is installed; otherwise (on machines
 * where Electron cannot start) the same UI and engine through the browser host, in the system browser.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { electronBinary } from './electron-binary';

// fileURLToPath, not URL.pathname: the pathname keeps %20 for spaces and a leading / before a Windows drive letter.
const here = dirname(fileURLToPath(import.meta.url));

const electron = electronBinary();
if (electron) {
  const child = spawn(electron, [join(here, 'index.js')], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  process.stdout.write(
    'The Electron binary is not installed here, so Lifeboat opens in your browser instead.\n',
  );
  // The host opens the browser itself, with a one-time sign-in link: no lasting secret passes through here
  // or through any command line.
  const child = spawn(
    process.execPath,
    [join(here, 'host.js'), ...(process.env.LIFEBOAT_NO_BROWSER ? [] : ['--open']), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}
