import * as z from "zod";
import { decideWithdraw } from "../../domain/application.ts";
import { applicationCommand } from "./application-command.ts";

/** The applicant withdraws; an award's money returns to the budget line in the same append. */
export const handler = applicationCommand({
  routeId: "WithdrawApplication",
  body: z.object({ reason: z.string().trim().min(1).max(2000) }).strict(),
  decide: ({ states, body, applicationId, scheme }) => decideWithdraw(states.application, { applicationId, reason: body.reason }, scheme, states.line),
});
