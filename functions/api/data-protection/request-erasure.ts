import * as z from "zod";
import { accept } from "../../../domain/decision.ts";
import { ErasureLegalBasis, dataSubjectStream, DATA_PROTECTION_LOG } from "../../../events/data-protection-events.ts";
import { type DataSubjectKind, dataSubjectKinds } from "../../../events/personal-data.ts";
import { filesOfSubject, decideErasure } from "../../personal-data/erasure.ts";
import { dependencies } from "../../runtime/dependencies.ts";
import { log } from "../../runtime/log.ts";
import { executeCommand } from "../command.ts";
import { HttpProblem, httpRoute } from "../http.ts";

export const ErasureRequestBody = z
  .object({
    subjectKind: z.enum(dataSubjectKinds as [DataSubjectKind, ...DataSubjectKind[]]),
    /** How the person is known: an email address, an IBAN, a name. Used to find the subject, never recorded. */
    identity: z.string().trim().min(1).max(320),
    legalBasis: ErasureLegalBasis.exclude(["gdpr-5-1-e-retention"]),
    note: z.string().trim().min(1).max(2000).nullable().default(null),
  })
  .strict();

interface SubjectState {
  readonly erased: boolean;
}

/**
 * Issue 16: an admin records a data subject's erasure request (GDPR art. 17) with its legal basis.
 * Granted, the subject's key is destroyed (every read shows `[erased]`; the log is untouched, R-X-01);
 * refused (a running file, the fiscal retention period), 409 with the reason and the date from which
 * erasure is possible, the refusal recorded.
 */
export const handler = httpRoute("RequestPersonalDataErasure", { body: ErasureRequestBody }, async (input) => {
  const { events, personalData, clock } = dependencies();
  if (!personalData) throw new Error("the erasure route needs the key table (KEYS_TABLE)");
  const { subjectKind, identity, legalBasis, note } = input.body;
  const subjectId = await personalData.findSubject(subjectKind, identity);
  if (!subjectId) throw new HttpProblem(404, "not-found", `no personal data of this ${subjectKind} is held (or it was erased already)`);
  const streamId = dataSubjectStream(subjectId);
  const sealedEvents = "sealed" in events && typeof events.sealed === "function" ? (events as { sealed(): typeof events }).sealed() : events;
  const files = await filesOfSubject(sealedEvents, personalData, subjectId);
  const today = clock().toISOString().slice(0, 10);
  const { recorded } = await executeCommand<SubjectState>({
    store: events,
    streamId,
    schemeId: DATA_PROTECTION_LOG,
    initial: { erased: false },
    evolve: (state, event) => (event.type === "PersonalDataErased" ? { erased: true } : state),
    decide: (state) => (state.erased ? accept() : decideErasure({ subjectId, subjectKind, legalBasis, note, today, origin: "request" }, files, false)),
    input,
  });
  // After the record, so an erasure is never done without its event; a retry with the same key finishes it.
  await personalData.destroyKey(subjectId);
  log("info", "personal data erased", { subjectId, correlationId: input.correlationId });
  const erased = recorded.find((e) => e.type === "PersonalDataErased");
  return { status: 201, body: { subjectId, outcome: "erased", applicationIds: (erased?.data as { applicationIds?: string[] } | undefined)?.applicationIds ?? [], version: recorded.at(-1)?.version ?? null } };
});
