/** Downloads: resumable, verified, followed by readers while they grow. */
export {
  downloadToPart,
  discardPart,
  partProgress,
  urlExpiry,
  storageHttp,
  DEFAULT_TRANSFER,
  type ArchiveSource,
  type TransferPolicy,
} from './download';
export { GrowingFile } from './growing-file';
export { ensureFreeSpace, statfsFreeSpace, formatBytes, DISK_MARGIN, type FreeSpaceProbe } from './disk';
