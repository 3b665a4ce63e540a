import { LifeboatError } from '../errors';
import type { BytesReplacer } from './php-serialize';

/**
 * A site's URLs and the local one they become: which hosts are the site's, how each one is written in a database
 * (`https://host`, `http://host`, `//host`, JSON's `https:\/\/host` and `\/\/host`, a query string's
 * `https%3A%2F%2Fhost`), and the replacer that rewrites exactly those, matching the host only as a whole host:
 * `https://example.com` never touches `https://example.com.au`, `https://example.community` or
 * `https://www.example.com`.
 */

/** A local URL split up: `http://name.ddev.site:8080/sub` -> scheme http, authority name.ddev.site:8080, path /sub. */
export interface LocalUrl {
  readonly scheme: 'http' | 'https';
  /** Host and port, lower case. */
  readonly authority: string;
  readonly host: string;
  readonly port: string | null;
  /** Without a trailing slash; '' at the root. */
  readonly path: string;
  /** scheme://authority/path, without a trailing slash. */
  readonly url: string;
}

/** One label of a host name (RFC 1123): letters, digits and hyphens, not at either end, 1 to 63 of them. */
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Why `text` cannot be a local URL, or null when it can: http or https, a host name a computer can have (RFC 1123
 * labels, as the URL parser lower-cases and punycodes them) or an IP address, an optional port and path, and
 * nothing the site's URL cannot carry (a user name or password, a query, a fragment), which would otherwise be
 * dropped without a word.
 */
export function localUrlProblem(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    return `"${text}" is not a URL: give a local address such as http://mysite.localhost:8080.`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return `"${text}" is not an http or https address: give one such as http://mysite.localhost:8080.`;
  // The parser keeps an empty user name (`http://@host`) to itself: the text says whether one was given.
  if (u.username || u.password || /^[a-z][a-z0-9+.-]*:[\\/]*[^/\\?#]*@/i.test(text.trim()))
    // Not quoted back: it may hold a password.
    return "It has a user name or password (user:password@) in it: a site's address has none; leave it out.";
  if (u.search || u.hash || /[?#]/.test(text))
    return `"${text}" has a query (?…) or a fragment (#…) in it: a site's address has neither; leave it out.`;
  const host = u.hostname;
  const ip = /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host) || /^\[[0-9a-f:.]+\]$/.test(host);
  if (!ip && (host.length > 253 || !host.split('.').every((l) => LABEL.test(l))))
    return `"${host}" is not a host name a computer can have: use letters, digits and hyphens, in parts separated by dots (such as mysite.localhost), or an IP address.`;
  return null;
}

/** Parses a local URL the person chose; throws `invalid-request` for one that cannot be (see localUrlProblem). */
export function parseLocalUrl(text: string): LocalUrl {
  const problem = localUrlProblem(text);
  if (problem) throw new LifeboatError('invalid-request', `The local URL: ${problem}`);
  const u = new URL(text.trim());
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const path = u.pathname.replace(/\/+$/, '');
  const authority = u.host.toLowerCase();
  return {
    scheme,
    authority,
    host: u.hostname.toLowerCase(),
    port: u.port || null,
    path,
    url: `${scheme}://${authority}${path}`,
  };
}

/** The host (with a port when it has one) of a URL found in a database, lower case; null when it is not a URL. */
export function hostOfUrl(value: string): string | null {
  const m = /^\s*(?:https?:)?\/\/([^/?#\s"'\\]+)/i.exec(value);
  if (!m) return null;
  const authority = m[1]!.replace(/^[^@]*@/, '').toLowerCase();
  return /^[a-z0-9.-]+(?::\d{1,5})?$/.test(authority) && /[a-z0-9]/.test(authority) ? authority : null;
}

/** One host of the site and the authority (host and port) and path it becomes. */
export interface HostMapping {
  readonly from: string;
  readonly to: { readonly scheme: 'http' | 'https'; readonly authority: string; readonly path: string };
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * The replacer for `mappings`: every written form of each host's URL, as a whole host. Works on bytes (read as
 * latin1, one character per byte) so a value in any ASCII-compatible character set keeps every other byte.
 */
export function urlReplacer(mappings: readonly HostMapping[]): Replacer {
  if (mappings.length === 0) return { all: () => null, sameLength: () => ({ value: null, left: false }) };
  const byHost = new Map(mappings.map((m) => [m.from.toLowerCase(), m.to]));
  // Longest first, so a host that starts another (example.com, example.com:8080) is never cut short.
  const hosts = [...byHost.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  // An absolute URL: http or https, then ://, :\/\/ (JSON) or %3A%2F%2F (a query string). A protocol-relative
  // one: // or \/\/ not after a scheme's colon, a letter or a digit. Then the host, ending where a host ends: not
  // before a letter, digit or '-', nor a dot that goes on (example.com.au), nor a port it does not name.
  const pattern = new RegExp(
    `(?:(?<![A-Za-z0-9+.-])(https?)(://|:\\\\/\\\\/|%3A%2F%2F)|(?<![:A-Za-z0-9\\\\/])(//|\\\\/\\\\/))` +
      `(${hosts.join('|')})(?![A-Za-z0-9-]|\\.[A-Za-z0-9-]|:[0-9])`,
    'gi',
  );
  const replacement = (
    scheme: string | undefined,
    sep: string | undefined,
    rel: string | undefined,
    host: string,
  ) => {
    const to = byHost.get(host.toLowerCase())!;
    const rest = `${to.authority}${to.path}`;
    if (scheme) {
      const url = `${to.scheme}://${rest}`;
      if (sep === '://') return url;
      if (sep!.startsWith('%')) return url.replace(/:/g, '%3A').replace(/\//g, '%2F');
      return url.replace(/\//g, '\\/');
    }
    return rel === '//' ? `//${rest}` : `\\/\\/${rest.replace(/\//g, '\\/')}`;
  };
  const run = (bytes: Buffer, sameLength: boolean): { value: Buffer | null; left: boolean } => {
    const text = bytes.toString('latin1');
    pattern.lastIndex = 0;
    if (!pattern.test(text)) return { value: null, left: false };
    pattern.lastIndex = 0;
    let left = false;
    const out = text.replace(
      pattern,
      (
        m: string,
        scheme: string | undefined,
        sep: string | undefined,
        rel: string | undefined,
        host: string,
      ) => {
        const next = replacement(scheme, sep, rel, host);
        if (sameLength && next.length !== m.length) {
          left = true;
          return m;
        }
        return next;
      },
    );
    return { value: out === text ? null : Buffer.from(out, 'latin1'), left };
  };
  return { all: (bytes) => run(bytes, false).value, sameLength: (bytes) => run(bytes, true) };
}

/** Rewrites the site's URLs in one string's bytes. */
export interface Replacer {
  /** Every occurrence; null when there was none. */
  readonly all: BytesReplacer;
  /**
   * Only the occurrences whose replacement has the same byte length (safe inside a serialized value that does
   * not parse: no length in it can go wrong); `left` when some other occurrence was left as it was.
   */
  readonly sameLength: (bytes: Buffer) => { readonly value: Buffer | null; readonly left: boolean };
}
