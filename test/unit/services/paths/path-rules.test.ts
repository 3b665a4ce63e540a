// The engine's path rules with each platform's path module (issue 12 §3): Windows' drive letters, UNC shares,
// `\\?\` prefixes, case and separators, run here through `path.win32`, beside POSIX's.
import { describe, expect, it } from 'vitest';
import {
  entryNameProblem,
  foldName,
  isAtOrInside,
  isInside,
  mayBeAtOrInside,
  nameProblem,
  pathWithin,
  samePath,
  windowsNameProblem,
  withoutNamespace,
} from '../../../../electron/services/paths/path-rules';

describe('what is inside a folder, on Windows', () => {
  const within = (parent: string, child: string) => pathWithin(parent, child, 'win32');

  it('compares drive letters and names without case', () => {
    expect(within('C:\\Sites', 'c:\\sites\\Acme')).toBe('Acme');
    expect(samePath('C:\\Users\\Dana\\Lifeboat', 'c:\\users\\dana\\LIFEBOAT', 'win32')).toBe(true);
    // POSIX keeps them apart: /Sites and /sites are two folders there.
    expect(pathWithin('/Sites', '/sites/acme', 'linux')).toBeNull();
  });

  it('takes either separator, and resolves `..` before deciding', () => {
    expect(within('C:\\Sites', 'C:/Sites/acme/web')).toBe('acme\\web');
    expect(within('C:\\Sites\\', 'C:\\Sites\\acme\\..\\..\\Windows')).toBeNull();
    expect(within('C:\\Sites', 'C:\\Sites\\acme\\..')).toBe('');
  });

  it('keeps another drive or another share outside', () => {
    expect(within('C:\\Sites', 'D:\\Sites\\acme')).toBeNull();
    expect(within('\\\\nas\\share\\sites', '\\\\nas\\share\\sites\\acme')).toBe('acme');
    expect(within('\\\\nas\\share\\sites', '\\\\NAS\\Share\\Sites\\acme')).toBe('acme');
    expect(within('\\\\nas\\share\\sites', '\\\\nas\\other\\sites\\acme')).toBeNull();
    expect(within('\\\\nas\\share', '\\\\other\\share\\x')).toBeNull();
  });

  it('takes a `\\\\?\\` or `\\\\.\\` prefix on one side for the same path', () => {
    expect(within('C:\\Sites', '\\\\?\\C:\\Sites\\acme')).toBe('acme');
    expect(within('\\\\?\\c:\\sites', 'C:\\Sites\\acme')).toBe('acme');
    expect(within('\\\\.\\C:\\Sites', 'C:\\Sites')).toBe('');
    expect(within('\\\\nas\\share', '\\\\?\\UNC\\nas\\share\\acme')).toBe('acme');
    expect(within('C:\\Sites', '\\\\?\\D:\\Sites\\acme')).toBeNull();
  });

  it('counts a name starting with two dots as inside, and only `..` itself as climbing out', () => {
    expect(isInside('C:\\data', 'C:\\data\\..mirror', 'win32')).toBe(true);
    expect(isInside('/data', '/data/..mirror', 'linux')).toBe(true);
    expect(isInside('/data', '/data/../mirror', 'linux')).toBe(false);
  });

  it('tells inside from the folder itself', () => {
    expect(isInside('C:\\data', 'c:\\DATA', 'win32')).toBe(false);
    expect(isAtOrInside('C:\\data', 'c:\\DATA', 'win32')).toBe(true);
    expect(isAtOrInside('/data', '/data', 'darwin')).toBe(true);
    expect(isAtOrInside('/data', '/database', 'darwin')).toBe(false);
  });
});

