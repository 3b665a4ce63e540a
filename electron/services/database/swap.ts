import { randomBytes } from 'node:crypto';
import { LifeboatError } from '../errors';

/**
 * Moving an imported scratch database into its target: base tables by RENAME TABLE, and the objects RENAME
 * cannot move (views, triggers, stored procedures and functions) re-created from the server's own definitions,
 * every one with `DEFINER` = the target's owner account (see mysql.ts): a locked account that can log in nowhere
 * and has rights on the target database only.
 *
 * Who stored code runs as is the whole question. A trigger always runs as its definer; so does a view or routine
 * with SQL SECURITY DEFINER, while one with INVOKER runs as whoever reads or calls it. So an object owned by the
 * configured user (often root) hands root's rights to a dump's trigger whenever the site writes its table, and an
 * INVOKER view or routine lends its caller's rights to the dump's code whenever an administrator uses it. Owned by
 * the confined owner, with SQL SECURITY DEFINER forced on views and routines, the dump's code can reach its own
 * database and nothing else, whoever sets it off; and a site user with fewer rights than the owner can still use
 * the site's views and routines as it could where the dump came from. (INVOKER would be no safer: it confines the
 * code only while the caller is confined.)
 *
 * What is atomic and what is not, when an existing database is replaced:
 *  1. Everything that can fail without touching the target happens first: the dump is imported into the
 *     scratch database, every view, trigger and routine there is re-created by the configured user exactly as
 *     it will be in the target (so each definition is known to be accepted), the target's own triggers, views
 *     and routines are saved, and its triggers are test-created on empty copies of their tables in the aside
 *     database (so they are known to be restorable).
 *  2. The target's triggers are dropped (a table with triggers cannot move to another database), then ONE
 *     `RENAME TABLE` moves every old table aside and every new table in. That statement is atomic: all tables
 *     move or none does. If it fails, the dropped triggers are put back and the target is as it was.
 *  3. The old views and routines are dropped and the new triggers, views and routines created. These were
 *     validated in step 1; should one still fail, the rename is reversed and the old objects re-created.
 * So the target's tables and data are never at risk; its triggers, views and routines are gone for the length
 * of two short steps, and put back from their definitions if anything fails.
 */

/** Runs SQL as the configured user (in `database` when given); resolves with `--batch` output. */
export type Query = (sql: string, database?: string) => Promise<string>;

/** What a database holds, by kind. */
export interface Inventory {
  readonly tables: readonly string[];
  readonly views: readonly string[];
  readonly triggers: readonly { readonly name: string; readonly table: string }[];
  readonly routines: readonly { readonly name: string; readonly type: string }[];
  readonly events: readonly string[];
}

/** What a promotion moved in. */
export interface Promoted {
  readonly tables: number;
  readonly views: number;
  readonly triggers: number;
  readonly routines: number;
}

/** A backtick-quoted identifier. */
export const ident = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
/** A single-quoted SQL string. */
export const literal = (v: string): string => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The rows of `--batch --skip-column-names` output, with the client's escapes (`\n \t \0 \\`) undone. */
export function rows(out: string): string[][] {
  return out
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) =>
      l
        .split('\t')
        .map((f) =>
          f.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c === '0' ? '\0' : c)),
        ),
    );
}

const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);

/** Lists a database's tables, views, triggers (in firing order), routines and events. */
export async function inventory(q: Query, db: string): Promise<Inventory> {
  const s = literal(db);
  const out = await q(
    [
      `SELECT 'T', TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = ${s};`,
      `SELECT 'G', TRIGGER_NAME, EVENT_OBJECT_TABLE FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${s} ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORDER;`,
      `SELECT 'R', ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${s};`,
      `SELECT 'E', EVENT_NAME, '-' FROM information_schema.EVENTS WHERE EVENT_SCHEMA = ${s};`,
    ].join('\n'),
  );
  const tables: string[] = [];
  const views: string[] = [];
  const triggers: { name: string; table: string }[] = [];
  const routines: { name: string; type: string }[] = [];
  const events: string[] = [];
  for (const [kind, name, extra] of rows(out)) {
    if (name === undefined || extra === undefined) continue;
    if (kind === 'T') (extra === 'VIEW' ? views : tables).push(name);
    else if (kind === 'G') triggers.push({ name, table: extra });
    else if (kind === 'R') routines.push({ name, type: extra });
    else if (kind === 'E') events.push(name);
  }
  return { tables, views, triggers, routines, events };
}

