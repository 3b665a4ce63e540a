/**
 * Forgiving site search for the site list and the quick switcher: the closest matches first (the name or label
 * itself, then what starts with the query, then what contains it), then looser ones (letters in order, such as
 * "abr" for "alpha bravo"), then one typo ("alpah" for "alpha": a swap, a wrong, extra or missing letter).
 * Names sort naturally ("alpha 144" before "alpha 1008"). Plain TypeScript over the shared models, so the CLI
 * could use it too. Built for 2,000 sites per keystroke: the rows are prepared (and sorted) once per list, and a
 * query mostly makes two substring searches per row, with no allocation per row.
 */
import type { Site } from '@shared/models';
import type { SiteFilterValues, SiteRow } from '@shared/site-search';

/** How well a row matches, best first; `NO_MATCH` when it does not. */
export const TIER = {
  exact: 0,
  prefix: 1,
  wordPrefix: 2,
  substring: 3,
  subsequence: 4,
  typo: 5,
} as const;
export const NO_MATCH = 6;

/** A site prepared for matching: its fields lower-cased, without accents, words split at anything else. */
export interface SearchRow extends SiteRow {
  /** Its place in the natural order of the list (label, then name). */
  readonly order: number;
  /** Name and label, normalized (the whole query is compared with these). */
  readonly titles: readonly [name: string, label: string];
  /** Every searched field (name, label, organizations, tags), normalized, each with a leading space. */
  readonly fields: readonly string[];
  /** The fields in one string, one a line: a word never spans two, so one search covers them all. */
  readonly text: string;
  /** Every word of those fields but numbers, for the one-typo match. */
  readonly words: readonly string[];
}

/**
 * A key whose plain string order is the natural order of normalized text: every run of digits padded to the
 * same width, so "alpha 144" sorts before "alpha 1008". (Intl.Collator's numeric order does the same, but
 * creating one costs 15 to 35 ms on each page load in Chromium, before the list's first paint.)
 */
const naturalKey = (normalized: string): string => normalized.replace(/\d+/g, (d) => d.padStart(16, '0'));

/** Strings in natural order (case, accents and punctuation aside). */
export function naturalSorted(texts: Iterable<string>): string[] {
  return [...texts]
    .map((t) => `${naturalKey(normalize(t))}\u0001${t}`)
    .sort()
    .map((k) => k.slice(k.indexOf('\u0001') + 1));
}

/** Lower case, no accents, and anything but letters and digits as one space: "Alpha-Bravo_12" -> "alpha bravo 12". */
export function normalize(text: string): string {
  // Most names are plain ASCII: the quick way (2,000 sites are prepared before the list's first paint).
  if (!NON_ASCII.test(text))
    return text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, ' ')
      .trim();
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

const prepared = new WeakMap<readonly Site[], readonly SearchRow[]>();
/** Lists whose rows have their search fields filled in (see `searchable`). */
const searchableLists = new WeakSet<readonly SearchRow[]>();
const NO_STRINGS: readonly string[] = [];

/**
 * The rows of a site list in natural order. Cached per list, so the site list and the quick switcher share one
 * copy, made when the list changes, never per keystroke. Only the order is worked out here, on the way to the
 * list's first paint; what matching needs is filled in by the first search with a query, or the warm-up before it.
 */
export function searchRows(sites: readonly Site[]): readonly SearchRow[] {
  const cached = prepared.get(sites);
  if (cached) return cached;
  const titles = sites.map((site) => [normalize(site.name), normalize(site.label)] as const);
  // Sorted by key with the engine's index last: a plain sort of strings, with no comparison function to call.
  const order = titles
    .map(
      ([name, label], i) =>
        `${naturalKey(label)}\u0001${naturalKey(name)}\u0001${sites[i]!.accountId}\u0000${i}`,
    )
    .sort()
    .map((k) => Number(k.slice(k.lastIndexOf('\u0000') + 1)));
  const rows = order.map((i, place): SearchRow => ({
    site: sites[i]!,
    key: `${sites[i]!.accountId}|${sites[i]!.id}`,
    order: place,
    titles: titles[i]!,
    haystack: '',
    text: '',
    fields: NO_STRINGS,
    words: NO_STRINGS,
  }));
  prepared.set(sites, rows);
  return rows;
}

