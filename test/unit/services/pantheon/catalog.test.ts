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

  it('skips an entry whose file name is a path, hidden or empty: it would become a path on disk', () => {
    const base = raw['1471562180_backup_code'];
    for (const bad of [
      { filename: '../../victim.txt' },
      { filename: 'a/b.tar.gz' },
      { filename: '.hidden.tar.gz' },
      { filename: 'x\u0000.tar.gz' },
    ]) {
      expect(parseCatalog({ '1471562180_backup_code': { ...base, ...bad } })).toEqual([]);
    }
    expect(parseCatalog({ '1471562180_backup_code': base })).toHaveLength(1);
  });

  it('takes the folder from the key, so a folder field that is a path never becomes one', () => {
    const base = raw['1471562180_backup_code'];
    const [a] = parseCatalog({ '1471562180_backup_code': { ...base, folder: '../elsewhere' } });
    expect(a!.folder).toBe('1471562180_backup');
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
      '1500000000_backup_code': { filename: 'a', size: 1, timestamp: 1500000001 },
      '1500000000_automated_code': { filename: 'b', size: 1, timestamp: 1500000001 },
      '1400000000_backup_code': { filename: 'c', size: 1, timestamp: 1400000001 },
    });
    expect(latestFinished(archives, 'code')?.filename).toBe('a');
    expect(latestFinished(archives, 'database')).toBeNull();
  });
});

// The shapes of real catalogs (the recordings in Terminus's test fixtures, docs/pantheon-api.md §4), built here
// with made-up names and values: what Lifeboat's own sandbox never sent before its strict mode.
describe('parseCatalog with real-world shapes', () => {
  const real = {
    // Keys are not in any order here, and neither are the fields of an entry.
    '1600000300_backup_database': {
      timestamp: '1600000310',
      size: '4096',
      folder: '1600000300_backup',
      ttl: '2592000',
      filename: 'shop_live_2020-09-13T12-31-40_UTC_database.sql.gz',
      finish_time: '1600000309.25',
      start_time: '1600000301.5',
      task_id: 'task-db',
      some_new_field: { nested: [1, 2] },
    },
    // A code archive in a folder that has no manifest.
    '1600000200_backup_code': {
      task_id: 'task-code',
      finish_time: 1600000230.75,
      endpoint_uuid: 'endpoint-1',
      BUILD_URL: 'https://jenkins.example/job/backup/1/',
      filename: 'shop_live_2020-09-13T12-30-00_UTC_code.tar.gz',
      BUILD_TAG: 'jenkins-backup-1',
      ttl: 31556736,
      folder: '1600000200_backup',
      start_time: 1600000201.0,
      size: 52428800.0,
      timestamp: 1600000230,
    },
    // Manifests: size 0 and no filename; one outlived its archives.
    '1600000300_backup_manifest': {
      total_dirs: 0,
      total_size: 0,
      folder: '1600000300_backup',
      size: 0,
      timestamp: 1600000310,
      ttl: 2592000,
    },
    '1590000000_automated_manifest': {
      total_entries: 0,
      folder: '1590000000_automated',
      size: 0,
      timestamp: 1590000005,
      ttl: 31536000,
    },
    // A backup still being written: no size yet, no times, or a timestamp already and still no size.
    '1600000400_backup_files': {
      filename: 'shop_live_2020-09-13T12-33-20_UTC_files.tar.gz',
      folder: '1600000400_backup',
      size: 0,
      finish_time: null,
      timestamp: 1600000404,
      ttl: 31536000,
    },
    '1600000400_backup_code': {
      filename: 'shop_live_2020-09-13T12-33-20_UTC_code.tar.gz',
      folder: '1600000400_backup',
      start_time: 1600000401.5,
      ttl: 31536000,
    },
    // A folder field that disagrees with the key.
    '1600000300_backup_files': {
      filename: 'shop_live_2020-09-13T12-31-40_UTC_files.tar.gz',
      folder: '1600000299_backup',
      size: 168,
      timestamp: 1600000311,
      ttl: 2592000,
    },
  };
  const archives = parseCatalog(real);
  const byId = Object.fromEntries(archives.map((a) => [a.id, a]));

  it('keeps every archive and drops the manifests', () => {
    expect(archives.map((a) => a.id).sort()).toEqual([
      '1600000200_backup_code',
      '1600000300_backup_database',
      '1600000300_backup_files',
      '1600000400_backup_code',
      '1600000400_backup_files',
    ]);
  });

  it('reads numbers sent as strings or floats', () => {
    expect(byId['1600000300_backup_database']).toMatchObject({
      size: 4096,
      date: 1600000309.25,
      ttl: 2592000,
      expiresAt: Math.floor(1600000309.25 + 2592000),
      finished: true,
    });
    expect(byId['1600000200_backup_code']).toMatchObject({
      size: 52428800,
      date: 1600000230.75,
      finished: true,
    });
  });

  it('keeps archives still being written, unfinished, without inventing an expiry for them', () => {
    expect(byId['1600000400_backup_files']).toMatchObject({ size: 0, finished: false, date: 1600000404 });
    expect(byId['1600000400_backup_code']).toMatchObject({
      size: 0,
      finished: false,
      date: null,
      expiresAt: null,
    });
  });

  it('groups by the folder of the key, whatever the folder field says', () => {
    const sets = groupBackupSets(archives);
    expect(sets.map((s) => [s.folder, Object.keys(s.archives).join(','), s.finished])).toEqual([
      ['1600000400_backup', 'code,files', false],
      ['1600000300_backup', 'database,files', true],
      ['1600000200_backup', 'code', true],
    ]);
  });

  it('takes the latest finished archive of each element, skipping the one being written', () => {
    expect(latestFinished(archives, 'code')?.id).toBe('1600000200_backup_code');
    expect(latestFinished(archives, 'files')?.id).toBe('1600000300_backup_files');
    expect(latestFinished(archives, 'database')?.id).toBe('1600000300_backup_database');
  });

  it('takes a time of 0 as no time, as Terminus does', () => {
    const [a] = parseCatalog({
      '1600000500_backup_code': {
        filename: 'x_code.tar.gz',
        size: 10,
        finish_time: 0,
        timestamp: 0,
        ttl: 60,
      },
    });
    expect(a).toMatchObject({ finished: false, date: null });
  });
});

