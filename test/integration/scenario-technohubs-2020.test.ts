import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/** Aanjaagsubsidie Technohubs 2020-2021 (seed 000): planning and execution, caps, rounds, lapse and late intake. */
let backOffice: TestBackOffice;
let staff: Staff;

const members = ["FME", "FNV", "CNV", "De Unie", "VHP2"];
const bothSections = ["application-form", "proposal"];
const application = (overrides: Record<string, unknown>) => ({
  schemeId: "technohubs-2020",
  instrumentId: "execution",
  technohub: { name: "Technohub Twente", region: "Twente" },
  applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 45_000_000,
  receivedAt: "2021-01-20T09:00:00.000Z",
  sectionIds: bothSections,
  ...overrides,
});

// Eligible: 250,000.00 + 100,000.00 + 200,500.00 + 34,500.00 (300 h capped at 115.00) = 585,000.00.
const executionCosts = [
  { lineId: "staff", categoryId: "company-staff", description: "Company staff developing the hub", amountCents: 25_000_000 },
  { lineId: "marketing", categoryId: "regional-marketing", description: "Regional campaign", amountCents: 10_000_000 },
  { lineId: "materials", categoryId: "teaching-materials", description: "Modules for oZone", amountCents: 20_050_000 },
  { lineId: "consultant", categoryId: "broaden-or-scale", description: "External trainer, 300 h at EUR 130", amountCents: 3_900_000, external: { hundredthsOfHour: 30_000, hourlyRateCents: 13_000 } },
  { lineId: "lathe", categoryId: "hardware", description: "CNC lathe for the workshop", amountCents: 8_000_000 },
];

let twente: string;

