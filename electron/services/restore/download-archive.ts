import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Element, Site } from '@shared/models';
import { extractTarGz } from '../archive/extract';
import { LifeboatError } from '../errors';
import { exists } from '../fs-util';
import type { PantheonClient } from '../pantheon/client';
import { ensureFreeSpace, statfsFreeSpace, type FreeSpaceProbe } from '../transfer/disk';
import { discardPart, downloadToPart, partProgress, type TransferPolicy } from '../transfer/download';
import { GrowingFile } from '../transfer/growing-file';
import { settleDownload } from '../transfer/settle';
import { verifyGzip } from '../transfer/verify';
import { archiveLabel, type RestoreContext } from './restore';

/** One archive to save as it is (the designer's path), optionally with only some folders unpacked. */
export interface DownloadPlan {
  readonly site: string;
  readonly env: string;
  /** The backup folder, or `latest` for the newest finished archive of the element. */
  readonly folder: string;
  readonly element: Element;
  readonly targetDir: string;
  /** When given (files and code only), these folders are unpacked beside the archive, into `<name>/`. */
  readonly include?: readonly string[];
}

/**
 * Saves one archive into a folder: resumable `.part`, verified through gunzip while it downloads, renamed
 * when complete. An existing file of that name is never overwritten.
 */
export async function downloadArchive(
  deps: {
    readonly client: PantheonClient;
    readonly site: Site;
    readonly transfer?: TransferPolicy;
    readonly freeSpace?: FreeSpaceProbe;
  },
  plan: DownloadPlan,
  ctx: RestoreContext,
): Promise<{ path: string; extractedTo: string | null; resumedBytes: number }> {
  const { client, site } = deps;
  const sets = await client.listBackupSets(site, plan.env);
  const set =
    plan.folder === 'latest'
      ? sets.find((s) => s.archives[plan.element]?.finished)
      : sets.find((s) => s.folder === plan.folder);
  const archive = set?.archives[plan.element];
  if (!set || !archive?.finished)
    throw new LifeboatError(
      'not-found',
      `There is no finished ${plan.element} archive in ${plan.folder === 'latest' ? 'the catalog' : `backup ${plan.folder}`}.`,
    );
  const dir = resolve(plan.targetDir);
  const path = join(dir, archive.filename);
  const unpackTo = plan.include?.length
    ? join(dir, archive.filename.replace(/\.tar\.gz$|\.sql\.gz$/, ''))
    : null;
  if (await exists(path))
    throw new LifeboatError('conflict', `${path} already exists; Lifeboat will not overwrite it.`);
  if (unpackTo && (await exists(unpackTo)))
    throw new LifeboatError('conflict', `${unpackTo} already exists; Lifeboat will not overwrite it.`);
  if (unpackTo && plan.element === 'database')
    throw new LifeboatError('invalid-request', 'Only code and files archives have folders to pick.');
  await mkdir(dir, { recursive: true });
  const partPath = `${path}.part`;
  const source = {
    label: archiveLabel(plan.element),
    identity: `${set.folder}/${archive.filename}`,
    size: archive.size,
    url: (s?: AbortSignal) => client.archiveUrl(site, plan.env, set.folder, plan.element, s),
  };
  const have = await partProgress(partPath, source, { discard: false });
  await ensureFreeSpace(
    dir,
    archive.size - have + (unpackTo ? archive.size : 0),
    deps.freeSpace ?? statfsFreeSpace,
  );
  ctx.phase('downloading', `Downloading ${archive.filename}`);
  const file = new GrowingFile(partPath);
  const inner = new AbortController();
  const onAbort = (): void => inner.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  const staging = unpackTo ? `${unpackTo}.lifeboat-staging` : null;
  let resumedBytes = 0;
  try {
    const dl = downloadToPart({
      source,
      partPath,
      file,
      signal: inner.signal,
      ...(deps.transfer ? { policy: deps.transfer } : {}),
      onProgress: (d) => ctx.part(plan.element, source.label, d, archive.size),
    }).then(
      (r) => {
        resumedBytes = r.resumedFrom;
        file.finish();
      },
      (e: Error) => {
        file.fail(e);
        throw e;
      },
    );
    const verify = (async () => {
      if (staging) {
        await rm(staging, { recursive: true, force: true });
        await mkdir(staging, { recursive: true });
        await extractTarGz(file.reader({ signal: inner.signal }), staging, {
          label: source.label,
          include: plan.include ?? [],
          signal: inner.signal,
        });
        return;
      }
      await verifyGzip(file.reader({ signal: inner.signal }), source.label, inner.signal);
    })().catch((e: unknown) => {
      inner.abort();
      throw e;
    });
    await settleDownload(dl, verify, () => discardPart(partPath));
    await rename(partPath, path);
    await rm(`${partPath}.json`, { force: true });
    if (staging && unpackTo) await rename(staging, unpackTo);
    return { path, extractedTo: unpackTo, resumedBytes };
  } catch (e) {
    if (staging) await rm(staging, { recursive: true, force: true });
    if (ctx.signal?.aborted)
      throw new LifeboatError(
        'cancelled',
        `Download of ${archive.filename} cancelled; it will resume from where it stopped.`,
      );
    throw e;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
}
