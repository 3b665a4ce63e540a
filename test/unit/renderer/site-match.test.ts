// The site search of the list and the quick switcher: forgiving matching, natural order, ranking, recents.
import { describe, expect, it } from 'vitest';
import { bigSeed } from '../../../electron/sandbox/seed';
import type { Site } from '../../../shared/models';
import {
  matchTier,
  naturalSorted,
  parseQuery,
  searchRows,
  searchSites,
  TIER,
} from '../../../renderer/src/lib/site-match';

const NONE = { framework: '', organization: '', account: '' };

function site(name: string, label: string, extra: Partial<Site> = {}): Site {
  return {
    id: `id-${name}`,
    name,
    label,
    framework: 'wordpress',
    planName: 'Basic',
    owner: 'u1',
    region: 'us',
    frozen: false,
    created: 0,
    upstreamLabel: 'WordPress',
    organizations: [],
    tags: [],
    accountId: 'acc-1',
    ...extra,
  };
}

/** The sites of the sandbox's big seed (2,000 of them), as the app lists them. */
const big: Site[] = bigSeed().sites.map((s) =>
  site(s.name, s.label, { id: s.id, framework: s.framework === 'drupal8' ? 'drupal8' : 'wordpress' }),
);

const names = (sites: readonly Site[], query: string, favourites: string[] = [], recent: string[] = []) =>
  searchSites(searchRows(sites), query, NONE, favourites, recent).matches.map((r) => r.site.name);

