/**
 * PHP-serialized values, rewritten without PHP: a value from a WordPress database is parsed byte by byte (PHP's
 * lengths are bytes), every string in it is passed to a replacer, and the value is written back with each changed
 * string's length recomputed; everything else (numbers, keys, property names, class names, references) is copied
 * byte for byte. Nothing is ever instantiated, so a hostile value can at worst be left alone, never run.
 *
 * As `wp search-replace` does: array keys and property names stay as they are; a string that is itself a whole
 * serialized value (WordPress serializes some values twice) is rewritten inside, as a serialized value.
 *
 * Whitespace around a value (a line break after it, as a value pasted or imported by hand often has) is taken as
 * WordPress takes it: is_serialized() and maybe_unserialize() trim it before reading, so the value inside is
 * rewritten as a serialized value and the whitespace is kept byte for byte.
 */

/** How deep arrays and objects may nest before a value is treated as broken (PHP's own default limit is 4096). */
export const MAX_DEPTH = 256;

/** Replaces in one string's bytes; null when nothing changed. */
export type BytesReplacer = (bytes: Buffer) => Buffer | null;

/** The replacements, everywhere (`all`) or only where they keep the byte length (`sameLength`). */
export interface ValueReplacer {
  readonly all: BytesReplacer;
  readonly sameLength: (bytes: Buffer) => { readonly value: Buffer | null; readonly left: boolean };
}

/** What rewriting a value came to. */
export type RewriteOutcome =
  /** `partial`: a string inside that looks serialized but does not parse was left as it was. */
  | { readonly kind: 'unchanged'; readonly partial?: boolean }
  | { readonly kind: 'changed'; readonly value: Buffer; readonly partial: boolean }
  /**
   * It looks serialized (as WordPress's is_serialized() decides) but does not parse, and holds an occurrence
   * whose replacement would change a length: that one is left; `value` when others could be replaced.
   */
  | { readonly kind: 'broken'; readonly value?: Buffer };

const COLON = 0x3a;
const SEMI = 0x3b;
const QUOTE = 0x22;
const OPEN = 0x7b;
const CLOSE = 0x7d;

class Broken extends Error {}

/** Reads a serialized value from `buf` at `pos` and writes its rewrite into `out`; returns where it ended. */
class Rewriter {
  changed = false;
  /** A string inside looked serialized but did not parse, and was left as it was. */
  partial = false;
  private readonly out: Buffer[] = [];
  private copiedTo: number;

  constructor(
    private readonly buf: Buffer,
    private readonly replace: ValueReplacer,
    start: number,
  ) {
    this.copiedTo = start;
  }

  /** The rewritten bytes from `start` to `end` (the parse must have reached `end`). */
  result(end: number): Buffer {
    this.out.push(this.buf.subarray(this.copiedTo, end));
    return Buffer.concat(this.out);
  }

  private expect(pos: number, byte: number): number {
    if (this.buf[pos] !== byte) throw new Broken();
    return pos + 1;
  }

  /** A decimal number (optional sign) up to `stop`; returns its value and the position after `stop`. */
  private number(pos: number, stop: number, signed: boolean): [number, number] {
    let i = pos;
    if (signed && (this.buf[i] === 0x2d || this.buf[i] === 0x2b)) i++;
    const digits = i;
    while (i < this.buf.length && this.buf[i]! >= 0x30 && this.buf[i]! <= 0x39) i++;
    if (i === digits || i - digits > 19 || this.buf[i] !== stop) throw new Broken();
    return [Number(this.buf.toString('latin1', pos, i)), i + 1];
  }

  /** `"<len bytes>"` after `<len>:`; returns the content's start and the position after the closing quote. */
  private quoted(pos: number, len: number): [number, number] {
    const start = this.expect(pos, QUOTE);
    const end = start + len;
    if (end + 1 > this.buf.length) throw new Broken();
    return [start, this.expect(end, QUOTE)];
  }

