import * as z from "zod";
import type { DynamoDbReadModelStore } from "../projector/read-model-store.ts";
import { HttpProblem } from "./http.ts";

/** Documents read per request at most while filtering: a page answers in bounded time, and says where to go on. */
export const MAX_SCANNED = 2_000;
/** A page's documents together stay well within Lambda's 6 MB response. */
const MAX_PAGE_BYTES = 4_000_000;

/** The query parameters of every paged list: `limit` (default 100, at most 500) and the `cursor` a previous page gave out. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().min(1).max(1000).optional(),
};

export interface Paged<T> {
  readonly items: T[];
  /** Where the next page starts (`?cursor=`); absent on the last page. */
  readonly next?: string;
}

const cursorOf = (sortKey: string) => Buffer.from(sortKey, "utf8").toString("base64url");
const sortKeyOf = (cursor: string) => {
  const sortKey = Buffer.from(cursor, "base64url").toString("utf8");
  if (!sortKey || cursorOf(sortKey) !== cursor) throw new HttpProblem(400, "invalid", "cursor is not one this list gave out");
  return sortKey;
};

/**
 * One page of a read-model list in its own order (issue 15): at most `limit` documents that
 * `matches`, at most 4 MB of them, after reading at most 2,000; a `next` cursor while more follow
 * (also when a page of a sparse filter comes back short or empty: the caller goes on from there).
 * No list route reads a whole list whatever its length.
 */
export async function pageOfList<T>(
  readModels: Pick<DynamoDbReadModelStore, "page">,
  projection: string,
  list: string,
  options: {
    readonly limit: number;
    readonly cursor?: string;
    readonly matches?: (document: T) => boolean;
    /** The sort keys the list is read between (inclusive; the cursor, when given, goes on from where it points): a filter known to match nothing outside them reads nothing there. */
    readonly from?: string;
    readonly to?: string;
  },
): Promise<Paged<T>> {
  const { limit, matches = () => true } = options;
  const items: T[] = [];
  // Strictly after the cursor: U+0000 sorts right after the key itself.
  let from = options.cursor ? `${sortKeyOf(options.cursor)}\u0000` : (options.from ?? "\u0000");
  let scanned = 0;
  let bytes = 0;
  let last: string | undefined;
  const to = options.to ?? "\uffff";
  for (;;) {
    // A cursor past the range (or a range that is empty: a period that ends before it starts) is an empty page; DynamoDB refuses BETWEEN with the bounds reversed.
    if (from > to) return { items };
    const page = await readModels.page(projection, list, { from, to, limit: Math.min(limit, MAX_SCANNED - scanned) });
    for (const [i, doc] of page.docs.entries()) {
      scanned++;
      last = page.sortKeys[i];
      if (!matches(doc as T)) continue;
      items.push(doc as T);
      bytes += Buffer.byteLength(JSON.stringify(doc));
      if (items.length >= limit || bytes >= MAX_PAGE_BYTES) break;
    }
    const stopped = items.length >= limit || bytes >= MAX_PAGE_BYTES || scanned >= MAX_SCANNED;
    const more = page.more || (last !== undefined && last !== page.sortKeys.at(-1));
    if (!more) return { items };
    if (stopped) return { items, next: cursorOf(last!) };
    from = `${last}\u0000`;
  }
}
