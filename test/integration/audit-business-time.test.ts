import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestBackOffice, startTestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 13 (4), R-X-04: the budget position by business date. Application A is registered, decided
 * (2021-02-25) and its award letter issued (2021-03-01); at T1 an auditor could have looked. Then a
 * back-office catch-up registers application B, received 2021-01-05, and records its award decided
 * on 2021-02-20. As recorded at T1, the line holds A's commitment only; effective on 2021-02-28 as
 * known now, it holds two reservations (A's letter came later); as known at T1, A's reservation.
 */
const SCHEME = "technohubs-2020";
let backOffice: TestBackOffice;
let staff: Staff;
let applicationA: string;
let applicationB: string;
let lineId: string;
let awardCents: number;
let t1: string;

async function grant(hub: string, region: string, receivedAt: string, decidedOn: string, letterOn?: string): Promise<string> {
  const id = await staff.register({
    schemeId: SCHEME, instrumentId: "execution", technohub: { name: hub, region }, applicant: { companyName: "Metaal BV" },
    requestedAmountCents: 50_000_000, receivedAt, sectionIds: ["application-form", "proposal"],
  });
  await staff.details(id, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
  await staff.complete(id);
  await backOffice.settle();
  await staff.assess(id);
  await staff.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn });
  if (letterOn) await staff.awardLetter(id, letterOn);
  return id;
}

const asOf = async (query: string) => (await staff.expect("auditor", "GET", `/audit/as-of?schemeId=${SCHEME}&${query}`, undefined, 200)).body;
const lineOf = (state: { documents: Array<{ documentId: string; doc: Record<string, number> }> }) => state.documents.find((d) => d.documentId === `${SCHEME}.${lineId}`)?.doc;

beforeAll(async () => {
  backOffice = await startTestBackOffice("audit-business-time");
  staff = new Staff(backOffice);
  await backOffice.settle();
  applicationA = await grant("Technohub Tijdig", "Regio Tijdig", "2021-01-10T09:00:00.000Z", "2021-02-25", "2021-03-01");
  const budget = await staff.budget(SCHEME);
  const line = Object.values(budget).find((l) => l.committedCents > 0);
  lineId = line.budgetLineId;
  awardCents = line.committedCents;
  t1 = new Date().toISOString();
  // Everything of the catch-up is recorded strictly after T1.
  await new Promise((r) => setTimeout(r, 5));
  applicationB = await grant("Technohub Laat", "Regio Laat", "2021-01-05T14:00:00.000Z", "2021-02-20");
  await backOffice.settle();
}, 180_000);

afterAll(async () => {
  await backOffice?.stop();
});

