import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBackOffice, type TestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";

/** Finding 7 through the staff API: what staff type arrives in finance's spreadsheet as text, never as a formula. */
let backOffice: TestBackOffice;
let staff: Staff;
const hubName = '=HYPERLINK("http://x","y")';

beforeAll(async () => {
  backOffice = await startTestBackOffice("parity-csv");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

describe("finding 7: the payouts CSV through the API", () => {
  it("finding 7: a hub named =HYPERLINK(...) and an invoice number =1+1 are written as text cells, a recovery stays a negative number", async () => {
    const id = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: hubName, region: "Twente" },
      applicant: { companyName: "@Metaal BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    await staff.details(id, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
    await staff.complete(id);
    await backOffice.settle();
    await staff.assess(id);
    await staff.award(id, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    await staff.awardLetter(id, "2021-03-01");

    const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${id}/invoices`, { trancheId: "advance", invoiceNumber: "=1+1", invoiceDate: "2021-03-05", amountCents: 32_760_000, iban: "NL91ABNA0417164300", documentRef: "doc" });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    const invoiceId = registered.body.recorded[0].data.invoiceId;
    expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${id}/invoices/${invoiceId}/approval`, {})).status).toBe(200);
    expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${id}/invoices/${invoiceId}/payment`, { bankReference: "+BANK-1", valueDate: "2021-03-10" })).status).toBe(200);
    await staff.expect("intake", "POST", `/grants/${id}/final-report`, { results: [{ objective: "Hub running", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 40_000_000 }], submittedOn: "2022-01-15" }, 200);
    await staff.expect("assessor", "POST", `/grants/${id}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: 40_000_000, on: "2022-02-01" }, 200);
    await staff.expect("finance", "POST", `/grants/${id}/settlement`, { settledOn: "2022-02-10" }, 200);
    await staff.expect("finance", "POST", `/grants/${id}/recoveries`, { amountCents: 4_760_000, bankReference: "-R-1", receivedOn: "2022-03-01" }, 201);
    await backOffice.settle();

    const csv = await backOffice.call("auditor", "GET", "/payouts?schemeId=technohubs-2020&format=csv");
    expect(csv.status).toBe(200);
    const [header, payment, recovery, ...rest] = (csv.body as string).trim().split("\n");
    expect(rest).toEqual([]);
    expect(header).toBe(["valueDate", "kind", "schemeId", "technohub", "grantId", "trancheId", "amountCents", "ibanMasked", "invoiceNumber", "registeredBy", "approvedBy", "bankReference", "eventIds"].map((c) => `"${c}"`).join(","));
    const quotedHub = `"'=HYPERLINK(""http://x"",""y"")"`;
    expect(payment).toContain(`,${quotedHub},`);
    expect(payment).toContain(`,"32760000","NL91**********4300","'=1+1","finance-anna","finance-bram","'+BANK-1",`);
    expect(recovery).toContain(`,"recovery","technohubs-2020",${quotedHub},`);
    expect(recovery).toContain(`,"-4760000",`);
    expect(recovery).toContain(`,"'-R-1",`);
    // No cell, once its quotes are taken off, starts with a formula trigger unless it is a number.
    const cells = [payment, recovery].flatMap((line) => line!.slice(1, -1).split('","'));
    expect(cells.filter((c) => /^[=+\-@\t\r]/.test(c) && !/^-\d+$/.test(c))).toEqual([]);
  });
});
