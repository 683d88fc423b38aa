/**
 * Following Alpaca's `next_page_token` to the end, bounded: at most `limit` items and MAX_PAGES
 * pages, and a token the server repeats ends the walk (a loop on its side must not become one on ours).
 *
 * @example const all = await pageToEnd(10_000, (token, want) => fetchPage({ pageToken: token, limit: Math.min(1000, want) }));
 */

export const MAX_PAGES = 1000;

export interface Page<T> {
  items: T[];
  next: string | null | undefined;
}

/** Every page from the first until the server sends no token or `limit` items are in hand. */
export async function pageToEnd<T>(limit: number, fetchPage: (pageToken: string | undefined, want: number) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  for (let pages = 0; pages < MAX_PAGES && out.length < limit; pages += 1) {
    const page = await fetchPage(token, limit - out.length);
    out.push(...page.items);
    if (!page.next || seen.has(page.next)) break;
    seen.add(page.next);
    token = page.next;
  }
  return out.slice(0, limit);
}

/** `items` in consecutive batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
