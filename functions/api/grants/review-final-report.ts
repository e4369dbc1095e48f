import * as z from "zod";
import { decideReviewFinalReport } from "../../../domain/payments.ts";
import { AmountCents, CalendarDate } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

export const ReviewFinalReportBody = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("approve"), approvedEligibleCostsCents: AmountCents, on: CalendarDate.optional(), note: z.string().max(2000).optional() }).strict(),
  z.object({ decision: z.literal("return"), reason: z.string().trim().min(1).max(2000), on: CalendarDate.optional() }).strict(),
]);

/** The final report is approved with the eligible costs it accounts for, or sent back with the reason. */
export const handler = grantCommand({
  routeId: "ReviewFinalReport",
  body: ReviewFinalReportBody,
  path: GrantPath,
  decide: ({ states, body, today }) => decideReviewFinalReport(states.grant, { ...body, on: notAfterToday(body.on, today, "on") }),
});
