import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replayAndCompare } from "../../audit/replay.ts";
import { verifyLog } from "../../audit/verify.ts";
import { verifyBudgetLineDerived } from "../../functions/store/budget-balance.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { parseMessage } from "../../functions/intake/mime.ts";
import { eventually, startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { pdfText } from "../support/pdf-text.ts";
import { expectLedgerReconciles } from "../support/ledger.ts";
import { Staff } from "../support/scenario.ts";

/**
 * Issue 13: change requests ("wijzigingsverzoek") after the award, through the staff API. Seed 003
 * (R-ST-03): the decision went out on 1 July 2019; approved regions could ask for the VSO
 * supplement by change request until 1 October 2019. And a Technohubs grant that shifts money
 * between cost lines and decreases after its advance was paid (R-TH-03, R-TH-12, R-X-02).
 */
let backOffice: TestBackOffice;
let staff: Staff;
const STO = "sterk-techniekonderwijs-2020";
const TH = "technohubs-2020";

/** The Sterk Techniekonderwijs grant of the first scenario. */
let regionGrant = "";

const store = () => backOffice.dependencies.events as DynamoDbEventStore;

async function grantView(grantId: string, version: number): Promise<any> {
  await backOffice.settle();
  const view = (await staff.expect("auditor", "GET", `/grants/${grantId}`, undefined, 200)).body;
  expect(view.version).toBeGreaterThanOrEqual(version);
  return view;
}

const submit = (grantId: string, body: Record<string, unknown>, status: number) => staff.expect("intake", "POST", `/grants/${grantId}/change-requests`, body, status);
const decide = (grantId: string, requestId: string, body: Record<string, unknown>, status: number) =>
  staff.expect("committee-secretary", "POST", `/grants/${grantId}/change-requests/${requestId}/decision`, body, status);

async function pay(grantId: string, trancheId: string, amountCents: number) {
  const registered = await staff.expectAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId, invoiceNumber: `F-${trancheId}`, invoiceDate: "2021-03-05", amountCents, iban: "NL91ABNA0417164300", documentRef: "s3://documents/invoice.pdf" }, 201);
  const invoiceId = registered.body.recorded[0].data.invoiceId;
  await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {}, 200);
  await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: `BANK-${trancheId}`, valueDate: "2021-03-10" }, 200);
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("change-requests");
  staff = new Staff(backOffice);
});

