import { LifeboatError } from '../errors';

/** The real Pantheon API base, as Terminus builds it: protocol, host and an explicit port. */
export const PANTHEON_API_URL = 'https://terminus.pantheon.io:443/api/';

/**
 * The API base to use: an explicit URL first, then Terminus's TERMINUS_PROTOCOL / TERMINUS_HOST / TERMINUS_PORT
 * variables (how Terminus is pointed at an emulator), then Pantheon. Always ends in `/api/`.
 */
export function resolveApiUrl(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit !== undefined) {
    let u: URL;
    try {
      u = new URL(explicit);
    } catch {
      throw new LifeboatError(
        'invalid-request',
        `The API address "${explicit}" is not a URL; give one like https://terminus.pantheon.io/api/.`,
      );
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:')
      throw new LifeboatError('invalid-request', `The API address must be http(s), not ${u.protocol}`);
    let path = u.pathname.replace(/\/+$/, '');
    if (!path.endsWith('/api')) path += '/api';
    return `${u.origin}${path}/`;
  }
  const { TERMINUS_PROTOCOL, TERMINUS_HOST, TERMINUS_PORT } = env;
  if (!TERMINUS_PROTOCOL && !TERMINUS_HOST && !TERMINUS_PORT) return PANTHEON_API_URL;
  // Terminus's variables are read as Terminus reads them, but checked: a typo is the user's to fix, with its name.
  const protocol = TERMINUS_PROTOCOL || 'https';
  if (protocol !== 'https' && protocol !== 'http')
    throw new LifeboatError('invalid-request', `TERMINUS_PROTOCOL must be https or http, not "${protocol}".`);
  const port = TERMINUS_PORT || (protocol === 'http' ? '80' : '443');
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)
    throw new LifeboatError(
      'invalid-request',
      `TERMINUS_PORT must be a port number (1-65535), not "${port}".`,
    );
  const host = TERMINUS_HOST || 'terminus.pantheon.io';
  const url = `${protocol}://${host}:${port}/api/`;
  try {
    if (new URL(url).hostname === '') throw new Error('no host');
  } catch {
    throw new LifeboatError(
      'invalid-request',
      `TERMINUS_HOST must be a host name or address, not "${host}".`,
    );
  }
  return url;
}

/** True when the base is Pantheon itself, where polling faster than once a second is not allowed. */
export const isPantheon = (apiUrl: string): boolean => new URL(apiUrl).hostname.endsWith('pantheon.io');
