import type { DomainEvent, EventData, RecordedEvent } from "../../events/index.ts";
import { evaluationEventTypes } from "../evaluation.ts";
import { defineProjection } from "./projection.ts";

type Classified = EventData<"HubClassified">;
type Submitted = EventData<"SelfEvaluationSubmitted">;

export interface ClassificationEntry {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly type: Classified["type"];
  readonly dominantCharacteristic: Classified["dominantCharacteristic"];
  readonly preconditions: ReadonlyArray<string>;
  readonly rationale: string;
  readonly classifiedOn: string;
  readonly supersedes: string | null;
  readonly supersededBy: string | null;
}

export interface SelfEvaluationEntry {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly version: number;
  readonly submittedOn: string;
  readonly corrects: string | null;
  readonly correctedBy: string | null;
  readonly criteria: Submitted["criteria"];
  readonly objectives: Submitted["objectives"];
}

/** A funded hub's evaluation within one scheme, with its full history (R-VD-04, R-VD-08, R-VD-09). */
export interface HubEvaluationView {
  readonly schemeId: string;
  readonly hubKey: string;
  readonly hubName: string;
  readonly applicationId: string;
  /** The current classification, and every one before it in order (a reclassification is an event). */
  readonly classification: ClassificationEntry | null;
  readonly classificationHistory: ReadonlyArray<ClassificationEntry>;
  /** The latest submission, and every version with what corrected what. */
  readonly selfEvaluation: SelfEvaluationEntry | null;
  readonly selfEvaluations: ReadonlyArray<SelfEvaluationEntry>;
  readonly findings: ReadonlyArray<{ readonly eventId: string; readonly kind: string; readonly date: string; readonly participants: ReadonlyArray<string>; readonly notes: string }>;
  readonly sessionsAttended: ReadonlyArray<{ readonly sessionId: string; readonly representatives: ReadonlyArray<string> }>;
  readonly ozoneModules: ReadonlyArray<{ readonly moduleName: string; readonly loadedOn: string }>;
  /** The hub stream's version this view includes. */
  readonly version: number;
}

export function applyToHubEvaluation(view: HubEvaluationView | undefined, event: RecordedEvent): HubEvaluationView | undefined {
  const e = { type: event.type, data: event.data } as DomainEvent;
  if (!evaluationEventTypes.has(e.type)) return view;
  const ref = e.data as { schemeId: string; hubKey: string; hubName: string; applicationId: string };
  const base: HubEvaluationView = view ?? {
    schemeId: ref.schemeId,
    hubKey: ref.hubKey,
    hubName: ref.hubName,
    applicationId: ref.applicationId,
    classification: null,
    classificationHistory: [],
    selfEvaluation: null,
    selfEvaluations: [],
    findings: [],
    sessionsAttended: [],
    ozoneModules: [],
    version: 0,
  };
  const next = { ...base, version: event.version };
  switch (e.type) {
    case "HubClassified": {
      const entry: ClassificationEntry = {
        eventId: event.eventId,
        recordedAt: event.recordedAt,
        type: e.data.type,
        dominantCharacteristic: e.data.dominantCharacteristic,
        preconditions: e.data.preconditions,
        rationale: e.data.rationale,
        classifiedOn: e.data.classifiedOn,
        supersedes: e.data.supersedes,
        supersededBy: null,
      };
      const history = base.classificationHistory.map((c) => (c.eventId === e.data.supersedes ? { ...c, supersededBy: event.eventId } : c));
      return { ...next, classification: entry, classificationHistory: [...history, entry] };
    }
    case "SelfEvaluationSubmitted": {
      const entry: SelfEvaluationEntry = {
        eventId: event.eventId,
        recordedAt: event.recordedAt,
        version: e.data.version,
        submittedOn: e.data.submittedOn,
        corrects: e.data.corrects,
        correctedBy: null,
        criteria: e.data.criteria,
        objectives: e.data.objectives,
      };
      const versions = base.selfEvaluations.map((s) => (s.eventId === e.data.corrects ? { ...s, correctedBy: event.eventId } : s));
      return { ...next, selfEvaluation: entry, selfEvaluations: [...versions, entry] };
    }
    case "EvaluationFindingRecorded":
      return { ...next, findings: [...base.findings, { eventId: event.eventId, kind: e.data.kind, date: e.data.date, participants: e.data.participants, notes: e.data.notes }] };
    case "KnowledgeSessionAttended":
      return { ...next, sessionsAttended: [...base.sessionsAttended, { sessionId: e.data.sessionId, representatives: e.data.representatives }] };
    case "OzoneModuleLoaded":
      return { ...next, ozoneModules: [...base.ozoneModules, { moduleName: e.data.moduleName, loadedOn: e.data.loadedOn }] };
    default:
      return next;
  }
}

/** Document id: `<schemeId>.<hubKey>`, the part of the stream id after `hub#`. */
const hubDocumentIdOf = (event: RecordedEvent) => (event.streamId.startsWith("hub#") ? [event.streamId.slice("hub#".length)] : []);

export const evaluationProjection = defineProjection<HubEvaluationView>({
  name: "evaluation",
  handles: [...evaluationEventTypes],
  documentIds: hubDocumentIdOf,
  apply: applyToHubEvaluation,
  listing: (view) => ({ list: `scheme#${view.schemeId}`, sortKey: view.hubKey }),
});
