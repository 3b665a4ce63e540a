// How a configured editor or terminal command is read (without a shell) and how programs are found on PATH.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCommandLine, findProgram, splitCommandLine } from '../../../../electron/services/copies/open';
import { itUnless, onWindows } from '../../../helpers/platform';

describe('splitCommandLine', () => {
  it('splits on whitespace and keeps quoted words whole, expanding nothing', () => {
    expect(splitCommandLine('code  --new-window\t{path}', 'linux')).toEqual([
      'code',
      '--new-window',
      '{path}',
    ]);
    expect(splitCommandLine(`"/opt/My Editor/bin/ed" --title 'a "b" c' x"y z"w`, 'linux')).toEqual([
      '/opt/My Editor/bin/ed',
      '--title',
      'a "b" c',
      'xy zw',
    ]);
    // No shell: operators, variables and globs are plain characters of a word.
    expect(splitCommandLine('ed $HOME *.php ; rm -rf / | cat', 'linux')).toEqual([
      'ed',
      '$HOME',
      '*.php',
      ';',
      'rm',
      '-rf',
      '/',
      '|',
      'cat',
    ]);
    expect(splitCommandLine(`ed "" ''`, 'linux')).toEqual(['ed', '', '']);
  });

  it('reads backslashes as escapes on POSIX and as path separators on Windows', () => {
    expect(splitCommandLine('ed a\\ b "c\\"d" \'e\\f\'', 'linux')).toEqual(['ed', 'a b', 'c"d', 'e\\f']);
    expect(
      splitCommandLine('"C:\\Program Files\\Microsoft VS Code\\Code.exe" --goto C:\\x\\y', 'win32'),
    ).toEqual(['C:\\Program Files\\Microsoft VS Code\\Code.exe', '--goto', 'C:\\x\\y']);
  });

  it('refuses an unclosed quote, and checkCommandLine names the setting', () => {
    expect(() => splitCommandLine('code "my folder', 'linux')).toThrow('never closed');
    expect(() => checkCommandLine("subl 'x", 'Editor command', 'linux')).toThrow(
      /^The Editor command cannot be read: it has a ' that is never closed\.$/,
    );
    expect(() => checkCommandLine('"" --x', 'Terminal command', 'linux')).toThrow(
      'The Terminal command names no program.',
    );
    expect(() => checkCommandLine('   ', 'Terminal command', 'linux')).toThrow('names no program');
  });
});

describe('findProgram', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lifeboat-open-unit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  // Windows has no execute bit (access X_OK only asks whether the file is there), and its PATH holds drive letters.
  itUnless(onWindows ? 'Windows has no execute bit to tell a program from a plain file' : null)(
    'finds an executable on PATH, skips what cannot run, and takes absolute or ~/ paths as they are',
    async () => {
      const a = join(dir, 'a');
      const b = join(dir, 'b');
      await mkdir(a);
      await mkdir(b);
      await writeFile(join(a, 'zed'), 'not executable');
      await writeFile(join(b, 'zed'), '#!/bin/sh\n');
      await chmod(join(b, 'zed'), 0o755);
      await mkdir(join(a, 'code')); // a folder named like the program is not it
      const env = { PATH: ['relative/bin', a, b].join(':'), HOME: dir };
      expect(await findProgram('zed', env, 'linux')).toBe(join(b, 'zed'));
      expect(await findProgram('code', env, 'linux')).toBeNull();
      expect(await findProgram(join(b, 'zed'), env, 'linux')).toBe(join(b, 'zed'));
      expect(await findProgram('~/b/zed', env, 'linux')).toBe(join(b, 'zed'));
      // A relative path would mean a different program from each folder Lifeboat runs in.
      expect(await findProgram('b/zed', env, 'linux')).toBeNull();
    },
  );

  it('on Windows, tries PATHEXT extensions along a ;-separated Path', async () => {
    await writeFile(join(dir, 'code.cmd'), '@echo off\r\n');
    // Lower case here: this runs on a case-sensitive disk, where Windows' own would match either.
    const env = { Path: `C:\\nowhere;${dir}`, PATHEXT: '.exe;.cmd' };
    expect(await findProgram('code', env, 'win32')).toBe(join(dir, 'code.cmd'));
  });
});