  /** One value at `pos`; returns the position after it. */
  value(pos: number, depth: number): number {
    const type = this.buf[pos];
    if (type === 0x4e /* N */) return this.expect(pos + 1, SEMI);
    if (this.buf[pos + 1] !== COLON) throw new Broken();
    const p = pos + 2;
    switch (type) {
      case 0x62 /* b */: {
        if (this.buf[p] !== 0x30 && this.buf[p] !== 0x31) throw new Broken();
        return this.expect(p + 1, SEMI);
      }
      case 0x69 /* i */:
      case 0x72 /* r */:
      case 0x52 /* R */:
        return this.number(p, SEMI, type === 0x69)[1];
      case 0x64 /* d */: {
        // A float as PHP writes it: digits, a sign, '.', 'E', or INF/NAN. Copied as it is.
        let i = p;
        while (i < this.buf.length && /[0-9eE.+\-INFA]/.test(String.fromCharCode(this.buf[i]!))) i++;
        if (i === p) throw new Broken();
        return this.expect(i, SEMI);
      }
      case 0x73 /* s */: {
        const [len, q] = this.number(p, COLON, false);
        const [start, after] = this.quoted(q, len);
        const end = this.expect(after, SEMI);
        this.string(pos, start, len, end, depth);
        return end;
      }
      case 0x53 /* S: a string with \xx escapes; copied as it is */: {
        const [len, q] = this.number(p, COLON, false);
        let i = this.expect(q, QUOTE);
        for (let n = 0; n < len; n++) {
          if (i >= this.buf.length) throw new Broken();
          i += this.buf[i] === 0x5c ? 3 : 1;
        }
        return this.expect(this.expect(i, QUOTE), SEMI);
      }
      case 0x45 /* E: an enum case, "Class:Case" */: {
        const [len, q] = this.number(p, COLON, false);
        return this.expect(this.quoted(q, len)[1], SEMI);
      }
      case 0x61 /* a */:
        return this.members(p, depth);
      case 0x4f /* O */: {
        const [len, q] = this.number(p, COLON, false);
        const after = this.quoted(q, len)[1];
        return this.members(this.expect(after, COLON), depth);
      }
      case 0x43 /* C: a class's own format: rewritten only when it is itself one serialized value */: {
        const [len, q] = this.number(p, COLON, false);
        const countAt = this.expect(this.quoted(q, len)[1], COLON);
        const [count, open] = this.number(countAt, COLON, false);
        const start = this.expect(open, OPEN);
        const end = start + count;
        if (end >= this.buf.length) throw new Broken();
        const after = this.expect(end, CLOSE);
        const payload = this.buf.subarray(start, end);
        const inner = looksSerialized(payload) ? this.nested(payload, depth + 1) : this.opaque(payload);
        if (inner) {
          this.out.push(this.buf.subarray(this.copiedTo, countAt));
          this.out.push(Buffer.from(`${inner.length}:{`, 'latin1'), inner, Buffer.from('}', 'latin1'));
          this.copiedTo = after;
          this.changed = true;
        }
        return after;
      }
      default:
        throw new Broken();
    }
  }

  /**
   * `<n>:{` key/value pairs `}` of an array or an object, keys i: or s: (PHP reads an integer key of an object
   * as a property name, as a cast from an array makes them).
   */
  private members(pos: number, depth: number): number {
    if (depth >= MAX_DEPTH) throw new Broken();
    const [count, open] = this.number(pos, COLON, false);
    let i = this.expect(open, OPEN);
    for (let n = 0; n < count; n++) {
      const key = this.buf[i];
      if (key !== 0x73 && key !== 0x69) throw new Broken();
      i = this.key(i);
      i = this.value(i, depth + 1);
    }
    return this.expect(i, CLOSE);
  }

  /** A key is never rewritten (as `wp search-replace`): only its extent is read. */
  private key(pos: number): number {
    if (this.buf[pos + 1] !== COLON) throw new Broken();
    if (this.buf[pos] === 0x69) return this.number(pos + 2, SEMI, true)[1];
    const [len, q] = this.number(pos + 2, COLON, false);
    return this.expect(this.quoted(q, len)[1], SEMI);
  }

  /** A string value: its content rewritten (as a serialized value when it is one), its length recomputed. */
  private string(token: number, start: number, len: number, end: number, depth: number): void {
    const content = this.buf.subarray(start, start + len);
    // A string that is itself serialized counts as one level deeper: nesting is bounded however it is built.
    const next = looksSerialized(content) ? this.nested(content, depth + 1) : this.replace.all(content);
    if (!next) return;
    this.out.push(this.buf.subarray(this.copiedTo, token));
    this.out.push(Buffer.from(`s:${next.length}:"`, 'latin1'), next, Buffer.from('";', 'latin1'));
    this.copiedTo = end;
    this.changed = true;
  }

  /** A C: payload that is not serialized: a class's own format, replaced into only where lengths stay. */
  private opaque(payload: Buffer): Buffer | null {
    const safe = this.replace.sameLength(payload);
    if (safe.left) this.partial = true;
    return safe.value;
  }

