// Imports one database archive with Lifeboat's importer:
//   node --import tsx test/bench/import-db.ts ARCHIVE SOCKET DB [CONNECTIONS]
// CONNECTIONS: table connections to load over (default: the importer's own default).
import { importDatabase } from '../../electron/services/database/mysql';

const [archive, socket, database, connections] = process.argv.slice(2);
if (!archive || !socket || !database)
  throw new Error('usage: import-db.ts ARCHIVE SOCKET DATABASE [CONNECTIONS]');
await importDatabase({
  archive,
  connection: { socket, user: 'root' },
  database,
  ...(connections ? { connections: Number(connections) } : {}),
});
