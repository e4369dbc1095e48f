import * as z from "zod";
import { decideSubmitFinalReport } from "../../../domain/payments.ts";
import { AmountCents, CalendarDate, Identifier } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

export const FinalReportBody = z
  .object({
    results: z.array(z.object({ objective: z.string().trim().min(1).max(500), achieved: z.boolean(), note: z.string().max(2000).default("") }).strict()).min(1).max(50),
    actualCosts: z.array(z.object({ categoryId: Identifier, amountCents: AmountCents }).strict()).min(1).max(100),
    submittedOn: CalendarDate.optional(),
  })
  .strict();

/** The grantee's final report: results against the objectives and actual costs per category. */
export const handler = grantCommand({
  routeId: "SubmitFinalReport",
  body: FinalReportBody,
  path: GrantPath,
  decide: ({ states, body, today }) => decideSubmitFinalReport(states.grant, { results: body.results, actualCosts: body.actualCosts, submittedOn: notAfterToday(body.submittedOn, today, "submittedOn") }),
});
