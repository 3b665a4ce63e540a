import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** How mysqldump ends a dump: the session settings its preamble changed, put back. */
export const MYSQLDUMP_POSTAMBLE: readonly string[] = [
  '/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;',
  '',
  '/*!40101 SET SQL_MODE=@OLD_SQL_MODE */;',
  '/*!40014 SET FOREIGN_KEY_CHECKS=@OLD_FOREIGN_KEY_CHECKS */;',
  '/*!40014 SET UNIQUE_CHECKS=@OLD_UNIQUE_CHECKS */;',
  '/*!40101 SET CHARACTER_SET_CLIENT=@OLD_CHARACTER_SET_CLIENT */;',
  '/*!40101 SET CHARACTER_SET_RESULTS=@OLD_CHARACTER_SET_RESULTS */;',
  '/*!40101 SET COLLATION_CONNECTION=@OLD_COLLATION_CONNECTION */;',
  '/*!40111 SET SQL_NOTES=@OLD_SQL_NOTES */;',
  '',
  '-- Dump completed on 2026-11-30  3:00:00',
  '',
];
/**
 * Builders of hostile (and of realistic) gzip'd SQL dumps, for the importer's tests and for end-to-end CLI
 * tests. Each returns the `.sql.gz` bytes; `writeDump` puts them in a folder. Side effects a dump attempts
 * are aimed at paths and names the caller passes, so a test can check they did not happen.
 */

/** Writes a dump into `dir` and returns its path. */
export async function writeDump(dir: string, name: string, dump: Buffer): Promise<string> {
  const path = join(dir, name.endsWith('.gz') ? name : `${name}.sql.gz`);
  await writeFile(path, dump);
  return path;
}

/** Gzips SQL text (latin1 keeps raw bytes such as a lone 0xBF as they are). */
export const sqlGz = (sql: string, encoding: BufferEncoding = 'utf8'): Buffer =>
  gzipSync(Buffer.from(sql, encoding));

const table = 'DROP TABLE IF EXISTS `t`;\nCREATE TABLE `t` (`x` int);\nINSERT INTO `t` VALUES (1),(2);\n';

// ---------------------------------------------------------------------------------------------------------------
// Vector 1: client commands, which the mysql/mariadb client runs on this computer with the user's rights.

/** `\! touch marker`: a shell command through the client. */
export const shellEscapeDump = (marker: string): Buffer => sqlGz(`${table}\\! touch ${marker}\nSELECT 1;\n`);

/** `system touch marker` on a line of its own. */
export const systemCommandDump = (marker: string): Buffer =>
  sqlGz(`${table}system touch ${marker}\nSELECT 1;\n`);

/** `system …;` as a statement after another on the same line (the client checks every statement's first word). */
export const midLineSystemDump = (marker: string): Buffer =>
  sqlGz(`${table}SELECT 1; system touch ${marker};\nSELECT 2;\n`);

/** `\. file`: the client reads and runs another file. */
export const sourceShortDump = (file: string): Buffer => sqlGz(`${table}\\. ${file}\n`);

/** `source file`. */
export const sourceCommandDump = (file: string): Buffer => sqlGz(`${table}source ${file}\n`);

/** `tee file`: the client appends everything to a file of the dump's choosing. */
export const teeDump = (file: string): Buffer =>
  sqlGz(`${table}tee ${file}\nSELECT 'written by the dump';\n`);

/** `\T file`, the short form, after a statement. */
export const teeShortDump = (file: string): Buffer => sqlGz(`${table}SELECT 1; \\T ${file}\nSELECT 2;\n`);

/** `pager command`: output through a program. */
export const pagerDump = (marker: string): Buffer => sqlGz(`${table}pager touch ${marker}\nSELECT 1;\n`);

/** `connect other`: reconnect into another database, then drop its table. */
export const connectDump = (other: string): Buffer => sqlGz(`${table}connect ${other}\nDROP TABLE \`t\`;\n`);

/** A DELIMITER change, then a client command hidden as the second statement of a line. */
export const delimiterTrickDump = (marker: string): Buffer =>
  sqlGz(`${table}DELIMITER ;;\nSELECT 1;; system touch ${marker};;\nDELIMITER ;\n`);

