import type { DumpStatement, DumpUnit, StatementRoute } from './dump-guard';

/**
 * Splits a guarded dump over several database connections, as myloader does for mydumper's output, from the
 * client statements (`DumpUnit`s) the dump guard saw:
 *  - everything for one table (its DROP/CREATE, LOCK, INSERTs, ALTER … KEYS, UNLOCK) goes to one table lane, in
 *    dump order; a new table goes to the lane with the least table bytes so far;
 *  - session statements (SET, transactions) go to every lane, in dump order, so each lane's session is, before
 *    each of its statements, what the guard followed at that point of the dump;
 *  - views and triggers, and anything for a table named before one of them, go to the final lane, which runs
 *    after all table lanes have finished (with the session statements in between, in dump order);
 *  - a statement that commits (DDL, LOCK…) once the dump may have a transaction open (it set autocommit or
 *    started one) puts a COMMIT on every other lane with statements since its last commit, in dump order;
 *  - anything the router cannot place for sure (stored routines, a statement reading or naming other tables,
 *    foreign keys checked while they load, transaction control, several tables in one client statement, a
 *    statement longer than any client sends, temporary tables, sequences, values of one connection such as
 *    INSERT_ID, LOCK TABLES of several tables or with other tables' statements under it, a new table a view or
 *    trigger before it names…) switches to serial: the table lanes finish, and from there on the final lane gets
 *    the rest of the dump in order, as a single connection would (taking again a LOCK TABLES still held);
 *  - a statement that reads what its connection did before (LAST_INSERT_ID(), ROW_COUNT(), @@warning_count…)
 *    once statements ran on a table lane: no connection here did all that came before it, so the router stops
 *    with `OneConnectionNeeded` and the importer loads the dump again over one connection.
 * A unit is sent on only once it is complete (the next one has started), so its whole content is known. Each lane
 * gets whole units and the bytes between them; where its client's delimiter differs from the one a unit was read
 * with, a `DELIMITER` line is put before the unit, so every client splits every unit exactly where the guard did.
 * Every lane's input is a sequence of whole units of the dump in dump order, with at most the dump's own session
 * statements, DELIMITER lines and a closing COMMIT added; nothing a lane runs was not seen by the guard.
 */

/** Where the router puts bytes: a queue in front of one client. */
export interface Lane {
  /** Queues `piece` (the dump's own bytes when `own`, else repeated or added). */
  append(piece: Buffer, own: boolean): Promise<void>;
}

/**
 * The dump reads what its connection did before (the id of its last insert, the rows its last statement
 * changed, its warnings…) after statements ran on other connections: over several, that value differs from the
 * one over one connection. Only loading the dump again from its start over one connection gives the same result.
 */
export class OneConnectionNeeded extends Error {
  constructor(readonly line: number) {
    super(`The dump reads what its own connection did before (line ${line}): it loads over one connection.`);
    this.name = 'OneConnectionNeeded';
  }
}

export interface RouterOptions {
  /** The table lanes (at least one). */
  readonly lanes: readonly Lane[];
  /** The lane that runs after the table lanes have finished. */
  readonly final: Lane;
  /** The server's lower_case_table_names: 0 when it compares table names exactly. */
  readonly lowerCaseTableNames: number;
  /** Called once the table lanes have all their input: resolves when they have finished. */
  readonly barrier: () => Promise<void>;
  /** The most bytes the final lane may hold before the table lanes finish; beyond that the rest goes serially. */
  readonly finalMax?: number;
  /** The most bytes of one unit held until it is complete; a longer one, and what follows, goes serially. */
  readonly holdMax?: number;
  /** SQL of Lifeboat's own, `;`-terminated, that every table lane runs first. */
  readonly prelude?: string;
}

interface LaneState {
  readonly lane: Lane;
  /** 1-based, for messages; the final lane is the last. */
  readonly number: number;
  /** The client's delimiter after what is queued. */
  delimiter: string;
  /** The line of the client's input the next byte goes to. */
  line: number;
  /** What is queued ends after a complete statement (not inside one the dump left open at its end). */
  terminated: boolean;
  /** Has units queued since its last commit (of its own, or one added): a transaction may be open there. */
  open: boolean;
  /** Bytes of table units queued here. */
  load: number;
  /** Where lines of the client's input come from: from line `conn` on, dump line `dump` on, about `what`. */
  readonly map: { conn: number; dump: number; what: string }[];
}

