import { createReadStream } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import type { BackupArchive, BackupSet, Element, JobPhase } from '@shared/models';
import { extractArchive } from '../archive/extract-file';
import { createBackupAndWait } from '../backups/create-backup';
import { importDatabase, type ImportResult } from '../database/mysql';
import { LifeboatError } from '../errors';
import { removeStaged } from '../fs-util';
import { growingFileOf, type GrowingFile } from '../transfer/growing-file';
import { partPathOf } from '../transfer/names';
import { verifyGzip } from '../transfer/verify';
import { assembleRestore, prepareCode, type CodeReady, type RestoreRecord, type Staged } from './assemble';
import { findConflicts, KEPT_STAGING } from './checks';
import { fetchArchive } from './fetch';
import { acquireLock } from './lock';
import { hasJournal, recoverInterruptedUpdate, type FilesRefresh, type UpdateUndo } from './update-apply';
import {
  archiveLabel,
  archivesOf,
  bytesNeeded,
  conflictError,
  NO_NEW_BACKUP_OFFLINE,
  pickBackupSet,
  planRestore,
  type RestoreDeps,
  type RestorePlan,
  type RestoreRequest,
} from './plan';
import { ensureFreeSpace, statfsFreeSpace } from '../transfer/disk';
import { backupNameOfFolder } from '@shared/dates';

/** How a running restore reports back. */
export interface RestoreContext {
  readonly signal?: AbortSignal;
  phase(phase: JobPhase, message?: string): void;
  /** Bytes of one part (an archive download, the database import). */
  part(key: string, label: string, done: number, total: number | null): void;
}

/** What the restore produced. */
export interface RestoreResult {
  readonly path: string;
  readonly record: RestoreRecord;
  /** Bytes that were already on disk from an earlier attempt and not downloaded again. */
  readonly resumedBytes: number;
  /** The plan it carried out (what a dry run would have printed). */
  readonly plan: RestorePlan;
  /**
   * An update: what the files refresh did (files left as they were, added, replaced, removed) and where what it
   * replaced or removed was kept; null for a new restore or an update without files.
   */
  readonly refresh: FilesRefresh | null;
  /**
   * An update of this folder that had stopped half way, undone (or finished) first, and what that found: the files
   * it had brought in that were changed since stay as they were left (listed here); null when there was none.
   */
  readonly undone: UpdateUndo | null;
}

export type { RestoreDeps, RestoreRequest, RestorePlan } from './plan';
export type { FilesRefresh, UpdateUndo } from './update-apply';

/**
 * The restore use case, for the app's jobs and the CLI alike: takes the target's lock (a second restore into
 * the same folder gets a conflict naming the first), plans (the same plan the preview shows), refuses on any
 * conflict before a byte is downloaded, then fetches and assembles. On failure or cancel the staging folder
 * keeps only its downloads, so running the same restore again resumes them; nothing half made is left.
 */
export async function runRestore(
  deps: RestoreDeps,
  request: RestoreRequest,
  ctx: RestoreContext,
): Promise<RestoreResult> {
  ctx.phase('queued', 'Checking the plan');
  const first = await planRestore(deps, request);
  const blocking = first.conflicts.find((c) => c.kind !== 'busy');
  if (blocking) throw conflictError(blocking);
  await mkdir(first.work, { recursive: true });
  let done = false;
  const lock = await acquireLock(first.lockPath, `A restore of ${deps.site.name}.${request.env}`);
  try {
    // Under the lock: an update of this folder that a killed process left half way is undone first (only here:
    // a plan or a preview only reads its journal); then the same checks once more, now of the copy as it is
    // after that: another process may have finished there meanwhile.
    const undone = await recoverInterruptedUpdate(first.work, first.path, first.lockPath, {
      holdingLock: true,
    });
    const plan: RestorePlan = { ...first, interrupted: null };
    const again = await findConflicts(plan, { holdingLock: true });
    if (again[0]) throw conflictError(again[0]);
    const result = { ...(await executeRestore(deps, plan, ctx)), undone };
    done = true;
    return result;
  } finally {
    await lock.release();
    // A staging folder with nothing to resume goes too, so a refused or failed restore leaves no trace (but never
    // the journal of an update that could not be undone yet). A restore from a mirror has nothing to resume: its
    // archives are on this disk already, so the copy it made of one goes as well (a download left by an earlier
    // restore from Pantheon stays, to resume).
    const own = new Set(deps.local ? localCopies(first) : []);
    if (
      !done &&
      (await readdir(join(first.work, 'downloads')).catch(() => [])).every((n) => own.has(n)) &&
      !(await hasJournal(first.work))
    )
      await removeStaged(first.work);
  }
}

