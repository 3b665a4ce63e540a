/** The shared models the store keeps, re-exported in one place. */
export type {
  Account,
  ArchiveEntryInfo,
  BackupSchedule,
  BackupSet,
  Environment,
  Job,
  LocalCopy,
  MirrorProfile,
  Settings,
  Site,
  UpdateState,
} from '@shared/models';
export type { AppError as AppErrorLike } from '@shared/result';
