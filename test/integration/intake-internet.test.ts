import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { localDate } from "../../domain/calendar.ts";
import type { EventData } from "../../events/index.ts";
import { DEMO_INTAKE_ADDRESS, DEMO_SCHEME_ID, catalogueWithDemo } from "../../local/demo-scheme.ts";
import { type TestBackOffice, eventually, startTestBackOffice } from "../support/back-office.ts";
import { documentPdf, fillForm, intakeEvents, pseudoRandomBytes, receiveAt, sendMail, storedFiles } from "../support/mail.ts";

/**
 * Issue 12 (an email intake that can face the internet), over real SMTP to the listener on loopback:
 * who may change an application (finding 1), every document on file (finding 5), limits over all
 * messages (finding 6), region numbers however registered (finding 7), correspondence (finding 8)
 * and the open demo scheme (finding 10).
 */
let backOffice: TestBackOffice;
const forms = new Map<string, Buffer>();
const today = localDate(new Date().toISOString(), "Europe/Amsterdam");

type Filed = EventData<"MailFiled">;
type Received = EventData<"MailReceived">;

const TECHNOHUBS = "technohubs@intake.aeno.local";
const STERK = "sterk-techniekonderwijs@intake.aeno.local";
const APPLICANT = "aanvrager@internet.example";
const STRANGER = "vreemde@elders.example";

const eventTypes = (events: ReadonlyArray<{ type: string }>) => events.map((e) => e.type);
const correspondence = (status: "open" | "handled" = "open") => backOffice.call("intake", "GET", `/correspondence?status=${status}`);
const inInbox = async (messageKey: string, status: "open" | "handled" = "open") =>
  eventually(correspondence.bind(null, status), (r) => r.status === 200 && r.body.items.some((m: { messageKey: string }) => m.messageKey === messageKey));

async function formOf(schemeId: string): Promise<Buffer> {
  if (!forms.has(schemeId)) {
    const response = await fetch(`${backOffice.apiUrl}/schemes/${schemeId}/application-form`, { headers: { authorization: `Bearer ${await backOffice.token("intake")}` } });
    expect(response.status).toBe(200);
    forms.set(schemeId, Buffer.from(await response.arrayBuffer()));
  }
  return forms.get(schemeId)!;
}

beforeAll(async () => {
  backOffice = await startTestBackOffice("intake-internet", { schemes: catalogueWithDemo(today) });
});

