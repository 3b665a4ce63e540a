import type { CommandSpec } from '../registry';
import { authImportTerminus } from './auth-import-terminus';
import { authList } from './auth-list';
import { authLogin } from './auth-login';
import { authLogout } from './auth-logout';
import { authRename } from './auth-rename';
import { automaticDisable, automaticEnable, automaticInfo } from './backups-automatic';
import { backupsCreate } from './backups-create';
import { backupsGet } from './backups-get';
import { backupsInfo } from './backups-info';
import { backupsList } from './backups-list';
import { backupsRestore } from './backups-restore';
import { copiesForget, copiesList, copiesRemove, copiesUpdate } from './copies';
import { copiesOpen } from './copies-open';
import { copiesSetup } from './copies-setup';
import { download } from './download';
import { envs } from './envs';
import { jobsCancel, jobsClear, jobsList, jobsRetry, jobsShow } from './jobs';
import { mirror, mirrorVerify } from './mirror';
import { pull } from './pull';
import { sandbox } from './sandbox';
import { sites } from './sites';

/** Every command, in the order help and the README list them. */
export const COMMANDS: readonly CommandSpec[] = [
  authLogin,
  authList,
  authRename,
  authLogout,
  authImportTerminus,
  sites,
  envs,
  backupsList,
  backupsCreate,
  backupsGet,
  backupsInfo,
  backupsRestore,
  automaticInfo,
  automaticEnable,
  automaticDisable,
  pull,
  download,
  mirror,
  mirrorVerify,
  jobsList,
  jobsShow,
  jobsCancel,
  jobsRetry,
  jobsClear,
  copiesList,
  copiesUpdate,
  copiesOpen,
  copiesSetup,
  copiesRemove,
  copiesForget,
  sandbox,
];
