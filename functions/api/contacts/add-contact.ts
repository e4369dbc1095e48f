import * as z from "zod";
import { decideAddContact } from "../../../domain/application.ts";
import { applicationCommand } from "../application-command.ts";

export const AddContactBody = z
  .object({
    address: z.email().max(320).transform((a) => a.toLowerCase()),
    name: z.string().trim().min(1).max(200).optional(),
  })
  .strict();

/** Issue 12 finding 1: staff add an address that may change the application by email and gets its receipts. */
export const handler = applicationCommand({
  routeId: "AddApplicationContact",
  body: AddContactBody,
  decide: ({ states, body, applicationId }) => decideAddContact(states.application, { applicationId, address: body.address, name: body.name ?? null }),
});
