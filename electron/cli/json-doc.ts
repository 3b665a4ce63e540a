/** The JSON type of a documented field. */
export type JsonType =
  | 'string'
  | 'number'
  | 'boolean'
  | 'object'
  | 'string[]'
  | 'object[]'
  | 'string|null'
  | 'number|null'
  | 'boolean|null'
  | 'object|null';

/**
 * What a command prints with `--json`: the top-level shape and its fields (of each item, for an array). Help,
 * the README and a test that runs every command with `--json` all read this one declaration, so they agree.
 */
export interface JsonDoc {
  /** The flags that select this variant (`with --dry-run`); absent for the default output. */
  readonly when?: string;
  readonly type: 'array' | 'object';
  readonly fields: Readonly<Record<string, JsonType>>;
  /** A pointer to the full model (`the shared model Site`), or a word on what is left out. */
  readonly note?: string;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function matches(v: unknown, t: JsonType): boolean {
  return t.split('|').some((one) => {
    if (one === 'string[]') return Array.isArray(v) && v.every((x) => typeof x === 'string');
    if (one === 'object[]') return Array.isArray(v) && v.every((x) => typeOf(x) === 'object');
    return typeOf(v) === one;
  });
}

/** The ways `value` differs from `doc` (an empty list when it matches). */
export function jsonProblems(value: unknown, doc: JsonDoc): string[] {
  const check = (obj: unknown, where: string): string[] => {
    if (typeOf(obj) !== 'object') return [`${where} is ${typeOf(obj)}, not an object`];
    const o = obj as Record<string, unknown>;
    return Object.entries(doc.fields)
      .filter(([k, t]) => !(k in o) || !matches(o[k], t))
      .map(([k, t]) => (k in o ? `${where}.${k} is ${typeOf(o[k])}, not ${t}` : `${where}.${k} is missing`));
  };
  if (doc.type === 'array') {
    if (!Array.isArray(value)) return [`the output is ${typeOf(value)}, not an array`];
    return value.flatMap((item, i) => check(item, `[${i}]`));
  }
  return check(value, 'the output');
}