type Placement =
  | { kind: 'session' }
  | { kind: 'table'; key: string; name: string }
  | { kind: 'unlock' }
  | { kind: 'deferred'; names: string[] }
  | { kind: 'serial'; why: string };

const LEADING: DumpUnit = { start: 0, line: 1, delimiter: ';', statements: [], terminated: true };
/** A client sends at most max_allowed_packet (16 MiB by default) at once; a unit this long fails anyway. */
const HOLD_MAX = 32 << 20;
const FINAL_MAX = 64 << 20;
const MAP_MAX = 100_000;

export class Router {
  private readonly tables: LaneState[];
  private readonly final: LaneState;
  private readonly holdMax: number;
  private readonly finalMax: number;
  /** The units the guard has recorded whose first byte has not arrived yet. */
  private upcoming: DumpUnit[] = [];
  /** The unit being received, its bytes so far; `streaming` once it went to the final lane before its end. */
  private pending: { unit: DumpUnit; pieces: Buffer[]; bytes: number; streaming: boolean } = {
    unit: LEADING,
    pieces: [],
    bytes: 0,
    streaming: false,
  };
  /** Offset of the next byte to arrive. */
  private offset = 0;
  private readonly owners = new Map<string, LaneState>();
  /** The keys of `owners` in the order they came, and how many of them are already in `deferredKeys`. */
  private readonly ownerKeys: string[] = [];
  private deferredUpTo = 0;
  /** Table keys whose statements now go to the final lane (named before a view or trigger was created). */
  private readonly deferredKeys = new Set<string>();
  private fkDeclared = false;
  /** The LOCK TABLES in force (until UNLOCK): its table's key and the unit, to take it again when going serial. */
  private locked: { key: string; p: Router['pending']; delimiter: string; line: number } | null = null;
  /** The text of views and triggers so far (lower-cased where names ignore case), for the tables they name. */
  private deferredText = '';
  /** The dump may have left a transaction open (it set autocommit or started one). */
  private transacts = false;
  /** Where the last table, unlock or deferred unit went (where an UNLOCK TABLES belongs). */
  private lastPlaced: LaneState | null = null;
  private finalBytes = 0;
  private serialWhy: string | null = null;
  /** Units of the dump went to a table lane: from here on no lane has the history of one connection. */
  private spread = false;
  private done = false;
  private started = false;

  constructor(private readonly options: RouterOptions) {
    if (options.lanes.length === 0) throw new Error('a router needs a table lane');
    const state = (lane: Lane, number: number): LaneState => ({
      lane,
      number,
      delimiter: ';',
      line: 1,
      terminated: true,
      open: false,
      load: 0,
      map: [],
    });
    this.tables = options.lanes.map((l, i) => state(l, i + 1));
    this.final = state(options.final, options.lanes.length + 1);
    this.holdMax = options.holdMax ?? HOLD_MAX;
    this.finalMax = options.finalMax ?? FINAL_MAX;
  }

  /** Why the dump went serial, and where; null when it did not. */
  get serial(): string | null {
    return this.serialWhy;
  }

  /** The next bytes of the guard's output, with the units that started since the last call. */
  async write(chunk: Buffer, units: readonly DumpUnit[]): Promise<void> {
    await this.start();
    for (const u of units) this.upcoming.push(u);
    let pos = 0;
    while (pos < chunk.length) {
      const next = this.upcoming[0];
      const at = this.offset + pos;
      if (next && next.start <= at) {
        if (next.start < at) throw new Error('the dump guard recorded a statement after passing it on');
        this.upcoming.shift();
        await this.complete(next.delimiter, next.line);
        this.pending = { unit: next, pieces: [], bytes: 0, streaming: false };
        continue;
      }
      const stop = next && next.start < this.offset + chunk.length ? next.start - this.offset : chunk.length;
      await this.receive(chunk.subarray(pos, stop));
      pos = stop;
    }
    this.offset += chunk.length;
  }

  /** The end of the dump: `delimiter` and `line` as the guard ended. Resolves once all lanes have their input. */
  async end(delimiter: string, line: number): Promise<void> {
    if (this.done) return;
    await this.start();
    if (this.upcoming.length > 0) throw new Error('the dump guard recorded a statement it did not pass on');
    await this.complete(delimiter, line);
    if (this.serialWhy === null) await this.closeTables();
    this.done = true;
  }

