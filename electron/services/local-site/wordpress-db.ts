import { rewriteValue, type ValueReplacer } from './php-serialize';
import { hexLiteral, ident, textLiteral, unhex, type SqlSession } from './sql';
import { hostOfUrl, urlReplacer, type HostMapping } from './urls';

/**
 * A WordPress database as Lifeboat finds it and rewrites it: the table prefix, the site's URLs (single site and
 * multisite), and the URL rewrite over every text column of every table, in one transaction of one session.
 */

/** What the database says about the site. */
export interface WordPressSite {
  readonly prefix: string;
  /** The main site's home and siteurl (as stored). */
  readonly home: string | null;
  readonly siteurl: string | null;
  /** Multisite: the network's domain and every site's domain and path (wp_site, wp_blogs). */
  readonly network: {
    readonly domains: readonly string[];
    readonly blogs: readonly { readonly id: number; readonly domain: string; readonly path: string }[];
    readonly subdomains: boolean;
  } | null;
  /** Every URL found: the main site's and each site's home and siteurl, the network's siteurl. */
  readonly urls: readonly string[];
  /** Tables whose engine cannot roll back (MyISAM, ...): a rewrite that fails leaves its changes there. */
  readonly nonTransactional: readonly string[];
}

const text = (cell: string | undefined): string | null => {
  const b = cell === undefined ? null : unhex(cell);
  return b === null ? null : b.toString('utf8');
};

/** The base tables of the session's database, by name. */
async function tables(s: SqlSession): Promise<{ name: string; engine: string }[]> {
  const rows = await s.query(
    "SELECT HEX(TABLE_NAME), HEX(IFNULL(ENGINE, '')) FROM information_schema.TABLES " +
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME;",
  );
  return rows.map(([n = '', e = '']) => ({ name: text(n) ?? '', engine: text(e) ?? '' }));
}

/**
 * The table prefix: the one wp-config.php sets when its options table is there, else the shortest `<p>options`
 * that has a `<p>posts` beside it (a multisite's `<p>2_options` is longer than `<p>options`). Null: not WordPress.
 */
function prefixOf(names: ReadonlySet<string>, configured: string | null): string | null {
  if (configured !== null && names.has(`${configured}options`)) return configured;
  const found = [...names]
    .filter((n) => n.endsWith('options') && names.has(`${n.slice(0, -'options'.length)}posts`))
    .map((n) => n.slice(0, -'options'.length))
    .sort((a, b) => a.length - b.length || a.localeCompare(b));
  return found[0] ?? null;
}

/** The site's URLs as its database has them; null when the database holds no WordPress options table. */
export async function findWordPress(
  s: SqlSession,
  configuredPrefix: string | null,
): Promise<WordPressSite | null> {
  const all = await tables(s);
  const names = new Set(all.map((t) => t.name));
  const prefix = prefixOf(names, configuredPrefix);
  if (prefix === null) return null;
  const options = async (table: string): Promise<Map<string, string>> => {
    const rows = await s.query(
      `SELECT HEX(option_name), HEX(option_value) FROM ${ident(table)} WHERE option_name IN ('siteurl', 'home');`,
    );
    return new Map(rows.map(([k = '', v = '']) => [text(k) ?? '', text(v) ?? '']));
  };
  const main = await options(`${prefix}options`);
  const urls = [main.get('home'), main.get('siteurl')].filter((u): u is string => !!u);
  let network: WordPressSite['network'] = null;
  if (names.has(`${prefix}blogs`) && names.has(`${prefix}site`)) {
    const blogs = (await s.query(`SELECT blog_id, HEX(domain), HEX(path) FROM ${ident(`${prefix}blogs`)};`))
      .map(([id = '', d = '', p = '']) => ({ id: Number(id), domain: text(d) ?? '', path: text(p) ?? '/' }))
      .filter((b) => Number.isSafeInteger(b.id));
    const domains = (await s.query(`SELECT HEX(domain) FROM ${ident(`${prefix}site`)};`)).map(
      ([d = '']) => text(d) ?? '',
    );
    if (names.has(`${prefix}sitemeta`)) {
      for (const [v = ''] of await s.query(
        `SELECT HEX(meta_value) FROM ${ident(`${prefix}sitemeta`)} WHERE meta_key = 'siteurl';`,
      ))
        urls.push(text(v) ?? '');
    }
    for (const b of blogs) {
      const table = `${prefix}${b.id}_options`;
      if (b.id > 1 && names.has(table)) {
        const o = await options(table);
        for (const u of [o.get('home'), o.get('siteurl')]) if (u) urls.push(u);
      }
    }
    // A subdomain network's sites share its path and differ by host.
    const hosts = new Set(blogs.map((b) => b.domain.toLowerCase()));
    network = { domains, blogs, subdomains: hosts.size > 1 };
  }
  const transactional = new Set(['innodb', 'aria', 'xtradb', 'rocksdb', 'tokudb']);
  return {
    prefix,
    home: main.get('home') ?? null,
    siteurl: main.get('siteurl') ?? null,
    network,
    urls: urls.filter((u) => hostOfUrl(u) !== null),
    nonTransactional: all.filter((t) => !transactional.has(t.engine.toLowerCase())).map((t) => t.name),
  };
}