/** A definition from SHOW CREATE, with the sql_mode it was made under (views have none). */
interface Definition {
  readonly kind: 'VIEW' | 'TRIGGER' | 'PROCEDURE' | 'FUNCTION';
  readonly name: string;
  readonly sqlMode: string | null;
  readonly statement: string;
}

/** The SHOW CREATE statement for an object; run inside `db`, so names in it come back unqualified. */
const showCreateSql = (db: string, kind: Definition['kind'], name: string): string =>
  `SHOW CREATE ${kind} ${ident(db)}.${ident(name)};`;

async function showCreate(q: Query, db: string, kind: Definition['kind'], name: string): Promise<Definition> {
  return definition(await q(showCreateSql(db, kind, name), db), db, kind, name);
}

/** Reads SHOW CREATE output (the only rows `out` holds). */
function definition(out: string, db: string, kind: Definition['kind'], name: string): Definition {
  const row = rows(out)[0] ?? [];
  const statement = kind === 'VIEW' ? row[1] : row[2];
  if (!statement || statement === 'NULL') {
    throw new LifeboatError(
      'database',
      `Lifeboat could not read the definition of the ${kind.toLowerCase()} "${name}" in "${db}" (the database user may lack the privilege to see it).`,
    );
  }
  return { kind, name, sqlMode: kind === 'VIEW' ? null : (row[1] ?? ''), statement };
}

const QUOTED = '(?:`(?:[^`]|``)*`|\'(?:[^\'\\\\]|\\\\.|\'\')*\'|"(?:[^"\\\\]|\\\\.|"")*"|[^\\s@`\'"]+)';
const DEFINER = `DEFINER\\s*=\\s*${QUOTED}(?:@${QUOTED})?\\s+`;
const VIEW_HEAD = new RegExp(
  `^CREATE\\s+(ALGORITHM\\s*=\\s*\\w+\\s+)?${DEFINER}SQL\\s+SECURITY\\s+\\w+\\s+VIEW\\s`,
  'i',
);
const CODE_HEAD = new RegExp(
  `^CREATE\\s+${DEFINER}((?:AGGREGATE\\s+)?(?:TRIGGER|PROCEDURE|FUNCTION))\\s`,
  'i',
);

/**
 * The definition as the target's owner account holds it: `DEFINER=owner` in place of the dump's (or the import
 * user's), views re-created OR REPLACE with SQL SECURITY DEFINER (routines get it by ALTER, see `promote`).
 */
function reowned(def: Definition, db: string, owner: string): string {
  if (def.kind === 'VIEW') {
    const m = VIEW_HEAD.exec(def.statement);
    // SHOW CREATE VIEW can qualify columns with the view's own database (`db`.`t`.`c`) even when run inside
    // it; the scratch database's name is random, so dropping that qualifier touches nothing else.
    const body = def.statement
      .slice(m?.[0].length ?? 0)
      .split(`\`${db}\`.`)
      .join('')
      .split(`"${db}".`)
      .join('');
    if (m) return `CREATE OR REPLACE ${m[1] ?? ''}DEFINER=${owner} SQL SECURITY DEFINER VIEW ${body}`;
  } else {
    const m = CODE_HEAD.exec(def.statement);
    if (m) return `CREATE DEFINER=${owner} ${m[1]} ${def.statement.slice(m[0].length)}`;
  }
  throw new LifeboatError(
    'database',
    `Lifeboat could not read the definition of the ${def.kind.toLowerCase()} "${def.name}" from the dump.`,
  );
}

/**
 * Runs one CREATE statement (whose body may hold `;`) in `db`, under its own sql_mode, with `before` and `after`
 * (plain statements) in the same client call; resolves with the output.
 */
