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

export interface FindingEntry {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly kind: string;
  readonly date: string;
  readonly participants: ReadonlyArray<string>;
  readonly notes: string;
}

export interface SessionAttendanceEntry {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly sessionId: string;
  readonly representatives: ReadonlyArray<string>;
}

export interface OzoneModuleEntry {
  readonly eventId: string;
  readonly recordedAt: string;
  readonly moduleName: string;
  readonly loadedOn: string;
}

/** What a hub's history holds, one document per entry (R-VD-04, R-VD-08, R-VD-09). */
export interface HistoryEntries {
  readonly classification: ClassificationEntry;
  readonly "self-evaluation": SelfEvaluationEntry;
  readonly finding: FindingEntry;
  readonly session: SessionAttendanceEntry;
  readonly "ozone-module": OzoneModuleEntry;
}
export type HistoryKind = keyof HistoryEntries;
export const historyKinds: ReadonlyArray<HistoryKind> = ["classification", "self-evaluation", "finding", "session", "ozone-module"];

/**
 * A funded hub's evaluation within one scheme: the current state only, bounded whatever the history
 * (the current classification and self-evaluation are each one event's content, the rest counts).
 * Every classification, self-evaluation version, finding, session attended and oZone module is a
 * history entry of its own (`HubHistoryItem`), listed under `hubHistoryList`.
 */
export interface HubEvaluationView {
  readonly schemeId: string;
  readonly hubKey: string;
  readonly hubName: string;
  readonly applicationId: string;
  /** The current classification (a reclassification is an event; the history lists every one). */
  readonly classification: ClassificationEntry | null;
  /** The latest submission; the history lists every version with what corrected what. */
  readonly selfEvaluation: SelfEvaluationEntry | null;
  /** How many entries each history list holds. */
  readonly counts: { readonly [K in HistoryKind]: number };
  /** The sessions attended (each at most once, and only sessions the scheme defines: bounded). */
  readonly sessionIdsAttended: ReadonlyArray<string>;
  /** The hub stream's version this view includes. */
  readonly version: number;
}

/** One entry of a hub's history: a document of its own, listed per hub in the order recorded. */
export interface HubHistoryItem<K extends HistoryKind = HistoryKind> {
  readonly history: K;
  readonly schemeId: string;
  readonly hubKey: string;
  /** The hub stream's version that recorded the entry: its place in its list. */
  readonly position: number;
  readonly entry: HistoryEntries[K];
}

export type EvaluationDocument = HubEvaluationView | HubHistoryItem;

export const isHistoryItem = (document: EvaluationDocument): document is HubHistoryItem => "history" in document;

/** The hub document's id: `<schemeId>.<hubKey>`, the part of the stream id after `hub#`. */
export const hubDocumentId = (schemeId: string, hubKey: string) => `${schemeId}.${hubKey}`;
/** A history entry's id: the hub document's id, the kind and the id of the event that recorded it. */
export const historyDocumentId = (hubDocId: string, kind: HistoryKind, eventId: string) => `${hubDocId}/${kind}/${eventId}`;
/** The list a hub's history entries are listed under. */
export const hubHistoryList = (schemeId: string, hubKey: string) => `hub#${hubDocumentId(schemeId, hubKey)}`;
const POSITION_DIGITS = 10;
/** An entry's sort key in its hub's list: kind, then the stream version, so each kind pages in order. */
export const historySortKey = (kind: HistoryKind, position: number) => `${kind}#${String(position).padStart(POSITION_DIGITS, "0")}`;
export const MAX_HISTORY_POSITION = 10 ** POSITION_DIGITS - 1;

const emptyCounts: HubEvaluationView["counts"] = { classification: 0, "self-evaluation": 0, finding: 0, session: 0, "ozone-module": 0 };

const kindOfEvent: Readonly<Record<string, HistoryKind>> = {
  HubClassified: "classification",
  SelfEvaluationSubmitted: "self-evaluation",
  EvaluationFindingRecorded: "finding",
  KnowledgeSessionAttended: "session",
  OzoneModuleLoaded: "ozone-module",
};

function classificationOf(event: RecordedEvent, data: Classified): ClassificationEntry {
  return {
    eventId: event.eventId,
    recordedAt: event.recordedAt,
    type: data.type,
    dominantCharacteristic: data.dominantCharacteristic,
    preconditions: data.preconditions,
    rationale: data.rationale,
    classifiedOn: data.classifiedOn,
    supersedes: data.supersedes,
    supersededBy: null,
  };
}

function selfEvaluationOf(event: RecordedEvent, data: Submitted): SelfEvaluationEntry {
  return {
    eventId: event.eventId,
    recordedAt: event.recordedAt,
    version: data.version,
    submittedOn: data.submittedOn,
    corrects: data.corrects,
    correctedBy: null,
    criteria: data.criteria,
    objectives: data.objectives,
  };
}

