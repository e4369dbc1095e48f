import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { projections } from "../../domain/projections/index.ts";
import { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../../functions/projector/rebuild.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { freshTables, localClient } from "../support/dynamo.ts";
import { expectLedgerReconciles } from "../support/ledger.ts";
import { everyPage } from "../support/pages.ts";
import { Staff } from "../support/scenario.ts";

/** R-TH-12, R-X-02, R-X-03, R-ST-04: the money after the award letter, through the staff API. */
let backOffice: TestBackOffice;
let staff: Staff;
const IBAN = "NL91ABNA0417164300";
let hubCount = 0;

/** An execution grant of EUR 409,500.00 (70% of 585,000.00), its award letter issued. */
const technohubsGrant = () => staff.technohubsGrant(++hubCount);

async function pay(grantId: string, trancheId: string, amountCents: number, invoiceDate: string, valueDate: string) {
  const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId, invoiceNumber: `F-${trancheId}-${invoiceDate}`, invoiceDate, amountCents, iban: "NL91 ABNA 0417 1643 00", documentRef: "s3://documents/invoice.pdf" });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const invoiceId = registered.body.recorded[0].data.invoiceId;
  const approved = await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {});
  expect(approved.status, JSON.stringify(approved.body)).toBe(200);
  const paid = await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: `BANK-${invoiceId.slice(0, 8)}`, valueDate });
  expect(paid.status, JSON.stringify(paid.body)).toBe(200);
  return invoiceId;
}

