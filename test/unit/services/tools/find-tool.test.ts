// Where git and the MySQL/MariaDB client are found (issue 12 §3): per system, with that system's path rules
// (path.win32 / path.posix) over a file system given as a map, since macOS and Windows do not run here; and on this
// computer's real files, with real programs run for their version.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix, win32, type PlatformPath } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compareVersions,
  findTool,
  type FindToolOptions,
  type ToolName,
} from '../../../../electron/services/tools/find-tool';
import { configureTools, knownTool, locateTool, resetTools } from '../../../../electron/services/tools/tools';

/** Owner and mode bits of a file or folder (POSIX); what is not listed is root's, mode 0755. */
interface Owned {
  readonly uid: number;
  readonly mode: number;
}
const ROOT_OWNED: Owned = { uid: 0, mode: 0o755 };
/** The user the lookup runs as in these tests, and another local user. */
const ME = 501;
const OTHER = 502;

/**
 * A computer's files as a map: each program's path to what its `--version` prints, or an Error when it is there
 * but does not run (Apple's /usr/bin/git without the command line tools). Folders are the programs' parents.
 * `owners` gives a path's owner and mode (else root's, 0755); `links` a path's real path.
 */
function computer(
  platform: NodeJS.Platform,
  env: Record<string, string>,
  programs: Record<string, string | Error>,
  extra: {
    readonly notRunnable?: readonly string[];
    readonly owners?: Readonly<Record<string, Owned>>;
    readonly links?: Readonly<Record<string, string>>;
  } = {},
) {
  const p: PlatformPath = platform === 'win32' ? win32 : posix;
  const fold = (s: string): string => (platform === 'win32' ? s.toLowerCase() : s);
  const files = new Map(Object.entries(programs).map(([k, v]) => [fold(k), v]));
  const all = [...Object.keys(programs), ...(extra.notRunnable ?? [])];
  const folders = new Map<string, Set<string>>();
  for (const file of all) {
    for (let at = file; p.dirname(at) !== at; at = p.dirname(at)) {
      const parent = fold(p.dirname(at));
      if (!folders.has(parent)) folders.set(parent, new Set());
      folders.get(parent)!.add(p.basename(at));
    }
  }
  const ran: string[] = [];
  const options = (tool: ToolName, more: Partial<FindToolOptions> = {}) =>
    findTool(tool, {
      platform,
      env,
      path: p,
      probe: {
        kind: async (f) =>
          files.has(fold(f))
            ? 'program'
            : (extra.notRunnable ?? []).some((n) => fold(n) === fold(f))
              ? 'not-runnable'
              : folders.has(fold(f))
                ? 'folder'
                : 'missing',
        list: async (dir) => [...(folders.get(fold(dir)) ?? [])],
        owner: async (f) => {
          if (platform === 'win32') throw new Error('Windows has no owner and mode bits to ask for');
          return extra.owners?.[f] ?? ROOT_OWNED;
        },
        realPath: async (f) => extra.links?.[f] ?? f,
      },
      uid: ME,
      version: async (f) => {
        ran.push(f);
        const v = files.get(fold(f));
        if (v === undefined) throw new Error('ENOENT');
        if (v instanceof Error) throw v;
        return v;
      },
      ...more,
    });
  return { find: options, ran };
}

/** A lookup's error (the test fails when it found something instead). */
type Failure = Error & { readonly code?: string; readonly detail?: string };
const refused = (found: unknown): Failure => {
  throw new Error(`expected no tool, found ${JSON.stringify(found)}`);
};
const failed = (e: unknown): Failure => e as Failure;

/** What a Mac app started from the Dock gets as PATH: no Homebrew. */
const DOCK_PATH = '/usr/bin:/bin:/usr/sbin:/sbin';
const NO_CLT = new Error(
  'exit code 1: xcode-select: note: No developer tools were found, requesting install.',
);

