import * as z from "zod";
import { decideRecordRecovery } from "../../../domain/payments.ts";
import { AmountCents, CalendarDate } from "../../../events/index.ts";
import { notAfterToday } from "../application-command.ts";
import { GrantPath, grantCommand } from "./grant-command.ts";

/** A repayment of a recovery claim arrived; tracked until the claim is repaid in full. */
export const handler = grantCommand({
  routeId: "RecordRecovery",
  body: z.object({ amountCents: AmountCents.positive(), bankReference: z.string().trim().min(1).max(100), receivedOn: CalendarDate }).strict(),
  path: GrantPath,
  status: 201,
  decide: ({ states, body, today }) => decideRecordRecovery(states.grant, { ...body, receivedOn: notAfterToday(body.receivedOn, today, "receivedOn") }),
});
