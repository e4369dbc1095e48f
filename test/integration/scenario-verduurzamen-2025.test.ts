import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff, inParallel } from "../support/scenario.ts";

/**
 * The 2025 round of Verduurzamen Technohubs as the documents describe it (seed 001): applications
 * dated 2025-04-15, the committee assessing on 2025-06-12, EUR 80,000 to five hubs, EUR 30,000
 * offered to three, of which Technohub Logistics Lab withdrew for want of a lead applicant.
 */
const round = "2025-06-12";
const committee = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
const sections = ["hub-description", "objectives", "activities", "success-elements", "budget"];
const answers = Object.fromEntries(["statutory-goals", "services-annual-plan", "fundable", "affiliated-companies-involved", "project-plan"].map((id) => [id, { answer: true }]));

const hubs = [
  { name: "TechnoHUB Woerden", region: "Woerden", instrumentId: "hub-top", amount: 8_000_000 },
  { name: "Technohub TINT", region: "Twente", instrumentId: "hub-top", amount: 8_000_000 },
  { name: "Technohub Smart Makers Network", region: "Gelderland", instrumentId: "hub-top", amount: 8_000_000 },
  { name: "Technohub Smart Metrology and Manufacturing", region: "Brabant", instrumentId: "hub-top", amount: 8_000_000 },
  { name: "Technohub MIRA", region: "Rijnmond", instrumentId: "hub-top", amount: 8_000_000 },
  { name: "Technohub Logistics Lab", region: "Venlo", instrumentId: "hub-middle", amount: 3_000_000 },
  { name: "Technohub Precisietechnologie", region: "Eindhoven", instrumentId: "hub-middle", amount: 3_000_000 },
  { name: "Technohub Noordoostpolder", region: "Noordoostpolder", instrumentId: "hub-middle", amount: 3_000_000 },
];

let backOffice: TestBackOffice;
let staff: Staff;
const ids = new Map<string, string>();