  /**
   * A string (or a C: payload) that looks serialized: rewritten inside when it parses whole; else replaced into
   * only where that keeps every length, the rest left (and the value marked partial).
   */
  private nested(content: Buffer, depth: number): Buffer | null {
    const inner = parseWhole(content, this.replace, depth);
    if (inner) {
      if (inner.partial) this.partial = true;
      return inner.changed ? inner.value : null;
    }
    const safe = this.replace.sameLength(content);
    if (safe.left) this.partial = true;
    return safe.value;
  }
}

/** PHP's trim(): space, tab, line feed, carriage return, NUL and vertical tab. */
const isTrimmed = (b: number | undefined): boolean =>
  b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0x00 || b === 0x0b;

/** Where `buf` is without the whitespace PHP's trim() takes off both ends: [start, end). */
function trimmed(buf: Buffer): [number, number] {
  let start = 0;
  let end = buf.length;
  while (start < end && isTrimmed(buf[start])) start++;
  while (end > start && isTrimmed(buf[end - 1])) end--;
  return [start, end];
}

/**
 * `buf` parsed as exactly one serialized value (nothing before or after it but whitespace, kept as it is), with
 * its rewrite; null when it is not one.
 */
function parseWhole(
  buf: Buffer,
  replace: ValueReplacer,
  depth: number,
): { changed: boolean; partial: boolean; value: Buffer } | null {
  if (depth >= MAX_DEPTH || !looksSerialized(buf)) return null;
  const [start, end] = trimmed(buf);
  const r = new Rewriter(buf, replace, 0);
  try {
    if (r.value(start, depth) !== end) return null;
  } catch (e) {
    // RangeError: a call stack exhausted by nesting (bounded by MAX_DEPTH, but the stack may be smaller).
    if (e instanceof Broken || e instanceof RangeError) return null;
    throw e;
  }
  return { changed: r.changed, partial: r.partial, value: r.changed ? r.result(buf.length) : buf };
}

/**
 * Whether a value looks serialized, as WordPress's is_serialized() decides (after trimming whitespace, as it
 * does): what WordPress would try to unserialize when it reads it back (so what must stay parseable).
 */
export function looksSerialized(buf: Buffer): boolean {
  const [start, end] = trimmed(buf);
  if (end - start < 2) return false;
  const text = buf.toString('latin1', start, Math.min(end, start + 32));
  if (text === 'N;' && end - start === 2) return true;
  if (!/^[abdiOCsSE]:/.test(text)) return false;
  const last = buf[end - 1];
  if (last !== SEMI && last !== CLOSE) return false;
  return /^(?:[aOC]:\d+:|[sSE]:\d+:"|b:[01];|[id]:[-+0-9.eEINFA]+;)/.test(text);
}

/**
 * Whether `buf` parses as exactly one serialized value, whitespace around it aside (for tests and callers that
 * check before writing).
 */
export function isSerialized(buf: Buffer): boolean {
  if (!looksSerialized(buf)) return false;
  const [start, end] = trimmed(buf);
  try {
    const none: ValueReplacer = { all: () => null, sameLength: () => ({ value: null, left: false }) };
    return new Rewriter(buf, none, 0).value(start, 0) === end;
  } catch (e) {
    if (e instanceof Broken || e instanceof RangeError) return false;
    throw e;
  }
}

/**
 * Rewrites one database value: a serialized value inside, with its lengths recomputed; any other text as it is.
 * A value that looks serialized but does not parse is replaced into only where the replacement keeps the byte
 * length (no length in it can go wrong then); if anything else had to be left, it is reported as broken.
 */
export function rewriteValue(buf: Buffer, replace: ValueReplacer): RewriteOutcome {
  if (!looksSerialized(buf)) {
    const next = replace.all(buf);
    return next ? { kind: 'changed', value: next, partial: false } : { kind: 'unchanged' };
  }
  const parsed = parseWhole(buf, replace, 0);
  if (parsed) {
    if (parsed.changed) return { kind: 'changed', value: parsed.value, partial: parsed.partial };
    return parsed.partial ? { kind: 'unchanged', partial: true } : { kind: 'unchanged' };
  }
  const safe = replace.sameLength(buf);
  if (safe.left) return { kind: 'broken', ...(safe.value ? { value: safe.value } : {}) };
  return safe.value ? { kind: 'changed', value: safe.value, partial: false } : { kind: 'unchanged' };
}
