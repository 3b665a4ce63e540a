import { Transform, type TransformCallback } from 'node:stream';
import { LifeboatError } from '../errors';

/**
 * A streaming guard for untrusted SQL dumps on their way into the `mariadb`/`mysql` client.
 *
 * It lexes the stream the way the client does (quotes, `/* *\/` comments, `-- `/`#` comments, `/*!` conditional
 * comments, the current DELIMITER, the session's ANSI_QUOTES/NO_BACKSLASH_ESCAPES) so it sees the same statement
 * boundaries, and refuses, before the client gets the statement:
 *  - client commands: a backslash command anywhere outside a string (`\!`, `\.`, `\T`, …) and the named ones
 *    (`system`, `source`, `tee`, `pager`, `connect`, …) at a statement start; `DELIMITER` stays allowed;
 *  - statements a database dump does not contain (an allowlist of statement heads: SET, CREATE/ALTER/DROP of
 *    tables and the like, INSERT, LOCK/UNLOCK, transactions…), so GRANT, SET GLOBAL, LOAD DATA, INSTALL PLUGIN,
 *    PREPARE/EXECUTE, CALL, CREATE USER or EVENT never reach the server;
 *  - other databases: `USE`, `CREATE/DROP/ALTER DATABASE` and qualified names in statement heads may name one
 *    database only (the dump's own, as `mysqldump --databases` writes it, in its preamble); those statements are
 *    blanked out and the qualifier removed, so everything lands in the database the client was started in;
 *  - words that reach files or other servers anywhere outside strings (LOAD_FILE, INTO OUTFILE, SONAME,
 *    CONNECTION=, FEDERATED, DATA DIRECTORY, …), and `SET NAMES gbk`-style charsets or sql_mode changes it
 *    cannot follow (either would make the server or client split statements differently from this guard).
 * It also blanks `DEFINER=` clauses (objects then belong to whoever imports) and mysqldump's GTID/binlog lines,
 * and removes MariaDB's `/*M!999999\- enable the sandbox mode *\/` first line (Lifeboat runs the client
 * sandboxed itself, and older clients fail on it).
 *
 * In `strict` mode (no restricted database user could be made, so the import runs with the configured user's
 * rights) it also refuses stored code (views, triggers, routines), UPDATE/DELETE/TRUNCATE/RENAME/SELECT, and any
 * dotted name outside strings. That mode is a best effort; the guarantee comes from the restricted user.
 * With `storedCode: false` it refuses stored code in `confined` mode too: the importer sets that when it cannot
 * give stored code a locked owner confined to the database (see swap.ts), since a trigger runs as its owner.
 *
 * Blanking replaces bytes by spaces (newlines kept), so line numbers stay true. Bytes are inspected once; only
 * statement heads are tokenized, the rest is a byte loop that tracks quotes and comments.
 */
export interface DumpGuardOptions {
  /** `confined`: the server confines the importing user to its database; `strict`: it does not. */
  readonly mode: 'confined' | 'strict';
  /**
   * Whether views, triggers and routines may pass (`confined` mode only; default true). False when Lifeboat
   * cannot make them belong to a locked account that reaches their database alone.
   */
  readonly storedCode?: boolean;
  /** What the client is talking to (for conditional comments and the session's initial sql_mode). */
  readonly server?: DumpGuardServer;
  /**
   * Record the dump's client statements (`DumpUnit`: what the client sends as one, up to its delimiter) with what
   * each server statement in them is, for loading the dump over several connections (see router.ts). Changes
   * nothing in what passes or is refused.
   */
  readonly units?: boolean;
}

/**
 * Where a statement can run when a dump is loaded over several connections:
 *  - `session`: changes only the session (SET, START TRANSACTION, COMMIT, a blanked USE); every connection runs
 *    it, in dump order, before its next statement, so every connection is in the state the guard followed;
 *  - `table`: concerns the one table `name` (its DROP/CREATE/ALTER, LOCK, INSERTs, TRUNCATE);
 *  - `unlock`: UNLOCK TABLES, which belongs to the connection that took the locks;
 *  - `deferred`: views and triggers, which depend on tables: after all tables, in dump order;
 *  - `serial`: anything else (stored routines, statements naming several objects or reading others…): from it on,
 *    the dump runs on one connection in dump order, once everything before it has finished.
 */
export type StatementRoute =
  | { readonly kind: 'session' }
  | { readonly kind: 'table'; readonly name: string }
  | { readonly kind: 'unlock' }
  | { readonly kind: 'deferred'; readonly name: string | null }
  | { readonly kind: 'serial'; readonly why: string };

/** A server statement as the guard judged it (see `DumpGuardOptions.units`). */
export interface DumpStatement {
  route: StatementRoute;
  /** Ends an open transaction of its connection (DDL, LOCK/UNLOCK, TRUNCATE, RENAME). */
  commits: boolean;
  /** Reads or names other objects outside strings (SELECT, LIKE, UNION, RENAME…): it needs them in order. */
  reads: boolean;
  /** Declares a foreign key (REFERENCES). */
  references: boolean;
  /** FOREIGN_KEY_CHECKS was known to be off when it started. */
  readonly fkChecksOff: boolean;
  /** A LOCK TABLES (of the one table `route` names). */
  locks?: boolean;
  /** May leave a transaction open after it (sets autocommit, START TRANSACTION, BEGIN). */
  transacts?: boolean;
  /**
   * Reads what its connection did before (LAST_INSERT_ID(), ROW_COUNT(), FOUND_ROWS(), @@warning_count…): only
   * the connection that ran everything before it, in order, gives the value one connection gives.
   */
  history?: boolean;
}

/**
 * One client statement: what the client sends to the server at once, from its first byte up to the client's
 * delimiter (several server statements when the delimiter is not `;`). Only starts outside conditional comments:
 * a statement that begins inside one opened by an earlier statement belongs to the same unit, so a unit can be
 * sent on its own to a client in the state the guard followed. The bytes between units (white space, comments,
 * DELIMITER lines) go with the unit before them.
 */
export interface DumpUnit {
  /** Offset of its first byte in the guard's output (which is as long as its input). */
  readonly start: number;
  /** The line that byte is on. */
  readonly line: number;
  /** The client's delimiter while it is read. */
  readonly delimiter: string;
  readonly statements: DumpStatement[];
  /** Ended by the client's delimiter; false when the dump ended inside it (the client runs it at its end). */
  terminated: boolean;
}

/** Facts about the server that change how a dump is read. */
export interface DumpGuardServer {
  readonly mariadb: boolean;
  /** As in conditional comments: 10.11.19 is 101119, 8.0.36 is 80036. */
  readonly version: number;
  /** The session's sql_mode when the client connects. */
  readonly sqlMode: string;
}

/** What the guard changed on the way through. */
export interface DumpGuardReport {
  /** The database the dump's preamble named (`CREATE DATABASE`/`USE`), now the target instead. */
  ownDatabase: string | null;
  definersRemoved: number;
  statementsRemoved: number;
  sandboxMarkerRemoved: boolean;
}

/** Turns `10.11.19-MariaDB-0+deb12u1` or `8.0.36` into the number conditional comments compare against. */
export function versionNumber(version: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  return m ? Number(m[1]) * 10000 + Number(m[2]) * 100 + Number(m[3]) : 0;
}

const enum S {
  Normal,
  Quote,
  Block,
  Line,
}
const enum T {
  Word,
  Ident,
  Str,
  Var,
  Punct,
}
interface Token {
  readonly type: T;
  /** Words and variables upper-cased; identifiers and strings as written (null when too long to keep). */
  readonly text: string | null;
  readonly raw: string | null;
  readonly start: number;
  readonly end: number;
  /** Outside conditional comments, or in one the server runs. */
  readonly runs: boolean;
}
interface Flags {
  ansi: boolean;
  noBs: boolean;
}
/** What the guard knows a user variable holds: a saved sql_mode, a saved client charset, or something else. */
type VarValue = { kind: 'mode'; flags: Flags } | { kind: 'cs' } | { kind: 'other' };
type Verdict =
  | { k: 'more' }
  | { k: 'refuse'; why: string }
  | {
      k: 'ok' | 'blank';
      kind?: 'set' | 'db' | 'other';
      blanks?: [number, number][];
      claim?: string;
      definers?: number;
      effects?: (guard: Guard) => void;
      /** CREATE TRIGGER/PROCEDURE/FUNCTION: its body may hold `;` (see `Body`). */
      program?: boolean;
    };

