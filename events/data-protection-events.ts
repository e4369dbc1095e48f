import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { CalendarDate } from "./primitives.ts";
import { dataSubjectKinds, type DataSubjectKind } from "./personal-data.ts";

/**
 * Issue 16: erasure of a data subject's personal data (GDPR art. 17) and erasure when a retention
 * period ends (art. 5(1)(e)), on the stream `data-subject#<subjectId>` of the log `data-protection`.
 * The subject id is random: these events name no person. What was erased is the subject's key
 * (crypto-shredding); the log itself is not touched (R-X-01).
 */
export const DATA_PROTECTION_LOG = "data-protection";
export const dataSubjectStream = (subjectId: string) => `data-subject#${subjectId}`;

const SubjectId = z.string().regex(/^[0-9a-f]{32}$/, "a data subject id (32 hex)");
const SubjectKind = z.enum(dataSubjectKinds as [DataSubjectKind, ...DataSubjectKind[]]);
const Text = z.string().trim().min(1).max(2000);

/** The ground an erasure rests on: art. 17(1)(a)-(f) on a request, art. 5(1)(e) when the retention period ended. */
export const ErasureLegalBasis = z.enum(["gdpr-17-1-a", "gdpr-17-1-b", "gdpr-17-1-c", "gdpr-17-1-d", "gdpr-17-1-e", "gdpr-17-1-f", "gdpr-5-1-e-retention"]);

export const PersonalDataErasureRequestedV1 = eventVersion(
  "PersonalDataErasureRequested",
  1,
  z
    .object({
      subjectId: SubjectId,
      subjectKind: SubjectKind,
      legalBasis: ErasureLegalBasis,
      /** The admin's note (the request's reference, how the person was identified); never the person's data. */
      note: Text.nullable(),
      requestedOn: CalendarDate,
      origin: z.enum(["request", "retention"]),
    })
    .strict(),
);

/** The subject's key was destroyed: every sealed value of it reads `[erased]` from now on. */
export const PersonalDataErasedV1 = eventVersion(
  "PersonalDataErased",
  1,
  z
    .object({
      subjectId: SubjectId,
      subjectKind: SubjectKind,
      erasedOn: CalendarDate,
      /** The files (applications) whose data of this subject now reads `[erased]`. */
      applicationIds: z.array(z.string().min(1).max(128)).max(10_000),
    })
    .strict(),
);

/** The request was refused: the data is still needed (a running file) or within the fiscal retention period. */
export const PersonalDataErasureRefusedV1 = eventVersion(
  "PersonalDataErasureRefused",
  1,
  z
    .object({
      subjectId: SubjectId,
      subjectKind: SubjectKind,
      code: z.enum(["running-file", "fiscal-retention"]),
      reason: Text,
      /** From when erasure is possible; null while a file is still running (the date depends on its last payment). */
      erasableFrom: CalendarDate.nullable(),
      applicationIds: z.array(z.string().min(1).max(128)).max(10_000),
    })
    .strict(),
);
