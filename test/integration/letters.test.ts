import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamIds } from "../../events/index.ts";
import { startTestBackOffice, eventually, type TestBackOffice } from "../support/back-office.ts";
import { pdfText } from "../support/pdf-text.ts";
import { Staff } from "../support/scenario.ts";
import { createHash } from "node:crypto";
import { parseMessage } from "../../functions/intake/mime.ts";
import { busMessageOf } from "../../functions/relay/relay.ts";

/**
 * Issue 13: letters to applicants, through the staff API on the local runtime (DynamoDB Local, the
 * relay, the bus with the letters reaction, the outbox standing in for SES). Each decision that
 * concerns an applicant becomes one PDF letter mailed to the application's contacts, recorded on its
 * own stream; the outbox refuses `.invalid` domains, so a bounced letter can be shown and re-sent.
 */
let backOffice: TestBackOffice;
let staff: Staff;
const CONTACT = "aanvrager@metaal-oost.example";

beforeAll(async () => {
  backOffice = await startTestBackOffice("letters");
  staff = new Staff(backOffice);
});

afterAll(async () => {
  await backOffice?.stop();
});

interface Mailed {
  readonly to: string;
  readonly subject: string;
  readonly pdf: Uint8Array;
  readonly text: string[];
}

/** The letters in the outbox, by file: who each went to, its subject and its PDF's text. */
async function outbox(): Promise<Map<string, Mailed>> {
  const folder = join(backOffice.mailDir, "outbox");
  const found = new Map<string, Mailed>();
  for (const name of (await readdir(folder).catch(() => [])).filter((n) => n.startsWith("letter.") && n.endsWith(".eml"))) {
    const parsed = await parseMessage(new Uint8Array(await readFile(join(folder, name))));
    const pdf = parsed.attachments.find((a) => a.contentType === "application/pdf")!.content;
    found.set(name, { to: parsed.recipients[0]!, subject: parsed.subject, pdf, text: await pdfText(pdf) });
  }
  return found;
}

