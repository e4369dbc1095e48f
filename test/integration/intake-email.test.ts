import { rm } from "node:fs/promises";
import { PDFDocument, PDFTextField } from "pdf-lib";
import PostalMime from "postal-mime";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { projections } from "../../domain/projections/index.ts";
import { type EventData, streamIds } from "../../events/index.ts";
import { DynamoDbReadModelStore } from "../../functions/projector/read-model-store.ts";
import { rebuildProjections } from "../../functions/projector/rebuild.ts";
import type { DynamoDbEventStore } from "../../functions/store/dynamodb-event-store.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { freshTables, localClient } from "../support/dynamo.ts";
import {
  compose,
  documentPdf,
  fillForm,
  fixtureMail,
  intakeEvents,
  pseudoRandomBytes,
  readStored,
  receiveAt,
  sendMail,
  sendRawSmtp,
  sha256,
  storedFiles,
} from "../support/mail.ts";

/**
 * The email intake through the whole local runtime: real MIME messages over real SMTP (nodemailer,
 * or a plain socket for what no mail library would send) to the listener on loopback, then the
 * events in DynamoDB Local, the files in the mail folder, and the staff API's views.
 */
let backOffice: TestBackOffice;
const forms = new Map<string, Buffer>();

const TECHNOHUBS = "technohubs@intake.aeno.local";
const STERK = "sterk-techniekonderwijs@intake.aeno.local";
const APPLICANT = "aanvrager@metaal-oost.example";

type Received = EventData<"MailReceived">;
type Filed = EventData<"MailFiled">;