afterEach(async () => {
  await backOffice.settle();
  await expectLedgerReconciles(backOffice.dependencies.readModels, TH);
  await expectLedgerReconciles(backOffice.dependencies.readModels, STO);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("change requests after the award (issue 13)", () => {
  it("R-ST-03 in the seed's order: award letter on 2019-07-01, VSO change request in September adds 3 x 15,895.00 to the grant, reserved and committed on the line in one append; one arriving on 2019-10-01 is recorded and refused with the reason", async () => {
    const region = await staff.register({
      schemeId: STO, instrumentId: "regional-plan", technohub: { name: "Regio Zeeland", region: "STO19042" }, applicant: { companyName: "Vmbo Zeeland (penvoerder)" }, contacts: [{ address: "penvoerder@vmbo-zeeland.example" }],
      requestedAmountCents: 90_000_000, receivedAt: "2019-03-20T12:00:00.000Z", sectionIds: ["regional-plan", "budget", "co-financing"],
    });
    await staff.details(region, {
      partners: [{ name: "Vmbo Zeeland", kindId: "vmbo-school" }, { name: "Scalda", kindId: "mbo-institution" }, { name: "Zeeuwse Metaal BV", kindId: "regional-company" }],
      totalPlanCostsCents: 100_000_000, coFinancing: [{ partner: "Zeeuwse Metaal BV", kindId: "financial", amountCents: 10_000_000 }],
    });
    await staff.complete(region);
    await backOffice.settle();
    await staff.assess(region);
    await staff.award(region, { roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01" });
    await staff.awardLetter(region, "2019-07-01");
    regionGrant = region;
    const before = await staff.budget(STO);

    // The pre-letter route names the way: after the letter it is a change request on the grant.
    const old = await staff.expect("committee-secretary", "POST", `/applications/${region}/vso-supplement`, { partnerSchool: "VSO De Brug", pupilCount: 3, addendumRef: "addendum.pdf", requestedOn: "2019-09-16" }, 422);
    expect(old.body).toMatchObject({ ruleIds: ["R-ST-03"], details: { grantId: region } });

    const vso = { kind: "increase", basis: { kind: "vso-pupils", partnerSchool: "VSO De Brug", pupilCount: 3, addendumRef: "addendum-zeeland.pdf" } };
    const submitted = await submit(region, { change: vso, receivedOn: "2019-09-16", documentRef: "mail/wijzigingsverzoek-zeeland.eml" }, 201);
    const requestId = submitted.body.recorded[0].data.requestId;
    expect(submitted.body.recorded.map((e: { type: string }) => e.type)).toEqual(["ChangeRequestSubmitted"]);

    // "Tot 1 oktober 2019": a request that reaches the fund on 1 October is late; it is kept, refused with the reason.
    const late = await submit(region, { change: { ...vso, basis: { ...vso.basis, partnerSchool: "VSO Het Anker" } }, receivedOn: "2019-10-01" }, 409);
    expect(late.body).toMatchObject({ title: "closed", ruleIds: ["R-ST-03"], detail: "change requests for the VSO supplement closed on 2019-09-30; this one arrived on 2019-10-01" });
    // Retried under one Idempotency-Key, a refused request is answered with its refusal again and recorded once.
    const lateOnce = { change: { ...vso, basis: { ...vso.basis, partnerSchool: "VSO Het Anker" } }, receivedOn: "2019-10-02" };
    const first = await staff.expect("intake", "POST", `/grants/${region}/change-requests`, lateOnce, 409, { "idempotency-key": "late-anker" });
    const retried = await staff.expect("intake", "POST", `/grants/${region}/change-requests`, lateOnce, 409, { "idempotency-key": "late-anker" });
    expect(retried.body.detail).toBe(first.body.detail);

    const granted = await decide(region, requestId, { decision: "grant", decidedOn: "2019-09-30" }, 200);
    expect(granted.body.recorded.map((e: { type: string }) => e.type)).toEqual(["ChangeRequestGranted", "BudgetReserved", "BudgetCommitted"]);
    expect(granted.body.recorded[0].data).toMatchObject({
      previousAmountCents: 90_000_000,
      amountCents: 94_768_500,
      budgetEffect: { reservedCents: 4_768_500, committedCents: 4_768_500, releasedCents: 0 },
      derivation: { formula: "900,000.00 + 3 x 15,895.00 = 947,685.00 [R-ST-03]", ruleIds: ["R-ST-03"] },
    });
    await decide(region, requestId, { decision: "grant", decidedOn: "2019-09-30" }, 409);

    const view = await grantView(region, 7);
    expect(view.awardCents).toBe(94_768_500);
    expect(view.openedAmountCents).toBe(90_000_000);
    // R-ST-04: four equal yearly tranches of the new amount (nothing paid yet in 2019).
    expect(view.tranches.map((t: { trancheId: string; amountCents: number }) => `${t.trancheId}:${t.amountCents}`)).toEqual(["year-2020:23692125", "year-2021:23692125", "year-2022:23692125", "year-2023:23692125"]);
    expect(view.changeRequests.map((r: any) => [r.status, r.receivedOn, r.refusal?.reasons ?? null])).toEqual([
      ["granted", "2019-09-16", null],
      ["refused", "2019-10-01", ["change requests for the VSO supplement closed on 2019-09-30; this one arrived on 2019-10-01"]],
      ["refused", "2019-10-02", ["change requests for the VSO supplement closed on 2019-09-30; this one arrived on 2019-10-02"]],
    ]);
    expect(view.amendments).toEqual([expect.objectContaining({ requestId, kind: "increase", previousAmountCents: 90_000_000, amountCents: 94_768_500 })]);
    expect(view.commitmentsAdded).toEqual([expect.objectContaining({ ruleIds: ["R-ST-03", "R-ST-06"] })]);

    const after = await staff.budget(STO);
    expect(before["regional-plans"].availableCents - after["regional-plans"].availableCents).toBe(4_768_500);
    expect(after["regional-plans"].committedCents - before["regional-plans"].committedCents).toBe(4_768_500);
    expect(after["regional-plans"].reservedCents).toBe(before["regional-plans"].reservedCents);
  });

  it("issue 13 letters: each change request's decision is a letter to the grant's contacts, granted (R-ST-03, old and new amount) and refused by the rules (the reason with its rule ID), its PDF text read back from the outbox", async () => {
    await backOffice.settle();
    const listed = await eventually(
      async () => ((await staff.expect("auditor", "GET", `/applications/${regionGrant}/letters`, undefined, 200)).body.items as Array<{ kind: string; delivery: string }>).filter((l) => l.kind === "change-request-decided"),
      (decided) => decided.length === 3 && decided.every((l) => l.delivery !== "sending"),
    );
    expect(listed.map((l) => l.delivery)).toEqual(["delivered", "delivered", "delivered"]);
    const texts: string[] = [];
    const folder = join(backOffice.mailDir, "outbox");
    for (const name of (await readdir(folder)).filter((n) => n.startsWith("letter.") && n.endsWith(".eml"))) {
      const parsed = await parseMessage(new Uint8Array(await readFile(join(folder, name))));
      if (parsed.recipients[0] !== "penvoerder@vmbo-zeeland.example") continue;
      const pdf = parsed.attachments.find((a) => a.contentType === "application/pdf");
      if (pdf) texts.push((await pdfText(pdf.content)).join(" "));
    }
    const granted = texts.filter((t) => t.includes("VSO De Brug"));
    expect(granted).toHaveLength(1);
    expect(granted[0]).toContain("€ 900.000,00");
    expect(granted[0]).toContain("€ 947.685,00");
    const refused = texts.filter((t) => t.includes("VSO Het Anker"));
    expect(refused).toHaveLength(2);
    for (const text of refused) {
      expect(text).toContain("R-ST-03");
      expect(text).toMatch(/closed on 2019-09-30; this one arrived on 2019-10-0[12]/);
    }
  });

  it("R-ST-03 the same partner school's pupils are counted once; R-TH-12 (interpretation) a Technohubs grant takes no increase: the scheme gives it no basis", async () => {
    const again = await submit(regionGrant, { change: { kind: "increase", basis: { kind: "vso-pupils", partnerSchool: "vso de brug", pupilCount: 1, addendumRef: "a.pdf" } }, receivedOn: "2019-09-20" }, 422);
    expect(again.body.detail).toBe("a VSO supplement for vso de brug was asked for already on this grant; its pupils are counted once, on 2018-10-01");

    const hub = await staff.technohubsGrant(1);
    const increase = await submit(hub, { change: { kind: "increase", basis: { kind: "vso-pupils", partnerSchool: "X", pupilCount: 1, addendumRef: "a.pdf" } }, receivedOn: "2021-03-02" }, 422);
    expect(increase.body).toMatchObject({ detail: "scheme technohubs-2020 takes no change requests of the kind increase", ruleIds: ["R-TH-03", "R-TH-12"] });
  });

  it("R-TH-03 R-TH-12 R-X-02 a Technohubs grant: a cost-line shift keeps amount and plan; a decrease after the paid advance leaves the advance untouched, shrinks the final tranche and releases the difference; below what is paid is refused", async () => {
    const id = await staff.register({
      schemeId: TH, instrumentId: "execution", technohub: { name: "Technohub Wijziging", region: "Wijzigregio" },
      applicant: { companyName: "Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    await staff.details(id, {
      plannedStartDate: "2021-03-01", plannedEndDate: "2021-12-31", applicantAffiliated: true,
      costLines: [
        { lineId: "staff", categoryId: "company-staff", description: "Hub staff", amountCents: 40_000_000 },
        { lineId: "marketing", categoryId: "regional-marketing", description: "Regional campaign", amountCents: 18_500_000 },
        { lineId: "machines", categoryId: "hardware", description: "CNC machine", amountCents: 2_000_000 },
      ],
    });
    await staff.complete(id);
    await backOffice.settle();
    await staff.assess(id);
    await staff.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    await staff.awardLetter(id, "2021-03-01");
    await pay(id, "advance", 32_760_000);
    const before = await staff.budget(TH);

    // A shift: the grant and its tranche plan stay; the cost lines move.
    const shift = await submit(id, { change: { kind: "cost-line-shift", shifts: [{ fromLineId: "staff", toLineId: "marketing", amountCents: 5_000_000 }] }, receivedOn: "2021-04-01", explanation: "more outreach" }, 201);
    const shifted = await decide(id, shift.body.recorded[0].data.requestId, { decision: "grant", decidedOn: "2021-04-08" }, 200);
    expect(shifted.body.recorded.map((e: { type: string }) => e.type)).toEqual(["ChangeRequestGranted"]);
    // R-TH-03: nothing moves into an excluded category (hardware); the refusal is recorded with its reason.
    const toHardware = await submit(id, { change: { kind: "cost-line-shift", shifts: [{ fromLineId: "staff", toLineId: "machines", amountCents: 100 }] }, receivedOn: "2021-04-02" }, 422);
    expect(toHardware.body).toMatchObject({ title: "ineligible", ruleIds: ["R-TH-03", "R-TH-04"] });

    // Below what is paid: 409,500.00 - 100,000.00 = 309,500.00 < 327,600.00 paid.
    const tooMuch = await submit(id, { change: { kind: "decrease", decreaseCents: 10_000_000 }, receivedOn: "2021-05-01" }, 422);
    expect(tooMuch.body.detail).toBe("EUR 327,600.00 of this grant is paid or invoiced already; it cannot go below that to EUR 309,500.00");

    const decrease = await submit(id, { change: { kind: "decrease", decreaseCents: 5_000_000 }, receivedOn: "2021-05-03", explanation: "one activity dropped" }, 201);
    const decreased = await decide(id, decrease.body.recorded[0].data.requestId, { decision: "grant", decidedOn: "2021-05-10" }, 200);
    expect(decreased.body.recorded.map((e: { type: string; data: any }) => [e.type, e.data.amountCents])).toEqual([["ChangeRequestGranted", 35_950_000], ["BudgetReleased", 5_000_000]]);

    // Staff may refuse with their reasons; the request keeps them.
    const extension = await submit(id, { change: { kind: "end-date-extension", newEndDate: "2022-06-30" }, receivedOn: "2021-05-04" }, 201);
    await decide(id, extension.body.recorded[0].data.requestId, { decision: "refuse", reasons: ["The hub's plan ends with the school year 2021"], decidedOn: "2021-05-10" }, 200);

    const view = await grantView(id, 14);
    expect(view.awardCents).toBe(35_950_000);
    expect(view.tranches.map((t: { trancheId: string; amountCents: number }) => `${t.trancheId}:${t.amountCents}`)).toEqual(["advance:32760000", "final:3190000"]);
    expect(view.costLines).toEqual([
      { lineId: "staff", categoryId: "company-staff", amountCents: 35_000_000 },
      { lineId: "marketing", categoryId: "regional-marketing", amountCents: 23_500_000 },
      { lineId: "machines", categoryId: "hardware", amountCents: 2_000_000 },
    ]);
    expect(view.amendments.map((a: any) => [a.kind, a.previousAmountCents, a.amountCents, a.trancheAmounts])).toEqual([
      ["cost-line-shift", 40_950_000, 40_950_000, { advance: 32_760_000, final: 8_190_000 }],
      ["decrease", 40_950_000, 35_950_000, { advance: 32_760_000, final: 3_190_000 }],
    ]);
    expect(view.changeRequests.map((r: any) => `${r.kind}:${r.status}`)).toEqual(["cost-line-shift:granted", "cost-line-shift:refused", "decrease:refused", "decrease:granted", "end-date-extension:refused"]);
    expect(view.changeRequests.at(-1).refusal).toEqual({ refusedBy: "staff", reasons: ["The hub's plan ends with the school year 2021"], ruleIds: [] });

    const after = await staff.budget(TH);
    expect(after.technohubs.availableCents - before.technohubs.availableCents).toBe(5_000_000);
    expect(before.technohubs.committedCents - after.technohubs.committedCents).toBe(5_000_000);

    // R-TH-12 settlement reads the amended grant: never above 359,500.00; the final payment is what the plan left.
    await staff.expect("intake", "POST", `/grants/${id}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 58_500_000 }], submittedOn: "2022-01-15" }, 200);
    await staff.expect("assessor", "POST", `/grants/${id}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: 58_500_000, on: "2022-02-01" }, 200);
    const settled = await staff.expect("finance", "POST", `/grants/${id}/settlement`, { settledOn: "2022-02-10" }, 200);
    expect(settled.body.recorded[0].data).toMatchObject({ awardCents: 35_950_000, finalGrantCents: 35_950_000, finalPaymentCents: 3_190_000, releasedCents: 0 });
  });

  it("R-X-01 R-X-02 R-X-04 after the change requests: every budget line's derived balance agrees with a full fold, the log verifies, and a replay of the log equals the live read models", async () => {
    await backOffice.settle();
    const schemeIds = backOffice.dependencies.schemes.all().map((s) => s.definition.id);
    for (const line of [`budget-line#${STO}.regional-plans`, `budget-line#${TH}.technohubs`]) {
      const derived = await verifyBudgetLineDerived(store(), line);
      expect(derived.mismatches).toEqual([]);
      // Every event carries its balance but the opening (plain appends at the runtime's start, as in budget-balance.test.ts).
      expect(derived.balances).toBe(derived.events - 1);
      expect(derived.positions).toBeGreaterThan(0);
    }
    const { report } = await verifyLog(store().readSchemeItems(schemeIds));
    expect(report.problems).toEqual([]);
    const replay = await replayAndCompare({ events: store().readSchemes(schemeIds), live: backOffice.dependencies.readModels, wholeLog: true });
    expect(replay.differences).toEqual([]);
  });
});