async function settleOn(grantId: string, approvedEligibleCostsCents: number) {
  await staff.expect("intake", "POST", `/grants/${grantId}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: approvedEligibleCostsCents }], submittedOn: "2022-01-15" }, 200);
  await staff.expect("assessor", "POST", `/grants/${grantId}/final-report/review`, { decision: "approve", approvedEligibleCostsCents, on: "2022-02-01" }, 200);
  return staff.expect("finance", "POST", `/grants/${grantId}/settlement`, { settledOn: "2022-02-10" }, 200);
}

async function grant(grantId: string): Promise<any> {
  await backOffice.settle();
  return (await staff.expect("auditor", "GET", `/grants/${grantId}`, undefined, 200)).body;
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("payments");
  staff = new Staff(backOffice);
});

afterEach(async () => {
  await backOffice.settle();
  await expectLedgerReconciles(backOffice.dependencies.readModels, "technohubs-2020");
  await expectLedgerReconciles(backOffice.dependencies.readModels, "sterk-techniekonderwijs-2020");
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("payments and settlement", () => {
  it("R-TH-12 a grant paid 80/20 in full: 327,600.00 on the award letter, 81,900.00 after the approved final report", async () => {
    const grantId = await technohubsGrant();
    expect((await grant(grantId)).tranches.map((t: { amountCents: number }) => t.amountCents)).toEqual([32_760_000, 8_190_000]);

    const tooMuch = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "advance", invoiceNumber: "F-1", invoiceDate: "2021-03-05", amountCents: 32_760_001, iban: IBAN, documentRef: "doc" });
    expect(tooMuch).toMatchObject({ status: 422, body: { detail: "tranche advance allows EUR 327,600.00; the invoice asks EUR 327,600.01" } });
    const early = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "final", invoiceNumber: "F-2", invoiceDate: "2021-03-05", amountCents: 100, iban: IBAN, documentRef: "doc" });
    expect(early).toMatchObject({ status: 422, body: { ruleIds: ["R-TH-12"] } });
    const badIban = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "advance", invoiceNumber: "F-3", invoiceDate: "2021-03-05", amountCents: 100, iban: "NL91ABNA0417164301", documentRef: "doc" });
    expect(badIban).toMatchObject({ status: 422, body: { detail: expect.stringContaining("not a valid IBAN") } });

    await pay(grantId, "advance", 32_760_000, "2021-03-05", "2021-03-10");
    const settled = await settleOn(grantId, 58_500_000);
    expect(settled.body.recorded[0].data).toMatchObject({ finalGrantCents: 40_950_000, paidCents: 32_760_000, finalPaymentCents: 8_190_000, recoveryCents: 0, releasedCents: 0 });
    await pay(grantId, "final", 8_190_000, "2022-02-12", "2022-02-15");
    const done = await grant(grantId);
    expect(done).toMatchObject({ status: "closed", paidCents: 40_950_000 });
    expect(done.payouts.map((p: { amountCents: number; approvedBy: string }) => [p.amountCents, p.approvedBy])).toEqual([[32_760_000, "finance-bram"], [8_190_000, "finance-bram"]]);
  });

  it("R-X-03 four-eyes: the finance user who registered an invoice cannot approve it (403 with the reason)", async () => {
    const grantId = await technohubsGrant();
    const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "advance", invoiceNumber: "F-9", invoiceDate: "2021-03-05", amountCents: 1_000_000, iban: IBAN, documentRef: "doc" });
    const invoiceId = registered.body.recorded[0].data.invoiceId;
    const own = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {});
    expect(own).toMatchObject({ status: 403, body: { title: "forbidden", ruleIds: ["R-X-03"], detail: "four-eyes: the person who registered an invoice cannot approve its payment" } });
    const unapproved = await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: "B-1", valueDate: "2021-03-10" });
    expect(unapproved.status).toBe(422);
    expect((await grant(grantId)).invoices[0]).toMatchObject({ status: "registered", registeredBy: "finance-anna", approvedBy: null });
    const other = await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {});
    expect(other.status).toBe(200);
  });

  it("R-TH-12 R-X-02 a grant settled lower (costs under budget): 70% x 500,000.00 = 350,000.00, the 59,500.00 difference released to the budget", async () => {
    const grantId = await technohubsGrant();
    await pay(grantId, "advance", 32_760_000, "2021-03-05", "2021-03-10");
    const before = await staff.budget("technohubs-2020");
    const settled = await settleOn(grantId, 50_000_000);
    expect(settled.body.recorded[0].data).toMatchObject({ finalGrantCents: 35_000_000, finalPaymentCents: 2_240_000, releasedCents: 5_950_000 });
    expect(settled.body.recorded[0].data.derivation.formula).toBe("min(award 409,500.00, min(70% x 500,000.00, 500,000.00)) = 350,000.00; paid 327,600.00; final payment 22,400.00 [R-TH-12]");
    const after = await staff.budget("technohubs-2020");
    expect(after.technohubs.availableCents - before.technohubs.availableCents).toBe(5_950_000);
    await pay(grantId, "final", 2_240_000, "2022-02-12", "2022-02-15");
    expect(await grant(grantId)).toMatchObject({ status: "closed", paidCents: 35_000_000 });
  });

  it("R-TH-12 a grant ending in a recovery claim, tracked until repaid in two parts", async () => {
    const grantId = await technohubsGrant();
    await pay(grantId, "advance", 32_760_000, "2021-03-05", "2021-03-10");
    const settled = await settleOn(grantId, 40_000_000);
    expect(settled.body.recorded[0].data).toMatchObject({ finalGrantCents: 28_000_000, paidCents: 32_760_000, finalPaymentCents: 0, recoveryCents: 4_760_000, releasedCents: 8_190_000 });
    expect((await grant(grantId)).status).toBe("recovery-due");
    const tooMuch = await staff.expect("finance", "POST", `/grants/${grantId}/recoveries`, { amountCents: 4_760_001, bankReference: "R-0", receivedOn: "2022-03-01" }, 422);
    expect(tooMuch.body.detail).toBe("only EUR 47,600.00 is to be recovered");
    await staff.expect("finance", "POST", `/grants/${grantId}/recoveries`, { amountCents: 2_000_000, bankReference: "R-1", receivedOn: "2022-03-01" }, 201);
    expect((await grant(grantId)).status).toBe("recovery-due");
    await staff.expect("finance", "POST", `/grants/${grantId}/recoveries`, { amountCents: 2_760_000, bankReference: "R-2", receivedOn: "2022-04-01" }, 201);
    const closed = await grant(grantId);
    expect(closed).toMatchObject({ status: "closed", recoveredCents: 4_760_000 });
    expect(closed.payouts.map((p: { kind: string; amountCents: number }) => `${p.kind}:${p.amountCents}`)).toEqual(["payment:32760000", "recovery:-2000000", "recovery:-2760000"]);
  });

  it("R-ST-04 a Sterk Techniekonderwijs grant is paid in yearly tranches; money of a later year is refused earlier", async () => {
    const id = await staff.register({
      schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", technohub: { name: "Regio Twente", region: "STO19001" }, applicant: { companyName: "Vmbo Twente" },
      requestedAmountCents: 90_000_000, receivedAt: "2019-03-20T12:00:00.000Z", sectionIds: ["regional-plan", "budget", "co-financing"],
    });
    await staff.details(id, {
      partners: [{ name: "Vmbo", kindId: "vmbo-school" }, { name: "Roc", kindId: "mbo-institution" }, { name: "Bedrijf", kindId: "regional-company" }],
      totalPlanCostsCents: 100_000_000, coFinancing: [{ partner: "Bedrijf", kindId: "financial", amountCents: 10_000_000 }],
    });
    await staff.complete(id);
    await backOffice.settle();
    await staff.assess(id);
    await staff.award(id, { roundId: "regional-plans-2019", membersPresent: ["DUS-I"], decidedOn: "2019-07-01" });
    await staff.awardLetter(id, "2019-07-15");
    expect((await grant(id)).tranches.map((t: { trancheId: string; amountCents: number }) => `${t.trancheId}:${t.amountCents}`)).toEqual(["year-2020:22500000", "year-2021:22500000", "year-2022:22500000", "year-2023:22500000"]);

    await pay(id, "year-2020", 22_500_000, "2020-01-06", "2020-01-10");
    const early = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${id}/invoices`, { trancheId: "year-2022", invoiceNumber: "F-22", invoiceDate: "2021-06-01", amountCents: 22_500_000, iban: IBAN, documentRef: "doc" });
    expect(early).toMatchObject({ status: 422, body: { ruleIds: ["R-ST-04"], detail: "tranche year-2022 is money of 2022; it cannot be paid before 2022-01-01" } });
    await pay(id, "year-2021", 22_500_000, "2021-01-04", "2021-01-08");
    await backOffice.settle();
    const payouts = await staff.expect("auditor", "GET", "/payouts?schemeId=sterk-techniekonderwijs-2020&from=2021-01-01", undefined, 200);
    expect(payouts.body).toMatchObject({ count: 1, totalCents: 22_500_000, items: [{ trancheId: "year-2021", ibanMasked: "NL91**********4300" }] });
  });

  it("the payout history exports as CSV for finance and auditors, IBANs masked, with the events behind each line", async () => {
    await backOffice.settle();
    const csv = await backOffice.call("auditor", "GET", "/payouts?schemeId=technohubs-2020&format=csv");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    const [header, ...rows] = (csv.body as string).trim().split("\n");
    expect(header).toBe('"valueDate","kind","schemeId","technohub","grantId","trancheId","amountCents","ibanMasked","invoiceNumber","registeredBy","approvedBy","bankReference","eventIds"');
    // 2 payments (paid in full) + 2 (settled lower) + 1 payment and 2 repayments (recovery).
    expect(rows.length).toBe(7);
    expect(csv.body).not.toContain(IBAN);
    expect(rows.every((r) => r.split(",").at(-1)!.split(" ").length >= 1)).toBe(true);
    expect((await backOffice.call("intake", "GET", "/payouts?schemeId=technohubs-2020")).status).toBe(403);
  });

  it("issue 15: the payout history comes a page at a time in order of value date, from its own list of payouts (JSON with a next cursor, CSV with a Link header), the pages together the whole history", async () => {
    await backOffice.settle();
    const whole = await staff.expect("finance", "GET", "/payouts?schemeId=technohubs-2020", undefined, 200);
    expect(whole.body.count).toBe(7);
    expect(whole.body.next).toBeUndefined();
    const dates = whole.body.items.map((p: { valueDate: string }) => p.valueDate);
    expect(dates).toEqual([...dates].sort());

    // JSON: pages of 3, then 3, then 1.
    const { sizes, items } = await everyPage(staff, "finance", "/payouts?schemeId=technohubs-2020", 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items).toEqual(whole.body.items);

    // CSV: the Link header leads to the rest, under the same header row.
    const first = await backOffice.call("auditor", "GET", "/payouts?schemeId=technohubs-2020&format=csv&limit=5");
    const link = /<([^>]+)>; rel="next"/.exec(first.headers.get("link") ?? "")?.[1];
    expect(link).toMatch(/^\/payouts\?/);
    const rest = await backOffice.call("auditor", "GET", link!);
    expect(rest.headers.get("link")).toBeNull();
    const [header, ...firstRows] = (first.body as string).trim().split("\n");
    const [restHeader, ...restRows] = (rest.body as string).trim().split("\n");
    expect(restHeader).toBe(header);
    expect([...firstRows, ...restRows]).toHaveLength(7);

    // A period bounds the list; limits past the page size and foreign cursors are 400s.
    const period = await staff.expect("finance", "GET", `/payouts?schemeId=technohubs-2020&from=${dates[2]}&to=${dates[4]}`, undefined, 200);
    expect(period.body.items.every((p: { valueDate: string }) => p.valueDate >= dates[2] && p.valueDate <= dates[4])).toBe(true);
    expect(period.body.count).toBe(whole.body.items.filter((p: { valueDate: string }) => p.valueDate >= dates[2] && p.valueDate <= dates[4]).length);
    // A period that ends before it starts is empty, not a store error (DynamoDB refuses a reversed BETWEEN).
    const reversed = await staff.expect("finance", "GET", `/payouts?schemeId=technohubs-2020&from=${dates[4]}&to=${dates[2]}`, undefined, 200);
    expect(reversed.body).toMatchObject({ count: 0, items: [] });
    await staff.expect("finance", "GET", "/payouts?schemeId=technohubs-2020&limit=501", undefined, 400);
    await staff.expect("finance", "GET", "/payouts?schemeId=technohubs-2020&format=csv&limit=2001", undefined, 400);
    await staff.expect("finance", "GET", "/payouts?schemeId=technohubs-2020&cursor=bm90LWdpdmVu!", undefined, 400);
  });

  it("R-X-04 after a full rebuild of the projections from the log, the ledger still reconciles and equals the live one", async () => {
    await backOffice.settle();
    const client = localClient();
    const target = new DynamoDbReadModelStore(client, (await freshTables(client, "ledger-rebuild")).readModels);
    const schemeIds = backOffice.dependencies.schemes.all().map((s) => s.definition.id);
    await rebuildProjections({ events: (backOffice.dependencies.events as DynamoDbEventStore).readSchemes(schemeIds), projections, target });
    await expectLedgerReconciles(target, "technohubs-2020");
    await expectLedgerReconciles(target, "sterk-techniekonderwijs-2020");
    expect(JSON.stringify(await target.dump())).toBe(JSON.stringify(await backOffice.dependencies.readModels.dump()));
    client.destroy();
  });
});