const MARKER = Buffer.from('/*M!999999\\- enable the sandbox mode */');
/** The most a statement head may hold back (a SET or USE longer than this is not from a dump). */
const HOLD_MAX = 1 << 20;
const HEAD_MAX = 512;
const SYSTEM_SCHEMAS = new Set(['mysql', 'information_schema', 'performance_schema', 'sys']);
/** The client's own commands (MariaDB and MySQL), which run on the user's machine if the client sees them. */
const CLIENT_COMMANDS = new Set([
  'CLEAR',
  'CONNECT',
  'EDIT',
  'EGO',
  'EXIT',
  'GO',
  'HELP',
  'NOPAGER',
  'NOTEE',
  'NOWARNING',
  'PAGER',
  'PRINT',
  'PROMPT',
  'QUIT',
  'REHASH',
  'SOURCE',
  'STATUS',
  'SYSTEM',
  'TEE',
  'CHARSET',
  'WARNINGS',
  'SANDBOX',
  'RESETCONNECTION',
  'QUERY_ATTRIBUTES',
  'SSL_SESSION_DATA_PRINT',
]);
/** Words that reach server files, plugins or other servers; never in a dump outside a string. */
const FORBIDDEN = new Map([
  ['LOAD_FILE', 'reads a file on the server (LOAD_FILE)'],
  ['OUTFILE', 'writes a file on the server (INTO OUTFILE)'],
  ['DUMPFILE', 'writes a file on the server (INTO DUMPFILE)'],
  ['INFILE', 'reads a file (LOAD DATA INFILE)'],
  ['SONAME', 'loads a shared library into the server (SONAME)'],
  ['CONNECTION', 'connects a table to another server (CONNECTION=)'],
  ['FEDERATED', 'connects a table to another server (FEDERATED)'],
  ['FEDERATEDX', 'connects a table to another server (FEDERATEDX)'],
  ['SPIDER', 'connects a table to other servers (SPIDER)'],
  ['CONNECT', 'maps a table onto files or other servers (ENGINE=CONNECT)'],
  ['DIRECTORY', 'puts table files outside the data folder (DATA/INDEX DIRECTORY)'],
  ['SYS_EXEC', 'runs a shell command through a server plugin (sys_exec)'],
  ['SYS_EVAL', 'runs a shell command through a server plugin (sys_eval)'],
]);
const FORBIDDEN_FIRST = new Set([...FORBIDDEN.keys()].map((w) => w.charCodeAt(0)));
/** Client character sets in which a multi-byte character can end in `\` or a quote, hiding statements. */
const UNSAFE_CHARSETS = new Set(['BIG5', 'CP932', 'GBK', 'SJIS', 'GB18030']);
const ANSI_MODES = new Set(['ANSI_QUOTES', 'ANSI', 'DB2', 'MAXDB', 'MSSQL', 'ORACLE', 'POSTGRESQL']);

// Byte classes.
const IDENT = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  IDENT[c] =
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x5f ||
    c === 0x24 ||
    c >= 0x80
      ? 1
      : 0;
}
/**
 * Inside a judged statement: 1 for bytes that cannot change the lexer's state, 2 for the first letters of
 * forbidden words (quiet unless they start a word), 0 for the rest (quotes, comments, `\\`, `@`, delimiters…).
 */
const QUIET = new Uint8Array(256);
for (let c = 0; c < 256; c++) QUIET[c] = IDENT[c] ? 1 : 0;
for (const c of ' \t\r\n,()+=<>%&|^~!:?[]{}.') QUIET[c.charCodeAt(0)] = 1;
for (const f of FORBIDDEN_FIRST) {
  QUIET[f] = 2;
  QUIET[f | 0x20] = 2;
}
/** The same, also stopping at words that tell a router a statement reads other objects (see `ROUTE_WORDS`). */
const QUIET_UNITS = Uint8Array.from(QUIET);
for (const c of 'SLUREFsluref') QUIET_UNITS[c.charCodeAt(0)] = 2;
/** Words outside strings that make a statement depend on other objects (`reads`), or declare a foreign key. */
const ROUTE_WORDS = new Map<string, 'reads' | 'references'>([
  ['SELECT', 'reads'],
  ['LIKE', 'reads'],
  ['UNION', 'reads'],
  // ALTER TABLE … RENAME TO, EXCHANGE PARTITION … WITH TABLE: another table's name.
  ['RENAME', 'reads'],
  ['EXCHANGE', 'reads'],
  // Results of the connection's own earlier statements.
  ['LAST_INSERT_ID', 'reads'],
  ['ROW_COUNT', 'reads'],
  ['FOUND_ROWS', 'reads'],
  // ALTER TABLE … CONVERT TABLE: another table's name.
  ['CONVERT', 'reads'],
  // A sequence is read and moved by other tables' statements (NEXTVAL, NEXT VALUE FOR…), some of which a router
  // cannot see in a streamed body: the dump goes serial from the table that is one (SEQUENCE=1) on.
  ['SEQUENCE', 'reads'],
  ['NEXTVAL', 'reads'],
  ['LASTVAL', 'reads'],
  ['SETVAL', 'reads'],
  ['PREVIOUS', 'reads'],
  ['REFERENCES', 'references'],
]);
/** Session values that differ between connections (their own inserts, warnings, ids): not to be broadcast. */
const CONNECTION_STATE = new Set([
  'INSERT_ID',
  'LAST_INSERT_ID',
  'IDENTITY',
  'WARNING_COUNT',
  'ERROR_COUNT',
  'PSEUDO_THREAD_ID',
  'RAND_SEED1',
  'RAND_SEED2',
  'IN_TRANSACTION',
  'LAST_GTID',
  'GTID_SEQ_NO',
  '',
]);
/** Functions and variables whose value is what the connection's own earlier statements left (see `history`). */
const HISTORY_WORDS = new Set(['LAST_INSERT_ID', 'ROW_COUNT', 'FOUND_ROWS']);
const HISTORY_VARS = new Set([
  'LAST_INSERT_ID',
  'IDENTITY',
  'WARNING_COUNT',
  'ERROR_COUNT',
  'IN_TRANSACTION',
  'LAST_GTID',
]);
/** Whether `@@name` (any case, with or without a scope) is one of HISTORY_VARS. */
const historyVar = (text: string): boolean =>
  HISTORY_VARS.has(text.toUpperCase().replace(/^@@((SESSION|LOCAL|GLOBAL)\.)?/, ''));
const ROUTE_FIRST = new Set([...ROUTE_WORDS.keys()].map((w) => w.charCodeAt(0)));
const SESSION: StatementRoute = { kind: 'session' };
/** Functions a session SET may use and still give every connection the same value. */
const SET_FUNCTIONS = new Set(['IFNULL', 'COALESCE', 'CONCAT', 'CONCAT_WS', 'IF', 'NULLIF']);
/** Statement verbs that end an open transaction (an implicit commit). */
const COMMITS = new Set(['CREATE', 'ALTER', 'DROP', 'RENAME', 'TRUNCATE', 'LOCK', 'UNLOCK']);
const BLOCK_END = Buffer.from('*/');
const isSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

function modeFlags(value: string): Flags {
  const items = value
    .toUpperCase()
    .split(',')
    .map((s) => s.trim());
  return {
    ansi: items.some((i) => ANSI_MODES.has(i)),
    noBs: items.includes('NO_BACKSLASH_ESCAPES'),
  };
}

