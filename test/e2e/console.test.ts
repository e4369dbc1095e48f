import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConsole } from "../../console/build.ts";
import { loadDemoData } from "../../local/demo.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { useDependencies } from "../../functions/runtime/dependencies.ts";
import { documentPdf, fillForm, intakeEvents, receiveAt, sendMail } from "../support/mail.ts";
import { launchBrowser, screenshot, signIn } from "./browser.ts";

/**
 * The staff console in a real browser (Debian's headless Chromium) against the real local back
 * office: sign-in per role, an application from registration to award to payment, the 409 path,
 * the payout CSV and the budget chart on the 2025 demo round.
 */
let backOffice: TestBackOffice;
let browser: Browser;
let url: string;

const application = (hub: string) => ({
  schemeId: "technohubs-2020", instrumentId: "execution",
  technohub: { name: hub, region: `Regio ${hub}` },
  applicant: { companyName: `${hub} BV`, chamberOfCommerceNumber: "12345678" },
  requestedAmountCents: 40_950_000, receivedAt: "2021-01-20T09:00:00.000Z",
  sectionIds: ["application-form", "proposal"],
});

/** What the user reads: Intl puts a no-break space between € and the amount. */
const text = async (locator: Locator) => ((await locator.textContent()) ?? "").replace(/\u00a0/g, " ");

beforeAll(async () => {
  const built = await buildConsole();
  console.log(`console: ${built.bytes} bytes built`);
  backOffice = await startTestBackOffice("console-e2e");
  url = backOffice.apiUrl;
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await backOffice?.stop();
});