/** The names a restore from a mirror writes in the staging's downloads: the database archive's copy, and its `.part`. */
function localCopies(plan: RestorePlan): string[] {
  const db = plan.elements.includes('database') ? plan.set?.archives.database : undefined;
  return db ? [db.filename, basename(partPathOf(db.filename))] : [];
}

/** Removes what a stopped restore staged, keeping the downloads (they resume) and the lock. */
async function cleanStaging(work: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(work);
  } catch {
    return;
  }
  for (const name of names) if (!KEPT_STAGING.has(name)) await removeStaged(join(work, name));
}

/** Carries out a plan whose conflicts were checked (under the lock). */
async function executeRestore(
  deps: RestoreDeps,
  plan: RestorePlan,
  ctx: RestoreContext,
): Promise<Omit<RestoreResult, 'undone'>> {
  const { site } = deps;
  const options = deps.options ?? {};
  const { signal } = ctx;
  const freeSpace = options.freeSpace ?? statfsFreeSpace;
  const cancelled = (): LifeboatError =>
    new LifeboatError(
      'cancelled',
      'The restore was cancelled; downloads will resume from where they stopped.',
    );
  // Set by the database's fetch (a closure): typed so the checks after it are not narrowed away.
  let streaming = null as StreamingImport | null;
  try {
    // 1. The backup set: the plan's, or a new one made now.
    let set: BackupSet;
    if (plan.request.backup === 'new') {
      // The plan refuses this for a restore from a mirror; the types say so here too.
      const { client } = deps;
      if (!client) throw new LifeboatError('invalid-request', NO_NEW_BACKUP_OFFLINE);
      ctx.phase('creating-backup', `Creating a backup of ${plan.env}`);
      const made = await createBackupAndWait(
        { client, site },
        {
          env: plan.env,
          elements: plan.elements,
          keepForDays: plan.request.keepForDays ?? 30,
          pollMs: options.pollMs ?? client.defaultPollMs,
          ...(signal ? { signal } : {}),
          onUpdate: (w) =>
            ctx.part('workflow', w.activeDescription || 'Creating backup', w.step, w.numberOfTasks),
        },
      );
      if (!made.backup)
        throw new LifeboatError('not-found', made.warning ?? 'The new backup is not in the catalog.');
      set = pickBackupSet([made.backup], { folder: made.backup.folder }, plan.elements);
      await ensureFreeSpace(plan.targetDir, await bytesNeeded(plan.work, set, plan.elements), freeSpace);
    } else {
      if (!plan.set) throw new LifeboatError('internal', 'The plan has no backup set.');
      set = plan.set;
    }
    const archives = archivesOf(set, plan.elements);

    // 2. Downloads, with extraction following each growing file.
    const downloads = join(plan.work, 'downloads');
    await cleanStaging(plan.work);
    await mkdir(downloads, { recursive: true });
    await writeFile(
      join(plan.work, 'restore.json'),
      JSON.stringify(
        { site: site.name, env: plan.env, folder: set.folder, startedAt: new Date().toISOString() },
        null,
        2,
      ),
    );
    ctx.phase(
      'downloading',
      deps.local
        ? `Reading ${plan.elements.join(', ')} of the ${backupNameOfFolder(set.folder)} from the mirror`
        : `Downloading ${plan.elements.join(', ')} from the ${backupNameOfFolder(set.folder)}`,
    );
    let resumedBytes = 0;
    // Patterns that matched nothing need another command, not the rest of the downloads: those stop at once
    // (their `.part` files stay, so the corrected command resumes them).
    const stop = new AbortController();
    const fetching = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    const extracted: Partial<Record<Element, { dir: string; entries: number }>> = {};
    // An import asked for starts from the growing download rather than after it (see startImport).
    const dbArchive = set.archives.database;
    const db = plan.request.database;
    const importInto = db && plan.databaseName && dbArchive ? plan.databaseName : null;
    // Where each archive comes from: Pantheon, or the mirror's file (only the database archive, which the restore
    // keeps, is copied; the others are extracted from where they are).
    const source = (a: BackupArchive) => {
      if (!deps.local) return { client: deps.client, site, env: plan.env };
      const local = deps.local.archives[a.element];
      if (!local)
        throw new LifeboatError('internal', `The mirrored set has no file for ${archiveLabel(a.element)}.`);
      return { local, copy: a.element === 'database' };
    };
    const fetchOne = async (a: BackupArchive): Promise<void> => {
      const label = archiveLabel(a.element);
      const dir = join(plan.work, `extract-${a.element}`);
      const r = await fetchArchive({
        ...source(a),
        archive: a,
        finalPath: join(downloads, a.filename),
        ...(options.transfer ? { transfer: options.transfer } : {}),
        signal: fetching,
        onProgress: (done, total) => ctx.part(a.element, label, done, total),
        discardAlso: () => removeStaged(dir),
        consume: async (reader, s) => {
          if (a.element === 'database') {
            const file = growingFileOf(reader);
            if (db && importInto && file && !streaming)
              streaming = startImport(file, join(downloads, a.filename), a.size, importInto, db, ctx, signal);
            // Kept as downloaded: verified by the storage's hash when it sends one, else read through gunzip to
            // the end (CRC and length). An import inflates it again anyway and checks the gzip CRC.
            await verifyGzip(reader, label, s);
            // The file is renamed once this returns: the import's reader must have it open by then.
            await streaming?.reading;
            return null;
          }
          await removeStaged(dir);
          await mkdir(dir, { recursive: true });
          return extractArchive(reader, dir, {
            label,
            freeSpace,
            size: a.size,
            ...(options.extractThreadFrom !== undefined ? { threadFrom: options.extractThreadFrom } : {}),
            ...(a.element === 'files'
              ? { include: plan.request.include ?? [], exclude: plan.request.exclude ?? [] }
              : {}),
            signal: s,
          });
        },
      });
      resumedBytes += r.resumedFrom;
      if (r.result) extracted[a.element] = { dir, entries: r.result.entries };
      // The checkout waits for no other archive: it runs while they still download.
      if (a.element === 'code' && r.result && plan.branch) codeReady = prepareCode(plan, { dir }, fetching);
    };
    let codeReady: Promise<CodeReady> | null = null;
    const queue = [...archives];
    const failures: unknown[] = [];
    await Promise.all(
      Array.from({ length: Math.min(Math.max(1, options.parallel ?? 3), queue.length) }, async () => {
        for (let a = queue.shift(); a && !stop.signal.aborted; a = queue.shift()) {
          try {
            await fetchOne(a);
          } catch (e) {
            failures.push(e);
            if (e instanceof LifeboatError && e.code === 'invalid-request') stop.abort();
          }
        }
      }),
    );
    // Whatever happens next, the checkout in the staging folder is over first.
    const code = codeReady ? await codeReady : undefined;
    if (signal?.aborted) throw cancelled();
    if (failures.length > 0) {
      // A failed download is a failed import: nothing of it is kept.
      await streaming?.cancel(failures[0]);
      // The real cause first: a damaged or hostile archive, a full disk, before the transfers it stopped.
      const rank = (e: unknown): number =>
        e instanceof LifeboatError
          ? ['hostile-archive', 'integrity', 'disk-full', 'invalid-request'].indexOf(e.code) + 1 || 9
          : 10;
      const first = failures.sort((x, y) => rank(x) - rank(y))[0];
      // Include patterns that matched nothing (known when the files archive ends): nothing was put in place.
      if (first instanceof LifeboatError && first.code === 'invalid-request')
        throw new LifeboatError(
          'invalid-request',
          `${first.message} The downloads are kept in ${plan.work}: run again with corrected patterns and what was downloaded is not downloaded again.`,
        );
      throw first;
    }

    // 3. Assemble, import, and put in place.
    ctx.phase(
      'checking-out',
      plan.elements.includes('code') ? `Checking out ${plan.env}` : 'Putting the files in place',
    );
    const staged: Staged = {
      archives,
      folder: set.folder,
      initiator: set.initiator,
      scheduledFor: set.scheduledFor,
      extracted,
      ...(code ? { code } : {}),
      databaseArchive:
        dbArchive && plan.elements.includes('database') ? join(downloads, dbArchive.filename) : null,
    };
    const { record, refresh } = await assembleRestore(plan, staged, {
      ...(signal ? { signal } : {}),
      ...(db && importInto && dbArchive
        ? {
            importDatabase: async (archive: string, place: () => Promise<void>) => {
              const name = importInto;
              ctx.phase('importing', `Importing the database into ${name}`);
              // The import that started with the download goes on to the swap now that the restore can be placed.
              const r = streaming
                ? await streaming.finish(place)
                : await importDatabase({
                    archive,
                    connection: db.connection,
                    database: name,
                    replace: db.replace ?? false,
                    ...(signal ? { signal } : {}),
                    onProgress: (done, total) => ctx.part('import', `Importing into ${name}`, done, total),
                    beforePromote: place,
                  });
              return {
                archive: `database/${dbArchive.filename}`,
                importedInto: r.database,
                replaced: r.replaced,
                collationsRewritten: r.collationsRewritten,
                ...(r.owner ? { owner: r.owner } : {}),
                ...(r.confinement ? { confinement: r.confinement } : {}),
              };
            },
          }
        : {}),
    });
    ctx.phase('finishing', `In place at ${plan.path}`);
    await rm(plan.work, { recursive: true, force: true });
    return { path: plan.path, record, resumedBytes, plan, refresh };
  } catch (e) {
    // An import still loading (or waiting to be swapped in) drops its scratch database before anything else.
    await streaming?.cancel(e);
    await cleanStaging(plan.work);
    if (signal?.aborted && !(e instanceof LifeboatError && e.code === 'cancelled')) throw cancelled();
    throw e;
  }
}

