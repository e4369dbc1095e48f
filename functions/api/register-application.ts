import { z } from "zod";
import { decideRegisterApplication, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import { Cents, Identifier, Instant, streamIds } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { executeCommand, idForIdempotencyKey } from "./command.ts";
import { HttpProblem, httpRoute } from "./http.ts";

export const RegisterApplicationBody = z
  .object({
    schemeId: Identifier,
    instrumentId: Identifier,
    technohub: z.object({ name: z.string().trim().min(1).max(200), region: z.string().trim().min(1).max(200).nullable().default(null) }).strict(),
    applicant: z
      .object({ companyName: z.string().trim().min(1).max(200), chamberOfCommerceNumber: z.string().regex(/^\d{8}$/, "8 digits").nullable().default(null) })
      .strict(),
    requestedAmountCents: Cents,
    /** R-TH-09: when it reached the fund; defaults to now for applications handed in at the desk. */
    receivedAt: Instant.optional(),
  })
  .strict();

export const handler = httpRoute("RegisterApplication", { body: RegisterApplicationBody }, async (input) => {
  const { events, schemes, clock, newId } = dependencies();
  const body = input.body;
  const scheme = schemes.get(body.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${body.schemeId}`, { schemes: schemes.all().map((s) => s.definition.id) });
  const applicationId = input.idempotencyKey ? idForIdempotencyKey(input.caller.subject, input.idempotencyKey) : newId();
  const { recorded, replayed } = await executeCommand({
    store: events,
    streamId: streamIds.application(applicationId),
    schemeId: scheme.definition.id,
    initial: initialApplicationState,
    evolve: evolveApplication,
    decide: (state) =>
      decideRegisterApplication(
        state,
        {
          applicationId,
          instrumentId: body.instrumentId,
          technohub: body.technohub,
          applicant: body.applicant,
          requestedAmountCents: body.requestedAmountCents,
          receivedAt: body.receivedAt ?? clock().toISOString(),
        },
        scheme,
      ),
    input,
  });
  const version = recorded.at(-1)!.version;
  return {
    status: 201,
    headers: { location: `/applications/${applicationId}`, etag: `"${version}"`, ...(replayed ? { "idempotent-replayed": "true" } : {}) },
    body: { applicationId, version, status: "registered" },
  };
});
