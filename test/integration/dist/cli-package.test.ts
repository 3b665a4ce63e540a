import { execFile, spawnSync, type ExecFileOptions } from 'node:child_process';
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, posix, relative, resolve } from 'node:path';
import { list } from 'tar';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSeed } from '../../../electron/sandbox/seed';

/**
 * The command line as an npm package, as a user gets it: `npm pack` (its prepack builds out/main), then
 * `npm install -g` of the tarball into a prefix of its own, which installs `dependencies` only. Running the
 * installed `lifeboat` catches a file missing from `files` and a static import of a dev-only package; reading
 * what the shipped bundle imports catches the ones a run does not reach (keytar and trash load on first use).
 *
 * Everything happens in a temporary copy of the checkout (its files as they are now, without ignored ones such as
 * out/ and node_modules/, which is a link to the checkout's), so the build never writes into the repository.
 * It took 30 to 50 s on this loaded two-core machine (npm pack 6-9 s, npm install -g 9-20 s with keytar compiled by
 * node-gyp); the bounds below are generous.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const WIN = process.platform === 'win32';
const SETUP_TIMEOUT = 600_000;
/** Each test runs the installed command or reads the whole bundle: far less, but on a slow CI runner. */
const TEST_TIMEOUT = 120_000;

let work: string;
let tarball: string;
/** Where the package is installed: `<prefix>/lib/node_modules/lifeboat` (Windows: `<prefix>/node_modules/…`). */
let installed: string;
let lifeboatBin: string;
let pkg: { name: string; version: string; dependencies?: Record<string, string> };
/** The tarball's files, without the leading `package/`, with their sizes. */
let entries: Map<string, number>;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment without what `npm test` and vitest put in it (npm's own settings, VITEST, LIFEBOAT_*). */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    // The cache (and registry/proxy settings) a developer configured are kept: the install then needs no network
    // for what is already cached. So are the person's config files and nodedir: `npm test` runs the suites with
    // HOME at a throwaway keyring home, where npm would find no .npmrc, and node-gyp (building keytar) would try
    // to download Node's headers instead of using the installed ones. npm's other settings (local_prefix: the
    // checkout) must not leak into the copy.
    const keep =
      /^npm_config_(cache|registry|https?_proxy|proxy|noproxy|strict_ssl|cafile|userconfig|globalconfig|nodedir)$/i.test(
        k,
      );
    if (!keep && (/^npm_/i.test(k) || /^VITEST/.test(k) || /^LIFEBOAT_/.test(k))) continue;
    env[k] = v;
  }
  // The node running the tests runs the installed `#!/usr/bin/env node` command too.
  env.PATH = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return env;
}

