import * as z from "zod";
import { decideCommitteeDecision } from "../../domain/application.ts";
import { AmountCents, CalendarDate, Identifier } from "../../events/index.ts";
import { applicationCommand, notAfterToday } from "./application-command.ts";

export const RecordDecisionBody = z.discriminatedUnion("decision", [
  z
    .object({
      decision: z.literal("award"),
      roundId: Identifier,
      /** Defaults to the lower of the maximum amount and the amount requested. */
      amountCents: AmountCents.positive().optional(),
      membersPresent: z.array(z.string().trim().min(1).max(200)).min(1).max(30),
      decidedOn: CalendarDate.optional(),
    })
    .strict(),
  z
    .object({
      decision: z.literal("reject"),
      roundId: Identifier,
      reasons: z.array(z.string().trim().min(1).max(2000)).min(1).max(20),
      membersPresent: z.array(z.string().trim().min(1).max(200)).min(1).max(30),
      decidedOn: CalendarDate.optional(),
    })
    .strict(),
]);

/** The committee secretary records the committee's decision; an award reserves budget in the same append. */
export const handler = applicationCommand({
  routeId: "RecordCommitteeDecision",
  body: RecordDecisionBody,
  decide: ({ states, body, applicationId, scheme, today }) =>
    decideCommitteeDecision(states.application, states.line, { ...body, applicationId, decidedOn: notAfterToday(body.decidedOn, today, "decidedOn") }, scheme),
});
