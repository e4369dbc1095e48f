import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evolveApplication, initialApplicationState } from "../../domain/application.ts";
import { type BudgetLineState, evolveBudgetLine, initialBudgetLineState } from "../../domain/budget.ts";
import {
  type FormFound,
  type MailIntakeDecision,
  type ReceivedMail,
  applicationFormFields,
  applicationReferenceIn,
  composeAcknowledgement,
  decideMailIntake,
  formFieldNames as n,
  identifyScheme,
  judgeAttachments,
  parseEuros,
  parseFormDate,
  readApplicationForm,
  routeMail,
  sectionsNamedBy,
} from "../../domain/intake.ts";
import type { SchemeUnderDecision } from "../../domain/scheme.ts";
import { type DomainEvent, eventCatalogue } from "../../events/index.ts";
import { bundledSchemes } from "../../schemes/bundled.ts";

const schemes: SchemeUnderDecision[] = bundledSchemes().all();
const scheme = (id: string) => schemes.find((s) => s.definition.id === id)!;
const technohubs = scheme("technohubs-2020");
const sterk = scheme("sterk-techniekonderwijs-2020");

const key = (n: number) => n.toString(16).padStart(64, "a");
const sha = (n: number) => n.toString(16).padStart(64, "0");

function mail(overrides: Partial<ReceivedMail> = {}): ReceivedMail {
  return {
    messageKey: key(1),
    messageId: "<m1@example.org>",
    from: "aanvrager@example.org",
    recipients: ["technohubs@intake.aeno.local"],
    subject: "Aanjaagsubsidie technohubs: aanvraag",
    receivedAt: "2021-01-20T09:00:00.000Z",
    rawObjectKey: `raw/${sha(99)}.eml`,
    rawBytes: 1000,
    attachments: [],
    ...overrides,
  };
}

const filledTechnohubs = (overrides: Record<string, string | boolean> = {}): Record<string, string | boolean> => ({
  [n.scheme]: "technohubs-2020",
  [n.instrument]: "execution",
  [n.technohubName]: "Technohub Twente",
  [n.technohubRegion]: "Twente",
  [n.applicantCompany]: "Metaalbedrijf Oost BV",
  [n.applicantKvk]: "1234 5678",
  [n.requestedAmount]: "€ 409.500,00",
  [n.plannedStart]: "1-3-2021",
  [n.budgetLine(1, "category")]: "company-staff",
  [n.budgetLine(1, "description")]: "Staff developing the hub",
  [n.budgetLine(1, "amount")]: "250000",
  ...overrides,
});

const openLine = (schemeUnder: SchemeUnderDecision): Map<string, BudgetLineState> => {
  const line = schemeUnder.definition.budgetLines[0]!;
  const state = evolveBudgetLine(initialBudgetLineState, { type: "BudgetLineOpened", data: { schemeId: schemeUnder.definition.id, schemeVersion: schemeUnder.version, budgetLineId: line.id, name: line.name, amountCents: line.amountCents, releasedCents: line.initiallyReleasedCents } });
  return new Map(schemeUnder.definition.budgetLines.map((l) => [l.id, l.id === line.id ? state : initialBudgetLineState]));
};

/** Given the application's events so far, when a message arrives. */
function given(history: ReadonlyArray<DomainEvent>, schemeUnder: SchemeUnderDecision = technohubs) {
  const application = history.reduce(evolveApplication, initialApplicationState);
  return {
    when(received: ReceivedMail, form: FormFound = { kind: "none" }): MailIntakeDecision {
      const route = routeMail(received, schemes);
      return decideMailIntake({ mail: received, route, form, target: route.kind === "failed" ? undefined : { scheme: application.registration ? scheme(application.registration.schemeId) : schemeUnder, application, lines: openLine(schemeUnder) } });
    },
  };
}

const types = (events: ReadonlyArray<DomainEvent>) => events.map((e) => e.type);
const proposal = { sha256: sha(2), name: "Voorstel Technohub Twente.pdf", contentType: "application/pdf", bytes: 200_000 };
const formFile = { sha256: sha(3), name: "aanvraagformulier.pdf", contentType: "application/pdf", bytes: 30_000 };

