// Database connections through a Windows named pipe (issue 12 §3): how a pipe is written and checked, the client
// options built for it (`--protocol=PIPE --host=. --socket=NAME`, checked against the real client here), a pipe
// refused with a message on a system that has none, and Settings and job plans that carry it, old files included.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { schemas, validate } from '../../../../shared/api/schemas';
import { namedPipeProblem, pipeName, pipePath } from '../../../../shared/named-pipe';
import {
  connectionArgs,
  connectionError,
  connectionName,
  parseDbUrl,
  serverOf,
  serverVersion,
} from '../../../../electron/services/database/mysql';
import { LifeboatError } from '../../../../electron/services/errors';
import { SqlSession } from '../../../../electron/services/local-site/sql';
import {
  journaledConnection,
  planSchemas,
  sameServer,
  serverName,
} from '../../../../electron/services/jobs/plans';
import { SettingsService } from '../../../../electron/services/settings/settings';
import { MemorySecrets } from '../../../helpers/memory-secrets';

describe('how a named pipe is written', () => {
  it('takes the full local path or the name alone, in any case', () => {
    for (const ok of ['\\\\.\\pipe\\MySQL', 'MySQL', '\\\\.\\PIPE\\mysql80', 'MariaDB 11', 'my.pipe:1'])
      expect(namedPipeProblem(ok), ok).toBeNull();
    expect(pipeName('\\\\.\\pipe\\MySQL')).toBe('MySQL');
    expect(pipeName(' \\\\.\\PIPE\\MySQL ')).toBe('MySQL');
    expect(pipeName('MySQL')).toBe('MySQL');
    expect(pipePath('MySQL')).toBe('\\\\.\\pipe\\MySQL');
  });

  it('takes \\\\?\\pipe\\NAME and forward slashes (//./pipe/NAME), which Windows reads as \\\\.\\pipe\\NAME', () => {
    for (const ok of ['\\\\?\\pipe\\MySQL', '//./pipe/MySQL', '//?/PIPE/MySQL', '\\\\./pipe\\MySQL']) {
      expect(namedPipeProblem(ok), ok).toBeNull();
      expect(pipeName(ok), ok).toBe('MySQL');
      expect(pipePath(ok), ok).toBe('\\\\.\\pipe\\MySQL');
    }
    expect(connectionArgs({ user: 'root', pipe: '//./pipe/MySQL' }, 'win32')).toContain('--socket=MySQL');
  });

  it('refuses this computer named through the network, saying to write \\\\.\\pipe\\NAME instead', () => {
    for (const value of [
      '\\\\localhost\\pipe\\MySQL',
      '\\\\127.0.0.1\\pipe\\MySQL',
      '//LOCALHOST/pipe/MySQL',
    ]) {
      const why = namedPipeProblem(value);
      expect(why, value).toContain(`use \\\\.\\pipe\\MySQL (a pipe on this computer) instead of ${value}`);
      expect(why, value).not.toMatch(/another computer/);
    }
    expect(namedPipeProblem('//db-server/pipe/MySQL')).toMatch(/a pipe on another computer/);
  });

  it('refuses anything else, saying how to write one', () => {
    const cases: [string, RegExp][] = [
      ['', /cannot be empty/],
      ['\\\\.\\pipe\\', /names no pipe/],
      ['\\\\db-server\\pipe\\MySQL', /a pipe on another computer/],
      ['/run/mysqld/mysqld.sock', /is not a named pipe/],
      ['\\\\.\\pipe\\..', /names no pipe/],
      ['\\\\.\\pipe\\.', /names no pipe/],
      ['..', /names no pipe/],
      ['.', /names no pipe/],
      ['\\\\?\\pipe\\..', /names no pipe/],
      ['C:\\mysql\\pipe', /is not a named pipe/],
      ['\\\\.\\pipe\\a\\b', /is not a named pipe/],
      ['My\u0007SQL', /is not a named pipe/],
      ['x'.repeat(300), /longer than a named pipe can be/],
    ];
    for (const [value, why] of cases) {
      expect(namedPipeProblem(value), value).toMatch(why);
      if (value.trim() !== '' && !/longer/.test(why.source))
        expect(namedPipeProblem(value), value).toContain('\\\\.\\pipe\\NAME');
    }
  });
});

