import { createHash, randomBytes } from 'node:crypto';
import type { DbConnection } from '../database/mysql';
import { queryOnce } from './sql';

/**
 * The database user a local copy's site connects as: one per database, `lifeboat_site_` and 16 hex digits of the
 * database name's SHA-256 (30 characters: MySQL 5.7 allows 32), with rights on that database only and a password
 * Lifeboat generates. The person's own database password is never written into a site's file.
 */

/** What the site may do in its database: what WordPress and Drupal need (their updates alter tables), no more. */
export const SITE_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER, CREATE TEMPORARY TABLES, LOCK TABLES, REFERENCES, CREATE VIEW, SHOW VIEW';

const literal = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const grantScope = (database: string): string =>
  `\`${database.replace(/`/g, '``').replace(/[_%]/g, '\\$&')}\`.*`;

/** The site's account for `database`, at the host the server sees Lifeboat's own connection come from. */
export function siteAccount(
  database: string,
  host: string,
): { readonly user: string; readonly host: string } {
  return { user: `lifeboat_site_${createHash('sha256').update(database).digest('hex').slice(0, 16)}`, host };
}

/** A new password: letters, digits, `-` and `_`, with the kinds a password policy plugin asks for. */
export const newPassword = (): string => `Lb-${randomBytes(24).toString('base64url')}-9z`;

/** The session's account as information_schema writes grantees: 'user'@'host' (quotes doubled: any sql_mode). */
const GRANTEE =
  "CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')";

/** Who the session is, as the server sees it: `user@host` split, and whether it may create that account now. */
export async function whoAmI(
  conn: DbConnection,
  database: string,
): Promise<{ host: string; canCreate: boolean; exists: boolean }> {
  const s = { query: (sql: string) => queryOnce(conn, sql) };
  const me = (await s.query('SELECT USER();'))[0]?.[0] ?? '';
  const host = me.includes('@') ? me.slice(me.lastIndexOf('@') + 1) : 'localhost';
  const wanted = SITE_PRIVILEGES.split(', ');
  // The session's own rights as information_schema shows them (each user sees its own rows): CREATE USER
  // globally, and every right to give with GRANT OPTION, globally or on this very database.
  const global = await s.query(
    'SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.USER_PRIVILEGES ' +
      `WHERE GRANTEE = ${GRANTEE};`,
  );
  const onDb = await s.query(
    'SELECT PRIVILEGE_TYPE, IS_GRANTABLE FROM information_schema.SCHEMA_PRIVILEGES ' +
      `WHERE TABLE_SCHEMA = ${literal(database)} AND GRANTEE = ${GRANTEE};`,
  );
  const grantable = new Set(
    [...global, ...onDb].filter(([, g]) => g === 'YES').map(([p = '']) => p.toUpperCase()),
  );
  const canCreate =
    global.some(([p]) => p?.toUpperCase() === 'CREATE USER') && wanted.every((p) => grantable.has(p));
  const account = siteAccount(database, host);
  // Reading mysql.user takes a right the session may lack: then the account is taken as new.
  const exists = await s
    .query(
      `SELECT COUNT(*) FROM mysql.user WHERE User = ${literal(account.user)} AND Host = ${literal(host)};`,
    )
    .then((r) => r[0]?.[0] === '1')
    .catch(() => false);
  return { host, canCreate, exists };
}

/**
 * Creates (or, from an earlier setup, takes over) the site's account with `password` and exactly SITE_PRIVILEGES
 * on `database`; returns whether it was created now (to be dropped again if the setup fails).
 */
export async function ensureSiteUser(
  conn: DbConnection,
  database: string,
  host: string,
  password: string,
): Promise<{ readonly user: string; readonly host: string; readonly created: boolean }> {
  const s = { query: (sql: string) => queryOnce(conn, sql, { secrets: [password] }) };
  const { user } = siteAccount(database, host);
  const account = `${literal(user)}@${literal(host)}`;
  const count = await s
    .query(`SELECT COUNT(*) FROM mysql.user WHERE User = ${literal(user)} AND Host = ${literal(host)};`)
    .then((r) => r[0]?.[0] ?? '0')
    .catch(() => '0');
  const created = count === '0';
  await s.query(
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${literal(password)};\n` +
      `ALTER USER ${account} IDENTIFIED BY ${literal(password)};\n` +
      // Whatever someone gave it since, it gets back to the site's rights on its database alone.
      `REVOKE ALL PRIVILEGES, GRANT OPTION FROM ${account};\n` +
      `GRANT ${SITE_PRIVILEGES} ON ${grantScope(database)} TO ${account};`,
  );
  return { user, host, created };
}

/** Drops the account again (a setup that failed after creating it). */
export async function dropSiteUser(conn: DbConnection, user: string, host: string): Promise<void> {
  await queryOnce(conn, `DROP USER IF EXISTS ${literal(user)}@${literal(host)};`);
}