  /**
   * Where line `line` of lane `number`'s input came from: the dump's line and what the lane was doing there.
   */
  describe(number: number, line: number): { line: number; what: string } | null {
    const lane = number === this.final.number ? this.final : this.tables[number - 1];
    if (!lane) return null;
    let found: LaneState['map'][number] | undefined;
    for (const m of lane.map) {
      if (m.conn > line) break;
      found = m;
    }
    return found ? { line: found.dump + (line - found.conn), what: found.what } : null;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const prelude = this.options.prelude;
    if (prelude) for (const lane of this.tables) await this.add(lane, ';', `${prelude}\n`);
  }

  private async receive(piece: Buffer): Promise<void> {
    const p = this.pending;
    if (p.streaming) {
      await this.final.lane.append(piece, true);
      return;
    }
    p.pieces.push(piece);
    p.bytes += piece.length;
    if (p.bytes > this.holdMax) {
      // Longer than any client sends at once: it fails on the server, and meanwhile it streams on, serially.
      await this.toSerial('has a statement longer than a database client sends at once', p.unit);
      p.streaming = true;
      await this.enqueue(this.final, p.unit, p.pieces, true, this.describePlacement(p.unit));
      p.pieces = [];
    }
  }

  /** The pending unit is complete: what follows is read with `delimiter` and starts on line `line`. */
  private async complete(delimiter: string, line: number): Promise<void> {
    const p = this.pending;
    const unit = p.unit;
    // Everything of the dump so far ran in order on the final lane only while nothing went to a table lane.
    if ((p.streaming || p.bytes > 0) && this.spread && unit.statements.some((s) => s.history))
      throw new OneConnectionNeeded(unit.line);
    if (p.streaming) {
      this.advance(this.final, unit, delimiter, line);
      return;
    }
    if (p.bytes === 0) return;
    if (this.serialWhy !== null) {
      await this.place(this.final, p, delimiter, line, true, this.describePlacement(unit));
      return;
    }
    let placement = this.placement(unit);
    const tableKey = placement.kind === 'table' ? placement.key : null;
    if (placement.kind === 'table' && !this.owners.has(placement.key) && this.namedByDeferred(placement.name))
      // A view or trigger before it may use it: on one connection it did not exist yet there.
      placement = { kind: 'serial', why: 'The dump creates a table after a view or trigger that may use it' };
    if (placement.kind === 'table' && this.deferredKeys.has(placement.key))
      placement = { kind: 'deferred', names: [placement.name] };
    const locks = unit.statements.some((s) => s.locks);
    const transacts = unit.statements.some((s) => s.transacts);
    if (transacts) this.transacts = true;
    // Under LOCK TABLES a connection may use only the locked table: anything else runs where the lock is held.
    // Settings go everywhere, except a transaction's start (which releases the lock) or autocommit.
    if (
      this.locked &&
      placement.kind !== 'unlock' &&
      !locks &&
      tableKey !== this.locked.key &&
      !(placement.kind === 'session' && !transacts)
    )
      placement = { kind: 'serial', why: 'The dump uses other tables or settings under LOCK TABLES' };
    if (placement.kind === 'unlock') this.locked = null;
    else if (locks && tableKey !== null) this.locked = { key: tableKey, p, delimiter, line };
    const commits = placement.kind !== 'session' && unit.statements.some((s) => s.commits);
    if (commits && placement.kind !== 'serial') await this.commitOthers(this.target(placement));
    switch (placement.kind) {
      case 'serial':
        await this.toSerial(`${placement.why} (line ${unit.line})`, unit);
        await this.place(this.final, p, delimiter, line, true, this.describePlacement(unit));
        return;
      case 'session':
        for (const lane of this.tables) await this.place(lane, p, delimiter, line, false, 'session settings');
        await this.toFinal(p, delimiter, line, 'session settings');
        return;
      case 'deferred':
        // Whatever was named so far may be what these depend on, or what they act on: it stays in order with them.
        for (; this.deferredUpTo < this.ownerKeys.length; this.deferredUpTo++)
          this.deferredKeys.add(this.ownerKeys[this.deferredUpTo]!);
        for (const name of placement.names) {
          const key = this.key(name);
          if (key !== null) this.deferredKeys.add(key);
        }
        this.lastPlaced = this.final;
        if (this.deferredText.length < FINAL_MAX)
          this.deferredText += Buffer.concat(p.pieces).toString('latin1');
        await this.toFinal(p, delimiter, line, 'views and triggers');
        this.final.open = !commits;
        return;
      case 'unlock': {
        const lane = this.lastPlaced ?? this.final;
        if (lane !== this.final) this.spread = true;
        if (lane === this.final) await this.toFinal(p, delimiter, line, 'UNLOCK TABLES');
        else await this.place(lane, p, delimiter, line, true, 'UNLOCK TABLES');
        lane.open = !commits;
        return;
      }
      case 'table': {
        let lane = this.owners.get(placement.key);
        if (!lane) {
          lane = this.leastLoaded();
          this.owners.set(placement.key, lane);
          this.ownerKeys.push(placement.key);
        }
        this.spread = true;
        lane.open = !commits;
        lane.load += p.bytes;
        this.lastPlaced = lane;
        await this.place(lane, p, delimiter, line, true, `table \`${placement.name}\``);
        return;
      }
    }
  }