describe("staff console", () => {
  it("signs in per role, shows each role its pages, and shows a 403 from the API as such", async () => {
    const expected: Record<string, string[]> = {
      intake: ["Intake", "Budget"],
      "committee-secretary": ["Commissie", "Budget", "Evaluatie"],
      finance: ["Financiën", "Budget"],
      auditor: ["Intake", "Commissie", "Financiën", "Budget", "Evaluatie", "Audit"],
      admin: ["Intake", "Commissie", "Financiën", "Budget", "Evaluatie", "Audit", "Privacy"],
    };
    for (const [role, pages] of Object.entries(expected)) {
      const { context, page } = await signIn(browser, url, role as never, `Test ${role}`);
      await expect(page.getByRole("navigation", { name: "main" }).getByRole("link").allTextContents()).resolves.toEqual(pages);
      if (role === "intake") {
        await page.goto(`${url}/#/audit`);
        await page.getByRole("button", { name: "Stand per (as-of)" }).click();
        await expect(text(page.getByRole("alert"))).resolves.toContain("Niet toegestaan voor uw rol (403)");
        await screenshot(page, "forbidden-403");
      }
      await context.close();
    }
    // Keyboard only: tab to each control, type, Enter submits; the focused control is visibly outlined.
    const keyboard = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await keyboard.goto(`${url}/`);
    await keyboard.getByLabel("Naam").waitFor();
    await keyboard.keyboard.press("Tab"); // the language switch
    await keyboard.keyboard.press("Tab"); // the role
    await expect(keyboard.locator(":focus").getAttribute("name")).resolves.toBe("role");
    await expect(keyboard.evaluate("getComputedStyle(document.activeElement).outlineStyle")).resolves.toBe("solid");
    await keyboard.keyboard.type("assessor");
    await keyboard.keyboard.press("Tab");
    await keyboard.keyboard.type("Karel Toetsenbord");
    await keyboard.keyboard.press("Enter");
    await expect(text(keyboard.getByTestId("who"))).resolves.toContain("karel-toetsenbord (assessor)");
    await keyboard.close();

    const fresh = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await fresh.goto(`${url}/`);
    await fresh.getByLabel("Naam").waitFor();
    await screenshot(fresh, "sign-in");
    await fresh.close();
  });

  it("takes an application from email to award to payment, and downloads the payout CSV", async () => {
    // The applicant emails the filled form and the proposal; the intake files it (R-TH-14), received inside the term (R-TH-09).
    const blank = Buffer.from(await (await fetch(`${url}/schemes/technohubs-2020/application-form`, { headers: { authorization: `Bearer ${await backOffice.token("intake")}` } })).arrayBuffer());
    const form = await fillForm(blank, {
      instrument: "execution", technohubName: "Technohub Console", technohubRegion: "Regio Technohub Console", applicantCompany: "Technohub Console BV", applicantKvk: "12345678",
      requestedAmountEuros: "409.500,00", plannedStartDate: "2021-03-01", budgetLine1_category: "company-staff", budgetLine1_description: "Staff", budgetLine1_amount: "585.000,00",
    });
    receiveAt(backOffice, "2021-01-20T09:00:00.000Z");
    const mailed = await sendMail(backOffice.smtpUrl, {
      from: "aanvrager@console.example", to: "technohubs@intake.aeno.local", subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Console",
      attachments: [{ filename: "aanvraagformulier.pdf", content: form }, { filename: "Voorstel Technohub Console.pdf", content: await documentPdf("Voorstel Technohub Console") }],
    });
    const filed = (await intakeEvents(backOffice, mailed.messageKey)).find((e) => e.type === "MailFiled")!.data as { applicationId: string; applicationStatus: string };
    useDependencies(backOffice.dependencies);
    expect(filed.applicationStatus).toBe("queued");
    const id: string = filed.applicationId;
    // R-TH-05: affiliation is checked against the fund's register by staff, not taken from the form.
    const details = await backOffice.call("intake", "POST", `/applications/${id}/details`, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
    expect(details.status).toBe(200);

    // Intake: the inbox lists it; its page shows it complete and queued, with the documents that came by email.
    const intake = await signIn(browser, url, "intake", "Ingrid Intake", "technohubs-2020");
    await intake.page.getByRole("checkbox", { name: "Alle aanvragen" }).check();
    await intake.page.getByRole("link", { name: "Technohub Console" }).click();
    await intake.page.getByRole("heading", { name: /Technohub Console/ }).waitFor();
    await intake.page.locator("h1 .badge", { hasText: "queued" }).waitFor();
    await intake.page.getByText("Voorstel Technohub Console.pdf").first().waitFor();
    await intake.page.goto(`${url}/#/inbox`);
    await intake.page.getByRole("checkbox", { name: "Alle aanvragen" }).check();
    await intake.page.getByTestId("inbox-table").waitFor();
    await screenshot(intake.page, "intake-inbox");
    await intake.context.close();

    // Assessor: every check with outcome, reason and rule; the maximum with its derivation.
    const assessor = await signIn(browser, url, "assessor", "Anton Assessor", "technohubs-2020");
    await assessor.page.goto(`${url}/#/applications/${id}`);
    await assessor.page.getByRole("button", { name: "Beoordelen" }).click();
    await assessor.page.getByTestId("checks").waitFor();
    await expect(text(assessor.page.getByTestId("maximum"))).resolves.toBe("€ 409.500,00");
    await screenshot(assessor.page, "application-assessed");
    await assessor.context.close();

    // Committee: the agenda with the budget each award would take; the decision shows its impact before confirming.
    const secretary = await signIn(browser, url, "committee-secretary", "Sanne Secretaris", "technohubs-2020");
    await secretary.page.goto(`${url}/#/committee`);
    await secretary.page.getByLabel("Commissieronde", { exact: true }).selectOption("2021-02-15");
    const row = secretary.page.locator(`tr[data-application="${id}"]`);
    await row.getByRole("button", { name: "Besluit" }).click();
    await secretary.page.getByRole("button", { name: "Besluit vastleggen…" }).click();
    const impact = secretary.page.getByTestId("impact");
    await expect(text(impact.getByTestId("impact-takes"))).resolves.toBe("€ 409.500,00");
    const available = await text(impact.getByTestId("impact-available"));
    const remains = await text(impact.getByTestId("impact-remains"));
    expect(available).toMatch(/^€ [\d.]+,\d\d$/);
    await screenshot(secretary.page, "committee-impact");
    await impact.getByRole("button", { name: "Bevestigen" }).click();
    await row.locator(".badge", { hasText: "awarded" }).waitFor();
    await backOffice.settle();
    await secretary.page.goto(`${url}/#/budget`);
    await expect(text(secretary.page.locator('tr[data-line="technohubs"] td').nth(1))).resolves.toBe(remains);
    await secretary.page.goto(`${url}/#/applications/${id}`);
    await secretary.page.getByRole("button", { name: "Beschikking versturen" }).click();
    await secretary.page.locator("h1 .badge", { hasText: "granted" }).waitFor();
    await screenshot(secretary.page, "application-granted");
    await secretary.context.close();

    // Finance: one registers the invoice, another approves and pays it (four eyes, R-X-03).
    const anna = await signIn(browser, url, "finance", "Anna Financien", "technohubs-2020");
    await anna.page.goto(`${url}/#/finance`);
    const register = anna.page.getByRole("form", { name: "Factuur registreren" });
    await register.getByLabel("Factuurnummer").fill("F-2021-001");
    await register.getByLabel("Bedrag (€)").fill("100.000,00");
    await register.getByLabel("IBAN").fill("NL91 ABNA 0417 1643 00");
    await register.getByLabel("Documentverwijzing").fill("factuur-F-2021-001.pdf");
    await register.getByRole("button", { name: "Factuur registreren" }).click();
    const own = anna.page.locator('tr[data-invoice="F-2021-001"]');
    await expect(text(own)).resolves.toContain("Eigen registratie");
    await anna.context.close();

    const bram = await signIn(browser, url, "finance", "Bram Betaal", "technohubs-2020");
    await bram.page.goto(`${url}/#/finance`);
    await bram.page.getByTestId("approvals").locator('tr[data-invoice="F-2021-001"]').getByRole("button", { name: "Goedkeuren" }).click();
    const toPay = bram.page.getByTestId("payments").locator('tr[data-invoice="F-2021-001"]');
    await toPay.getByLabel("Bankreferentie").fill("BANK-0001");
    await toPay.getByRole("button", { name: "Betaling vastleggen" }).click();
    await bram.page.getByTestId("payout-table").waitFor();
    await expect(text(bram.page.getByTestId("payout-total"))).resolves.toBe("€ 100.000,00");
    await bram.page.getByLabel("Technohub", { exact: true }).fill("Technohub Console");
    await bram.page.getByRole("button", { name: "Filteren" }).click();
    await screenshot(bram.page, "finance");
    const [download] = await Promise.all([bram.page.waitForEvent("download"), bram.page.getByRole("button", { name: "CSV downloaden" }).click()]);
    expect(download.suggestedFilename()).toBe("payouts-technohubs-2020.csv");
    const csv = await readFile((await download.path())!, "utf8");
    expect(csv.split(/\r?\n/)[0]).toContain("valueDate");
    expect(csv).toContain("BANK-0001");
    expect(csv).toContain("10000000");
    await bram.context.close();
  });

  it("shows a 409 (someone else moved first) with what changed, and reloads", async () => {
    const registered = await backOffice.call("intake", "POST", "/applications", application("Technohub Botsing"));
    const id: string = registered.body.applicationId;
    await backOffice.call("intake", "POST", `/applications/${id}/completeness`, { complete: true });
    await backOffice.settle();
    await backOffice.call("assessor", "POST", `/applications/${id}/assessment`, { answers: {} });
    const assessed = await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => r.body?.status === "queued" && r.body.assessment !== null);

    const secretary = await signIn(browser, url, "committee-secretary", "Sanne Secretaris", "technohubs-2020");
    await secretary.page.goto(`${url}/#/applications/${id}`);
    await secretary.page.getByRole("button", { name: "Besluit vastleggen…" }).click();
    await secretary.page.getByTestId("impact").waitFor();
    // A colleague records the committee's decision first, on the version the console shows.
    const first = await backOffice.call("committee-secretary", "POST", `/applications/${id}/decision`, { decision: "reject", roundId: "2021-02-15", reasons: ["budget"], membersPresent: ["FME"] }, { "if-match": `"${assessed.body.version}"` });
    expect(first.status).toBe(200);
    await eventually(() => backOffice.call("auditor", "GET", `/applications/${id}`), (r) => r.body?.status === "rejected");
    await secretary.page.getByRole("button", { name: "Bevestigen" }).click();
    const conflict = secretary.page.getByTestId("conflict");
    await conflict.waitFor();
    await expect(text(conflict)).resolves.toContain("409");
    await expect(text(conflict.getByTestId("changes"))).resolves.toMatch(/queued.*rejected/);
    await screenshot(secretary.page, "committee-409");
    await conflict.getByRole("button", { name: "Opnieuw laden" }).click();
    await secretary.page.locator("h1 .badge", { hasText: "rejected" }).waitFor();
    await secretary.context.close();
  });

  it("draws the budget dashboard of the 2025 demo round, with its burn-down from the as-of view", async () => {
    await loadDemoData(url, (role) => backOffice.token(role, `demo-${role}`));
    await backOffice.settle();
    const auditor = await signIn(browser, url, "auditor", "Alex Auditor", "verduurzamen-2025");
    await auditor.page.goto(`${url}/#/budget`);
    // Time to first render of the dashboard: a fresh load, from navigation start to the budget table drawn.
    await auditor.page.reload();
    await auditor.page.getByTestId("budget-lines").waitFor();
    const firstRender = await auditor.page.evaluate(() => performance.now());
    await auditor.page.locator('[data-testid="burn-down"] canvas').waitFor();
    const chartDrawn = await auditor.page.evaluate(() => performance.now());
    console.log(`dashboard with demo data: budget table after ${Math.round(firstRender)} ms, burn-down chart after ${Math.round(chartDrawn)} ms (from navigation start)`);
    expect(Number(await auditor.page.getByTestId("burn-down").getAttribute("data-drawn"))).toBeGreaterThan(1);
    await expect(text(auditor.page.locator('tr[data-line="hub-top"]'))).resolves.toContain("€ 400.000,00");
    await screenshot(auditor.page, "budget-dashboard");

    await auditor.page.goto(`${url}/#/evaluation`);
    await auditor.page.getByTestId("classification").waitFor();
    await auditor.page.getByTestId("criteria").first().waitFor();
    await expect(text(auditor.page.getByTestId("classification"))).resolves.toContain("Technohub MIRA");
    await screenshot(auditor.page, "evaluation");

    await auditor.page.goto(`${url}/#/committee`);
    await auditor.page.getByTestId("agenda").waitFor();
    await screenshot(auditor.page, "committee-agenda-demo");

    // The auditor sees every event of an application's history, in order, with actor and channel.
    await auditor.page.getByTestId("agenda").getByRole("link", { name: "Technohub TINT" }).click();
    const history = auditor.page.getByTestId("history");
    await history.waitFor();
    const rows = await history.locator("tbody tr").allTextContents();
    expect(rows[0]).toContain("ApplicationRegistered");
    expect(rows.some((r) => r.includes("demo-committee-secretary"))).toBe(true);
    await screenshot(auditor.page, "application-history-auditor");

    await auditor.page.goto(`${url}/#/audit`);
    await auditor.page.getByLabel("Document-id").fill("verduurzamen-2025.hub-top");
    await auditor.page.getByRole("button", { name: "Verklaren (explain)" }).click();
    await auditor.page.getByTestId("explain").waitFor();
    await expect(text(auditor.page.getByTestId("explain"))).resolves.toContain("BudgetReserved");
    await screenshot(auditor.page, "audit-explain");

    await auditor.page.getByLabel("Taal").first().selectOption("en");
    await auditor.page.goto(`${url}/#/budget`);
    await auditor.page.locator('[data-testid="burn-down"] canvas').waitFor();
    await expect(text(auditor.page.locator('tr[data-line="hub-top"]'))).resolves.toContain("€400,000.00");
    await auditor.context.close();
  });

  it("issue 12 findings 1 and 8: the intake inbox lists correspondence; staff dismiss a question with a reason and attach a stranger's follow-up to its application", async () => {
    const registered = await backOffice.call("intake", "POST", "/applications", { ...application("Technohub Post"), contacts: [{ address: "aanvrager@post.example" }] });
    expect(registered.status).toBe(201);
    const id = registered.body.applicationId as string;
    const question = await sendMail(backOffice.smtpUrl, { from: "nieuwsgierig@vraag.example", to: "technohubs@intake.aeno.local", subject: "Vraag over de termijn", text: "Tot wanneer?" });
    const stranger = await sendMail(backOffice.smtpUrl, { from: "vreemde@elders.example", to: "technohubs@intake.aeno.local", subject: `Re: [APP-${id}]`, attachments: [{ filename: "foto.jpg", content: Buffer.from("jpeg") }] });
    await eventually(() => backOffice.call("intake", "GET", "/correspondence"), (r) => [question, stranger].every((m) => r.body.items.some((i: { messageKey: string }) => i.messageKey === m.messageKey)));
    const intake = await signIn(browser, url, "intake", "Ingrid Post");
    const rows = intake.page.getByTestId("correspondence-row");
    expect(await eventually(() => rows.count(), (n) => n === 2, 100)).toBe(2);
    await screenshot(intake.page, "correspondence-inbox");
    const questionRow = rows.filter({ hasText: "Vraag over de termijn" });
    await expect(text(questionRow)).resolves.toContain("Geen aanvraag");
    // One attachment is "1 bijlage", any other count "bijlagen".
    await expect(text(questionRow)).resolves.toContain("0 bijlagen");
    const strangerText = await text(rows.filter({ hasText: `[APP-${id}]` }));
    expect(strangerText).toContain("1 bijlage");
    expect(strangerText).not.toContain("1 bijlagen");
    await questionRow.getByRole("button", { name: "Afhandelen zonder actie" }).click();
    await questionRow.getByLabel("Reden").fill("telefonisch beantwoord");
    await questionRow.getByRole("button", { name: "Bevestigen" }).click();
    expect(await eventually(() => rows.count(), (n) => n === 1, 100)).toBe(1);
    const strangerRow = rows.first();
    await expect(text(strangerRow)).resolves.toContain("geen contactpersoon");
    await strangerRow.getByRole("button", { name: "Koppelen aan aanvraag" }).click();
    await expect(strangerRow.getByLabel("Aanvraagnummer").inputValue()).resolves.toBe(id);
    await strangerRow.getByLabel("Afzender ook als contactpersoon toevoegen").check();
    await strangerRow.getByRole("button", { name: "Bevestigen" }).click();
    expect(await eventually(() => rows.count(), (n) => n === 0, 100)).toBe(0);
    const after = await eventually(() => backOffice.call("intake", "GET", `/applications/${id}`), (r) => r.body.contacts?.length === 2);
    expect(after.body.documents.map((d: { name: string }) => d.name)).toContain("foto.jpg");
    const handled = await backOffice.call("intake", "GET", "/correspondence?status=handled");
    expect(handled.body.items.find((m: { messageKey: string }) => m.messageKey === question.messageKey).correspondence.handling).toMatchObject([{ action: "dismissed", by: "ingrid-post", reason: "telefonisch beantwoord" }]);
    await intake.context.close();
  });
  it("issue 13 R-TH-09: an application's letters are listed on its page; a letter the mail service refused is listed as undelivered in the inbox and staff send it again to the address the applicant gave", async () => {
    // The only contact's domain is refused by the mail service, so the incompleteness letter reaches nobody.
    const registered = await backOffice.call("intake", "POST", "/applications", { ...application("Technohub Brief"), sectionIds: ["application-form"], contacts: [{ address: "jan@geen-post.invalid" }] });
    expect(registered.status).toBe(201);
    const id = registered.body.applicationId as string;
    expect((await backOffice.call("intake", "POST", `/applications/${id}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "Het voorstel ontbrak." })).status).toBe(200);
    await backOffice.settle();
    const undelivered = await eventually(() => backOffice.call("intake", "GET", "/letters/undelivered"), (r) => r.body.items.some((l: { applicationId: string }) => l.applicationId === id));
    const letterId = undelivered.body.items.find((l: { applicationId: string }) => l.applicationId === id).letterId as string;

    // The auditor reads the letter on the application's page and cannot send it again.
    const auditor = await signIn(browser, url, "auditor", "Aart Auditor", "technohubs-2020");
    await auditor.page.goto(`${url}/#/applications/${id}`);
    const auditorRow = auditor.page.locator("#letters").getByTestId("letter-row");
    await auditorRow.first().waitFor();
    await expect(text(auditorRow)).resolves.toContain("Aanvulling gevraagd");
    await expect(text(auditorRow)).resolves.toContain("jan@geen-post.invalid");
    await expect(text(auditorRow)).resolves.toContain("undelivered");
    expect(await auditorRow.getByRole("button", { name: "Opnieuw versturen" }).count()).toBe(0);
    await auditor.context.close();

    // Intake finds it among the undelivered letters and sends it to the address the applicant gave by phone.
    const intake = await signIn(browser, url, "intake", "Ingrid Brief", "technohubs-2020");
    const rows = intake.page.locator("#undelivered-letters").getByTestId("letter-row");
    const row = rows.filter({ hasText: id });
    await row.waitFor();
    await expect(text(row)).resolves.toContain("refused");
    await screenshot(intake.page, "undelivered-letters");
    await row.getByRole("button", { name: "Opnieuw versturen" }).click();
    await row.getByLabel("Reden").fill("adres telefonisch doorgegeven");
    await row.getByRole("button", { name: "Bevestigen" }).click();
    // A reason is required: an empty one is never sent (the browser refuses the form), so this click sent one request.
    expect(await eventually(() => row.count(), (n) => n === 0, 100)).toBe(0);
    await intake.page.reload();
    await intake.page.locator("#undelivered-letters h2").waitFor();
    await backOffice.settle();

    // Nobody was given: it went to the contacts again, and is refused again; now to the right address.
    const again = await eventually(() => backOffice.call("intake", "GET", `/applications/${id}/letters`), (r) => r.body.items[0]?.attempts === 2 && r.body.items[0].delivery !== "sending");
    expect(again.body.items[0]).toMatchObject({ letterId, delivery: "undelivered", latest: { attempt: 2, recipients: [{ address: "jan@geen-post.invalid", outcome: "refused" }] } });
    await intake.page.goto(`${url}/#/applications/${id}`);
    const letterRow = intake.page.locator("#letters").getByTestId("letter-row");
    await letterRow.getByRole("button", { name: "Opnieuw versturen" }).click();
    await letterRow.getByLabel("Naar (leeg: de contactpersonen)").fill("jan@post.example");
    await letterRow.getByRole("textbox", { name: "Reden" }).fill("juist adres telefonisch doorgegeven");
    await letterRow.getByRole("button", { name: "Bevestigen" }).click();
    await backOffice.settle();
    await eventually(async () => text(letterRow), (s) => s.includes("jan@post.example") && s.includes("delivered") && !s.includes("undelivered"), 100);
    await expect(text(letterRow)).resolves.toContain("Poging 3");
    await screenshot(intake.page, "application-letters");
    const delivered = await backOffice.call("auditor", "GET", `/applications/${id}/letters`);
    expect(delivered.body.items).toHaveLength(1);
    expect(delivered.body.items[0]).toMatchObject({ delivery: "delivered", attempts: 3, latest: { attempt: 3, recipients: [{ address: "jan@post.example", outcome: "accepted" }] } });
    // The PDF staff download is the letter sent: its hash is the one recorded.
    const [download] = await Promise.all([intake.page.waitForEvent("download"), letterRow.getByRole("button", { name: "PDF" }).click()]);
    expect(download.suggestedFilename()).toBe(`brief-incomplete-${id}.pdf`);
    expect(createHash("sha256").update(await readFile((await download.path())!)).digest("hex")).toBe(delivered.body.items[0].sha256);
    await intake.context.close();
  });
  it("issue 16: the admin records erasure requests on the privacy page: a running file's contact is refused with the reason, a withdrawn application's contact is erased and reads [erased], an unknown one is not found", async () => {
    const running = await backOffice.call("intake", "POST", "/applications", { ...application("Technohub Lopend"), contacts: [{ address: "piet@lopend-privacy.example" }] });
    const closed = await backOffice.call("intake", "POST", "/applications", { ...application("Technohub Gesloten"), contacts: [{ address: "marie@gesloten-privacy.example" }] });
    expect([running.status, closed.status]).toEqual([201, 201]);
    const closedId = closed.body.applicationId as string;
    expect((await backOffice.call("intake", "POST", `/applications/${closedId}/withdrawal`, { reason: "De aanvrager ziet af van het project" })).status).toBe(200);

    const admin = await signIn(browser, url, "admin", "Anna Admin", "technohubs-2020");
    await admin.page.getByRole("navigation", { name: "main" }).getByRole("link", { name: "Privacy" }).click();
    const form = admin.page.getByRole("form", { name: "Verzoek tot wissen (AVG art. 17)" });
    const outcome = admin.page.getByTestId("erasure-outcome");
    await form.getByLabel("Soort betrokkene").selectOption("contact");
    await form.getByLabel("E-mailadres, IBAN of naam").fill("Piet@Lopend-Privacy.example");
    await form.getByLabel("Grondslag").selectOption("gdpr-17-1-b");
    await form.getByRole("button", { name: "Verzoek vastleggen" }).click();
    await outcome.and(admin.page.locator('[data-outcome="refused"]')).waitFor();
    await expect(text(outcome)).resolves.toContain("running file");
    await expect(text(outcome)).resolves.toContain("Wissen is mogelijk zodra het dossier is afgesloten.");
    await expect(text(outcome)).resolves.toContain(running.body.applicationId);

    await form.getByLabel("E-mailadres, IBAN of naam").fill("marie@gesloten-privacy.example");
    await form.getByRole("button", { name: "Verzoek vastleggen" }).click();
    await outcome.and(admin.page.locator('[data-outcome="erased"]')).waitFor();
    await expect(text(outcome)).resolves.toContain(closedId);
    await screenshot(admin.page, "privacy-erasure");
    const after = await eventually(() => backOffice.call("auditor", "GET", `/applications/${closedId}`), (r) => r.body.contacts?.[0]?.address === "[erased]");
    expect(after.body.contacts[0].address).toBe("[erased]");

    await form.getByLabel("E-mailadres, IBAN of naam").fill("niemand@nergens-privacy.example");
    await form.getByRole("button", { name: "Verzoek vastleggen" }).click();
    await expect(text(admin.page.getByRole("alert"))).resolves.toContain("404");
    await admin.context.close();
  });
});
