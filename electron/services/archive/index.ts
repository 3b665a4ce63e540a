/** tar.gz extraction and listing, with entry checks; where files go in a code tree. */
export {
  extractTarGz,
  listTarGz,
  unsafeEntryReason,
  type ArchiveEntry,
  type ExtractOptions,
  type ExtractResult,
} from './extract';
export { pathFilter } from './globs';
export { filesPathFor, filesTopFolder, moveContents } from './placement';