/**
 * The growing archive again from its first byte (an import that starts over): the `.part` file while it is
 * downloading, else the file it was renamed to, which the download does only once it has written all of it.
 */
function readAgain(file: GrowingFile, finalPath: string, signal: AbortSignal): Readable {
  return Readable.from(
    (async function* (): AsyncGenerator<Buffer> {
      let read = false;
      try {
        for await (const chunk of file.reader({ signal }) as AsyncIterable<Buffer>) {
          read = true;
          yield chunk;
        }
      } catch (e) {
        if (read || (e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        yield* createReadStream(finalPath, { signal, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
      }
    })(),
    { objectMode: false },
  );
}

/** A database import reading the archive as it downloads. */
interface StreamingImport {
  /** Settles once the import has the archive open (or ended without reading it). */
  readonly reading: Promise<void>;
  /** Lets the import swap the database in after `place` (the restore put in place), and waits for it. */
  finish(place: () => Promise<void>): Promise<ImportResult>;
  /** Stops the import (its scratch database goes, the target stays as it was) and waits until it has. */
  cancel(reason: unknown): Promise<void>;
}

/**
 * Starts the database import from the archive still downloading: it reads `file` as it grows, loading a scratch
 * database, and waits before the swap until the restore is ready to be placed (the same `place` step the import
 * after the download ran as its last fallible step). The guarantees are those of that import: a download that
 * fails fails the import's reading, so nothing of it is kept, and a restore that fails or is cancelled before the
 * swap cancels the import, which drops its scratch database and leaves the target as it was.
 */
function startImport(
  file: GrowingFile,
  finalPath: string,
  size: number,
  name: string,
  db: NonNullable<RestoreRequest['database']>,
  ctx: RestoreContext,
  signal: AbortSignal | undefined,
): StreamingImport {
  const stop = new AbortController();
  const importSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  let letPlace!: (place: () => Promise<void>) => void;
  let refusePlace!: (reason: unknown) => void;
  const placing = new Promise<() => Promise<void>>((resolve, reject) => {
    letPlace = resolve;
    refusePlace = reject;
  });
  placing.catch(() => undefined);
  let opened!: () => void;
  const open = new Promise<void>((resolve) => (opened = resolve));
  let opens = 0;
  const result = importDatabase({
    source: () =>
      opens++ === 0
        ? file.reader({ signal: importSignal, onOpen: opened })
        : readAgain(file, finalPath, importSignal),
    total: size,
    connection: db.connection,
    database: name,
    replace: db.replace ?? false,
    signal: importSignal,
    onProgress: (done, total) => ctx.part('import', `Importing into ${name}`, done, total),
    beforePromote: async () => (await placing)(),
  });
  const settled = result.then(
    () => undefined,
    () => undefined,
  );
  return {
    reading: Promise.race([open, settled]),
    finish: (place) => {
      letPlace(place);
      return result;
    },
    cancel: async (reason) => {
      refusePlace(reason);
      stop.abort();
      await settled;
    },
  };
}