describe('the client options for a named pipe', () => {
  it('are --protocol=PIPE --host=. --socket=NAME on Windows, the name alone whatever was typed', () => {
    for (const pipe of ['\\\\.\\pipe\\MySQL', 'MySQL'])
      expect(connectionArgs({ user: 'root', pipe }, 'win32')).toEqual([
        '--protocol=PIPE',
        '--host=.',
        '--socket=MySQL',
      ]);
    // A pipe wins over a socket, host and port given with it.
    expect(
      connectionArgs({ user: 'root', pipe: 'MySQL', socket: '/x.sock', host: 'db', port: 3307 }, 'win32'),
    ).toEqual(['--protocol=PIPE', '--host=.', '--socket=MySQL']);
  });

  it('stay a socket or TCP without a pipe, on every system', () => {
    expect(connectionArgs({ user: 'root', socket: '/run/mysqld/mysqld.sock' }, 'linux')).toEqual([
      '--protocol=SOCKET',
      '--socket=/run/mysqld/mysqld.sock',
    ]);
    expect(connectionArgs({ user: 'root', host: 'localhost', port: 3307 }, 'win32')).toEqual([
      '--protocol=TCP',
      '--host=localhost',
      '--port=3307',
    ]);
  });

  it('are refused with a message on a system without named pipes, and for a pipe that is not one', () => {
    for (const platform of ['linux', 'darwin'] as const)
      expect(() => connectionArgs({ user: 'root', pipe: 'MySQL' }, platform)).toThrow(
        expect.objectContaining({
          code: 'invalid-request',
          message: expect.stringContaining('connects to a database server on Windows only'),
        }),
      );
    expect(() => connectionArgs({ user: 'root', pipe: '\\\\srv\\pipe\\MySQL' }, 'win32')).toThrow(
      /a pipe on another computer/,
    );
  });

  it.skipIf(process.platform === 'win32')(
    'refuse a pipe before any client is looked for, on a system without pipes (skipped on Windows, which has them)',
    async () => {
      await expect(
        serverVersion({ user: 'root', pipe: 'MySQL', client: '/nonexistent/mariadb' }),
      ).rejects.toMatchObject({
        code: 'invalid-request',
        message: expect.stringContaining('Windows only'),
      });
    },
  );

  it.skipIf(process.platform === 'win32')(
    'refuse a pipe before any client is looked for, with no client on this computer either (skipped on Windows)',
    async () => {
      // No client anywhere Lifeboat looks: the pipe must still be what the message is about, for every way in.
      const saved = { PATH: process.env.PATH, search: process.env.LIFEBOAT_TOOL_SEARCH };
      process.env.PATH = '';
      process.env.LIFEBOAT_TOOL_SEARCH = 'path';
      try {
        const conn = { user: 'root', pipe: 'MySQL' };
        for (const attempt of [() => serverVersion(conn), () => SqlSession.open(conn)])
          await expect(attempt()).rejects.toMatchObject({
            code: 'invalid-request',
            message: expect.stringContaining('Windows only'),
          });
      } finally {
        process.env.PATH = saved.PATH;
        if (saved.search === undefined) delete process.env.LIFEBOAT_TOOL_SEARCH;
        else process.env.LIFEBOAT_TOOL_SEARCH = saved.search;
      }
    },
  );

  const client = ['mariadb', 'mysql'].find((c) => spawnSync(c, ['--version']).status === 0);
  it.skipIf(!client)(
    'are options the real client takes: it tries the pipe (skipped without a mariadb or mysql client)',
    async () => {
      const args = [
        '--no-defaults',
        '--user=root',
        ...connectionArgs({ user: 'root', pipe: '\\\\.\\pipe\\LifeboatNoSuchPipe' }, 'win32'),
        '--batch',
        '-e',
        'SELECT 1',
      ];
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const p = spawn(client!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d: Buffer) => (err += d.toString()));
        p.on('close', (c) => resolve({ code: c, stderr: err }));
      });
      expect(code).not.toBe(0);
      expect(stderr).not.toMatch(/unknown (option|variable)|Unknown option to protocol/i);
      // Windows: it could not open the pipe (2016–2018); elsewhere: no pipes on this system (2047).
      expect(stderr).toMatch(process.platform === 'win32' ? /ERROR 201[678]/ : /ERROR 2047/);
    },
  );
});

