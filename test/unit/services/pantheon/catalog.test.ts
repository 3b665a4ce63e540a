import { describe, expect, it } from 'vitest';
import {
  findBackupSet,
  groupBackupSets,
  latestFinished,
  parseCatalog,
} from '../../../../electron/services/pantheon/catalog';

// Shapes from the recorded catalog in docs/pantheon-api.md §4.
const raw = {
  '1471562180_backup_code': {
    task_id: 'c5ea7af2',
    start_time: 1471562183.144575,
    finish_time: 1471562190.772906,
    timestamp: 1471562190,
    filename: 'behat-tests_dev_2016-08-18T23-16-20_UTC_code.tar.gz',
    folder: '1471562180_backup',
    size: 33333110,
    ttl: 31556736,
  },
  '1471562156_backup_manifest': {
    folder: '1471562156_backup',
    size: 0,
    timestamp: 1471562160,
    ttl: 31536000,
    total_files: 0,
  },
  '1471562156_backup_files': {
    filename: 'behat-tests_dev_2016-08-18T23-15-56_UTC_files.tar.gz',
    folder: '1471562156_backup',
    size: 168,
    timestamp: 1471562160,
    ttl: 31536000,
  },
  '1471562156_backup_database': {
    filename: 'behat-tests_dev_2016-08-18T23-15-56_UTC_database.sql.gz',
    folder: '1471562156_backup',
    size: 833,
    finish_time: 1471562161.5,
    ttl: 31536000,
  },
  '1477386000_automated_code': {
    filename: 'behat-tests_dev_2016-10-25T09-00-00_UTC_code.tar.gz',
    folder: '1477386000_automated',
    size: 0,
    finish_time: null,
    timestamp: null,
    ttl: 691200,
  },
  '1477386000_automated_files': {
    filename: 'x_files.tar.gz',
    folder: '1477386000_automated',
    size: 500,
    finish_time: null,
    timestamp: null,
    ttl: 691200,
  },
  'garbage-key': { filename: 'nope' },
  '1477386000_automated_database': 'not an object',
};

describe('parseCatalog', () => {
  const archives = parseCatalog(raw);

  it('drops manifests, unknown keys and malformed entries', () => {
    expect(archives.map((a) => a.id).sort()).toEqual([
      '1471562156_backup_database',
      '1471562156_backup_files',
      '1471562180_backup_code',
      '1477386000_automated_code',
      '1477386000_automated_files',
    ]);
  });

  it('takes the element from the key and the date from finish_time, else timestamp', () => {
    const code = archives.find((a) => a.id === '1471562180_backup_code')!;
    expect(code.element).toBe('code');
    expect(code.date).toBeCloseTo(1471562190.772906);
    // Expiry = date + ttl, as Terminus computes it (1471562190.77 + 31556736 → 2017-08-19 05:02:06 UTC).
    expect(new Date(code.expiresAt! * 1000).toISOString()).toBe('2017-08-19T05:02:06.000Z');
    expect(archives.find((a) => a.id === '1471562156_backup_files')!.date).toBe(1471562160);
  });

  it('counts an archive as finished only with a size and a time', () => {
    const finished = Object.fromEntries(archives.map((a) => [a.id, a.finished]));
    expect(finished).toEqual({
      '1471562180_backup_code': true,
      '1471562156_backup_files': true,
      '1471562156_backup_database': true,
      '1477386000_automated_code': false,
      '1477386000_automated_files': false,
    });
  });

  it('skips an entry whose file name or folder is a path, hidden or empty: it would become a path on disk', () => {
    const base = raw['1471562180_backup_code'];
    for (const bad of [
      { filename: '../../victim.txt' },
      { filename: 'a/b.tar.gz' },
      { filename: '.hidden.tar.gz' },
      { filename: 'x\u0000.tar.gz' },
      { folder: '../elsewhere' },
    ]) {
      expect(parseCatalog({ '1471562180_backup_code': { ...base, ...bad } })).toEqual([]);
    }
    expect(parseCatalog({ '1471562180_backup_code': base })).toHaveLength(1);
  });

  it('returns nothing for an empty catalog or a non-object', () => {
    expect(parseCatalog({})).toEqual([]);
    expect(parseCatalog([])).toEqual([]);
    expect(parseCatalog('A site named x was not found.')).toEqual([]);
  });
});

describe('groupBackupSets', () => {
  const sets = groupBackupSets(parseCatalog(raw));

  it('groups by folder, newest first, with the initiator from the folder', () => {
    expect(sets.map((s) => [s.folder, s.initiator])).toEqual([
      ['1477386000_automated', 'automated'],
      ['1471562180_backup', 'manual'],
      ['1471562156_backup', 'manual'],
    ]);
  });

  it('sums sizes and reports a set unfinished while any archive is', () => {
    const s = sets.find((x) => x.folder === '1471562156_backup')!;
    expect(s.totalSize).toBe(168 + 833);
    expect(s.finished).toBe(true);
    expect(Object.keys(s.archives).sort()).toEqual(['database', 'files']);
    expect(sets[0]!.finished).toBe(false);
  });

  it('finds a set by folder, archive key or file name', () => {
    expect(findBackupSet(sets, '1471562180_backup')?.folder).toBe('1471562180_backup');
    expect(findBackupSet(sets, '1471562156_backup_files')?.folder).toBe('1471562156_backup');
    expect(findBackupSet(sets, 'behat-tests_dev_2016-08-18T23-16-20_UTC_code.tar.gz')?.folder).toBe(
      '1471562180_backup',
    );
    expect(findBackupSet(sets, 'nope')).toBeNull();
  });
});

describe('latestFinished', () => {
  it('skips unfinished entries and takes the highest key', () => {
    const archives = parseCatalog(raw);
    expect(latestFinished(archives, 'code')?.id).toBe('1471562180_backup_code');
    expect(latestFinished(archives, 'files')?.id).toBe('1471562156_backup_files');
  });

  it('orders keys as strings, as Terminus does: automated beats backup in the same second', () => {
    const archives = parseCatalog({
      '1500000000_backup_code': { filename: 'a', size: 1, timestamp: 1 },
      '1500000000_automated_code': { filename: 'b', size: 1, timestamp: 1 },
      '1400000000_backup_code': { filename: 'c', size: 1, timestamp: 1 },
    });
    expect(latestFinished(archives, 'code')?.filename).toBe('a');
    expect(latestFinished(archives, 'database')).toBeNull();
  });
});
