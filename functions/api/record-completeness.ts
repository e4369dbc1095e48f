import * as z from "zod";
import { decideRecordCompleteness } from "../../domain/application.ts";
import { Identifier } from "../../events/index.ts";
import { applicationCommand } from "./application-command.ts";

export const RecordCompletenessBody = z
  .object({ complete: z.boolean(), missingSectionIds: z.array(Identifier).max(50).optional(), note: z.string().trim().min(1).max(2000).optional() })
  .strict();

/** Intake records the application complete (queued for a round) or incomplete with what is missing. */
export const handler = applicationCommand({
  routeId: "RecordCompleteness",
  body: RecordCompletenessBody,
  decide: ({ states, body, applicationId, scheme }) => decideRecordCompleteness(states.application, { applicationId, ...body }, scheme),
});