async function lettersOf(applicationId: string, count: number, settled: (items: any[]) => boolean = (items) => items.every((l) => l.delivery !== "sending")): Promise<any[]> {
  await backOffice.settle();
  const response = await eventually(() => staff.expect("auditor", "GET", `/applications/${applicationId}/letters`, undefined, 200), (r) => r.body.count >= count && settled(r.body.items));
  return response.body.items;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

async function pay(grantId: string, trancheId: string, amountCents: number, valueDate: string) {
  const registered = await backOffice.callAs("finance", "finance-anna", "POST", `/grants/${grantId}/invoices`, { trancheId, invoiceNumber: `F-${trancheId}`, invoiceDate: valueDate, amountCents, iban: "NL91ABNA0417164300", documentRef: "doc" });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  const invoiceId = registered.body.recorded[0].data.invoiceId;
  expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/approval`, {})).status).toBe(200);
  expect((await backOffice.callAs("finance", "finance-bram", "POST", `/grants/${grantId}/invoices/${invoiceId}/payment`, { bankReference: "BANK-0001", valueDate })).status).toBe(200);
}

describe("letters to applicants", () => {
  it("R-TH-09 R-TH-02 R-TH-13 R-TH-12 every decision on a Technohubs grant makes one letter, mailed as a PDF to the contacts: incomplete, award, payment, settlement with recovery, recovery", async () => {
    // Prepare: an application missing its proposal, with the applicant as contact.
    const applicationId = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Twente", region: "Twente" },
      applicant: { companyName: "Metaalbedrijf Oost BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-10T09:00:00.000Z", sectionIds: ["application-form"],
    });
    await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: CONTACT, name: "Jan Aanvrager" }, 200);
    await backOffice.settle();

    // Act: the life of the grant, decision by decision.
    await staff.expect("intake", "POST", `/applications/${applicationId}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "Het voorstel ontbrak." }, 200);
    // The missing proposal arrives: the application is complete and queued (R-TH-09).
    await staff.details(applicationId, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 58_500_000 }] });
    await staff.sections(applicationId, ["proposal"], "2021-01-20T09:00:00.000Z");
    await backOffice.settle();
    await staff.assess(applicationId);
    await staff.award(applicationId, { roundId: "2021-02-15", membersPresent: ["FME", "FNV", "CNV", "De Unie", "VHP2"], decidedOn: "2021-02-25" });
    await staff.awardLetter(applicationId, "2021-03-01");
    await pay(applicationId, "advance", 32_760_000, "2021-03-10");
    await staff.expect("intake", "POST", `/grants/${applicationId}/final-report`, { results: [{ objective: "Hub draait", achieved: true }], actualCosts: [{ categoryId: "company-staff", amountCents: 40_000_000 }], submittedOn: "2022-01-15" }, 200);
    await staff.expect("assessor", "POST", `/grants/${applicationId}/final-report/review`, { decision: "approve", approvedEligibleCostsCents: 40_000_000, on: "2022-02-01" }, 200);
    await staff.expect("finance", "POST", `/grants/${applicationId}/settlement`, { settledOn: "2022-02-10" }, 200);
    await staff.expect("finance", "POST", `/grants/${applicationId}/recoveries`, { amountCents: 2_000_000, bankReference: "TERUG-1", receivedOn: "2022-03-01" }, 201);

    // Assess: one letter per decision, in order, each delivered to the contact.
    const letters = await lettersOf(applicationId, 5);
    expect(letters.map((l) => l.kind)).toEqual(["incomplete", "award", "payment", "settlement", "recovery"]);
    for (const letter of letters) {
      expect(letter).toMatchObject({ delivery: "delivered", attempts: 1, problems: [], latest: { attempt: 1, recipients: [{ address: CONTACT, outcome: "accepted" }] } });
      expect(letter.subject).toContain(`[APP-${applicationId}]`);
    }
    const mailed = [...(await outbox()).values()].filter((m) => m.subject.includes(applicationId));
    expect(mailed).toHaveLength(5);
    const byKind = new Map(letters.map((l) => [l.kind, mailed.find((m) => m.subject === l.subject)!]));
    for (const letter of letters) {
      const mail = byKind.get(letter.kind)!;
      // The PDF mailed is the one recorded: its hash, size and pages.
      expect(mail.to).toBe(CONTACT);
      expect(sha256(mail.pdf)).toBe(letter.sha256);
      expect(mail.pdf.byteLength).toBe(letter.bytes);
      expect(mail.text).toHaveLength(letter.pages);
    }
    const text = (kind: string) => byKind.get(kind)!.text.join(" ");
    expect(text("incomplete")).toContain("Voorstel");
    expect(text("incomplete")).toContain("uiterlijk 15 februari 2021");
    expect(text("award")).toContain("een subsidie toe te kennen van € 409.500,00");
    expect(text("award")).toContain("min(70% x 585,000.00, 500,000.00) = 409,500.00");
    expect(text("award")).toContain("Met behulp van deze subsidie ontwikkeld onderwijs wordt ter beschikking gesteld aan de openbare bibliotheek van oZone. (R-TH-13)");
    expect(text("award")).toContain("€ 327.600,00");
    expect(text("award")).toContain("€ 81.900,00");
    expect(text("award")).toContain("binnen zes weken");
    expect(text("payment")).toContain("Betaald bedrag € 327.600,00");
    expect(text("payment")).toContain("NL91**********4300");
    expect(text("settlement")).toContain("Vastgesteld subsidiebedrag € 280.000,00");
    expect(text("settlement")).toContain("Terug te betalen € 47.600,00");
    expect(text("recovery")).toContain("Nog terug te betalen € 27.600,00");

    // Each letter's stream starts with LetterSent naming its source event; a second delivery of that event makes no second letter.
    const award = letters.find((l) => l.kind === "award")!;
    const stream = await backOffice.dependencies.events.readStream(streamIds.letter(award.letterId));
    expect(stream.map((e) => e.type)).toEqual(["LetterSent", "LetterAccepted"]);
    expect(stream[0]!.data).toMatchObject({ kind: "award", source: { type: "AwardLetterIssued", streamId: streamIds.application(applicationId) }, sha256: award.sha256, pages: award.pages });
    const [item] = await backOffice.dependencies.events.readStreamItems(award.source.streamId, award.source.version, award.source.version);
    await backOffice.bus.publish([busMessageOf(item!)]);
    await backOffice.settle();
    expect((await backOffice.dependencies.events.readStream(streamIds.letter(award.letterId))).length).toBe(2);
    expect([...(await outbox()).values()].filter((m) => m.subject.includes(applicationId))).toHaveLength(5);
  });

  it("R-TH-01 R-X-05 a refused application gets a refusal with its reasons and rule IDs; with no contact to write to, the letter is listed as undelivered for staff", async () => {
    // Prepare: a late application (after the term), registered by staff: no contact.
    const late = await staff.expect("intake", "POST", "/applications", {
      schemeId: "technohubs-2020", instrumentId: "planning", technohub: { name: "Technohub Laat", region: "Drenthe" },
      applicant: { companyName: "Laat BV" }, requestedAmountCents: 1_000_000, receivedAt: "2021-07-02T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    }, 409);
    const applicationId = late.body.details?.applicationId ?? late.body.applicationId;
    expect(applicationId).toBeTruthy();

    // Assess
    const [letter] = await lettersOf(applicationId, 1, (items) => items.every((l) => l.delivery !== "sending"));
    expect(letter).toMatchObject({ kind: "refused", delivery: "undelivered", problems: ["the application has no contact to send the letter to"], latest: { recipients: [] } });
    const undelivered = await eventually(() => staff.expect("intake", "GET", "/letters/undelivered", undefined, 200), (r) => r.body.items.some((l: any) => l.letterId === letter.letterId));
    expect(undelivered.body.items.find((l: any) => l.letterId === letter.letterId)).toMatchObject({ applicationId, kind: "refused" });

    // Staff re-send it to an address the applicant gave by phone: the same PDF (same hash) reaches them.
    const resent = await staff.expect("intake", "POST", `/letters/${letter.letterId}/resend`, { recipients: ["Info@Laat.example"], reason: "adres telefonisch doorgegeven" }, 202);
    expect(resent.body).toMatchObject({ letterId: letter.letterId, attempt: 2 });
    const [after] = await lettersOf(applicationId, 1, (items) => items[0].attempts === 2 && items[0].delivery !== "sending");
    expect(after).toMatchObject({ delivery: "delivered", attempts: 2, sha256: letter.sha256, latest: { attempt: 2, recipients: [{ address: "info@laat.example", outcome: "accepted" }] } });
    const mail = [...(await outbox()).values()].find((m) => m.to === "info@laat.example")!;
    expect(sha256(mail.pdf)).toBe(letter.sha256);
    const text = mail.text.join(" ");
    expect(text).toContain("afwijzing");
    expect(text).toContain("R-TH-01");
    expect(text).toContain("Bezwaar");
    const list = await eventually(() => staff.expect("auditor", "GET", "/letters/undelivered", undefined, 200), (r) => !r.body.items.some((l: any) => l.letterId === letter.letterId));
    expect(list.body.items.map((l: any) => l.letterId)).not.toContain(letter.letterId);
  });

  it("R-TH-10 a letter the mail service refuses (the outbox refuses .invalid domains, as SES bounces) is recorded as bounced and listed for staff; the other contact still gets it", async () => {
    // Prepare: an application with a good and a dead contact, rejected by the committee.
    const applicationId = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Afgewezen", region: "Limburg" },
      applicant: { companyName: "Afgewezen BV" }, requestedAmountCents: 50_000_000, receivedAt: "2021-01-11T09:00:00.000Z", sectionIds: ["application-form", "proposal"],
    });
    await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: "goed@afgewezen.example" }, 200);
    await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: "weg@afgewezen.invalid" }, 200);
    await staff.details(applicationId, { plannedStartDate: "2021-03-01", applicantAffiliated: true, costLines: [{ lineId: "staff", categoryId: "company-staff", description: "Staff", amountCents: 10_000_000 }] });
    await staff.complete(applicationId);
    await backOffice.settle();
    await staff.assess(applicationId);

    // Act
    await staff.reject(applicationId, { roundId: "2021-02-15", membersPresent: ["FME", "FNV"], decidedOn: "2021-02-25", reasons: ["Er is al een technohub met hetzelfde aanbod in de regio."] });

    // Assess
    const [letter] = await lettersOf(applicationId, 1);
    expect(letter).toMatchObject({ kind: "refused", delivery: "undelivered" });
    expect(letter.latest.recipients).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: "goed@afgewezen.example", outcome: "accepted" }),
        expect.objectContaining({ address: "weg@afgewezen.invalid", outcome: "refused", reason: expect.stringContaining("does not accept mail") }),
      ]),
    );
    const events = await backOffice.dependencies.events.readStream(streamIds.letter(letter.letterId));
    expect(events.map((e) => e.type).sort()).toEqual(["LetterAccepted", "LetterBounced", "LetterSent"]);
    const undelivered = await eventually(() => staff.expect("auditor", "GET", "/letters/undelivered", undefined, 200), (r) => r.body.items.some((l: any) => l.letterId === letter.letterId));
    expect(undelivered.body.items.find((l: any) => l.letterId === letter.letterId).problems).toEqual([expect.stringMatching(/^weg@afgewezen\.invalid: refused: /)]);
    const mail = [...(await outbox()).values()].find((m) => m.to === "goed@afgewezen.example")!;
    const text = mail.text.join(" ");
    expect(text).toContain("heeft op 25 februari 2021 besloten uw aanvraag");
    expect(text).toContain("Er is al een technohub met hetzelfde aanbod in de regio.");
    expect(text).toContain("R-TH-10");

    // The auditor reads but cannot re-send; a re-send of a letter that does not exist is a 404.
    await staff.expect("auditor", "POST", `/letters/${letter.letterId}/resend`, { reason: "x" }, 403);
    await staff.expect("intake", "POST", `/letters/${"0".repeat(40)}/resend`, { reason: "x" }, 404);
  });
  it("issue 13: a letter's PDF downloads as it was sent (its hash is the one recorded), for the auditor too; a letter that renders to another PDF today answers 409, an unknown one 404", async () => {
    // Prepare: an application missing its proposal, with a contact: the incompleteness letter is mailed.
    const applicationId = await staff.register({
      schemeId: "technohubs-2020", instrumentId: "execution", technohub: { name: "Technohub Download", region: "Utrecht" },
      applicant: { companyName: "Download BV" }, requestedAmountCents: 20_000_000, receivedAt: "2021-01-12T09:00:00.000Z", sectionIds: ["application-form"],
    });
    await staff.expect("intake", "POST", `/applications/${applicationId}/contacts`, { address: "brief@download.example" }, 200);
    await staff.expect("intake", "POST", `/applications/${applicationId}/completeness`, { complete: false, missingSectionIds: ["proposal"], note: "Het voorstel ontbrak." }, 200);
    const [letter] = await lettersOf(applicationId, 1);
    const download = async (letterId: string, role: "auditor" | "finance" = "auditor") => fetch(`${backOffice.apiUrl}/letters/${letterId}/pdf`, { headers: { authorization: `Bearer ${await backOffice.token(role)}` } });

    // Act and assess: the PDF is the mailed one, byte for byte.
    const response = await download(letter.letterId);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/pdf");
    expect(response.headers.get("content-disposition")).toBe(`attachment; filename="brief-incomplete-${applicationId}.pdf"`);
    const pdf = new Uint8Array(await response.arrayBuffer());
    expect(sha256(pdf)).toBe(letter.sha256);
    expect(pdf.byteLength).toBe(letter.bytes);
    const mailed = [...(await outbox()).values()].find((m) => m.to === "brief@download.example")!;
    expect(Buffer.from(pdf).equals(Buffer.from(mailed.pdf))).toBe(true);
    expect((await download(letter.letterId, "finance")).status).toBe(200);

    // A letter recorded under an older template (its hash is not what the same source renders to today) is not handed out as if it were.
    const olderLetterId = createHash("sha256").update(`older-template-${applicationId}`).digest("hex").slice(0, 40);
    await backOffice.dependencies.events.append([{
      streamId: streamIds.letter(olderLetterId), expectedVersion: 0, schemeId: "technohubs-2020",
      events: [{ type: "LetterSent", data: { letterId: olderLetterId, kind: "incomplete", applicationId, source: letter.source, attempt: 1, recipients: ["brief@download.example"], subject: letter.subject, sha256: "0".repeat(64), bytes: 1000, pages: 1, template: "technohubs-2020/0" } }],
      metadata: { actor: "letters", role: "system", channel: "system", correlationId: "older-template" },
    }]);
    const older = await download(olderLetterId);
    expect(older.status).toBe(409);
    expect(await older.json()).toMatchObject({ title: "letter-not-reproducible", recordedSha256: "0".repeat(64), renderedSha256: letter.sha256 });

    expect((await download("a".repeat(40))).status).toBe(404);
    expect((await download("not-a-letter")).status).toBe(400);
  });
});
