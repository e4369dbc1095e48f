import * as z from "zod";
import { decideLapse } from "../../domain/application.ts";
import { CalendarDate } from "../../events/index.ts";
import { applicationCommand, notAfterToday } from "./application-command.ts";

/** R-TH-11: staff record that an award lapsed, as of a date (today by default); its money returns. */
export const handler = applicationCommand({
  routeId: "LapseAward",
  body: z.object({ lapsedOn: CalendarDate.optional() }).strict(),
  decide: ({ states, body, applicationId, scheme, today }) => decideLapse(states.application, { applicationId, today: notAfterToday(body.lapsedOn, today, "lapsedOn") }, scheme, states.line),
});