  /** The lane a new table goes to: the least loaded so far (lanes load at about the same speed; repeatable). */
  private leastLoaded(): LaneState {
    return this.tables.reduce((a, b) => (b.load < a.load ? b : a));
  }

  /** Queues a unit for the final lane before the table lanes finish; too much there and the rest goes serially. */
  private async toFinal(p: Router['pending'], delimiter: string, line: number, what: string): Promise<void> {
    this.finalBytes += p.bytes;
    await this.place(this.final, p, delimiter, line, true, what);
    if (this.finalBytes > this.finalMax)
      await this.toSerial('has more views, triggers and settings than Lifeboat holds back', null);
  }

  /** The lane a unit not serial nor session goes to; null for a new table (its lane is chosen later). */
  private target(placement: Placement): LaneState | null {
    if (placement.kind === 'table') return this.owners.get(placement.key) ?? null;
    if (placement.kind === 'unlock') return this.lastPlaced ?? this.final;
    return this.final;
  }

  /**
   * A statement that commits (DDL, LOCK…) commits, on one connection, what every other table's statements left
   * open before it (autocommit off, or a transaction): each other lane commits there too, in dump order.
   * A new table's lane has nothing open yet.
   */
  private async commitOthers(except: LaneState | null): Promise<void> {
    if (!this.transacts) return;
    for (const lane of [...this.tables, this.final]) {
      if (lane === except || !lane.open || !lane.terminated) continue;
      await this.add(lane, ';', '\nCOMMIT;\n');
      lane.open = false;
    }
  }