describe('a named pipe in messages, URLs and plans', () => {
  it('is named by its full path', () => {
    expect(connectionName({ user: 'root', pipe: 'MySQL' })).toBe('root@\\\\.\\pipe\\MySQL');
    const failed = new LifeboatError(
      'database',
      'client failed',
      "ERROR 2017 (HY000): Can't open named pipe to host: .  pipe: MySQL (2)",
    );
    expect(connectionError({ user: 'root', pipe: 'MySQL' }, failed)).toMatchObject({
      code: 'database',
      message: expect.stringMatching(
        /No database server answers on the named pipe \\\\\.\\pipe\\MySQL\. .*named_pipe=ON/,
      ),
    });
  });

  it('comes from ?pipe= in a database URL, checked', () => {
    expect(parseDbUrl('mysql://root@localhost/acme?pipe=MySQL')).toEqual({
      connection: { user: 'root', pipe: 'MySQL' },
      database: 'acme',
    });
    expect(
      parseDbUrl(`mysql://root@localhost/?pipe=${encodeURIComponent('\\\\.\\pipe\\MySQL80')}`).connection,
    ).toEqual({
      user: 'root',
      pipe: '\\\\.\\pipe\\MySQL80',
    });
    expect(() => parseDbUrl('mysql://root@localhost/?pipe=/tmp/x.sock')).toThrow(/is not a named pipe/);
  });

  it('is what serverOf picks first, then the socket, then host and port', () => {
    expect(serverOf({ host: 'h', port: 1, socket: '/s', pipe: 'MySQL' })).toEqual({ pipe: 'MySQL' });
    expect(serverOf({ host: 'h', port: 1, socket: '/s', pipe: null })).toEqual({ socket: '/s' });
    expect(serverOf({ host: 'h', port: 1, socket: null })).toEqual({ host: 'h', port: 1 });
  });

  it('is kept in a job plan, so a retry imports through the same pipe', () => {
    const j = journaledConnection({ user: 'root', pipe: '\\\\.\\pipe\\MySQL', password: 'never kept' });
    expect(j).toEqual({ user: 'root', pipe: '\\\\.\\pipe\\MySQL' });
    expect(serverName(j)).toBe('root@\\\\.\\pipe\\MySQL');
    expect(sameServer(j, { user: 'root', pipe: 'mysql' })).toBe(true);
    expect(sameServer(j, { user: 'root', pipe: 'MariaDB' })).toBe(false);
    expect(sameServer(j, { user: 'root', host: '127.0.0.1', port: 3306 })).toBe(false);
    const connection = planSchemas.restore.shape.importDatabase.unwrap().shape.connection.unwrap();
    expect(connection.safeParse(j).success).toBe(true);
    expect(connection.safeParse({ user: 'root' }).success).toBe(false);
  });
});

describe('Settings with a named pipe', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-pipe-settings-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('loads a settings file saved before pipes existed, with no pipe', async () => {
    await writeFile(
      join(dir, 'settings.json'),
      JSON.stringify({ database: { host: '127.0.0.1', port: 3306, socket: null, user: 'root' } }),
    );
    const s = await new SettingsService(dir, new MemorySecrets()).get();
    expect(s.database).toEqual({
      host: '127.0.0.1',
      port: 3306,
      socket: null,
      pipe: null,
      user: 'root',
      hasPassword: false,
    });
  });

  it('saves and reads a pipe back', async () => {
    const settings = new SettingsService(dir, new MemorySecrets());
    const req = validate('settingsUpdate', {
      database: { host: '127.0.0.1', port: 3306, socket: null, pipe: ' \\\\.\\pipe\\MySQL ', user: 'root' },
    });
    if (!req.ok) throw new Error(req.message);
    await settings.update(req.value);
    expect((await settings.get()).database?.pipe).toBe('\\\\.\\pipe\\MySQL');
  });

  it('is checked by the requests that carry one, and optional in them', () => {
    const db = { host: '127.0.0.1', port: 3306, socket: null, user: 'root' };
    expect(validate('settingsUpdate', { database: { ...db, pipe: '\\\\srv\\pipe\\MySQL' } })).toEqual({
      ok: false,
      message: expect.stringMatching(/^database\.pipe: .*a pipe on another computer/),
    });
    expect(validate('databaseTest', { ...db, pipe: '/tmp/mysql.sock' })).toMatchObject({ ok: false });
    expect(validate('databaseTest', { ...db, pipe: '\\\\localhost\\pipe\\MySQL' })).toEqual({
      ok: false,
      message: expect.stringContaining('use \\\\.\\pipe\\MySQL (a pipe on this computer)'),
    });
    expect(validate('databaseTest', { ...db, pipe: '//./pipe/MySQL' })).toMatchObject({ ok: true });
    expect(validate('databaseTest', { ...db, pipe: 'MySQL' })).toMatchObject({ ok: true });
    expect(validate('databaseTest', { ...db, pipe: null })).toMatchObject({ ok: true });
    expect(schemas.databaseTest.safeParse(db).success).toBe(true);
  });
});
