// Imports one database archive with Lifeboat's importer: `node --import tsx test/bench/import-db.ts ARCHIVE SOCKET DB`.
import { importDatabase } from '../../electron/services/database/mysql';

const [archive, socket, database] = process.argv.slice(2);
if (!archive || !socket || !database) throw new Error('usage: import-db.ts ARCHIVE SOCKET DATABASE');
await importDatabase({ archive, connection: { socket, user: 'root' }, database });