async function create(
  q: Query,
  db: string,
  statement: string,
  sqlMode: string | null,
  before = '',
  after = '',
): Promise<string> {
  const delimiter = `;;lb${randomBytes(4).toString('hex')};;`; // the client keeps at most 15 characters
  return q(
    `${before}${sqlMode !== null ? `SET SESSION sql_mode = ${literal(sqlMode)};\n` : ''}DELIMITER ${delimiter}\n${statement}\n${delimiter}\nDELIMITER ;\n${after}`,
    db,
  );
}

const routineDrop = (type: string): string => (type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE');

/** Creates views in an order that satisfies views built on views. */
async function createViews(
  q: Query,
  db: string,
  statements: readonly { name: string; sql: string }[],
  done: string[],
) {
  let pending = [...statements];
  let last: unknown = null;
  while (pending.length > 0) {
    const failed: typeof pending = [];
    for (const v of pending) {
      try {
        await create(q, db, v.sql, null);
        done.push(v.name);
      } catch (e) {
        last = e;
        failed.push(v);
      }
    }
    if (failed.length === pending.length) throw last;
    pending = failed;
  }
}

/** Reasons an existing database cannot be replaced safely; empty when it can. For the restore preflight. */
export async function replaceBlockersWith(q: Query, database: string): Promise<string[]> {
  if (SYSTEM_SCHEMAS.has(database.toLowerCase()))
    return [`"${database}" is one of the database server's own databases.`];
  const exists = (
    await q(`SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ${literal(database)};`)
  ).trim();
  if (!exists) return [];
  const inv = await inventory(q, database);
  const out: string[] = [];
  if (inv.events.length > 0) {
    out.push(
      `"${database}" has scheduled events (${inv.events.join(', ')}), which Lifeboat cannot carry through a replace; drop them first or import into a new database.`,
    );
  }
  const odd = inv.routines.filter((r) => r.type !== 'PROCEDURE' && r.type !== 'FUNCTION');
  if (odd.length > 0) {
    out.push(
      `"${database}" has stored ${odd.map((r) => `${r.type.toLowerCase()} ${r.name}`).join(', ')}, which Lifeboat cannot replace.`,
    );
  }
  const refs = rows(
    await q(
      `SELECT CONSTRAINT_SCHEMA, TABLE_NAME, REFERENCED_TABLE_NAME FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE UNIQUE_CONSTRAINT_SCHEMA = ${literal(database)} AND CONSTRAINT_SCHEMA <> ${literal(database)};`,
    ),
  );
  if (refs.length > 0) {
    out.push(
      `Tables in other databases refer to "${database}" by foreign key (${refs.map(([s, t, r]) => `${s}.${t} → ${r}`).join(', ')}); replacing it would break them.`,
    );
  }
  // Restoring the old triggers, views and routines after a failed swap sets their original DEFINER, which
  // takes SUPER (or SET USER) unless it is the importing user.
  const definers = rows(
    await q(
      [
        `SELECT 'trigger', TRIGGER_NAME, DEFINER FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ${literal(database)};`,
        `SELECT 'view', TABLE_NAME, DEFINER FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ${literal(database)};`,
        `SELECT LOWER(ROUTINE_TYPE), ROUTINE_NAME, DEFINER FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ${literal(database)};`,
        `SELECT 'me', CURRENT_USER(), (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE IN ('SUPER', 'SET USER') AND GRANTEE = CONCAT("'", SUBSTRING_INDEX(CURRENT_USER(), '@', 1), "'@'", SUBSTRING_INDEX(CURRENT_USER(), '@', -1), "'"));`,
      ].join('\n'),
    ),
  );
  const me = definers.find((r) => r[0] === 'me');
  if (me && me[2] === '0') {
    const foreign = definers
      .filter((r) => r[0] !== 'me' && r[2] !== me[1])
      .map(([k, n, d]) => `${k} ${n} of ${d}`);
    if (foreign.length > 0) {
      out.push(
        `"${database}" has objects owned by other database users (${foreign.join(', ')}), which the configured user could not put back if the replace failed; use a user with the SUPER privilege, or import into a new database.`,
      );
    }
  }
  return out;
}

/**
 * Moves everything from `scratch` into `target` (a new database, or an existing one to replace) and drops
 * `scratch`. See the comment at the top of this file for the order of things.
 */
export async function promote(
  q: Query,
  options: {
    readonly scratch: string;
    readonly target: string;
    readonly existing: boolean;
    readonly suffix: string;
    /**
     * The `DEFINER` of every view, trigger and routine made in the target (`` `user`@`host` ``): a locked
     * account with rights on the target only. Null when there is none, and then the dump may hold none of them.
     */
    readonly owner: string | null;
  },
): Promise<Promoted> {
  const { scratch, target, existing, owner } = options;
  const inv = await inventory(q, scratch);
  if (inv.events.length > 0) {
    throw new LifeboatError(
      'database',
      `The dump creates scheduled events (${inv.events.join(', ')}), which Lifeboat does not import.`,
    );
  }
  const odd = inv.routines.find((r) => r.type !== 'PROCEDURE' && r.type !== 'FUNCTION');
  if (odd)
    throw new LifeboatError(
      'database',
      `The dump creates a stored ${odd.type.toLowerCase()} (${odd.name}), which Lifeboat does not import.`,
    );
  const code = [
    ...inv.triggers.map((t) => `trigger ${t.name}`),
    ...inv.views.map((v) => `view ${v}`),
    ...inv.routines.map((r) => `${r.type.toLowerCase()} ${r.name}`),
  ];
  if (owner === null && code.length > 0) {
    // The guard refuses these already in that case; this is the second line.
    throw new LifeboatError(
      'database',
      `The dump has stored code (${code.join(', ')}), which Lifeboat imports only when it can make it belong to a locked account that reaches "${target}" alone, and the configured user cannot.`,
    );
  }
  const own = owner ?? ''; // used only when there is stored code, so never empty

  // 1. Re-own every object in the scratch database: proves each definition before the target is touched (the
  // owner has the same rights on the scratch copy meanwhile, see mysql.ts, as CREATE VIEW checks some of them).
  const views: { name: string; sql: string }[] = [];
  const triggers: { name: string; sql: string; mode: string | null }[] = [];
  const routines: { name: string; type: string; sql: string; mode: string | null }[] = [];
  for (const r of inv.routines) {
    const kind = r.type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE';
    const def = await showCreate(q, scratch, kind, r.name);
    // Read back after the ALTER, so the target gets owner and SQL SECURITY in one CREATE, never a moment without.
    const out = await create(
      q,
      scratch,
      reowned(def, scratch, own),
      def.sqlMode,
      `DROP ${routineDrop(r.type)} ${ident(scratch)}.${ident(r.name)};\n`,
      `ALTER ${routineDrop(r.type)} ${ident(r.name)} SQL SECURITY DEFINER;\n${showCreateSql(scratch, kind, r.name)}\n`,
    );
    const made = definition(out, scratch, kind, r.name);
    routines.push({ name: r.name, type: r.type, sql: reowned(made, scratch, own), mode: made.sqlMode });
  }
  for (const t of inv.triggers) {
    const def = await showCreate(q, scratch, 'TRIGGER', t.name);
    const sql = reowned(def, scratch, own);
    await create(q, scratch, sql, def.sqlMode, `DROP TRIGGER ${ident(scratch)}.${ident(t.name)};\n`);
    triggers.push({ name: t.name, sql, mode: def.sqlMode });
  }
  for (const v of inv.views) {
    const sql = reowned(await showCreate(q, scratch, 'VIEW', v), scratch, own);
    await create(q, scratch, sql, null);
    views.push({ name: v, sql });
  }
  const result: Promoted = {
    tables: inv.tables.length,
    views: views.length,
    triggers: triggers.length,
    routines: routines.length,
  };
  const moveIn = inv.tables.map((t) => `${ident(scratch)}.${ident(t)} TO ${ident(target)}.${ident(t)}`);
  const made = {
    triggers: [] as string[],
    views: [] as string[],
    routines: [] as { name: string; type: string }[],
  };
  // Routines first: a view may call a stored function, and CREATE VIEW needs it to exist.
  const createAll = async (): Promise<void> => {
    for (const r of routines) {
      await create(q, target, r.sql, r.mode);
      made.routines.push(r);
    }
    for (const t of triggers) {
      await create(q, target, t.sql, t.mode);
      made.triggers.push(t.name);
    }
    await createViews(q, target, views, made.views);
  };
  const dropTriggers = async (db: string, names: readonly string[]): Promise<void> => {
    for (const n of names) await q(`DROP TRIGGER IF EXISTS ${ident(db)}.${ident(n)};`, db);
  };

  if (!existing) {
    await q(`CREATE DATABASE ${ident(target)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;`);
    try {
      await dropTriggers(
        scratch,
        inv.triggers.map((t) => t.name),
      );
      if (moveIn.length > 0) await q(`RENAME TABLE ${moveIn.join(', ')};`);
      await createAll();
    } catch (e) {
      await q(`DROP DATABASE IF EXISTS ${ident(target)};`).catch(() => undefined);
      throw swapError(target, e, [], false);
    }
    await q(`DROP DATABASE ${ident(scratch)};`).catch(() => undefined);
    return result;
  }

  // Replacing: save what the target has, and prove its triggers can be put back.
  const old = await inventory(q, target);
  if (old.events.length > 0) {
    throw new LifeboatError(
      'conflict',
      `"${target}" has scheduled events (${old.events.join(', ')}), which Lifeboat cannot carry through a replace.`,
    );
  }
  const oldTriggers: Definition[] = [];
  for (const t of old.triggers) oldTriggers.push(await showCreate(q, target, 'TRIGGER', t.name));
  const oldViews: Definition[] = [];
  for (const v of old.views) oldViews.push(await showCreate(q, target, 'VIEW', v));
  const oldRoutines: (Definition & { type: string })[] = [];
  for (const r of old.routines)
    oldRoutines.push({
      ...(await showCreate(q, target, r.type === 'FUNCTION' ? 'FUNCTION' : 'PROCEDURE', r.name)),
      type: r.type,
    });
  const aside = `${target.slice(0, 40)}__lb_old_${options.suffix}`.slice(0, 64);
  await q(`CREATE DATABASE ${ident(aside)};`);
  const withTriggers = [...new Set(old.triggers.map((t) => t.table))];
  try {
    for (const t of withTriggers)
      await q(`CREATE TABLE ${ident(aside)}.${ident(t)} LIKE ${ident(target)}.${ident(t)};`);
    for (const t of oldTriggers) await create(q, aside, t.statement, t.sqlMode);
    for (const t of withTriggers) await q(`DROP TABLE ${ident(aside)}.${ident(t)};`);
  } catch (e) {
    await q(`DROP DATABASE IF EXISTS ${ident(aside)};`).catch(() => undefined);
    throw new LifeboatError(
      'database',
      `"${target}" was left as it was: Lifeboat could not prove it can put back its triggers should the replace fail (${message(e)}).`,
    );
  }

  // 2 and 3: the part that touches the target.
  const step = {
    oldTriggersDropped: false,
    swapped: false,
    oldViewsDropped: false,
    oldRoutinesDropped: false,
  };
  try {
    await dropTriggers(
      scratch,
      inv.triggers.map((t) => t.name),
    );
    // Each flag is set before its step, so a step that fails half way is undone too.
    step.oldTriggersDropped = true;
    await dropTriggers(
      target,
      old.triggers.map((t) => t.name),
    );
    const moves = [
      ...old.tables.map((t) => `${ident(target)}.${ident(t)} TO ${ident(aside)}.${ident(t)}`),
      ...moveIn,
    ];
    // One statement: either every table moves or none does.
    if (moves.length > 0) await q(`RENAME TABLE ${moves.join(', ')};`);
    step.swapped = true;
    step.oldViewsDropped = true;
    if (old.views.length > 0)
      await q(`DROP VIEW IF EXISTS ${old.views.map((v) => `${ident(target)}.${ident(v)}`).join(', ')};`);
    step.oldRoutinesDropped = true;
    for (const r of old.routines)
      await q(`DROP ${routineDrop(r.type)} IF EXISTS ${ident(target)}.${ident(r.name)};`);
    await createAll();
  } catch (e) {
    const problems: string[] = [];
    const attempt = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
      try {
        await fn();
        return true;
      } catch (err) {
        problems.push(`${what} (${message(err)})`);
        return false;
      }
    };
    for (const n of made.triggers)
      await attempt(`dropping new trigger ${n}`, () =>
        q(`DROP TRIGGER IF EXISTS ${ident(target)}.${ident(n)};`),
      );
    for (const n of made.views)
      await attempt(`dropping new view ${n}`, () => q(`DROP VIEW IF EXISTS ${ident(target)}.${ident(n)};`));
    for (const r of made.routines)
      await attempt(`dropping new ${r.type.toLowerCase()} ${r.name}`, () =>
        q(`DROP ${routineDrop(r.type)} IF EXISTS ${ident(target)}.${ident(r.name)};`),
      );
    let tablesBack = !step.swapped;
    if (step.swapped) {
      const back = [
        ...inv.tables.map((t) => `${ident(target)}.${ident(t)} TO ${ident(scratch)}.${ident(t)}`),
        ...old.tables.map((t) => `${ident(aside)}.${ident(t)} TO ${ident(target)}.${ident(t)}`),
      ];
      tablesBack = await attempt('moving the old tables back', () =>
        back.length ? q(`RENAME TABLE ${back.join(', ')};`) : Promise.resolve(),
      );
    }
    const restore = async (def: Definition, drop: string): Promise<void> => {
      await q(drop, target);
      try {
        await create(q, target, def.statement, def.sqlMode);
      } catch (err) {
        // Its original owner cannot be set: the confined owner then, never the configured user, whose rights
        // the old code would gain.
        if (owner === null) throw err;
        await create(q, target, reowned(def, target, owner), def.sqlMode);
      }
    };
    if (tablesBack) {
      if (step.oldRoutinesDropped)
        for (const r of oldRoutines) {
          await attempt(`restoring ${r.type.toLowerCase()} ${r.name}`, () =>
            restore(r, `DROP ${routineDrop(r.type)} IF EXISTS ${ident(r.name)};`),
          );
        }
      if (step.oldViewsDropped && oldViews.length > 0) {
        await attempt('restoring the old views', async () => {
          await q(`DROP VIEW IF EXISTS ${oldViews.map((v) => ident(v.name)).join(', ')};`, target);
          await createViews(
            q,
            target,
            oldViews.map((v) => ({ name: v.name, sql: v.statement })),
            [],
          );
        });
      }
      if (step.oldTriggersDropped)
        for (const t of oldTriggers)
          await attempt(`restoring trigger ${t.name}`, () =>
            restore(t, `DROP TRIGGER IF EXISTS ${ident(t.name)};`),
          );
      await q(`DROP DATABASE IF EXISTS ${ident(aside)};`).catch(() => undefined);
    } else {
      problems.push(`the old tables are kept in the database "${aside}"`);
    }
    await q(`DROP DATABASE IF EXISTS ${ident(scratch)};`).catch(() => undefined);
    throw swapError(target, e, problems, true);
  }
  await q(`DROP DATABASE ${ident(aside)};`).catch(() => undefined);
  await q(`DROP DATABASE ${ident(scratch)};`).catch(() => undefined);
  return result;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function swapError(
  target: string,
  e: unknown,
  problems: readonly string[],
  existing: boolean,
): LifeboatError {
  if (!existing) {
    return new LifeboatError(
      'database',
      `The import worked but moving it into "${target}" failed, so nothing was kept: ${message(e)}`,
    );
  }
  if (problems.length === 0) {
    return new LifeboatError(
      'database',
      `The import worked but swapping it in failed, so "${target}" was left as it was: ${message(e)}`,
    );
  }
  return new LifeboatError(
    'database',
    `The import worked but swapping it in failed (${message(e)}), and Lifeboat could not fully put "${target}" back: ${problems.join('; ')}.`,
  );
}