afterAll(async () => {
  await backOffice?.stop();
  if (backOffice?.mailDir) await rm(backOffice.mailDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
});

describe("issue 12 finding 10: an open demo scheme", () => {
  it("issue 12 finding 10: with the demo scheme opened, a filled form mailed today (the listener's real clock) ends as a queued application of the clearly marked DEMO scheme", async () => {
    const scheme = backOffice.dependencies.schemes.get(DEMO_SCHEME_ID)!.definition;
    expect(scheme.dutchTitle).toMatch(/^DEMO — /);
    expect(scheme.term.opens <= today && today <= scheme.term.closes).toBe(true);
    // Every committee round still lies ahead of or around the term, shifted with it.
    expect(scheme.committeeRounds.every((r) => r.submissionDeadline > scheme.term.opens)).toBe(true);
    const listed = await backOffice.call("intake", "GET", "/schemes");
    expect(JSON.stringify(listed.body)).toContain(DEMO_SCHEME_ID);

    const form = await fillForm(await formOf(DEMO_SCHEME_ID), {
      instrument: "execution",
      technohubName: "Technohub Demo",
      technohubRegion: "Twente",
      applicantCompany: "Demo Metaal BV",
      applicantKvk: "12345678",
      requestedAmountEuros: "100.000,00",
      plannedStartDate: scheme.term.projectPeriod.from,
    });
    const sent = await sendMail(backOffice.smtpUrl, {
      from: "aanvrager@demo.example",
      to: DEMO_INTAKE_ADDRESS,
      subject: "Aanvraag Technohub Demo",
      attachments: [
        { filename: "aanvraagformulier.pdf", content: form },
        { filename: "Voorstel Technohub Demo.pdf", content: await documentPdf("Voorstel Technohub Demo") },
      ],
    });
    const events = await intakeEvents(backOffice, sent.messageKey);
    const filed = events.find((e) => e.type === "MailFiled")!.data as Filed;
    expect(filed).toMatchObject({ schemeId: DEMO_SCHEME_ID, filedAs: "new-application", applicationStatus: "queued", missingSectionIds: [], refusal: null });
    const view = await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}`), (r) => r.status === 200 && r.body.status === "queued");
    expect(view.body).toMatchObject({ schemeId: DEMO_SCHEME_ID, status: "queued", technohub: { name: "Technohub Demo" } });
  });
});

describe("issue 12 finding 1: only the application's contacts change it", () => {
  let applicationId: string;
  let before: any;

  it("issue 12 finding 1: a stranger's mail with [APP-<id>] (even through another scheme's address) changes nothing, gets no receipt, and waits in the correspondence inbox", async () => {
    receiveAt(backOffice, "2021-01-22T09:00:00.000Z");
    const technohubsForm = await formOf("technohubs-2020");
    const form = await fillForm(technohubsForm, { instrument: "execution", technohubName: "Technohub Contact", applicantCompany: "Contact BV", requestedAmountEuros: "100.000", plannedStartDate: "2021-04-01" });
    const first = await sendMail(backOffice.smtpUrl, { from: `"Aanvrager" <${APPLICANT}>`, to: TECHNOHUBS, subject: "Aanvraag Technohub Contact", attachments: [{ filename: "aanvraagformulier.pdf", content: form }] });
    applicationId = ((await intakeEvents(backOffice, first.messageKey)).find((e) => e.type === "MailFiled")!.data as Filed).applicationId;
    before = (await eventually(() => backOffice.call("intake", "GET", `/applications/${applicationId}`), (r) => r.status === 200 && r.body.status === "incomplete")).body;
    expect(before.contacts).toEqual([{ address: APPLICANT, name: null, source: "registering-mail" }]);
    expect({ status: before.status, missing: before.missingSectionIds }).toEqual({ status: "incomplete", missing: ["proposal"] });

    // The application's own receipt goes out first (the letters reaction runs after the projections).
    await backOffice.settle();
    const outboxBefore = (await storedFiles(backOffice, "outbox")).size;
    const changedForm = await fillForm(technohubsForm, { instrument: "execution", technohubName: "Technohub Contact", applicantCompany: "Contact BV", requestedAmountEuros: "100.000", plannedStartDate: "2021-09-01" });
    const strangers = [
      await sendMail(backOffice.smtpUrl, { from: STRANGER, to: TECHNOHUBS, subject: `Re: [APP-${applicationId}]`, attachments: [{ filename: "Voorstel.pdf", content: await documentPdf("Voorstel van een vreemde") }, { filename: "aanvraagformulier.pdf", content: changedForm }] }),
      await sendMail(backOffice.smtpUrl, { from: STRANGER, to: STERK, subject: `Re: [APP-${applicationId}] via the other address`, attachments: [{ filename: "Voorstel 2.pdf", content: await documentPdf("Nog een voorstel") }] }),
    ];
    for (const sent of strangers) {
      const events = await intakeEvents(backOffice, sent.messageKey);
      expect(eventTypes(events)).toEqual(["MailReceived", "CorrespondenceReceived"]);
      expect(events[1]!.data).toMatchObject({ reason: "unknown-sender", applicationId });
      await inInbox(sent.messageKey);
    }
    await backOffice.settle();
    const after = (await backOffice.call("intake", "GET", `/applications/${applicationId}`)).body;
    // Nothing changed: same version, documents, details, status; no receipt went to the stranger.
    expect({ version: after.version, documents: after.documents, details: after.details, status: after.status }).toEqual({ version: before.version, documents: before.documents, details: before.details, status: before.status });
    expect((await storedFiles(backOffice, "outbox")).size).toBe(outboxBefore);
  });

  it("issue 12 finding 1: staff accept the stranger's mail onto the application (documents and form applied, staff recorded) and may make the sender a contact; an auditor may not", async () => {
    const open = (await correspondence()).body.items.filter((m: any) => m.correspondence.applicationId === applicationId);
    const first = open.find((m: any) => m.recipients.includes(TECHNOHUBS))!;
    expect((await backOffice.call("auditor", "POST", `/correspondence/${first.messageKey}/attachment`, {})).status).toBe(403);
    const attached = await backOffice.callAs("intake", "medewerker-1", "POST", `/correspondence/${first.messageKey}/attachment`, { note: "checked by phone", addSenderAsContact: true });
    expect(attached.status).toBe(200);
    expect(eventTypes(attached.body.recorded)).toEqual(["DocumentsFiled", "ApplicationDetailsRecorded", "ApplicationSectionsReceived", "ApplicationQueued", "ContactAdded", "CorrespondenceAttached"]);
    expect(attached.body.applicationStatus).toBe("queued");
    const history = await backOffice.dependencies.events.readStream(`application#${applicationId}`);
    expect(history.at(-1)!.metadata).toMatchObject({ actor: "medewerker-1", role: "intake" });
    const view = (await eventually(() => backOffice.call("intake", "GET", `/applications/${applicationId}`), (r) => r.body.status === "queued" && r.body.contacts.length === 2)).body;
    expect(view.details.plannedStartDate).toBe("2021-09-01");
    expect(view.contacts.map((c: any) => c.address)).toEqual([APPLICANT, STRANGER]);
    expect(view.documents.find((d: any) => d.name === "Voorstel.pdf")).toMatchObject({ messageKey: first.messageKey, role: "section" });
    // Attached once: again is refused; the message now is one of the application's.
    expect((await backOffice.call("intake", "POST", `/correspondence/${first.messageKey}/attachment`, {})).status).toBe(409);
    await eventually(() => backOffice.call("intake", "GET", `/applications/${applicationId}/mail`), (r) => r.body.items.some((m: any) => m.messageKey === first.messageKey));
    // The one through the other scheme's address named this application, so it is filed in this application's scheme and attaches too.
    const other = open.find((m: any) => m.recipients.includes(STERK))!;
    expect((await backOffice.call("intake", "POST", `/correspondence/${other.messageKey}/attachment`, {})).status).toBe(200);
    // Mail that named no application of this scheme lives in another scheme's log: it cannot be attached across schemes.
    const elsewhere = await sendMail(backOffice.smtpUrl, { from: STRANGER, to: STERK, subject: "Re: [APP-bestaat-niet]", text: "?" });
    await inInbox(elsewhere.messageKey);
    expect((await backOffice.call("intake", "POST", `/correspondence/${elsewhere.messageKey}/attachment`, {})).status).toBe(422);
    const across = await backOffice.call("intake", "POST", `/correspondence/${elsewhere.messageKey}/attachment`, { applicationId });
    expect(across.status).toBe(422);
    expect(across.body.detail).toContain("sterk-techniekonderwijs-2020");
  });

  it("issue 12 finding 1: a contact's mail changes the application directly; once staff remove the contact, their mail is correspondence again", async () => {
    receiveAt(backOffice, "2021-01-25T09:00:00.000Z");
    const direct = await sendMail(backOffice.smtpUrl, { from: STRANGER.toUpperCase(), to: TECHNOHUBS, subject: `Re: [APP-${applicationId}]`, attachments: [{ filename: "foto werkplaats.jpg", content: pseudoRandomBytes(2000, 7) }] });
    expect(eventTypes(await intakeEvents(backOffice, direct.messageKey))).toEqual(["MailReceived", "MailFiled", "AcknowledgementSent"]);
    const removed = await backOffice.call("intake", "POST", `/applications/${applicationId}/contacts/removal`, { address: STRANGER, reason: "left the company" });
    expect(removed.status).toBe(200);
    expect((await backOffice.call("intake", "POST", `/applications/${applicationId}/contacts/removal`, { address: STRANGER, reason: "again" })).status).toBe(404);
    const again = await sendMail(backOffice.smtpUrl, { from: STRANGER, to: TECHNOHUBS, subject: `Re: [APP-${applicationId}]`, text: "nog een vraag" });
    expect(eventTypes(await intakeEvents(backOffice, again.messageKey))).toEqual(["MailReceived", "CorrespondenceReceived"]);
    const added = await backOffice.call("intake", "POST", `/applications/${applicationId}/contacts`, { address: "Secretariaat@Contact.example", name: "Secretariaat" });
    expect(added.status).toBe(200);
    expect((await backOffice.call("intake", "POST", `/applications/${applicationId}/contacts`, { address: "secretariaat@contact.example" })).status).toBe(409);
    expect((await backOffice.call("intake", "POST", `/applications/${applicationId}/contacts`, { address: "not an address" })).status).toBe(400);
    expect((await backOffice.call("assessor", "POST", `/applications/${applicationId}/contacts`, { address: "x@y.example" })).status).toBe(403);
  });
});

