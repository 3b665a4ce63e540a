import { describe, expect, it } from 'vitest';
import { filterSites, mergeAccounts, siteRows } from '../../../shared/site-search';
import * as rendererFilter from '../../../renderer/src/lib/filter';
import { site } from '../../helpers/models';

const none = { framework: '', organization: '', account: '' };

const basics = siteRows([
  site('acme-blog', { organizations: ['Acme Agency'], tags: ['priority'] }),
  site('globex-www', { framework: 'drupal8', organizations: ['Globex'], accountId: 'a2' }),
  site('fran-bakery', { label: 'The Bakery on Fifth', framework: 'drupal' }),
]);

describe('site search and filters', () => {
  it('matches name, label, organization and tag, ignoring case', () => {
    expect(filterSites(basics, 'BAKERY', none, []).map((r) => r.site.name)).toEqual(['fran-bakery']);
    expect(filterSites(basics, 'acme agency', none, []).map((r) => r.site.name)).toEqual(['acme-blog']);
    expect(filterSites(basics, 'priority', none, []).map((r) => r.site.name)).toEqual(['acme-blog']);
    expect(filterSites(basics, '  ', none, [])).toHaveLength(3);
  });

  it('combines framework, organization and account filters', () => {
    expect(filterSites(basics, '', { ...none, framework: 'drupal8' }, []).map((r) => r.site.name)).toEqual([
      'globex-www',
    ]);
    expect(filterSites(basics, '', { ...none, account: 'a1' }, []).length).toBe(2);
    expect(filterSites(basics, '', { ...none, organization: 'Globex', account: 'a1' }, [])).toEqual([]);
  });

  it('puts favourites first and keeps the rest in order', () => {
    expect(filterSites(basics, '', none, ['id-fran-bakery']).map((r) => r.site.name)).toEqual([
      'fran-bakery',
      'acme-blog',
      'globex-www',
    ]);
  });

  it('keys a site by account and id, since two accounts may see the same site', () => {
    expect(basics[1]!.key).toBe('a2|id-globex-www');
  });
});

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