/** Runs a program (on Windows, npm and the installed command are .cmd scripts, started through the shell). */
function run(
  file: string,
  args: readonly string[],
  options: ExecFileOptions & { cwd: string },
): Promise<Run> {
  const quote = (a: string): string => (WIN && /[\s"]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a);
  return new Promise((done) => {
    execFile(
      file,
      args.map(quote),
      { maxBuffer: 64 << 20, shell: WIN, encoding: 'utf8', ...options },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

const npm = WIN ? 'npm.cmd' : 'npm';
const show = (r: Run): string => `exit ${r.code}\n${r.stderr.slice(-4000)}\n${r.stdout.slice(-2000)}`;

/** The checkout's files as they are now (tracked ones and new ones not ignored), copied into `dest`. */
async function copyCheckout(dest: string): Promise<void> {
  const r = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`git ls-files failed: ${r.stderr}`);
  for (const file of r.stdout.split('\0').filter(Boolean)) {
    // A tracked file deleted in the working tree is not part of the checkout as it is.
    const info = await lstat(join(ROOT, file)).catch(() => null);
    if (!info?.isFile()) continue;
    await mkdir(dirname(join(dest, file)), { recursive: true });
    await copyFile(join(ROOT, file), join(dest, file));
  }
  await symlink(join(ROOT, 'node_modules'), join(dest, 'node_modules'), WIN ? 'junction' : 'dir');
}

async function sizeOf(dir: string): Promise<{ bytes: number; packages: number }> {
  let bytes = 0;
  let packages = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) bytes += (await stat(join(e.parentPath, e.name))).size;
    if (
      e.isFile() &&
      e.name === 'package.json' &&
      /node_modules[\\/](@[^\\/]+[\\/])?[^\\/@]+$/.test(e.parentPath)
    )
      packages++;
  }
  return { bytes, packages };
}

const kB = (n: number): string => `${(n / 1024).toFixed(0)} kB`;

/** Every module specifier a built file imports: static and dynamic imports, require and createRequire(…)(…) calls. */
function specifiersOf(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found: string[] = [];
  const literal = (n: ts.Node | undefined): string | null =>
    n && (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) ? n.text : null;
  const calleeName = (e: ts.Expression): string =>
    ts.isIdentifier(e) ? e.text : ts.isPropertyAccessExpression(e) ? e.name.text : '';
  // `require`, the bundler's `__require`, and `createRequire(import.meta.url)` called on the spot.
  const isRequire = (e: ts.Expression): boolean =>
    /^_*require$/.test(calleeName(e)) ||
    (ts.isCallExpression(e) && calleeName(e.expression) === 'createRequire');
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier) {
      const s = literal(n.moduleSpecifier);
      if (s !== null) found.push(s);
    } else if (ts.isCallExpression(n)) {
      const s = literal(n.arguments[0]);
      if (s !== null && (n.expression.kind === ts.SyntaxKind.ImportKeyword || isRequire(n.expression)))
        found.push(s);
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return found;
}

const packageName = (spec: string): string =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** What out/main/cli.js reaches in the installed package: its files, and the packages they import. */
async function reachedFromCli(): Promise<{
  files: Set<string>;
  packages: Map<string, string>;
  broken: string[];
}> {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package -> the first file importing it
  const broken: string[] = [];
  const queue = ['out/main/cli.js'];
  while (queue.length) {
    const file = queue.shift()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const spec of specifiersOf(file, await readFile(join(installed, file), 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = posix.normalize(posix.join(posix.dirname(file), spec));
        if (entries.has(target)) queue.push(target);
        else broken.push(`${file} imports ${spec}`);
      } else if (!isBuiltin(spec) && !packages.has(packageName(spec))) packages.set(packageName(spec), file);
    }
  }
  return { files, packages, broken };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'lifeboat-cli-package-'));
  const copy = join(work, 'checkout');
  await copyCheckout(copy);
  pkg = JSON.parse(await readFile(join(copy, 'package.json'), 'utf8')) as typeof pkg;
  const env = cleanEnv();

  let started = Date.now();
  // prepack runs `npm run build` (electron-vite), which writes out/ in the copy.
  const packed = await run(npm, ['pack', '--ignore-scripts=false', '--pack-destination', work], {
    cwd: copy,
    env,
  });
  expect(packed.code, `npm pack failed: ${show(packed)}`).toBe(0);
  const packSeconds = (Date.now() - started) / 1000;
  tarball = join(work, `${pkg.name}-${pkg.version}.tgz`);
  entries = new Map();
  await list({
    file: tarball,
    onReadEntry: (e) => void (e.type === 'File' && entries.set(e.path.replace(/^package\//, ''), e.size)),
  });

  started = Date.now();
  const prefix = join(work, 'prefix');
  // What `npm install -g lifeboat` does (no devDependencies); keytar's install script builds its addon.
  const install = await run(
    npm,
    [
      'install',
      '-g',
      '--prefix',
      prefix,
      tarball,
      '--allow-scripts=keytar',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
    ],
    { cwd: work, env },
  );
  expect(install.code, `npm install -g failed: ${show(install)}`).toBe(0);
  const installSeconds = (Date.now() - started) / 1000;
  installed = WIN ? join(prefix, 'node_modules', pkg.name) : join(prefix, 'lib', 'node_modules', pkg.name);
  lifeboatBin = WIN ? join(prefix, 'lifeboat.cmd') : join(prefix, 'bin', 'lifeboat');

  const packedBytes = (await stat(tarball)).size;
  const unpacked = [...entries.values()].reduce((a, b) => a + b, 0);
  const all = await sizeOf(installed);
  console.log(
    `${relative(work, tarball)}: ${kB(packedBytes)} packed, ${kB(unpacked)} unpacked, ${entries.size} files; ` +
      `installed with its dependencies: ${kB(all.bytes)}, ${all.packages} packages ` +
      `(npm pack ${packSeconds.toFixed(1)} s, npm install -g ${installSeconds.toFixed(1)} s)`,
  );
}, SETUP_TIMEOUT);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true, maxRetries: 3 });
});