/** NO_BACKSLASH_ESCAPES makes `'a\'` a whole string, so what follows is outside it, for the client too. */
export const noBackslashShellDump = (marker: string): Buffer =>
  sqlGz(`SET sql_mode='NO_BACKSLASH_ESCAPES';\n${table}SELECT 'a\\' \\! touch ${marker}\n;\n`);

// ---------------------------------------------------------------------------------------------------------------
// Vector 2: reaching beyond the database being imported.

/** `USE other` after some tables, then `DROP TABLE`. */
export const useOtherDatabaseDump = (other: string): Buffer =>
  sqlGz(`${table}USE \`${other}\`;\nDROP TABLE \`t\`;\n`);

/** `DROP TABLE other.t`, qualified. */
export const qualifiedDropDump = (other: string): Buffer => sqlGz(`${table}DROP TABLE \`${other}\`.\`t\`;\n`);

/** `INSERT INTO other.t`, qualified. */
export const qualifiedInsertDump = (other: string): Buffer =>
  sqlGz(`${table}INSERT INTO \`${other}\`.\`t\` VALUES (666);\n`);

/** A `mysqldump --databases a b` style dump: its second database is someone else's. */
export const twoDatabasesDump = (own: string, other: string): Buffer =>
  sqlGz(
    `CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${own}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n\nUSE \`${own}\`;\n${table}\n` +
      `CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${other}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 */;\n\nUSE \`${other}\`;\nDROP TABLE IF EXISTS \`t\`;\n`,
  );

/** `DROP DATABASE other` after the dump's tables. */
export const dropDatabaseDump = (other: string): Buffer => sqlGz(`${table}DROP DATABASE \`${other}\`;\n`);

/** A new row in the server's account table. */
export const accountTableDump = (user: string): Buffer =>
  sqlGz(`${table}INSERT INTO mysql.global_priv (Host, User, Priv) VALUES ('%', '${user}', '{}');\n`);

/** `GRANT ALL ON *.*` to a new account. */
export const grantDump = (user: string): Buffer =>
  sqlGz(`${table}GRANT ALL PRIVILEGES ON *.* TO '${user}'@'%' IDENTIFIED BY 'Evil-Pa55word';\n`);

/** `SET GLOBAL max_connections`. */
export const setGlobalDump = (value: number): Buffer =>
  sqlGz(`${table}SET GLOBAL max_connections = ${value};\n`);

/** `LOAD DATA INFILE` of a server-side file into the dump's table. */
export const loadDataInfileDump = (file: string): Buffer =>
  sqlGz(`CREATE TABLE \`leak\` (\`line\` text);\nLOAD DATA INFILE '${file}' INTO TABLE \`leak\`;\n`);

/** `LOAD DATA LOCAL INFILE`: the client reads one of the user's files and sends it to the server. */
export const loadDataLocalInfileDump = (file: string): Buffer =>
  sqlGz(`CREATE TABLE \`leak\` (\`line\` text);\nLOAD DATA LOCAL INFILE '${file}' INTO TABLE \`leak\`;\n`);

/** `SELECT … INTO OUTFILE`: the server writes a file. */
export const intoOutfileDump = (file: string): Buffer =>
  sqlGz(`${table}SELECT 'written by the dump' INTO OUTFILE '${file}';\n`);

/** `INSTALL SONAME`: a plugin loaded into the server. */
export const installPluginDump = (soname: string): Buffer => sqlGz(`${table}INSTALL SONAME '${soname}';\n`);

/** A trigger whose body reaches into another database, fired by the dump's own INSERT. */
export const triggerEscapeDump = (other: string): Buffer =>
  sqlGz(
    `${table}DELIMITER ;;\nCREATE TRIGGER \`tr\` AFTER INSERT ON \`t\` FOR EACH ROW DELETE FROM \`${other}\`.\`t\` ;;\nDELIMITER ;\nINSERT INTO \`t\` VALUES (3);\n`,
  );

/** A view over another database's table, written through. */
export const viewWriteThroughDump = (other: string): Buffer =>
  sqlGz(`${table}CREATE VIEW \`v\` AS SELECT * FROM \`${other}\`.\`t\`;\nINSERT INTO \`v\` VALUES (666);\n`);