describe("issue 12 finding 5: every document on the application's file", () => {
  it("issue 12 finding 5: an extra document that supplies no section is on the application with its name, size, hash and message", async () => {
    receiveAt(backOffice, "2021-01-26T09:00:00.000Z");
    const form = await fillForm(await formOf("technohubs-2020"), { instrument: "execution", technohubName: "Technohub Extra", applicantCompany: "Extra BV", requestedAmountEuros: "50.000", plannedStartDate: "2021-04-01" });
    const extras = Array.from({ length: 3 }, (_, i) => ({ filename: `bijlage ${i + 1}.jpg`, content: pseudoRandomBytes(1500 + i, 20 + i) }));
    const sent = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: TECHNOHUBS, subject: "Aanvraag Technohub Extra", attachments: [{ filename: "aanvraagformulier.pdf", content: form }, ...extras] });
    const filed = (await intakeEvents(backOffice, sent.messageKey)).find((e) => e.type === "MailFiled")!.data as Filed;
    const view = (await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}`), (r) => r.status === 200 && r.body.documents.length === 4)).body;
    expect(view.documents.map((d: any) => [d.name, d.role, d.bytes, d.messageKey])).toEqual([
      ["aanvraagformulier.pdf", "form", form.length, sent.messageKey],
      ...extras.map((e) => [e.filename, "extra", e.content.length, sent.messageKey]),
    ]);
  });
});

describe("issue 12 findings 6 and 7: Sterk Techniekonderwijs, per application and per region", () => {
  const plan = (n: number) => ({ filename: `Regioplan STO19${n}.pdf`, content: pseudoRandomBytes(4000, n) });
  const extra = (i: number) => ({ filename: `bijlage-${i}.pdf`, content: pseudoRandomBytes(900 + i, 100 + i) });

  it("issue 12 finding 6 R-ST-05: 10 extra documents in one mail and an 11th in the next: the 11th is refused with the rule, counted over the application's messages", async () => {
    receiveAt(backOffice, "2019-03-01T09:00:00.000Z");
    const first = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: STERK, subject: "Sterk Techniekonderwijs STO19601 regioplan", attachments: [plan(601), ...Array.from({ length: 10 }, (_, i) => extra(i))] });
    const filed = (await intakeEvents(backOffice, first.messageKey)).find((e) => e.type === "MailFiled")!.data as Filed;
    expect(filed.applicationId).toBe("sterk-techniekonderwijs-2020.STO19601");
    const second = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: STERK, subject: "STO19601 nog een bijlage", attachments: [extra(10), extra(3)] });
    const received = (await intakeEvents(backOffice, second.messageKey))[0]!.data as Received;
    expect(received.attachments.map((a) => [a.name, a.stored, a.refusedReason ?? null])).toEqual([
      ["bijlage-10.pdf", false, "more than 10 extra documents for one application [R-ST-05]"],
      // Already on file: no new extra.
      ["bijlage-3.pdf", true, null],
    ]);
    const view = (await eventually(() => backOffice.call("intake", "GET", `/applications/${filed.applicationId}`), (r) => r.status === 200 && r.body.documents.length === 11)).body;
    expect(view.documents.filter((d: any) => d.role === "extra")).toHaveLength(10);
  });

  it("issue 12 finding 7 R-ST-01: a plan registered through the API binds its region number: mail with the number finds it, a second plan for the region is refused, and so is an API plan for a region the intake registered", async () => {
    const registered = await backOffice.call("intake", "POST", "/applications", {
      schemeId: "sterk-techniekonderwijs-2020",
      instrumentId: "regional-plan",
      technohub: { name: "Regio Rijnmond", region: "STO19077" },
      applicant: { companyName: "Rijnmond College", chamberOfCommerceNumber: null },
      requestedAmountCents: 100_000_00,
      receivedAt: "2019-03-01T09:00:00.000Z",
      // Issue 12 finding 1: contacts recorded at registration by staff.
      contacts: [{ address: APPLICANT.toUpperCase(), name: "Projectleider" }],
    });
    expect(registered.status).toBe(201);
    const applicationId = registered.body.applicationId as string;
    expect(applicationId).not.toBe("sterk-techniekonderwijs-2020.STO19077");

    receiveAt(backOffice, "2019-03-02T09:00:00.000Z");
    const mail = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: STERK, subject: "Sterk Techniekonderwijs - regioplan STO19077", attachments: [plan(77)] });
    const filed = (await intakeEvents(backOffice, mail.messageKey)).find((e) => e.type === "MailFiled")!.data as Filed;
    expect(filed).toMatchObject({ applicationId, filedAs: "follow-up" });
    await backOffice.settle();
    const list = await backOffice.call("intake", "GET", "/applications?schemeId=sterk-techniekonderwijs-2020");
    expect(list.body.items.filter((a: any) => a.technohub.region === "STO19077")).toHaveLength(1);

    const second = await backOffice.call("intake", "POST", "/applications", {
      schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", technohub: { name: "Rijnmond bis", region: "regio STO19077" },
      applicant: { companyName: "Ander College", chamberOfCommerceNumber: null }, requestedAmountCents: 1_00, receivedAt: "2019-03-03T09:00:00.000Z",
    });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ ruleIds: ["R-ST-01"], details: { applicationId } });

    // The region the intake registered (STO19601, above) is bound too.
    const third = await backOffice.call("intake", "POST", "/applications", {
      schemeId: "sterk-techniekonderwijs-2020", instrumentId: "regional-plan", technohub: { name: "Dubbel", region: "STO19601" },
      applicant: { companyName: "Dubbel College", chamberOfCommerceNumber: null }, requestedAmountCents: 1_00, receivedAt: "2019-03-03T09:00:00.000Z",
    });
    expect(third.status).toBe(409);
    expect(third.body.details).toEqual({ applicationId: "sterk-techniekonderwijs-2020.STO19601" });
  });
});

describe("issue 12 finding 8: mail that is not an application", () => {
  it("issue 12 finding 8: a question to a scheme's address and a reference to no application are correspondence, listed for staff, never an application; staff dismiss with a reason", async () => {
    receiveAt(backOffice, "2021-01-27T09:00:00.000Z");
    await backOffice.settle();
    const count = async () => (await backOffice.call("intake", "GET", "/applications?schemeId=technohubs-2020")).body.items.length;
    const applicationsBefore = await count();
    const question = await sendMail(backOffice.smtpUrl, { from: "nieuwsgierig@bedrijf.example", to: TECHNOHUBS, subject: "Vraag over de termijn", text: "Tot wanneer kunnen wij aanvragen?" });
    const empty = await sendMail(backOffice.smtpUrl, { from: "nieuwsgierig@bedrijf.example", to: TECHNOHUBS, subject: "", text: "?" });
    const nowhere = await sendMail(backOffice.smtpUrl, { from: APPLICANT, to: TECHNOHUBS, subject: "Re: [APP-bestaat-niet]", text: "aanvulling" });
    for (const [sent, reason] of [[question, "not-an-application"], [empty, "not-an-application"], [nowhere, "unknown-reference"]] as const) {
      const events = await intakeEvents(backOffice, sent.messageKey);
      expect(eventTypes(events)).toEqual(["MailReceived", "CorrespondenceReceived"]);
      expect(events[1]!.data).toMatchObject({ reason });
      await inInbox(sent.messageKey);
    }
    await backOffice.settle();
    expect(await count()).toBe(applicationsBefore);
    expect((await backOffice.call("intake", "POST", `/correspondence/${question.messageKey}/dismissal`, {})).status).toBe(400);
    const dismissed = await backOffice.callAs("intake", "medewerker-2", "POST", `/correspondence/${question.messageKey}/dismissal`, { reason: "answered by phone" });
    expect(dismissed.status).toBe(200);
    const handled = await inInbox(question.messageKey, "handled");
    expect(handled.body.items.find((m: any) => m.messageKey === question.messageKey).correspondence).toMatchObject({ open: false, handling: [{ action: "dismissed", by: "medewerker-2", reason: "answered by phone" }] });
    expect((await correspondence()).body.items.some((m: any) => m.messageKey === question.messageKey)).toBe(false);
    expect((await backOffice.call("intake", "POST", `/correspondence/${question.messageKey}/dismissal`, { reason: "twice" })).status).toBe(409);
    expect((await backOffice.call("intake", "POST", `/correspondence/${"0".repeat(64)}/dismissal`, { reason: "none" })).status).toBe(404);
  });
});

describe("issue 12 finding 8: staff answer correspondence", () => {
  it("issue 12 finding 8: an answer goes to the sender from the scheme's intake address in the message's thread, is recorded with who sent it, and a retry with the same Idempotency-Key sends nothing again", async () => {
    receiveAt(backOffice, "2021-01-28T09:00:00.000Z");
    const question = await sendMail(backOffice.smtpUrl, { from: "Vrager@Bedrijf.example", to: TECHNOHUBS, subject: "Vraag over cofinanciering", text: "Telt inzet in natura mee?" });
    await inInbox(question.messageKey);
    const outboxBefore = await storedFiles(backOffice, "outbox");
    expect((await backOffice.call("auditor", "POST", `/correspondence/${question.messageKey}/answer`, { text: "Ja." })).status).toBe(403);
    const headers = { authorization: `Bearer ${await backOffice.token("intake", "medewerker-3")}`, "idempotency-key": "answer-1" };
    const answered = await backOffice.call(undefined, "POST", `/correspondence/${question.messageKey}/answer`, { text: "Ja, inzet in natura telt mee (R-TH-06)." }, headers);
    expect(answered.status).toBe(200);
    const again = await backOffice.call(undefined, "POST", `/correspondence/${question.messageKey}/answer`, { text: "Ja, inzet in natura telt mee (R-TH-06)." }, headers);
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const outbox = await storedFiles(backOffice, "outbox");
    const sentNow = [...outbox.keys()].filter((name) => !outboxBefore.has(name));
    expect(sentNow).toHaveLength(1);
    const { readFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const eml = (await readFile(join(backOffice.mailDir, "outbox", sentNow[0]!), "utf8")).replace(/\r\n/g, "\n");
    expect(eml).toMatch(/^From: technohubs@intake\.aeno\.local$/m);
    expect(eml).toMatch(/^To: vrager@bedrijf\.example$/m);
    expect(eml).toMatch(/^Subject: Re: Vraag over cofinanciering$/m);
    expect(eml).toContain(`In-Reply-To: ${question.messageId}`);
    expect(eml).toContain("inzet in natura telt mee");
    const events = await intakeEvents(backOffice, question.messageKey);
    expect(eventTypes(events)).toEqual(["MailReceived", "CorrespondenceReceived", "CorrespondenceAnswered"]);
    expect(events[2]!.metadata).toMatchObject({ actor: "medewerker-3", role: "intake" });
    expect(events[2]!.data).toMatchObject({ sent: true, notSentReason: null });
    const handled = await inInbox(question.messageKey, "handled");
    expect(handled.body.items.find((m: any) => m.messageKey === question.messageKey).correspondence.handling).toMatchObject([{ action: "answered", by: "medewerker-3", sent: true }]);
  });
});
