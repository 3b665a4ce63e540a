#!/usr/bin/env node
// The one test command (`npm test`): static checks, then every vitest suite (under a throwaway D-Bus session
// and GNOME Keyring so keychain tests use a real Secret Service), then the browser end-to-end suite.
// Ends with the single line `N passed, N failed, N skipped` that CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every test's temporary folder by its real path. macOS's is reached through a link (/var is /private/var), and a
// Windows runner's TEMP holds a short 8.3 name (RUNNER~1); the engine keeps a copy's folder by its real path, so a
// test comparing it with the path it made under tmpdir() would fail on the spelling alone. Linux's /tmp is real.
const realTmp = realpathSync.native(tmpdir());
if (realTmp !== tmpdir()) {
  for (const name of process.platform === 'win32' ? ['TEMP', 'TMP'] : ['TMPDIR']) process.env[name] = realTmp;
}
const results = join(root, '.cache', 'test-results');
rmSync(results, { recursive: true, force: true });
mkdirSync(results, { recursive: true });
const totals = { passed: 0, failed: 0, skipped: 0 };
const skippedNotes = [];
// Every failing test by name with the first line of its error, repeated in the summary: CI shows only the
// end of the output, so a failure far above must still be named there.
const failedNotes = [];
const started = Date.now();

// POSIX shells only: Windows has no `command -v` (and nothing this looks for).
const has = (cmd) =>
  process.platform !== 'win32' &&
  spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

/** What git sees in the working tree (changed tracked files, new untracked ones), or null outside a checkout. */
const treeState = () => {
  const r = spawnSync('git', ['status', '--porcelain=v1', '--untracked-files=all'], {
    cwd: root,
    encoding: 'utf8',
  });
  return r.status === 0 ? r.stdout : null;
};
const treeBefore = treeState();
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const section = (title) =>
  process.stdout.write(`\n── ${title} ${'─'.repeat(Math.max(0, 70 - title.length))}\n`);

function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

// 1. Static checks count as one test each: a type error or lint violation fails the run like a failing test.
for (const [name, args] of [
  ['typecheck', [bin('typescript', 'bin/tsc'), '--noEmit', '-p', 'tsconfig.json']],
  ['lint (zone import rules)', [bin('eslint', 'bin/eslint.js'), '.']],
  ['format', [bin('prettier', 'bin/prettier.cjs'), '--check', '.', '--log-level', 'warn']],
]) {
  section(name);
  const ok = run(process.execPath, args) === 0;
  totals[ok ? 'passed' : 'failed']++;
  process.stdout.write(ok ? `${name}: ok\n` : `${name}: FAILED\n`);
  if (!ok) failedNotes.push(`${name} (its output is above)`);
}

// 2. Vitest (unit + integration), inside a private D-Bus session with an unlocked keyring when available.
section('vitest: unit and integration');
const vitestJson = join(results, 'vitest.json');
// macOS and Windows have their keychains (Keychain, Credential Manager) in the person's session: nothing to start.
const keyring = process.platform === 'linux' && has('dbus-run-session') && has('gnome-keyring-daemon');
if (process.platform === 'linux' && !keyring)
  process.stdout.write(
    'No dbus-run-session/gnome-keyring-daemon: keychain tests will be skipped (see their reasons).\n',
  );

/** Runs a Node command inside a throwaway D-Bus session with an unlocked GNOME Keyring (a real Secret Service). */
function runWithKeyring(args, env = {}) {
  if (!keyring) return run(process.execPath, args, env);
  const keyHome = mkdtempSync(join(tmpdir(), 'lifeboat-keyring-'));
  const script =
    'echo -n lifeboat | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"';
  try {
    return run('dbus-run-session', ['--', 'sh', '-c', script, 'sh', process.execPath, ...args], {
      HOME: keyHome,
      ...env,
    });
  } finally {
    rmSync(keyHome, { recursive: true, force: true });
  }
}

runWithKeyring([
  bin('vitest', 'vitest.mjs'),
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
collectVitest(vitestJson);

// 3. End-to-end (Playwright) when the suite exists: build first, then Chromium against the browser host.
const e2eDir = join(root, 'test', 'e2e');
if (existsSync(e2eDir) && readdirSync(e2eDir).some((f) => f.endsWith('.spec.ts'))) {
  const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(chromium))
    process.stdout.write(
      `No Chromium at ${chromium}: install Debian's chromium, or set CHROMIUM_PATH (to Playwright's own after` +
        ` \`npx playwright install chromium\`: node -p "require('playwright-core').chromium.executablePath()").\n`,
    );
  section('build');
  // Through npm's own script when `npm test` started this: on Windows `npm` is a .cmd file, which spawnSync cannot
  // start without a shell.
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];
  const built = run(npm[0], [...npm.slice(1), 'run', '--silent', 'build']) === 0;
  totals[built ? 'passed' : 'failed']++;
  if (!built) failedNotes.push('build (its output is above)');
  if (built) {
    section('playwright: end-to-end');
    const pwJson = join(results, 'playwright.json');
    // On CI, a failing test keeps its trace (screenshots, DOM, network) in test-results/ for the workflow to upload.
    const trace = process.env.CI ? ['--trace=retain-on-failure'] : [];
    runWithKeyring([bin('@playwright/test', 'cli.js'), 'test', '--reporter=list,json', ...trace], {
      PLAYWRIGHT_JSON_OUTPUT_NAME: pwJson,
    });
    collectPlaywright(pwJson);
  }
}