/** Fills in what matching needs, once per list (the rows are this module's own, made by `searchRows`). */
function searchable(rows: readonly SearchRow[]): void {
  if (searchableLists.has(rows)) return;
  // Organizations and tags repeat across hundreds of sites: each is normalized once.
  const shared = new Map<string, string>();
  const once = (text: string): string => {
    let n = shared.get(text);
    if (n === undefined) shared.set(text, (n = normalize(text)));
    return n;
  };
  for (const row of rows as { -readonly [K in keyof SearchRow]: SearchRow[K] }[]) {
    const all = [...row.titles, ...row.site.organizations.map(once), ...row.site.tags.map(once)];
    row.fields = all.map((f) => ` ${f}`);
    row.text = row.haystack = row.fields.join('\n');
    const words: string[] = [];
    // Numbers are meant as typed: no typo matches them, so they are left out.
    for (const w of row.text.split(/\s+/)) if (w && !DIGITS.test(w) && !words.includes(w)) words.push(w);
    row.words = words;
  }
  searchableLists.add(rows);
}

/** Whether `a` from `ai` on equals `b` from `bi` up to `n`. */
function sameRest(a: string, ai: number, b: string, bi: number, n: number): boolean {
  if (a.length - ai !== n - bi) return false;
  for (; ai < a.length; ai++, bi++) if (a.charCodeAt(ai) !== b.charCodeAt(bi)) return false;
  return true;
}

/**
 * Whether `a` equals `b`'s first `n` letters but for one edit: two neighbours swapped or, with `edits`, one
 * letter wrong, extra or missing (Damerau-Levenshtein distance at most 1, without a matrix).
 */
function withinOne(a: string, b: string, n: number, edits: boolean): boolean {
  const m = a.length;
  let i = 0;
  while (i < m && i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === m && i === n) return true;
  if (m === n) {
    const swapped =
      i + 1 < m &&
      a.charCodeAt(i) === b.charCodeAt(i + 1) &&
      a.charCodeAt(i + 1) === b.charCodeAt(i) &&
      sameRest(a, i + 2, b, i + 2, n);
    return swapped || (edits && sameRest(a, i + 1, b, i + 1, n));
  }
  if (!edits) return false;
  return m > n ? sameRest(a, i + 1, b, i, n) : sameRest(a, i, b, i + 1, n);
}

/** Whether `token` is one typo away from `word` or from the start of it (someone still typing). */
function oneTypo(token: string, word: string): boolean {
  // Three letters allow only a swap ("apl" for "alp..."); one wrong letter would match most short words.
  const edits = token.length >= 4;
  const m = token.length;
  for (let n = m - 1; n <= m + 1; n++)
    if (n >= 1 && n <= word.length && withinOne(token, word, n, edits)) return true;
  return false;
}

/** Whether the token's letters appear in order in one field, the first (`start`, after a space) starting a word. */
function inOrder(token: string, start: string, field: string): boolean {
  let p = field.indexOf(start);
  if (p < 0) return false;
  p += 2;
  for (let i = 1; i < token.length; i++) {
    p = field.indexOf(token[i]!, p);
    if (p < 0) return false;
    p++;
  }
  return true;
}

const DIGITS = /^\d+$/;

/** One word of a query, with what its matching needs worked out once per keystroke rather than once per row. */
interface Token {
  readonly text: string;
  /** The word after a space: how a field's word starts with it. */
  readonly spaced: string;
  /** The first letter after a space: where its letters-in-order match may start. */
  readonly start: string;
  /** A number is meant as typed: "144" must not find 1404 or 154. */
  readonly loose: boolean;
  /**
   * The looser matches' answers by field and by word, for this keystroke: organizations, tags and most words
   * repeat across hundreds of sites, so each is checked once rather than once per site.
   */
  readonly inOrder: Map<string, boolean>;
  readonly typo: Map<string, boolean>;
}