describe('Windows namespace prefixes', () => {
  it('strips `\\\\?\\`, `\\\\.\\` and `\\\\?\\UNC\\` in either spelling, and nothing else', () => {
    expect(withoutNamespace('\\\\?\\C:\\x', 'win32')).toBe('C:\\x');
    expect(withoutNamespace('//?/C:/x', 'win32')).toBe('C:/x');
    expect(withoutNamespace('\\\\.\\d:\\x', 'win32')).toBe('d:\\x');
    expect(withoutNamespace('\\\\?\\UNC\\srv\\share\\x', 'win32')).toBe('\\\\srv\\share\\x');
    expect(withoutNamespace('\\\\?\\unc\\srv\\share', 'win32')).toBe('\\\\srv\\share');
    // A pipe is a device, not a file path; POSIX has no prefixes.
    expect(withoutNamespace('\\\\.\\pipe\\MySQL', 'win32')).toBe('\\\\.\\pipe\\MySQL');
    expect(withoutNamespace('\\\\?\\C:\\x', 'linux')).toBe('\\\\?\\C:\\x');
  });
});

describe('names Windows cannot hold', () => {
  it('refuses device names, with or without an extension, in any case', () => {
    for (const n of [
      'CON',
      'con',
      'PRN',
      'Aux',
      'NUL',
      'nul.txt',
      'COM1',
      'com9.tar.gz',
      'LPT1',
      'lpt3.log',
      'CON .txt',
      'COM¹',
    ])
      expect(windowsNameProblem(n), n).toMatch(/device name on Windows/);
    for (const n of ['console', 'conf', 'com10', 'lpt', 'nully.txt', 'aux-files', 'my.con'])
      expect(windowsNameProblem(n), n).toBeNull();
  });

  it('refuses a trailing dot or space, which Windows would drop', () => {
    expect(windowsNameProblem('acme.')).toMatch(/trailing dot/);
    expect(windowsNameProblem('acme ')).toMatch(/trailing space/);
    expect(windowsNameProblem('.htaccess')).toBeNull();
    expect(windowsNameProblem('a b')).toBeNull();
  });

  it('refuses the characters Windows forbids, and control characters', () => {
    for (const c of ['<', '>', ':', '|', '?', '*', '\\', '/'])
      expect(windowsNameProblem(`a${c}b`), c).toContain(`"${c}"`);
    expect(windowsNameProblem('a"b')).toContain(`'"'`);
    expect(windowsNameProblem('a\u0001b')).toContain('U+0001');
    expect(windowsNameProblem('a:b', ':')).toBeNull();
  });

  it('lets spaces and non-ASCII names through, composed or decomposed', () => {
    for (const n of ['Mes documents', 'café', 'cafe\u0301', '日本語のサイト', 'Ünïcödé folder'])
      expect(windowsNameProblem(n), n).toBeNull();
  });

  it('applies only on Windows', () => {
    expect(nameProblem('con', 'win32')).not.toBeNull();
    expect(nameProblem('con', 'linux')).toBeNull();
    expect(nameProblem('a:b', 'darwin')).toBeNull();
  });
});

describe('archive entries on Windows', () => {
  it('refuses a part that Windows cannot hold, anywhere in the path', () => {
    expect(entryNameProblem('wp-content/uploads/aux.jpg', 'win32')).toMatch(/"aux" is a device name/);
    expect(entryNameProblem('files_live/nul/x', 'win32')).toMatch(/"nul" is a device name/);
    expect(entryNameProblem('files_live/notes./x', 'win32')).toMatch(/trailing dot/);
    expect(entryNameProblem('files_live/a*b.png', 'win32')).toContain('"*"');
    expect(entryNameProblem('files_live/say "hi".txt', 'win32')).toContain(`'"'`);
  });

  it('lets through what node-tar re-encodes there (<>:|?) and folders ending in a slash', () => {
    expect(entryNameProblem('files_live/what?.jpg', 'win32')).toBeNull();
    expect(entryNameProblem('files_live/a<b>c|d:e.txt', 'win32')).toBeNull();
    expect(entryNameProblem('files_live/2024/', 'win32')).toBeNull();
    expect(entryNameProblem('./files_live/x', 'win32')).toBeNull();
  });

  it('has no rules of its own elsewhere', () => {
    expect(entryNameProblem('files_live/aux.jpg', 'linux')).toBeNull();
    expect(entryNameProblem('files_live/a*b.', 'darwin')).toBeNull();
  });
});