beforeAll(async () => {
  backOffice = await startTestBackOffice("th2020");
  staff = new Staff(backOffice);
  twente = await staff.register(application({}));
  await staff.details(twente, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: executionCosts });
  await staff.complete(twente);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("Aanjaagsubsidie Technohubs 2020", () => {
  it("R-TH-02 R-TH-03 R-TH-04 execution: hardware excluded with its reason, external hours capped at EUR 115, maximum min(70% x 585,000.00, 500,000.00) = 409,500.00", async () => {
    await backOffice.settle();
    await staff.assess(twente);
    const view = await staff.view(twente, 5);
    expect(view.assessment.eligibleCostsCents).toBe(58_500_000);
    expect(view.assessment.excludedCosts).toEqual([
      { lineId: "consultant", excludedCents: 450_000, reason: expect.stringContaining("115.00 per hour"), ruleIds: ["R-TH-04"] },
      { lineId: "lathe", excludedCents: 8_000_000, reason: expect.stringMatching(/[Hh]ardware/), ruleIds: ["R-TH-03"] },
    ]);
    expect(view.assessment.maximumAmountCents).toBe(40_950_000);
    expect(view.assessment.derivation.formula).toMatch(/^min\(70% x 585,000\.00, 500,000\.00\) = 409,500\.00 \[R-TH-02.*R-TH-04\]$/);
    expect(view.assessment.derivation.schemeVersion).toBe(backOffice.dependencies.schemes.get("technohubs-2020")!.version);
    expect(view.assessment.eligible).toBe(true);
  });

  it("R-TH-10 the award defaults to the maximum, reserves it, and the award letter commits it and records R-TH-13's commitments", async () => {
    await staff.award(twente, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25" });
    await staff.awardLetter(twente, "2021-03-01");
    const view = await staff.view(twente, 7);
    expect(view.award).toMatchObject({ amountCents: 40_950_000, roundId: "2021-02-15" });
    expect(view.awardLetter.commitments.map((c: { commitmentId: string }) => c.commitmentId)).toEqual(["ozone-library", "monitoring-and-knowledge-sharing"]);
    const budget = await staff.budget("technohubs-2020");
    expect(budget.technohubs).toMatchObject({ committedCents: 40_950_000, reservedCents: 0, availableCents: 612_000_000 - 40_950_000 });
  });

  it("R-TH-07 a second execution application of the same hub (spelt differently) fails 'one per hub per instrument'; R-TH-08 the overlap is shown", async () => {
    const again = await staff.register(application({ technohub: { name: "TechnoHUB twente", region: "Twente" }, receivedAt: "2021-01-25T10:00:00.000Z" }));
    await staff.details(again, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: executionCosts.slice(0, 2) });
    await staff.complete(again);
    await backOffice.settle();
    await staff.assess(again);
    const view = await staff.view(again, 5);
    expect(view.assessment.eligible).toBe(false);
    expect(view.assessment.checks.find((c: { checkId: string }) => c.checkId === "one-per-hub-per-instrument")).toMatchObject({ outcome: "not-met", reason: expect.stringContaining(twente) });
    expect(view.assessment.regionOverlap.map((o: { applicationId: string }) => o.applicationId)).toContain(twente);
    const refused = await staff.award(again, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25" }, 422);
    expect(refused.body).toMatchObject({ title: "ineligible", ruleIds: ["R-TH-07"] });
    expect((await staff.view(again)).status).toBe("queued");
  });

  it("R-TH-02 planning is capped at EUR 10,000 and must end before June (R-TH-10); R-TH-06 a start before arrival is ineligible and rejected with reasons", async () => {
    const planning = await staff.register(application({ instrumentId: "planning", technohub: { name: "Technohub Rivierenland", region: "Rivierenland" }, requestedAmountCents: 1_200_000 }));
    await staff.details(planning, { plannedStartDate: "2021-02-01", plannedEndDate: "2021-05-15", applicantAffiliated: true });
    await staff.complete(planning);
    await backOffice.settle();
    await staff.assess(planning);
    const planned = await staff.view(planning, 5);
    expect(planned.assessment).toMatchObject({ eligible: true, maximumAmountCents: 1_000_000 });

    const early = await staff.register(application({ technohub: { name: "Technohub Drechtsteden", region: "Drechtsteden" } }));
    await staff.details(early, { plannedStartDate: "2021-01-04", applicantAffiliated: true, costLines: executionCosts.slice(0, 1) });
    await staff.complete(early);
    await backOffice.settle();
    await staff.assess(early);
    const view = await staff.view(early, 5);
    expect(view.assessment.checks.find((c: { checkId: string }) => c.checkId === "start-after-arrival")).toMatchObject({ outcome: "not-met", reason: "planned start 2021-01-04 is before the application arrived (2021-01-20)" });
    await staff.reject(early, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25", reasons: ["R-TH-06: the project started before the application arrived"] });
    expect((await staff.view(early, 6)).rejection.reasons).toEqual(["R-TH-06: the project started before the application arrived"]);
  });

  it("R-TH-09 an incomplete application waits outside the queue with what is missing, and the piece that completes it sets its place; late for 15 Feb, it rolls to 15 March (R-TH-10)", async () => {
    const partial = await staff.register(application({ technohub: { name: "Technohub Achterhoek", region: "Achterhoek" }, sectionIds: ["application-form"], receivedAt: "2021-02-01T08:00:00.000Z" }));
    const notYet = await staff.expect("intake", "POST", `/applications/${partial}/completeness`, { complete: true }, 422);
    expect(notYet.body.detail).toBe("cannot be complete: no proposal received");
    await staff.expect("intake", "POST", `/applications/${partial}/completeness`, { complete: false, missingSectionIds: ["proposal"] }, 200);
    const waiting = await staff.view(partial, 3);
    expect(waiting).toMatchObject({ status: "incomplete", missingSectionIds: ["proposal"], queue: null });
    // 00:30 on 16 February in Amsterdam is still the 15th in UTC: the local date decides.
    await staff.sections(partial, ["proposal"], "2021-02-15T23:30:00.000Z");
    const queued = await staff.view(partial, 5);
    expect(queued).toMatchObject({ status: "queued", missingSectionIds: [], queue: { roundId: "2021-03-15", completedAt: "2021-02-15T23:30:00.000Z" } });
  });

  it("R-TH-11 an approved execution plan not started by 30 June 2021 lapses and its money returns; one that started does not", async () => {
    const tooSoon = await staff.expect("committee-secretary", "POST", `/applications/${twente}/lapse`, { lapsedOn: "2021-06-30" }, 422);
    expect(tooSoon.body).toMatchObject({ detail: "the project may still start until 2021-06-30", ruleIds: ["R-TH-11"] });
    await staff.expect("committee-secretary", "POST", `/applications/${twente}/lapse`, { lapsedOn: "2021-07-02" }, 200);
    const lapsed = await staff.view(twente, 8);
    expect(lapsed).toMatchObject({ status: "lapsed", lapse: { lapsedOn: "2021-07-02", releasedCents: 40_950_000 } });
    const budget = await staff.budget("technohubs-2020");
    expect(budget.technohubs).toMatchObject({ committedCents: 0, availableCents: 612_000_000 });

    const started = await staff.register(application({ technohub: { name: "Technohub Zeeland", region: "Zeeland" } }));
    await staff.details(started, { plannedStartDate: "2021-04-01", applicantAffiliated: true, costLines: executionCosts.slice(0, 1) });
    await staff.complete(started);
    await backOffice.settle();
    await staff.assess(started);
    await staff.award(started, { roundId: "2021-02-15", membersPresent: members, decidedOn: "2021-02-25" });
    await staff.expect("intake", "POST", `/applications/${started}/project-start`, { startedOn: "2021-04-01" }, 200);
    const refused = await staff.expect("committee-secretary", "POST", `/applications/${started}/lapse`, { lapsedOn: "2021-07-02" }, 422);
    expect(refused.body.detail).toBe("the project started on 2021-04-01");
  });

  it("R-TH-01 R-X-05 an application after the term (1 July 2021, Amsterdam time) is recorded and refused as late, nothing lost", async () => {
    const late = await staff.expect("intake", "POST", "/applications", application({ technohub: { name: "Technohub Laat", region: "Flevoland" }, receivedAt: "2021-06-30T22:30:00.000Z" }), 409);
    expect(late.body).toMatchObject({ title: "closed", ruleIds: ["R-TH-01"], detail: expect.stringContaining("closed on 2021-06-30") });
    const view = await staff.view(late.body.applicationId, 3);
    expect(view).toMatchObject({ status: "refused", refusal: { code: "late" }, technohub: { name: "Technohub Laat" }, sectionsReceived: bothSections });
  });

  it("a date in the future, a stale If-Match and a decision for the wrong round are refused with reasons", async () => {
    const planning = (await staff.expect("auditor", "GET", "/applications?schemeId=technohubs-2020&status=queued", undefined, 200)).body.items[0];
    const future = await staff.expect("committee-secretary", "POST", `/applications/${planning.applicationId}/decision`, { decision: "award", roundId: "2021-02-15", membersPresent: members, decidedOn: "2999-01-01" }, 422);
    expect(future.body.detail).toMatch(/lies in the future/);
    const stale = await staff.expect("committee-secretary", "POST", `/applications/${planning.applicationId}/decision`, { decision: "award", roundId: planning.queue.roundId, membersPresent: members, decidedOn: "2021-02-25" }, 409, { "if-match": '"1"' });
    expect(stale.body.title).toBe("concurrency-conflict");
    const wrongRound = await staff.expect("committee-secretary", "POST", `/applications/${planning.applicationId}/decision`, { decision: "award", roundId: "2021-06-01", membersPresent: members, decidedOn: "2021-02-25" }, 422);
    expect(wrongRound.body.detail).toMatch(/scheduled for round/);
  });
});
