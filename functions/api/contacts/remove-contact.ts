import * as z from "zod";
import { decideRemoveContact } from "../../../domain/application.ts";
import { applicationCommand } from "../application-command.ts";

export const RemoveContactBody = z
  .object({
    address: z.email().max(320).transform((a) => a.toLowerCase()),
    reason: z.string().trim().min(1).max(2000),
  })
  .strict();

/** Issue 12 finding 1: staff remove a contact (a person who left, a mistaken address); their mail is then correspondence. */
export const handler = applicationCommand({
  routeId: "RemoveApplicationContact",
  body: RemoveContactBody,
  decide: ({ states, body, applicationId }) => decideRemoveContact(states.application, { applicationId, address: body.address, reason: body.reason }),
});
