import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../../electron/sandbox';
import { archiveInfo, selectArchive } from '../../../electron/services/backups/select-archive';
import type { LifeboatError } from '../../../electron/services/errors';
import type { BackupArchive } from '../../../shared/models';
import { clientFor, DANA, SANDBOX_MODES, testSandbox } from '../../helpers/sandbox';

describe.each(SANDBOX_MODES)('choosing an archive from the %s sandbox catalog', (mode) => {
  let sandbox: Sandbox;
  let archives: BackupArchive[];
  beforeAll(async () => {
    sandbox = await testSandbox({ mode });
    const client = clientFor(sandbox, DANA);
    archives = await client.listArchives(await client.getSite('acme-blog'), 'live');
  });
  afterAll(() => sandbox.close());

  const newestFinished = (element: BackupArchive['element']) =>
    archives
      .filter((a) => a.element === element && a.finished)
      .sort((a, b) => Number.parseInt(b.id, 10) - Number.parseInt(a.id, 10))[0]!;

  it('takes the latest finished archive of the element, as Terminus does', () => {
    for (const element of ['code', 'database', 'files'] as const) {
      const chosen = selectArchive(archives, { element });
      expect(chosen).toBe(newestFinished(element));
      expect(chosen.finished).toBe(true);
    }
  });

  it('finds an archive by file name or catalog key, whose own element wins', () => {
    const db = newestFinished('database');
    expect(selectArchive(archives, { element: 'files', file: db.filename })).toBe(db);
    expect(selectArchive(archives, { element: 'database', file: db.id })).toBe(db);
  });

  it("finds a folder's archive of the element, and says what a folder has when it lacks one", () => {
    const dbOnly = archives.filter(
      (a) => archives.filter((b) => b.folder === a.folder).length === 1 && a.element === 'database',
    );
    expect(dbOnly.length).toBeGreaterThan(0);
    const folder = dbOnly[0]!.folder;
    expect(selectArchive(archives, { element: 'database', folder })).toBe(dbOnly[0]);
    expect(selectArchive(archives, { element: 'database', folder: `${folder}_database` })).toBe(dbOnly[0]);
    expect(() => selectArchive(archives, { element: 'code', folder })).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message: `Backup ${folder} has no code archive; it has: database.`,
      }),
    );
  });

  /** The three newest finished file names of an element. */
  const newestNames = (element: BackupArchive['element']) =>
    archives
      .filter((a) => a.element === element && a.finished)
      .sort((a, b) => Number.parseInt(b.id, 10) - Number.parseInt(a.id, 10))
      .slice(0, 3)
      .map((a) => a.filename);

  it('lists the three newest finished file names of the element when a file is not found', () => {
    const newest = newestNames('files');
    expect(newest).toHaveLength(3);
    expect(() =>
      selectArchive(archives, { element: 'files', file: 'acme-blog_live_typo_files.tar.gz' }),
    ).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message: `There is no backup file 'acme-blog_live_typo_files.tar.gz'. The newest files backups: ${newest.join(', ')}.`,
      }),
    );
    expect(() => selectArchive(archives, { element: 'code', folder: '1000000000_backup' })).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message: expect.stringContaining("There is no backup '1000000000_backup'. The newest: "),
      }),
    );
  });

  it('lists the archives of the element the missing file name implies, whatever the element asked for', () => {
    // `backups get` defaults to files; a mistyped database or code name is about database or code archives.
    for (const [file, element] of [
      ['acme-blog_live_typo_database.sql.gz', 'database'],
      ['acme-blog_live_typo_code.tar.gz', 'code'],
      ['acme-blog_live_typo_database', 'database'],
      ['1000000000_backup_code', 'code'],
    ] as const) {
      expect(() => selectArchive(archives, { element: 'files', file })).toThrow(
        expect.objectContaining({
          code: 'not-found',
          message: `There is no backup file '${file}'. The newest ${element} backups: ${newestNames(element).join(', ')}.`,
        }),
      );
    }
    // A name that implies nothing lists the element asked for.
    expect(() => selectArchive(archives, { element: 'database', file: 'nonsense.zip' })).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(
          `The newest database backups: ${newestNames('database').join(', ')}.`,
        ),
      }),
    );
  });

  it('points a --file that is a backup folder to --backup', () => {
    const folder = newestFinished('files').folder;
    for (const file of [folder, `${folder}/`, '1795845600_automated'])
      expect(() => selectArchive(archives, { element: 'files', file })).toThrow(
        expect.objectContaining({
          code: 'not-found',
          message: `There is no backup file '${file}'; that is a backup folder: use --backup ${file.replace(/\/$/, '')}.`,
        }),
      );
  });

  it('refuses an archive still being written as a conflict', () => {
    const writing = archives.filter((a) => !a.finished);
    // Only the strict sandbox, like the real API, lists a backup while it is written.
    expect(writing.length > 0).toBe(mode === 'strict');
    for (const a of writing) {
      for (const choice of [{ file: a.filename }, { folder: a.folder }]) {
        expect(() => selectArchive(archives, { element: a.element, ...choice })).toThrow(
          expect.objectContaining({
            code: 'conflict',
            message: `${a.filename} is still being written; try again when the backup finishes.`,
          }),
        );
        // It passes by itself: the error says trying again later may succeed.
        const e = (() => {
          try {
            selectArchive(archives, { element: a.element, ...choice });
          } catch (err) {
            return err as LifeboatError;
          }
        })();
        expect(e?.toAppError()).toMatchObject({ code: 'conflict', retryable: true });
      }
    }
  });

  it('tells the facts of an archive for backups info', () => {
    const code = newestFinished('code');
    expect(archiveInfo(code)).toEqual({
      filename: code.filename,
      size: code.size,
      date: code.date,
      expiry: code.expiresAt,
      initiator: code.folder.endsWith('_automated') ? 'automated' : 'manual',
      folder: code.folder,
      element: 'code',
      key: code.id,
      finished: true,
    });
    expect(archiveInfo(code).expiry).toBe(Math.floor(code.date! + code.ttl));
  });

  it('shows no date or expiry rather than an absurd one, for an archive that did not come from parseCatalog', () => {
    const code = newestFinished('code');
    expect(archiveInfo({ ...code, date: 1e20, expiresAt: Number.NaN })).toMatchObject({
      date: null,
      expiry: null,
    });
  });
});

describe('choosing from a catalog with nothing finished', () => {
  const writing: BackupArchive = {
    id: '1800000000_backup_database',
    element: 'database',
    filename: 'x_live_2027-01-15T08-00-00_UTC_database.sql.gz',
    folder: '1800000000_backup',
    size: 0,
    finished: false,
    date: null,
    ttl: 0,
    expiresAt: null,
  };

  it('says the only one is still being written, or that there is none', () => {
    expect(() => selectArchive([writing], { element: 'database' })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    expect(() => selectArchive([writing], { element: 'code' })).toThrow(
      expect.objectContaining({ code: 'not-found', message: 'There is no finished code backup.' }),
    );
    expect(() => selectArchive([], { element: 'code', file: 'nope.tar.gz' })).toThrow(
      expect.objectContaining({
        message: "There is no backup file 'nope.tar.gz'. There are no finished code backups.",
      }),
    );
    // The one being written is not offered as an alternative to a mistyped name.
    expect(() => selectArchive([writing], { element: 'database', file: 'x_database.sql.gz' })).toThrow(
      expect.objectContaining({
        message: "There is no backup file 'x_database.sql.gz'. There are no finished database backups.",
      }),
    );
  });
});