/** The history entry an evaluation event records. */
function entryOf(event: RecordedEvent): HistoryEntries[HistoryKind] | undefined {
  const e = { type: event.type, data: event.data } as DomainEvent;
  const at = { eventId: event.eventId, recordedAt: event.recordedAt };
  switch (e.type) {
    case "HubClassified":
      return classificationOf(event, e.data);
    case "SelfEvaluationSubmitted":
      return selfEvaluationOf(event, e.data);
    case "EvaluationFindingRecorded":
      return { ...at, kind: e.data.kind, date: e.data.date, participants: e.data.participants, notes: e.data.notes };
    case "KnowledgeSessionAttended":
      return { ...at, sessionId: e.data.sessionId, representatives: e.data.representatives };
    case "OzoneModuleLoaded":
      return { ...at, moduleName: e.data.moduleName, loadedOn: e.data.loadedOn };
    default:
      return undefined;
  }
}

/** The hub document after an event: current state and counts only. */
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
    selfEvaluation: null,
    counts: emptyCounts,
    sessionIdsAttended: [],
    version: 0,
  };
  const kind = kindOfEvent[e.type]!;
  const next = { ...base, counts: { ...base.counts, [kind]: base.counts[kind] + 1 }, version: event.version };
  switch (e.type) {
    case "HubClassified":
      return { ...next, classification: classificationOf(event, e.data) };
    case "SelfEvaluationSubmitted":
      return { ...next, selfEvaluation: selfEvaluationOf(event, e.data) };
    case "KnowledgeSessionAttended":
      return base.sessionIdsAttended.includes(e.data.sessionId) ? next : { ...next, sessionIdsAttended: [...base.sessionIdsAttended, e.data.sessionId] };
    default:
      return next;
  }
}

/** A history entry after an event: created by the event that records it, linked by the one that supersedes or corrects it. */
function applyToHistoryItem(item: HubHistoryItem | undefined, event: RecordedEvent, kind: HistoryKind, eventId: string): HubHistoryItem | undefined {
  if (eventId === event.eventId) {
    const entry = entryOf(event);
    const ref = event.data as { schemeId: string; hubKey: string };
    return entry && { history: kind, schemeId: ref.schemeId, hubKey: ref.hubKey, position: event.version, entry };
  }
  if (!item) return undefined;
  const e = { type: event.type, data: event.data } as DomainEvent;
  if (e.type === "HubClassified" && item.history === "classification" && e.data.supersedes === eventId) {
    return { ...item, entry: { ...(item.entry as ClassificationEntry), supersededBy: event.eventId } };
  }
  if (e.type === "SelfEvaluationSubmitted" && item.history === "self-evaluation" && e.data.corrects === eventId) {
    return { ...item, entry: { ...(item.entry as SelfEvaluationEntry), correctedBy: event.eventId } };
  }
  return item;
}

/** The hub document, the entry the event records, and the entry it supersedes or corrects. */
function documentIdsOf(event: RecordedEvent): string[] {
  if (!event.streamId.startsWith("hub#")) return [];
  const hub = event.streamId.slice("hub#".length);
  const kind = kindOfEvent[event.type];
  if (!kind) return [hub];
  const ids = [hub, historyDocumentId(hub, kind, event.eventId)];
  const data = event.data as { supersedes?: string | null; corrects?: string | null };
  if (event.type === "HubClassified" && data.supersedes) ids.push(historyDocumentId(hub, "classification", data.supersedes));
  if (event.type === "SelfEvaluationSubmitted" && data.corrects) ids.push(historyDocumentId(hub, "self-evaluation", data.corrects));
  return ids;
}

/** `<hub>/<kind>/<eventId>` read back; undefined for the hub document itself. */
function parseHistoryId(documentId: string): { kind: HistoryKind; eventId: string } | undefined {
  const parts = documentId.split("/");
  if (parts.length !== 3 || !historyKinds.includes(parts[1] as HistoryKind)) return undefined;
  return { kind: parts[1] as HistoryKind, eventId: parts[2]! };
}

export const evaluationProjection = defineProjection<EvaluationDocument>({
  name: "evaluation",
  handles: [...evaluationEventTypes],
  documentIds: documentIdsOf,
  apply(document, event, documentId) {
    const history = parseHistoryId(documentId);
    if (!history) return applyToHubEvaluation(document as HubEvaluationView | undefined, event);
    return applyToHistoryItem(document as HubHistoryItem | undefined, event, history.kind, history.eventId);
  },
  listing: (document) =>
    isHistoryItem(document)
      ? { list: hubHistoryList(document.schemeId, document.hubKey), sortKey: historySortKey(document.history, document.position) }
      : { list: `scheme#${document.schemeId}`, sortKey: document.hubKey },
});