/** The first non-empty line of an error message, without terminal colours, bounded for the summary. */
function firstLine(message) {
  const line = String(message ?? '')
    // eslint-disable-next-line no-control-regex -- terminal colour codes start with ESC
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .find((l) => l.trim());
  return line ? line.trim().slice(0, 300) : '(no message)';
}

function collectVitest(file) {
  if (!existsSync(file)) {
    process.stdout.write('vitest wrote no results: counting the suite as failed.\n');
    totals.failed++;
    failedNotes.push('vitest: wrote no results');
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += r.numPassedTests;
  totals.failed += r.numFailedTests;
  totals.skipped += r.numPendingTests + r.numTodoTests;
  for (const f of r.testResults) {
    // Vitest names files with forward slashes on every system; the summary does too.
    const file = relative(root, f.name).split(sep).join('/');
    const notRun = (t) => t.status === 'skipped' || t.status === 'pending';
    // A file that failed with no failing test (it did not load, or a beforeAll failed and its tests were never
    // run, which vitest reports as skipped): the file counts as one failure, and its tests are not skips.
    if (f.status === 'failed' && !f.assertionResults.some((t) => t.status === 'failed')) {
      totals.failed++;
      const unrun = f.assertionResults.filter(notRun).length;
      totals.skipped -= unrun;
      failedNotes.push(
        `${file}: ${unrun ? `its setup failed, ${unrun} tests did not run` : 'did not load'}: ${firstLine(f.message)}`,
      );
      continue;
    }
    for (const t of f.assertionResults) {
      if (t.status === 'failed')
        failedNotes.push(`${file}: ${t.fullName}: ${firstLine(t.failureMessages?.[0])}`);
      // A vitest skip carries its reason in its name.
      if (notRun(t)) skippedNotes.push({ test: `${file}: ${t.fullName}`, reason: null });
    }
  }
}

function collectPlaywright(file) {
  if (!existsSync(file)) {
    process.stdout.write('playwright wrote no results: counting the suite as failed.\n');
    totals.failed++;
    failedNotes.push('playwright: wrote no results');
    return;
  }
  const r = JSON.parse(readFileSync(file, 'utf8'));
  totals.passed += r.stats.expected + (r.stats.flaky ?? 0);
  totals.failed += r.stats.unexpected;
  totals.skipped += r.stats.skipped;
  const walk = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status === 'unexpected') {
          const error = t.results?.at(-1)?.error?.message;
          failedNotes.push(`${spec.file}: ${spec.title}: ${firstLine(error)}`);
        }
        if (t.status === 'skipped') {
          const note = (t.annotations ?? []).find((a) => a.type === 'skip')?.description;
          skippedNotes.push({ test: `${spec.file}: ${spec.title}`, reason: note ?? null });
        }
      }
    }
    (suite.suites ?? []).forEach(walk);
  };
  (r.suites ?? []).forEach(walk);
}

// A test run changes no tracked file and leaves nothing new in the repository (ignored build and cache
// folders aside): counted as one test, so a suite that writes into the checkout fails.
section('repository unchanged by the run');
const treeAfter = treeState();
if (treeBefore === null) process.stdout.write('Not a git checkout: nothing to compare.\n');
else if (treeAfter === treeBefore) {
  totals.passed++;
  process.stdout.write('repository unchanged: ok\n');
} else {
  totals.failed++;
  const before = new Set(treeBefore.split('\n'));
  const changed = treeAfter.split('\n').filter((l) => l && !before.has(l));
  process.stdout.write(
    `The run changed the repository: FAILED\n${changed.map((l) => `  ${l}`).join('\n')}\n`,
  );
}

section('summary');
// Skips that share a reason are listed once with their count, so the failures below stay in CI's view.
if (skippedNotes.length) {
  const byReason = new Map();
  const lines = [];
  for (const { test, reason } of skippedNotes) {
    if (reason === null) lines.push(`  - ${test}`);
    else byReason.set(reason, [...(byReason.get(reason) ?? []), test]);
  }
  for (const [reason, tests] of byReason)
    lines.push(tests.length === 1 ? `  - ${tests[0]} (${reason})` : `  - ${tests.length} tests: ${reason}`);
  process.stdout.write(`Skipped (each test prints its reason above):\n${lines.join('\n')}\n`);
}
if (failedNotes.length) process.stdout.write(`Failed:\n${failedNotes.map((n) => `  - ${n}`).join('\n')}\n`);
process.stdout.write(`Took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.stdout.write(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exit(totals.failed > 0 ? 1 : 0);
