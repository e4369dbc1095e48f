import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stateAsOf } from "../../audit/replay.ts";
import { type HubEvaluationView, evaluationProjection } from "../../domain/projections/evaluation.ts";
import { loadDemoData } from "../../local/demo.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/**
 * The classification table of the mid-term evaluation, transcribed from seed 001
 * (`/work/shared/seeds/001_53fe9defbd48bfb7.txt`, chapter 4.3.3, "Technohub / Type / Dominant
 * kenmerk / Voorgestelde randvoorwaarden (1-2)"). `registeredAs` is the hub's name in the 2025
 * round (the report abbreviates some names).
 */
const table = [
  { seed: "Technohub Smart Metrology & Manufacturing", registeredAs: "Technohub Smart Metrology and Manufacturing", type: "system-hub", dominant: "innovation", preconditions: ["Borging van kennis in structureel LLO-/oZone-aanbod.", "Doorontwikkeling en besluitvorming over duurzame financieringsconstructie (partnerprogramma)."] },
  { seed: "Technohub MIRA", registeredAs: "Technohub MIRA", type: "system-hub", dominant: "innovation", preconditions: ["Borging van begeleiding en doorontwikkeling van demonstrator/methodiek/modules.", "Verbreden van toepassing buiten koplopers (meer bedrijven laten landen)."] },
  { seed: "Technohub Smart Makers Network", registeredAs: "Technohub Smart Makers Network", type: "system-hub", dominant: "ecosystem-function", preconditions: ["Structurele financiering van kernrollen (o.a. business development) na 2026.", "Versterken community-structuur en doorvertaling naar oZone-modules."] },
  { seed: "TechnoHUB Woerden", registeredAs: "TechnoHUB Woerden", type: "system-hub", dominant: "ecosystem-function", preconditions: ["Realiseren structurele (publiek-private) financiering en afspraken vanaf 2027.", "Bewaken strategisch partnerschap (voorkomen versnippering/transactioneel karakter)."] },
  { seed: "Technohub Noordoostpolder (NOP)", registeredAs: "Technohub Noordoostpolder", type: "system-hub", dominant: "education-renewal", preconditions: ["Governance en structurele uitvoeringskracht expliciteren en borgen.", "Doorvertaling van praktijkopbrengsten naar overdraagbare formats (oZone/praktijkbeschrijvingen)."] },
  { seed: "Technohub TINT", registeredAs: "Technohub TINT", type: "growth-hub", dominant: "ecosystem-function", preconditions: ["Valideren en concretiseren verdienmodel met gedeeld eigenaarschap.", "Versterken robuustheid/continuïteit (minder kwetsbaar voor personele wisselingen)."] },
  { seed: "Technohub Precisietechnologie", registeredAs: "Technohub Precisietechnologie", type: "growth-hub", dominant: "education-renewal", preconditions: ["Instroom en leerwerkplekken als structurele 'motor' organiseren (met bedrijven).", "Verbreden portfolio en promotietoolbox via onderwijsprofessionals."] },
];

const scheme = "verduurzamen-2025";
const tint = `/schemes/${scheme}/hubs/technohub-tint`;
let backOffice: TestBackOffice;
let staff: Staff;

beforeAll(async () => {
  backOffice = await startTestBackOffice("evaldemo");
  staff = new Staff(backOffice);
  const result = await loadDemoData(backOffice.apiUrl, (role) => backOffice.token(role));
  expect(result.loaded).toBe(true);
  await backOffice.settle();
}, 120_000);

afterAll(async () => {
  await backOffice?.stop();
});

const byHub = <T extends { hub: string }>(rows: T[]) => [...rows].sort((a, b) => a.hub.localeCompare(b.hub));

describe("evaluation of the funded hubs, loaded as demo data through the API", () => {
  it("R-VD-09 the evaluation overview reproduces the classification table of chapter 4.3.3 from events alone", async () => {
    const overview = await staff.expect("auditor", "GET", `/schemes/${scheme}/evaluation`, undefined, 200);
    const expected = table.map((r) => ({ hub: r.registeredAs, type: r.type, dominantCharacteristic: r.dominant, preconditions: r.preconditions }));
    expect(byHub(overview.body.classificationTable)).toEqual(byHub(expected));
    // Logistics Lab withdrew (R-VD-07): not funded, so not evaluated.
    expect(overview.body.hubs.map((h: { hubName: string }) => h.hubName)).not.toContain("Technohub Logistics Lab");
    expect(overview.body.hubs).toHaveLength(7);
  });

  it("R-VD-10 the allocation matrix stands next to the actual classifications and awards", async () => {
    const overview = await staff.expect("finance", "GET", `/schemes/${scheme}/evaluation`, undefined, 200);
    const matrix = overview.body.allocationMatrix;
    expect(matrix.illustrative).toBe(true);
    expect(matrix.totalAwardedCents).toBe(46_000_000);
    expect(matrix.unclassifiedCents).toBe(0);
    const cell = (t: string, c: string) => matrix.cells.find((x: { hubTypeId: string; characteristicId: string }) => x.hubTypeId === t && x.characteristicId === c);
    expect(cell("system-hub", "innovation")).toMatchObject({ plannedShareBasisPoints: 3000, actualCents: 16_000_000, actualShareBasisPoints: 3478 });
    expect(cell("system-hub", "innovation").hubs.sort()).toEqual(["Technohub MIRA", "Technohub Smart Metrology and Manufacturing"]);
    expect(cell("growth-hub", "innovation")).toMatchObject({ plannedShareBasisPoints: 1500, actualCents: 0, hubs: [] });
    expect(cell("growth-hub", "education-renewal")).toMatchObject({ actualCents: 3_000_000, hubs: ["Technohub Precisietechnologie"] });
  });

  it("R-VD-04 R-TH-13 unmet commitments are listed per hub: six hubs loaded no oZone module yet", async () => {
    const overview = await staff.expect("auditor", "GET", `/schemes/${scheme}/evaluation?today=2026-05-01`, undefined, 200);
    const unmet = Object.fromEntries(overview.body.hubs.map((h: { hubKey: string; unmetCommitments: Array<{ commitmentId: string; state: string }> }) => [h.hubKey, h.unmetCommitments.map((u) => `${u.commitmentId}:${u.state}`)]));
    expect(unmet["technohub-smart-makers-network"]).toEqual([]);
    expect(unmet["technohub-tint"]).toEqual(["ozone-module:upcoming"]);
    const late = await staff.expect("auditor", "GET", `/schemes/${scheme}/evaluation?today=2027-01-15`, undefined, 200);
    expect(late.body.hubs.find((h: { hubKey: string }) => h.hubKey === "technohub-mira").unmetCommitments).toMatchObject([{ commitmentId: "ozone-module", state: "due", missingCount: 1 }]);
  });

  it("the overview exports as CSV: one row per hub and criterion", async () => {
    const csv = await staff.expect("auditor", "GET", `/schemes/${scheme}/evaluation?format=csv`, undefined, 200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (csv.body as string).trim().split("\n");
    expect(lines[0]).toBe('"hubKey","hub","type","dominantCharacteristic","preconditions","selfEvaluationVersion","criterionId","criterion","status","attentionPoints","supportWishes","unmetCommitments"');
    expect(lines).toHaveLength(1 + 7 * 6);
    expect(lines.filter((l) => l.startsWith('"technohub-tint",')).length).toBe(6);
  });

  it("the hub registry lists each hub with its applications and grants", async () => {
    const hubs = await staff.expect("auditor", "GET", "/hubs?hubKey=technohub-mira", undefined, 200);
    expect(hubs.body.items).toHaveLength(1);
    expect(hubs.body.items[0]).toMatchObject({ name: "Technohub MIRA", regions: ["Rijnmond"], leadApplicant: "Technohub MIRA penvoerder BV" });
    expect(hubs.body.items[0].applications).toMatchObject([{ schemeId: scheme, status: "granted", awardedCents: 8_000_000 }]);
  });

  it("R-VD-09 R-VD-08 a reclassification and a corrected self-evaluation keep both states in the history; an as-of read before them returns the old ones", async () => {
    const before = await staff.expect("auditor", "GET", `${tint}/evaluation`, undefined, 200);
    const oldSelfEvaluation = before.body.selfEvaluation;
    await new Promise((r) => setTimeout(r, 20));
    const asOf = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));

    const reclassified = await staff.expect("assessor", "POST", `${tint}/classifications`, {
      type: "system-hub",
      dominantCharacteristic: "ecosystem-function",
      preconditions: ["Valideren en concretiseren verdienmodel met gedeeld eigenaarschap."],
      rationale: "Jaarlijkse evaluatie: verdienmodel gevalideerd, rollen structureel belegd.",
      classifiedOn: "2026-10-01",
    }, 201);
    const corrected = await staff.expect("intake", "POST", `${tint}/self-evaluations`, {
      submittedOn: "2026-10-02",
      corrects: oldSelfEvaluation.eventId,
      criteria: oldSelfEvaluation.criteria.map((c: { criterionId: string }) => ({ ...c, status: c.criterionId === "development-phase-robustness" ? "attention" : "on-track", attentionPoints: c.criterionId === "development-phase-robustness" ? ["Kwetsbaar voor personele wisselingen"] : [] })),
      objectives: oldSelfEvaluation.objectives,
    }, 201);
    await backOffice.settle();

    const after = await staff.expect("auditor", "GET", `${tint}/evaluation`, undefined, 200);
    expect(after.body.classification).toMatchObject({ type: "system-hub", classifiedOn: "2026-10-01", supersedes: before.body.classification.eventId });
    expect(after.body.classificationHistory.map((c: { type: string; supersededBy: string | null }) => [c.type, c.supersededBy])).toEqual([
      ["growth-hub", reclassified.body.eventId],
      ["system-hub", null],
    ]);
    expect(after.body.selfEvaluations.map((s: { version: number; corrects: string | null; correctedBy: string | null }) => [s.version, s.corrects, s.correctedBy])).toEqual([
      [1, null, corrected.body.eventId],
      [2, oldSelfEvaluation.eventId, null],
    ]);

    // The audit mechanism (R-X-04): the read model rebuilt from the events up to a moment.
    const asOfRead = await staff.expect("auditor", "GET", `/audit/as-of?schemeId=${scheme}&projection=evaluation&id=${scheme}.technohub-tint&at=${asOf}`, undefined, 200);
    expect(asOfRead.body.documents[0].doc.classification).toMatchObject({ type: "growth-hub", dominantCharacteristic: "ecosystem-function" });
    expect(asOfRead.body.documents[0].doc.selfEvaluation.version).toBe(1);
    // The history entries are documents of their own (finding 2), returned with the hub's document.
    expect(asOfRead.body.documents.filter((d: { doc: { history?: string } }) => d.doc.history === "classification")).toHaveLength(1);
    const direct = await stateAsOf({ events: backOffice.dependencies.events.readSchemes([scheme], { until: asOf }), projection: evaluationProjection, asOf, documentId: `${scheme}.technohub-tint` });
    expect((direct.documents[0]!.doc as HubEvaluationView).classification?.type).toBe("growth-hub");

    // The overview now shows the new state; a correction cannot be corrected twice.
    const overview = await staff.expect("auditor", "GET", `/schemes/${scheme}/evaluation`, undefined, 200);
    expect(overview.body.classificationTable.find((r: { hub: string }) => r.hub === "Technohub TINT")).toMatchObject({ type: "system-hub" });
    await staff.expect("intake", "POST", `${tint}/self-evaluations`, { submittedOn: "2026-10-03", corrects: oldSelfEvaluation.eventId, criteria: oldSelfEvaluation.criteria, objectives: [] }, 409);
  });

  it("invalid input gives 400 with field paths; refusals name the rule; roles come from the route table", async () => {
    const bad = await staff.expect("assessor", "POST", `${tint}/classifications`, { type: "mega-hub", dominantCharacteristic: "innovation", preconditions: ["a", "b", "c"], rationale: "", classifiedOn: "2026-13-01" }, 400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["body.classifiedOn", "body.preconditions", "body.rationale", "body.type"]);
    const incomplete = await staff.expect("intake", "POST", `${tint}/self-evaluations`, { submittedOn: "2026-10-05", criteria: [{ criterionId: "company-involvement", status: "on-track", summary: "ok" }] }, 422);
    expect(incomplete.body.ruleIds).toEqual(["R-VD-08"]);
    expect(incomplete.body.details.missing).toHaveLength(5);
    await staff.expect("intake", "POST", `${tint}/knowledge-sessions`, { sessionId: "knowledge-session-1" }, 409);
    await staff.expect("intake", "POST", `${tint}/knowledge-sessions`, { sessionId: "knowledge-session-9" }, 404);
    await staff.expect("assessor", "POST", `/schemes/${scheme}/hubs/technohub-logistics-lab/findings`, { kind: "interview", date: "2026-03-01", participants: ["x"], notes: "y" }, 404);
    await staff.expect("finance", "POST", `${tint}/classifications`, {}, 403);
    await staff.expect("auditor", "POST", `${tint}/findings`, {}, 403);
    await staff.expect("committee-secretary", "GET", `${tint}/evaluation`, undefined, 200);
  });
});
