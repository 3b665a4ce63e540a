/** The real Pantheon API base, as Terminus builds it: protocol, host and an explicit port. */
export const PANTHEON_API_URL = 'https://terminus.pantheon.io:443/api/';

/**
 * The API base to use: an explicit URL first, then Terminus's TERMINUS_PROTOCOL / TERMINUS_HOST / TERMINUS_PORT
 * variables (how Terminus is pointed at an emulator), then Pantheon. Always ends in `/api/`.
 */
export function resolveApiUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) {
    const u = new URL(explicit);
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new Error(`The API URL must be http(s), not ${u.protocol}`);
    let path = u.pathname.replace(/\/+$/, '');
    if (!path.endsWith('/api')) path += '/api';
    return `${u.origin}${path}/`;
  }
  const { TERMINUS_PROTOCOL, TERMINUS_HOST, TERMINUS_PORT } = env;
  if (!TERMINUS_PROTOCOL && !TERMINUS_HOST && !TERMINUS_PORT) return PANTHEON_API_URL;
  const protocol = TERMINUS_PROTOCOL || 'https';
  const port = TERMINUS_PORT || (protocol === 'http' ? '80' : '443');
  return `${protocol}://${TERMINUS_HOST || 'terminus.pantheon.io'}:${port}/api/`;
}

/** True when the base is Pantheon itself, where polling faster than once a second is not allowed. */
export const isPantheon = (apiUrl: string): boolean => new URL(apiUrl).hostname.endsWith('pantheon.io');
