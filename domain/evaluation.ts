import type { DomainEvent, DomainEventOf, EventData } from "../events/index.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import { type Decision, accept, refuse } from "./decision.ts";

/**
 * The evaluation of a funded hub within one scheme (R-VD-04, R-VD-08, R-VD-09, R-TH-13): pure
 * decide/evolve over the stream `hub#<schemeId>.<hubKey>`. Dates and ids come in as arguments.
 */
export type EvaluationEventType = "HubClassified" | "SelfEvaluationSubmitted" | "EvaluationFindingRecorded" | "KnowledgeSessionAttended" | "OzoneModuleLoaded";
type EvaluationEvent = DomainEventOf<EvaluationEventType>;

export const evaluationEventTypes: ReadonlySet<string> = new Set<EvaluationEventType>([
  "HubClassified",
  "SelfEvaluationSubmitted",
  "EvaluationFindingRecorded",
  "KnowledgeSessionAttended",
  "OzoneModuleLoaded",
]);

const isEvaluationEvent = (event: DomainEvent): event is EvaluationEvent => evaluationEventTypes.has(event.type);

export type Classification = EventData<"HubClassified"> & { readonly eventId: string };
export type SelfEvaluation = EventData<"SelfEvaluationSubmitted"> & { readonly eventId: string };

export interface HubEvaluationState {
  readonly classifications: ReadonlyArray<Classification>;
  readonly selfEvaluations: ReadonlyArray<SelfEvaluation>;
  readonly findings: number;
  readonly sessionsAttended: ReadonlyArray<string>;
  readonly ozoneModules: ReadonlyArray<string>;
}

export const initialHubEvaluationState: HubEvaluationState = { classifications: [], selfEvaluations: [], findings: 0, sessionsAttended: [], ozoneModules: [] };

/** Recorded events carry their id; a correction or reclassification refers to it. */
const eventIdOf = (event: DomainEvent): string => ((event as { eventId?: string }).eventId ?? "");

export function evolveHubEvaluation(state: HubEvaluationState, event: DomainEvent): HubEvaluationState {
  if (!isEvaluationEvent(event)) return state;
  switch (event.type) {
    case "HubClassified":
      return { ...state, classifications: [...state.classifications, { ...event.data, eventId: eventIdOf(event) }] };
    case "SelfEvaluationSubmitted":
      return { ...state, selfEvaluations: [...state.selfEvaluations, { ...event.data, eventId: eventIdOf(event) }] };
    case "EvaluationFindingRecorded":
      return { ...state, findings: state.findings + 1 };
    case "KnowledgeSessionAttended":
      return { ...state, sessionsAttended: [...state.sessionsAttended, event.data.sessionId] };
    case "OzoneModuleLoaded":
      return { ...state, ozoneModules: [...state.ozoneModules, event.data.moduleName] };
  }
}

export const currentClassification = (state: HubEvaluationState): Classification | undefined => state.classifications.at(-1);

/** The hub, as the handler found it among the scheme's funded applications. */
export interface HubRef {
  readonly schemeId: string;
  readonly hubKey: string;
  readonly hubName: string;
  readonly applicationId: string;
}

