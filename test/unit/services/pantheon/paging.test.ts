import { describe, expect, it } from 'vitest';
import { fetchAllPages } from '../../../../electron/services/pantheon/paging';

const ids = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `id-${String(i).padStart(4, '0')}` }));

/** A server page function over `items`, recording the starts it was asked for. */
function server(items: { id: string }[], inclusive: boolean) {
  const starts: (string | undefined)[] = [];
  const fetch = async (limit: number, start: string | undefined) => {
    starts.push(start);
    let from = 0;
    if (start) {
      const i = items.findIndex((x) => x.id === start);
      from = inclusive ? i : i + 1;
    }
    return items.slice(from, from + limit);
  };
  return { fetch, starts };
}

describe('fetchAllPages', () => {
  for (const inclusive of [true, false]) {
    it(`reads every item once when start is ${inclusive ? 'inclusive' : 'exclusive'}`, async () => {
      const items = ids(250);
      const s = server(items, inclusive);
      const got = await fetchAllPages(s.fetch, 100);
      expect(got.map((x) => x.id)).toEqual(items.map((x) => x.id));
      expect(s.starts[0]).toBeUndefined();
      expect(s.starts[1]).toBe('id-0099');
    });
  }

  it('stops on a short page', async () => {
    const s = server(ids(30), false);
    expect(await fetchAllPages(s.fetch, 100)).toHaveLength(30);
    expect(s.starts).toHaveLength(1);
  });

  it('stops on an empty page after an exactly full one', async () => {
    const s = server(ids(100), false);
    expect(await fetchAllPages(s.fetch, 100)).toHaveLength(100);
    expect(s.starts).toEqual([undefined, 'id-0099']);
  });

  it('stops when a page ends on an id already seen (a server that ignores start)', async () => {
    const items = ids(100);
    let calls = 0;
    const got = await fetchAllPages(async () => {
      calls++;
      return items;
    }, 100);
    expect(got).toHaveLength(100);
    expect(calls).toBe(2);
  });

  it('returns an empty list for an empty collection', async () => {
    expect(await fetchAllPages(async () => [], 100)).toEqual([]);
  });
});