/** Every event a decision makes is valid against the contract. */
function valid(decision: MailIntakeDecision): MailIntakeDecision {
  for (const e of [...decision.intakeEvents, ...decision.applicationEvents]) eventCatalogue.parse(e.type, eventCatalogue.currentVersion(e.type), e.data);
  return decision;
}

describe("R-TH-14 R-ST-05 which scheme and which application a message is for", () => {
  it("the intake address decides; otherwise the subject's keywords, case and accents aside; otherwise a region number", () => {
    expect(identifyScheme({ recipients: ["Technohubs@Intake.AENO.local"], subject: "Sterk Techniekonderwijs" }, schemes)).toMatchObject({ scheme: technohubs, by: "address" });
    expect(identifyScheme({ recipients: ["aanvragen@intake.aeno.local"], subject: "RE: aanjaagsubsidie  TECHNOHUBS aanvraag" }, schemes)).toMatchObject({ scheme: technohubs, by: "subject" });
    expect(identifyScheme({ recipients: ["aanvragen@intake.aeno.local"], subject: "Verduurzamen van de Technohubs" }, schemes)?.scheme.definition.id).toBe("verduurzamen-2025");
    expect(identifyScheme({ recipients: ["x@intake.aeno.local"], subject: "begroting STO19042" }, schemes)).toMatchObject({ scheme: sterk, by: "region-number" });
    expect(identifyScheme({ recipients: ["x@intake.aeno.local"], subject: "Vraag over subsidie" }, schemes)).toBeUndefined();
  });

  it("R-TH-14 neither address nor subject: an intake failure 'unknown scheme', kept and listed, nothing filed", () => {
    const decision = valid(given([]).when(mail({ recipients: ["aanvragen@intake.aeno.local"], subject: "Vraag over subsidie", attachments: [proposal] })));
    expect(decision.outcome).toMatchObject({ kind: "failed", code: "unknown-scheme", reason: expect.stringMatching(/^unknown scheme/) });
    expect(types(decision.intakeEvents)).toEqual(["MailReceived", "IntakeFailed"]);
    expect(decision.applicationEvents).toEqual([]);
    expect(decision.logSchemeId).toBe("intake");
    expect(decision.attachments[0]).toMatchObject({ stored: false, refusedReason: expect.stringContaining("raw message") });
  });

  it("[APP-<id>] in a reply's subject names the application; R-ST-05 a region number names its region's one application", () => {
    expect(applicationReferenceIn("Re: Ontvangstbevestiging [APP-3f2a9c1b00aa] aanvulling")).toBe("3f2a9c1b00aa");
    expect(routeMail(mail({ subject: "Re: [APP-abc123] voorstel" }), schemes)).toMatchObject({ kind: "reference", applicationId: "abc123" });
    expect(routeMail(mail({ recipients: ["sterk-techniekonderwijs@intake.aeno.local"], subject: "Regioplan sto19042" }), schemes)).toMatchObject({ kind: "application", by: "region-number", applicationId: "sterk-techniekonderwijs-2020.STO19042" });
    expect(routeMail(mail(), schemes)).toMatchObject({ kind: "application", by: "new", applicationId: key(1).slice(0, 20) });
  });
});

