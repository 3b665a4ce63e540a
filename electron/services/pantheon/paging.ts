/** Items of Pantheon's paged collections carry an `id`; paging continues after the last one. */
export interface PagedItem {
  readonly id: string;
}

/** Fetches one page: `start` is undefined for the first. */
export type PageFetcher<T> = (limit: number, start: string | undefined) => Promise<T[]>;

/**
 * Reads a paged collection the way Terminus does: `limit=100`, then `start=<id of the previous page's last item>`,
 * until a page is empty, shorter than the limit, or ends on an id already seen. Whether `start` is inclusive
 * is not documented, so items are merged by id and a repeated first item is harmless.
 */
export async function fetchAllPages<T extends PagedItem>(
  fetchPage: PageFetcher<T>,
  limit = 100,
  maxPages = 1000,
): Promise<T[]> {
  const byId = new Map<string, T>();
  let start: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const items = await fetchPage(limit, start);
    if (items.length === 0) break;
    const lastId = items[items.length - 1]!.id;
    const repeated = byId.has(lastId);
    for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
    if (items.length < limit || repeated) break;
    start = lastId;
  }
  return [...byId.values()];
}
