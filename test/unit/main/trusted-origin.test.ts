import { describe, expect, it } from 'vitest';
import { isTrustedRendererUrl } from '../../../electron/main/trusted-origin';

const INDEX = '/opt/Lifeboat/resources/app/out/renderer/index.html';
const built = { indexHtml: INDEX, platform: 'linux' as const };
const dev = { devUrl: 'http://localhost:5173', indexHtml: INDEX, platform: 'linux' as const };

describe('which URLs are Lifeboat’s own renderer (IPC senders, navigation)', () => {
  it('trusts exactly the built index.html, whatever its query or fragment', () => {
    for (const url of [
      `file://${INDEX}`,
      `file://${INDEX}?x=1`,
      `file://${INDEX}#/sites`,
      'file:///opt/Lifeboat/resources/app/out/renderer/./index.html',
      'file:///opt/Lifeboat/resources/app/out/renderer/assets/../index.html',
      'file:///opt/Lifeboat/resources/app/out/renderer/%69ndex.html',
    ])
      expect(isTrustedRendererUrl(url, built), url).toBe(true);
  });

  it('refuses other files that merely mention the renderer folder', () => {
    for (const url of [
      'file:///etc/passwd?/out/renderer/',
      'file:///etc/passwd#/out/renderer/index.html',
      'file:///tmp/out/renderer/index.html',
      'file:///home/me/evil/out/renderer/index.html',
      `file://${INDEX}/..`,
      `file://${INDEX}.evil.html`,
      'file:///opt/Lifeboat/resources/app/out/renderer/index.html/../../../../../../etc/passwd',
      'file:///opt/Lifeboat/resources/app/out/renderer/../renderer2/index.html',
      'file:///opt/Lifeboat/resources/app/out/renderer/evil.html',
      'file:///opt/Lifeboat/resources/app/out/renderer/',
      // Encoded separators name a different path on disk than the one they spell.
      'file:///opt/Lifeboat/resources/app/out/renderer%2Findex.html',
      'file:///opt%2FLifeboat/resources/app/out/renderer/index.html',
      'file:///etc%2F..%2Fopt/Lifeboat/resources/app/out/renderer/index.html',
      // A host in a file URL is a network share, never the bundle.
      `file://evil.example${INDEX}`,
      `file://localhost.evil${INDEX}`,
      // Other schemes with the same path.
      `http://localhost${INDEX}`,
      `https://evil.example${INDEX}`,
      `data:text/html,<a href="file://${INDEX}">`,
      'about:blank',
      'javascript:alert(1)//file:///out/renderer/index.html',
      '',
      'not a url',
    ])
      expect(isTrustedRendererUrl(url, built), url).toBe(false);
  });

  it('in development trusts exactly the dev server origin', () => {
    for (const url of [
      'http://localhost:5173',
      'http://localhost:5173/',
      'http://localhost:5173/index.html?x#y',
      'http://LOCALHOST:5173/src/main.tsx',
    ])
      expect(isTrustedRendererUrl(url, dev), url).toBe(true);
    for (const url of [
      'http://localhost:51730/',
      'http://localhost:517/',
      'http://localhost:5173.evil.com/',
      'http://localhost.evil.com:5173/',
      'http://evil.com/?http://localhost:5173',
      'http://evil.com/#http://localhost:5173',
      'http://localhost:5173@evil.com/',
      'http://user:pass@localhost:5173/',
      'https://localhost:5173/',
      'ws://localhost:5173/',
      'http://127.0.0.1:5173/',
      'http://localhost/',
      'http://localhost:80/',
      `file://${INDEX}`,
      'file:///etc/passwd?http://localhost:5173',
      '',
    ])
      expect(isTrustedRendererUrl(url, dev), url).toBe(false);
  });

  it('never trusts anything when the dev URL itself is not http(s)', () => {
    expect(isTrustedRendererUrl('file:///x', { devUrl: 'file:///x', indexHtml: INDEX })).toBe(false);
    expect(isTrustedRendererUrl('http://a/', { devUrl: 'garbage', indexHtml: INDEX })).toBe(false);
  });

  it('compares Windows paths without regard to case, and still refuses network shares', () => {
    const win = {
      indexHtml: 'C:\\Program Files\\Lifeboat\\resources\\app\\out\\renderer\\index.html',
      platform: 'win32' as const,
    };
    expect(
      isTrustedRendererUrl(
        'file:///C:/Program%20Files/Lifeboat/resources/app/out/renderer/index.html#/x',
        win,
      ),
    ).toBe(true);
    expect(
      isTrustedRendererUrl('file:///c:/program%20files/lifeboat/resources/app/out/renderer/INDEX.html', win),
    ).toBe(true);
    expect(isTrustedRendererUrl('file:///C:/Windows/win.ini?/out/renderer/', win)).toBe(false);
    expect(
      isTrustedRendererUrl(
        'file://evil/share/Program%20Files/Lifeboat/resources/app/out/renderer/index.html',
        win,
      ),
    ).toBe(false);
    expect(
      isTrustedRendererUrl(
        'file:///C:/Program%20Files/Lifeboat/resources/app/out/renderer%5Cindex.html',
        win,
      ),
    ).toBe(false);
  });
});