/** Runs the installed `lifeboat` as a user would: from another folder, with a home of its own. */
async function lifeboat(args: readonly string[]): Promise<Run> {
  const home = await mkdtemp(join(work, 'home-'));
  const cwd = await mkdtemp(join(work, 'cwd-'));
  const env = {
    ...cleanEnv(),
    HOME: home,
    USERPROFILE: home,
    APPDATA: join(home, 'AppData', 'Roaming'),
    LOCALAPPDATA: join(home, 'AppData', 'Local'),
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  return run(lifeboatBin, args, { cwd, env, timeout: 60_000 });
}

describe('the CLI as an npm package (npm pack, npm install -g)', { timeout: TEST_TIMEOUT }, () => {
  it('ships the built CLI and no sources, tests or renderer', () => {
    const paths = [...entries.keys()];
    expect(paths).toContain('bin/lifeboat.js');
    expect(paths).toContain('out/main/cli.js');
    expect(paths).toContain('package.json');
    expect(paths.filter((p) => /\.(ts|tsx|mts|cts)$/.test(p))).toEqual([]);
    expect(paths.filter((p) => /^(electron|shared|renderer|test|resources)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.startsWith('out/') && !p.startsWith('out/main/'))).toEqual([]);
    // Nothing else: the command, the main bundle's files, and what npm always adds.
    const unexpected = paths.filter(
      (p) =>
        !/^(package\.json|README\.md|LICEN[CS]E(\.\w+)?)$/i.test(p) &&
        p !== 'bin/lifeboat.js' &&
        !/^out\/main\/[\w/.-]+\.js$/.test(p),
    );
    expect(unexpected).toEqual([]);
  });

  it('`lifeboat --version` prints the package version', async () => {
    const r = await lifeboat(['--version']);
    expect(r.code, show(r)).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('`lifeboat --demo sites --json` lists the demo sites', async () => {
    const r = await lifeboat(['--demo', 'sites', '--json']);
    expect(r.code, show(r)).toBe(0);
    const sites = JSON.parse(r.stdout) as { name: string; accounts: string[] }[];
    const seed = demoSeed();
    expect(sites.map((s) => s.name).sort()).toEqual(seed.sites.map((s) => s.name).sort());
    expect(new Set(sites.flatMap((s) => s.accounts))).toEqual(new Set(seed.users.map((u) => u.email)));
  });

  it('every file the CLI loads is in the package, and every package it imports is a dependency, installed', async () => {
    const { files, packages, broken } = await reachedFromCli();
    // Relative imports (the chunks, the extraction worker loaded on demand) all point at shipped files.
    expect(broken).toEqual([]);
    const shippedUnused = [...entries.keys()].filter((p) => p.startsWith('out/') && !files.has(p));
    console.log(
      `the CLI loads ${files.size} of the shipped out/main files; not by it: ${shippedUnused.join(', ')}`,
    );
    // A devDependency is not installed with the package: whatever the CLI imports must be a runtime dependency,
    // and a runtime dependency it never imports is a download for nothing (bundle it instead).
    const imported = Object.fromEntries(packages);
    expect(
      Object.keys(imported).filter((name) => !pkg.dependencies?.[name]),
      `imported but not in dependencies: ${JSON.stringify(imported)}`,
    ).toEqual([]);
    expect(Object.keys(pkg.dependencies ?? {}).sort()).toEqual(Object.keys(imported).sort());
    // And each one loads from where the installed CLI runs (keytar's addon built, @node-rs/crc32's binary there).
    const load = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        'for (const name of JSON.parse(process.argv[1])) await import(name);',
        JSON.stringify(Object.keys(imported)),
      ],
      { cwd: join(installed, 'out', 'main'), encoding: 'utf8', env: cleanEnv() },
    );
    expect(load.status, load.stderr).toBe(0);
  });

  it('an installed lifeboat without its build says it is incomplete', async () => {
    // The package as installed, less out/: what a broken or half-copied installation looks like.
    const broken = await mkdtemp(join(work, 'broken-'));
    await mkdir(join(broken, 'bin'));
    await copyFile(join(installed, 'bin', 'lifeboat.js'), join(broken, 'bin', 'lifeboat.js'));
    await copyFile(join(installed, 'package.json'), join(broken, 'package.json'));
    const r = await run(process.execPath, [join(broken, 'bin', 'lifeboat.js'), '--version'], {
      cwd: work,
      env: cleanEnv(),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('this installation is incomplete');
    expect(r.stderr).toContain(join(broken, 'out', 'main', 'cli.js'));
    expect(r.stderr).not.toMatch(/tsx|npm ci|checkout/);
  });
});