async function downloadForm(schemeId: string, role: Parameters<TestBackOffice["token"]>[0] = "intake") {
  const response = await fetch(`${backOffice.apiUrl}/schemes/${schemeId}/application-form`, { headers: { authorization: `Bearer ${await backOffice.token(role)}` } });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

const technohubsForm = (hub: string, overrides: Record<string, string | boolean> = {}) =>
  fillForm(forms.get("technohubs-2020")!, {
    instrument: "execution",
    technohubName: hub,
    technohubRegion: "Oost-Nederland",
    applicantCompany: "Metaalbedrijf Oost BV",
    applicantKvk: "12345678",
    requestedAmountEuros: "409.500,00",
    plannedStartDate: "2021-04-01",
    budgetLine1_category: "company-staff",
    budgetLine1_description: "Company staff developing the hub",
    budgetLine1_amount: "250.000,00",
    ...overrides,
  });

const view = (applicationId: string, accept: (body: any) => boolean) =>
  eventually(() => backOffice.call("intake", "GET", `/applications/${applicationId}`), (r) => r.status === 200 && accept(r.body), 400);

async function filedOf(messageKey: string) {
  const events = await intakeEvents(backOffice, messageKey);
  return { events, received: events[0]!.data as Received, filed: events.find((e) => e.type === "MailFiled")?.data as Filed };
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake");
  for (const schemeId of ["technohubs-2020", "sterk-techniekonderwijs-2020"]) forms.set(schemeId, (await downloadForm(schemeId)).bytes);
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe("R-TH-14 the application form", () => {
  it("every scheme's form downloads as a fillable PDF, for every role, with a field per registration item, required section and budget line", async () => {
    for (const [schemeId, role] of [["technohubs-2020", "finance"], ["verduurzamen-2025", "auditor"], ["sterk-techniekonderwijs-2020", "assessor"]] as const) {
      const { response, bytes } = await downloadForm(schemeId, role);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/pdf");
      expect(response.headers.get("content-disposition")).toBe(`attachment; filename="aanvraagformulier-${schemeId}.pdf"`);
      expect(bytes.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      const fields = (await PDFDocument.load(bytes)).getForm().getFields();
      const scheme = backOffice.dependencies.schemes.get(schemeId)!.definition;
      expect(fields.map((f) => f.getName())).toEqual(
        expect.arrayContaining(["scheme", "instrument", "technohubName", "applicantCompany", "applicantKvk", "requestedAmountEuros", "budgetLine1_amount", ...scheme.requiredSections.filter((s) => s.id !== "application-form").map((s) => `section_${s.id}`)]),
      );
      expect((fields.find((f) => f.getName() === "scheme") as PDFTextField).getText()).toBe(schemeId);
      // Generated deterministically: the same scheme version, the same bytes and ETag.
      expect((await downloadForm(schemeId)).response.headers.get("etag")).toBe(response.headers.get("etag"));
    }
    expect((await fetch(`${backOffice.apiUrl}/schemes/technohubs-2020/application-form`)).status).toBe(401);
    expect((await backOffice.call("intake", "GET", "/schemes/no-such-scheme/application-form")).status).toBe(404);
  });
});

describe("R-TH-14 R-TH-09 a filled form emailed to the intake", () => {
  it("becomes a complete application, queued by its receipt time, visible through the staff API within seconds; documents stored by hash, raw kept, receipt sent", async () => {
    receiveAt(backOffice, "2021-01-20T09:00:00.000Z");
    const form = await technohubsForm("Technohub Twente");
    const proposal = await documentPdf("Projectplan Technohub Twente");

    const started = performance.now();
    const sent = await sendMail(backOffice.smtpUrl, {
      from: `"Jan Jansen" <${APPLICANT}>`,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Twente",
      text: "Geachte heer/mevrouw, bijgaand ons aanvraagformulier en voorstel.",
      attachments: [
        { filename: "aanvraagformulier.pdf", content: form },
        { filename: "Voorstel Technohub Twente.pdf", content: proposal },
      ],
    });
    const accepted = performance.now();
    const { events, received, filed } = await filedOf(sent.messageKey);
    const visible = await view(filed.applicationId, (body) => body.status === "queued");
    const seen = performance.now();
    console.info(`[intake] filled form: SMTP accepted (250) ${Math.round(accepted - started)} ms after sending began; queued application visible through GET /applications/{id} ${Math.round(seen - accepted)} ms after the 250 (${Math.round(seen - started)} ms in all)`);

    expect(events.map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    expect(received).toMatchObject({ messageId: sent.messageId, from: APPLICANT, subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Twente", receivedAt: "2021-01-20T09:00:00.000Z", schemeId: "technohubs-2020" });
    expect(filed).toMatchObject({ filedAs: "new-application", sectionIds: ["application-form", "proposal"], form: { status: "read", problems: [] }, applicationStatus: "queued", missingSectionIds: [] });
    expect(visible.body).toMatchObject({
      status: "queued",
      registeredVia: "email",
      technohub: { name: "Technohub Twente", region: "Oost-Nederland" },
      applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
      requestedAmountCents: 40_950_000,
      receivedAt: "2021-01-20T09:00:00.000Z",
      sectionsReceived: ["application-form", "proposal"],
      queue: { roundId: "2021-02-15", completedAt: "2021-01-20T09:00:00.000Z" },
      details: { plannedStartDate: "2021-04-01", costLines: [{ categoryId: "company-staff", amountCents: 25_000_000 }] },
    });
    expect(visible.body.documents).toEqual([
      { sha256: sha256(form), name: "aanvraagformulier.pdf", contentType: "application/pdf", bytes: form.length, role: "form", messageKey: sent.messageKey, receivedAt: "2021-01-20T09:00:00.000Z" },
      { sha256: sha256(proposal), name: "Voorstel Technohub Twente.pdf", contentType: "application/pdf", bytes: proposal.length, role: "section", messageKey: sent.messageKey, receivedAt: "2021-01-20T09:00:00.000Z" },
    ]);

    // The files: each document under its sha256, byte for byte; the raw message under the hash of its bytes.
    expect(await readStored(backOffice, `documents/${sha256(form)}`)).toEqual(form);
    expect(await readStored(backOffice, `documents/${sha256(proposal)}`)).toEqual(proposal);
    const raw = await readStored(backOffice, received.rawObjectKey);
    expect(received.rawObjectKey).toBe(`raw/${sha256(raw)}.eml`);
    expect(raw.length).toBe(received.rawBytes);

    // Every application event says it came by email, from the intake, not from a person.
    const stream = await backOffice.dependencies.events.readStream(streamIds.application(filed.applicationId));
    expect(stream.map((e) => e.type)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ContactAdded", "DocumentsFiled", "ApplicationDetailsRecorded", "ApplicationQueued"]);
    expect(stream.every((e) => e.metadata.channel === "email" && e.metadata.actor === "email-intake")).toBe(true);

    // The receipt, threaded under the applicant's message, with the reference to reply with.
    const receipt = await PostalMime.parse(await readStored(backOffice, `outbox/${sent.messageKey}.eml`));
    expect(receipt.to?.[0]).toMatchObject({ address: APPLICANT });
    expect(receipt.from).toMatchObject({ address: TECHNOHUBS });
    expect(receipt.inReplyTo).toBe(sent.messageId);
    expect(receipt.subject).toBe(`Ontvangstbevestiging / Receipt: Aanjaagsubsidie Technohubs [APP-${filed.applicationId}]`);
    expect(receipt.text).toContain("Uw aanvraag is compleet en staat in de wachtrij");
    expect(receipt.headers.find((h) => h.key === "auto-submitted")?.value).toBe("auto-replied");

    // Staff see the message with the application.
    const mail = await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}/mail`), (r) => r.body?.items?.[0]?.acknowledgement?.sent === true);
    expect(mail.body.items).toHaveLength(1);
    expect(mail.body.items[0]).toMatchObject({ messageKey: sent.messageKey, status: "filed", filing: { filedAs: "new-application", form: { status: "read" } }, acknowledgement: { sent: true } });
    expect((await backOffice.call("finance", "GET", `/applications/${filed.applicationId}/mail`)).status).toBe(403);
  });

  it("R-TH-09 one without its proposal waits, incomplete, with what is missing; a reply with [APP-<id>] attaching the proposal completes it at its own arrival (R-TH-10: after 15 Feb, the March round)", async () => {
    receiveAt(backOffice, "2021-02-10T09:00:00.000Z");
    const first = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs - planvorming Technohub Rivierenland",
      text: "Het voorstel volgt.",
      attachments: [{ filename: "aanvraagformulier.pdf", content: await technohubsForm("Technohub Rivierenland", { instrument: "planning", requestedAmountEuros: "10000" }) }],
    });
    const { filed } = await filedOf(first.messageKey);
    const waiting = await view(filed.applicationId, (body) => body.status === "incomplete");
    expect(waiting).toMatchObject({ body: { missingSectionIds: ["proposal"], queue: null, instrumentId: "planning", requestedAmountCents: 1_000_000 } });
    const receipt = await PostalMime.parse(await readStored(backOffice, `outbox/${first.messageKey}.eml`));
    expect(receipt.text).toContain("Voorstel / Proposal");

    receiveAt(backOffice, "2021-02-16T08:30:00.000Z");
    const proposal = await documentPdf("Projectvoorstel Rivierenland");
    const followUp = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: `Re: ${receipt.subject}`,
      inReplyTo: receipt.messageId,
      text: "Hierbij het voorstel.",
      attachments: [{ filename: "Projectvoorstel Rivierenland.pdf", content: proposal }],
    });
    expect((await filedOf(followUp.messageKey)).filed).toMatchObject({ applicationId: filed.applicationId, filedAs: "follow-up", sectionIds: ["proposal"], applicationStatus: "queued" });
    const complete = await view(filed.applicationId, (body) => body.status === "queued");
    expect(complete.body).toMatchObject({ receivedAt: "2021-02-10T09:00:00.000Z", queue: { roundId: "2021-03-15", completedAt: "2021-02-16T08:30:00.000Z" }, missingSectionIds: [] });
    expect(complete.body.documents.map((d: { name: string }) => d.name)).toEqual(["aanvraagformulier.pdf", "Projectvoorstel Rivierenland.pdf"]);
    const mail = await eventually(() => backOffice.call("auditor", "GET", `/applications/${filed.applicationId}/mail`), (r) => r.body?.count === 2);
    expect(mail.body.items.map((m: { filing: { filedAs: string } }) => m.filing.filedAs)).toEqual(["new-application", "follow-up"]);
  });

  it("R-TH-01 R-X-05 one after the term is recorded and refused with the reason, and the receipt says why", async () => {
    receiveAt(backOffice, "2021-07-02T09:00:00.000Z");
    const sent = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Laat",
      attachments: [{ filename: "aanvraagformulier.pdf", content: await technohubsForm("Technohub Laat") }, { filename: "Voorstel.pdf", content: await documentPdf("Laat") }],
    });
    const { filed } = await filedOf(sent.messageKey);
    const refused = await view(filed.applicationId, (body) => body.status === "refused");
    expect(refused.body.refusal).toMatchObject({ code: "late", ruleIds: ["R-TH-01"] });
    const receipt = await PostalMime.parse(await readStored(backOffice, `outbox/${sent.messageKey}.eml`));
    expect(receipt.text).toContain("the intake of technohubs-2020 closed on 2021-06-30");
  });
});

describe("real MIME, as mail clients write it", () => {
  it("nested multipart with quoted-printable and base64, non-ASCII subject and file names (RFC 2047, RFC 2231): decoded, stored, filed", async () => {
    receiveAt(backOffice, "2021-01-21T10:00:00.000Z");
    const form = await technohubsForm("Technohub Zeeën");
    const proposal = await documentPdf("Voorstel Zeeen");
    const raw = await fixtureMail("nested-qp-non-ascii.eml", { FORM_BASE64: form, PROPOSAL_BASE64: proposal });
    const sent = await sendRawSmtp(backOffice.smtpUrl, { from: "renee@metaal-zeeen.example", to: [TECHNOHUBS] }, raw);
    expect(sent.code).toBe(250);
    const messageKey = /received as ([0-9a-f]{64})/.exec(sent.reply)![1]!;
    const { received, filed } = await filedOf(messageKey);
    expect(received.subject).toBe("Aanjaagsubsidie technohubs: aanvraag Technohub Zeeën");
    expect(received.from).toBe("renee@metaal-zeeen.example");
    // The inline logo the HTML shows is part of the text, not a document.
    expect(received.attachments.map((a) => [a.name, a.contentType, a.stored])).toEqual([
      ["aanvraagformulier.pdf", "application/pdf", true],
      ["Voorstel Technohub Zeeën – def.pdf", "application/pdf", true],
      ["Toelichting coördinatie.txt", "text/plain", true],
    ]);
    expect(received.attachments[0]!.sha256).toBe(sha256(form));
    expect(received.attachments[1]!.sha256).toBe(sha256(proposal));
    const explanation = await readStored(backOffice, `documents/${received.attachments[2]!.sha256}`);
    expect(sha256(explanation)).toBe(received.attachments[2]!.sha256);
    expect(explanation.toString("utf8")).toMatch(/^Coördinatie en communicatie: € 25\.000,00\r?\nZie het voorstel, hoofdstuk 3\.(\r?\n)?$/);
    const queued = await view(filed.applicationId, (body) => body.status === "queued");
    expect(queued.body.technohub.name).toBe("Technohub Zeeën");
    expect(queued.body.documents.map((d: { name: string }) => d.name)).toContain("Voorstel Technohub Zeeën – def.pdf");
  });

  it("a forwarded message (message/rfc822 attachment): the form and proposal inside it are taken out and filed", async () => {
    receiveAt(backOffice, "2021-02-01T08:15:00.000Z");
    const form = await technohubsForm("Technohub Achterhoek");
    const proposal = await documentPdf("Voorstel Achterhoek");
    const sent = await sendMail(backOffice.smtpUrl, { envelope: { from: "secretariaat@metaal-oost.example", to: [TECHNOHUBS] }, raw: await fixtureMail("forwarded.eml", { FORM_BASE64: form, PROPOSAL_BASE64: proposal }) });
    const { received, filed } = await filedOf(sent.messageKey);
    expect(received.attachments.map((a) => [a.name, a.sha256])).toEqual([
      ["aanvraagformulier.pdf", sha256(form)],
      ["Voorstel Achterhoek.pdf", sha256(proposal)],
    ]);
    expect(filed).toMatchObject({ sectionIds: ["application-form", "proposal"], applicationStatus: "queued" });
    expect((await view(filed.applicationId, (body) => body.status === "queued")).body.technohub.name).toBe("Technohub Achterhoek");
  });
});

describe("R-ST-05 Sterk Techniekonderwijs: document limits and the region number", () => {
  it("a document over 5 MB and the 11th extra document are refused with the reason, the raw message kept whole; a later mail with the region number completes the region's application", async () => {
    receiveAt(backOffice, "2019-03-01T09:00:00.000Z");
    const form = await fillForm(forms.get("sterk-techniekonderwijs-2020")!, {
      instrument: "regional-plan",
      technohubName: "Regio Rijnmond",
      technohubRegion: "STO19042",
      applicantCompany: "Techniek College Rijnmond",
      requestedAmountEuros: "1.250.000",
    });
    const plan = pseudoRandomBytes(6 * 1024 * 1024, 7);
    const extras = Array.from({ length: 11 }, (_, i) => ({ filename: `bijlage ${i + 1}.pdf`, content: pseudoRandomBytes(2000, 100 + i) }));
    const sent = await sendMail(backOffice.smtpUrl, {
      from: "projectleider@rijnmond.example",
      to: STERK,
      subject: "Sterk Techniekonderwijs - regioplan STO19042",
      attachments: [
        { filename: "aanvraagformulier.pdf", content: form },
        { filename: "Regioplan STO19042.pdf", content: plan },
        { filename: "Begroting STO19042.xlsx", content: pseudoRandomBytes(3000, 3) },
        { filename: "Cofinanciering bedrijfsleven.pdf", content: pseudoRandomBytes(3000, 4) },
        ...extras,
      ],
    });
    const { received, filed } = await filedOf(sent.messageKey);
    const refused = received.attachments.filter((a) => !a.stored);
    expect(refused.map((a) => [a.name, a.refusedReason])).toEqual([
      ["Regioplan STO19042.pdf", "6.0 MB (6,291,456 bytes) is over the limit of 5.0 MB (5,242,880 bytes) per document [R-ST-05]"],
      ["bijlage 11.pdf", "more than 10 extra documents for one application [R-ST-05]"],
    ]);
    const documents = await storedFiles(backOffice, "documents");
    expect(documents.has(sha256(plan))).toBe(false);
    expect(documents.get(sha256(extras[9]!.content))).toBe(2000);
    // Nothing sent is lost: the refused document is inside the kept raw message.
    const raw = await readStored(backOffice, received.rawObjectKey);
    expect(raw.length).toBe(received.rawBytes);
    expect(raw.length).toBeGreaterThan(plan.length * 1.3);
    expect(raw.includes(plan.subarray(0, 57).toString("base64"))).toBe(true);

    expect(filed).toMatchObject({ applicationId: "sterk-techniekonderwijs-2020.STO19042", applicationStatus: "incomplete", missingSectionIds: ["regional-plan"] });
    const receipt = await PostalMime.parse(await readStored(backOffice, `outbox/${sent.messageKey}.eml`));
    expect(receipt.text).toContain("Regioplan STO19042.pdf: 6.0 MB");

    receiveAt(backOffice, "2019-03-05T09:00:00.000Z");
    const smaller = pseudoRandomBytes(2 * 1024 * 1024, 8);
    const again = await sendMail(backOffice.smtpUrl, { from: "projectleider@rijnmond.example", to: STERK, subject: "STO19042 regioplan, verkleind", attachments: [{ filename: "Regioplan STO19042 (verkleind).pdf", content: smaller }] });
    expect((await filedOf(again.messageKey)).filed).toMatchObject({ applicationId: "sterk-techniekonderwijs-2020.STO19042", filedAs: "follow-up", applicationStatus: "queued" });
    const queued = await view("sterk-techniekonderwijs-2020.STO19042", (body) => body.status === "queued");
    expect(queued.body).toMatchObject({ technohub: { name: "Regio Rijnmond", region: "STO19042" }, queue: { roundId: "regional-plans-2019", completedAt: "2019-03-05T09:00:00.000Z" } });
  });
});

describe("R-X-05 nothing sent is lost: what cannot be filed is kept and listed for staff", () => {
  it("a truncated message (its last MIME part never closes) is kept and recorded as an intake failure, no application made of half a file", async () => {
    receiveAt(backOffice, "2021-02-02T10:00:00.000Z");
    const raw = await fixtureMail("truncated.eml");
    const sent = await sendRawSmtp(backOffice.smtpUrl, { from: "aanvrager@metaal-west.example", to: [TECHNOHUBS] }, raw);
    expect(sent.code).toBe(250);
    const messageKey = /received as ([0-9a-f]{64})/.exec(sent.reply)![1]!;
    const events = await intakeEvents(backOffice, messageKey);
    expect(events.map((e) => e.type)).toEqual(["MailReceived", "IntakeFailed"]);
    expect(events[1]!.data).toMatchObject({ code: "truncated", reason: expect.stringContaining('boundary "cut-here"') });
    const rawKey = (events[0]!.data as Received).rawObjectKey;
    expect(await readStored(backOffice, rawKey)).toEqual(raw);
    const failures = await eventually(() => backOffice.call("intake", "GET", "/intake/failures?code=truncated"), (r) => r.body?.count === 1);
    expect(failures.body.items[0]).toMatchObject({ messageKey, status: "failed", rawObjectKey: rawKey, failure: { code: "truncated" }, subject: "Aanjaagsubsidie technohubs - aanvraag Technohub Westland" });
  });

  it("bytes that are not an email at all are kept and listed as unparseable", async () => {
    const garbage = Buffer.concat([Buffer.from([0, 1, 2, 3, 0xff, 0xfe]), Buffer.from(" dit is geen e-mail \x00\x01".repeat(40), "latin1")]);
    const sent = await sendRawSmtp(backOffice.smtpUrl, { from: "scanner@example.org", to: [TECHNOHUBS] }, garbage);
    expect(sent.code).toBe(250);
    const messageKey = /received as ([0-9a-f]{64})/.exec(sent.reply)![1]!;
    const events = await intakeEvents(backOffice, messageKey);
    expect(events.map((e) => e.type)).toEqual(["MailReceived", "IntakeFailed"]);
    expect(events[1]!.data).toMatchObject({ code: "unparseable" });
    // The intake address still names the scheme, so it is logged with that scheme.
    expect(events[0]!.schemeId).toBe("technohubs-2020");
    expect((await readStored(backOffice, (events[0]!.data as Received).rawObjectKey)).length).toBeGreaterThanOrEqual(garbage.length);
  });

  it("R-TH-14 a message for no known scheme (neither address nor subject) is an intake failure 'unknown scheme', listed for intake, admin and auditor", async () => {
    receiveAt(backOffice, "2021-03-03T12:00:00.000Z");
    const sent = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: "aanvragen@intake.aeno.local", subject: "Vraag over een subsidie", text: "Kunnen wij ook aanvragen?", attachments: [{ filename: "brochure.pdf", content: await documentPdf("Brochure") }] });
    const events = await intakeEvents(backOffice, sent.messageKey);
    expect(events.map((e) => e.type)).toEqual(["MailReceived", "IntakeFailed"]);
    expect(events[1]!.data).toMatchObject({ code: "unknown-scheme", reason: expect.stringMatching(/^unknown scheme: /), ruleIds: ["R-TH-14"] });
    expect(events[0]!.schemeId).toBe("intake");
    const failures = await eventually(() => backOffice.call("auditor", "GET", "/intake/failures?code=unknown-scheme"), (r) => r.body?.count === 1);
    expect(failures.body.items[0]).toMatchObject({ messageKey: sent.messageKey, schemeId: null, recipients: ["aanvragen@intake.aeno.local"], attachments: [{ name: "brochure.pdf", stored: false }] });
    expect((await backOffice.call("assessor", "GET", "/intake/failures")).status).toBe(403);
    // No reply to unidentified mail: a receipt to a forged sender would be backscatter.
    expect((await storedFiles(backOffice, "outbox")).has(`${sent.messageKey}.eml`)).toBe(false);
  });

  it("SES's verdicts: an infected message is kept and listed, its documents not handed out; a spam-flagged one is filed but gets no receipt (backscatter)", async () => {
    receiveAt(backOffice, "2021-03-04T09:00:00.000Z");
    const infected = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag",
      headers: { "X-SES-Spam-Verdict": "PASS", "X-SES-Virus-Verdict": "FAIL" },
      attachments: [{ filename: "Voorstel.pdf.exe", content: Buffer.from("MZ not really") }],
    });
    const virus = await intakeEvents(backOffice, infected.messageKey);
    expect(virus.map((e) => e.type)).toEqual(["MailReceived", "IntakeFailed"]);
    expect(virus[1]!.data).toMatchObject({ code: "virus" });
    expect((virus[0]!.data as Received).attachments[0]).toMatchObject({ stored: false });

    const spam = await sendMail(backOffice.smtpUrl, {
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Spam",
      headers: { "X-SES-Spam-Verdict": "FAIL", "X-SES-Virus-Verdict": "PASS" },
      attachments: [{ filename: "Voorstel.pdf", content: await documentPdf("Spam") }],
    });
    const events = await intakeEvents(backOffice, spam.messageKey);
    expect(events.map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementNotSent"]);
    expect((events[0]!.data as Received).screening).toEqual({ spam: "FAIL", virus: "PASS" });
    expect((await storedFiles(backOffice, "outbox")).has(`${spam.messageKey}.eml`)).toBe(false);
  });

  it("mail for addresses outside the intake domains is refused at RCPT TO: not an open relay", async () => {
    const refused = await sendRawSmtp(backOffice.smtpUrl, { from: APPLICANT, to: ["iemand@example.org"] }, Buffer.from("Subject: x\r\n\r\nx\r\n"));
    expect(refused.code).toBe(550);
  });
});

describe("idempotency: the Message-ID plus the content hash", () => {
  it("the same message delivered 5 times at once makes exactly one application, one filing and one receipt", async () => {
    receiveAt(backOffice, "2021-03-01T09:00:00.000Z");
    const raw = await compose({
      from: APPLICANT,
      to: TECHNOHUBS,
      subject: "Aanjaagsubsidie technohubs: aanvraag Technohub Drechtsteden",
      messageId: "<five-deliveries@metaal-oost.example>",
      attachments: [{ filename: "aanvraagformulier.pdf", content: await technohubsForm("Technohub Drechtsteden") }, { filename: "Voorstel Drechtsteden.pdf", content: await documentPdf("Drechtsteden") }],
    });
    const deliveries = await Promise.all(Array.from({ length: 5 }, () => sendMail(backOffice.smtpUrl, { envelope: { from: APPLICANT, to: [TECHNOHUBS] }, raw })));
    const keys = new Set(deliveries.map((d) => d.messageKey));
    expect(keys.size).toBe(1);
    const [messageKey] = [...keys];
    expect((await intakeEvents(backOffice, messageKey!)).map((e) => e.type)).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    await backOffice.settle();
    const list = await backOffice.call("intake", "GET", "/applications?schemeId=technohubs-2020");
    expect(list.body.items.filter((a: { technohub: { name: string } }) => a.technohub.name === "Technohub Drechtsteden")).toHaveLength(1);
    expect([...(await storedFiles(backOffice, "outbox")).keys()].filter((name) => name === `${messageKey}.eml`)).toHaveLength(1);
  });
});

describe("privacy and rebuilds", () => {
  it("logs carry ids and counts, never the sender, names, subject or file names", async () => {
    receiveAt(backOffice, "2021-03-02T09:00:00.000Z");
    const lines: string[] = [];
    const previous = process.env.LOG_LEVEL;
    process.env.LOG_LEVEL = "debug";
    const out = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const err = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      await sendMail(backOffice.smtpUrl, {
        from: '"Geheime Aanvrager" <geheim.persoon@prive-adres.example>',
        to: TECHNOHUBS,
        subject: "Aanjaagsubsidie technohubs: aanvraag van Piet Prive",
        attachments: [{ filename: "aanvraagformulier.pdf", content: await technohubsForm("Technohub Privacy", { applicantCompany: "Prive Metaal BV" }) }, { filename: "Voorstel Piet Prive.pdf", content: await documentPdf("x") }],
      });
    } finally {
      out.mockRestore();
      err.mockRestore();
      process.env.LOG_LEVEL = previous;
    }
    const logged = lines.join("");
    expect(logged).toContain('"message":"mail received"');
    for (const secret of ["geheim.persoon", "prive-adres", "Geheime", "Piet", "Prive", "Technohub Privacy"]) expect(logged).not.toContain(secret);
  });

  it("R-X-04 the read models, intake included, rebuilt from the log equal the live ones", async () => {
    await backOffice.settle();
    const client = localClient();
    const target = new DynamoDbReadModelStore(client, (await freshTables(client, "intake-rebuild")).readModels);
    // Mail no scheme claims is logged under "intake": a rebuild reads that log too.
    const logs = [...backOffice.dependencies.schemes.all().map((s) => s.definition.id), "intake"];
    await rebuildProjections({ events: (backOffice.dependencies.events as DynamoDbEventStore).readSchemes(logs), projections, target });
    expect(JSON.stringify(await target.dump())).toBe(JSON.stringify(await backOffice.dependencies.readModels.dump()));
    client.destroy();
  });
});
