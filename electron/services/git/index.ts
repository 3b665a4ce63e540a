/** Git: finding the repository in a code archive, choosing the deploy ref, branches, existing clones. */
export {
  gitAt,
  findRepository,
  chooseRef,
  newestDeployTag,
  defaultBranchName,
  validateBranchName,
  branchExists,
  createBranch,
  uncommittedChanges,
  importIntoClone,
  cloneBare,
  type ChosenRef,
  type FoundRepository,
} from './git';