/** How one word of the query matches a row. */
function tokenTier(token: Token, row: SearchRow): number {
  if (row.text.includes(token.spaced)) return TIER.wordPrefix;
  if (row.text.includes(token.text)) return TIER.substring;
  const t = token.text;
  if (!token.loose || t.length < 2) return NO_MATCH;
  for (const f of row.fields) {
    let yes = token.inOrder.get(f);
    if (yes === undefined) token.inOrder.set(f, (yes = inOrder(t, token.start, f)));
    if (yes) return TIER.subsequence;
  }
  if (t.length < 3) return NO_MATCH;
  for (const w of row.words) {
    let yes = token.typo.get(w);
    if (yes === undefined) token.typo.set(w, (yes = oneTypo(t, w)));
    if (yes) return TIER.typo;
  }
  return NO_MATCH;
}

/** A query, normalized once per keystroke. */
export interface Query {
  readonly text: string;
  readonly tokens: readonly Token[];
}

export const parseQuery = (query: string): Query => {
  const text = normalize(query);
  const tokens = text
    ? text.split(' ').map((t): Token => ({
        text: t,
        spaced: ` ${t}`,
        start: ` ${t[0]}`,
        loose: !DIGITS.test(t),
        inOrder: new Map(),
        typo: new Map(),
      }))
    : [];
  return { text, tokens };
};

/** How a row matches a query: the whole query against its name and label, else its worst-matching word. */
export function matchTier(q: Query, row: SearchRow): number {
  const text = q.text;
  if (!text) return TIER.exact;
  const [name, label] = row.titles;
  if (name === text || label === text) return TIER.exact;
  if (name.startsWith(text) || label.startsWith(text)) return TIER.prefix;
  let worst: number = TIER.wordPrefix;
  for (let i = 0; i < q.tokens.length; i++) {
    const tier = tokenTier(q.tokens[i]!, row);
    if (tier === NO_MATCH) return NO_MATCH;
    if (tier > worst) worst = tier;
  }
  return worst;
}

const passes = (row: SearchRow, f: SiteFilterValues): boolean =>
  (!f.framework || row.site.framework === f.framework) &&
  (!f.organization || row.site.organizations.includes(f.organization)) &&
  (!f.account || (row.site.accountIds ?? [row.site.accountId]).includes(f.account)) &&
  (!f.tag || row.site.tags.includes(f.tag));

/** What a search shows. */
export interface SearchResult {
  /** With no query: the sites opened last (newest first), shown above the whole list. Empty with a query. */
  readonly recent: readonly SearchRow[];
  /**
   * Every match, best first: with no query, favourites then the rest, in natural order; with a query, by how
   * well they match, and within that the recently opened (newest first), favourites, then natural order.
   */
  readonly matches: readonly SearchRow[];
}

/** How many recent sites the list shows above the others. */
export const RECENT_SHOWN = 5;

/** The last search over a list: its filters, query and the rows it found (indexes into the list). */
const lastSearch = new WeakMap<
  readonly SearchRow[],
  { filterKey: string; text: string; found: readonly number[] }
>();

/** What a word of that length may match loosely (letters in order from 2, a swap from 3, any one typo from 4). */
const looseness = (length: number): number => (length >= 4 ? 2 : length >= 3 ? 1 : 0);

/**
 * The rows worth checking for a query typed on from the last one: only those the last one found. Whatever
 * matches "alph" also matches "alp" (each of its words matches at least as well), so a row "alp" missed is
 * never checked again, which spares the costly looser matches most rows go through. Not when the last word
 * reaches a length that allows looser matches than before ("la" misses "alpha", "lap" finds it: a swap).
 */
