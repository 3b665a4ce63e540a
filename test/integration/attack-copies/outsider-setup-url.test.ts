// An outsider's attack on `lifeboat copies setup --url`: a "local address" whose host name no computer can have
// (quotes, an HTML attribute in it). Lifeboat escapes it safely where it writes it (checked: wp-config-local.php
// stays valid PHP, the database gets it through hexadecimal literals), but it should refuse it with a clear error
// naming --url, as it refuses javascript: and file: addresses, instead of making it the site's address.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './lib';

let s: Scratch;
beforeEach(async () => void (s = await scratch()));
afterEach(() => s.cleanup());

describe('copies setup --url with a host name that cannot be one', () => {
  it('is refused as a usage error naming --url', async () => {
    const copy = await s.pull('acme-blog.live', join(s.dir, 'sites'));
    for (const url of ["http://a'b.localhost:8080/", 'http://a"onfocus=alert(1)autofocus".localhost/']) {
      const r = await s.run(['copies', 'setup', copy, '--url', url, '--dry-run']);
      expect({ url, code: r.code }).toEqual({ url, code: 2 });
      expect(r.stderr).toContain('--url');
    }
    // Kept as a guard: schemes other than http and https are refused today.
    const js = await s.run(['copies', 'setup', copy, '--url', 'javascript:alert(1)', '--dry-run']);
    expect(js.code).toBe(2);
  });
});
