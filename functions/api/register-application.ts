import * as z from "zod";
import { type ApplicationState, decideRegisterApplication, evolveApplication, initialApplicationState } from "../../domain/application.ts";
import type { BudgetLineState } from "../../domain/budget.ts";
import { applicationIdForRegion, regionNumberIn } from "../../domain/intake.ts";
import { type RegionState, bindRegionNumber, evolveRegion, initialRegionState } from "../../domain/regions.ts";
import type { Decision } from "../../domain/decision.ts";
import { AmountCents, type DomainEvent, Identifier, Instant, streamIds } from "../../events/index.ts";
import { dependencies } from "../runtime/dependencies.ts";
import { budgetLineStream, executeDecision, idForIdempotencyKey } from "./command.ts";
import { HttpProblem, httpRoute } from "./http.ts";

export const RegisterApplicationBody = z
  .object({
    schemeId: Identifier,
    instrumentId: Identifier,
    technohub: z.object({ name: z.string().trim().min(1).max(200), region: z.string().trim().min(1).max(200).nullable().default(null) }).strict(),
    applicant: z
      .object({ companyName: z.string().trim().min(1).max(200), chamberOfCommerceNumber: z.string().regex(/^\d{8}$/, "8 digits").nullable().default(null) })
      .strict(),
    requestedAmountCents: AmountCents,
    /** R-TH-09: when it reached the fund; defaults to now for applications handed in at the desk. */
    receivedAt: Instant.optional(),
    /** Sections of the application that arrived with it (ids from the scheme's required sections). */
    sectionIds: z.array(Identifier).max(50).optional(),
    /** Issue 12 finding 1: the addresses that may change the application by email and get its receipts. */
    contacts: z
      .array(z.object({ address: z.email().max(320).transform((a) => a.toLowerCase()), name: z.string().trim().min(1).max(200).optional() }).strict())
      .max(20)
      .optional(),
  })
  .strict();

/**
 * Records an application. One that arrives outside the term or after its budget's intake closed
 * is recorded all the same and answered with the refusal and its reason (R-TH-01, R-X-05).
 */
export const handler = httpRoute("RegisterApplication", { body: RegisterApplicationBody }, async (input) => {
  const { events, schemes, clock, newId } = dependencies();
  const body = input.body;
  const scheme = schemes.get(body.schemeId);
  if (!scheme) throw new HttpProblem(404, "not-found", `there is no scheme ${body.schemeId}`, { schemes: schemes.all().map((s) => s.definition.id) });
  const instrument = scheme.definition.instruments.find((i) => i.id === body.instrumentId);
  if (!instrument) {
    throw new HttpProblem(422, "invalid", `scheme ${body.schemeId} has no instrument ${body.instrumentId}`, { details: { instruments: scheme.definition.instruments.map((i) => i.id) } });
  }
  const applicationId = input.idempotencyKey ? idForIdempotencyKey(input.caller.subject, input.idempotencyKey) : newId();
  // Issue 12 finding 7 (R-ST-01): a region number in the region field binds the plan to it; a region that has a plan is refused.
  const regionNumber = body.technohub.region ? regionNumberIn(body.technohub.region, scheme.definition) : undefined;
  // A plan the intake registered before region numbers were bound has the region's own id and no binding.
  const byMail = regionNumber ? applicationIdForRegion(scheme.definition.id, regionNumber) : undefined;
  const [earlier] = byMail && byMail !== applicationId ? await events.readStream(streamIds.application(byMail), 1, 1) : [];
  try {
    const { recorded, replayed } = await executeDecision<{ application: ApplicationState; line: BudgetLineState; region?: RegionState }>({
      store: events,
      input,
      schemeId: scheme.definition.id,
      primary: "application",
      streams: {
        application: { streamId: streamIds.application(applicationId), initial: initialApplicationState, evolve: evolveApplication },
        // Issue 15: the line's balance from its last event, not its whole history (a new application holds nothing on it).
        line: budgetLineStream(streamIds.budgetLine(scheme.definition.id, instrument.budgetLineId)),
        // Read only for a plan that names a region number.
        ...(regionNumber ? { region: { streamId: streamIds.region(scheme.definition.id, regionNumber), initial: earlier ? { applicationId: byMail } : initialRegionState, evolve: (state: RegionState | undefined, event: DomainEvent) => evolveRegion(state ?? initialRegionState, event) } } : {}),
      },
      decide: (states) => {
        const registration = decideRegisterApplication(
          states.application,
          { applicationId, instrumentId: body.instrumentId, technohub: body.technohub, applicant: body.applicant, requestedAmountCents: body.requestedAmountCents, receivedAt: body.receivedAt ?? clock().toISOString(), sectionIds: body.sectionIds },
          scheme,
          states.line,
        );
        const withContacts = withRegistrationContacts(registration, applicationId, body.contacts ?? []);
        return regionNumber ? bindRegionNumber(withContacts, states.region ?? initialRegionState, { schemeId: scheme.definition.id, regionNumber, applicationId }) : withContacts;
      },
      streamOf: (event) => (event.type === "RegionNumberClaimed" ? "region" : "application"),
    });
    const version = recorded.filter((e) => e.streamId === streamIds.application(applicationId)).at(-1)!.version;
    return {
      status: 201,
      headers: { location: `/applications/${applicationId}`, etag: `"${version}"`, ...(replayed ? { "idempotent-replayed": "true" } : {}) },
      body: { applicationId, version, status: "registered" },
    };
  } catch (error) {
    // A refused submission was recorded all the same: tell staff where to find it.
    if (error instanceof HttpProblem && error.status !== 404) error.extensions.applicationId = applicationId;
    throw error;
  }
});

/** The contacts staff name at registration, recorded with it (once each), whether the registration is accepted or recorded as refused. */
function withRegistrationContacts(registration: Decision<DomainEvent>, applicationId: string, contacts: ReadonlyArray<{ address: string; name?: string }>): Decision<DomainEvent> {
  if (!registration.events?.length || contacts.length === 0) return registration;
  const unique = [...new Map(contacts.map((c) => [c.address, c])).values()];
  const added: DomainEvent[] = unique.map((c) => ({ type: "ContactAdded", data: { applicationId, address: c.address, name: c.name ?? null, source: "staff" } }));
  const events = [...registration.events, ...added];
  return registration.outcome === "accepted" ? { outcome: "accepted", events } : { ...registration, events };
}
