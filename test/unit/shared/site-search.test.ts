import { describe, expect, it } from 'vitest';
import type { Site } from '../../../shared/models';
import { filterSites, mergeAccounts, siteRows } from '../../../shared/site-search';
import * as rendererFilter from '../../../renderer/src/lib/filter';

const site = (name: string, extra: Partial<Site> = {}): Site => ({
  id: `id-${name}`,
  name,
  label: name.toUpperCase(),
  framework: 'wordpress',
  planName: 'Basic',
  owner: 'o',
  region: 'US',
  frozen: false,
  created: 0,
  upstreamLabel: 'WordPress',
  organizations: [],
  tags: [],
  accountId: 'a1',
  ...extra,
});

const none = { framework: '', organization: '', account: '' };

describe('the shared site search', () => {
  const rows = siteRows([
    site('acme-blog', { organizations: ['Acme Agency'], tags: ['priority'] }),
    site('acme-shop', {
      organizations: ['Acme Agency'],
      tags: ['ecommerce', 'priority'],
      framework: 'drupal8',
    }),
    site('fran-bakery', { tags: ['bakery'] }),
  ]);

  it('filters by tag, exactly, together with the other filters and the query', () => {
    const names = (q: string, f: Parameters<typeof filterSites>[2]) =>
      filterSites(rows, q, f).map((r) => r.site.name);
    expect(names('', { ...none, tag: 'priority' })).toEqual(['acme-blog', 'acme-shop']);
    expect(names('', { ...none, tag: 'prio' })).toEqual([]);
    expect(names('shop', { ...none, tag: 'priority' })).toEqual(['acme-shop']);
    expect(names('', { ...none, tag: 'priority', framework: 'wordpress' })).toEqual(['acme-blog']);
    expect(names('', { ...none, tag: '' })).toEqual(['acme-blog', 'acme-shop', 'fran-bakery']);
  });

  it('is what the renderer uses', () => {
    expect(rendererFilter.filterSites).toBe(filterSites);
    expect(rendererFilter.siteRows).toBe(siteRows);
    expect(rendererFilter.mergeAccounts).toBe(mergeAccounts);
  });
});

describe('mergeAccounts', () => {
  it('lists a site seen by two accounts once, with both accounts and what each sees of it', () => {
    const merged = mergeAccounts([
      site('acme-blog', { accountId: 'dana', organizations: ['Acme Agency'], tags: ['priority'] }),
      site('globex-docs', { accountId: 'dana' }),
      site('acme-blog', { accountId: 'fran', organizations: ['Globex'], tags: ['docs', 'priority'] }),
      site('fran-bakery', { accountId: 'fran' }),
      site('acme-blog', { accountId: 'fran' }),
    ]);
    expect(merged.map((m) => [m.site.name, m.accountIds])).toEqual([
      ['acme-blog', ['dana', 'fran']],
      ['globex-docs', ['dana']],
      ['fran-bakery', ['fran']],
    ]);
    expect(merged[0]!.site).toMatchObject({
      accountId: 'dana',
      organizations: ['Acme Agency', 'Globex'],
      tags: ['priority', 'docs'],
    });
  });

  it('is empty for no sites', () => {
    expect(mergeAccounts([])).toEqual([]);
  });
});
