import { resolve, win32 } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where the renderer comes from: the dev server in development, the built index.html otherwise. */
export interface RendererSource {
  /** `ELECTRON_RENDERER_URL` when electron-vite's dev server runs. */
  readonly devUrl?: string | undefined;
  /** The absolute path of the built `out/renderer/index.html`. */
  readonly indexHtml: string;
  readonly platform?: NodeJS.Platform;
}

/** scheme://host:port of an http(s) URL, with the default port spelled out; null for anything else. */
function httpOrigin(text: string): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  if (u.username || u.password) return null;
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  return `${u.protocol}//${u.hostname}:${port}`;
}

/** The file a file: URL names on this platform, or null when it names none here (a host, encoded slashes…). */
function localFile(text: string, platform: NodeJS.Platform): string | null {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return null;
  }
  // file://server/share/... is a network path, never our bundle.
  if (u.protocol !== 'file:' || u.host !== '') return null;
  try {
    // Parsing already resolved `.` and `..`; fileURLToPath refuses encoded separators and decodes the rest.
    return fileURLToPath(u.href.split(/[?#]/)[0]!, { windows: platform === 'win32' });
  } catch {
    return null;
  }
}

/**
 * Whether a URL is Lifeboat's own renderer: in development exactly the dev server's origin (scheme, host and
 * port equal), otherwise exactly the built index.html (the path after parsing; query and fragment ignored).
 * Used for the IPC sender check and for navigation, so nothing that merely contains the right words passes:
 * `file:///etc/passwd?/out/renderer/`, `http://localhost:5173.evil.com`, `http://localhost:51730`.
 */
export function isTrustedRendererUrl(url: string, source: RendererSource): boolean {
  const platform = source.platform ?? process.platform;
  if (source.devUrl) {
    const own = httpOrigin(source.devUrl);
    return own !== null && httpOrigin(url) === own;
  }
  const file = localFile(url, platform);
  if (file === null) return false;
  if (platform === 'win32') {
    return win32.resolve(file).toLowerCase() === win32.resolve(source.indexHtml).toLowerCase();
  }
  return file === resolve(source.indexHtml);
}
