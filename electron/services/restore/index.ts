/** Restores and single-archive downloads. */
export {
  runRestore,
  pickBackupSet,
  archiveLabel,
  type RestoreContext,
  type RestoreResult,
  type RestoreOptions,
} from './restore';
export { downloadArchive, type DownloadPlan } from './download-archive';
export type { RestorePlan, RestoreRecord, BackupChoice } from './plan';
