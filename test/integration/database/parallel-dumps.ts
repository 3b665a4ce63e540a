/**
 * Dumps for the parallel import tests: mysqldump-shaped, with several tables, foreign keys, LOCK TABLES,
 * extended inserts, binary data, strings and comments that look like statements, DELIMITER sections, a view
 * (with its placeholder among the tables), a trigger after its table's data, and stored routines at the end.
 */
import { MYSQLDUMP_POSTAMBLE } from '../../helpers/hostile-dumps';

/** A SQL string literal as mysqldump writes it. */
export const lit = (s: string): string =>
  `'${s
    .replace(/\\/g, '\\\\')
    .replace(/'/g, "\\'")
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\0/g, '\\0')}'`;

/** All 256 byte values and then some, as mysqldump writes a binary string (escaped, latin1 bytes). */
function binaryLiteral(seed: number, length: number): string {
  let out = "_binary '";
  for (let i = 0; i < length; i++) {
    const b = (i * 131 + seed * 17) & 0xff;
    const c = String.fromCharCode(b);
    out +=
      b === 0
        ? '\\0'
        : b === 0x27
          ? "\\'"
          : b === 0x5c
            ? '\\\\'
            : b === 0x0a
              ? '\\n'
              : b === 0x0d
                ? '\\r'
                : b === 0x1a
                  ? '\\Z'
                  : c;
  }
  return `${out}'`;
}

const PREAMBLE = [
  '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)',
  '--',
  '-- Host: localhost    Database: site',
  '-- ------------------------------------------------------',
  '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
  '/*!40101 SET @OLD_CHARACTER_SET_RESULTS=@@CHARACTER_SET_RESULTS */;',
  '/*!40101 SET @OLD_COLLATION_CONNECTION=@@COLLATION_CONNECTION */;',
  '/*!40101 SET NAMES utf8mb4 */;',
  '/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;',
  "/*!40103 SET TIME_ZONE='+00:00' */;",
  '/*!40014 SET @OLD_UNIQUE_CHECKS=@@UNIQUE_CHECKS, UNIQUE_CHECKS=0 */;',
  '/*!40014 SET @OLD_FOREIGN_KEY_CHECKS=@@FOREIGN_KEY_CHECKS, FOREIGN_KEY_CHECKS=0 */;',
  "/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;",
  '/*!40111 SET @OLD_SQL_NOTES=@@SQL_NOTES, SQL_NOTES=0 */;',
  '',
];

const POSTAMBLE = MYSQLDUMP_POSTAMBLE;

/** mysqldump's lines for one table: structure, then its rows in extended inserts of `per` rows. */
export function table(name: string, columns: string[], rows: string[], per = 100): string[] {
  const q = `\`${name.replace(/`/g, '``')}\``;
  // A comment line ends at a newline, so a name holding one is shown without it.
  const shown = q.replace(/\n/g, ' ');
  const out = [
    '--',
    `-- Table structure for table ${shown}`,
    '--',
    '',
    `DROP TABLE IF EXISTS ${q};`,
    '/*!40101 SET @saved_cs_client     = @@character_set_client */;',
    '/*!40101 SET character_set_client = utf8 */;',
    `CREATE TABLE ${q} (`,
    columns.map((c) => `  ${c}`).join(',\n'),
    ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;',
    '/*!40101 SET character_set_client = @saved_cs_client */;',
    '',
    '--',
    `-- Dumping data for table ${shown}`,
    '--',
    '',
    `LOCK TABLES ${q} WRITE;`,
    `/*!40000 ALTER TABLE ${q} DISABLE KEYS */;`,
  ];
  for (let i = 0; i < rows.length; i += per)
    out.push(`INSERT INTO ${q} VALUES ${rows.slice(i, i + per).join(',')};`);
  out.push(`/*!40000 ALTER TABLE ${q} ENABLE KEYS */;`, 'UNLOCK TABLES;', '');
  return out;
}

