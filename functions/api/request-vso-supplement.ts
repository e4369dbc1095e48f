import * as z from "zod";
import { decideVsoSupplement } from "../../domain/application.ts";
import { CalendarDate } from "../../events/index.ts";
import { applicationCommand, notAfterToday } from "./application-command.ts";

/** R-ST-03: the change request for the VSO supplement, recorded by the committee secretary. */
export const handler = applicationCommand({
  routeId: "RequestVsoSupplement",
  body: z
    .object({
      partnerSchool: z.string().trim().min(1).max(200),
      pupilCount: z.number().int().positive().max(10_000),
      addendumRef: z.string().trim().min(1).max(300),
      requestedOn: CalendarDate,
    })
    .strict(),
  decide: ({ states, body, applicationId, scheme, today }) =>
    decideVsoSupplement(states.application, states.line, { applicationId, ...body, requestedOn: notAfterToday(body.requestedOn, today, "requestedOn") }, scheme),
});