describe("R-X-04 audit by business date: effective on D, as known at T", () => {
  it("R-X-02 as recorded at T1 the line holds A's commitment only; without an axis the answer is the recorded one, as before", async () => {
    const recorded = await asOf(`projection=budget-lines&at=${t1}`);
    expect(recorded).toMatchObject({ axis: "recorded", effectiveOn: null, knownAt: t1, asOf: t1 });
    expect(recorded.statement).toBe(`as recorded at ${t1} (every effective date)`);
    expect(lineOf(recorded)).toMatchObject({ reservedCents: 0, committedCents: awardCents });
    expect(await asOf(`projection=budget-lines&at=${t1}&axis=recorded`)).toEqual(recorded);
  });

  it("R-X-02 effective on 2021-02-28 as known now: A and the catch-up's B are reserved, nothing committed yet (A's letter is dated 2021-03-01)", async () => {
    const business = await asOf("projection=budget-lines&at=2021-02-28&axis=business");
    expect(business).toMatchObject({ axis: "business", effectiveOn: "2021-02-28T23:59:59.999Z", asOf: "2021-02-28T23:59:59.999Z" });
    expect(business.statement).toBe(`effective on 2021-02-28T23:59:59.999Z, as known at ${business.knownAt}`);
    expect(business.knownAt > t1).toBe(true);
    expect(lineOf(business)).toMatchObject({ reservedCents: 2 * awardCents, committedCents: 0 });
    // Every event it used was recorded after 2021-02-28: B's reservation among them, dated by its award.
    expect(business.backdated).toContainEqual(
      expect.objectContaining({ streamId: `budget-line#${SCHEME}.${lineId}`, type: "BudgetReserved", effectiveAt: "2021-02-20T00:00:00.000Z", effectiveFrom: "AwardGranted.decidedOn (same decision)" }),
    );
    expect(business.backdatedCount).toBe(business.backdated.length);
    // A's award letter (2021-03-01) was known but is not effective yet.
    expect(business.notYetEffective).toBeGreaterThan(0);
  });

  it("effective on 2021-02-28 as known at T1: only A's reservation, the catch-up not yet known", async () => {
    const business = await asOf(`projection=budget-lines&at=2021-02-28&axis=business&knownAt=${t1}`);
    expect(business.knownAt).toBe(t1);
    expect(business.statement).toBe(`effective on 2021-02-28T23:59:59.999Z, as known at ${t1}`);
    expect(lineOf(business)).toMatchObject({ reservedCents: awardCents, committedCents: 0 });
    expect(business.backdated.map((b: { type: string; effectiveAt: string }) => [b.type, b.effectiveAt])).not.toContainEqual(["BudgetReserved", "2021-02-20T00:00:00.000Z"]);
  });

  it("R-TH-09 application B exists on the business axis from its receivedAt, and not at all as recorded at T1", async () => {
    expect((await asOf(`projection=applications&id=${applicationB}&at=${t1}`)).documents).toEqual([]);
    const received = await asOf(`projection=applications&id=${applicationB}&at=2021-01-31&axis=business`);
    expect(received.documents[0]).toMatchObject({ documentId: applicationB });
    expect((await asOf(`projection=applications&id=${applicationB}&at=2021-01-04&axis=business`)).documents).toEqual([]);
    expect((await asOf(`projection=applications&id=${applicationA}&at=2021-01-04&axis=business`)).documents).toEqual([]);
  });

  it("the recorded view as of now flags the catch-up's reservation, recorded more than a day after its decision", async () => {
    const now = await asOf(`projection=budget-lines&id=${SCHEME}.${lineId}&at=${new Date().toISOString()}`);
    expect(lineOf(now)).toMatchObject({ reservedCents: awardCents, committedCents: awardCents });
    const flagged = now.backdated.filter((b: { type: string }) => b.type === "BudgetReserved");
    expect(flagged.map((b: { effectiveAt: string }) => b.effectiveAt).sort()).toEqual(["2021-02-20T00:00:00.000Z", "2021-02-25T00:00:00.000Z"]);
    for (const b of flagged) expect(b.recordedAt > b.effectiveAt).toBe(true);
  });

  it("explain on the business axis lists the line's events with their effective dates and marks those known only later", async () => {
    const explained = (await staff.expect("auditor", "GET", `/audit/explain?schemeId=${SCHEME}&projection=budget-lines&id=${SCHEME}.${lineId}&at=2021-02-28&axis=business`, undefined, 200)).body;
    expect(explained.axis).toBe("business");
    expect(explained.document).toMatchObject({ reservedCents: 2 * awardCents, committedCents: 0 });
    const reservations = explained.events.filter((e: { type: string }) => e.type === "BudgetReserved");
    expect(reservations.map((e: { effectiveAt: string; backdated: boolean }) => [e.effectiveAt, e.backdated])).toEqual([
      ["2021-02-25T00:00:00.000Z", true],
      ["2021-02-20T00:00:00.000Z", true],
    ]);
    expect(explained.events.map((e: { type: string }) => e.type)).not.toContain("BudgetCommitted");
  });

  it("knownAt belongs to the business axis: asked on the recorded axis it is a 400", async () => {
    await staff.expect("auditor", "GET", `/audit/as-of?schemeId=${SCHEME}&projection=budget-lines&at=${t1}&knownAt=${t1}`, undefined, 400);
  });
});