describe("the application form", () => {
  it("has a field per instrument choice, registration item, required section and budget line, named as the intake reads them", () => {
    const names = applicationFormFields(scheme("verduurzamen-2025")).map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining([n.scheme, n.instrument, n.technohubName, n.applicantCompany, n.applicantKvk, n.requestedAmount, n.plannedStart, n.leadApplicantCompany, "section_hub-description", "section_budget", n.budgetLine(8, "amount")]));
    expect(applicationFormFields(technohubs).some((f) => f.name === "section_application-form")).toBe(false);
  });

  it("reads a filled form into registration and details: Dutch amounts and dates, spaced KvK numbers, budget lines", () => {
    const reading = readApplicationForm(filledTechnohubs(), technohubs.definition);
    expect(reading.problems).toEqual([]);
    expect(reading).toMatchObject({
      instrumentId: "execution",
      technohub: { name: "Technohub Twente", region: "Twente" },
      applicant: { companyName: "Metaalbedrijf Oost BV", chamberOfCommerceNumber: "12345678" },
      requestedAmountCents: 40_950_000,
      details: { plannedStartDate: "2021-03-01", applicantAffiliated: null, costLines: [{ lineId: "line-1", categoryId: "company-staff", amountCents: 25_000_000, external: null }] },
    });
  });

  it("an inconsistent form names every problem, one sentence each", () => {
    const reading = readApplicationForm(
      filledTechnohubs({ [n.instrument]: "", [n.requestedAmount]: "veel", [n.applicantKvk]: "123", [n.plannedStart]: "2021-02-30", [n.budgetLine(2, "description")]: "Hardware" }),
      technohubs.definition,
    );
    expect(reading.problems).toEqual([
      "no instrument is chosen",
      'the KvK number "123" does not have 8 digits',
      'the requested amount "veel" is not an amount in euros',
      'the planned start date "2021-02-30" is not a date',
      "budget line 2: no category, no amount",
    ]);
    expect(readApplicationForm(filledTechnohubs({ [n.scheme]: "verduurzamen-2025" }), technohubs.definition).problems).toEqual(["the form is the one of scheme verduurzamen-2025, not of technohubs-2020"]);
  });

  it("euros as written on a Dutch form parse to exact cents, whichever notation (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (cents) => {
        const euros = Math.floor(cents / 100);
        const fraction = String(cents % 100).padStart(2, "0");
        const dutch = `${euros.toLocaleString("de-DE")},${fraction}`;
        const english = `${euros.toLocaleString("en-US")}.${fraction}`;
        expect(parseEuros(dutch)).toBe(cents);
        expect(parseEuros(`€ ${english}`)).toBe(cents);
        expect(parseEuros(`${euros}.${fraction}`)).toBe(cents);
        expect(parseEuros(`${euros.toLocaleString("de-DE")},-`)).toBe(euros * 100);
      }),
    );
    expect(["", "abc", "1.2.3", "12,345,67", "1,2345", "-5"].map(parseEuros)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(parseFormDate("31-12-2021")).toBe("2021-12-31");
    expect(parseFormDate("29/02/2021")).toBeUndefined();
  });
});

describe("R-ST-05 attachments: sections by name, limits per scheme", () => {
  it("a document supplies the sections its name names (Dutch or English), never the form section", () => {
    expect(sectionsNamedBy("Voorstel Technohub Zeeën – def.pdf", technohubs.definition)).toEqual(["proposal"]);
    expect(sectionsNamedBy("aanvraagformulier.pdf", technohubs.definition)).toEqual([]);
    expect(sectionsNamedBy("Regioplan STO19042.pdf", sterk.definition)).toEqual(["regional-plan"]);
    expect(sectionsNamedBy("Begroting en cofinanciering.xlsx", sterk.definition)).toEqual(["budget", "co-financing"]);
    expect(sectionsNamedBy("foto.jpg", sterk.definition)).toEqual([]);
  });

  it("R-ST-05 over 5 MB per document is refused with the reason, and so is the 11th extra document", () => {
    const big = { sha256: sha(10), name: "Regioplan.pdf", contentType: "application/pdf", bytes: 5_242_881 };
    const extras = Array.from({ length: 12 }, (_, i) => ({ sha256: sha(100 + i), name: `bijlage-${i + 1}.pdf`, contentType: "application/pdf", bytes: 1000 }));
    const verdicts = judgeAttachments([big, ...extras], sterk.definition, { extraDocumentsSoFar: 0 });
    expect(verdicts[0]).toMatchObject({ stored: false, refusedReason: "5.0 MB (5,242,881 bytes) is over the limit of 5.0 MB (5,242,880 bytes) per document [R-ST-05]" });
    expect(verdicts.slice(1, 11).every((v) => v.stored)).toBe(true);
    expect(verdicts.slice(11).map((v) => v.refusedReason)).toEqual(["more than 10 extra documents for one application [R-ST-05]", "more than 10 extra documents for one application [R-ST-05]"]);
  });

  it("the same file attached twice is one document, sharing the first copy's verdict", () => {
    const extra = (i: number) => ({ sha256: sha(200 + i), name: `foto-${i}.jpg`, contentType: "image/jpeg", bytes: 1000 });
    const verdicts = judgeAttachments([extra(1), extra(1), extra(2)], sterk.definition, { extraDocumentsSoFar: 9 });
    expect(verdicts.map((v) => v.stored)).toEqual([true, true, false]);
    const full = judgeAttachments([extra(3), extra(3)], sterk.definition, { extraDocumentsSoFar: 10 });
    expect(full.map((v) => v.stored)).toEqual([false, false]);
  });
});

