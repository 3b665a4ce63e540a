import { describe, expect, it } from 'vitest';
import {
  isSerialized,
  MAX_DEPTH,
  rewriteValue,
} from '../../../../electron/services/local-site/php-serialize';
import { urlReplacer } from '../../../../electron/services/local-site/urls';
import { php, phpSerialize, PhpObject, phpUnavailable } from '../../../helpers/local-site';

const to = { scheme: 'http' as const, authority: 'acme.localhost:8080', path: '' };
const r = urlReplacer([
  { from: 'example.com', to },
  { from: 'live-acme.pantheonsite.io', to },
]);
const rewrite = (v: string): string | null => {
  const out = rewriteValue(Buffer.from(v), r);
  return out.kind === 'changed' ? out.value.toString() : out.kind;
};

describe('the URL replacer', () => {
  it('matches the site’s host only as a whole host, in every written form', () => {
    const cases: [string, string][] = [
      ['https://example.com', 'http://acme.localhost:8080'],
      [
        'http://example.com/a?b=https://example.com',
        'http://acme.localhost:8080/a?b=http://acme.localhost:8080',
      ],
      ['src="//example.com/x.png"', 'src="//acme.localhost:8080/x.png"'],
      ['"https:\\/\\/example.com\\/p"', '"http:\\/\\/acme.localhost:8080\\/p"'],
      ['"\\/\\/example.com\\/p"', '"\\/\\/acme.localhost:8080\\/p"'],
      ['r=https%3A%2F%2Fexample.com%2Fx', 'r=http%3A%2F%2Facme.localhost%3A8080%2Fx'],
      ['Go to https://example.com.', 'Go to http://acme.localhost:8080.'],
      ['(https://EXAMPLE.com)', '(http://acme.localhost:8080)'],
      ['https://live-acme.pantheonsite.io/?p=1', 'http://acme.localhost:8080/?p=1'],
    ];
    for (const [from, want] of cases) expect(rewrite(from)).toBe(want);
    for (const kept of [
      'https://example.com.au/',
      'https://example.community',
      'https://www.example.com/',
      'https://notexample.com/',
      'https://example.com:8443/',
      'https://example.com-shop.net/',
      'me@example.com',
      'ftp://example.com/',
      'example.com',
      'path//example.com',
    ])
      expect(rewrite(kept)).toBe('unchanged');
  });
});

describe('serialized values', () => {
  it('are rewritten with their lengths recomputed, keys and class names untouched', () => {
    const data = (u: string) => ({
      'https://example.com': u,
      list: [u, 2, 2.5, true, null, [`${u}/deep`]],
      obj: new PhpObject('https://example.com', { url: `${u}/o`, 'https://example.com': 1 }),
      ünï: `ünïcode ${u}`,
    });
    expect(rewrite(phpSerialize(data('https://example.com')))).toBe(
      phpSerialize(data('http://acme.localhost:8080')),
    );
  });

  it('rewrite a string that is itself serialized as a serialized value', () => {
    const inner = (u: string) => phpSerialize([u]);
    expect(rewrite(phpSerialize(inner('https://example.com')))).toBe(
      phpSerialize(inner('http://acme.localhost:8080')),
    );
  });

  it('leave a value that does not parse, unless the replacement keeps every length', () => {
    expect(rewrite('a:1:{i:0;s:99:"https://example.com";}')).toBe('broken');
    expect(rewrite('a:1:{i:0;s:19:"https://example.com"}')).toBe('broken');
    // Same length (https -> http plus a longer host would change it; this one keeps it): replaced in place.
    const same = urlReplacer([
      { from: 'example.com', to: { scheme: 'https', authority: 'exampl3.xyz', path: '' } },
    ]);
    const out = rewriteValue(Buffer.from('a:1:{i:0;s:99:"https://example.com";}'), same);
    expect(out).toMatchObject({ kind: 'changed' });
    expect(out.kind === 'changed' && out.value.toString()).toBe('a:1:{i:0;s:99:"https://exampl3.xyz";}');
  });

  it('read lengths as bytes: a crafted string holding serialized syntax stays one string', () => {
    const crafted = phpSerialize(['https://example.com/";i:1;s:3:"pwn";}', 'x";s:19:"https://example.com']);
    expect(isSerialized(Buffer.from(crafted))).toBe(true);
    expect(rewrite(crafted)).toBe(
      phpSerialize(['http://acme.localhost:8080/";i:1;s:3:"pwn";}', 'x";s:19:"http://acme.localhost:8080']),
    );
  });

  it('stop at a nesting deeper than the limit, and at lengths past the end, without throwing', () => {
    const deep = `${'a:1:{i:0;'.repeat(MAX_DEPTH + 5)}s:19:"https://example.com";${'}'.repeat(MAX_DEPTH + 5)}`;
    expect(rewrite(deep)).toBe('broken');
    const nested = Array.from({ length: 400 }).reduce<string>((v) => phpSerialize(v), 'https://example.com');
    expect(() => rewriteValue(Buffer.from(nested), r)).not.toThrow();
    expect(rewrite('s:999999999999:"https://example.com";')).toBe('broken');
    expect(rewrite('O:99:"x":0:{}')).toBe('unchanged');
  });

  it('copy references, enums, S: strings and custom C: payloads; a C: payload that is serialized is rewritten inside', () => {
    expect(rewrite('a:2:{i:0;E:7:"Foo:Bar";i:1;R:2;}')).toBe('unchanged');
    expect(rewrite('S:3:"\\61bc";')).toBe('unchanged');
    const payload = (u: string) => phpSerialize([u]);
    const c = (u: string) => `C:11:"ArrayObject":${Buffer.byteLength(payload(u))}:{${payload(u)}}`;
    expect(rewrite(c('https://example.com'))).toBe(c('http://acme.localhost:8080'));
  });

  it('are read inside the whitespace WordPress trims (a line break after one), which is kept as it is', () => {
    const widget = (u: string) =>
      phpSerialize({ 2: { text: `<a href="${u}/shop/">Shop</a>` }, _multiwidget: 1 });
    expect(rewrite(`${widget('https://example.com')}\n`)).toBe(`${widget('http://acme.localhost:8080')}\n`);
    expect(rewrite(`\r\n ${widget('https://example.com')}\r\n\t`)).toBe(
      `\r\n ${widget('http://acme.localhost:8080')}\r\n\t`,
    );
    expect(isSerialized(Buffer.from(`${widget('https://example.com')}\n`))).toBe(true);
    // Twice serialized, the inner value with its own line break.
    const twice = (u: string) => phpSerialize(`${widget(u)}\n`);
    expect(rewrite(twice('https://example.com'))).toBe(twice('http://acme.localhost:8080'));
  });

  it('read an object with integer property names, as PHP does', async (ctx) => {
    const obj = (u: string) => `O:8:"stdClass":2:{i:0;s:${u.length}:"${u}";s:1:"a";i:-1;}`;
    expect(isSerialized(Buffer.from(obj('https://example.com')))).toBe(true);
    const out = rewrite(obj('https://example.com'));
    expect(out).toBe(obj('http://acme.localhost:8080'));
    const why = await phpUnavailable();
    if (why) return ctx.skip(why);
    const read = await php(
      `var_export(unserialize(base64_decode('${Buffer.from(out!).toString('base64')}')));`,
    );
    expect(read).toContain("'0' => 'http://acme.localhost:8080'");
  });
});