/**
 * `SET NAMES gbk`: in GBK the bytes BF 5C are one character, so the server sees `'¿'` end where the client (and a
 * naive guard) see an escaped quote, and runs the DROP hidden in the "string".
 */
export const gbkSmuggleDump = (other: string): Buffer =>
  sqlGz(
    `SET NAMES gbk;\nCREATE TABLE \`g\` (\`x\` varchar(10));\nINSERT INTO \`g\` VALUES ('\u00bf\\'); DROP TABLE \`${other}\`.\`t\`; -- ');\n`,
    'latin1',
  );

/** NO_BACKSLASH_ESCAPES again: an INSERT whose "string" hides `USE other; DROP TABLE t`. */
export const noBackslashUseDump = (other: string): Buffer =>
  sqlGz(
    `SET sql_mode='NO_BACKSLASH_ESCAPES';\nCREATE TABLE \`n\` (\`x\` text);\nINSERT INTO \`n\` VALUES ('a\\'); USE \`${other}\`; DROP TABLE \`t\`; -- ');\n`,
  );

/**
 * The outside tester's dump: after `DELIMITER //`, one client statement holding three server statements (the
 * client sends `;` on and the server runs all of them), the last two reaching into `other`.
 */
export const multiStatementDump = (other: string, table: string): Buffer =>
  sqlGz(
    `CREATE TABLE t (a int);\nDELIMITER //\nINSERT INTO t VALUES (1); USE ${other}; DROP TABLE ${table}//\nDELIMITER ;\n`,
  );

/** A plain dump of `rows` single-row INSERTs (autocommitted one by one), slow enough to cancel midway. */
export const slowDump = (rows: number): Buffer => {
  const lines = ['CREATE TABLE `slow` (`id` int PRIMARY KEY, `s` varchar(40));'];
  for (let i = 1; i <= rows; i++)
    lines.push(`INSERT INTO \`slow\` VALUES (${i},'row ${i} ${(i * 7919) % 10007}');`);
  return sqlGz(`${lines.join('\n')}\n`);
};

/** Reads another database's table into the dump's own: only a copy, but not this dump's business. */
export const crossDatabaseReadDump = (other: string): Buffer =>
  sqlGz(`${table}INSERT INTO \`t\` SELECT * FROM \`${other}\`.\`t\`;\n`);

/** A WordPress options table, as the start of a site's dump. */
const wpOptions =
  'CREATE TABLE `wp_options` (\n  `option_id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n  `option_name` varchar(191) NOT NULL,\n' +
  '  `option_value` longtext NOT NULL,\n  PRIMARY KEY (`option_id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n' +
  "INSERT INTO `wp_options` VALUES (1,'siteurl','https://example.com');\n";

/**
 * The outside tester's dump: a trigger, in mysqldump's own form, whose body writes into `other.keep`. Harmless
 * while it is imported (nothing fires it) unless `fireDuringImport`; the danger is the account it runs as later,
 * whenever the site writes its own table.
 */
export const crossDatabaseTriggerDump = (
  other: string,
  options: { fireDuringImport?: boolean } = {},
): Buffer =>
  sqlGz(
    `${wpOptions}DELIMITER ;;\n/*!50003 CREATE*/ /*!50017 DEFINER=\`pantheon\`@\`%\`*/ /*!50003 TRIGGER \`wp_options_ai\` AFTER INSERT ON \`wp_options\` FOR EACH ROW INSERT INTO ${other}.keep VALUES (666) */;;\nDELIMITER ;\n` +
      (options.fireDuringImport
        ? "INSERT INTO `wp_options` (`option_name`, `option_value`) VALUES ('blogname','x');\n"
        : ''),
  );

/**
 * A procedure and a function that write into `other.keep`, and a view that calls the function: each does it
 * with the rights of whoever it runs as, so whoever calls or reads them must not lend it theirs.
 */