/** Values changed (and left, broken) in one table. */
export interface TableRewrite {
  readonly table: string;
  readonly rows: number;
  /** Values that look serialized but do not parse, where an occurrence was left as it was. */
  readonly broken: number;
}

interface Column {
  readonly name: string;
  readonly type: string;
  readonly charset: string | null;
  readonly collation: string | null;
  readonly key: boolean;
}

/** Column types that hold text or bytes a URL can be in. */
const TEXT_TYPES = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'json',
  'binary',
  'varbinary',
  'tinyblob',
  'blob',
  'mediumblob',
  'longblob',
]);
const NUMERIC_TYPES = new Set([
  'tinyint',
  'smallint',
  'mediumint',
  'int',
  'integer',
  'bigint',
  'decimal',
  'numeric',
  'float',
  'double',
  'year',
]);
/** Character sets whose bytes are not ASCII's for ASCII text: a URL in them cannot be found byte by byte. */
const WIDE_CHARSETS = new Set(['ucs2', 'utf16', 'utf16le', 'utf32']);

async function columnsOf(s: SqlSession, table: string): Promise<Column[]> {
  const rows = await s.query(
    "SELECT HEX(c.COLUMN_NAME), c.DATA_TYPE, IFNULL(c.CHARACTER_SET_NAME, ''), IFNULL(c.COLLATION_NAME, ''), " +
      'c.EXTRA, IF(k.COLUMN_NAME IS NULL, 0, k.ORDINAL_POSITION) FROM information_schema.COLUMNS c LEFT JOIN information_schema.KEY_COLUMN_USAGE k ' +
      "ON k.TABLE_SCHEMA = c.TABLE_SCHEMA AND k.TABLE_NAME = c.TABLE_NAME AND k.COLUMN_NAME = c.COLUMN_NAME AND k.CONSTRAINT_NAME = 'PRIMARY' " +
      `WHERE c.TABLE_SCHEMA = DATABASE() AND c.TABLE_NAME = ${textLiteral(Buffer.from(table, 'utf8'))} ORDER BY k.ORDINAL_POSITION, c.ORDINAL_POSITION;`,
  );
  return rows
    .filter(([, , , , extra = '']) => !/GENERATED|VIRTUAL|PERSISTENT|STORED/i.test(extra))
    .map(([n = '', type = '', cs = '', coll = '', , key = '0']) => ({
      name: text(n) ?? '',
      type: type.toLowerCase(),
      charset: cs || null,
      collation: coll || null,
      key: key !== '0',
    }));
}

/** How a key column is read (as HEX of what) and written back as a literal. */
function keyRead(c: Column): string {
  if (TEXT_TYPES.has(c.type)) return `HEX(${ident(c.name)})`;
  return `HEX(CAST(${ident(c.name)} AS CHAR CHARACTER SET utf8mb4))`;
}

function keyLiteral(c: Column, bytes: Buffer | null): string {
  if (bytes === null) return 'NULL';
  if (NUMERIC_TYPES.has(c.type)) {
    const v = bytes.toString('latin1');
    // Digits only: a number read from the server, written back as a number (a string would lose the index).
    if (/^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v)) return v;
    return textLiteral(bytes);
  }
  if (TEXT_TYPES.has(c.type) && c.charset) return textLiteral(bytes, c.charset, c.collation ?? undefined);
  if (TEXT_TYPES.has(c.type)) return hexLiteral(bytes);
  return textLiteral(bytes);
}

/** Rows read at once from a table with a primary key. */
const PAGE = 500;

/**
 * Rewrites the site's URLs in every text column of every base table of the session's database, in the session's
 * transaction (the caller commits). A row is found by a filter on the hosts, read as hexadecimal, rewritten in
 * memory (serialized values re-encoded) and written back by its primary key, or, in a table without one, by its
 * old values (identical rows change identically). `domains`: multisite's bare `domain` columns of wp_blogs and
 * wp_site, matched whole.
 */