describe('macOS', () => {
  it('finds Homebrew’s git on an arm64 Mac though it is not on PATH, past the /usr/bin/git that only asks to install', async () => {
    const mac = computer(
      'darwin',
      { PATH: DOCK_PATH, HOME: '/Users/dana' },
      { '/usr/bin/git': NO_CLT, '/opt/homebrew/bin/git': 'git version 2.47.1' },
    );
    expect(await mac.find('git')).toEqual({
      tool: 'git',
      path: '/opt/homebrew/bin/git',
      version: 'git version 2.47.1',
      via: 'usual-place',
    });
    // The shim on PATH was tried first and passed over because it does not run.
    expect(mac.ran).toEqual(['/usr/bin/git', '/opt/homebrew/bin/git']);
  });

  it('takes the newest of DBngin’s MySQL versions, by number (8.0.33 before 8.0.9)', async () => {
    const mac = computer(
      'darwin',
      { PATH: DOCK_PATH },
      {
        '/Users/Shared/DBngin/mysql/5.7.23/bin/mysql': 'mysql  Ver 14.14 Distrib 5.7.23',
        '/Users/Shared/DBngin/mysql/8.0.9/bin/mysql': 'mysql  Ver 8.0.9',
        '/Users/Shared/DBngin/mysql/8.0.33/bin/mysql': 'mysql  Ver 8.0.33 for macos13 on arm64',
      },
    );
    expect(await mac.find('mysql-client')).toMatchObject({
      path: '/Users/Shared/DBngin/mysql/8.0.33/bin/mysql',
      version: 'mysql  Ver 8.0.33 for macos13 on arm64',
      via: 'usual-place',
    });
  });

  it('finds MAMP’s client, the newest of its mysql57/mysql80 folders, and the one of older MAMPs in bin', async () => {
    const mamp = computer(
      'darwin',
      { PATH: DOCK_PATH },
      {
        '/Applications/MAMP/Library/bin/mysql57/bin/mysql': 'mysql  Ver 14.14 Distrib 5.7.39',
        '/Applications/MAMP/Library/bin/mysql80/bin/mysql': 'mysql  Ver 8.0.35',
      },
    );
    expect((await mamp.find('mysql-client')).path).toBe('/Applications/MAMP/Library/bin/mysql80/bin/mysql');
    const old = computer(
      'darwin',
      { PATH: DOCK_PATH },
      { '/Applications/MAMP/Library/bin/mysql': 'mysql  Ver 14.14 Distrib 5.7.26' },
    );
    expect((await old.find('mysql-client')).path).toBe('/Applications/MAMP/Library/bin/mysql');
  });

  it('prefers Homebrew’s keg-only mysql-client to DBngin, and mariadb to mysql in the same folder', async () => {
    const mac = computer(
      'darwin',
      { PATH: DOCK_PATH },
      {
        '/opt/homebrew/opt/mysql-client/bin/mysql': 'mysql  Ver 9.1.0',
        '/Users/Shared/DBngin/mysql/8.0.33/bin/mysql': 'mysql  Ver 8.0.33',
      },
    );
    expect((await mac.find('mysql-client')).path).toBe('/opt/homebrew/opt/mysql-client/bin/mysql');
    const both = computer(
      'darwin',
      { PATH: `/opt/homebrew/bin:${DOCK_PATH}` },
      { '/opt/homebrew/bin/mysql': 'mysql  Ver 9.1.0', '/opt/homebrew/bin/mariadb': 'mariadb from 11.6.2' },
    );
    expect(await both.find('mysql-client')).toMatchObject({ path: '/opt/homebrew/bin/mariadb', via: 'path' });
  });

  it('without git anywhere: missing-tool naming git, where it looked, xcode-select and brew, and how to set it', async () => {
    const mac = computer('darwin', { PATH: DOCK_PATH }, { '/usr/bin/git': NO_CLT });
    const e = await mac.find('git').then(refused, failed);
    expect(e).toMatchObject({ code: 'missing-tool' });
    const message = (e as Error).message;
    expect(message).toMatch(/^git was not found: it is needed to restore code\./);
    expect(message).toContain('Homebrew (/opt/homebrew/bin, /usr/local/bin)');
    expect(message).toContain('/usr/bin/git is there but does not run: exit code 1: xcode-select');
    expect(message).toContain('`xcode-select --install`');
    expect(message).toContain('`brew install git`');
    expect(message).toContain('Settings → Tools (for the lifeboat command: --git PATH)');
    const client = await computer('darwin', { PATH: DOCK_PATH }, {})
      .find('mysql-client')
      .then(refused, failed);
    expect(client).toMatchObject({ code: 'missing-tool' });
    expect(client.message).toMatch(
      /^The MySQL\/MariaDB command-line client \(mariadb or mysql\) was not found/,
    );
    expect(client.message).toContain('DBngin and MAMP');
    expect(client.message).toContain('`brew install mysql-client`');
    expect(client.message).toContain('--mysql-client PATH');
  });
});

