import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Organization } from '../../../../shared/models';
import {
  inShard,
  parseShard,
  SAY_WHICH_SITES,
  selectSites,
  selectSitesAndUnknown,
  type AccountSiteList,
} from '../../../../electron/services/mirror/select';
import { site } from '../../../helpers/models';

const org = (id: string, name: string, label: string): Organization => ({ id, name, label, role: 'admin' });
const ACME = org('org-acme', 'acme-agency', 'Acme Agency');
const GLOBEX = org('org-globex', 'globex', 'Globex Corporation');

/**
 * Two accounts: Dana (user u-dana) sees her own sites and Globex's through the organization; Fran (u-fran)
 * sees Globex's sites too (one of them with a tag Dana's view lacks) and her own.
 */
const LISTS: AccountSiteList[] = [
  {
    email: 'dana@example.com',
    organizations: [ACME, GLOBEX],
    sites: [
      site('acme-blog', { accountId: 'u-dana', label: 'Acme Blog' }),
      site('acme-shop', {
        accountId: 'u-dana',
        framework: 'drupal8',
        organizations: ['Acme Agency'],
        tags: ['ecommerce', 'priority'],
      }),
      site('acme-intranet', { accountId: 'u-dana', organizations: ['Acme Agency'], frozen: true }),
      site('globex-www', { accountId: 'u-dana', organizations: ['Globex Corporation'], tags: ['priority'] }),
      site('globex-docs', {
        accountId: 'u-dana',
        organizations: ['Globex Corporation'],
        label: 'Globex Documentation',
      }),
    ],
  },
  {
    email: 'fran@example.com',
    organizations: [GLOBEX],
    sites: [
      site('globex-www', { accountId: 'u-fran', organizations: ['Globex Corporation'], tags: ['priority'] }),
      site('globex-docs', { accountId: 'u-fran', organizations: ['Globex Corporation'], tags: ['docs'] }),
      site('fran-bakery', { accountId: 'u-fran', label: 'The Bakery on Fifth' }),
    ],
  },
];

const names = (...args: Parameters<typeof selectSites> extends [unknown, ...infer R] ? R : never) =>
  selectSites(LISTS, ...args).map((s) => s.site.name);

describe('selectSites: the one site selection of lifeboat sites and the mirror', () => {
  it('takes each site once, sorted by name, through the first account that sees it', () => {
    const all = selectSites(LISTS, { all: true }, { requireNarrowing: true });
    expect(all.map((s) => s.site.name)).toEqual([
      'acme-blog',
      'acme-intranet',
      'acme-shop',
      'fran-bakery',
      'globex-docs',
      'globex-www',
    ]);
    const www = all.find((s) => s.site.name === 'globex-www')!;
    expect(www).toMatchObject({
      account: 'dana@example.com',
      accountIndex: 0,
      accounts: ['dana@example.com', 'fran@example.com'],
    });
    expect(www.site.accountId).toBe('u-dana');
    // Tags and organizations as every account sees them (Fran's view adds docs).
    expect(all.find((s) => s.site.name === 'globex-docs')!.site.tags).toEqual(['docs']);
    expect(all.find((s) => s.site.name === 'fran-bakery')).toMatchObject({
      account: 'fran@example.com',
      accountIndex: 1,
    });
  });

  it('--account takes only the sites that account sees, each through it', () => {
    const fran = selectSites(LISTS, { account: 'fran@example.com' });
    expect(fran.map((s) => s.site.name)).toEqual(['fran-bakery', 'globex-docs', 'globex-www']);
    for (const s of fran) {
      expect(s.account).toBe('fran@example.com');
      expect(s.accountIndex).toBe(1);
      expect(s.site.accountId).toBe('u-fran');
    }
  });

  it('queries and hand-picked sites are one "any of"; org, tag and account narrow it further', () => {
    expect(names({ queries: ['bakery', 'shop'] })).toEqual(['acme-shop', 'fran-bakery']);
    expect(names({ queries: ['DOCUMENTATION'] })).toEqual(['globex-docs']);
    expect(names({ queries: ['bakery'], sites: ['acme-blog'] })).toEqual(['acme-blog', 'fran-bakery']);
    expect(names({ sites: ['id-globex-www'] })).toEqual(['globex-www']);
    expect(names({ queries: ['acme', 'globex'], org: 'acme-agency' })).toEqual([
      'acme-intranet',
      'acme-shop',
    ]);
    expect(names({ sites: ['acme-blog', 'acme-shop'], tag: 'priority' })).toEqual(['acme-shop']);
    expect(names({ queries: ['globex'], account: 'fran@example.com', tag: 'docs' })).toEqual(['globex-docs']);
    expect(names({ queries: ['nothing-like-this'] })).toEqual([]);
  });

  it('--org by label, machine name or id ignoring case; --tag in any case', () => {
    const globex = ['globex-docs', 'globex-www'];
    expect(names({ org: 'Globex Corporation' })).toEqual(globex);
    expect(names({ org: 'GLOBEX' })).toEqual(globex);
    expect(names({ org: 'org-globex' })).toEqual(globex);
    expect(names({ tag: 'Priority' })).toEqual(['acme-shop', 'globex-www']);
    expect(names({ framework: 'DRUPAL8' })).toEqual(['acme-shop']);
  });

  it('refuses an unknown organization, account or hand-picked site, naming what there is', () => {
    expect(() => selectSites(LISTS, { org: 'umbrella' })).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message:
          "No organization is named 'umbrella'. The organizations: Acme Agency (acme-agency), Globex Corporation (globex).",
      }),
    );
    expect(() => selectSites(LISTS, { account: 'nobody@example.com' })).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message:
          'No account nobody@example.com sees any of these sites; the accounts are: dana@example.com, fran@example.com.',
      }),
    );
    expect(() => selectSites(LISTS, { sites: ['acme-blgo'] })).toThrow(
      expect.objectContaining({
        code: 'not-found',
        message: "No account sees a site 'acme-blgo'. Did you mean 'acme-blog'?",
      }),
    );
  });

  it('with requireNarrowing, nothing narrowing and no --all is refused; the sites list needs no --all', () => {
    expect(() => selectSites(LISTS, { queries: [], sites: [] }, { requireNarrowing: true })).toThrow(
      expect.objectContaining({ code: 'invalid-request', message: SAY_WHICH_SITES }),
    );
    expect(() => selectSites(LISTS, { queries: ['  '] }, { requireNarrowing: true })).toThrow(
      SAY_WHICH_SITES,
    );
    expect(SAY_WHICH_SITES).toBe('Say which sites to mirror: a QUERY, --org, --tag, --account or --all.');
    expect(selectSites(LISTS, { queries: [''] })).toHaveLength(6);
    expect(selectSites(LISTS, { tag: 'priority' }, { requireNarrowing: true })).toHaveLength(2);
  });
});

