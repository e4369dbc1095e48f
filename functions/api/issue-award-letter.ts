import * as z from "zod";
import { decideIssueAwardLetter } from "../../domain/application.ts";
import { CalendarDate } from "../../events/index.ts";
import { applicationCommand, notAfterToday } from "./application-command.ts";

/** The award letter records the commitments (R-TH-13, R-VD-04) and opens the grant for payments. */
export const handler = applicationCommand({
  routeId: "IssueAwardLetter",
  body: z.object({ issuedOn: CalendarDate.optional() }).strict(),
  decide: ({ states, body, applicationId, scheme, today }) => decideIssueAwardLetter(states.application, { applicationId, issuedOn: notAfterToday(body.issuedOn, today, "issuedOn") }, scheme),
});