const short = (s: string, n = 60): string => {
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n)}…` : t;
};

/** A dump guard stream stage, with what it found. */
export type DumpGuard = Transform & {
  readonly report: DumpGuardReport;
  /** With `units: true`: the units that started since the last call (the last one may still grow). */
  takeUnits(): DumpUnit[];
  /** The client's delimiter at the point lexed so far. */
  readonly delimiterText: string;
  /** The line at the end of what has been passed on. */
  readonly line: number;
};

/** A guard as a stream stage: pipe the decompressed dump through it, into the client's stdin. */
export function dumpGuard(options: DumpGuardOptions): DumpGuard {
  return new Guard(options);
}

class Guard extends Transform {
  readonly report: DumpGuardReport = {
    ownDatabase: null,
    definersRemoved: 0,
    statementsRemoved: 0,
    sandboxMarkerRemoved: false,
  };
  private readonly strict: boolean;
  private readonly storedCode: boolean;
  private readonly server: DumpGuardServer;
  private readonly initial: Flags;
  // Lexer.
  private state: S = S.Normal;
  private quote = 0;
  private quoteStart = 0;
  private cond: { runs: boolean } | null = null;
  private delimiter: Buffer = Buffer.from(';');
  private delimIdent = false;
  /** The delimiter is not `;`: the client then sends `;` to the server, which splits statements there. */
  private splitsAtSemicolon = false;
  /** The client has the start of a statement (up to its delimiter); it reads no DELIMITER line until it ends. */
  private clientOpen = false;
  /**
   * The line of a SET of sql_mode or the character set that ended inside the open client statement. The client
   * finds its delimiter with the settings from before the statement (it learns of a change only after the server
   * ran it), the server runs what follows with the new ones: another statement after it in the same client
   * statement is refused, since the guard and the client could then split the text differently.
   */
  private sessionSetLine = 0;
  /** Inside a stored program's definition: where its body ends. */
  private body: Body | null = null;
  private lineNo = 1;
  private linePos = 0;
  private cur: Buffer = Buffer.alloc(0);
  private curBase = 0;
  private tailIdent = false;
  private lineBlank = true;
  flags: Flags;
  /** User variables set by SET statements; one not listed was never set (NULL), unless `varsTainted`. */
  readonly vars = new Map<string, VarValue>();
  /** A user variable was set by some other statement (`SELECT @a := …`): none can be trusted to be NULL. */
  varsTainted = false;
  // Statement.
  private inStmt = false;
  private stmtStart = 0;
  private stmtLine = 1;
  private head: Token[] | null = null;
  private decided: Verdict | null = null;
  private prevIdent = false;
  private preamble = true;
  // Stream.
  private held: Buffer | null = null;
  private heldBase = 0;
  private rescan = 0;
  private consumed = 0;
  private holdAt = -1;
  private blanks: [number, number][] = [];
  private first = true;
  // Units (for a router).
  private readonly unitsOn: boolean;
  private readonly quiet: Uint8Array;
  private newUnits: DumpUnit[] = [];
  private unit: DumpUnit | null = null;
  private stmt: DumpStatement | null = null;
  /** FOREIGN_KEY_CHECKS is known to be off (a SET turned it off and none turned it back on). */
  fkOff = false;

  constructor(options: DumpGuardOptions) {
    super();
    this.strict = options.mode === 'strict';
    this.storedCode = !this.strict && options.storedCode !== false;
    this.server = options.server ?? { mariadb: true, version: 101100, sqlMode: '' };
    this.initial = modeFlags(this.server.sqlMode);
    this.flags = { ...this.initial };
    this.unitsOn = options.units === true;
    this.quiet = this.unitsOn ? QUIET_UNITS : QUIET;
  }

  /** The units that started since the last call (with `units: true`); the last one may still grow. */
  takeUnits(): DumpUnit[] {
    const out = this.newUnits;
    this.newUnits = [];
    return out;
  }

  /** The client's delimiter at the point lexed so far (at the end of the dump once it has been flushed). */
  get delimiterText(): string {
    return this.delimiter.toString('latin1');
  }

  /** The line at the end of what has been passed on (the number of lines of the dump once it has been flushed). */
  get line(): number {
    return this.lineNo;
  }

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    try {
      this.feed(chunk, false);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    try {
      this.feed(Buffer.alloc(0), true);
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  private feed(chunk: Buffer, final: boolean): void {
    let data = this.held ? (chunk.length ? Buffer.concat([this.held, chunk]) : this.held) : chunk;
    const base = this.held ? this.heldBase : this.consumed;
    this.consumed += chunk.length;
    const from = this.rescan;
    if (this.first) {
      if (data.length < MARKER.length && !final) {
        this.held = data;
        this.heldBase = base;
        this.rescan = 0;
        return;
      }
      this.first = false;
      if (data.subarray(0, MARKER.length).equals(MARKER)) {
        // Lexed as blank, sent as blank: the client runs sandboxed anyway.
        data = Buffer.from(data);
        data.fill(0x20, 0, MARKER.length);
        this.report.sandboxMarkerRemoved = true;
      }
    }
    this.cur = data;
    this.curBase = base;
    const stop = this.scan(data, base, from, final);
    // The client runs a last statement without a delimiter at the end of its input: judge it now.
    if (final && this.inStmt) this.endStatement(base + data.length);
    const keepAbs = final
      ? base + data.length
      : this.holdAt >= 0
        ? Math.min(this.holdAt, base + stop)
        : base + stop;
    const keep = keepAbs - base;
    this.lineAt(keepAbs);
    if (keep > 0) {
      this.push(this.blanked(data.subarray(0, keep), base));
      this.tailIdent = IDENT[data[keep - 1]!] === 1;
    }
    if (keep < data.length) {
      this.held = data.subarray(keep);
      this.heldBase = keepAbs;
      this.rescan = stop - keep;
      if (this.held.length > HOLD_MAX) {
        this.refuse(
          this.stmtLine,
          'has a statement whose beginning is longer than any dump writes; Lifeboat will not import it',
        );
      }
    } else {
      this.held = null;
      this.rescan = 0;
    }
  }

  /** Applies pending blanks that fall in `part` (which starts at absolute offset `base`). */
  private blanked(part: Buffer, base: number): Buffer {
    if (this.blanks.length === 0) return part;
    const end = base + part.length;
    let out: Buffer | null = null;
    const rest: [number, number][] = [];
    for (const [a, b] of this.blanks) {
      if (a >= end) {
        rest.push([a, b]);
        continue;
      }
      out ??= Buffer.from(part);
      for (let i = Math.max(a, base); i < Math.min(b, end); i++)
        if (out[i - base] !== 0x0a) out[i - base] = 0x20;
      if (b > end) rest.push([end, b]);
    }
    this.blanks = rest;
    return out ?? part;
  }

  /**
   * The line number at absolute offset `p` (at or after the last one asked for). Lines are counted natively,
   * only up to where they are needed, so the byte loops never count them.
   */
  private lineAt(p: number): number {
    const d = this.cur;
    const base = this.curBase;
    let i = this.linePos - base;
    const to = p - base;
    while (i < to) {
      const nl = d.indexOf(0x0a, i);
      if (nl < 0 || nl >= to) break;
      this.lineNo++;
      i = nl + 1;
    }
    if (p > this.linePos) this.linePos = p;
    return this.lineNo;
  }

  private refuse(line: number, why: string): never {
    throw new LifeboatError(
      'database',
      `Line ${line} of the database dump ${why}. Nothing from this dump was kept.`,
    );
  }

  // ---------------------------------------------------------------------------------------------------------
  // The lexer. Returns where it stopped: the end, or earlier when it needs bytes that have not arrived yet.

  private scan(d: Buffer, base: number, i: number, final: boolean): number {
    const n = d.length;
    while (i < n) {
      switch (this.state) {
        case S.Quote: {
          const q = this.quote;
          const esc = !this.flags.noBs && (q === 0x27 || (q === 0x22 && !this.flags.ansi));
          let j = i;
          let closed = false;
          if (esc) {
            // The first quote ends the string, unless a backslash before it escapes the next byte. Both are found
            // with indexOf (dense dumps are mostly long strings); each search starts past the last one found.
            let bs = d.indexOf(0x5c, j);
            let qt = d.indexOf(q, j);
            for (;;) {
              if (bs >= 0 && (qt < 0 || bs < qt)) {
                if (bs + 1 >= n) {
                  if (!final) return bs;
                  break;
                }
                j = bs + 2;
                if (qt >= 0 && qt < j) qt = d.indexOf(q, j);
                bs = d.indexOf(0x5c, j);
                continue;
              }
              if (qt >= 0) {
                j = qt;
                closed = true;
              }
              break;
            }
          } else {
            j = d.indexOf(q, i);
            closed = j >= 0;
            if (!closed) j = n;
          }
          if (!closed) return n;
          this.state = S.Normal;
          const ident = q === 0x60 || (q === 0x22 && this.flags.ansi);
          if (this.head) {
            const len = base + j - this.quoteStart - 1;
            const raw = len <= 512 ? d.toString('utf8', this.quoteStart - base + 1, j) : null;
            this.token(ident ? T.Ident : T.Str, raw, raw, this.quoteStart, base + j + 1);
          } else {
            this.prevIdent = ident;
            if (this.body && this.runs()) this.body.token(ident ? '`' : "'");
          }
          i = j + 1;
          break;
        }
        case S.Line: {
          const nl = d.indexOf(0x0a, i);
          if (nl < 0) return n;
          this.state = S.Normal;
          i = nl;
          break;
        }
        case S.Block: {
          const e = d.indexOf(BLOCK_END, i);
          if (e < 0) {
            if (final) return n;
            // Keep a trailing `*` for the next chunk.
            return d[n - 1] === 0x2a ? Math.max(i, n - 1) : n;
          }
          this.state = S.Normal;
          i = e + 2;
          break;
        }
        default: {
          const r = this.normal(d, base, i, final);
          if (r < 0) return -r - 1;
          i = r;
        }
      }
    }
    return i;
  }

  /**
   * Scans from `i` in the Normal state until the state changes or the chunk ends. Returns the next position,
   * or `-(stop+1)` to stop early and wait for more bytes.
   */
  private normal(d: Buffer, base: number, i: number, final: boolean): number {
    const n = d.length;
    const delim = this.delimiter;
    const d0 = delim[0]!;
    const fast = !this.strict;
    const quiet = this.quiet;
    while (i < n) {
      if (fast && this.head === null && this.inStmt && this.body === null) {
        // Inside a statement already judged: skip what cannot change the lexer's state (digits, commas,
        // parentheses, most letters) in a tight loop; stop at anything else, and at the start of a word that
        // could be a forbidden one.
        let j = i;
        while (j < n) {
          const k = quiet[d[j]!]!;
          if (k === 1 && d[j] !== d0) j++;
          else if (k === 2 && d[j] !== d0 && (j > 0 ? IDENT[d[j - 1]!] === 1 : this.tailIdent)) j++;
          else break;
        }
        i = j;
        if (i >= n) break;
      }
      const c = d[i]!;
      // The client looks for its commands first, then for the delimiter, then for comments.
      if (c === 0x5c) {
        if (i + 1 >= n && !final) return -(i + 1);
        if (d[i + 1] === 0x4e) {
          this.lineBlank = false;
          this.begin(i, base);
          if (this.head) this.token(T.Word, 'NULL', '\\N', base + i, base + i + 2);
          i += 2;
          continue;
        }
        const cmd = i + 1 < n ? String.fromCharCode(d[i + 1]!) : '';
        this.refuse(
          this.lineAt(base + i),
          `holds a client command (\\${cmd}) that would run on this computer with your rights, not in the database`,
        );
      }
      if (c === d0) {
        if (i + delim.length > n && !final) {
          if (d.subarray(i, n).equals(delim.subarray(0, n - i))) return -(i + 1);
        } else if (delim.length === 1 || d.subarray(i, i + delim.length).equals(delim)) {
          this.endStatement(base + i + delim.length);
          this.clientOpen = false;
          this.sessionSetLine = 0;
          if (this.unit) this.unit.terminated = true;
          this.lineBlank = false;
          i += delim.length;
          continue;
        }
      }
      if (c === 0x3b && this.splitsAtSemicolon && this.inStmt && (this.cond === null || this.cond.runs)) {
        // The client sends this `;` on with the rest of its statement and the server, which runs several
        // statements at once, ends a statement here: judge what follows as a statement of its own. Only a
        // stored program's body holds `;` inside itself, up to its last END.
        if (this.body && !this.body.semicolon()) {
          i++;
          continue;
        }
        this.endStatement(base + i + 1);
        this.lineBlank = false;
        i++;
        continue;
      }
      if (c === 0x0a) {
        this.lineBlank = true;
        i++;
        continue;
      }
      if (c === 0x20 || c === 0x09 || c === 0x0d) {
        i++;
        continue;
      }
      if (c === 0x23) {
        this.state = S.Line;
        return i + 1;
      }
      if (c === 0x2d) {
        if (i + 2 >= n && !final) return -(i + 1);
        if (d[i + 1] === 0x2d && (i + 2 >= n || isSpace(d[i + 2]))) {
          this.state = S.Line;
          return i + 2;
        }
      } else if (c === 0x2f) {
        if (i + 10 >= n && !final) return -(i + 1);
        if (d[i + 1] === 0x2a) {
          const bang = d[i + 2] === 0x21;
          const mBang = d[i + 2] === 0x4d && d[i + 3] === 0x21;
          this.lineBlank = false;
          if (!bang && !mBang) {
            this.state = S.Block;
            return i + 2;
          }
          // A conditional comment: its content is SQL for servers at least that version.
          this.begin(i, base);
          let j = i + (bang ? 3 : 4);
          let v = 0;
          let digits = 0;
          const max = this.server.mariadb ? 6 : 5;
          while (digits < max && j < n && d[j]! >= 0x30 && d[j]! <= 0x39) {
            v = v * 10 + d[j]! - 0x30;
            j++;
            digits++;
          }
          const runs = (!mBang || this.server.mariadb) && (digits === 0 || this.server.version >= v);
          this.cond = { runs };
          i = j;
          continue;
        }
      } else if (c === 0x2a && this.cond) {
        if (i + 1 >= n && !final) return -(i + 1);
        if (d[i + 1] === 0x2f) {
          this.cond = null;
          i += 2;
          continue;
        }
      }
      if (c === 0)
        this.refuse(this.lineAt(base + i), 'holds a NUL byte outside a string, which no dump writes');
      // Something the server will see: a statement starts here if none is open.
      if (!this.clientOpen && !this.inStmt && this.lineBlank && (c === 0x64 || c === 0x44)) {
        // DELIMITER is handled by the client on a line of its own, before any lexing.
        const r = this.delimiterCommand(d, base, i, final);
        if (r !== 0) return r;
      }
      this.lineBlank = false;
      this.begin(i, base);
      if (c === 0x27 || c === 0x22 || c === 0x60) {
        this.state = S.Quote;
        this.quote = c;
        this.quoteStart = base + i;
        return i + 1;
      }
      if (IDENT[c]) {
        let j = i + 1;
        if (this.delimIdent) {
          while (j < n && IDENT[d[j]!] && !(d[j] === d0 && d.subarray(j, j + delim.length).equals(delim)))
            j++;
        } else while (j < n && IDENT[d[j]!]) j++;
        if (j >= n && !final) return -(i + 1);
        this.word(d, base, i, j);
        i = j;
        continue;
      }
      if (c === 0x40) {
        // @var, @@scope.var
        let j = i + 1;
        if (d[j] === 0x40) j++;
        while (j < n && (IDENT[d[j]!] || d[j] === 0x2e)) j++;
        if (j >= n && !final) return -(i + 1);
        if (this.head) {
          const raw = d.toString('latin1', i, j);
          this.token(j === i + 1 ? T.Punct : T.Var, raw.toUpperCase(), raw, base + i, base + j);
        } else {
          // A user variable set inside some other statement: stop trusting what the guard knows of them.
          this.vars.clear();
          this.varsTainted = true;
          // Its value is the connection's own: a router keeps the statement in order with the rest.
          if (this.stmt) {
            this.stmt.reads = true;
            if (d[i + 1] === 0x40 && historyVar(d.toString('latin1', i, j))) this.stmt.history = true;
          }
          this.prevIdent = false;
          if (this.body && this.runs()) this.body.token('@');
        }
        i = j;
        continue;
      }
      if (this.head)
        this.token(T.Punct, String.fromCharCode(c), String.fromCharCode(c), base + i, base + i + 1);
      else if (c === 0x2e && this.prevIdent && this.strict) {
        const around = short(d.toString('utf8', Math.max(0, i - 30), Math.min(n, i + 30)));
        this.refuse(
          this.lineAt(base + i),
          `names an object in another database (…${around}…), which Lifeboat does not import without a restricted database user`,
        );
      } else {
        this.prevIdent = false;
        if (this.body && this.runs()) this.body.token(String.fromCharCode(c));
      }
      i++;
    }
    return i;
  }

  /** Whether the server sees what is being lexed (outside conditional comments, or in one it runs). */
  private runs(): boolean {
    return this.cond === null || this.cond.runs;
  }

  /** `DELIMITER x` at the start of a line: returns 0 if it is not one, else where scanning continues. */
  private delimiterCommand(d: Buffer, base: number, i: number, final: boolean): number {
    const n = d.length;
    if (i + 10 > n && !final) return -(i + 1);
    if (d.toString('latin1', i, i + 9).toUpperCase() !== 'DELIMITER' || !(i + 9 >= n || isSpace(d[i + 9])))
      return 0;
    const nl = d.indexOf(0x0a, i);
    if (nl < 0 && !final) return -(i + 1);
    // As the client reads it: leading white space skipped, then everything up to a space or the line's end,
    // so `DELIMITER //\r\n` (a CRLF file) sets `//\r` and the client ends statements only at `//\r`.
    const line = d.toString('latin1', i + 9, nl < 0 ? n : nl).replace(/^\s+/, '');
    const sp = line.indexOf(' ');
    const arg = sp < 0 ? line : line.slice(0, sp);
    const rest = sp < 0 ? '' : line.slice(sp);
    // The client keeps at most 15 characters of a delimiter; a longer one would split statements elsewhere.
    if (!/^(?!--|\/\*)[^\s\\'"`#]+\r?$/.test(arg) || arg.length > 15 || !/^[ \t\r]*$/.test(rest)) {
      this.refuse(
        this.lineAt(base + i),
        `sets a statement delimiter Lifeboat does not accept (DELIMITER ${short(line, 20)})`,
      );
    }
    this.delimiter = Buffer.from(arg, 'latin1');
    this.delimIdent = this.delimiter.some((b) => IDENT[b] === 1 || QUIET[b] !== 0);
    this.splitsAtSemicolon = !(this.delimiter.length === 1 && this.delimiter[0] === 0x3b);
    return nl < 0 ? n : nl;
  }

  private word(d: Buffer, base: number, i: number, j: number): void {
    const first = d[i]!;
    const len = j - i;
    if (this.head) {
      const raw = len <= 512 ? d.toString('utf8', i, j) : null;
      const up = raw?.toUpperCase() ?? null;
      // A client command as the first word is refused as such by `evaluate`.
      const command = this.head.length === 0 && up !== null && CLIENT_COMMANDS.has(up);
      if (up && !command && FORBIDDEN.has(up)) this.refuse(this.lineAt(base + i), FORBIDDEN.get(up)!);
      this.token(T.Word, up, raw, base + i, base + j);
      return;
    }
    this.prevIdent = !(first >= 0x30 && first <= 0x39);
    if (this.body && this.runs()) this.body.token(len <= 16 ? d.toString('latin1', i, j).toUpperCase() : '?');
    if (this.stmt && len >= 4 && len <= 14 && ROUTE_FIRST.has(first & 0xdf)) {
      const up = d.toString('latin1', i, j).toUpperCase();
      const flag = ROUTE_WORDS.get(up);
      if (flag) this.stmt[flag] = true;
      if (HISTORY_WORDS.has(up)) this.stmt.history = true;
    }
    if (len >= 6 && len <= 10 && FORBIDDEN_FIRST.has(first & 0xdf)) {
      const up = d.toString('latin1', i, j).toUpperCase();
      const why = FORBIDDEN.get(up);
      if (why) this.refuse(this.lineAt(base + i), why);
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // Statements.

  private begin(i: number, base: number): void {
    if (this.inStmt) return;
    const fresh = !this.clientOpen;
    if (!fresh && this.sessionSetLine > 0) {
      this.refuse(
        this.sessionSetLine,
        'changes sql_mode or the character set in the middle of a client statement (before its delimiter, ' +
          `${this.delimiter.toString('latin1')}), where the database client would still read what follows ` +
          'with the old settings; Lifeboat will not import it',
      );
    }
    this.inStmt = true;
    this.clientOpen = true;
    this.stmtStart = base + i;
    this.stmtLine = this.lineAt(base + i);
    if (this.unitsOn) {
      // A client statement that starts inside a conditional comment opened by the one before stays with it.
      if ((fresh && this.cond === null) || this.unit === null) {
        this.unit = {
          start: this.stmtStart,
          line: this.stmtLine,
          delimiter: this.delimiter.toString('latin1'),
          statements: [],
          terminated: false,
        };
        this.newUnits.push(this.unit);
      }
      this.unit.terminated = false;
      this.stmt = {
        route: { kind: 'serial', why: 'a statement Lifeboat could not place' },
        commits: false,
        reads: false,
        references: false,
        fkChecksOff: this.fkOff,
      };
      this.unit.statements.push(this.stmt);
    }
    this.head = [];
    this.decided = null;
    this.holdAt = base + i;
    this.prevIdent = false;
  }

  private token(type: T, text: string | null, raw: string | null, start: number, end: number): void {
    const head = this.head!;
    head.push({ type, text, raw, start, end, runs: this.cond === null || this.cond.runs });
    if (head.length > HEAD_MAX) {
      this.refuse(
        this.stmtLine,
        'has a statement too long or complex for a dump; Lifeboat will not import it',
      );
    }
    const v = this.evaluate(head, false);
    // Short statements (SET, transactions) are decided at their end, when all of them is known.
    if (v.k === 'refuse' || (v.k !== 'more' && v.kind !== 'set')) this.decide(v);
  }

  private endStatement(delimEnd: number): void {
    if (!this.inStmt) return;
    if (this.head) this.decide(this.evaluate(this.head, true));
    this.body?.end();
    this.body = null;
    const v = this.decided;
    if (v && v.k === 'blank') {
      this.blanks.push([this.stmtStart, delimEnd]);
      this.report.statementsRemoved++;
    }
    if (v && v.k !== 'more' && v.k !== 'refuse') {
      const before = this.flags;
      const head = this.head;
      v.effects?.(this);
      // Only a SET that ends before the client's delimiter (at a `;` the server splits at) leaves one open.
      if (
        this.clientOpen &&
        v.kind === 'set' &&
        (this.flags.ansi !== before.ansi || this.flags.noBs !== before.noBs || (head && setsSession(head)))
      )
        this.sessionSetLine = this.stmtLine;
    }
    this.inStmt = false;
    this.head = null;
    this.decided = null;
    this.holdAt = -1;
    this.prevIdent = false;
    this.body = null;
    this.stmt = null;
  }

  private decide(v: Verdict): void {
    if (v.k === 'more') this.refuse(this.stmtLine, `has an incomplete statement (${this.snippet()})`);
    if (v.k === 'refuse') this.refuse(this.stmtLine, v.why);
    const head = this.head!;
    const snippet = v.program ? this.snippet() : '';
    if (this.strict) this.strictDots(head, v.blanks ?? []);
    if (v.claim !== undefined) this.report.ownDatabase = v.claim;
    if (this.stmt) this.place(this.stmt, head, v);
    if (v.kind === 'other') this.preamble = false;
    if (v.blanks) this.blanks.push(...v.blanks);
    this.report.definersRemoved += v.definers ?? 0;
    this.decided = v;
    if (v.k === 'ok' && v.kind !== 'set') {
      // From here on the statement streams through; only quotes, comments and a few words are watched.
      this.head = null;
      this.holdAt = -1;
      if (v.program) {
        const line = this.stmtLine;
        this.body = new Body(head, (why) => this.refuse(line, `${why} (${short(snippet, 40)})`));
      }
      const last = head.at(-1);
      this.prevIdent =
        !!last && (last.type === T.Ident || (last.type === T.Word && !/^\d/.test(last.raw ?? '')));
    }
  }

  /** Records what a statement is for a router (see `StatementRoute`), from the tokens its verdict read. */
  private place(stmt: DumpStatement, h: Token[], v: Verdict): void {
    stmt.commits = h[0]?.type === T.Word && COMMITS.has(h[0].text!);
    const set = h[0]?.type === T.Word && h[0].text === 'SET';
    for (let k = 0; k < h.length; k++) {
      const t = h[k]!;
      if (t.type !== T.Word || !t.runs) continue;
      const flag = ROUTE_WORDS.get(t.text!);
      if (flag) stmt[flag] = true;
      if (HISTORY_WORDS.has(t.text!)) stmt.history = true;
      // A function in a SET may give each connection its own value (LAST_INSERT_ID(), RAND()…).
      const next = h[k + 1];
      if (set && next?.type === T.Punct && next.text === '(' && !SET_FUNCTIONS.has(t.text!))
        stmt.reads = true;
    }
    if (h.some((t) => t.runs && t.type === T.Var && t.text!.startsWith('@@') && historyVar(t.text!)))
      stmt.history = true;
    stmt.route = routeOf(h, v);
    stmt.locks = h[0]?.type === T.Word && h[0].text === 'LOCK';
    stmt.transacts =
      (h[0]?.type === T.Word && (h[0].text === 'START' || h[0].text === 'BEGIN')) ||
      (set && h.some((t) => (t.type === T.Word || t.type === T.Var) && t.text!.endsWith('AUTOCOMMIT')));
    // INSERT_ID, @@last_insert_id…: each connection has its own; one that sets or reads them stays in order.
    if (
      set &&
      !stmt.reads &&
      h.some(
        (t) =>
          t.runs &&
          ((t.type === T.Word && CONNECTION_STATE.has(t.text!)) ||
            (t.type === T.Var &&
              t.text!.startsWith('@@') &&
              CONNECTION_STATE.has(t.text!.replace(/^@@((SESSION|LOCAL|GLOBAL)\.)?/, '')))),
      )
    )
      stmt.route = serial('sets or reads a value of one connection (INSERT_ID, LAST_INSERT_ID…)');
  }

  private strictDots(head: Token[], blanks: [number, number][]): void {
    for (let k = 1; k + 1 < head.length; k++) {
      const a = head[k - 1]!;
      const dot = head[k]!;
      const b = head[k + 1]!;
      if (dot.type !== T.Punct || dot.text !== '.') continue;
      const ident = (t: Token): boolean =>
        t.type === T.Ident || (t.type === T.Word && !/^\d/.test(t.raw ?? ''));
      if (!ident(a) || !ident(b)) continue;
      if (blanks.some(([s, e]) => s <= a.start && e >= dot.end)) continue;
      this.refuse(
        this.stmtLine,
        `names an object in another database (${this.snippet()}), which Lifeboat does not import without a restricted database user`,
      );
    }
  }

  private snippet(): string {
    const head = this.head ?? [];
    return short(
      head
        .slice(0, 8)
        .map((t) =>
          t.type === T.Ident ? `\`${t.raw ?? '…'}\`` : t.type === T.Str ? `'${t.raw ?? '…'}'` : t.raw,
        )
        .join(' ')
        .replace(/ ([.,;()=]) ?/g, '$1'),
    );
  }

  // ---------------------------------------------------------------------------------------------------------
  // Statement heads. Pure: reads the guard's state, returns what to do (and what to change) once decided.

  private evaluate(h: Token[], ended: boolean): Verdict {
    if (h.length === 0) return ended ? { k: 'ok', kind: 'set' } : { k: 'more' };
    const first = h[0]!;
    const w = (k: number): string | undefined => (h[k]?.type === T.Word ? h[k]!.text! : undefined);
    const more: Verdict = ended
      ? { k: 'refuse', why: `has an incomplete statement (${this.snippet()})` }
      : { k: 'more' };
    if (first.type === T.Punct && first.text === '?')
      return { k: 'refuse', why: 'holds a client command (?) that would run on this computer' };
    if (first.type !== T.Word)
      return { k: 'refuse', why: `has a statement a database dump does not contain (${this.snippet()})` };
    const w0 = first.text!;
    if (CLIENT_COMMANDS.has(w0) || w0 === 'DELIMITER') {
      return {
        k: 'refuse',
        why: `holds a client command (${first.raw}) that would run on this computer with your rights, not in the database`,
      };
    }
    const notInDump: Verdict = {
      k: 'refuse',
      why: `has a statement a database dump does not contain (${this.snippet()}); Lifeboat imports tables and their data, and refuses anything that reaches beyond the database`,
    };
    const strictOnly = (what: string): Verdict => ({
      k: 'refuse',
      why: `has ${what} (${this.snippet()}), which Lifeboat imports only through a restricted database user, and the configured user cannot create one`,
    });
    switch (w0) {
      case 'USE': {
        if (!ended)
          return h.length > 2
            ? { k: 'refuse', why: `switches database in an odd way (${this.snippet()})` }
            : more;
        if (h.length !== 2 || !isName(h[1]!))
          return { k: 'refuse', why: `switches database in an odd way (${this.snippet()})` };
        return this.claim(h[1]!.raw!, 'switches to another database', { k: 'blank', kind: 'db' });
      }
      case 'SET':
        return ended ? this.evaluateSet(h) : { k: 'more' };
      case 'CREATE':
      case 'ALTER':
        return this.evaluateDdl(h, ended, w0, more, notInDump, strictOnly);
      case 'DROP': {
        let k = 1;
        if (w(k) === 'TEMPORARY') k++;
        const kind = w(k);
        if (kind === undefined) return h[k] ? notInDump : more;
        if (kind === 'DATABASE' || kind === 'SCHEMA') {
          if (!ended) return more;
          k++;
          if (w(k) === 'IF' && w(k + 1) === 'EXISTS') k += 2;
          if (h.length !== k + 1 || !isName(h[k]!))
            return { k: 'refuse', why: `drops a database (${this.snippet()})` };
          return this.claim(h[k]!.raw!, 'drops another database', { k: 'blank', kind: 'db' });
        }
        if (
          ![
            'TABLE',
            'TABLES',
            'VIEW',
            'SEQUENCE',
            'TRIGGER',
            'PROCEDURE',
            'FUNCTION',
            'EVENT',
            'INDEX',
          ].includes(kind)
        )
          return notInDump;
        if (kind === 'INDEX' && this.strict) return strictOnly('a DROP INDEX');
        if (!ended) return more;
        k++;
        if (w(k) === 'IF' && w(k + 1) === 'EXISTS') k += 2;
        // Every name in the list (DROP TABLE a, b, c).
        const blanks: [number, number][] = [];
        for (;;) {
          const r = this.name(h, k, true, blanks);
          if ('refuse' in r) return r.refuse;
          if (r.next === -1) return more;
          k = r.next;
          if (kind === 'INDEX') break;
          if (h[k]?.type === T.Punct && h[k]!.text === ',') {
            k++;
            continue;
          }
          break;
        }
        return { k: 'ok', kind: 'other', blanks };
      }
      case 'INSERT':
      case 'REPLACE': {
        let k = 1;
        while (['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO'].includes(w(k) ?? '')) k++;
        return this.named(h, k, ended, more);
      }
      case 'LOCK': {
        if (!h[1]) return more;
        if (w(1) !== 'TABLES' && w(1) !== 'TABLE') return notInDump;
        // Read whole, so a router sees every table it locks (see `routeOf`).
        if (!ended) return more;
        return this.named(h, 2, ended, more);
      }
      case 'UNLOCK':
        return w(1) === 'TABLES' || w(1) === 'TABLE' ? { k: 'ok', kind: 'other' } : h[1] ? notInDump : more;
      case 'START':
        return w(1) === 'TRANSACTION' ? { k: 'ok', kind: 'set' } : h[1] ? notInDump : more;
      case 'BEGIN':
        if (!ended) return h.length > 2 ? notInDump : more;
        return h.length === 1 || (h.length === 2 && w(1) === 'WORK') ? { k: 'ok', kind: 'set' } : notInDump;
      case 'COMMIT':
      case 'ROLLBACK':
      case 'SAVEPOINT':
      case 'RELEASE':
        return { k: 'ok', kind: 'set' };
      case 'DO':
      case 'SELECT':
        // mariadb-dump sets a sequence's position with `DO SETVAL(...)` (older ones with SELECT).
        if (!h[1]) return more;
        if (w(1) === 'SETVAL') return { k: 'ok', kind: 'other' };
        if (this.strict) return strictOnly(`a ${w0} statement`);
        return { k: 'ok', kind: 'other' };
      case 'UPDATE':
      case 'DELETE':
      case 'TRUNCATE':
      case 'RENAME':
        if (this.strict) return strictOnly(`a ${w0} statement`);
        if (w0 === 'UPDATE' || w0 === 'DELETE') return { k: 'ok', kind: 'other' };
        if (w0 === 'TRUNCATE') return this.named(h, w(1) === 'TABLE' ? 2 : 1, ended, more);
        return w(1) === 'TABLE' || w(1) === 'TABLES'
          ? this.named(h, 2, ended, more)
          : h[1]
            ? notInDump
            : more;
      default:
        return notInDump;
    }
  }

  /** CREATE and ALTER: skips the clauses before the object kind (blanking DEFINER), then checks the name. */
  private evaluateDdl(
    h: Token[],
    ended: boolean,
    w0: string,
    more: Verdict,
    notInDump: Verdict,
    strictOnly: (what: string) => Verdict,
  ): Verdict {
    const w = (k: number): string | undefined => (h[k]?.type === T.Word ? h[k]!.text! : undefined);
    const blanks: [number, number][] = [];
    let definers = 0;
    let k = 1;
    for (;;) {
      const x = w(k);
      if (x === undefined) return h[k] ? notInDump : more;
      if (x === 'OR' || x === 'SQL') {
        if (!h[k + 1]) return more;
        k += 2; // OR REPLACE, SQL SECURITY
        if (x === 'SQL') k++;
        continue;
      }
      if (x === 'ALGORITHM') {
        if (!h[k + 2]) return more;
        k += 3;
        continue;
      }
      if (
        ['TEMPORARY', 'UNIQUE', 'FULLTEXT', 'SPATIAL', 'AGGREGATE', 'ONLINE', 'OFFLINE', 'IGNORE'].includes(x)
      ) {
        k++;
        continue;
      }
      if (x === 'DEFINER') {
        const r = definerEnd(h, k);
        if (r === -1) return more;
        if (r === -2)
          return { k: 'refuse', why: `has a DEFINER clause Lifeboat cannot read (${this.snippet()})` };
        blanks.push([h[k]!.start, h[r - 1]!.end]);
        definers++;
        k = r;
        continue;
      }
      break;
    }
    const kind = w(k)!;
    k++;
    const ok = (v: Verdict): Verdict =>
      v.k === 'ok' ? { ...v, blanks: [...blanks, ...(v.blanks ?? [])], definers } : v;
    switch (kind) {
      case 'DATABASE':
      case 'SCHEMA': {
        if (w0 === 'ALTER') {
          // ALTER DATABASE [name] options: without a name it is the current one (the target).
          const t = h[k];
          if (!t) return more;
          if (t.type === T.Ident || (t.type === T.Word && !DB_OPTION_WORDS.has(t.text!))) {
            return this.claim(t.raw!, 'changes another database', {
              k: 'ok',
              kind: 'db',
              blanks: [[t.start, t.end]],
            });
          }
          return { k: 'ok', kind: 'db' };
        }
        if (!ended) return more;
        if (w(k) === 'IF' && w(k + 1) === 'NOT' && w(k + 2) === 'EXISTS') k += 3;
        const t = h[k];
        if (!t || !isName(t))
          return { k: 'refuse', why: `creates a database in an odd way (${this.snippet()})` };
        return this.claim(t.raw!, 'creates another database', { k: 'blank', kind: 'db' });
      }
      case 'TABLE':
      case 'SEQUENCE': {
        if (w(k) === 'IF') {
          if (!h[k + 2]) return more;
          k += w(k + 1) === 'NOT' ? 3 : 2;
        }
        return ok(this.named(h, k, ended, more));
      }
      case 'INDEX':
        if (this.strict) return strictOnly('a CREATE INDEX');
        return ok({ k: 'ok', kind: 'other' });
      case 'VIEW':
      case 'TRIGGER':
      case 'PROCEDURE':
      case 'FUNCTION': {
        if (this.strict) return strictOnly(`stored code (${kind.toLowerCase()})`);
        if (!this.storedCode) {
          return {
            k: 'refuse',
            why: `has stored code (${kind.toLowerCase()}) (${this.snippet()}), which Lifeboat imports only when it can make it belong to a locked account that reaches this database alone, and the configured user cannot (that takes CREATE USER, GRANT OPTION and SUPER or SET USER)`,
          };
        }
        if (w(k) === 'IF') {
          if (!h[k + 2]) return more;
          k += w(k + 1) === 'NOT' ? 3 : 2;
        }
        const v = ok(this.named(h, k, ended, more));
        return v.k === 'ok' && w0 === 'CREATE' && kind !== 'VIEW' ? { ...v, program: true } : v;
      }
      case 'EVENT':
        return {
          k: 'refuse',
          why: `creates a scheduled event (${this.snippet()}), which Lifeboat does not import`,
        };
      default:
        return notInDump;
    }
  }

  /** A statement whose object name sits at `k`: allowed when the name is in this database. */
  private named(h: Token[], k: number, ended: boolean, more: Verdict): Verdict {
    const blanks: [number, number][] = [];
    const r = this.name(h, k, ended, blanks);
    if ('refuse' in r) return r.refuse;
    if (r.next === -1) return more;
    return { k: 'ok', kind: 'other', blanks };
  }

  /** Reads `name` or `db.name` at `k`; a qualifier must be the dump's own database, and is then removed. */
  private name(
    h: Token[],
    k: number,
    ended: boolean,
    blanks: [number, number][],
  ): { next: number } | { refuse: Verdict } {
    const a = h[k];
    if (!a)
      return ended
        ? { refuse: { k: 'refuse', why: `has an incomplete statement (${this.snippet()})` } }
        : { next: -1 };
    if (!isName(a))
      return { refuse: { k: 'refuse', why: `has a statement Lifeboat cannot read (${this.snippet()})` } };
    const dot = h[k + 1];
    if (!dot) return ended ? { next: k + 1 } : { next: -1 };
    if (dot.type !== T.Punct || dot.text !== '.') return { next: k + 1 };
    const b = h[k + 2];
    if (!b)
      return ended
        ? { refuse: { k: 'refuse', why: `has an incomplete statement (${this.snippet()})` } }
        : { next: -1 };
    const db = a.raw!;
    if (this.report.ownDatabase === null || db !== this.report.ownDatabase) {
      return {
        refuse: {
          k: 'refuse',
          why: `names another database (${this.snippet()}); Lifeboat imports a dump only into its own database`,
        },
      };
    }
    blanks.push([a.start, dot.end]);
    return { next: k + 3 };
  }

  /** USE/CREATE/DROP/ALTER DATABASE: allowed for one database, named in the dump's preamble. */
  private claim(name: string, doing: string, v: Verdict): Verdict {
    if (SYSTEM_SCHEMAS.has(name.toLowerCase()))
      return { k: 'refuse', why: `${doing}: the server's own "${short(name, 64)}" database` };
    const own = this.report.ownDatabase;
    if (own === name) return v;
    if (own === null && this.preamble) return { ...v, claim: name } as Verdict;
    return {
      k: 'refuse',
      why: `${doing} (${this.snippet()}); Lifeboat imports a dump only into its own database${
        own ? `, which this dump named "${short(own, 64)}"` : ''
      }`,
    };
  }

  /** SET: session variables only; follows sql_mode and the client character set, as the client does. */
  private evaluateSet(h: Token[]): Verdict {
    const up = (t: Token | undefined): string =>
      t && (t.type === T.Word || t.type === T.Var) ? t.text! : '';
    const refuse = (why: string): Verdict => ({ k: 'refuse', why: `${why} (${this.snippet()})` });
    const w1 = up(h[1]);
    if (['PASSWORD', 'ROLE', 'DEFAULT', 'STATEMENT'].includes(w1))
      return refuse('sets something beyond this import');
    if (w1 === 'TRANSACTION') return { k: 'ok', kind: 'set' };
    // mysqldump from a GTID-enabled MySQL writes these; they concern replication, not the data.
    if (
      /^@@(GLOBAL\.)?GTID_PURGED$/.test(w1) ||
      /^@@(SESSION\.)?SQL_LOG_BIN$/.test(w1) ||
      w1 === 'SQL_LOG_BIN'
    ) {
      if (h.filter((t) => t.type === T.Punct && t.text === ',').length === 0)
        return { k: 'blank', kind: 'set' };
    }
    if (w1 === 'NAMES' || w1 === 'CHARSET' || (w1 === 'CHARACTER' && up(h[2]) === 'SET')) {
      const v = h[w1 === 'CHARACTER' ? 3 : 2];
      if (!v || (v.type !== T.Word && v.type !== T.Str) || v.raw === null || /^\d/.test(v.raw))
        return refuse('sets a character set Lifeboat cannot follow');
      if (UNSAFE_CHARSETS.has(v.raw.toUpperCase()))
        return refuse(
          `switches the connection to the ${v.raw} character set, in which a string can hide statements`,
        );
      return { k: 'ok', kind: 'set' };
    }
    // Assignments, split at top-level commas.
    const parts: Token[][] = [];
    let cur: Token[] = [];
    let depth = 0;
    for (const t of h.slice(1)) {
      if (t.type === T.Punct && t.text === '(') depth++;
      if (t.type === T.Punct && t.text === ')') depth--;
      if (depth === 0 && t.type === T.Punct && t.text === ',') {
        parts.push(cur);
        cur = [];
      } else cur.push(t);
    }
    parts.push(cur);
    // The effects are computed against a copy of the state, in order, as the server applies them.
    let flags = { ...this.flags };
    let fkOff = this.fkOff;
    const vars = new Map(this.vars);
    for (const p of parts) {
      let k = 0;
      const scope = up(p[0]);
      if (['GLOBAL', 'PERSIST', 'PERSIST_ONLY'].includes(scope))
        return refuse('changes a server-wide setting');
      if (scope === 'SESSION' || scope === 'LOCAL') k++;
      const target = p[k];
      if (!target) return refuse('has a SET Lifeboat cannot read');
      let sys: string | null = null;
      let user: string | null = null;
      if (target.type === T.Var && target.text!.startsWith('@@')) {
        const name = target.text!.slice(2);
        if (/^(GLOBAL|PERSIST|PERSIST_ONLY)\./.test(name)) return refuse('changes a server-wide setting');
        sys = name.replace(/^(SESSION|LOCAL)\./, '');
        k++;
      } else if (target.type === T.Var) {
        user = target.text!.slice(1);
        k++;
      } else if (target.type === T.Punct && target.text === '@' && p[k + 1] && p[k + 1]!.raw !== null) {
        user = p[k + 1]!.raw!.toUpperCase();
        k += 2;
      } else if (target.type === T.Word) {
        sys = target.text!;
        k++;
      } else return refuse('has a SET Lifeboat cannot read');
      if (p[k]?.type === T.Punct && p[k]!.text === ':') k++;
      if (p[k]?.type !== T.Punct || p[k]!.text !== '=') return refuse('has a SET Lifeboat cannot read');
      const value = p.slice(k + 1);
      const one = value.length === 1 ? value[0]! : null;
      const sysVar = (t: Token | null, name: string): boolean =>
        !!t && t.type === T.Var && (t.text === `@@${name}` || t.text === `@@SESSION.${name}`);
      if (sys === 'SQL_MODE') {
        let next: Flags | null = null;
        const literal = one && (one.type === T.Str || one.type === T.Word) && one.raw !== null;
        if (literal && !one.raw!.includes('\\') && !(one.type === T.Word && /^\d/.test(one.raw!)))
          next = one.type === T.Word && one.text === 'DEFAULT' ? { ...this.initial } : modeFlags(one.raw);
        else if (sysVar(one, 'SQL_MODE')) next = { ...flags };
        else if (one && one.type === T.Var && !one.text!.startsWith('@@')) {
          const known = vars.get(one.text!.slice(1));
          if (known?.kind === 'mode') next = { ...known.flags };
        } else if (
          // HeidiSQL: SET SQL_MODE=IFNULL(@OLD_SQL_MODE, '')
          value.length === 6 &&
          value[0]!.text === 'IFNULL' &&
          value[1]!.text === '(' &&
          value[2]!.type === T.Var &&
          !value[2]!.text!.startsWith('@@') &&
          value[3]!.text === ',' &&
          value[4]!.type === T.Str &&
          value[4]!.raw !== null &&
          !value[4]!.raw.includes('\\') &&
          value[5]!.text === ')'
        ) {
          const known = vars.get(value[2]!.text!.slice(1));
          if (known?.kind === 'mode') next = { ...known.flags };
          else if (!known && !this.varsTainted) next = modeFlags(value[4]!.raw);
        }
        if (!next) return refuse('sets sql_mode in a way Lifeboat cannot follow');
        flags = next;
      } else if (sys === 'CHARACTER_SET_CLIENT' || sys === 'NAMES') {
        let safe = false;
        if (one && (one.type === T.Str || one.type === T.Word) && one.raw !== null)
          safe = !UNSAFE_CHARSETS.has(one.raw.toUpperCase()) && !/^\d/.test(one.raw);
        else if (sysVar(one, 'CHARACTER_SET_CLIENT')) safe = true;
        else if (one && one.type === T.Var && !one.text!.startsWith('@@'))
          safe = vars.get(one.text!.slice(1))?.kind === 'cs';
        if (!safe) return refuse('switches the client character set in a way that can hide statements');
      } else if (sys === 'FOREIGN_KEY_CHECKS') {
        // Only for placing statements on connections (see `place`): anything but a plain "off" may be on.
        fkOff = !!one && one.type === T.Word && one.raw !== null && /^(0|OFF|FALSE)$/i.test(one.raw);
      } else if (user !== null) {
        if (sysVar(one, 'SQL_MODE')) vars.set(user, { kind: 'mode', flags: { ...flags } });
        else if (sysVar(one, 'CHARACTER_SET_CLIENT')) vars.set(user, { kind: 'cs' });
        else vars.set(user, { kind: 'other' });
      }
    }
    // Conditional comments the server skips change nothing; half of a SET in one is beyond following.
    const running = h.filter((t) => t.runs).length;
    if (running === 0) return { k: 'ok', kind: 'set' };
    if (running !== h.length) return refuse('has a SET split across conditional comments');
    const after = flags;
    return {
      k: 'ok',
      kind: 'set',
      effects: (g) => {
        g.flags = after;
        g.fkOff = fkOff;
        g.vars.clear();
        for (const [key, val] of vars) g.vars.set(key, val);
      },
    };
  }
}

/** Whether a SET assigns sql_mode or a character set of the connection (whatever the values). */
function setsSession(h: Token[]): boolean {
  const w1 = h[1]?.type === T.Word ? h[1].text : '';
  if (w1 === 'NAMES' || w1 === 'CHARSET' || w1 === 'CHARACTER') return true;
  for (let k = 1; k + 1 < h.length; k++) {
    const t = h[k]!;
    if (t.type !== T.Word && t.type !== T.Var) continue;
    if (h[k - 1]?.type === T.Punct && h[k - 1]!.text === '@') continue;
    const name = t.text!.replace(/^@@(SESSION\.|LOCAL\.)?/, '');
    if (!/^(SQL_MODE|CHARACTER_SET_\w+|COLLATION_CONNECTION)$/.test(name)) continue;
    const next = h[k + 1]!;
    if (next.type === T.Punct && (next.text === '=' || next.text === ':')) return true;
  }
  return false;
}

/** Header words of a stored program (between its name and its body), outside parentheses. */
const PROGRAM_HEADER = new Set([
  'BEFORE',
  'AFTER',
  'INSERT',
  'UPDATE',
  'DELETE',
  'FOR',
  'EACH',
  'ROW',
  'COMMENT',
  'SQL',
  'NOT',
  'DETERMINISTIC',
  'CONTAINS',
  'NO',
  'READS',
  'MODIFIES',
  'DATA',
  'SECURITY',
  'DEFINER',
  'INVOKER',
  'UNSIGNED',
  'SIGNED',
  'ZEROFILL',
  'PRECISION',
  'BINARY',
  'ASCII',
  'UNICODE',
  'VARYING',
  'NATIONAL',
  'LONG',
]);
/** Header words followed by a name (a table, a trigger, a type, a character set). */
const PROGRAM_HEADER_NAMED = new Map([
  ['ON', 1],
  ['FOLLOWS', 1],
  ['PRECEDES', 1],
  ['RETURNS', 1],
  ['CHARSET', 1],
  ['COLLATE', 1],
  ['LANGUAGE', 1],
  ['CHARACTER', 2],
]);
/** What may follow the END of each block (END IF, END LOOP…). */
const END_OF: Record<string, string> = {
  IF: 'IF',
  CASE_S: 'CASE',
  LOOP: 'LOOP',
  REPEAT_UNTIL: 'REPEAT',
  WHILE_DO: 'WHILE',
  FOR_DO: 'FOR',
};

/**
 * Follows a stored program's body (CREATE TRIGGER/PROCEDURE/FUNCTION) to its last END, so that a `;` after it,
 * which the server takes as the end of the definition, is seen as such. Counts BEGIN/IF/CASE/LOOP/REPEAT/WHILE/
 * FOR … END blocks, taking BEGIN/IF/LOOP/REPEAT/WHILE/FOR as blocks only at the start of a statement (IF( and
 * REPEAT( are functions, begin and end may be names) and CASE everywhere (an expression ends with END too).
 * It never counts a block the server does not open: when it misses one, an END comes too early and the
 * statement is refused, or what follows is judged as statements of their own; either way nothing is let by.
 */
class Body {
  private header = true;
  private take = 0;
  private paren = 0;
  private readonly stack: string[] = [];
  private atStart = false;
  private afterEnd: string | null = null;
  /** 0: no handler; 1: after HANDLER; 2: a condition expected; 3: a condition read. */
  private handler = 0;
  /** The last token was a word at the start of a statement (a label, if `:` follows): what it did. */
  private last: { pushed: boolean; popped: string | null; afterEnd: string | null } | null = null;

  constructor(
    head: readonly Token[],
    private readonly fail: (why: string) => never,
  ) {
    for (const t of head) {
      if (t.type === T.Punct && t.text === '(' && t.runs) this.paren++;
      if (t.type === T.Punct && t.text === ')' && t.runs) this.paren--;
    }
  }

  /** A token the server sees: an upper-cased word, a punctuation mark, or ` (name) ' (string) @ (variable). */
  token(t: string): void {
    if (this.header) {
      if (t === '(' || t === ')') {
        this.paren += t === '(' ? 1 : -1;
        return;
      }
      if (this.paren > 0 || t === "'") return;
      if (this.take > 0) {
        this.take--;
        return;
      }
      if (t === '.') {
        this.take = 1;
        return;
      }
      const named = PROGRAM_HEADER_NAMED.get(t);
      if (named !== undefined) {
        this.take = named;
        return;
      }
      if (PROGRAM_HEADER.has(t)) return;
      this.header = false;
      this.atStart = true;
    }
    let start = this.atStart;
    this.atStart = false;
    const last = this.last;
    this.last = null;
    if (this.afterEnd !== null) {
      const expected = this.afterEnd;
      this.afterEnd = null;
      if (t === expected) return;
    }
    if (this.handler === 1) {
      if (t === 'FOR') this.handler = 2;
      return;
    }
    if (this.handler === 2) {
      if (t !== 'SQLSTATE' && t !== 'VALUE' && t !== 'NOT') this.handler = 3;
      return;
    }
    if (this.handler === 3) {
      if (t === ',') {
        this.handler = 2;
        return;
      }
      this.handler = 0;
      start = true;
    }
    const top = this.stack.at(-1);
    const push = (kind: string, next = false): void => {
      this.stack.push(kind);
      this.atStart = next;
      this.last = { pushed: true, popped: null, afterEnd: null };
    };
    switch (t) {
      case ':':
        // `label:` — the word before was a label, not a block of its own.
        if (last) {
          if (last.pushed) this.stack.pop();
          if (last.popped !== null) this.stack.push(last.popped);
          this.afterEnd = null;
          this.atStart = true;
        }
        return;
      case 'BEGIN':
      case 'LOOP':
      case 'REPEAT':
        if (start) return push(t, true);
        break;
      case 'IF':
      case 'WHILE':
      case 'FOR':
        if (start) return push(t);
        break;
      case 'CASE':
        return push(start ? 'CASE_S' : 'CASE_E');
      case 'DO':
        if (top === 'WHILE' || top === 'FOR') {
          this.stack[this.stack.length - 1] = `${top}_DO`;
          this.atStart = true;
        }
        return;
      case 'THEN':
      case 'ELSE':
        if (top === 'IF' || top === 'CASE_S') this.atStart = true;
        return;
      case 'UNTIL':
        if (top === 'REPEAT') this.stack[this.stack.length - 1] = 'REPEAT_UNTIL';
        return;
      case 'HANDLER':
        this.handler = 1;
        return;
      case 'END':
        if (start || top === 'CASE_E' || top === 'REPEAT_UNTIL') {
          const popped = this.stack.pop();
          if (popped === undefined)
            this.fail('has stored code with an END Lifeboat cannot match to its block');
          this.afterEnd = END_OF[popped] ?? null;
          this.last = start ? { pushed: false, popped, afterEnd: this.afterEnd } : null;
          return;
        }
        break;
    }
    if (start) this.last = { pushed: false, popped: null, afterEnd: null };
  }

  /** A `;` the server sees: true when it ends the definition (outside any block), false inside its body. */
  semicolon(): boolean {
    if (this.stack.length === 0) return true;
    this.atStart = true;
    this.afterEnd = null;
    this.handler = 0;
    this.last = null;
    return false;
  }

  /** The end of the statement: every block must be closed. */
  end(): void {
    if (this.stack.length > 0)
      this.fail('has stored code whose BEGIN … END blocks Lifeboat cannot follow to their end');
  }
}

const serial = (why: string): StatementRoute => ({ kind: 'serial', why });

/**
 * Where a judged statement can run (see `StatementRoute`). Reads the tokens the verdict was given, which always
 * reach one token past the object's name. Anything it does not know for sure is `serial`.
 */
function routeOf(h: Token[], v: Verdict): StatementRoute {
  // Blanked (USE, CREATE DATABASE, GTID lines): only spaces reach the server.
  if (v.k === 'blank') return SESSION;
  let running = 0;
  for (const t of h) if (t.runs) running++;
  // Nothing the server runs (a conditional comment for other servers).
  if (running === 0) return SESSION;
  if (running !== h.length) return serial('has conditional comments among its first words');
  const w = (k: number): string | undefined => (h[k]?.type === T.Word ? h[k]!.text! : undefined);
  switch (w(0)) {
    case 'SET':
    case 'START':
    case 'BEGIN':
    case 'COMMIT':
      return SESSION;
    case 'INSERT':
    case 'REPLACE': {
      let k = 1;
      while (['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO'].includes(w(k) ?? '')) k++;
      return tableRoute(h, k);
    }
    case 'LOCK': {
      // Several tables locked by one connection: their statements would go to others, which wait for the lock.
      const n = objectName(h, 2);
      if (n && h.slice(n.next).some((t) => t.type === T.Punct && t.text === ','))
        return serial('locks several tables at once');
      return tableRoute(h, 2);
    }
    case 'UNLOCK':
      return { kind: 'unlock' };
    case 'TRUNCATE':
      return tableRoute(h, w(1) === 'TABLE' ? 2 : 1);
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
      return ddlRoute(h);
    default:
      return serial(`has ${w(0) ? `a ${w(0)} statement` : 'a statement without a verb'}`);
  }
}

/**
 * The name of the object at `k` as a router keys it: the first token of `name`, or of `name` in `db.name`.
 * `a``b` lexes as two adjacent tokens; only the first is taken, so a statement keys the same whether its verdict
 * was given on the first tokens (INSERT, CREATE) or on all of them (DROP).
 */
function objectName(h: Token[], k: number): { name: string; next: number } | null {
  const part = (j: number): { name: string; next: number } | null => {
    const t = h[j];
    if (!t || !isName(t)) return null;
    let next = j + 1;
    while (h[next]?.type === T.Ident && h[next]!.start === h[next - 1]!.end) next++;
    return { name: t.raw!, next };
  };
  const a = part(k);
  if (!a) return null;
  const dot = h[k + 1];
  return dot?.type === T.Punct && dot.text === '.' ? part(k + 2) : a;
}

function tableRoute(h: Token[], k: number): StatementRoute {
  const n = objectName(h, k);
  return n ? { kind: 'table', name: n.name } : serial('names no table Lifeboat can read');
}

/** CREATE, ALTER and DROP: skips the clauses before the object kind as `evaluateDdl` does. */
function ddlRoute(h: Token[]): StatementRoute {
  const w = (k: number): string | undefined => (h[k]?.type === T.Word ? h[k]!.text! : undefined);
  const verb = w(0)!;
  let k = 1;
  for (;;) {
    const x = w(k);
    if (x === 'OR' || x === 'SQL' || x === 'ALGORITHM') k += x === 'OR' ? 2 : 3;
    // Only its own connection sees it, and it hides the table of the same name there.
    else if (x === 'TEMPORARY') return serial('has a temporary table');
    else if (['UNIQUE', 'FULLTEXT', 'SPATIAL', 'AGGREGATE', 'ONLINE', 'OFFLINE', 'IGNORE'].includes(x ?? ''))
      k++;
    else if (x === 'DEFINER') {
      const r = definerEnd(h, k);
      if (r < 0) return serial('has a DEFINER clause Lifeboat cannot read');
      k = r;
    } else break;
  }
  const kind = w(k);
  k++;
  if (w(k) === 'IF') k += w(k + 1) === 'NOT' ? 3 : 2;
  switch (kind) {
    case 'TABLE': {
      const n = objectName(h, k);
      if (!n) return serial('names no table Lifeboat can read');
      const after = h[n.next];
      if (verb === 'DROP' && after?.type === T.Punct && after.text === ',')
        return serial('drops several tables at once');
      return { kind: 'table', name: n.name };
    }
    case 'VIEW':
    case 'TRIGGER':
    case 'EVENT':
      return { kind: 'deferred', name: objectName(h, k)?.name ?? null };
    default:
      return serial(`has a ${`${verb} ${kind ?? ''}`.trim()} statement`);
  }
}

const DB_OPTION_WORDS = new Set([
  'DEFAULT',
  'CHARACTER',
  'CHARSET',
  'COLLATE',
  'UPGRADE',
  'COMMENT',
  'READ',
  'ENCRYPTION',
]);

const isName = (t: Token): boolean => (t.type === T.Ident || t.type === T.Word) && t.raw !== null;

/**
 * Where a `DEFINER = user[@host]` clause starting at `k` ends (exclusive token index); -1 when more tokens are
 * needed, -2 when it cannot be read.
 */
function definerEnd(h: Token[], k: number): number {
  const eq = h[k + 1];
  if (!eq) return -1;
  if (eq.type !== T.Punct || eq.text !== '=') return -2;
  const user = h[k + 2];
  if (!user) return -1;
  if (user.type === T.Word && user.text === 'CURRENT_USER') {
    const p = h[k + 3];
    if (!p) return -1;
    if (p.type === T.Punct && p.text === '(') {
      const q = h[k + 4];
      if (!q) return -1;
      return q.type === T.Punct && q.text === ')' ? k + 5 : -2;
    }
    return k + 3;
  }
  if (user.type !== T.Word && user.type !== T.Ident && user.type !== T.Str) return -2;
  const at = h[k + 3];
  if (!at) return -1;
  // `user`@`host` tokenizes as Punct('@') + host; user@host as a Var('@HOST').
  if (at.type === T.Var && !at.text!.startsWith('@@') && at.start === user.end) return k + 4;
  if (at.type === T.Punct && at.text === '@') {
    const host = h[k + 4];
    if (!host) return -1;
    if (host.type !== T.Word && host.type !== T.Ident && host.type !== T.Str) return -2;
    return k + 5;
  }
  // A role or a user without a host.
  return k + 3;
}