export const crossDatabaseRoutinesDump = (other: string): Buffer =>
  sqlGz(
    `${wpOptions}DELIMITER ;;\n` +
      `CREATE DEFINER=\`pantheon\`@\`%\` PROCEDURE \`wp_cleanup\`()\nBEGIN\n  INSERT INTO ${other}.keep VALUES (666);\nEND ;;\n` +
      `CREATE DEFINER=\`pantheon\`@\`%\` FUNCTION \`wp_count\`() RETURNS int(11)\nBEGIN\n  INSERT INTO ${other}.keep VALUES (667);\n  RETURN 1;\nEND ;;\n` +
      'DELIMITER ;\n' +
      '/*!50001 CREATE ALGORITHM=UNDEFINED */\n/*!50013 DEFINER=`pantheon`@`%` SQL SECURITY INVOKER */\n/*!50001 VIEW `wp_stats` AS select `wp_count`() AS `n` */;\n',
  );

// ---------------------------------------------------------------------------------------------------------------
// Vector 3: a dump that drops the target's table itself, then fails.

/** `USE target; DROP TABLE t;` (as `mysqldump --databases target` would), then a statement the server refuses. */
export const dropThenFailDump = (target: string): Buffer =>
  sqlGz(
    `USE \`${target}\`;\nDROP TABLE IF EXISTS \`t\`;\nCREATE TABLE \`t\` (\`x\` int);\nINSERT INTO \`no_such_table\` VALUES (1);\n`,
  );

/** `DROP TABLE target.t`, qualified, then a failure. */
export const qualifiedDropThenFailDump = (target: string): Buffer =>
  sqlGz(`DROP TABLE IF EXISTS \`${target}\`.\`t\`;\nINSERT INTO \`no_such_table\` VALUES (1);\n`);

// ---------------------------------------------------------------------------------------------------------------
// Realistic dumps that must keep importing.

/**
 * mysqldump/mariadb-dump output with a table, a view (with its stand-in table), a trigger, a procedure and a
 * function, DEFINER clauses naming an account that does not exist here, DELIMITER ;; blocks and conditional
 * comments. Options: the `--databases` header (CREATE DATABASE + USE of `database`), MariaDB 11's sandbox
 * first line, and the GTID lines of a MySQL 8 dump. `marker` is a value in the data, to tell dumps apart.
 */