/**
 * A site's dump: authors, blobs, comments (FK to posts, a trigger after its data), `new line`, posts (FK to
 * authors, text that looks like statements), a view placeholder, `we``ird` (its INSERTs under DELIMITER $$), a
 * stored function and procedure, the final view. `scale` multiplies the rows.
 */
export function siteDump(scale = 1): string {
  const authors = Array.from({ length: 40 * scale }, (_, i) => `(${i + 1},${lit(`Author ${i + 1}`)})`);
  const posts = Array.from({ length: 600 * scale }, (_, i) => {
    const n = i + 1;
    const tricky = [
      'semi; colon; and more;',
      'CREATE TABLE `evil` (x int);\nDROP TABLE `authors`;\nUSE other;',
      '*/ DELIMITER ;; /*!40101 SET NAMES latin1 */ -- # \\! system ls',
      'quote \' and "double" and `tick` and \\ backslash',
      'ünïcødé — “quoted” 😀',
    ][n % 5]!;
    return `(${n},${(n % (40 * scale)) + 1},${lit(`Post ${n}`)},${lit(`${tricky} #${n} ${'lorem ipsum '.repeat(n % 7)}`)})`;
  });
  const comments = Array.from(
    { length: 900 * scale },
    (_, i) => `(${i + 1},${(i % (600 * scale)) + 1},${lit(`comment ${i + 1};\nCREATE TABLE x (y int);`)})`,
  );
  const blobs = Array.from(
    { length: 30 * scale },
    (_, i) => `(${i + 1},${binaryLiteral(i, 300)},0x${Buffer.from(`hex ${i}`).toString('hex')})`,
  );
  const lines = [
    ...PREAMBLE,
    ...table(
      'authors',
      ['`id` int(11) NOT NULL', '`name` varchar(80) NOT NULL', 'PRIMARY KEY (`id`)'],
      authors,
    ),
    ...table(
      'blobs',
      ['`id` int(11) NOT NULL', '`data` longblob', '`hex` varbinary(40)', 'PRIMARY KEY (`id`)'],
      blobs,
      7,
    ),
    ...table(
      'comments',
      [
        '`id` int(11) NOT NULL',
        '`post_id` int(11) NOT NULL',
        '`body` text NOT NULL',
        'PRIMARY KEY (`id`)',
        'KEY `post_id` (`post_id`)',
        'CONSTRAINT `comments_post` FOREIGN KEY (`post_id`) REFERENCES `posts` (`id`) ON DELETE CASCADE',
      ],
      comments,
      150,
    ),
    // mysqldump puts a table's triggers right after its data; the dumped rows must not go through it.
    '/*!50003 SET @saved_cs_client      = @@character_set_client */ ;',
    '/*!50003 SET character_set_client  = utf8mb4 */ ;',
    '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
    "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION' */ ;",
    'DELIMITER ;;',
    '/*!50003 CREATE*/ /*!50017 DEFINER=`root`@`localhost`*/ /*!50003 TRIGGER `comments_bi` BEFORE INSERT ON `comments` FOR EACH ROW BEGIN',
    "  SET NEW.body = CONCAT('[t] ', NEW.body);",
    'END */;;',
    'DELIMITER ;',
    '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    '/*!50003 SET character_set_client  = @saved_cs_client */ ;',
    '',
    '/* A comment that looks like a boundary ;',
    'CREATE TABLE `evil2` (x int);',
    ' */',
    "/*!999999 INSERT INTO `authors` VALUES (666, 'from a newer server') */;",
    ...table('new line', ['`id` int(11) NOT NULL', 'PRIMARY KEY (`id`)'], ['(1)', '(2)', '(3)']),
    ...table(
      'posts',
      [
        '`id` int(11) NOT NULL',
        '`author_id` int(11) NOT NULL',
        '`title` varchar(200) NOT NULL',
        '`body` mediumtext NOT NULL',
        'PRIMARY KEY (`id`)',
        'KEY `author_id` (`author_id`)',
        'CONSTRAINT `posts_author` FOREIGN KEY (`author_id`) REFERENCES `authors` (`id`)',
      ],
      posts,
      50,
    ),
    '--',
    '-- Temporary table structure for view `v_posts`',
    '--',
    '',
    'DROP TABLE IF EXISTS `v_posts`;',
    '/*!50001 DROP VIEW IF EXISTS `v_posts`*/;',
    'SET @saved_cs_client     = @@character_set_client;',
    'SET character_set_client = utf8;',
    '/*!50001 CREATE VIEW `v_posts` AS SELECT',
    ' 1 AS `id`,',
    ' 1 AS `author`,',
    ' 1 AS `title` */;',
    'SET character_set_client = @saved_cs_client;',
    '',
    // A table whose INSERTs run under another delimiter, with a name the server reads as we`ird.
    '--',
    '-- Table structure for table `we``ird`',
    '--',
    'DROP TABLE IF EXISTS `we``ird`;',
    'CREATE TABLE `we``ird` (`k` varchar(20) NOT NULL, `v` text, PRIMARY KEY (`k`)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
    'DELIMITER $$',
    "INSERT INTO `we``ird` VALUES ('a',';'),('b','$'),('c','$ $')$$",
    "INSERT INTO `we``ird` VALUES ('d','DELIMITER ;')$$",
    'DELIMITER ;',
    '',
    '--',
    '-- Dumping routines for database',
    '--',
    '/*!50003 DROP FUNCTION IF EXISTS `post_count` */;',
    '/*!50003 SET @saved_sql_mode       = @@sql_mode */ ;',
    "/*!50003 SET sql_mode              = 'STRICT_TRANS_TABLES' */ ;",
    'DELIMITER ;;',
    'CREATE DEFINER=`root`@`localhost` FUNCTION `post_count`(a INT) RETURNS int(11)',
    '    READS SQL DATA',
    'BEGIN',
    '  RETURN (SELECT COUNT(*) FROM `posts` WHERE `author_id` = a);',
    'END ;;',
    'DELIMITER ;',
    '/*!50003 SET sql_mode              = @saved_sql_mode */ ;',
    '/*!50003 DROP PROCEDURE IF EXISTS `touch_authors` */;',
    'DELIMITER ;;',
    'CREATE DEFINER=`root`@`localhost` PROCEDURE `touch_authors`()',
    'BEGIN',
    '  UPDATE `authors` SET `name` = `name`;',
    'END ;;',
    'DELIMITER ;',
    '',
    '--',
    '-- Final view structure for view `v_posts`',
    '--',
    '',
    '/*!50001 DROP VIEW IF EXISTS `v_posts`*/;',
    '/*!50001 SET @saved_cs_client          = @@character_set_client */;',
    '/*!50001 SET character_set_client      = utf8mb4 */;',
    '/*!50001 CREATE ALGORITHM=UNDEFINED */',
    '/*!50013 DEFINER=`root`@`localhost` SQL SECURITY DEFINER */',
    '/*!50001 VIEW `v_posts` AS select `p`.`id` AS `id`,`a`.`name` AS `author`,`p`.`title` AS `title` from (`posts` `p` join `authors` `a` on(`a`.`id` = `p`.`author_id`)) */;',
    '/*!50001 SET character_set_client      = @saved_cs_client */;',
    '',
    ...POSTAMBLE,
  ];
  return lines.join('\n');
}

/** Tables of `rows` rows each (about 100 bytes a row) with the usual preamble and postamble. */
export function plainDump(
  tables: Record<string, number>,
  extra: { before?: string[]; after?: string[] } = {},
): string {
  const lines = [...PREAMBLE, ...(extra.before ?? [])];
  for (const [name, count] of Object.entries(tables)) {
    const rows = Array.from(
      { length: count },
      (_, i) => `(${i + 1},${lit(`${name} row ${i + 1} `.padEnd(90, '.'))})`,
    );
    lines.push(
      ...table(name, ['`id` int(11) NOT NULL', '`s` varchar(200) NOT NULL', 'PRIMARY KEY (`id`)'], rows),
    );
  }
  lines.push(...(extra.after ?? []), ...POSTAMBLE);
  return lines.join('\n');
}
