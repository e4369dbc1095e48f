import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/** Sterk Techniekonderwijs (seeds 003, 004): a government scheme run differently, from the same code. */
let backOffice: TestBackOffice;
let staff: Staff;

const consortium = [
  { name: "Vmbo Twente College", kindId: "vmbo-school" },
  { name: "ROC van Twente", kindId: "mbo-institution" },
  { name: "Metaalbedrijf Oost BV", kindId: "regional-company" },
];

async function regionalPlan(region: string, details: Record<string, unknown>, receivedAt = "2019-03-20T12:00:00.000Z") {
  const id = await staff.register({
    schemeId: "sterk-techniekonderwijs-2020",
    instrumentId: "regional-plan",
    technohub: { name: `Regio ${region}`, region },
    applicant: { companyName: `Vmbo ${region} (penvoerder)` },
    requestedAmountCents: 90_000_000,
    receivedAt,
    sectionIds: ["regional-plan", "budget", "co-financing"],
  });
  await staff.details(id, { partners: consortium, totalPlanCostsCents: 100_000_000, ...details });
  await staff.complete(id);
  return id;
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("sto");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("Sterk Techniekonderwijs 2020", () => {
  it("R-ST-01 R-ST-02 a regional consortium with exactly 10% co-financing (financial and in kind, per partner) is eligible and awarded what it asked", async () => {
    const twente = await regionalPlan("Twente", {
      coFinancing: [
        { partner: "Metaalbedrijf Oost BV", kindId: "financial", amountCents: 6_000_000 },
        { partner: "Metaalbedrijf Oost BV", kindId: "facilities", amountCents: 4_000_000 },
      ],
    });
    await backOffice.settle();
    await staff.assess(twente);
    const view = await staff.view(twente, 5);
    expect(view.assessment.checks.map((c: { checkId: string; outcome: string }) => `${c.checkId}:${c.outcome}`)).toEqual([
      "consortium-composition:met",
      "one-per-region:met",
      "region-named:met",
      "co-financing-min-share:met",
    ]);
    expect(view.assessment.maximumAmountCents).toBe(90_000_000);
    await staff.award(twente, { roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01" });
    expect((await staff.view(twente, 6)).award.amountCents).toBe(90_000_000);
  });

  it("R-ST-02 one cent short of 10% co-financing is ineligible: the award is refused with the reason, and the plan stays retrievable", async () => {
    const achterhoek = await regionalPlan("Achterhoek", { coFinancing: [{ partner: "Machinefabriek BV", kindId: "financial", amountCents: 9_999_999 }] });
    await backOffice.settle();
    await staff.assess(achterhoek);
    const refused = await staff.award(achterhoek, { roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01" }, 422);
    expect(refused.body).toMatchObject({ title: "ineligible", ruleIds: ["R-ST-02"] });
    expect(refused.body.detail).toContain("co-financing 99,999.99 of plan costs 1,000,000.00, at least 10% required");
    const view = await staff.view(achterhoek, 5);
    expect(view).toMatchObject({ status: "queued", details: { coFinancing: [{ partner: "Machinefabriek BV", amountCents: 9_999_999 }] } });
  });

  it("R-ST-01 a consortium without an mbo institution fails the composition check; R-ST-01 one plan per region", async () => {
    const incomplete = await regionalPlan("Rivierenland", { partners: consortium.filter((p) => p.kindId !== "mbo-institution"), coFinancing: [{ partner: "X", kindId: "financial", amountCents: 10_000_000 }] });
    // A week after the first Twente plan: the earlier one holds the region.
    const second = await regionalPlan("Twente", { coFinancing: [{ partner: "Y", kindId: "internships", amountCents: 10_000_000 }] }, "2019-03-27T12:00:00.000Z");
    await backOffice.settle();
    await staff.assess(incomplete);
    await staff.assess(second);
    const one = await staff.view(incomplete, 5);
    expect(one.assessment.checks.find((c: { checkId: string }) => c.checkId === "consortium-composition")).toMatchObject({ outcome: "not-met", reason: "the consortium lacks: mbo-institution" });
    const two = await staff.view(second, 5);
    expect(two.assessment.checks.find((c: { checkId: string }) => c.checkId === "one-per-region")).toMatchObject({ outcome: "not-met" });
  });

  it("R-ST-03 an approved region's change request adds EUR 15,895 per VSO pupil to its award, reserved on the line; after 2019-09-30 it is refused", async () => {
    const zeeland = await regionalPlan("Zeeland", { coFinancing: [{ partner: "Zeeuwse Metaal BV", kindId: "financial", amountCents: 10_000_000 }] });
    await backOffice.settle();
    await staff.assess(zeeland);
    await staff.award(zeeland, { roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01" });
    const before = await staff.budget("sterk-techniekonderwijs-2020");

    const late = await staff.expect("committee-secretary", "POST", `/applications/${zeeland}/vso-supplement`, { partnerSchool: "VSO De Brug", pupilCount: 3, addendumRef: "addendum-zeeland.pdf", requestedOn: "2019-10-01" }, 409);
    expect(late.body).toMatchObject({ title: "closed", ruleIds: ["R-ST-03"], detail: "change requests for the VSO supplement closed on 2019-09-30" });
    await staff.expect("committee-secretary", "POST", `/applications/${zeeland}/vso-supplement`, { partnerSchool: "VSO De Brug", pupilCount: 3, addendumRef: "addendum-zeeland.pdf", requestedOn: "2019-09-15" }, 200);

    const view = await staff.view(zeeland, 7);
    expect(view.vsoSupplement).toEqual({ partnerSchool: "VSO De Brug", pupilCount: 3, amountCents: 4_768_500, formula: "3 x 15,895.00 = 47,685.00 [R-ST-03]" });
    expect(view.award.amountCents).toBe(90_000_000 + 4_768_500);
    const after = await staff.budget("sterk-techniekonderwijs-2020");
    expect(before["regional-plans"].availableCents - after["regional-plans"].availableCents).toBe(4_768_500);
    await staff.awardLetter(zeeland, "2019-10-15");
    expect((await staff.view(zeeland, 8)).awardLetter).toBeTruthy();
    const budget = await staff.budget("sterk-techniekonderwijs-2020");
    expect(budget["regional-plans"].reservedCents).toBe(90_000_000);
  });
});
