import * as z from "zod";
import { csvDocument } from "../../../domain/csv.ts";
import { type Payout, type PayoutEntry, grantsProjection, payoutsList } from "../../../domain/projections/grants.ts";
import { CalendarDate, Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { pageOfList } from "../paged-list.ts";

const columns: Array<keyof Payout> = ["valueDate", "kind", "schemeId", "technohub", "grantId", "trancheId", "amountCents", "ibanMasked", "invoiceNumber", "registeredBy", "approvedBy", "bankReference", "eventIds"];

/**
 * The payout history: every payment and repayment in order of value date, filterable by hub and
 * period; JSON or CSV. A page at a time (issue 15): `limit` payouts (JSON: default 100, at most
 * 500; CSV: default and at most 2,000 rows, some 600 KB) and, while more follow, a `next` cursor
 * (JSON) or a `Link: <...>; rel="next"` header (CSV). `totalCents` is the page's.
 */
export const handler = httpRoute(
  "ListPayouts",
  {
    query: z
      .object({
        schemeId: Identifier,
        technohub: z.string().trim().min(1).max(200).optional(),
        from: CalendarDate.optional(),
        to: CalendarDate.optional(),
        format: z.enum(["json", "csv"]).default("json"),
        limit: z.coerce.number().int().min(1).max(2_000).optional(),
        cursor: z.string().min(1).max(1000).optional(),
      })
      .strict(),
  },
  async (input) => {
    const { readModels, schemes } = dependencies();
    const { schemeId, technohub, from, to, format, cursor } = input.query;
    if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
    const limit = input.query.limit ?? (format === "csv" ? 2_000 : 100);
    if (format === "json" && limit > 500) throw new HttpProblem(400, "invalid", "limit: at most 500 payouts a page as JSON (2,000 as CSV)");
    // The list is in order of value date: the period bounds the query itself.
    const page = await pageOfList<PayoutEntry>(readModels, grantsProjection.name, payoutsList(schemeId), {
      limit,
      cursor,
      from,
      matches: (p) => !technohub || p.technohub.toLowerCase() === technohub.toLowerCase(),
      to: to ? `${to}\uffff` : undefined,
    });
    const payouts: Payout[] = page.items.map(({ entry: _, ...payout }) => payout);
    const totalCents = payouts.reduce((s, p) => s + p.amountCents, 0);
    if (format === "csv") {
      const next = page.next ? `<${nextUrl(input.query, page.next)}>; rel="next"` : undefined;
      // Hub names, invoice numbers and the like are staff's text: csvDocument escapes them (formula injection); amountCents stays numeric.
      return { status: 200, headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="payouts-${schemeId}.csv"`, ...(next ? { link: next } : {}) }, body: csvDocument(columns, payouts), raw: true };
    }
    return { status: 200, body: { schemeId, filters: { technohub: technohub ?? null, from: from ?? null, to: to ?? null }, count: payouts.length, totalCents, items: payouts, ...(page.next ? { next: page.next } : {}) } };
  },
);

function nextUrl(query: Record<string, unknown>, cursor: string): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined && key !== "cursor") params.set(key, String(value));
  params.set("cursor", cursor);
  return `/payouts?${params}`;
}