describe("R-TH-09 R-X-05 filing a message with an application", () => {
  it("a sound form and a proposal register a complete application, queued by the message's receipt time, documents recorded", () => {
    const decision = valid(given([]).when(mail({ attachments: [formFile, proposal] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs() }));
    expect(types(decision.intakeEvents)).toEqual(["MailReceived", "MailFiled"]);
    expect(types(decision.applicationEvents)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ContactAdded", "DocumentsFiled", "ApplicationDetailsRecorded", "ApplicationQueued"]);
    const [registered, sections, contact, documents, , queued] = decision.applicationEvents;
    expect(registered!.data).toMatchObject({ applicationId: key(1).slice(0, 20), instrumentId: "execution", receivedAt: "2021-01-20T09:00:00.000Z", requestedAmountCents: 40_950_000 });
    expect(sections!.data).toMatchObject({ sectionIds: ["application-form", "proposal"] });
    expect(contact!.data).toEqual({ applicationId: key(1).slice(0, 20), address: "aanvrager@example.org", name: null, source: "registering-mail" });
    expect(documents!.data).toMatchObject({ messageKey: key(1), documents: [{ sha256: formFile.sha256, role: "form" }, { sha256: proposal.sha256, role: "section", sectionIds: ["proposal"] }] });
    expect(queued!.data).toMatchObject({ completedAt: "2021-01-20T09:00:00.000Z", roundId: "2021-02-15" });
    expect(decision.outcome).toMatchObject({ kind: "filed", status: "queued", complete: true, form: { status: "read" } });
  });

  it("without a form the application is recorded, incomplete, with what is missing and why; its registration is marked provisional", () => {
    const decision = valid(given([]).when(mail({ attachments: [proposal] })));
    expect(types(decision.applicationEvents)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ContactAdded", "DocumentsFiled", "ApplicationFoundIncomplete"]);
    const incomplete = decision.applicationEvents[4]!.data as { missingSectionIds: string[]; note: string };
    expect(incomplete.missingSectionIds).toEqual(["application-form"]);
    expect(incomplete.note).toMatch(/Missing: Application form\. Application form missing: no application form was attached\. .*provisional/);
    expect(decision.applicationEvents[0]!.data).toMatchObject({ technohub: { name: `Unknown technohub (mail ${key(1).slice(0, 8)})` }, requestedAmountCents: 0 });
  });

  it("an unreadable or inconsistent form does not stop the intake either: incomplete, the problems recorded on the filing", () => {
    const unreadable = valid(given([]).when(mail({ attachments: [formFile, proposal] }), { kind: "unreadable", sha256: formFile.sha256, reason: "aanvraagformulier.pdf: it is encrypted" }));
    expect(unreadable.outcome).toMatchObject({ status: "incomplete", missingSectionIds: ["application-form"], form: { status: "unreadable", problems: ["the application form could not be read: aanvraagformulier.pdf: it is encrypted"] } });
    const inconsistent = valid(given([]).when(mail({ attachments: [formFile, proposal] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs({ [n.requestedAmount]: "" }) }));
    expect(inconsistent.outcome).toMatchObject({ status: "incomplete", form: { status: "inconsistent", problems: ["the requested amount is not filled in"] } });
    // What the form did say is kept: the hub's name, the details.
    expect(inconsistent.applicationEvents[0]!.data).toMatchObject({ technohub: { name: "Technohub Twente" }, requestedAmountCents: 0 });
    expect(types(inconsistent.applicationEvents)).toContain("ApplicationDetailsRecorded");
  });

  it("a follow-up with [APP-<id>] adds its documents; the piece that completes the application queues it at its own arrival", () => {
    const first = given([]).when(mail({ attachments: [formFile] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs() });
    expect(first.outcome).toMatchObject({ status: "incomplete", missingSectionIds: ["proposal"] });
    const id = key(1).slice(0, 20);
    const followUp = valid(given(first.applicationEvents).when(mail({ messageKey: key(2), subject: `Re: Ontvangstbevestiging [APP-${id}]`, receivedAt: "2021-02-20T10:00:00.000Z", attachments: [proposal] })));
    expect(types(followUp.applicationEvents)).toEqual(["DocumentsFiled", "ApplicationSectionsReceived", "ApplicationQueued"]);
    expect(followUp.applicationEvents[2]!.data).toMatchObject({ completedAt: "2021-02-20T10:00:00.000Z", firstReceivedAt: "2021-01-20T09:00:00.000Z", roundId: "2021-03-15" });
    expect(followUp.outcome).toMatchObject({ kind: "filed", filedAs: "follow-up", status: "queued", complete: true });
  });

  it("issue 12 finding 8: a reference to no application is correspondence for staff; a contact's mail to a closed one is an intake failure listed for staff", () => {
    expect(valid(given([]).when(mail({ subject: "Re: [APP-nothere]" }))).outcome).toMatchObject({ kind: "correspondence", reason: "unknown-reference", applicationId: null });
    const registered = given([]).when(mail({ attachments: [formFile, proposal] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs() }).applicationEvents;
    const withdrawn = [...registered, { type: "ApplicationWithdrawn", data: { applicationId: key(1).slice(0, 20), reason: "no longer needed", releasedCents: 0 } } as DomainEvent];
    expect(given(withdrawn).when(mail({ messageKey: key(3), subject: `Re: [APP-${key(1).slice(0, 20)}]` })).outcome).toMatchObject({ kind: "failed", code: "application-closed" });
  });

  it("R-TH-01 a message after the term is recorded and refused with the reason; the receipt says so", () => {
    const decision = valid(given([]).when(mail({ receivedAt: "2021-07-01T08:00:00.000Z", attachments: [formFile, proposal] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs() }));
    expect(types(decision.applicationEvents)).toEqual(["ApplicationRegistered", "ApplicationSectionsReceived", "ApplicationRefused", "ContactAdded", "DocumentsFiled", "ApplicationDetailsRecorded"]);
    expect(decision.outcome).toMatchObject({ status: "refused", refusal: { code: "late" } });
    if (decision.outcome.kind !== "filed") throw new Error("filed expected");
    const receipt = composeAcknowledgement(decision.outcome, technohubs.definition, "2021-07-01T08:00:00.000Z");
    expect(receipt.subject).toContain(`[APP-${key(1).slice(0, 20)}]`);
    expect(receipt.text).toContain("closed on 2021-06-30");
  });

  it("R-ST-05 R-ST-01 a region's messages land on one application; damaged mail is never filed", () => {
    const regionMail = mail({ recipients: ["sterk-techniekonderwijs@intake.aeno.local"], subject: "Sterk Techniekonderwijs STO19042 regioplan", receivedAt: "2019-03-01T09:00:00.000Z", attachments: [{ ...proposal, name: "Regioplan.pdf" }] });
    const first = valid(given([], sterk).when(regionMail));
    expect(first.applicationEvents[0]!.data).toMatchObject({ applicationId: "sterk-techniekonderwijs-2020.STO19042", technohub: { region: "STO19042" } });
    const second = given(first.applicationEvents, sterk).when({ ...regionMail, messageKey: key(4), subject: "STO19042 begroting", attachments: [{ ...proposal, sha256: sha(5), name: "Begroting.xlsx" }] });
    expect(second.outcome).toMatchObject({ kind: "filed", filedAs: "follow-up", applicationId: "sterk-techniekonderwijs-2020.STO19042" });
    expect(given([]).when(mail({ damage: { code: "truncated", reason: "cut" }, attachments: [proposal] })).outcome).toMatchObject({ kind: "failed", code: "truncated" });
    expect(given([]).when(mail({ screening: { spam: "PASS", virus: "FAIL" }, attachments: [proposal] })).outcome).toMatchObject({ kind: "failed", code: "virus" });
  });
});

describe("issue 12: who may change an application, every document on file, limits over all messages", () => {
  const registered = () => given([]).when(mail({ attachments: [formFile] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs() }).applicationEvents;
  const id = key(1).slice(0, 20);

  it("issue 12 finding 1: a follow-up from an address the application does not know changes nothing: it is correspondence awaiting staff, with the form's fields kept", () => {
    const stranger = valid(given(registered()).when(mail({ messageKey: key(5), from: "iemand@elders.example", subject: `Re: [APP-${id}]`, attachments: [proposal, formFile] }), { kind: "fields", sha256: formFile.sha256, fields: filledTechnohubs({ [n.plannedStart]: "2021-09-01" }) }));
    expect(stranger.applicationEvents).toEqual([]);
    expect(types(stranger.intakeEvents)).toEqual(["MailReceived", "CorrespondenceReceived"]);
    expect(stranger.intakeEvents[1]!.data).toMatchObject({ reason: "unknown-sender", applicationId: id, formFields: { [n.plannedStart]: "2021-09-01" } });
    expect(stranger.attachments.every((a) => a.stored)).toBe(true);
    // The contact itself, in another case, is the contact.
    const contact = valid(given(registered()).when(mail({ messageKey: key(6), from: "Aanvrager@Example.ORG", subject: `Re: [APP-${id}]`, attachments: [proposal] })));
    expect(contact.outcome).toMatchObject({ kind: "filed", filedAs: "follow-up" });
    // Staff accepting the stranger's message apply it.
    const accepted = valid(decideMailIntake({ mail: mail({ messageKey: key(5), from: "iemand@elders.example", subject: `Re: [APP-${id}]`, attachments: [proposal] }), route: { kind: "reference", applicationId: id, scheme: technohubs }, form: { kind: "none" }, target: { scheme: technohubs, application: registered().reduce(evolveApplication, initialApplicationState), lines: openLine(technohubs) }, acceptedByStaff: true }));
    expect(types(accepted.applicationEvents)).toEqual(["DocumentsFiled", "ApplicationSectionsReceived", "ApplicationQueued"]);
  });

  it("issue 12 finding 8: a mail to a scheme's address with no form, no section document and a subject naming no scheme is correspondence, not an application", () => {
    const question = valid(given([]).when(mail({ subject: "Vraag over de regeling", attachments: [{ ...proposal, name: "foto.jpg", sha256: sha(7) }] })));
    expect(question.outcome).toMatchObject({ kind: "correspondence", reason: "not-an-application", applicationId: null, schemeId: "technohubs-2020" });
    expect(question.applicationEvents).toEqual([]);
    // The same subject naming the scheme is an (incomplete) application, as before.
    expect(given([]).when(mail({ subject: "Aanjaagsubsidie technohubs", attachments: [] })).outcome).toMatchObject({ kind: "filed", status: "incomplete" });
  });

  it("issue 12 finding 6 R-ST-05: extra documents are counted over all messages of the application: 10 in one mail, the 11th in the next is refused", () => {
    const extras = (from: number, count: number) => Array.from({ length: count }, (_, i) => ({ sha256: sha(300 + from + i), name: `bijlage-${from + i + 1}.pdf`, contentType: "application/pdf", bytes: 1000 }));
    const regionMail = (k: number, attachments: ReceivedMail["attachments"]) => mail({ messageKey: key(k), recipients: ["sterk-techniekonderwijs@intake.aeno.local"], subject: "Sterk Techniekonderwijs STO19042", receivedAt: "2019-03-01T09:00:00.000Z", attachments });
    const first = valid(given([], sterk).when(regionMail(10, [{ ...proposal, name: "Regioplan.pdf" }, ...extras(0, 10)])));
    expect(first.attachments.filter((a) => a.role === "extra" && a.stored)).toHaveLength(10);
    expect(first.regionBinding).toEqual({ schemeId: "sterk-techniekonderwijs-2020", regionNumber: "STO19042", applicationId: "sterk-techniekonderwijs-2020.STO19042" });
    const second = valid(given(first.applicationEvents, sterk).when(regionMail(11, [...extras(0, 1), ...extras(10, 1)])));
    // The first extra again is already on file (no new extra); the 11th is refused with the rule.
    expect(second.attachments.map((a) => [a.stored, a.refusedReason ?? null])).toEqual([[true, null], [false, "more than 10 extra documents for one application [R-ST-05]"]]);
    expect(second.applicationEvents).toEqual([]);
  });
});
