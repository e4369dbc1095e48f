import * as z from "zod";
import { csvDocument } from "../../../domain/csv.ts";
import { type GrantView, type Payout, grantsProjection } from "../../../domain/projections/grants.ts";
import { CalendarDate, Identifier } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { HttpProblem, httpRoute } from "../http.ts";

const columns: Array<keyof Payout> = ["valueDate", "kind", "schemeId", "technohub", "grantId", "trancheId", "amountCents", "ibanMasked", "invoiceNumber", "registeredBy", "approvedBy", "bankReference", "eventIds"];

/** The payout history: every payment and repayment, filterable by scheme, hub and period; JSON or CSV. */
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
      })
      .strict(),
  },
  async (input) => {
    const { readModels, schemes } = dependencies();
    const { schemeId, technohub, from, to, format } = input.query;
    if (!schemes.get(schemeId)) throw new HttpProblem(404, "not-found", `there is no scheme ${schemeId}`);
    const grants = (await readModels.list(grantsProjection.name, `scheme#${schemeId}`)) as GrantView[];
    const payouts = grants
      .flatMap((g) => g.payouts)
      .filter((p) => (!technohub || p.technohub.toLowerCase() === technohub.toLowerCase()) && (!from || p.valueDate >= from) && (!to || p.valueDate <= to))
      .sort((a, b) => `${a.valueDate}${a.grantId}${a.eventIds.at(-1)}`.localeCompare(`${b.valueDate}${b.grantId}${b.eventIds.at(-1)}`));
    const totalCents = payouts.reduce((s, p) => s + p.amountCents, 0);
    if (format === "csv") {
      // Hub names, invoice numbers and the like are staff's text: csvDocument escapes them (formula injection); amountCents stays numeric.
      return { status: 200, headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="payouts-${schemeId}.csv"` }, body: csvDocument(columns, payouts), raw: true };
    }
    return { status: 200, body: { schemeId, filters: { technohub: technohub ?? null, from: from ?? null, to: to ?? null }, count: payouts.length, totalCents, items: payouts } };
  },
);
