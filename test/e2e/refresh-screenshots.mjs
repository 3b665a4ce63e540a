#!/usr/bin/env node
// Refreshes the README's screenshots (`npm run screenshots`). The end-to-end run saves them in .cache/screenshots/
// (ignored), so `npm test` never changes a tracked file; this builds the app, runs the journeys that take them
// (under a throwaway D-Bus session and GNOME Keyring when there is one, as `npm test` does), and only when every
// journey passed and every screenshot the README shows was written by this run, copies them into
// resources/screenshots/. `--copy-only` copies what the last run left instead of running it again.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const from = join(root, '.cache', 'screenshots');
const to = join(root, 'resources', 'screenshots');
const copyOnly = process.argv.includes('--copy-only');

// Every screenshot the README shows, by name: all of them must come from the same, passing run.
const names = [
  ...new Set(
    [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/resources\/screenshots\/([\w-]+)\.png/g)].map(
      (m) => m[1],
    ),
  ),
];

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
const run = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } }).status ?? 1;

function fail(message) {
  process.stderr.write(`screenshots: ${message}\n`);
  process.exit(1);
}

const started = Date.now();
if (!copyOnly) {
  if (run('npm', ['run', '--silent', 'build']) !== 0) fail('the build failed; nothing was copied.');
  rmSync(from, { recursive: true, force: true });
  const playwright = [
    join(root, 'node_modules', '@playwright', 'test', 'cli.js'),
    'test',
    '--project',
    'e2e',
  ];
  let status;
  if (process.platform === 'linux' && has('dbus-run-session') && has('gnome-keyring-daemon')) {
    const keyHome = mkdtempSync(join(tmpdir(), 'lifeboat-keyring-'));
    const script =
      'echo -n lifeboat | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"';
    try {
      status = run('dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, ...playwright], {
        HOME: keyHome,
      });
    } finally {
      rmSync(keyHome, { recursive: true, force: true });
    }
  } else {
    status = run(process.execPath, playwright);
  }
  if (status !== 0) fail('a journey failed; the README keeps its screenshots.');
}

const missing = names.filter((n) => {
  const file = join(from, `${n}.png`);
  return !existsSync(file) || (!copyOnly && statSync(file).mtimeMs < started);
});
if (missing.length > 0) fail(`no fresh ${missing.join(', ')} in ${from}; nothing was copied.`);
mkdirSync(to, { recursive: true });
for (const n of names) copyFileSync(join(from, `${n}.png`), join(to, `${n}.png`));
process.stdout.write(
  `screenshots: copied ${names.length} into resources/screenshots/: ${names.join(', ')}\n`,
);
