import * as z from "zod";
import { decideChangeRequest } from "../../../domain/change-requests.ts";
import { CalendarDate, Identifier } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { grantCommand } from "./grant-command.ts";

export const ChangeRequestPath = z.object({ grantId: Identifier, requestId: Identifier });

export const DecideChangeRequestBody = z.discriminatedUnion("decision", [
  z.object({ decision: z.literal("grant"), decidedOn: CalendarDate.optional() }).strict(),
  z.object({ decision: z.literal("refuse"), reasons: z.array(z.string().trim().min(1).max(2000)).min(1).max(20), decidedOn: CalendarDate.optional() }).strict(),
]);

/**
 * Issue 13: the decision on a change request. Granted, it amends the grant (amount, tranche plan,
 * cost lines, end date, commitments) and moves the difference on the budget line in one append (R-X-02).
 */
export const handler = grantCommand({
  routeId: "DecideChangeRequest",
  body: DecideChangeRequestBody,
  path: ChangeRequestPath,
  decide: ({ states, body, path, scheme, today }) =>
    decideChangeRequest(states.grant, states.application, states.line, { ...body, requestId: path.requestId, decidedOn: notAfterToday(body.decidedOn, today, "decidedOn") }, scheme),
});