describe('Windows', () => {
  const env = {
    Path: 'C:\\Windows\\system32;C:\\Windows;D:\\tools',
    PATHEXT: '.COM;.EXE;.BAT;.CMD;.VBS;.JS',
    ProgramFiles: 'C:\\Program Files',
    'ProgramFiles(x86)': 'C:\\Program Files (x86)',
    LOCALAPPDATA: 'C:\\Users\\Dana Ö\\AppData\\Local',
  };

  it('finds Git for Windows under ProgramFiles, passing over a git.cmd on PATH that needs a shell', async () => {
    const win = computer('win32', env, {
      'D:\\tools\\git.cmd': 'git version 2.0.0 (a batch file)',
      'C:\\Program Files\\Git\\cmd\\git.exe': 'git version 2.47.1.windows.1',
    });
    expect(await win.find('git')).toEqual({
      tool: 'git',
      path: 'C:\\Program Files\\Git\\cmd\\git.exe',
      version: 'git version 2.47.1.windows.1',
      via: 'usual-place',
    });
    expect(win.ran).toEqual(['C:\\Program Files\\Git\\cmd\\git.exe']);
  });

  it('on PATH, tries each PATHEXT extension in order (git.com before git.exe), with names in any case', async () => {
    const win = computer(
      'win32',
      { ...env, Path: `${env.Path};"C:\\Program Files\\Git\\cmd"` },
      { 'c:\\program files\\git\\cmd\\GIT.EXE': 'git version 2.47.1.windows.1' },
    );
    expect(await win.find('git')).toMatchObject({
      path: 'C:\\Program Files\\Git\\cmd\\git.exe',
      via: 'path',
    });
    const com = computer('win32', env, {
      'D:\\tools\\git.exe': 'git version (exe)',
      'D:\\tools\\git.com': 'git version (com)',
    });
    expect((await com.find('git')).version).toBe('git version (com)');
  });

  it('finds a per-user Git for Windows under LOCALAPPDATA (a name with a space and Ö)', async () => {
    const win = computer('win32', env, {
      'C:\\Users\\Dana Ö\\AppData\\Local\\Programs\\Git\\cmd\\git.exe': 'git version 2.47.1.windows.1',
    });
    expect((await win.find('git')).path).toBe(
      'C:\\Users\\Dana Ö\\AppData\\Local\\Programs\\Git\\cmd\\git.exe',
    );
  });

  it('finds the newest MariaDB (its mariadb.exe) before MySQL Server, and the newest MySQL Server alone', async () => {
    const win = computer('win32', env, {
      'C:\\Program Files\\MariaDB 10.6\\bin\\mariadb.exe': 'mariadb  Ver 15.1 Distrib 10.6.20-MariaDB',
      'C:\\Program Files\\MariaDB 11.4\\bin\\mysql.exe': 'mysql from 11.4.4-MariaDB',
      'C:\\Program Files\\MariaDB 11.4\\bin\\mariadb.exe': 'mariadb from 11.4.4-MariaDB',
      'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe': 'mysql  Ver 8.4.3 for Win64',
    });
    expect((await win.find('mysql-client')).path).toBe('C:\\Program Files\\MariaDB 11.4\\bin\\mariadb.exe');
    const mysql = computer('win32', env, {
      'C:\\Program Files\\MySQL\\MySQL Server 8.0\\bin\\mysql.exe': 'mysql  Ver 8.0.40 for Win64',
      'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe': 'mysql  Ver 8.4.3 for Win64',
    });
    expect(await mysql.find('mysql-client')).toMatchObject({
      path: 'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe',
      version: 'mysql  Ver 8.4.3 for Win64',
    });
  });

  it('without either: missing-tool with the Windows installers to get', async () => {
    const win = computer('win32', env, {});
    const git = await win.find('git').then(refused, failed);
    expect(git).toMatchObject({ code: 'missing-tool' });
    expect(git.message).toContain('Install Git for Windows (https://git-scm.com/download/win)');
    expect(git.message).toContain('where Git for Windows installs');
    const client = await win.find('mysql-client').then(refused, failed);
    expect(client.message).toContain('MariaDB installer');
    expect(client.message).toContain('MySQL Installer');
  });
});