/** The key of a hub across schemes: its name as a lowercase slug. */
export function hubKeyOf(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

const notAfter = (date: string, today: string, what: string): Decision<never> | undefined =>
  date > today ? refuse("invalid", `${what} ${date} lies in the future (today is ${today})`) : undefined;

export interface ClassifyHub {
  readonly type: EventData<"HubClassified">["type"];
  readonly dominantCharacteristic: EventData<"HubClassified">["dominantCharacteristic"];
  readonly preconditions: ReadonlyArray<string>;
  readonly rationale: string;
  readonly classifiedOn: string;
}

/** R-VD-09: a (re)classification; a later one supersedes the current one, never on an earlier date, never unchanged. */
export function decideClassifyHub(state: HubEvaluationState, hub: HubRef, command: ClassifyHub, today: string): Decision<DomainEvent> {
  const future = notAfter(command.classifiedOn, today, "classifiedOn");
  if (future) return future;
  const current = currentClassification(state);
  if (current) {
    if (command.classifiedOn < current.classifiedOn) return refuse("invalid", `a reclassification cannot predate the current classification of ${current.classifiedOn}`, { ruleIds: ["R-VD-09"] });
    const same = current.type === command.type && current.dominantCharacteristic === command.dominantCharacteristic && JSON.stringify(current.preconditions) === JSON.stringify(command.preconditions);
    if (same) return refuse("already-exists", `${hub.hubName} is already classified as ${command.type} / ${command.dominantCharacteristic} with these preconditions`, { ruleIds: ["R-VD-09"] });
  }
  return accept({
    type: "HubClassified",
    data: { ...hub, type: command.type, dominantCharacteristic: command.dominantCharacteristic, preconditions: [...command.preconditions], rationale: command.rationale, classifiedOn: command.classifiedOn, supersedes: current?.eventId ?? null },
  });
}

export interface SubmitSelfEvaluation {
  readonly submittedOn: string;
  readonly corrects: string | null;
  readonly criteria: EventData<"SelfEvaluationSubmitted">["criteria"];
  readonly objectives: EventData<"SelfEvaluationSubmitted">["objectives"];
}

/** R-VD-08: one entry per criterion of the scheme; a correction names a submission that is not yet corrected. */
export function decideSubmitSelfEvaluation(state: HubEvaluationState, hub: HubRef, command: SubmitSelfEvaluation, scheme: SchemeDefinition, today: string): Decision<DomainEvent> {
  const future = notAfter(command.submittedOn, today, "submittedOn");
  if (future) return future;
  const expected = scheme.evaluationCriteria.map((c) => c.id);
  if (expected.length === 0) return refuse("invalid", `scheme ${scheme.id} defines no evaluation criteria`, { ruleIds: ["R-VD-08"] });
  const given = command.criteria.map((c) => c.criterionId);
  const missing = expected.filter((id) => !given.includes(id));
  const unknown = given.filter((id) => !expected.includes(id));
  const duplicate = given.filter((id, i) => given.indexOf(id) !== i);
  if (missing.length || unknown.length || duplicate.length) {
    return refuse("invalid", "the self-evaluation covers each criterion of the scheme exactly once", { ruleIds: ["R-VD-08"], details: { missing, unknown, duplicate } });
  }
  if (command.corrects !== null) {
    const target = state.selfEvaluations.find((s) => s.eventId === command.corrects);
    if (!target) return refuse("not-found", `there is no self-evaluation ${command.corrects} of ${hub.hubName}`);
    const correctedBy = state.selfEvaluations.find((s) => s.corrects === command.corrects);
    if (correctedBy) return refuse("closed", `self-evaluation version ${target.version} was already corrected by version ${correctedBy.version}`, { details: { correctedBy: correctedBy.eventId } });
  }
  const byId = new Map(command.criteria.map((c) => [c.criterionId, c]));
  return accept({
    type: "SelfEvaluationSubmitted",
    data: {
      ...hub,
      version: state.selfEvaluations.length + 1,
      submittedOn: command.submittedOn,
      corrects: command.corrects,
      // In the scheme's order of criteria, whatever order they came in.
      criteria: expected.map((id) => byId.get(id)!),
      objectives: command.objectives,
    },
  });
}

export interface RecordFinding {
  readonly kind: "interview" | "work-visit";
  readonly date: string;
  readonly participants: ReadonlyArray<string>;
  readonly notes: string;
}

export function decideRecordFinding(_state: HubEvaluationState, hub: HubRef, command: RecordFinding, today: string): Decision<DomainEvent> {
  return notAfter(command.date, today, "date") ?? accept({ type: "EvaluationFindingRecorded", data: { ...hub, kind: command.kind, date: command.date, participants: [...command.participants], notes: command.notes } });
}

/** R-VD-04: attendance of a session the scheme's commitments name, once per session. */
export function decideRecordSessionAttendance(state: HubEvaluationState, hub: HubRef, command: { sessionId: string; representatives: ReadonlyArray<string> }, scheme: SchemeDefinition, today: string): Decision<DomainEvent> {
  const session = scheme.commitments.filter((c) => c.kind === "attend-sessions").flatMap((c) => c.sessions).find((s) => s.id === command.sessionId);
  if (!session) return refuse("not-found", `scheme ${scheme.id} has no knowledge session ${command.sessionId}`, { ruleIds: ["R-VD-04"] });
  if (session.date && session.date > today) return refuse("invalid", `session ${session.id} is on ${session.date}, after today (${today})`, { ruleIds: ["R-VD-04"] });
  if (state.sessionsAttended.includes(command.sessionId)) return refuse("already-exists", `${hub.hubName}'s attendance of ${command.sessionId} is already recorded`, { ruleIds: ["R-VD-04"] });
  return accept({ type: "KnowledgeSessionAttended", data: { ...hub, sessionId: command.sessionId, representatives: [...command.representatives] } });
}

/** R-VD-04, R-TH-13: a module loaded into oZone, each module once. */
export function decideRecordOzoneModule(state: HubEvaluationState, hub: HubRef, command: { moduleName: string; loadedOn: string }, today: string): Decision<DomainEvent> {
  const future = notAfter(command.loadedOn, today, "loadedOn");
  if (future) return future;
  if (state.ozoneModules.some((m) => m.toLowerCase() === command.moduleName.toLowerCase())) return refuse("already-exists", `oZone module "${command.moduleName}" of ${hub.hubName} is already recorded`, { ruleIds: ["R-VD-04"] });
  return accept({ type: "OzoneModuleLoaded", data: { ...hub, moduleName: command.moduleName, loadedOn: command.loadedOn } });
}

export interface UnmetCommitment {
  readonly commitmentId: string;
  readonly description: string;
  /** The session not attended, or how many modules are still missing. */
  readonly sessionId: string | null;
  readonly missingCount: number;
  /** "due": its date has passed (or it has none); "upcoming": it can still be met. */
  readonly state: "due" | "upcoming";
  readonly ruleIds: ReadonlyArray<string>;
}

/** R-VD-04, R-TH-13: the commitments of the scheme a hub has not met (yet) on `today`. */
export function unmetCommitments(scheme: SchemeDefinition, attended: ReadonlyArray<string>, modules: number, today: string, schemeEnd: string = scheme.term.projectPeriod?.until ?? "9999-12-31"): UnmetCommitment[] {
  const unmet: UnmetCommitment[] = [];
  for (const commitment of scheme.commitments) {
    if (commitment.kind === "attend-sessions") {
      for (const session of commitment.sessions) {
        if (attended.includes(session.id)) continue;
        unmet.push({ commitmentId: commitment.id, description: `${commitment.description} Not attended: ${session.title}${session.date ? ` (${session.date})` : ""}.`, sessionId: session.id, missingCount: commitment.minimumCount ?? 1, state: !session.date || session.date < today ? "due" : "upcoming", ruleIds: commitment.ruleIds });
      }
    } else if (commitment.kind === "publish-ozone-module") {
      const missing = (commitment.minimumCount ?? 1) - modules;
      if (missing > 0) unmet.push({ commitmentId: commitment.id, description: commitment.description, sessionId: null, missingCount: missing, state: schemeEnd < today ? "due" : "upcoming", ruleIds: commitment.ruleIds });
    }
  }
  return unmet;
}
