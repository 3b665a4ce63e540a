/** Local MySQL/MariaDB import of a database archive. */
export {
  importDatabase,
  databaseExists,
  parseDbUrl,
  defaultDatabaseName,
  assertDatabaseName,
  collationRewriter,
  type DbConnection,
  type ImportResult,
} from './mysql';
