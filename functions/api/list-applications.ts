import * as z from "zod";
import { type ApplicationView, applicationsProjection } from "../../domain/projections/applications.ts";
import { Identifier } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "./http.ts";

/** Documents read per request at most while filtering: a page answers in bounded time, and says where to go on. */
const MAX_SCANNED = 2_000;
/** A page's documents together stay well within Lambda's 6 MB response. */
const MAX_PAGE_BYTES = 4_000_000;

const cursorOf = (sortKey: string) => Buffer.from(sortKey, "utf8").toString("base64url");
const sortKeyOf = (cursor: string) => {
  const sortKey = Buffer.from(cursor, "base64url").toString("utf8");
  if (!sortKey || cursorOf(sortKey) !== cursor) throw new HttpProblem(400, "invalid", "cursor is not one this list gave out");
  return sortKey;
};

/**
 * A scheme's applications in order of arrival (R-TH-09), a page at a time (issue 15): at most
 * `limit` (default 100, at most 500) and a `next` cursor while more follow (`?cursor=`), optionally
 * of one region (R-TH-08), status, round or hub. `count` is the number on this page.
 */
export const handler = httpRoute(
  "ListApplications",
  {
    query: z.object({
      schemeId: Identifier,
      region: z.string().trim().min(1).max(200).optional(),
      status: z.string().min(1).max(40).optional(),
      round: z.string().trim().min(1).max(100).optional(),
      hub: z.string().trim().min(1).max(200).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
      cursor: z.string().min(1).max(1000).optional(),
    }),
  },
  async (input) => {
    const { readModels, schemes } = dependencies();
    const { schemeId, region, status, round, hub, limit, cursor } = input.query;
    if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
    const matches = (v: ApplicationView) =>
      (!region || v.technohub.region?.toLowerCase() === region.toLowerCase()) &&
      (!status || v.status === status) &&
      (!round || v.queue?.roundId === round || v.award?.roundId === round) &&
      (!hub || v.technohub.name.toLowerCase() === hub.toLowerCase());
    const items: ApplicationView[] = [];
    // Strictly after the cursor: U+0000 sorts right after the key itself.
    let from = cursor ? `${sortKeyOf(cursor)}\u0000` : "\u0000";
    let scanned = 0;
    let bytes = 0;
    let last: string | undefined;
    for (;;) {
      const page = await readModels.page(applicationsProjection.name, `scheme#${schemeId}`, { from, to: "\uffff", limit: Math.min(limit, MAX_SCANNED - scanned) });
      for (const [i, doc] of page.docs.entries()) {
        const view = doc as ApplicationView;
        scanned++;
        last = page.sortKeys[i];
        if (!matches(view)) continue;
        items.push(view);
        bytes += Buffer.byteLength(JSON.stringify(view));
        if (items.length >= limit || bytes >= MAX_PAGE_BYTES) break;
      }
      const stopped = items.length >= limit || bytes >= MAX_PAGE_BYTES || scanned >= MAX_SCANNED;
      const more = page.more || (last !== undefined && last !== page.sortKeys.at(-1));
      if (!more) return { status: 200, body: { schemeId, count: items.length, items } };
      if (stopped) return { status: 200, body: { schemeId, count: items.length, items, next: cursorOf(last!) } };
      from = `${last}\u0000`;
    }
  },
);
