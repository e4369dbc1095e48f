import * as z from "zod";
import { evolveApplication, initialApplicationState } from "../../../domain/application.ts";
import { correspondenceStreamOf, decideAttachCorrespondence, evolveMailStream, initialMailStreamState } from "../../../domain/correspondence.ts";
import { UNATTRIBUTED_MAIL_LOG } from "../../../domain/intake.ts";
import { type DomainEvent, type EventData, Identifier, streamIds } from "../../../events/index.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { executeDecision } from "../command.ts";
import { HttpProblem, httpRoute } from "../http.ts";
import { CorrespondencePath } from "./path.ts";
import { firstEventOf } from "../../store/first-events.ts";

export const AttachCorrespondenceBody = z
  .object({
    /** The application to attach it to; defaults to the one the message names (its reference or region number). */
    applicationId: Identifier.optional(),
    note: z.string().trim().min(1).max(2000).optional(),
    /** Also make the sender a contact of the application, so their next mail changes it directly. */
    addSenderAsContact: z.boolean().default(false),
  })
  .strict();

/**
 * Issue 12 finding 1: staff accept correspondence onto an application. Its kept documents and its
 * form are applied as a contact's mail would be (every rule re-checked), with the member of staff
 * as the actor, and the message is marked attached, in one append.
 */
export const handler = httpRoute("AttachCorrespondence", { path: CorrespondencePath, body: AttachCorrespondenceBody }, async (input) => {
  const deps = dependencies();
  const { messageKey } = input.path;
  const mail = (await deps.events.readStream(streamIds.intake(messageKey))).reduce((s, e) => evolveMailStream(s, e as DomainEvent), initialMailStreamState);
  if (!mail.correspondence || !mail.received) throw new HttpProblem(404, "not-found", `there is no correspondence ${messageKey}`);
  const applicationId = input.body.applicationId ?? mail.correspondence.applicationId;
  if (!applicationId) throw new HttpProblem(422, "invalid", "the message names no application: say which one with applicationId");
  const first = await firstEventOf(deps.events, streamIds.application(applicationId));
  if (!first || first.type !== "ApplicationRegistered") throw new HttpProblem(404, "not-found", `there is no application ${applicationId}`);
  const registration = first.data as EventData<"ApplicationRegistered">;
  const scheme = deps.schemes.get(registration.schemeId);
  if (!scheme) throw new Error(`application ${applicationId} names scheme ${registration.schemeId}, which is not loaded`);
  // A stream lives in one scheme's log (the audit verifies each log on its own): the message and the application must share it.
  const mailLog = mail.received.schemeId ?? UNATTRIBUTED_MAIL_LOG;
  if (mailLog !== registration.schemeId) {
    throw new HttpProblem(422, "invalid", `the message was received for ${mail.received.schemeId ? `scheme ${mail.received.schemeId}` : "no scheme"}; it can be attached to an application of that scheme only (application ${applicationId} is of ${registration.schemeId})`);
  }
  const { recorded, replayed, states } = await executeDecision({
    store: deps.events,
    input,
    schemeId: registration.schemeId,
    primary: "mail",
    streams: {
      mail: { streamId: streamIds.intake(messageKey), initial: initialMailStreamState, evolve: evolveMailStream },
      application: { streamId: streamIds.application(applicationId), initial: initialApplicationState, evolve: evolveApplication },
    },
    decide: (s) => decideAttachCorrespondence(s.mail, { scheme, application: s.application, lines: new Map() }, { messageKey, applicationId, note: input.body.note ?? null, addSenderAsContact: input.body.addSenderAsContact }),
    streamOf: correspondenceStreamOf,
  });
  const own = recorded.filter((e) => e.streamId === streamIds.application(applicationId));
  const after = replayed ? states.application : own.reduce((s, e) => evolveApplication(s, e as DomainEvent), states.application);
  return {
    status: 200,
    headers: (replayed ? { "idempotent-replayed": "true" } : {}) as Record<string, string>,
    body: { messageKey, applicationId, applicationStatus: after.status, recorded: recorded.map((e) => ({ streamId: e.streamId, version: e.version, type: e.type })) },
  };
});
