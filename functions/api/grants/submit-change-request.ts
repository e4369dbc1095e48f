import * as z from "zod";
import { decideSubmitChangeRequest } from "../../../domain/change-requests.ts";
import { RequestedChange } from "../../../events/change-request-events.ts";
import { CalendarDate, MAX_AMOUNT_CENTS } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

/** Amounts a client states stay within MAX_AMOUNT_CENTS (finding 6), as on every other route. */
const Change = RequestedChange.superRefine((change, ctx) => {
  const amounts = change.kind === "decrease" ? [change.decreaseCents] : change.kind === "cost-line-shift" ? change.shifts.map((s) => s.amountCents) : [];
  if (amounts.some((a) => a > MAX_AMOUNT_CENTS)) ctx.addIssue({ code: "custom", message: `amounts are at most ${MAX_AMOUNT_CENTS} cents` });
});

export const SubmitChangeRequestBody = z
  .object({
    change: Change,
    /** When the request reached the fund; the deadline is judged on it (R-ST-03). */
    receivedOn: CalendarDate,
    explanation: z.string().trim().max(2000).nullable().default(null),
    documentRef: z.string().trim().min(1).max(300).nullable().default(null),
  })
  .strict();

/**
 * Issue 13: intake records a grantee's change request ("wijzigingsverzoek") on an awarded grant.
 * One the rules refuse on arrival (late, R-ST-03) is recorded with its refusal all the same (R-X-05).
 */
export const handler = grantCommand({
  routeId: "SubmitChangeRequest",
  body: SubmitChangeRequestBody,
  path: GrantPath,
  status: 201,
  decide: ({ states, body, path, scheme, today, newId }) =>
    decideSubmitChangeRequest(
      states.grant,
      states.application,
      { grantId: path.grantId, requestId: newId(), receivedOn: notAfterToday(body.receivedOn, today, "receivedOn"), change: body.change, explanation: body.explanation, documentRef: body.documentRef },
      scheme,
    ),
});