export async function rewriteUrls(
  s: SqlSession,
  mappings: readonly HostMapping[],
  options: {
    readonly prefix: string | null;
    readonly domains: ReadonlyMap<string, string>;
    readonly signal?: AbortSignal;
    readonly onTable?: (table: string) => void;
  },
): Promise<TableRewrite[]> {
  const replacer = urlReplacer(mappings);
  const hosts = [...new Set([...mappings.map((m) => m.from), ...options.domains.keys()])];
  const result: TableRewrite[] = [];
  const maxPacket = Number((await s.query('SELECT @@max_allowed_packet;'))[0]?.[0]) || 16 << 20;
  const domainTables = new Set(
    options.prefix === null ? [] : [`${options.prefix}blogs`, `${options.prefix}site`],
  );
  for (const { name: table } of await tables(s)) {
    if (options.signal?.aborted) throw options.signal.reason;
    options.onTable?.(table);
    const columns = await columnsOf(s, table);
    const texts = columns.filter((c) => TEXT_TYPES.has(c.type) && !WIDE_CHARSETS.has(c.charset ?? ''));
    if (texts.length === 0 || hosts.length === 0) continue;
    const keys = columns.filter((c) => c.key);
    const domainColumn = domainTables.has(table) ? texts.find((c) => c.name === 'domain') : undefined;
    const perColumn = (c: Column): ValueReplacer =>
      c === domainColumn ? domainReplacer(options.domains, replacer) : replacer;
    const filter = texts
      .flatMap((c) =>
        hosts.map(
          (h) =>
            `CONVERT(${ident(c.name)} USING utf8mb4) LIKE ${textLiteral(Buffer.from(`%${h}%`))} COLLATE utf8mb4_general_ci`,
        ),
      )
      .join(' OR ');
    // A value whose hexadecimal form (or rewrite) would not fit in one packet of the server is read as 'T' (not
    // hexadecimal) and left, counted: it cannot travel through the client whole.
    const select = [
      ...keys.map(keyRead),
      ...texts.map(
        (c) => `IF(LENGTH(${ident(c.name)}) * 2 + 65536 > @@max_allowed_packet, 'T', HEX(${ident(c.name)}))`,
      ),
    ].join(', ');
    let changed = 0;
    let broken = 0;
    const handle = async (rows: string[][]): Promise<void> => {
      const updates: string[] = [];
      for (const row of rows) {
        const keyCells = row.slice(0, keys.length).map(unhex);
        const cells = row.slice(keys.length);
        const values = cells.map((cell) => (cell === 'T' ? null : unhex(cell)));
        const sets: string[] = [];
        let partial = cells.includes('T');
        texts.forEach((c, i) => {
          const v = values[i];
          if (!v) return;
          const out = rewriteValue(v, perColumn(c));
          if (out.kind === 'broken' || out.partial) partial = true;
          const next = out.kind === 'unchanged' ? undefined : out.value;
          if (next && next.length * 2 + 65536 > maxPacket) partial = true;
          else if (next) sets.push(`${ident(c.name)} = ${hexLiteral(next)}`);
        });
        if (partial) broken++;
        if (sets.length === 0) continue;
        // The old values are checked too (BINARY: byte for byte): a row changed meanwhile is not overwritten.
        const where =
          keys.length > 0
            ? keys.map((c, i) => `${ident(c.name)} <=> ${keyLiteral(c, keyCells[i] ?? null)}`)
            : texts.map((c, i) => {
                const v = values[i];
                return v ? `BINARY ${ident(c.name)} = ${hexLiteral(v)}` : `${ident(c.name)} IS NULL`;
              });
        // Without a key, a row is found by its values: one too large to read cannot be found, so it is left.
        if (keys.length === 0 && cells.includes('T')) continue;
        updates.push(`UPDATE ${ident(table)} SET ${sets.join(', ')} WHERE ${where.join(' AND ')};`);
      }
      for (let i = 0; i < updates.length; i += 50) {
        const part = updates.slice(i, i + 50);
        const counted = await s.query(part.map((u) => `${u}\nSELECT ROW_COUNT();`).join('\n'));
        for (const [n = '0'] of counted) changed += Math.max(0, Number(n) || 0);
      }
    };
    if (keys.length > 0) {
      let after: string | null = null;
      for (;;) {
        if (options.signal?.aborted) throw options.signal.reason;
        const tuple = (cells: string[]): string =>
          `(${keys.map((c, i) => keyLiteral(c, unhex(cells[i] ?? 'NULL'))).join(', ')})`;
        const order = keys.map((c) => ident(c.name)).join(', ');
        const rows = await s.query(
          `SELECT ${select} FROM ${ident(table)} WHERE (${filter})${after ? ` AND (${order}) > ${after}` : ''} ORDER BY ${order} LIMIT ${PAGE};`,
        );
        await handle(rows);
        if (rows.length < PAGE) break;
        after = tuple(rows[rows.length - 1]!);
      }
    } else {
      await handle(await s.query(`SELECT ${select} FROM ${ident(table)} WHERE ${filter};`));
    }
    if (changed > 0 || broken > 0) result.push({ table, rows: changed, broken });
  }
  return result;
}

/** A bare `domain` column (wp_blogs, wp_site): a whole value equal to one of the hosts becomes its local host. */
function domainReplacer(domains: ReadonlyMap<string, string>, urls: ValueReplacer): ValueReplacer {
  const one = (bytes: Buffer): Buffer | null => {
    const to = domains.get(bytes.toString('latin1').toLowerCase());
    return to === undefined ? urls.all(bytes) : Buffer.from(to, 'latin1');
  };
  return { all: one, sameLength: (b) => ({ value: one(b), left: false }) };
}