beforeAll(async () => {
  backOffice = await startTestBackOffice("vd2025");
  staff = new Staff(backOffice);
  await inParallel(hubs, 4, async (hub, i) => {
    const id = await staff.register({
      schemeId: "verduurzamen-2025",
      instrumentId: hub.instrumentId,
      technohub: { name: hub.name, region: hub.region },
      applicant: { companyName: `${hub.name} penvoerder BV` },
      requestedAmountCents: hub.amount,
      // Same day, in the order of the report's list.
      receivedAt: `2025-04-15T09:0${i}:00.000Z`,
      sectionIds: sections,
    });
    ids.set(hub.name, id);
    await staff.details(id, { applicantAffiliated: true, leadApplicant: { companyName: `${hub.name} penvoerder BV`, metalektroCompany: true } });
    await staff.complete(id);
  });
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("Verduurzamen Technohubs 2025, the round as it happened", () => {
  it("R-TH-10 all eight complete applications are on the agenda of the 2025-06-12 round, in order of arrival (R-TH-09)", async () => {
    await backOffice.settle();
    const agenda = await staff.expect("committee-secretary", "GET", `/schemes/verduurzamen-2025/rounds/${round}/agenda`, undefined, 200);
    expect(agenda.body.items.map((i: { technohub: { name: string } }) => i.technohub.name)).toEqual(hubs.map((h) => h.name));
  });

  it("R-VD-06 the 4-week decision deadline is tracked: nearing on 2025-05-10, overdue from 2025-05-14", async () => {
    await backOffice.settle();
    const nearing = await staff.expect("committee-secretary", "GET", "/schemes/verduurzamen-2025/decision-deadlines?today=2025-05-10", undefined, 200);
    expect(nearing.body.items).toHaveLength(8);
    expect(nearing.body.items.every((i: { deadline: string; dueOn: string }) => i.deadline === "nearing" && i.dueOn === "2025-05-13")).toBe(true);
    const overdue = await staff.expect("committee-secretary", "GET", "/schemes/verduurzamen-2025/decision-deadlines?today=2025-05-14", undefined, 200);
    expect(overdue.body.items.map((i: { deadline: string }) => i.deadline)).toEqual(Array(8).fill("overdue"));
    const early = await staff.expect("committee-secretary", "GET", "/schemes/verduurzamen-2025/decision-deadlines?today=2025-04-20", undefined, 200);
    expect(early.body.items).toEqual([]);
  });

  it("R-VD-05 the work organisation's checks A-E and R-VD-07 the lead applicant are each listed with outcome and reason", async () => {
    await backOffice.settle();
    await inParallel(hubs, 4, async (hub) => {
      await staff.assess(ids.get(hub.name)!, answers);
    });
    // Registered, sections, details, queued, assessed: version 5.
    const view = await staff.view(ids.get("Technohub MIRA")!, 5);
    expect(view.assessment.eligible).toBe(true);
    expect(view.assessment.checks.map((c: { checkId: string; outcome: string }) => `${c.checkId}:${c.outcome}`)).toEqual([
      "lead-applicant-metalektro:met",
      "one-per-hub:met",
      "statutory-goals:met",
      "services-annual-plan:met",
      "fundable:met",
      "affiliated-companies-involved:met",
      "project-plan:met",
    ]);
    expect(view.assessment.derivation.formula).toBe("cap 80,000.00 = 80,000.00 [R-VD-02]");
    expect(view.assessment.maximumAmountCents).toBe(8_000_000);
  });

  it("R-VD-02 the committee awards 5 x EUR 80,000 and offers 3 x EUR 30,000; Logistics Lab withdraws (R-VD-07); each line keeps its own budget", async () => {
    for (const hub of hubs) await staff.award(ids.get(hub.name)!, { roundId: round, membersPresent: committee, decidedOn: "2025-06-12" });
    await staff.withdraw(ids.get("Technohub Logistics Lab")!, "no lead applicant (penvoerder) could be found");
    await inParallel(
      hubs.filter((h) => h.name !== "Technohub Logistics Lab"),
      4,
      (hub) => staff.awardLetter(ids.get(hub.name)!, "2025-06-20"),
    );

    const budget = await staff.budget("verduurzamen-2025");
    expect(budget["hub-top"]).toMatchObject({ amountCents: 40_000_000, releasedCents: 40_000_000, reservedCents: 0, committedCents: 40_000_000, availableCents: 0, intakeClosed: true });
    expect(budget["hub-middle"]).toMatchObject({ amountCents: 12_000_000, releasedCents: 12_000_000, reservedCents: 0, committedCents: 6_000_000, availableCents: 6_000_000, intakeClosed: false });
    for (const line of ["coordination", "communication", "materials", "ozone-materials"]) {
      expect(budget[line]).toMatchObject({ reservedCents: 0, committedCents: 0, availableCents: budget[line].releasedCents });
    }
    expect(budget["board-reserve"]).toMatchObject({ releasedCents: 0, availableCents: 0 });

    const logisticsLab = await staff.view(ids.get("Technohub Logistics Lab")!);
    expect(logisticsLab.status).toBe("withdrawn");
    expect(logisticsLab.withdrawal).toEqual({ reason: "no lead applicant (penvoerder) could be found", releasedCents: 3_000_000 });
    const woerden = await staff.view(ids.get("TechnoHUB Woerden")!);
    expect(woerden.status).toBe("granted");
    expect(woerden.award).toMatchObject({ amountCents: 8_000_000, decidedOn: "2025-06-12", membersPresent: committee });
    // R-VD-04: the award letter records the commitments: both knowledge sessions and the oZone module.
    expect(woerden.awardLetter.commitments.map((c: { commitmentId: string }) => c.commitmentId)).toEqual(
      backOffice.dependencies.schemes.get("verduurzamen-2025")!.definition.commitments.map((c) => c.id),
    );
  });

  it("R-TH-01 after the top line is exhausted, a sixth top-hub application is recorded and refused 'budget exhausted', its data retrievable", async () => {
    const refused = await staff.expect(
      "intake",
      "POST",
      "/applications",
      {
        schemeId: "verduurzamen-2025",
        instrumentId: "hub-top",
        technohub: { name: "Technohub Late Comer", region: "Zeeland" },
        applicant: { companyName: "Late Comer BV" },
        requestedAmountCents: 8_000_000,
        receivedAt: "2025-07-01T09:00:00.000Z",
      },
      409,
    );
    expect(refused.body.title).toBe("budget-exhausted");
    expect(refused.body.detail).toMatch(/hub-top .* exhausted/);
    const view = await staff.view(refused.body.applicationId, 2);
    expect(view).toMatchObject({ status: "refused", technohub: { name: "Technohub Late Comer" }, requestedAmountCents: 8_000_000, refusal: { code: "budget-exhausted" } });
  });
});