describe('site search', () => {
  it('finds "alpha" from "alpah" (two letters swapped), and other one-typo misspellings', () => {
    const sites = [site('alpha', 'Alpha'), site('bravo', 'Bravo'), site('kestrel-farm', 'Kestrel Farm')];
    expect(names(sites, 'alpah')).toEqual(['alpha']);
    expect(names(sites, 'lapha')).toEqual(['alpha']);
    expect(names(sites, 'alpga')).toEqual(['alpha']); // one letter wrong
    expect(names(sites, 'alphha')).toEqual(['alpha']); // one letter too many
    expect(names(sites, 'lpha')).toEqual(['alpha']); // the first letter missing
    expect(names(sites, 'kestrle')).toEqual(['kestrel-farm']);
    expect(names(sites, 'brvao')).toEqual(['bravo']);
    // Two typos are too many; so is one wrong letter in three (it would match most short words).
    expect(names(sites, 'aplah')).toEqual([]);
    expect(names(sites, 'brx')).toEqual([]);
    expect(names(sites, 'zzz')).toEqual([]);
  });

  it('finds a site among 2,000 by a mistyped name, and only that one', () => {
    expect(names(big, 'alpah bravo 156')).toEqual(['alpha-bravo-156']);
    expect(names(big, 'alpah-bravo-156')).toEqual(['alpha-bravo-156']);
    // Letters in order, each word's first starting a word of the name: "abr" for "alpha bravo".
    expect(names(big, 'alpbrv 156')).toEqual(['alpha-bravo-156']);
  });

  it('takes numbers as typed: no typo or scattered-digit matches for them', () => {
    const sites = [
      site('alpha-144', 'Alpha 144'),
      site('alpha-154', 'Alpha 154'),
      site('alpha-1404', 'Alpha 1404'),
    ];
    expect(names(sites, '144')).toEqual(['alpha-144']);
    expect(names(sites, 'alpha 14')).toEqual(['alpha-144', 'alpha-1404']);
  });

  it('sorts names naturally: "alpha 144" before "alpha 1008", case and accents aside', () => {
    const sites = [
      site('alpha-1008', 'alpha 1008'),
      site('beta', 'Beta'),
      site('alpha-144', 'alpha 144'),
      site('alpha-9', 'Alpha 9'),
      site('eclair', 'Éclair'),
      site('delta', 'delta'),
    ];
    expect(names(sites, '')).toEqual(['alpha-9', 'alpha-144', 'alpha-1008', 'beta', 'delta', 'eclair']);
    expect(names(sites, 'alpha')).toEqual(['alpha-9', 'alpha-144', 'alpha-1008']);
    expect(names(sites, 'eclair')).toEqual(['eclair']);
    expect(naturalSorted(['Region 10', 'region 9', 'Éclair', 'Alpha'])).toEqual([
      'Alpha',
      'Éclair',
      'region 9',
      'Region 10',
    ]);
    // The big seed's "alpha alpha" sites: 0, 144, 288, ... 1008, 1152 in that order, not 0, 1008, 1152, 144.
    const alphaAlpha = names(big, 'alpha alpha').filter((n) => n.startsWith('alpha-alpha-'));
    const numbers = alphaAlpha.map((n) => Number(n.split('-')[2]));
    expect(numbers.slice(0, 9)).toEqual([0, 144, 288, 432, 576, 720, 864, 1008, 1152]);
  });

  it('ranks the name itself, then what starts with the query, a word, contains it, letters in order, one typo', () => {
    const sites = [
      site('typo', 'Delat Typo'), // one typo: "delat" for "delta"
      site('scattered', 'Dense Lake Tavern Area'), // d-e-l-t-a in order, from a word start
      site('inside', 'Undelta Inside'), // contains "delta"
      site('word', 'Blue Delta'), // a word starts with it
      site('prefix', 'Delta Force'), // the label starts with it
      site('delta', 'Delta'), // the label is it
    ];
    expect(names(sites, 'delta')).toEqual(['delta', 'prefix', 'word', 'inside', 'scattered', 'typo']);
    const rows = searchRows(sites);
    const tier = (name: string) =>
      matchTier(
        parseQuery('delta'),
        rows.find((r) => r.site.name === name)!,
      );
    expect(['delta', 'prefix', 'word', 'inside', 'scattered', 'typo'].map(tier)).toEqual([
      TIER.exact,
      TIER.prefix,
      TIER.wordPrefix,
      TIER.substring,
      TIER.subsequence,
      TIER.typo,
    ]);
  });

  it('matches every word of the query, in any field: name, label, organization, tag', () => {
    const sites = [
      site('shop', 'Shop', { organizations: ['Globex'], tags: ['vip'] }),
      site('blog', 'Blog', { organizations: ['Globex'] }),
      site('intranet', 'Intranet', { organizations: ['Initech'], tags: ['vip'] }),
    ];
    expect(names(sites, 'globex vip')).toEqual(['shop']);
    expect(names(sites, 'vip')).toEqual(['intranet', 'shop']);
    expect(names(sites, 'glbex')).toEqual(['blog', 'shop']);
  });

  it('puts favourites first within the same match, never above a better match', () => {
    const sites = [
      site('delta-one', 'Delta One'),
      site('delta-two', 'Delta Two'),
      site('blue-delta', 'Blue Delta'),
    ];
    const fav = ['id-blue-delta', 'id-delta-two'];
    expect(names(sites, '', fav)).toEqual(['blue-delta', 'delta-two', 'delta-one']);
    expect(names(sites, 'delta', fav)).toEqual(['delta-two', 'delta-one', 'blue-delta']);
  });

  it('gives the same results typed key by key (each search narrowed from the last) as searched afresh', () => {
    const sites = [
      ...big,
      site('lapwing', 'Lapwing'),
      site('xlphone', 'Xlphone'),
      site('code-144x', 'Code 144x'),
      site('n-1445b', 'N 1445b'), // "1444b" is one letter off; "1444", a number, is not
    ];
    const typed = searchRows(sites);
    const typings = [
      'alpah brvao 156',
      'lap', // "la" finds no "alpha"; "lap" does (a swap): the search must not be narrowed to what "la" found
      'xlph', // "xlp": no typo allowed at three letters; "xlph" may be one letter wrong
      'kestrle lumen 1',
      '14x', // a number, then not a number
      '1444b',
      'north region 1',
      'alpha-bravo 1',
    ];
    for (const text of typings)
      for (let i = 1; i <= text.length; i++) {
        const q = text.slice(0, i);
        // A fresh copy of the list: its own rows, searched with no search before.
        const fresh = searchRows([...sites]);
        const got = searchSites(typed, q, NONE).matches.map((r) => r.key);
        expect(got, q).toEqual(searchSites(fresh, q, NONE).matches.map((r) => r.key));
      }
    // Typing back (Backspace) and a filter change search afresh too.
    expect(searchSites(typed, 'alp', NONE).matches.length).toBe(
      searchSites(searchRows([...sites]), 'alp', NONE).matches.length,
    );
    const drupal = { ...NONE, framework: 'drupal8' };
    expect(searchSites(typed, 'alpha', drupal).matches.map((r) => r.key)).toEqual(
      searchSites(searchRows([...sites]), 'alpha', drupal).matches.map((r) => r.key),
    );
  });

  it('lists the sites opened last above the others when nothing is typed, and first among equals when searching', () => {
    const sites = [
      site('alpha', 'Alpha'),
      site('bravo', 'Bravo'),
      site('cedar', 'Cedar'),
      site('alpine', 'Alpine'),
    ];
    const rows = searchRows(sites);
    const key = (name: string) => rows.find((r) => r.site.name === name)!.key;
    const recent = [key('cedar'), key('alpine'), 'acc-1|gone'];
    const found = searchSites(rows, '', NONE, [], recent);
    // Newest first; a site no longer listed is skipped. The whole list follows, each site in its place.
    expect(found.recent.map((r) => r.site.name)).toEqual(['cedar', 'alpine']);
    expect(found.matches.map((r) => r.site.name)).toEqual(['alpha', 'alpine', 'bravo', 'cedar']);
    // Searching: a recent site leads among equal matches ("alp" starts both labels), not above a better one.
    expect(names(sites, 'alp', [], recent)).toEqual(['alpine', 'alpha']);
    expect(names(sites, 'alpha', [], recent)).toEqual(['alpha']);
    // Opened with another account (the person switched accounts for it): still the same recent site.
    expect(searchSites(rows, '', NONE, [], ['acc-2|id-bravo']).recent.map((r) => r.site.name)).toEqual([
      'bravo',
    ]);
    // The filters apply to the recent group too.
    const drupal = searchSites(rows, '', { ...NONE, framework: 'drupal8' }, [], recent);
    expect(drupal.recent).toEqual([]);
  });
});
