// What of Lifeboat's environment the programs it runs get (issue 12 §3), with Windows' rule run here: Windows
// spells its variables as it likes (`Path`, `SystemRoot`, `windir`, `ComSpec`) and reads them whatever their case.
import { describe, expect, it } from 'vitest';
import { clientEnvironment } from '../../../../electron/services/database/mysql';
import { probeEnvironment } from '../../../../electron/services/tools/environment';

/** Lifeboat's environment on Windows, spelt as `process.env` there reports it, with its secrets. */
const WINDOWS_ENV = {
  Path: 'C:\\Windows\\system32;C:\\Program Files\\MariaDB 11.4\\bin',
  PATHEXT: '.COM;.EXE;.BAT;.CMD',
  SystemRoot: 'C:\\Windows',
  windir: 'C:\\Windows',
  ComSpec: 'C:\\Windows\\system32\\cmd.exe',
  TEMP: 'C:\\Users\\Dana\\AppData\\Local\\Temp',
  TMP: 'C:\\Users\\Dana\\AppData\\Local\\Temp',
  USERPROFILE: 'C:\\Users\\Dana',
  TERMINUS_MACHINE_TOKEN: 'tok-secret',
  Lifeboat_Db_Password: 'pw',
  MYSQL_PWD: 'pw2',
};
const SECRETS = /token|pwd|password|secret/i;

describe('the database client’s environment', () => {
  it('on Windows keeps SystemRoot, windir, Path, PATHEXT, TEMP, TMP, USERPROFILE as spelt, and no secret', () => {
    const env = clientEnvironment(WINDOWS_ENV, 'win32');
    for (const name of ['Path', 'PATHEXT', 'SystemRoot', 'windir', 'TEMP', 'TMP', 'USERPROFILE'])
      expect(env[name], name).toBe(WINDOWS_ENV[name as keyof typeof WINDOWS_ENV]);
    expect(Object.keys(env).filter((k) => SECRETS.test(k))).toEqual([]);
  });

  it('elsewhere names are exact: a lower-case `path` or `home` is not PATH or HOME', () => {
    expect(
      clientEnvironment(
        { PATH: '/usr/bin', path: '/tmp/evil', home: '/tmp', HOME: '/home/dana', MYSQL_PWD: 'pw' },
        'linux',
      ),
    ).toEqual({ PATH: '/usr/bin', HOME: '/home/dana' });
  });
});

it('the --version/--help probe gets the same Windows rule, and no secret', () => {
  const env = probeEnvironment(WINDOWS_ENV, 'win32');
  expect(env).toMatchObject({ Path: WINDOWS_ENV.Path, SystemRoot: 'C:\\Windows', windir: 'C:\\Windows' });
  expect(Object.keys(env).filter((k) => SECRETS.test(k))).toEqual([]);
});
