/** The Lifeboat sandbox: a Pantheon-compatible platform on loopback, for demo mode, tests and benchmarks. */
export {
  startSandbox,
  SANDBOX_MODE_NAMES,
  type Sandbox,
  type RestoreRecord,
  type SandboxOptions,
  type SandboxMode,
  type RequestLogEntry,
} from './server';
export type { Faults, ApiFaults, StoreFaults, ScriptedFault, WorkflowFaults } from './faults';
export {
  demoSeed,
  bigSeed,
  benchSeed,
  seedByName,
  type Seed,
  type SeedSite,
  type SeedUser,
  type SeedOrg,
  type DiffstatEntry,
} from './seed';
export {
  deployTagOf,
  releaseLine,
  masterCommits,
  DRUPAL_EXCLUDED,
  type ArchiveElement,
  type BuiltArchive,
} from './archives';