  /** Whether the views and triggers so far may name table `name` (by its name in their text, or anywhere). */
  private namedByDeferred(name: string): boolean {
    if (!this.deferredText) return false;
    // eslint-disable-next-line no-control-regex
    if (this.deferredText.length >= FINAL_MAX || !/^[\x00-\x7f]*$/.test(name) || /[`"]/.test(name))
      return true;
    const text = this.options.lowerCaseTableNames === 0 ? this.deferredText : this.deferredText.toLowerCase();
    const n = this.options.lowerCaseTableNames === 0 ? name : name.toLowerCase();
    // As a whole word: `t` is not named by every view that has a t in it.
    const word = (c: string | undefined): boolean => c !== undefined && /[0-9A-Za-z_$\x80-\uffff]/.test(c);
    for (let i = text.indexOf(n); i >= 0; i = text.indexOf(n, i + 1)) {
      if (word(n[0]) && word(text[i - 1])) continue;
      if (word(n.at(-1)) && word(text[i + n.length])) continue;
      return true;
    }
    return false;
  }

  /** What a unit that goes serially is about, for messages. */
  private describePlacement(unit: DumpUnit): string {
    const route = unit.statements[0]?.route;
    return route?.kind === 'table' ? `table \`${route.name}\`` : 'the rest of the dump, in order';
  }

  /** What a complete unit is, from its statements (see `StatementRoute`). */
  private placement(unit: DumpUnit): Placement {
    const st = unit.statements;
    if (st.length === 0) return { kind: 'session' };
    const serial = st.find((s) => s.route.kind === 'serial')?.route as
      Extract<StatementRoute, { kind: 'serial' }> | undefined;
    if (serial) return { kind: 'serial', why: `The dump ${serial.why}` };
    // Views and triggers read by nature, and wait for all tables anyway.
    if (st.some((s) => s.reads && s.route.kind !== 'deferred'))
      return { kind: 'serial', why: 'The dump reads other tables or session results in a statement' };
    const kinds = new Set(st.map((s) => s.route.kind));
    if (kinds.size === 1 && kinds.has('session')) return { kind: 'session' };
    if (kinds.has('session'))
      return { kind: 'serial', why: 'The dump mixes session settings with other statements in one' };
    if (kinds.size === 1 && kinds.has('deferred'))
      return {
        kind: 'deferred',
        names: st.flatMap((s) => (s.route.kind === 'deferred' && s.route.name ? [s.route.name] : [])),
      };
    const tables = st.filter(
      (s): s is DumpStatement & { route: { kind: 'table'; name: string } } => s.route.kind === 'table',
    );
    if (tables.length + st.filter((s) => s.route.kind === 'unlock').length !== st.length)
      return { kind: 'serial', why: 'The dump mixes tables with views or triggers in one statement' };
    if (tables.length === 0) return { kind: 'unlock' };
    const key = this.key(tables[0]!.route.name);
    if (key === null)
      return { kind: 'serial', why: 'The dump names a table outside ASCII on a server that ignores case' };
    if (tables.some((s) => this.key(s.route.name) !== key))
      return { kind: 'serial', why: 'The dump names several tables in one statement' };
    for (const s of tables) {
      if (s.references) this.fkDeclared = true;
      // A foreign key checked while its tables load on other connections could see them half loaded.
      if (this.fkDeclared && !s.fkChecksOff)
        return { kind: 'serial', why: 'The dump has foreign keys that are checked while it loads' };
    }
    return { kind: 'table', key, name: tables[0]!.route.name };
  }

  /**
   * How the router compares table names: exactly where the server does (lower_case_table_names=0), else
   * ASCII-lower-cased. Names beyond ASCII share one key there (any two may be one table in another spelling or
   * character set), and on a server that ignores case null (they may even equal an ASCII name).
   */
  private key(name: string): string | null {
    // eslint-disable-next-line no-control-regex
    const ascii = /^[\x00-\x7f]*$/.test(name);
    if (this.options.lowerCaseTableNames === 0) return ascii ? name : '\0beyond-ascii';
    return ascii ? name.toLowerCase() : null;
  }

  /**
   * From here on the dump goes to the final lane in order: the table lanes get what closes their work (a COMMIT
   * where a later statement would have committed it on a single connection) and are waited for.
   */
  private async toSerial(why: string, unit: DumpUnit | null): Promise<void> {
    if (this.serialWhy !== null) return;
    this.serialWhy = why;
    if (unit?.statements.some((s) => s.commits)) await this.commitOthers(this.final);
    await this.closeTables();
    // The lock taken on a table lane ended with it: the final lane takes it again, as one connection holds it.
    const l = this.locked;
    if (l && l.p.unit !== unit) await this.place(this.final, l.p, l.delimiter, l.line, false, 'LOCK TABLES');
  }

  private async closeTables(): Promise<void> {
    await this.options.barrier();
  }

  /** Queues unit bytes on a lane, after a DELIMITER line if its client's delimiter differs. */
  private async place(
    lane: LaneState,
    p: Router['pending'],
    delimiter: string,
    line: number,
    own: boolean,
    what: string,
  ): Promise<void> {
    await this.enqueue(lane, p.unit, p.pieces, own, what);
    this.advance(lane, p.unit, delimiter, line);
  }

  private async enqueue(
    lane: LaneState,
    unit: DumpUnit,
    pieces: readonly Buffer[],
    own: boolean,
    what: string,
  ): Promise<void> {
    if (!lane.terminated) throw new Error('a lane got more after a statement the dump left open');
    if (lane.delimiter !== unit.delimiter) await this.add(lane, unit.delimiter, '');
    const last = lane.map.at(-1);
    if (
      (!last || last.dump - last.conn !== unit.line - lane.line || last.what !== what) &&
      lane.map.length < MAP_MAX
    )
      lane.map.push({ conn: lane.line, dump: unit.line, what });
    for (const piece of pieces) await lane.lane.append(piece, own);
  }

  /** After a unit: the lane's client is at the delimiter and line the next unit of the dump starts with. */
  private advance(lane: LaneState, unit: DumpUnit, delimiter: string, line: number): void {
    lane.line += line - unit.line;
    lane.delimiter = delimiter;
    lane.terminated = unit.terminated;
  }

  /** Adds text of Lifeboat's own: a DELIMITER line (when the lane's differs from `delimiter`), then `sql`. */
  private async add(lane: LaneState, delimiter: string, sql: string): Promise<void> {
    let text = '';
    // A client reads DELIMITER only at the start of a line, so a newline goes first.
    if (lane.delimiter !== delimiter) {
      text += `\nDELIMITER ${delimiter}\n`;
      lane.delimiter = delimiter;
    }
    text += sql;
    if (!text) return;
    await lane.lane.append(Buffer.from(text, 'latin1'), false);
    lane.line += text.split('\n').length - 1;
  }
}