describe('parseCatalog with numbers out of any sane range', () => {
  const entry = (extra: Record<string, unknown>) =>
    parseCatalog({
      '1600000500_backup_code': { filename: 'x_code.tar.gz', size: 10, ttl: 2592000, ...extra },
    })[0]!;

  it('takes a time before 2000, after 2200 or not finite as no time', () => {
    for (const t of [1e20, -5, 1, 946684799, 7258118401, 'NaN', 'Infinity', '1e400', Number.NaN]) {
      expect(entry({ finish_time: t, timestamp: t })).toMatchObject({
        finished: false,
        date: null,
        expiresAt: null,
      });
    }
    // A bad finish time does not hide a good timestamp (Terminus falls back the same way).
    expect(entry({ finish_time: 1e20, timestamp: 1600000510 })).toMatchObject({
      finished: true,
      date: 1600000510,
      expiresAt: 1600000510 + 2592000,
    });
  });

  it('takes a negative or absurd ttl as none: no expiry rather than an unprintable one', () => {
    for (const ttl of [-86400, 1e20, '1e300', 'forever', null]) {
      expect(entry({ finish_time: 1600000510, ttl })).toMatchObject({
        finished: true,
        date: 1600000510,
        ttl: 0,
        expiresAt: null,
      });
    }
    // A hundred years is still a retention.
    const century = 100 * 365 * 86400;
    expect(entry({ finish_time: 1600000510, ttl: century }).expiresAt).toBe(1600000510 + century);
  });
});