describe('folding names', () => {
  it('folds case and Unicode normalization (macOS keeps decomposed names; NTFS ignores case)', () => {
    expect(foldName('Café')).toBe(foldName('cafe\u0301'));
    expect(foldName('README')).toBe(foldName('readme'));
    expect(foldName('a/B')).toBe(foldName('A/b'));
    expect(foldName('a')).not.toBe(foldName('b'));
  });
});

describe('what may be a protected folder or inside one (the checks that refuse)', () => {
  it('folds case and Unicode normalization on macOS, as the default APFS does', () => {
    expect(mayBeAtOrInside('/Users/dana', '/users/dana', 'darwin')).toBe(true);
    expect(mayBeAtOrInside('/Users/dana', '/USERS/DANA/Sites/acme', 'darwin')).toBe(true);
    expect(mayBeAtOrInside('/Users/dana/Sites', '/Users/dana', 'darwin')).toBe(false);
    expect(mayBeAtOrInside('/Users/caf\u00e9', '/Users/cafe\u0301/x', 'darwin')).toBe(true);
    expect(mayBeAtOrInside('/Users/cafe\u0301', '/users/CAF\u00c9', 'darwin')).toBe(true);
    expect(mayBeAtOrInside('/Users/dana', '/Users/dana2', 'darwin')).toBe(false);
    expect(mayBeAtOrInside('/Users/dana', '/Users/dana/../eve', 'darwin')).toBe(false);
    // The exact comparison, for the checks that allow, still tells them apart.
    expect(pathWithin('/Users/dana', '/users/dana', 'darwin')).toBeNull();
  });

  it('folds case and a trailing dot or space on Windows, which its own path handling drops', () => {
    expect(mayBeAtOrInside('C:\\Users\\dana', 'c:\\users\\DANA', 'win32')).toBe(true);
    expect(mayBeAtOrInside('C:\\Sites', 'C:\\Sites.\\acme', 'win32')).toBe(true);
    expect(mayBeAtOrInside('C:\\Sites', 'C:\\Sites \\acme', 'win32')).toBe(true);
    expect(mayBeAtOrInside('C:\\Sites..', 'C:\\sites', 'win32')).toBe(true);
    expect(mayBeAtOrInside('C:\\Sites', '\\\\?\\C:\\SITES.\\acme', 'win32')).toBe(true);
    expect(mayBeAtOrInside('\\\\srv\\share\\d', '\\\\?\\UNC\\SRV\\share\\d.\\x', 'win32')).toBe(true);
    expect(mayBeAtOrInside('C:\\Sites', 'C:\\Sites2', 'win32')).toBe(false);
    expect(mayBeAtOrInside('C:\\Sites', 'D:\\Sites', 'win32')).toBe(false);
    expect(mayBeAtOrInside('C:\\Sites', 'C:\\Sites\\..\\x', 'win32')).toBe(false);
    // A share is not a drive or a rooted folder of the same names.
    expect(mayBeAtOrInside('\\\\srv\\share', 'C:\\srv\\share', 'win32')).toBe(false);
    // A name of dots only is a name, not nothing.
    expect(mayBeAtOrInside('C:\\Sites\\...', 'C:\\Sites', 'win32')).toBe(false);
  });

  it('compares exactly on Linux, whose file systems tell case and normalization apart', () => {
    expect(mayBeAtOrInside('/home/dana', '/home/dana/x', 'linux')).toBe(true);
    expect(mayBeAtOrInside('/home/dana', '/home/Dana', 'linux')).toBe(false);
    expect(mayBeAtOrInside('/home/dana.', '/home/dana', 'linux')).toBe(false);
    expect(mayBeAtOrInside('/', '/anything', 'linux')).toBe(true);
  });
});
