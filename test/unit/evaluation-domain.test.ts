import { describe, expect, it } from "vitest";
import type { Decision } from "../../domain/decision.ts";
import {
  type HubEvaluationState,
  type HubRef,
  decideClassifyHub,
  decideRecordFinding,
  decideRecordOzoneModule,
  decideRecordSessionAttendance,
  decideSubmitSelfEvaluation,
  evolveHubEvaluation,
  hubKeyOf,
  initialHubEvaluationState,
  unmetCommitments,
} from "../../domain/evaluation.ts";
import { type ClassificationEntry, type EvaluationDocument, type HubEvaluationView, evaluationProjection, isHistoryItem } from "../../domain/projections/evaluation.ts";
import { type DomainEvent, type RecordedEvent, eventCatalogue } from "../../events/index.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

const scheme = bundledSchemes().get("verduurzamen-2025")!.definition;
const hub: HubRef = { schemeId: scheme.id, hubKey: "technohub-tint", hubName: "Technohub TINT", applicationId: "app-1" };
const today = "2026-05-01";
const criteria = scheme.evaluationCriteria.map((c) => ({ criterionId: c.id, status: "on-track" as const, summary: "ok", attentionPoints: [] }));

let counter = 0;
/** Folds accepted events as the store would hand them back: with an id, and valid against the contract. */
function fold(state: HubEvaluationState, decision: Decision<DomainEvent>): { state: HubEvaluationState; ids: string[] } {
  expect(decision.outcome).toBe("accepted");
  const ids: string[] = [];
  for (const event of decision.events ?? []) {
    eventCatalogue.parse(event.type, 1, event.data);
    const eventId = `e${++counter}`;
    ids.push(eventId);
    state = evolveHubEvaluation(state, { ...event, eventId } as unknown as DomainEvent);
  }
  return { state, ids };
}

const classify = { type: "growth-hub" as const, dominantCharacteristic: "ecosystem-function" as const, preconditions: ["a", "b"], rationale: "4.3.3", classifiedOn: "2026-04-29" };