describe('Linux', () => {
  it('looks in /usr/bin and /usr/local/bin when PATH lacks them, and never in a relative PATH folder', async () => {
    const linux = computer(
      'linux',
      { PATH: '.:bin:/home/dana/.local/bin' },
      {
        // In the current folder (a restored site's, say): `.` and `bin` on PATH would run these.
        git: 'git version 6.6.6 (the site’s own)',
        'bin/git': 'git version 6.6.6 (the site’s own)',
        '/usr/local/bin/git': 'git version 2.45.2',
      },
    );
    expect(await linux.find('git')).toMatchObject({ path: '/usr/local/bin/git', via: 'usual-place' });
    expect(linux.ran).toEqual(['/usr/local/bin/git']);
  });

  it('without either: missing-tool with apt install git / apt install mariadb-client', async () => {
    const linux = computer('linux', { PATH: '/usr/bin:/bin' }, {});
    const git = await linux.find('git').then(refused, failed);
    expect(git).toMatchObject({ code: 'missing-tool' });
    expect(git.message).toContain('`sudo apt install git`');
    expect(git.message).toContain('on PATH, in /usr/bin and /usr/local/bin');
    expect(git.detail).toBe('Looked in: /usr/bin, /bin, /usr/local/bin');
    const client = await linux.find('mysql-client').then(refused, failed);
    expect(client.message).toContain('`sudo apt install mariadb-client`');
    // Only PATH (what tests ask for with LIFEBOAT_TOOL_SEARCH=path): the message says so.
    const onlyPath = await linux.find('git', { onlyPath: true }).then(refused, failed);
    expect(onlyPath.message).toContain('Lifeboat looked on PATH.');
  });
});

describe('a path set by hand', () => {
  const files = { '/usr/bin/git': 'git version 2.39.5', '/opt/git/bin/git': 'git version 2.47.1' };

  it('is used as it is, and one that points to nothing is an error naming the setting, never a fallback', async () => {
    const linux = computer('linux', { PATH: '/usr/bin' }, files);
    expect(
      await linux.find('git', { setting: { path: '/opt/git/bin/git', name: 'Settings → Tools' } }),
    ).toMatchObject({ path: '/opt/git/bin/git', version: 'git version 2.47.1', via: 'setting' });
    const e = await linux
      .find('git', { setting: { path: '/opt/gti/bin/git', name: '--git' } })
      .then(refused, failed);
    expect(e).toMatchObject({ code: 'missing-tool' });
    expect(e.message).toMatch(
      /^--git says git is at \/opt\/gti\/bin\/git, but nothing is there\. Correct that path/,
    );
    // The git on PATH was never even run.
    expect(linux.ran).toEqual(['/opt/git/bin/git']);
  });

  it('says why a path set does not run: not a full path, not runnable, a folder without it, failing --version', async () => {
    const linux = computer(
      'linux',
      { PATH: '/usr/bin' },
      { ...files, '/opt/broken/git': new Error('exit code 127: cannot execute binary file') },
      { notRunnable: ['/home/dana/git.txt'] },
    );
    const why = async (path: string, tool: ToolName = 'git') =>
      (await linux.find(tool, { setting: { path, name: 'Settings → Tools' } }).then(refused, failed)).message;
    expect(await why('bin/git')).toContain('at bin/git, but that is not a full path');
    expect(await why('/home/dana/git.txt')).toContain('but that is not a program this user can run');
    expect(await why('/home/dana', 'mysql-client')).toContain(
      'Settings → Tools says the database client is at /home/dana, but that folder has no mariadb or mysql in it',
    );
    expect(await why('/opt/broken/git')).toContain(
      'but it does not run (exit code 127: cannot execute binary file)',
    );
    // A folder with the program in it is taken as its folder.
    expect(
      await linux.find('git', { setting: { path: '/opt/git/bin', name: 'Settings → Tools' } }),
    ).toMatchObject({
      path: '/opt/git/bin/git',
      via: 'setting',
    });
  });
});

