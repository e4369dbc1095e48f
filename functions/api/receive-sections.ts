import * as z from "zod";
import { decideReceiveSections } from "../../domain/application.ts";
import { Identifier, Instant } from "../../events/index.ts";
import { applicationCommand } from "./application-command.ts";

export const ReceiveSectionsBody = z
  .object({
    sectionIds: z.array(Identifier).min(1).max(50),
    /** R-TH-09: when the piece reached the fund. */
    receivedAt: Instant,
  })
  .strict();

/** A later piece of the application arrived; it may complete the application. */
export const handler = applicationCommand({
  routeId: "ReceiveApplicationSections",
  body: ReceiveSectionsBody,
  decide: ({ states, body, applicationId, scheme }) => decideReceiveSections(states.application, { applicationId, ...body }, scheme),
});
