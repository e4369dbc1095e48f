import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { Staff } from "../support/scenario.ts";
import { launchBrowser, screenshot, signIn } from "./browser.ts";

/**
 * The console's forms for daily work after the award, in a real browser against the real local back
 * office: intake reports the project start and submits the final report, the assessor approves it,
 * finance settles the grant and records the recovery; intake withdraws another application. After
 * each step the API says the grant (or application) moved on.
 */
let backOffice: TestBackOffice;
let browser: Browser;
let staff: Staff;
let url: string;

beforeAll(async () => {
  const built = await buildConsole();
  console.log(`console: ${built.bytes} bytes built`);
  backOffice = await startTestBackOffice("console-forms-e2e");
  url = backOffice.apiUrl;
  staff = new Staff(backOffice);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await backOffice?.stop();
});

const grantOf = (grantId: string, accept: (g: any) => boolean) => eventually(() => backOffice.call("auditor", "GET", `/grants/${grantId}`), (r) => r.status === 200 && accept(r.body)).then((r) => r.body);

describe("console forms", () => {
  it("takes a granted application through project start and final report submitted (intake), approved (assessor), settled and recovered (finance); a bad amount is said before sending", async () => {
    const started = Date.now();
    // A granted application, set up through the API: registered in the term, details, complete, assessed, awarded, award letter.
    const id = await staff.technohubsGrant(1);
    const grantId: string = (await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => Boolean(r.body?.awardLetter))).body.awardLetter.grantId;
    // An invoice of EUR 100,000.00 registered by one finance user, approved and paid by another (R-X-03).
    const registered = await staff.expectAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId: "advance", invoiceNumber: "F-FORMS-1", invoiceDate: "2021-03-05", amountCents: 10_000_000, iban: "NL91ABNA0417164300", documentRef: "doc" }, 201);
    const invoiceId = registered.body.recorded[0].data.invoiceId;
    await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {}, 200);
    await staff.expectAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: "B-FORMS-1", valueDate: "2021-03-10" }, 200);
    await grantOf(grantId, (g) => g.paidCents === 10_000_000);

    // Intake: reports the project start, then submits the final report on the application's grant panel.
    const intake = await signIn(browser, url, "intake", "Ingrid Intake", "technohubs-2020");
    await intake.page.goto(`${url}/#/applications/${id}`);
    const start = intake.page.getByRole("form", { name: "Projectstart melden" });
    await start.getByLabel("Gestart op").fill("2021-03-01");
    await screenshot(intake.page, "form-project-start");
    await start.getByRole("button", { name: "Projectstart melden" }).click();
    await intake.page.getByTestId("project-started").waitFor();
    expect((await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => Boolean(r.body?.projectStartedOn))).body.projectStartedOn).toBe("2021-03-01");

    const report = intake.page.getByRole("form", { name: "Eindverslag indienen" });
    await report.getByLabel("Doel").fill("Hub draait");
    await report.getByLabel("Toelichting").fill("Twintig bedrijven aangesloten");
    await expect(report.getByLabel("Kostensoort").inputValue()).resolves.toBe("company-staff");
    // Not an amount: said before anything is sent.
    await report.getByLabel("Werkelijke kosten (€)").fill("honderdduizend");
    await report.getByRole("button", { name: "Eindverslag indienen" }).click();
    await expect(report.getByRole("alert").textContent()).resolves.toContain("Geen geldig bedrag");
    await report.getByLabel("Werkelijke kosten (€)").fill("100.000,00");
    await screenshot(intake.page, "form-final-report-submit");
    await report.getByRole("button", { name: "Eindverslag indienen" }).click();
    await intake.page.getByTestId("final-report-status").getByText("submitted").waitFor();
    expect((await grantOf(grantId, (g) => g.finalReport?.status === "submitted")).finalReport.status).toBe("submitted");
    await intake.context.close();

    // Assessor: approves the final report with the eligible costs it accounts for.
    const assessor = await signIn(browser, url, "assessor", "Anton Assessor", "technohubs-2020");
    await assessor.page.goto(`${url}/#/applications/${id}`);
    const review = assessor.page.getByRole("form", { name: "Goedkeuren" });
    await review.getByLabel("Goedgekeurde subsidiabele kosten (€)").fill("100.000,00");
    await screenshot(assessor.page, "form-final-report-review");
    await review.getByRole("button", { name: "Goedkeuren" }).click();
    await assessor.page.getByTestId("final-report-status").getByText("approved").waitFor();
    const approved = await grantOf(grantId, (g) => g.finalReport?.status === "approved");
    expect(approved.finalReport.approvedEligibleCostsCents).toBe(10_000_000);
    // The assessor is offered no finance form.
    await expect(assessor.page.getByRole("form", { name: "Vaststellen" }).count()).resolves.toBe(0);
    await assessor.context.close();

    // Finance: settles the grant (R-TH-12) on the finance page; it paid more than the final grant, so a recovery is due.
    const finance = await signIn(browser, url, "finance", "Bram Betaal", "technohubs-2020");
    await finance.page.goto(`${url}/#/finance`);
    const row = finance.page.locator(`tr[data-grant="${grantId}"]`);
    await row.getByRole("form", { name: "Vaststellen" }).waitFor();
    await screenshot(finance.page, "form-settle");
    await row.getByRole("button", { name: "Vaststellen" }).click();
    const settled = await grantOf(grantId, (g) => g.settlement !== null);
    expect(settled.settlement.finalGrantCents).toBeLessThan(10_000_000);
    expect(settled.status).toBe("recovery-due");
    const due: number = settled.settlement.recoveryCents - settled.recoveredCents;

    const recovery = row.getByRole("form", { name: "Terugbetaling vastleggen" });
    await recovery.getByLabel("Bedrag (€)").fill((due / 100).toFixed(2).replace(".", ","));
    await recovery.getByLabel("Bankreferentie").fill("R-FORMS-1");
    await screenshot(finance.page, "form-recovery");
    await recovery.getByRole("button", { name: "Terugbetaling vastleggen" }).click();
    const recovered = await grantOf(grantId, (g) => g.recoveredCents === due);
    expect(recovered.status).not.toBe("recovery-due");
    await row.getByRole("form", { name: "Terugbetaling vastleggen" }).waitFor({ state: "detached" });
    await finance.context.close();
    console.log(`final report → settled → recovered through the console in ${Date.now() - started} ms`);
  });

  it("withdraws an application with a reason; a stale version answers 409 and the console reloads", async () => {
    const id = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Intrekking", region: "Regio Intrekking" },
      applicant: { companyName: "Intrekking BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    await staff.view(id);
    const intake = await signIn(browser, url, "intake", "Ingrid Intake", "technohubs-2020");
    await intake.page.goto(`${url}/#/applications/${id}`);
    const withdraw = intake.page.getByRole("form", { name: "Intrekken" });
    await withdraw.getByLabel("Reden van intrekking").fill("De aanvrager ziet af van het project");
    await screenshot(intake.page, "form-withdraw");
    // A colleague records the completeness first: the version shown is stale, the console says so and reloads.
    await staff.complete(id);
    await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => r.body?.version > 1);
    await withdraw.getByRole("button", { name: "Intrekken" }).click();
    const conflict = withdraw.getByTestId("conflict");
    await conflict.waitFor();
    await conflict.getByRole("button", { name: "Opnieuw laden" }).click();
    const again = intake.page.getByRole("form", { name: "Intrekken" });
    await again.getByLabel("Reden van intrekking").fill("De aanvrager ziet af van het project");
    await again.getByRole("button", { name: "Intrekken" }).click();
    await intake.page.locator("h1 .badge", { hasText: "withdrawn" }).waitFor();
    const withdrawn = (await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => r.body?.status === "withdrawn")).body;
    expect(withdrawn.withdrawal.reason).toBe("De aanvrager ziet af van het project");
    await intake.context.close();
  });
  it("issue 13 R-TH-12: intake records a grantee's change request on the grant (a later end date), the committee secretary grants it; the grant shows the amendment and the new end date", async () => {
    const id = await staff.technohubsGrant(3);
    const grantId: string = (await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => Boolean(r.body?.awardLetter))).body.awardLetter.grantId;
    await grantOf(grantId, () => true);

    // Intake records the request as it arrived.
    const intake = await signIn(browser, url, "intake", "Ingrid Intake", "technohubs-2020");
    await intake.page.goto(`${url}/#/applications/${id}`);
    const submit = intake.page.getByRole("form", { name: "Wijzigingsverzoek vastleggen" });
    await submit.getByLabel("Soort wijziging").selectOption("end-date-extension");
    await submit.getByLabel("Nieuwe einddatum").fill("2023-06-30");
    await submit.getByLabel("Ontvangen op").fill("2021-06-01");
    await submit.getByLabel("Toelichting van de aanvrager").fill("Levering van de machines loopt vertraging op");
    await submit.getByRole("button", { name: "Wijzigingsverzoek vastleggen" }).click();
    const row = intake.page.getByTestId("change-request-row");
    await row.and(intake.page.locator('[data-status="submitted"]')).waitFor();
    await expect(row.textContent()).resolves.toContain("Verlenging einddatum");
    // Intake records, the committee decides: no decision form here.
    expect(await row.getByRole("form").count()).toBe(0);
    const submitted = await grantOf(grantId, (g) => g.changeRequests?.length === 1);
    expect(submitted.changeRequests[0]).toMatchObject({ kind: "end-date-extension", receivedOn: "2021-06-01", status: "submitted", change: { newEndDate: "2023-06-30" }, explanation: "Levering van de machines loopt vertraging op" });
    await intake.context.close();

    // The committee secretary grants it.
    const secretary = await signIn(browser, url, "committee-secretary", "Sanne Secretaris", "technohubs-2020");
    await secretary.page.goto(`${url}/#/applications/${id}`);
    const decide = secretary.page.getByTestId("change-request-row").getByRole("form", { name: "Wijziging toekennen" });
    await decide.getByLabel("Besloten op").fill("2021-06-15");
    await screenshot(secretary.page, "grant-change-request");
    await decide.getByRole("button", { name: "Wijziging toekennen" }).click();
    await secretary.page.locator('[data-testid="change-request-row"][data-status="granted"]').waitFor();
    await secretary.page.getByTestId("planned-end-date").waitFor();
    const granted = await grantOf(grantId, (g) => g.changeRequests?.[0]?.status === "granted");
    expect(granted).toMatchObject({ plannedEndDate: "2023-06-30", changeRequests: [{ status: "granted", decidedOn: "2021-06-15" }], amendments: [{ kind: "end-date-extension", decidedOn: "2021-06-15", previousAmountCents: granted.awardCents, amountCents: granted.awardCents }] });
    await secretary.context.close();
  });
});