export function mysqldumpWithObjects(options: {
  readonly marker?: string;
  readonly database?: string;
  readonly sandboxLine?: boolean;
  readonly gtid?: boolean;
}): Buffer {
  const marker = options.marker ?? 'new';
  const definer = '`pantheon`@`%`';
  const lines: string[] = [];
  if (options.sandboxLine) lines.push('/*M!999999\\- enable the sandbox mode */ ');
  lines.push(
    '-- MariaDB dump 10.19  Distrib 10.6.18-MariaDB, for Linux (x86_64)',
    '--',
    '-- Host: dbserver    Database: pantheon',
    '-- ------------------------------------------------------',
    '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
    '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;',
    '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;',
    '/*!40101 SET NAMES utf8mb4 */;',
    "/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;\n/*!40103 SET TIME_ZONE='+00:00' */;",
    '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
    '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
    "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
    '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
  );
  if (options.gtid) {
    lines.push(
      'SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;',
      'SET @@SESSION.SQL_LOG_BIN= 0;',
      '',
      '--',
      '-- GTID state at the beginning of the backup ',
      '--',
      '',
      "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5';",
    );
  }
  if (options.database) {
    lines.push(
      '',
      `CREATE DATABASE /*!32312 IF NOT EXISTS*/ \`${options.database}\` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci */;`,
      '',
      `USE \`${options.database}\`;`,
    );
  }
  lines.push(
    '',
    '--',
    '-- Table structure for table `t`',
    '--',
    '',
    'DROP TABLE IF EXISTS `t`;',
    '/*!40101 SET @saved_cs_client     = @@character_set_client */;',
    '/*!40101 SET character_set_client = utf8 */;',
    'CREATE TABLE `t` (',
    '  `id` int(11) NOT NULL AUTO_INCREMENT,',
    '  `name` varchar(64) NOT NULL,',
    '  `stamp` varchar(64) DEFAULT NULL,',
    '  PRIMARY KEY (`id`)',
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;',
    '/*!40101 SET character_set_client = @saved_cs_client */;',
    '',
    'LOCK TABLES `t` WRITE;',
    '/*!40000 ALTER TABLE `t` DISABLE KEYS */;',
    `INSERT INTO \`t\` VALUES (1,'${marker}-one',NULL),(2,'it\\'s \\"${marker}\\"\\n; DROP TABLE x; -- two',NULL);`,
    '/*!40000 ALTER TABLE `t` ENABLE KEYS */;',
    'UNLOCK TABLES;',
    '/*!40101 SET @saved_cs_client     = @@character_set_client */;',
    '/*!40101 SET character_set_client = utf8 */;',
    '',
    '--',
    '-- Temporary table structure for view `v`',
    '--',
    '',
    'DROP TABLE IF EXISTS `v`;',
    '/*!50001 DROP VIEW IF EXISTS `v`*/;',
    'SET @saved_cs_client     = @@character_set_client;',
    'SET character_set_client = utf8;',
    '/*!50001 CREATE VIEW `v` AS SELECT',
    ' 1 AS `id`,',
    ' 1 AS `name` */;',
    'SET character_set_client = @saved_cs_client;',
    '',
    '/*!50003 SET @saved_cs_client      = @@character_set_client */ ;',
    '/*!50003 SET @saved_cs_results     = @@character_set_results */ ;',
    '/*!50003 SET @saved_col_connection = @@collation_connection */ ;',
    '/*!50003 SET character_set_client  = utf8mb4 */ ;',
    '/*!50003 SET character_set_results = utf8mb4 */ ;',
    '/*!50003 SET collation_connection  = utf8mb4_unicode_ci */ ;',
    '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
    "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION' */ ;",
    'DELIMITER ;;',
    `/*!50003 CREATE*/ /*!50017 DEFINER=${definer}*/ /*!50003 TRIGGER \`t_stamp\` BEFORE INSERT ON \`t\` FOR EACH ROW BEGIN`,
    `  SET NEW.stamp = CONCAT('${marker}:', NEW.name);`,
    'END */;;',
    'DELIMITER ;',
    '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    '/*!50003 SET character_set_client  = @saved_cs_client */ ;',
    '/*!50003 SET character_set_results = @saved_cs_results */ ;',
    '/*!50003 SET collation_connection  = @saved_col_connection */ ;',
    '',
    '--',
    '-- Dumping routines for database',
    '--',
    '/*!50003 DROP PROCEDURE IF EXISTS `p_count` */;',
    '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
    "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */ ;",
    'DELIMITER ;;',
    `CREATE DEFINER=${definer} PROCEDURE \`p_count\`(OUT n INT)`,
    'BEGIN',
    '  SELECT COUNT(*) INTO n FROM `t`;',
    'END ;;',
    'DELIMITER ;',
    '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    '/*!50003 DROP FUNCTION IF EXISTS `f_label` */;',
    '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
    "/*!50003 SET sql_mode              = '' */ ;",
    'DELIMITER ;;',
    `CREATE DEFINER=${definer} FUNCTION \`f_label\`(x INT) RETURNS varchar(80) CHARSET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    '    DETERMINISTIC',
    `RETURN CONCAT('${marker}#', x) ;;`,
    'DELIMITER ;',
    '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    '',
    '--',
    '-- Final view structure for view `v`',
    '--',
    '',
    '/*!50001 DROP VIEW IF EXISTS `v`*/;',
    '/*!50001 SET @saved_cs_client          = @@character_set_client */;',
    '/*!50001 SET @saved_cs_results         = @@character_set_results */;',
    '/*!50001 SET @saved_col_connection     = @@collation_connection */;',
    '/*!50001 SET character_set_client      = utf8mb4 */;',
    '/*!50001 SET character_set_results     = utf8mb4 */;',
    '/*!50001 SET collation_connection      = utf8mb4_unicode_ci */;',
    '/*!50001 CREATE ALGORITHM=UNDEFINED */',
    `/*!50013 DEFINER=${definer} SQL SECURITY DEFINER */`,
    '/*!50001 VIEW `v` AS select `t`.`id` AS `id`,`t`.`name` AS `name` from `t` */;',
    '/*!50001 SET character_set_client      = @saved_cs_client */;',
    '/*!50001 SET character_set_results     = @saved_cs_results */;',
    '/*!50001 SET collation_connection      = @saved_col_connection */;',
  );
  if (options.gtid) lines.push('SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;');
  lines.push(...MYSQLDUMP_POSTAMBLE);
  return sqlGz(lines.join('\n'));
}