function narrowing(rows: readonly SearchRow[], filterKey: string, q: Query): readonly number[] | null {
  const last = lastSearch.get(rows);
  if (!last || !last.text || last.filterKey !== filterKey || !q.text.startsWith(last.text)) return null;
  // Words added after a space: the last word as it was, plus more conditions.
  if (q.text.length === last.text.length || q.text[last.text.length] === ' ') return last.found;
  // The last word grew: it must not gain a looser kind of match (nor lose being a number, taken as typed).
  const start = last.text.lastIndexOf(' ') + 1;
  const before = last.text.slice(start);
  const grown = q.text.slice(start).split(' ')[0]!;
  if (looseness(before.length) !== looseness(grown.length)) return null;
  if (DIGITS.test(before) && !DIGITS.test(grown)) return null;
  return last.found;
}

/** The site id of a site key (`account|site`). */
const siteIdOf = (key: string): string => key.slice(key.indexOf('|') + 1);

/**
 * The sites matching a query and the filters, ranked. `recent` is the site keys opened last, newest first (a
 * site counts as recent whichever account it is opened with: the person may switch accounts for it);
 * `favourites` site ids pinned by the person.
 */
export function searchSites(
  rows: readonly SearchRow[],
  query: string,
  filters: SiteFilterValues,
  favourites: readonly string[] = [],
  recent: readonly string[] = [],
): SearchResult {
  const q = parseQuery(query);
  if (q.text) searchable(rows);
  const fav = new Set(favourites);
  const recency = new Map<string, number>();
  for (const [i, k] of recent.entries()) if (!recency.has(siteIdOf(k))) recency.set(siteIdOf(k), i);
  const n = rows.length;
  // One number per match, sorted as numbers: (tier, recency, favourite, natural order), with the row's index last.
  const keys: number[] = [];
  const R = recent.length + 1;
  const filtered = !!(filters.framework || filters.organization || filters.account || filters.tag);
  const filterKey = `${filters.framework}\n${filters.organization}\n${filters.account}\n${filters.tag ?? ''}`;
  const narrowed = narrowing(rows, filterKey, q);
  const found: number[] = [];
  const count = narrowed ? narrowed.length : n;
  for (let c = 0; c < count; c++) {
    const i = narrowed ? narrowed[c]! : c;
    const row = rows[i]!;
    if (filtered && !passes(row, filters)) continue;
    const tier = matchTier(q, row);
    if (tier === NO_MATCH) continue;
    found.push(i);
    const rank = q.text ? (recency.get(row.site.id) ?? recent.length) : recent.length;
    keys.push(((tier * R + rank) * 2 + (fav.has(row.site.id) ? 0 : 1)) * n + i);
  }
  lastSearch.set(rows, { filterKey, text: q.text, found });
  // A typed array sorts numbers natively, without a comparison function.
  const sorted = Float64Array.from(keys).sort();
  const matches: SearchRow[] = new Array<SearchRow>(sorted.length);
  for (let i = 0; i < sorted.length; i++) matches[i] = rows[sorted[i]! % n]!;
  const shown: SearchRow[] = [];
  if (!q.text && recency.size > 0) {
    for (const r of matches) {
      const at = recency.get(r.site.id);
      // The first row of each recent site (a site two accounts see may be listed twice).
      if (at !== undefined && !shown.some((s) => s.site.id === r.site.id)) shown.push(r);
    }
    shown.sort((a, b) => recency.get(a.site.id)! - recency.get(b.site.id)!);
    shown.length = Math.min(shown.length, RECENT_SHOWN);
  }
  return { recent: shown, matches };
}

/**
 * Prepares a list for matching and runs the search once over every kind of match, its results unused: called
 * while the window is idle after a list arrives, so the first keystrokes meet prepared rows and code the engine
 * has already compiled (measured with 2,000 sites: the slowest of the first keys went from 21 ms to 12 ms).
 */
export function warmUp(rows: readonly SearchRow[]): void {
  const none = { framework: '', organization: '', account: '' };
  for (const q of ['a', 'al', 'alp b', 'lpah', 'zqx 1']) searchSites(rows, q, none, [], []);
}