describe('what a program’s --version says it is', () => {
  it('a path set to another program is refused, naming the setting and quoting its --version', async () => {
    const linux = computer(
      'linux',
      { PATH: '/usr/bin' },
      {
        '/usr/bin/git': 'git version 2.39.5',
        '/usr/bin/mariadb': 'mariadb  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)',
      },
    );
    const client = await linux
      .find('mysql-client', { setting: { path: '/usr/bin/git', name: '--mysql-client' } })
      .then(refused, failed);
    expect(client).toMatchObject({ code: 'missing-tool' });
    expect(client.message).toMatch(
      /^--mysql-client says the database client is at \/usr\/bin\/git, but that is not a MySQL or MariaDB client \(its --version said: git version 2\.39\.5\)\. Correct that path/,
    );
    const git = await linux
      .find('git', { setting: { path: '/usr/bin/mariadb', name: 'Settings → Tools' } })
      .then(refused, failed);
    expect(git.message).toContain(
      'Settings → Tools says git is at /usr/bin/mariadb, but that is not git (its --version said: mariadb  Ver 15.1',
    );
  });

  it('takes what real clients print, MySQL’s on Windows with its full path first', async () => {
    for (const said of [
      'mysql  Ver 8.0.40 for Linux on x86_64 (MySQL Community Server - GPL)',
      'mysql  Ver 15.1 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64) using  EditLine wrapper',
      'mariadb from 11.4.4-MariaDB, client 15.2 for osx10.20 (arm64) using  EditLine wrapper',
    ]) {
      const found = await computer('linux', { PATH: '/usr/bin' }, { '/usr/bin/mysql': said }).find(
        'mysql-client',
      );
      expect(found).toMatchObject({ path: '/usr/bin/mysql', version: said });
    }
    const win = computer(
      'win32',
      { Path: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' },
      {
        'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe':
          'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe  Ver 8.4.3 for Win64 on x86_64 (MySQL Community Server - GPL)',
      },
    );
    expect((await win.find('mysql-client')).path).toBe(
      'C:\\Program Files\\MySQL\\MySQL Server 8.4\\bin\\mysql.exe',
    );
  });

  it('passes over a program of that name that is something else, and names it if nothing else is found', async () => {
    const linux = computer(
      'linux',
      { PATH: '/home/dana/bin:/usr/bin' },
      {
        '/home/dana/bin/mysql': 'No version is set for command mysql',
        '/home/dana/bin/git': 'hub version 2.14.2',
        '/usr/local/bin/git': 'git version 2.45.2',
      },
    );
    expect(await linux.find('git')).toMatchObject({ path: '/usr/local/bin/git', via: 'usual-place' });
    const e = await linux.find('mysql-client').then(refused, failed);
    expect(e.message).toContain(
      '(/home/dana/bin/mysql is there but is not a MySQL or MariaDB client (its --version said: No version is set for command mysql))',
    );
  });
});

describe('a bare program name set as the path', () => {
  it('is refused with an example of a full path, and nothing in the current folder runs', async () => {
    const linux = computer('linux', { PATH: '/usr/bin' }, { git: 'git version 6.6.6 (the site’s own)' });
    const e = await linux.find('git', { setting: { path: 'git', name: '--git' } }).then(refused, failed);
    expect(e).toMatchObject({ code: 'missing-tool' });
    expect(e.message).toBe(
      '--git says git is "git", a name, not a path: give the full path to git (for example /usr/bin/git).',
    );
    expect(linux.ran).toEqual([]);
    const mac = computer('darwin', { PATH: DOCK_PATH }, {});
    expect(
      (
        await mac
          .find('mysql-client', { setting: { path: 'mysql', name: '--mysql-client' } })
          .then(refused, failed)
      ).message,
    ).toContain(
      'give the full path to the database client (for example /opt/homebrew/opt/mysql-client/bin/mysql)',
    );
    const win = computer('win32', { Path: 'C:\\Windows' }, {});
    expect(
      (await win.find('git', { setting: { path: 'git.exe', name: 'LIFEBOAT_GIT' } }).then(refused, failed))
        .message,
    ).toContain('(for example C:\\Program Files\\Git\\cmd\\git.exe)');
    // Relative to the current drive: a path, but not a full one.
    expect(
      (await win.find('git', { setting: { path: 'C:git.exe', name: '--git' } }).then(refused, failed))
        .message,
    ).toContain('at C:git.exe, but that is not a full path');
  });
});

describe('usual places another user can change (macOS, Linux)', () => {
  /** /Users/Shared on every Mac: world-writable with the sticky bit, root's. */
  const SHARED = { '/Users/Shared': { uid: 0, mode: 0o1777 } };
  const PLANTED = '/Users/Shared/DBngin/mysql/99.0/bin/mysql';

  it('never runs a client another user put in /Users/Shared/DBngin, and says it skipped it', async () => {
    const mac = computer(
      'darwin',
      { PATH: DOCK_PATH },
      { [PLANTED]: 'mysql  Ver 99.0 (planted)' },
      { owners: { ...SHARED, '/Users/Shared/DBngin': { uid: OTHER, mode: 0o755 } } },
    );
    const e = await mac.find('mysql-client').then(refused, failed);
    expect(e).toMatchObject({ code: 'missing-tool' });
    expect(e.message).toContain(`(skipped ${PLANTED}: another user can change it)`);
    expect(mac.ran).toEqual([]);
  });

  it('takes DBngin’s client when this user installed it: a sticky /Users/Shared above is fine', async () => {
    const mac = computer(
      'darwin',
      { PATH: DOCK_PATH },
      { '/Users/Shared/DBngin/mysql/8.0.33/bin/mysql': 'mysql  Ver 8.0.33 for macos13 on arm64' },
      { owners: { ...SHARED, '/Users/Shared/DBngin': { uid: ME, mode: 0o755 } } },
    );
    expect(await mac.find('mysql-client')).toMatchObject({
      path: '/Users/Shared/DBngin/mysql/8.0.33/bin/mysql',
      via: 'usual-place',
    });
  });

  it('skips a program in a sticky world-writable folder itself, a group-writable one, or one linking into another user’s folder', async () => {
    const cases: Readonly<Record<string, Owned>>[] = [
      // Sticky, but the program's own folder: anyone may have put it there.
      { '/usr/local/bin': { uid: 0, mode: 0o1777 } },
      { '/usr/local/bin/git': { uid: 0, mode: 0o775 }, '/usr/local/bin': { uid: 0, mode: 0o775 } },
      { '/usr/local/bin/git': { uid: ME, mode: 0o757 } },
      // Below the sticky folder, owned by another user.
      { '/usr': { uid: 0, mode: 0o1777 }, '/usr/local': { uid: OTHER, mode: 0o755 } },
    ];
    for (const owners of cases) {
      const linux = computer(
        'linux',
        { PATH: '/bin' },
        { '/usr/local/bin/git': 'git version 2.45.2' },
        { owners },
      );
      const e = await linux.find('git').then(refused, failed);
      expect(e.message).toContain('(skipped /usr/local/bin/git: another user can change it)');
      expect(linux.ran).toEqual([]);
    }
    const linked = computer(
      'darwin',
      { PATH: DOCK_PATH },
      { '/usr/local/bin/mysql': 'mysql  Ver 9.1.0' },
      {
        links: { '/usr/local/bin/mysql': '/Users/Shared/x/mysql' },
        owners: { ...SHARED, '/Users/Shared/x': { uid: OTHER, mode: 0o755 } },
      },
    );
    expect((await linked.find('mysql-client').then(refused, failed)).message).toContain(
      'skipped /usr/local/bin/mysql: another user can change it',
    );
  });

  it('does not judge PATH, which the person chose, nor a path set by hand', async () => {
    const owners = { '/home/shared/bin': { uid: OTHER, mode: 0o777 } };
    const linux = computer(
      'linux',
      { PATH: '/home/shared/bin' },
      { '/home/shared/bin/git': 'git version 2.1' },
      { owners },
    );
    expect(await linux.find('git')).toMatchObject({ path: '/home/shared/bin/git', via: 'path' });
    expect(
      await linux.find('git', { setting: { path: '/home/shared/bin/git', name: '--git' } }),
    ).toMatchObject({ via: 'setting' });
  });

  it('is not asked on Windows, which has no owner and mode bits (its ACLs decide)', async () => {
    // The probe of this computer() throws if asked for an owner on Windows.
    const win = computer(
      'win32',
      { Path: 'C:\\Windows', ProgramFiles: 'C:\\Program Files' },
      { 'C:\\Program Files\\Git\\cmd\\git.exe': 'git version 2.47.1.windows.1' },
    );
    expect((await win.find('git')).via).toBe('usual-place');
  });
});

it('compares versions by their numbers', () => {
  expect(['8.0.9', '10.11', '8.0.33', '5.7', '8.4'].sort((a, b) => compareVersions(b, a))).toEqual([
    '10.11',
    '8.4',
    '8.0.33',
    '8.0.9',
    '5.7',
  ]);
});

describe.skipIf(process.platform === 'win32')('on this computer’s files (shell scripts as programs)', () => {
  let dir: string;
  const savedPath = process.env.PATH;
  const script = async (path: string, version: string, mode = 0o755): Promise<string> => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, `#!/bin/sh\necho "${version}"\n`);
    await chmod(path, mode);
    return path;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-tools-'));
  });
  afterAll(async () => {
    process.env.PATH = savedPath;
    resetTools();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs what it finds for its version, and passes over a file it may not execute', async () => {
    await script(join(dir, 'a', 'mariadb'), 'not executable', 0o644);
    await script(join(dir, 'a', 'mysql'), 'mysql  Ver 8.0.40 (a script)');
    expect(await findTool('mysql-client', { env: { PATH: join(dir, 'a') }, onlyPath: true })).toEqual({
      tool: 'mysql-client',
      path: join(dir, 'a', 'mysql'),
      version: 'mysql  Ver 8.0.40 (a script)',
      via: 'path',
    });
  });

  it('the engine’s lookup: once per process, again after a settings change or a new PATH', async () => {
    const first = await script(join(dir, 'one', 'git'), 'git version 1.0.0');
    const second = await script(join(dir, 'two', 'git'), 'git version 2.0.0');
    let saved: string | null = null;
    configureTools({ saved: async () => ({ git: saved, mysqlClient: null }), given: {} });
    process.env.PATH = join(dir, 'one');
    expect(await locateTool('git')).toMatchObject({ path: first, version: 'git version 1.0.0', via: 'path' });
    expect(knownTool('git')).toBe(first);
    // A setting saved meanwhile is read once the lookup is reset (Settings' save does that).
    saved = second;
    expect((await locateTool('git')).path).toBe(first);
    resetTools();
    expect(await locateTool('git')).toMatchObject({ path: second, via: 'setting' });
    // A path given to the process (the CLI's --git) beats the saved one.
    configureTools({ given: { git: { path: first, name: '--git' } } });
    expect(await locateTool('git')).toMatchObject({ path: first, via: 'setting' });
    // Nothing set: PATH, looked at again when it changes.
    saved = null;
    configureTools({ given: {} });
    process.env.PATH = join(dir, 'two');
    expect((await locateTool('git')).path).toBe(second);
  });
});