describe('selectSitesAndUnknown: a mirror goes on without a hand-picked site that is gone', () => {
  it('returns the sites that exist and, apart, each name no account sees with the closest', () => {
    const { selected, unknown } = selectSitesAndUnknown(LISTS, {
      sites: ['acme-blog', 'acme-retired-client', 'fran-bakery', 'acme-blgo', 'ACME-RETIRED-CLIENT'],
    });
    expect(selected.map((s) => s.site.name)).toEqual(['acme-blog', 'fran-bakery']);
    expect(unknown).toEqual([
      { name: 'acme-retired-client', message: "No account sees a site 'acme-retired-client'." },
      { name: 'acme-blgo', message: "No account sees a site 'acme-blgo'. Did you mean 'acme-blog'?" },
    ]);
    // Everything else is refused as selectSites refuses it.
    expect(() => selectSitesAndUnknown(LISTS, { sites: ['acme-blog'], org: 'umbrella' })).toThrow(
      expect.objectContaining({ code: 'not-found' }),
    );
  });
});

describe('shards', () => {
  const ids = Array.from({ length: 2000 }, (_, i) =>
    createHash('md5')
      .update(`site-${i}`)
      .digest('hex')
      .replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-'),
  );

  it.each([1, 2, 3, 7])('%i shards partition 2000 ids: every id in exactly one, none empty', (count) => {
    const shards = Array.from({ length: count }, (_, i) => ids.filter((id) => inShard(id, i + 1, count)));
    const union = shards.flat();
    expect(union).toHaveLength(ids.length);
    expect(new Set(union)).toEqual(new Set(ids));
    for (const s of shards) expect(s.length).toBeGreaterThan(0);
  });

  it('is the sha256 of the id, first 4 bytes big-endian, mod N, and depends on the id alone', () => {
    const id = ids[0]!;
    const n = createHash('sha256').update(id).digest().readUInt32BE(0);
    expect(inShard(id, (n % 5) + 1, 5)).toBe(true);
    expect(inShard(id, ((n + 1) % 5) + 1, 5)).toBe(false);
    // Stable: the same id, asked again or among other ids, is in the same shard.
    const first = ids.slice(0, 50).map((x) => [1, 2, 3].find((i) => inShard(x, i, 3)));
    const again = [...ids.slice(0, 50)].reverse().map((x) => [1, 2, 3].find((i) => inShard(x, i, 3)));
    expect(again.reverse()).toEqual(first);
    // A known value, so a change of the rule (another hash, byte order) shows.
    expect(createHash('sha256').update('abc').digest().readUInt32BE(0)).toBe(0xba7816bf);
    expect(inShard('abc', (0xba7816bf % 4) + 1, 4)).toBe(true);
  });

  it('parses --shard I/N, refusing what is not one of 1..N of N', () => {
    expect(parseShard('1/2')).toEqual({ index: 1, count: 2 });
    expect(parseShard(' 3 / 3 ')).toEqual({ index: 3, count: 3 });
    expect(() => parseShard('0/2')).toThrow('I counts from 1 to N (2)');
    expect(() => parseShard('3/2')).toThrow('I counts from 1 to N (2)');
    expect(() => parseShard('1/0')).toThrow('N must be at least 1');
    expect(() => parseShard('x')).toThrow('--shard takes I/N');
    expect(() => parseShard('1/2/3')).toThrow('--shard takes I/N');
    expect(() => parseShard('-1/2')).toThrow('--shard takes I/N');
    // A thousand machines is a fleet; more is a typo (or an overflow) said plainly.
    expect(parseShard('1000/1000')).toEqual({ index: 1000, count: 1000 });
    expect(() => parseShard('1/1001')).toThrow(
      '--shard 1/1001: N is the number of machines sharing the work, at most 1000.',
    );
    expect(() => parseShard('1/99999999999999999999999')).toThrow('at most 1000');
    for (const bad of ['0/2', '3/2', '1/0', 'x', '1/1001'])
      expect(() => parseShard(bad)).toThrow(expect.objectContaining({ code: 'invalid-request' }));
  });
});
