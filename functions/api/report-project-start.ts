import * as z from "zod";
import { decideReportProjectStart } from "../../domain/application.ts";
import { CalendarDate } from "../../events/index.ts";
import { applicationCommand, notAfterToday } from "./application-command.ts";

/** The grantee reports that the funded project started (R-TH-11 needs it before the latest start date). */
export const handler = applicationCommand({
  routeId: "ReportProjectStart",
  body: z.object({ startedOn: CalendarDate }).strict(),
  decide: ({ states, body, applicationId, today }) => decideReportProjectStart(states.application, { applicationId, startedOn: notAfterToday(body.startedOn, today, "startedOn") }),
});
