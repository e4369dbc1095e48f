import * as z from "zod";
import { eventVersion } from "./contract.ts";
import { CalendarDate, Identifier } from "./primitives.ts";

/**
 * The evaluation of a funded technohub within one scheme (R-VD-04, R-VD-08, R-VD-09, R-TH-13):
 * one stream per hub and scheme, `hub#<schemeId>.<hubKey>`. Every event names the hub and the
 * application it was funded through, so the read side needs no other stream.
 */
const Text = z.string().trim().min(1).max(4000);
const ShortText = z.string().trim().min(1).max(500);
const EventId = z.string().min(1).max(200);

const HubRef = {
  schemeId: Identifier,
  /** The hub's key: its name as a slug (`technohub-woerden`), stable across schemes (the registry). */
  hubKey: Identifier,
  hubName: z.string().trim().min(1).max(200),
  applicationId: Identifier,
};

export const HubType = z.enum(["system-hub", "growth-hub"]);
export const DominantCharacteristic = z.enum(["innovation", "education-renewal", "ecosystem-function"]);

/** R-VD-09: type, dominant characteristic and 1-2 preconditions, with date and rationale; a reclassification supersedes the previous one. */
export const HubClassifiedV1 = eventVersion(
  "HubClassified",
  1,
  z
    .object({
      ...HubRef,
      type: HubType,
      dominantCharacteristic: DominantCharacteristic,
      preconditions: z.array(Text).min(1).max(2),
      rationale: Text,
      classifiedOn: CalendarDate,
      /** The HubClassified event this one replaces; null for the first classification. */
      supersedes: EventId.nullable(),
    })
    .strict(),
);

export const CriterionStatus = z.enum(["on-track", "attention", "at-risk"]);

/** R-VD-08: the hub's self-evaluation per criterion of the scheme and per own objective; versioned, a correction names what it corrects. */
export const SelfEvaluationSubmittedV1 = eventVersion(
  "SelfEvaluationSubmitted",
  1,
  z
    .object({
      ...HubRef,
      version: z.number().int().positive(),
      submittedOn: CalendarDate,
      /** The SelfEvaluationSubmitted event this one corrects; null for a new evaluation. */
      corrects: EventId.nullable(),
      criteria: z
        .array(
          z
            .object({
              criterionId: Identifier,
              status: CriterionStatus,
              summary: Text,
              attentionPoints: z.array(ShortText).max(20),
            })
            .strict(),
        )
        .min(1)
        .max(50),
      objectives: z
        .array(z.object({ objective: Text, expectedAchievement: Text, supportWished: Text.nullable() }).strict())
        .max(50),
    })
    .strict(),
);

/** R-VD-08: what staff found in an interview or a work visit. */
export const EvaluationFindingRecordedV1 = eventVersion(
  "EvaluationFindingRecorded",
  1,
  z
    .object({
      ...HubRef,
      kind: z.enum(["interview", "work-visit"]),
      date: CalendarDate,
      participants: z.array(ShortText).min(1).max(50),
      notes: Text,
    })
    .strict(),
);

/** R-VD-04: a representative of the hub attended a knowledge session of the scheme. */
export const KnowledgeSessionAttendedV1 = eventVersion(
  "KnowledgeSessionAttended",
  1,
  z.object({ ...HubRef, sessionId: Identifier, representatives: z.array(ShortText).max(50) }).strict(),
);

/** R-VD-04, R-TH-13: the hub loaded a module into the public oZone library. */
export const OzoneModuleLoadedV1 = eventVersion(
  "OzoneModuleLoaded",
  1,
  z.object({ ...HubRef, moduleName: ShortText, loadedOn: CalendarDate }).strict(),
);
