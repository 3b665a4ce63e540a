import { basename, join, resolve } from 'node:path';
import type { Element, RestoreConflict, RestorePreview, Site } from '@shared/models';
import { ELEMENTS } from '@shared/models';
import { databaseExists, defaultDatabaseName, type DbConnection } from '../database/mysql';
import { LifeboatError } from '../errors';
import { branchExists, defaultBranchName, uncommittedChanges, validateBranchName } from '../git/git';
import type { PantheonClient } from '../pantheon/client';
import { statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { partProgress } from '../transfer/download';
import type { RestorePlan } from './plan';
import { EXPANSION, isNonEmptyDir, pickBackupSet } from './restore';

/**
 * What a restore would write where, and everything that would stop it, found without writing a byte: a
 * non-empty folder, a branch that exists, a database that exists, a backup that lacks an element, too little
 * disk. The UI shows this before the person confirms.
 */
export async function previewRestore(
  deps: {
    readonly client: PantheonClient;
    readonly site: Site;
    readonly freeSpace?: FreeSpaceProbe;
    readonly connection?: DbConnection | null;
  },
  plan: RestorePlan,
): Promise<RestorePreview> {
  const { client, site } = deps;
  const elements: Element[] = ELEMENTS.filter((e) => plan.elements.includes(e));
  const targetDir = resolve(plan.targetDir);
  const path = join(targetDir, plan.folderName ?? `${site.name}-${plan.env}`);
  const conflicts: RestoreConflict[] = [];
  const branch = elements.includes('code') ? (plan.branch ?? defaultBranchName(plan.env)) : null;
  if (branch) {
    try {
      await validateBranchName(branch);
    } catch (e) {
      conflicts.push({ kind: 'branch', message: (e as Error).message });
    }
  }
  const nonEmpty = await isNonEmptyDir(path);
  if (nonEmpty && !plan.updateInPlace)
    conflicts.push({
      kind: 'folder',
      message: `${path} already exists and is not empty. Choose another folder name, or update that restore in place.`,
    });
  if (branch && nonEmpty && plan.updateInPlace && (await branchExists(path, branch).catch(() => false))) {
    conflicts.push({ kind: 'branch', message: `The branch "${branch}" already exists in ${path}.` });
  }
  if (branch && plan.intoRepo) {
    if (await branchExists(plan.intoRepo, branch).catch(() => false))
      conflicts.push({
        kind: 'branch',
        message: `The branch "${branch}" already exists in ${plan.intoRepo}.`,
      });
    if (plan.checkoutIntoRepo) {
      const dirty = await uncommittedChanges(plan.intoRepo).catch(() => null);
      if (dirty === null)
        conflicts.push({ kind: 'clone', message: `${plan.intoRepo} is not a git working tree.` });
      else if (dirty.length)
        conflicts.push({
          kind: 'clone',
          message: `${plan.intoRepo} has uncommitted changes; commit or stash them, or do not check out.`,
        });
    }
  }
  let databaseName: string | null = null;
  if (plan.database) {
    databaseName = plan.database.name ?? defaultDatabaseName(site.name, plan.env);
    if (!elements.includes('database'))
      conflicts.push({ kind: 'database', message: 'A database import needs the database archive.' });
    else if (!plan.database.replace) {
      try {
        if (await databaseExists(plan.database.connection, databaseName)) {
          conflicts.push({
            kind: 'database',
            message: `The database "${databaseName}" already exists. Choose another name, or choose to replace it.`,
          });
        }
      } catch (e) {
        conflicts.push({
          kind: 'database',
          message: `Could not reach the database server: ${(e as Error).message}`,
        });
      }
    }
  }
  let backupFolder: string | null = null;
  let downloadBytes = 0;
  if (plan.backup !== 'new') {
    try {
      const set = pickBackupSet(await client.listBackupSets(site, plan.env), plan.backup, elements);
      backupFolder = set.folder;
      const work = join(targetDir, `.${basename(path)}.lifeboat`, 'downloads');
      for (const el of elements) {
        const a = set.archives[el]!;
        const have = await partProgress(
          join(work, `${a.filename}.part`),
          {
            identity: `${set.folder}/${a.filename}`,
            size: a.size,
          },
          { discard: false },
        ).catch(() => 0);
        downloadBytes += a.size - have + a.size * EXPANSION[el];
      }
    } catch (e) {
      if (!(e instanceof LifeboatError)) throw e;
      conflicts.push({ kind: 'backup', message: e.message });
    }
  }
  const freeBytes = await (deps.freeSpace ?? statfsFreeSpace)(targetDir);
  if (downloadBytes > freeBytes)
    conflicts.push({
      kind: 'disk',
      message: `This needs about ${downloadBytes} bytes but only ${freeBytes} are free in ${targetDir}.`,
    });
  const writes: string[] = [];
  if (elements.includes('code')) writes.push(`${path}/ (the ${plan.env} code on branch ${branch})`);
  if (elements.includes('files')) {
    const where = elements.includes('code')
      ? site.framework === 'wordpress'
        ? 'wp-content/uploads'
        : 'sites/default/files'
      : 'files';
    writes.push(`${path}/${where}/ (files)`);
  }
  if (elements.includes('database')) writes.push(`${path}/database/ (the .sql.gz as downloaded)`);
  writes.push(`${path}/lifeboat.json`);
  if (databaseName) writes.push(`database ${databaseName}${plan.database?.replace ? ' (replaced)' : ''}`);
  if (plan.intoRepo && branch)
    writes.push(`${plan.intoRepo}: branch ${branch}${plan.checkoutIntoRepo ? ', checked out' : ''}`);
  return { path, backupFolder, elements, branch, databaseName, downloadBytes, freeBytes, writes, conflicts };
}
