import { describe, expect, it } from 'vitest';
import { checkPatterns, pathSelection } from '../../../../electron/services/archive/globs';

/** Runs a selection over an archive's entries as the extractor does; returns what it kept and its verdict. */
function select(entries: readonly string[], include: string[], exclude: string[] = []) {
  const s = pathSelection(include, exclude);
  const kept = entries.filter((e) => s.keeps(e));
  for (const e of kept) s.wrote(e);
  return { kept, error: s.unmatched('the files archive') };
}

const ARCHIVE = [
  'files_live/',
  'files_live/2023/',
  'files_live/2023/a.png',
  'files_live/2024/',
  'files_live/2024/01/',
  'files_live/2024/01/b.png',
  'files_live/media/',
  'files_live/media/v.mp4',
];

describe('pathSelection', () => {
  it('reads [!…] as "none of", as the shell and tar do (picomatch alone reads it as a class with "!")', () => {
    const excluded = select(ARCHIVE, [], ['files_live/[!2]*']);
    expect(excluded.kept.filter((e) => e !== 'files_live/')).toEqual([
      'files_live/2023/',
      'files_live/2023/a.png',
      'files_live/2024/',
      'files_live/2024/01/',
      'files_live/2024/01/b.png',
    ]);
    const included = select(ARCHIVE, ['files_live/[!2]*']);
    expect(included.kept.filter((e) => e !== 'files_live/')).toEqual([
      'files_live/media/',
      'files_live/media/v.mp4',
    ]);
    // An escaped bracket stays a literal one.
    expect(select(ARCHIVE, ['\\[!2]*']).error).not.toBeNull();
  });

  it('matches with or without the top folder, a folder covering everything below it', () => {
    for (const include of [['2024'], ['2024/'], ['files_live/2024'], ['./2024/**']]) {
      const { kept, error } = select(ARCHIVE, include);
      // The top folder is kept when a pattern names it (it leads to what is included); else the extraction
      // makes it as the parent of what it writes.
      expect(kept.filter((e) => e !== 'files_live/')).toEqual([
        'files_live/2024/',
        'files_live/2024/01/',
        'files_live/2024/01/b.png',
      ]);
      expect(error).toBeNull();
    }
  });

  it('exclude wins over include, and no include means everything', () => {
    expect(select(ARCHIVE, [], ['media']).kept).toEqual(ARCHIVE.filter((e) => !e.includes('media')));
    expect(select(ARCHIVE, ['2024'], ['**/*.png']).kept).toEqual(['files_live/2024/', 'files_live/2024/01/']);
  });

  it('names each include that matched nothing, not the ones that did, and hints at what the archive holds', () => {
    const { error } = select(ARCHIVE, ['2024', 'files_live/nomatch/**', 'wp-content/uploads']);
    expect(error?.code).toBe('invalid-request');
    expect(error?.message).toBe(
      'Nothing in the files archive matches the include patterns "files_live/nomatch/**", "wp-content/uploads". ' +
        'Patterns name paths inside the top folder files_live/, such as "2023/**" or "files_live/2023/**"; ' +
        'files_live/ holds 2023, 2024, media. Nothing from it was put in place.',
    );
  });

  it('says when everything an include matches is excluded', () => {
    const { error } = select(ARCHIVE, ['media', '2024'], ['*.mp4', 'files_live/media']);
    expect(error?.message).toContain(
      'Everything the include pattern "media" matches in the files archive is left out by the exclude patterns.',
    );
    expect(error?.message).not.toContain('"2024"');
  });

  it('an exclude that leaves out everything is the same usage error as an include that matches nothing', () => {
    for (const exclude of [
      ['*'],
      ['files_live'],
      ['**'],
      ['2023', '2024', 'media'],
      ['**/*.png', '**/*.mp4'],
    ]) {
      const { kept, error } = select(ARCHIVE, [], exclude);
      // Nothing but folders (or nothing at all) would be put in place.
      expect(kept.every((e) => e.endsWith('/'))).toBe(true);
      expect(error?.code).toBe('invalid-request');
      expect(error?.message).toContain(
        `out everything in the files archive. Patterns name paths inside the top folder files_live/`,
      );
      expect(error?.message).toContain(exclude.map((p) => `"${p}"`).join(', '));
    }
    // An exclude that leaves something is no error, and neither is a choice without patterns.
    expect(select(ARCHIVE, [], ['media', '2023']).error).toBeNull();
    expect(select(ARCHIVE, []).error).toBeNull();
  });

  it('an empty archive is said to be empty', () => {
    expect(select([], ['2024']).error?.message).toContain('The files archive is empty.');
  });
});

describe('checkPatterns', () => {
  it('refuses patterns that can name nothing inside an archive, naming them, with an example', () => {
    for (const [pattern, why] of [
      ['', 'is empty'],
      ['/srv/files', 'is an absolute path'],
      ['C:\\files', 'is an absolute path'],
      ['\\\\server\\share', 'is an absolute path'],
      ['2024/../..', 'climbs out of the archive with ".."'],
      ['..\\up', 'climbs out of the archive with ".."'],
      ['./', 'names the whole archive'],
      ['a\0b', 'contains a NUL byte'],
    ] as const) {
      expect(() => checkPatterns({ exclude: [pattern] }, 'files_dev')).toThrowError(
        `The exclude pattern "${pattern}" ${why}: patterns name paths inside the archive, such as "2024/**" or "files_dev/2024/**".`,
      );
    }
  });

  it('refuses a pattern starting with "!" and says which flag does what it meant', () => {
    for (const pattern of ['!2024/', '!*.log', './!media', ' !x']) {
      expect(() => checkPatterns({ exclude: [pattern] }, 'files_dev')).toThrowError(
        `The exclude pattern "${pattern}" starts with "!", which Lifeboat does not read as "not": to keep only something, use --include PATTERN.`,
      );
      expect(() => checkPatterns({ include: [pattern] }, 'files_dev')).toThrowError(
        `The include pattern "${pattern}" starts with "!", which Lifeboat does not read as "not": to leave something out, use --exclude PATTERN.`,
      );
    }
    // A "!" inside a name is just a character.
    expect(() => checkPatterns({ include: ['news!/2024', 'a!b'] }, 'files_dev')).not.toThrow();
  });

  it('accepts patterns with or without the top folder, globs and names with dots', () => {
    expect(() =>
      checkPatterns(
        {
          include: ['files_live/2024/', '2024/**', '*.png', '.htaccess', 'a..b/c', './docs'],
          exclude: ['**/*.tmp'],
        },
        'files_live',
      ),
    ).not.toThrow();
  });
});
