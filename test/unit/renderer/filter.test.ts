import { describe, expect, it } from 'vitest';
import type { Site } from '../../../shared/models';
import { filterSites, siteRows } from '../../../renderer/src/lib/filter';
import { formatBytes, relativeTime } from '../../../renderer/src/lib/format';

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

const rows = siteRows([
  site('acme-blog', { organizations: ['Acme Agency'], tags: ['priority'] }),
  site('globex-www', { framework: 'drupal8', organizations: ['Globex'], accountId: 'a2' }),
  site('fran-bakery', { label: 'The Bakery on Fifth', framework: 'drupal' }),
]);
const none = { framework: '', organization: '', account: '' };

describe('site search and filters', () => {
  it('matches name, label, organization and tag, ignoring case', () => {
    expect(filterSites(rows, 'BAKERY', none, []).map((r) => r.site.name)).toEqual(['fran-bakery']);
    expect(filterSites(rows, 'acme agency', none, []).map((r) => r.site.name)).toEqual(['acme-blog']);
    expect(filterSites(rows, 'priority', none, []).map((r) => r.site.name)).toEqual(['acme-blog']);
    expect(filterSites(rows, '  ', none, [])).toHaveLength(3);
  });

  it('combines framework, organization and account filters', () => {
    expect(filterSites(rows, '', { ...none, framework: 'drupal8' }, []).map((r) => r.site.name)).toEqual([
      'globex-www',
    ]);
    expect(filterSites(rows, '', { ...none, account: 'a1' }, []).length).toBe(2);
    expect(filterSites(rows, '', { ...none, organization: 'Globex', account: 'a1' }, [])).toEqual([]);
  });

  it('puts favourites first and keeps the rest in order', () => {
    expect(filterSites(rows, '', none, ['id-fran-bakery']).map((r) => r.site.name)).toEqual([
      'fran-bakery',
      'acme-blog',
      'globex-www',
    ]);
  });

  it('keys a site by account and id, since two accounts may see the same site', () => {
    expect(rows[1]!.key).toBe('a2|id-globex-www');
  });
});

describe('formatting', () => {
  it('formats bytes and ages for people', () => {
    expect(formatBytes(999)).toBe('999 bytes');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatBytes(null)).toBe('—');
    const now = Date.UTC(2026, 0, 10);
    expect(relativeTime(now / 1000 - 3 * 86400, now)).toBe('3 days ago');
    expect(relativeTime(now / 1000 + 8 * 86400, now)).toBe('next week');
  });
});