describe("evaluation deciders (R-VD-04, R-VD-08, R-VD-09)", () => {
  it("hub keys are slugs stable across spellings of the report", () => {
    expect(hubKeyOf("Technohub Smart Metrology & Manufacturing")).toBe(hubKeyOf("Technohub Smart Metrology and Manufacturing"));
    expect(hubKeyOf("TechnoHUB Woerden")).toBe("technohub-woerden");
  });

  it("R-VD-09 a reclassification supersedes the current one; unchanged, earlier or future ones are refused", () => {
    const first = fold(initialHubEvaluationState, decideClassifyHub(initialHubEvaluationState, hub, classify, today));
    expect(decideClassifyHub(first.state, hub, classify, today)).toMatchObject({ outcome: "refused", refusal: { code: "already-exists" } });
    expect(decideClassifyHub(first.state, hub, { ...classify, type: "system-hub", classifiedOn: "2026-01-01" }, today)).toMatchObject({ outcome: "refused", refusal: { code: "invalid" } });
    expect(decideClassifyHub(first.state, hub, { ...classify, type: "system-hub", classifiedOn: "2026-06-01" }, today)).toMatchObject({ outcome: "refused", refusal: { code: "invalid" } });
    const second = decideClassifyHub(first.state, hub, { ...classify, type: "system-hub" }, today);
    expect(second).toMatchObject({ outcome: "accepted", events: [{ type: "HubClassified", data: { supersedes: first.ids[0], type: "system-hub" } }] });
  });

  it("R-VD-08 a self-evaluation covers each criterion once; versions count up; a correction names an uncorrected submission", () => {
    const missing = decideSubmitSelfEvaluation(initialHubEvaluationState, hub, { submittedOn: today, corrects: null, criteria: criteria.slice(1), objectives: [] }, scheme, today);
    expect(missing).toMatchObject({ outcome: "refused", refusal: { code: "invalid", details: { missing: [criteria[0]!.criterionId] } } });
    const v1 = fold(initialHubEvaluationState, decideSubmitSelfEvaluation(initialHubEvaluationState, hub, { submittedOn: today, corrects: null, criteria: [...criteria].reverse(), objectives: [] }, scheme, today));
    expect(v1.state.selfEvaluations[0]!.criteria.map((c) => c.criterionId)).toEqual(criteria.map((c) => c.criterionId));
    expect(decideSubmitSelfEvaluation(v1.state, hub, { submittedOn: today, corrects: "nope", criteria, objectives: [] }, scheme, today)).toMatchObject({ refusal: { code: "not-found" } });
    const v2 = fold(v1.state, decideSubmitSelfEvaluation(v1.state, hub, { submittedOn: today, corrects: v1.ids[0]!, criteria, objectives: [] }, scheme, today));
    expect(v2.state.selfEvaluations[1]).toMatchObject({ version: 2, corrects: v1.ids[0] });
    expect(decideSubmitSelfEvaluation(v2.state, hub, { submittedOn: today, corrects: v1.ids[0]!, criteria, objectives: [] }, scheme, today)).toMatchObject({ refusal: { code: "closed" } });
  });

  it("R-VD-04 sessions are the scheme's, once each; oZone modules once each; findings not in the future", () => {
    expect(decideRecordSessionAttendance(initialHubEvaluationState, hub, { sessionId: "x", representatives: [] }, scheme, today)).toMatchObject({ refusal: { code: "not-found" } });
    expect(decideRecordSessionAttendance(initialHubEvaluationState, hub, { sessionId: "knowledge-session-2", representatives: [] }, scheme, "2026-01-01")).toMatchObject({ refusal: { code: "invalid" } });
    const attended = fold(initialHubEvaluationState, decideRecordSessionAttendance(initialHubEvaluationState, hub, { sessionId: "knowledge-session-1", representatives: [] }, scheme, today));
    expect(decideRecordSessionAttendance(attended.state, hub, { sessionId: "knowledge-session-1", representatives: [] }, scheme, today)).toMatchObject({ refusal: { code: "already-exists" } });
    const loaded = fold(attended.state, decideRecordOzoneModule(attended.state, hub, { moduleName: "CNC basis", loadedOn: today }, today));
    expect(decideRecordOzoneModule(loaded.state, hub, { moduleName: "cnc BASIS", loadedOn: today }, today)).toMatchObject({ refusal: { code: "already-exists" } });
    expect(decideRecordFinding(loaded.state, hub, { kind: "interview", date: "2026-05-02", participants: ["x"], notes: "y" }, today)).toMatchObject({ refusal: { code: "invalid" } });
    expect(unmetCommitments(scheme, loaded.state.sessionsAttended, loaded.state.ozoneModules.length, today).map((u) => `${u.sessionId}:${u.state}`)).toEqual(["knowledge-session-2:due"]);
    expect(unmetCommitments(scheme, [], 0, "2025-09-01").map((u) => `${u.commitmentId}:${u.sessionId}:${u.state}`)).toEqual([
      "knowledge-sessions:knowledge-session-1:upcoming",
      "knowledge-sessions:knowledge-session-2:upcoming",
      "ozone-module:null:upcoming",
    ]);
  });

  it("the projection keeps the history: superseded and corrected entries point at their successor", () => {
    const recorded = (version: number, type: string, data: unknown, eventId: string): RecordedEvent =>
      ({ eventId, streamId: `hub#${scheme.id}.${hub.hubKey}`, version, type, schemaVersion: 1, data, metadata: { actor: "a", role: "assessor", channel: "api", correlationId: "c" }, recordedAt: `2026-05-0${version}T00:00:00.000Z`, schemeId: scheme.id, hash: "", previousHash: "" }) as RecordedEvent;
    // The hub document and each history entry are documents of their own (finding 2: no document grows with history).
    const docs = new Map<string, EvaluationDocument>();
    for (const event of [recorded(1, "HubClassified", { ...hub, ...classify, supersedes: null }, "c1"), recorded(2, "HubClassified", { ...hub, ...classify, type: "system-hub", supersedes: "c1" }, "c2")]) {
      for (const id of evaluationProjection.documentIds(event)) {
        const next = evaluationProjection.apply(docs.get(id), event, id);
        if (next) docs.set(id, next);
      }
    }
    const view = docs.get(`${scheme.id}.${hub.hubKey}`) as HubEvaluationView | undefined;
    const history = [...docs.values()].filter(isHistoryItem).sort((a, b) => a.position - b.position).map((d) => d.entry as ClassificationEntry);
    expect(view!.classification!.type).toBe("system-hub");
    expect(history.map((c) => [c.eventId, c.supersededBy])).toEqual([["c1", "c2"], ["c2", null]]);
    expect(view!.counts.classification).toBe(2);
    expect(view!.version).toBe(2);
  });
});
