import type { DomainEvent, EventData } from "../events/index.ts";
import { ContactAddress } from "../events/correspondence-events.ts";
import type { SchemeDefinition } from "../schemes/definition.ts";
import {
  type ApplicationState,
  decideReceiveSections,
  decideRecordCompleteness,
  decideRecordDetails,
  decideRegisterApplication,
  evolveApplication,
} from "./application.ts";
import { type BudgetLineState, initialBudgetLineState } from "./budget.ts";
import { localDate } from "./calendar.ts";
import { type Decision, accept } from "./decision.ts";
import type { SchemeUnderDecision } from "./scheme.ts";

/**
 * The email intake (R-TH-14, R-ST-05, R-TH-09, R-X-05), pure: which scheme and application a
 * received message is for, what its application form says, which attachments are kept and which
 * sections they supply, and the events that records. Parsing the MIME and the PDF, hashing and
 * storing happen in the handler; time (the receipt) and ids (the message key) come in as data.
 */

type Details = EventData<"ApplicationDetailsRecorded">;
type Registration = EventData<"ApplicationRegistered">;
type RecordedAttachment = EventData<"MailReceived">["attachments"][number];
type FailureCode = EventData<"IntakeFailed">["code"];
type FormStatus = EventData<"MailFiled">["form"]["status"];

/** The log that holds mail no scheme claims (the event store files every stream under a scheme). */
export const UNATTRIBUTED_MAIL_LOG = "intake";
/** The required section that only a readable, consistent application form supplies (R-TH-14: "form plus proposal"). */
export const APPLICATION_FORM_SECTION = "application-form";

/** A received message as the parser saw it: facts only, no bytes. */
export interface ReceivedMail {
  readonly messageKey: string;
  readonly messageId: string | null;
  readonly from: string | null;
  readonly recipients: ReadonlyArray<string>;
  readonly subject: string;
  /** R-TH-09: when it reached the fund. */
  readonly receivedAt: string;
  readonly rawObjectKey: string;
  readonly rawBytes: number;
  readonly attachments: ReadonlyArray<{ readonly sha256: string; readonly name: string; readonly contentType: string; readonly bytes: number }>;
  /** SES's spam and virus verdicts (null where there are none, as locally). */
  readonly screening?: { readonly spam: string | null; readonly virus: string | null };
  /** Set when the message could not be read as a whole; it is then recorded and listed, never filed. */
  readonly damage?: { readonly code: "unparseable" | "truncated"; readonly reason: string };
  /** Earlier messages with this Message-ID and other content (issue 12 finding 9): filed all the same, flagged for staff. */
  readonly sameMessageIdAs?: ReadonlyArray<string>;
}

/** The application form among the attachments, as the PDF reader found it. */
export type FormFound =
  | { readonly kind: "none" }
  | { readonly kind: "unreadable"; readonly sha256: string; readonly reason: string }
  | { readonly kind: "fields"; readonly sha256: string; readonly fields: Readonly<Record<string, string | boolean>> };

// ---------------------------------------------------------------------------------------------
// Which scheme, which application (R-TH-14, R-ST-05)

const normalise = (text: string) =>
  text
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

export interface SchemeMatch {
  readonly scheme: SchemeUnderDecision;
  readonly by: "address" | "subject" | "region-number";
}

/** The recipient address decides; otherwise the subject's keywords (the longest match), otherwise a region number. */
export function identifyScheme(mail: Pick<ReceivedMail, "recipients" | "subject">, schemes: ReadonlyArray<SchemeUnderDecision>): SchemeMatch | undefined {
  const recipients = new Set(mail.recipients.map((a) => a.trim().toLowerCase()));
  const byAddress = schemes.find((s) => [s.definition.intake.emailAddress, s.definition.intake.publishedEmailAddress].some((a) => a && recipients.has(a.toLowerCase())));
  if (byAddress) return { scheme: byAddress, by: "address" };
  const subject = ` ${normalise(mail.subject)} `;
  const bySubject = schemes
    .flatMap((scheme) => scheme.definition.intake.subjectKeywords.filter((k) => subject.includes(` ${normalise(k)} `)).map((k) => ({ scheme, length: normalise(k).length })))
    .sort((a, b) => b.length - a.length)[0];
  if (bySubject) return { scheme: bySubject.scheme, by: "subject" };
  const byRegion = schemes.find((s) => regionNumberIn(mail.subject, s.definition) !== undefined);
  return byRegion ? { scheme: byRegion, by: "region-number" } : undefined;
}

const REFERENCE = /\[APP-([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\]/;

/** How an application is named in a subject so a reply finds it again. */
export const referenceTag = (applicationId: string) => `[APP-${applicationId}]`;

export function applicationReferenceIn(subject: string): string | undefined {
  return REFERENCE.exec(subject)?.[1];
}

/** R-ST-05: documents carry the region number (`STO19XXX`) in the subject. */
export function regionNumberIn(subject: string, scheme: SchemeDefinition): string | undefined {
  const pattern = scheme.intake.regionNumberPattern;
  if (!pattern) return undefined;
  return new RegExp(`(?<![A-Za-z0-9])(?:${pattern})(?![A-Za-z0-9])`, "i").exec(subject)?.[0].toUpperCase();
}

/** A region's application has one id, so every message naming the region number lands on it (R-ST-01: one plan per region). */
export const applicationIdForRegion = (schemeId: string, regionNumber: string) => `${schemeId}.${regionNumber}`;
/** A new application's id follows from the message, so a redelivery cannot make a second one. */
export const applicationIdForMessage = (messageKey: string) => messageKey.slice(0, 20);

export type MailRoute =
  | { readonly kind: "failed"; readonly code: FailureCode; readonly reason: string; readonly ruleIds: ReadonlyArray<string>; readonly scheme: SchemeUnderDecision | undefined }
  /** `[APP-<id>]` in the subject: the application's own registration names its scheme (`scheme` is only what the address or subject said). */
  | { readonly kind: "reference"; readonly applicationId: string; readonly scheme: SchemeUnderDecision | undefined }
  | {
      readonly kind: "application";
      readonly applicationId: string;
      readonly scheme: SchemeUnderDecision;
      readonly by: "region-number" | "new";
      /** R-ST-01: the region number that names the plan; the process swaps in the application it is bound to. */
      readonly regionNumber?: string;
    };

export function routeMail(mail: ReceivedMail, schemes: ReadonlyArray<SchemeUnderDecision>, formFields?: Readonly<Record<string, string | boolean>>): MailRoute {
  const match = identifyScheme(mail, schemes);
  if (mail.damage) return { kind: "failed", code: mail.damage.code, reason: mail.damage.reason, ruleIds: ["R-X-05"], scheme: match?.scheme };
  // Infected documents are not handed to staff as documents; the raw message keeps them for whoever must look.
  if (mail.screening?.virus === "FAIL") return { kind: "failed", code: "virus", reason: "the mail system's virus scan failed the message (X-SES-Virus-Verdict: FAIL); it is kept, quarantined in the raw message", ruleIds: ["R-X-05"], scheme: match?.scheme };
  const reference = applicationReferenceIn(mail.subject);
  if (reference) return { kind: "reference", applicationId: reference, scheme: match?.scheme };
  if (!match) {
    const keywords = schemes.flatMap((s) => s.definition.intake.subjectKeywords.map((k) => `"${k}"`));
    return {
      kind: "failed",
      code: "unknown-scheme",
      reason: `unknown scheme: the message was sent to none of the schemes' intake addresses and its subject names no scheme (one of ${keywords.join(", ")})`,
      ruleIds: ["R-TH-14"],
      scheme: undefined,
    };
  }
  // Issue 12 finding 7: the region number in the subject, else the one the form names, finds the region's plan.
  const formRegion = typeof formFields?.[formFieldNames.technohubRegion] === "string" ? (formFields[formFieldNames.technohubRegion] as string) : "";
  const region = regionNumberIn(mail.subject, match.scheme.definition) ?? (formFields?.[formFieldNames.scheme] === match.scheme.definition.id ? regionNumberIn(formRegion, match.scheme.definition) : undefined);
  if (region) return { kind: "application", applicationId: applicationIdForRegion(match.scheme.definition.id, region), scheme: match.scheme, by: "region-number", regionNumber: region };
  return { kind: "application", applicationId: applicationIdForMessage(mail.messageKey), scheme: match.scheme, by: "new" };
}

// ---------------------------------------------------------------------------------------------
// The application form: its fields, and what a filled one says

export const formFieldNames = {
  scheme: "scheme",
  schemeVersion: "schemeVersion",
  instrument: "instrument",
  technohubName: "technohubName",
  technohubRegion: "technohubRegion",
  applicantCompany: "applicantCompany",
  applicantKvk: "applicantKvk",
  requestedAmount: "requestedAmountEuros",
  plannedStart: "plannedStartDate",
  plannedEnd: "plannedEndDate",
  leadApplicantCompany: "leadApplicantCompany",
  leadApplicantMetalektro: "leadApplicantMetalektro",
  totalPlanCosts: "totalPlanCostsEuros",
  section: (sectionId: string) => `section_${sectionId}`,
  budgetLine: (n: number, part: "category" | "description" | "amount") => `budgetLine${n}_${part}`,
} as const;

/** Rows for budget lines on the form; more lines go in the budget document. */
export const FORM_BUDGET_LINES = 8;

export interface FormFieldSpec {
  readonly name: string;
  /** Dutch first (the applicants' language), English after the slash. */
  readonly label: string;
  readonly kind: "fixed" | "text" | "multiline" | "choice" | "checkbox";
  readonly options?: ReadonlyArray<string>;
  readonly value?: string;
  readonly group: "about" | "applicant" | "plan" | "sections" | "budget";
}

const sectionLabel = (s: SchemeDefinition["requiredSections"][number]) => `${s.code ? `${s.code}. ` : ""}${s.dutchTitle ?? s.title} / ${s.title}`;

/** The fields of a scheme's application form: named after its instruments, required sections and budget lines. */
export function applicationFormFields(scheme: SchemeUnderDecision): FormFieldSpec[] {
  const d = scheme.definition;
  const n = formFieldNames;
  const categories = [...d.costRules.eligibleCategories, ...d.costRules.excludedCategories].map((c) => c.id);
  const fields: FormFieldSpec[] = [
    { name: n.scheme, label: "Regeling / Scheme", kind: "fixed", value: d.id, group: "about" },
    { name: n.schemeVersion, label: "Versie / Version", kind: "fixed", value: scheme.version, group: "about" },
    { name: n.instrument, label: "Instrument", kind: "choice", options: d.instruments.map((i) => i.id), group: "about" },
    { name: n.technohubName, label: "Naam technohub of consortium / Name of the technohub or consortium", kind: "text", group: "applicant" },
    { name: n.technohubRegion, label: d.intake.regionNumberPattern ? "Regionummer (STO19...) / Region number" : "Regio / Region", kind: "text", group: "applicant" },
    { name: n.applicantCompany, label: "Aanvragende onderneming / Applicant company", kind: "text", group: "applicant" },
    { name: n.applicantKvk, label: "KvK-nummer (8 cijfers) / Chamber of Commerce number", kind: "text", group: "applicant" },
    { name: n.leadApplicantCompany, label: "Penvoerder / Lead applicant", kind: "text", group: "applicant" },
    { name: n.leadApplicantMetalektro, label: "Penvoerder is een Metalektro-bedrijf / Lead applicant is a Metalektro company", kind: "checkbox", group: "applicant" },
    { name: n.requestedAmount, label: "Gevraagd bedrag in euro's / Requested amount in euros", kind: "text", group: "plan" },
    { name: n.totalPlanCosts, label: "Totale kosten van het plan in euro's / Total plan costs in euros", kind: "text", group: "plan" },
    { name: n.plannedStart, label: "Geplande startdatum (JJJJ-MM-DD) / Planned start date", kind: "text", group: "plan" },
    { name: n.plannedEnd, label: "Geplande einddatum (JJJJ-MM-DD) / Planned end date", kind: "text", group: "plan" },
    ...d.requiredSections.filter((s) => s.id !== APPLICATION_FORM_SECTION).map((s): FormFieldSpec => ({ name: n.section(s.id), label: sectionLabel(s), kind: "multiline", group: "sections" })),
  ];
  for (let line = 1; line <= FORM_BUDGET_LINES; line++) {
    fields.push(
      categories.length
        ? { name: n.budgetLine(line, "category"), label: `Begrotingsregel ${line}: categorie / Budget line ${line}: category`, kind: "choice", options: categories, group: "budget" }
        : { name: n.budgetLine(line, "category"), label: `Begrotingsregel ${line}: categorie / Budget line ${line}: category`, kind: "text", group: "budget" },
      { name: n.budgetLine(line, "description"), label: "Omschrijving / Description", kind: "text", group: "budget" },
      { name: n.budgetLine(line, "amount"), label: "Bedrag in euro's / Amount in euros", kind: "text", group: "budget" },
    );
  }
  return fields;
}

/**
 * Euros as people write them on a Dutch form: "40.950,00", "40950", "€ 40.950,-", "40,950.50".
 * Returns whole cents, or undefined when the text is not an amount or is ambiguous.
 */
export function parseEuros(text: string): number | undefined {
  let s = text.replace(/€|\beur(?:o|os)?\b|\s/gi, "").replace(/[.,]-$/, "");
  if (!/^\d[\d.,]*$/.test(s)) return undefined;
  const lastComma = s.lastIndexOf(",");
  const lastDot = s.lastIndexOf(".");
  let decimal: "," | "." | undefined;
  if (lastComma >= 0 && lastDot >= 0) decimal = lastComma > lastDot ? "," : ".";
  else if (lastComma >= 0 || lastDot >= 0) {
    const separator = lastComma >= 0 ? "," : ".";
    const count = s.split(separator).length - 1;
    const after = s.length - s.lastIndexOf(separator) - 1;
    if (count === 1 && (after === 1 || after === 2)) decimal = separator;
    else if (after !== 3) return undefined;
  }
  let fraction = "";
  if (decimal) {
    fraction = s.slice(s.lastIndexOf(decimal) + 1);
    s = s.slice(0, s.lastIndexOf(decimal));
    if (!/^\d{1,2}$/.test(fraction)) return undefined;
  }
  const thousands = decimal === "," ? "." : decimal === "." ? "," : s.includes(".") ? "." : ",";
  const groups = s.split(thousands);
  if (groups.some((g, i) => !/^\d+$/.test(g) || (i > 0 && g.length !== 3) || (i === 0 && groups.length > 1 && g.length > 3))) return undefined;
  const cents = BigInt(groups.join("")) * 100n + BigInt((fraction + "00").slice(0, 2));
  return cents <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(cents) : undefined;
}

/** A calendar date as written on a Dutch form: 2021-03-01, 1-3-2021, 01/03/2021, 1.3.2021. */
export function parseFormDate(text: string): string | undefined {
  const t = text.trim();
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(t);
  const dutch = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(t);
  const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : dutch ? [dutch[3], dutch[2], dutch[1]] : [];
  if (!y || !m || !d) return undefined;
  const date = `${y}-${m.padStart(2, "0")}-${d.padStart(2, "0")}`;
  const parsed = new Date(`${date}T00:00:00.000Z`);
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date ? date : undefined;
}

export interface FormReading {
  readonly instrumentId?: string;
  readonly technohub?: Registration["technohub"];
  readonly applicant?: Registration["applicant"];
  readonly requestedAmountCents?: number;
  /** The substance of the application; absent when the form is for another scheme. */
  readonly details?: Omit<Details, "applicationId">;
  /** Sections whose text field is filled in. */
  readonly sectionIds: ReadonlyArray<string>;
  readonly problems: ReadonlyArray<string>;
}

/** What a filled form says, with one sentence per problem; a problem makes the form inconsistent, never the intake fail. */
export function readApplicationForm(fields: Readonly<Record<string, string | boolean>>, scheme: SchemeDefinition): FormReading {
  const n = formFieldNames;
  const text = (name: string) => (typeof fields[name] === "string" ? (fields[name] as string).replace(/\s+/g, " ").trim() : "");
  const problems: string[] = [];
  const marker = text(n.scheme);
  if (marker !== scheme.id) {
    return { sectionIds: [], problems: [marker ? `the form is the one of scheme ${marker}, not of ${scheme.id}` : `the form names no scheme; it is not the application form of ${scheme.id}`] };
  }
  const name = (field: string, what: string, required: boolean) => {
    const value = text(field);
    if (!value) {
      if (required) problems.push(`${what} is not filled in`);
      return undefined;
    }
    if (value.length > 200) {
      problems.push(`${what} is longer than 200 characters`);
      return undefined;
    }
    return value;
  };
  const amount = (field: string, what: string, required: boolean) => {
    const value = text(field);
    if (!value) {
      if (required) problems.push(`${what} is not filled in`);
      return undefined;
    }
    const cents = parseEuros(value);
    if (cents === undefined) problems.push(`${what} "${value.slice(0, 40)}" is not an amount in euros`);
    return cents;
  };
  const date = (field: string, what: string) => {
    const value = text(field);
    if (!value) return null;
    const parsed = parseFormDate(value);
    if (!parsed) problems.push(`${what} "${value.slice(0, 40)}" is not a date`);
    return parsed ?? null;
  };

  const chosen = text(n.instrument).toLowerCase();
  const instrument = scheme.instruments.find((i) => [i.id, i.name, i.dutchName].some((label) => label.toLowerCase() === chosen));
  if (!chosen) problems.push("no instrument is chosen");
  else if (!instrument) problems.push(`"${chosen.slice(0, 40)}" is not an instrument of ${scheme.id} (${scheme.instruments.map((i) => i.id).join(", ")})`);

  const hubName = name(n.technohubName, "the technohub's name", true);
  const region = name(n.technohubRegion, "the region", false) ?? null;
  if (region && scheme.intake.regionNumberPattern && !regionNumberIn(region, scheme)) problems.push(`the region number "${region.slice(0, 40)}" does not have the form STO19XXX (R-ST-05)`);
  const company = name(n.applicantCompany, "the applicant company", true);
  const kvkText = text(n.applicantKvk).replace(/[\s.]/g, "");
  if (kvkText && !/^\d{8}$/.test(kvkText)) problems.push(`the KvK number "${kvkText.slice(0, 20)}" does not have 8 digits`);
  const requestedAmountCents = amount(n.requestedAmount, "the requested amount", true);
  const totalPlanCostsCents = amount(n.totalPlanCosts, "the total plan costs", false) ?? null;
  const plannedStartDate = date(n.plannedStart, "the planned start date");
  const plannedEndDate = date(n.plannedEnd, "the planned end date");
  if (plannedStartDate && plannedEndDate && plannedEndDate < plannedStartDate) problems.push(`the planned end date ${plannedEndDate} lies before the start date ${plannedStartDate}`);
  const lead = name(n.leadApplicantCompany, "the lead applicant", false);

  const categories = new Set([...scheme.costRules.eligibleCategories, ...scheme.costRules.excludedCategories].map((c) => c.id));
  const costLines: Details["costLines"] = [];
  for (let line = 1; line <= FORM_BUDGET_LINES; line++) {
    const category = text(n.budgetLine(line, "category"));
    const description = text(n.budgetLine(line, "description")).slice(0, 500);
    const amountText = text(n.budgetLine(line, "amount"));
    if (!category && !description && !amountText) continue;
    const cents = amountText ? parseEuros(amountText) : undefined;
    const categoryId = category || (categories.size ? "" : "other");
    const wrong = [
      !categoryId ? "no category" : categories.size && !categories.has(categoryId) ? `unknown category "${categoryId.slice(0, 40)}"` : /^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(categoryId) ? "" : "a category that is not an id",
      description ? "" : "no description",
      cents === undefined ? (amountText ? `"${amountText.slice(0, 40)}" is not an amount in euros` : "no amount") : "",
    ].filter(Boolean);
    if (wrong.length) problems.push(`budget line ${line}: ${wrong.join(", ")}`);
    else costLines.push({ lineId: `line-${line}`, categoryId, description, amountCents: cents!, external: null });
  }
  const sectionIds = scheme.requiredSections.filter((s) => s.id !== APPLICATION_FORM_SECTION && text(n.section(s.id))).map((s) => s.id);

  return {
    instrumentId: instrument?.id,
    technohub: hubName ? { name: hubName, region } : undefined,
    applicant: company ? { companyName: company, chamberOfCommerceNumber: kvkText && /^\d{8}$/.test(kvkText) ? kvkText : null } : undefined,
    requestedAmountCents,
    details: {
      plannedStartDate,
      plannedEndDate,
      // R-TH-05: affiliation is checked against the fund's register, not taken from the applicant.
      applicantAffiliated: null,
      leadApplicant: lead ? { companyName: lead, metalektroCompany: fields[n.leadApplicantMetalektro] === true } : null,
      costLines,
      coFinancing: [],
      partners: [],
      totalPlanCostsCents,
    },
    sectionIds,
    problems,
  };
}

// ---------------------------------------------------------------------------------------------
// Attachments: which sections they supply, and the scheme's limits (R-ST-05)

function sectionKeywords(section: SchemeDefinition["requiredSections"][number]): string[] {
  const head = (title: string | undefined) => (title ? normalise(title.split(/[(:]/)[0]!) : "");
  const firstLongWord = (title: string | undefined) => (title ? normalise(title).split(" ").find((w) => w.length >= 7) ?? "" : "");
  return [normalise(section.id), head(section.title), head(section.dutchTitle), firstLongWord(section.dutchTitle), firstLongWord(section.title)].filter((k) => k.length >= 5);
}

/** The sections a document supplies by its file name ("Voorstel Technohub Twente.pdf" -> proposal). */
export function sectionsNamedBy(fileName: string, scheme: SchemeDefinition): string[] {
  const name = ` ${normalise(fileName.replace(/\.[A-Za-z0-9]{1,5}$/, ""))} `;
  return scheme.requiredSections
    .filter((s) => s.id !== APPLICATION_FORM_SECTION && sectionKeywords(s).some((k) => name.includes(` ${k} `) || name.replace(/ /g, "").includes(k.replace(/ /g, ""))))
    .map((s) => s.id);
}

export interface AttachmentVerdict extends RecordedAttachment {
  readonly role: "form" | "section" | "extra";
  readonly sectionIds: ReadonlyArray<string>;
}

const megabytes = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/**
 * R-ST-05: a document over the per-document limit is refused with the reason; so is every extra
 * document (one that is neither the form nor a section) beyond the scheme's number. Refused
 * attachments stay inside the raw message, which is always kept.
 */
export function judgeAttachments(
  attachments: ReceivedMail["attachments"],
  scheme: SchemeDefinition,
  options: { readonly formSha256?: string; readonly extraDocumentsSoFar: number; readonly onFile?: ReadonlyArray<string> },
): AttachmentVerdict[] {
  const limits = scheme.documentLimits;
  const rules = limits.ruleIds.join(", ");
  // The same file attached twice is one document: the second copy shares the first one's verdict.
  const seen = new Map<string, { stored: boolean; refusedReason?: string }>();
  let extras = options.extraDocumentsSoFar;
  return attachments.map((a): AttachmentVerdict => {
    const isForm = a.sha256 === options.formSha256;
    const sectionIds = isForm ? [] : sectionsNamedBy(a.name, scheme);
    const role = isForm ? "form" : sectionIds.length ? "section" : "extra";
    const base = { sha256: a.sha256, name: a.name.slice(0, 300), contentType: a.contentType.slice(0, 200), bytes: a.bytes, role } as const;
    if (a.bytes > limits.maxDocumentBytes) {
      return { ...base, sectionIds: [], stored: false, refusedReason: `${megabytes(a.bytes)} (${a.bytes.toLocaleString("en-US")} bytes) is over the limit of ${megabytes(limits.maxDocumentBytes)} (${limits.maxDocumentBytes.toLocaleString("en-US")} bytes) per document [${rules}]` };
    }
    const earlier = seen.get(a.sha256);
    if (earlier) return { ...base, sectionIds: earlier.stored ? sectionIds : [], ...earlier };
    // A document already on the application's file (sent again with a later message) is no new extra.
    if (options.onFile?.includes(a.sha256)) {
      seen.set(a.sha256, { stored: true });
      return { ...base, sectionIds, stored: true };
    }
    if (role === "extra" && extras >= limits.maxExtraDocuments) {
      const refused = { stored: false, refusedReason: `more than ${limits.maxExtraDocuments} extra documents for one application [${rules}]` };
      seen.set(a.sha256, refused);
      return { ...base, sectionIds: [], ...refused };
    }
    if (role === "extra") extras++;
    seen.set(a.sha256, { stored: true });
    return { ...base, sectionIds, stored: true };
  });
}

// ---------------------------------------------------------------------------------------------
// The decision

export interface MailIntakeTarget {
  /** The application's scheme: the route's, or for a reference the one its registration names; undefined when there is no such application. */
  readonly scheme: SchemeUnderDecision | undefined;
  readonly application: ApplicationState;
  /** The scheme's budget lines by id (a new application's instrument, read from its form, picks one). */
  readonly lines: ReadonlyMap<string, BudgetLineState>;
}

export type CorrespondenceReason = EventData<"CorrespondenceReceived">["reason"];

export type MailIntakeOutcome =
  | { readonly kind: "failed"; readonly code: FailureCode; readonly reason: string }
  /** Issue 12 findings 1, 8: kept for staff; nothing on any application changed. */
  | { readonly kind: "correspondence"; readonly reason: CorrespondenceReason; readonly explanation: string; readonly applicationId: string | null; readonly schemeId: string | null }
  | {
      readonly kind: "filed";
      readonly applicationId: string;
      readonly schemeId: string;
      readonly filedAs: "new-application" | "follow-up";
      readonly status: string;
      readonly complete: boolean;
      readonly missingSectionIds: ReadonlyArray<string>;
      readonly refusal?: { readonly code: string; readonly reason: string };
      readonly form: { readonly status: FormStatus; readonly problems: ReadonlyArray<string> };
      readonly refusedAttachments: ReadonlyArray<{ readonly name: string; readonly reason: string }>;
    };

export interface MailIntakeDecision {
  /** The log the intake stream is filed under: the scheme, or UNATTRIBUTED_MAIL_LOG. */
  readonly logSchemeId: string;
  readonly attachments: ReadonlyArray<AttachmentVerdict>;
  readonly intakeEvents: ReadonlyArray<DomainEvent>;
  readonly applicationEvents: ReadonlyArray<DomainEvent>;
  /** R-ST-01 (issue 12 finding 7): a new regional plan binds its region number, in the same append. */
  readonly regionBinding?: EventData<"RegionNumberClaimed">;
  readonly outcome: MailIntakeOutcome;
}

const closedStatuses = new Set(["withdrawn", "lapsed", "rejected"]);

function mailReceived(mail: ReceivedMail, schemeId: string | null, attachments: ReadonlyArray<RecordedAttachment>): DomainEvent {
  return {
    type: "MailReceived",
    data: {
      messageKey: mail.messageKey,
      messageId: mail.messageId?.slice(0, 998) ?? null,
      from: mail.from?.slice(0, 320) ?? null,
      recipients: mail.recipients.slice(0, 50).map((r) => r.slice(0, 320)),
      subject: mail.subject.slice(0, 1000),
      receivedAt: mail.receivedAt,
      rawObjectKey: mail.rawObjectKey,
      rawBytes: mail.rawBytes,
      schemeId,
      screening: { spam: mail.screening?.spam ?? null, virus: mail.screening?.virus ?? null },
      attachments: attachments.map(({ sha256, name, contentType, bytes, stored, refusedReason }) => ({ sha256, name, contentType, bytes, stored, ...(refusedReason ? { refusedReason } : {}) })),
      ...(mail.sameMessageIdAs?.length ? { sameMessageIdAs: mail.sameMessageIdAs.slice(0, 20) } : {}),
    },
  };
}

function failed(mail: ReceivedMail, code: FailureCode, reason: string, ruleIds: ReadonlyArray<string>, scheme: SchemeUnderDecision | undefined): MailIntakeDecision {
  // Nothing is filed, so nothing is kept as a document either: the raw message holds every byte.
  const attachments: AttachmentVerdict[] = mail.attachments.map((a) => ({
    sha256: a.sha256,
    name: a.name.slice(0, 300),
    contentType: a.contentType.slice(0, 200),
    bytes: a.bytes,
    stored: false,
    refusedReason: "not filed with an application; it is kept inside the raw message",
    role: "extra",
    sectionIds: [],
  }));
  return {
    logSchemeId: scheme?.definition.id ?? UNATTRIBUTED_MAIL_LOG,
    attachments,
    intakeEvents: [
      mailReceived(mail, scheme?.definition.id ?? null, attachments),
      { type: "IntakeFailed", data: { messageKey: mail.messageKey, code, reason: reason.slice(0, 2000), rawObjectKey: mail.rawObjectKey, ruleIds: [...ruleIds] } },
    ],
    applicationEvents: [],
    outcome: { kind: "failed", code, reason },
  };
}

/** The form's fields kept with correspondence, so accepting it applies them; none when they would not fit an event. */
const MAX_KEPT_FORM_CHARACTERS = 100_000;
function keptForm(form: FormFound): { formSha256: string | null; formFields: Record<string, string | boolean> | null } {
  if (form.kind !== "fields") return { formSha256: null, formFields: null };
  const kept = Object.fromEntries(Object.entries(form.fields).filter(([name, value]) => name.length <= 100 && (typeof value === "boolean" || value.length <= 20_000)));
  return JSON.stringify(kept).length <= MAX_KEPT_FORM_CHARACTERS ? { formSha256: form.sha256, formFields: kept } : { formSha256: null, formFields: null };
}

/**
 * Mail that changes nothing until staff look at it (issue 12 findings 1, 8): its documents are kept
 * (within the scheme's per-document limit), so accepting it onto an application can file them.
 */
function correspondence(
  mail: ReceivedMail,
  reason: CorrespondenceReason,
  explanation: string,
  scheme: SchemeUnderDecision | undefined,
  applicationId: string | null,
  form: FormFound,
): MailIntakeDecision {
  const maxBytes = scheme?.definition.documentLimits.maxDocumentBytes;
  const attachments: AttachmentVerdict[] = mail.attachments.map((a) => ({
    sha256: a.sha256,
    name: a.name.slice(0, 300),
    contentType: a.contentType.slice(0, 200),
    bytes: a.bytes,
    role: "extra",
    sectionIds: [],
    ...(maxBytes !== undefined && a.bytes > maxBytes
      ? { stored: false, refusedReason: `${megabytes(a.bytes)} is over the limit of ${megabytes(maxBytes)} per document [${scheme!.definition.documentLimits.ruleIds.join(", ")}]` }
      : { stored: true }),
  }));
  const schemeId = scheme?.definition.id ?? null;
  return {
    logSchemeId: schemeId ?? UNATTRIBUTED_MAIL_LOG,
    attachments,
    intakeEvents: [
      mailReceived(mail, schemeId, attachments),
      { type: "CorrespondenceReceived", data: { messageKey: mail.messageKey, schemeId, applicationId, reason, explanation: explanation.slice(0, 2000), ...keptForm(form) } },
    ],
    applicationEvents: [],
    outcome: { kind: "correspondence", reason, explanation, applicationId, schemeId },
  };
}

/** A sender address as a contact: lower case, and only when it is one (a forged or broken From is no contact). */
export function contactAddressOf(from: string | null): string | undefined {
  const parsed = ContactAddress.safeParse(from?.trim().toLowerCase());
  return parsed.success ? parsed.data : undefined;
}

const requiredFor = (scheme: SchemeDefinition, instrumentId: string) => scheme.requiredSections.filter((s) => s.instrumentIds.includes(instrumentId)).map((s) => s.id);

/** The section the form's registration data belongs to: the form itself, or else the first section (R-VD-03 A: applicant data, hub name). */
export function formSectionOf(scheme: SchemeDefinition, instrumentId: string): string | undefined {
  const required = requiredFor(scheme, instrumentId);
  return required.includes(APPLICATION_FORM_SECTION) ? APPLICATION_FORM_SECTION : required[0];
}

/**
 * Files one received message: records it on its own intake stream and, when it is for an
 * application, registers it or adds to it with the application's own deciders, so every rule
 * (term, budget intake, rounds, completeness) holds exactly as for staff-entered applications.
 */
export function decideMailIntake(input: {
  readonly mail: ReceivedMail;
  readonly route: MailRoute;
  readonly form: FormFound;
  readonly target?: MailIntakeTarget;
  /** Staff accepted this message onto the application (issue 12 finding 1): the sender need not be a contact. */
  readonly acceptedByStaff?: boolean;
}): MailIntakeDecision {
  const { mail, route, form, target } = input;
  if (route.kind === "failed") return failed(mail, route.code, route.reason, route.ruleIds, route.scheme);
  if (!target) throw new Error("a message for an application needs the application's state");
  const applicationId = route.applicationId;
  const state = target.application;
  const scheme = target.scheme;
  if (!scheme || (route.kind === "reference" && state.status === "unregistered")) {
    return correspondence(mail, "unknown-reference", `the subject refers to application ${applicationId}, which does not exist`, route.scheme, null, form);
  }
  const sender = contactAddressOf(mail.from);
  // Issue 12 finding 1: only an address the application knows changes it; anyone else's mail waits for staff.
  if (state.status !== "unregistered" && !input.acceptedByStaff && !(sender && state.contacts?.includes(sender))) {
    return correspondence(
      mail,
      "unknown-sender",
      `the sender is not a contact of application ${applicationId}: nothing was changed; staff can accept the message onto the application or add the sender as a contact`,
      scheme,
      applicationId,
      form,
    );
  }
  // Issue 12 finding 8: no form, no section document and a subject that names no scheme: a question, not an application.
  if (state.status === "unregistered" && route.kind === "application" && route.by === "new" && !identifyScheme({ recipients: [], subject: mail.subject }, [scheme]) && form.kind === "none" && !mail.attachments.some((a) => sectionsNamedBy(a.name, scheme.definition).length)) {
    return correspondence(mail, "not-an-application", "no application form, no document that supplies a section, and a subject that names no scheme: kept as correspondence for staff", scheme, null, form);
  }
  if (closedStatuses.has(state.status)) {
    return failed(mail, "application-closed", `application ${applicationId} is ${state.status}; this message was not added to it`, ["R-X-05"], scheme);
  }
  const d = scheme.definition;
  const isNew = state.status === "unregistered";
  const short = mail.messageKey.slice(0, 8);
  const regionNumber = route.kind === "application" && route.by === "region-number" ? applicationId.slice(d.id.length + 1) : undefined;

  const reading = form.kind === "fields" ? readApplicationForm(form.fields, d) : undefined;
  const instrumentId = isNew ? (reading?.instrumentId ?? d.instruments[0]!.id) : state.registration!.instrumentId;
  const verdicts = judgeAttachments(mail.attachments, d, {
    formSha256: form.kind === "none" ? undefined : form.sha256,
    // Issue 12 finding 6 (R-ST-05): extras are counted over every message filed with the application.
    extraDocumentsSoFar: state.filed?.extras ?? 0,
    onFile: state.filed?.sha256s,
  });
  const formVerdict = verdicts.find((v) => v.role === "form");
  const formRefused = formVerdict && !formVerdict.stored ? formVerdict.refusedReason : undefined;
  const formStatus: FormStatus = form.kind === "none" ? "missing" : form.kind === "unreadable" || formRefused ? "unreadable" : reading!.problems.length ? "inconsistent" : "read";
  const problems = [
    ...(form.kind === "none" ? ["no application form was attached"] : []),
    ...(form.kind === "unreadable" ? [`the application form could not be read: ${form.reason}`] : []),
    ...(formRefused ? [`the application form was refused: ${formRefused}`] : []),
    ...(reading?.problems ?? []),
  ].map((p) => p.slice(0, 2000));
  const usable = formStatus === "read" || formStatus === "inconsistent" ? reading : undefined;

  const formSection = formSectionOf(d, instrumentId);
  const known = d.requiredSections.map((s) => s.id);
  // The form is a section only where the scheme names it one; elsewhere its data belongs to a section it cannot supply alone.
  const fromForm = [...(usable?.sectionIds ?? []), ...(formStatus === "read" && formSection === APPLICATION_FORM_SECTION ? [formSection] : [])];
  const fromAttachments = verdicts.filter((v) => v.stored).flatMap((v) => v.sectionIds);
  // A new application without a sound form is not complete, whatever else came with it: its registration is provisional.
  const withheld = isNew && formStatus !== "read" ? formSection : undefined;
  const supplied = known.filter((id) => (fromForm.includes(id) || fromAttachments.includes(id)) && id !== withheld);
  // Issue 12 finding 5: every stored document goes on the file, sections and extras alike, with its message.
  const onFile = new Set(state.filed?.sha256s ?? []);
  const filedDocuments = [...new Map(verdicts.filter((v) => v.stored && !onFile.has(v.sha256)).map((v) => [v.sha256, { sha256: v.sha256, name: v.name, contentType: v.contentType, bytes: v.bytes, role: v.role, sectionIds: [...v.sectionIds] }])).values()];
  const fileDocuments = () => {
    if (filedDocuments.length) take(accept({ type: "DocumentsFiled", data: { applicationId, messageKey: mail.messageKey, receivedAt: mail.receivedAt, documents: filedDocuments } }));
  };

  const events: DomainEvent[] = [];
  let after = state;
  const take = (decision: Decision<DomainEvent>) => {
    for (const event of decision.events ?? []) {
      events.push(event);
      after = evolveApplication(after, event);
    }
    return decision;
  };

  if (isNew) {
    const provisional = !usable?.technohub || !usable.applicant || usable.requestedAmountCents === undefined || !usable.instrumentId;
    const registration = take(
        decideRegisterApplication(
          state,
          {
            applicationId,
            instrumentId,
            technohub: usable?.technohub ? { ...usable.technohub, region: usable.technohub.region ?? regionNumber ?? null } : { name: `Unknown technohub (mail ${short})`, region: regionNumber ?? null },
            applicant: usable?.applicant ?? { companyName: `Unknown applicant (mail ${short})`, chamberOfCommerceNumber: null },
            requestedAmountCents: usable?.requestedAmountCents ?? 0,
            receivedAt: mail.receivedAt,
            sectionIds: supplied,
          },
          scheme,
          target.lines.get(d.instruments.find((i) => i.id === instrumentId)!.budgetLineId) ?? initialBudgetLineState,
        ),
    );
    if (registration.outcome === "refused" && !registration.events?.length) {
      return failed(mail, "registration-refused", registration.refusal.reason, registration.refusal.ruleIds ?? ["R-X-05"], scheme);
    }
    // The sender of the registering mail is its first contact, unless the mail system judged the sender forged.
    if (sender && mail.screening?.spam !== "FAIL") take(accept({ type: "ContactAdded", data: { applicationId, address: sender, name: null, source: "registering-mail" } }));
    fileDocuments();
    if (usable?.details) take(decideRecordDetails(after, { applicationId, ...usable.details }));
    if (after.status === "registered") {
      const missing = requiredFor(d, instrumentId).filter((id) => !after.sections.includes(id));
      const note = incompleteNote(mail, d, missing, formStatus, problems, provisional);
      take(decideRecordCompleteness(after, missing.length ? { applicationId, complete: false, missingSectionIds: missing, note } : { applicationId, complete: true }, scheme));
    }
  } else {
    fileDocuments();
    if (formStatus === "read" && usable?.details) take(decideRecordDetails(after, { applicationId, ...usable.details }));
    if (supplied.length) take(decideReceiveSections(after, { applicationId, sectionIds: supplied, receivedAt: mail.receivedAt }, scheme));
    if (after.status === "registered" && requiredFor(d, instrumentId).every((id) => after.sections.includes(id))) take(decideRecordCompleteness(after, { applicationId, complete: true }, scheme));
  }

  const missingSectionIds = requiredFor(d, instrumentId).filter((id) => !after.sections.includes(id));
  const filedAs = isNew ? "new-application" : "follow-up";
  const attachments = verdicts;
  return {
    logSchemeId: d.id,
    attachments,
    intakeEvents: [
      mailReceived(mail, d.id, attachments),
      {
        type: "MailFiled",
        data: {
          messageKey: mail.messageKey,
          applicationId,
          schemeId: d.id,
          filedAs,
          sectionIds: supplied,
          form: { status: formStatus, problems: problems.slice(0, 50) },
          applicationStatus: after.status,
          missingSectionIds,
          refusal: after.refusal ? { code: after.refusal.code, reason: after.refusal.reason } : null,
        },
      },
    ],
    applicationEvents: events,
    ...(isNew && regionNumber && events.length ? { regionBinding: { schemeId: d.id, regionNumber, applicationId } } : {}),
    outcome: {
      kind: "filed",
      applicationId,
      schemeId: d.id,
      filedAs,
      status: after.status,
      complete: missingSectionIds.length === 0,
      missingSectionIds,
      ...(after.refusal ? { refusal: after.refusal } : {}),
      form: { status: formStatus, problems },
      refusedAttachments: verdicts.filter((v) => !v.stored).map((v) => ({ name: v.name, reason: v.refusedReason ?? "refused" })),
    },
  };
}

function incompleteNote(mail: ReceivedMail, scheme: SchemeDefinition, missing: ReadonlyArray<string>, formStatus: FormStatus, problems: ReadonlyArray<string>, provisional: boolean): string {
  const titles = missing.map((id) => scheme.requiredSections.find((s) => s.id === id)?.title ?? id);
  const parts = [
    `Received by email on ${localDate(mail.receivedAt, scheme.timeZone)} (message ${mail.messageKey.slice(0, 12)}). Missing: ${titles.join("; ")}.`,
    formStatus === "read" ? "" : `Application form ${formStatus}${problems.length ? `: ${problems.join("; ")}` : ""}.`,
    provisional ? "Technohub, applicant, instrument or amount not taken from a sound form are provisional: staff record them." : "",
  ];
  return parts.filter(Boolean).join(" ").slice(0, 2000);
}

// ---------------------------------------------------------------------------------------------
// The acknowledgement

export interface Acknowledgement {
  readonly subject: string;
  readonly text: string;
}

/** The receipt the applicant gets: the reference to reply with, and whether the application is complete. */
export function composeAcknowledgement(outcome: Extract<MailIntakeOutcome, { kind: "filed" }>, scheme: SchemeDefinition, receivedAt: string): Acknowledgement {
  const tag = referenceTag(outcome.applicationId);
  const received = localDate(receivedAt, scheme.timeZone);
  const missing = outcome.missingSectionIds.map((id) => {
    const s = scheme.requiredSections.find((r) => r.id === id);
    return s ? `${s.dutchTitle ?? s.title} / ${s.title}` : id;
  });
  const state = outcome.refusal
    ? `Uw aanvraag is vastgelegd maar geweigerd / Your application was recorded but refused: ${outcome.refusal.reason}`
    : outcome.complete
      ? "Uw aanvraag is compleet en staat in de wachtrij / Your application is complete and queued for assessment."
      : `Uw aanvraag is nog niet compleet. Nog nodig / Your application is not complete yet. Still needed:\n${missing.map((m) => `  - ${m}`).join("\n")}`;
  const lines = [
    `Ontvangstbevestiging / Receipt — ${scheme.dutchTitle}`,
    "",
    `Wij hebben uw bericht ontvangen op ${received}. / We received your message on ${received}.`,
    `Kenmerk / Reference: ${tag}`,
    "",
    state,
    ...(outcome.form.status === "read" ? [] : ["", `Aanvraagformulier / Application form: ${outcome.form.status}`, ...outcome.form.problems.map((p) => `  - ${p}`)]),
    ...(outcome.refusedAttachments.length ? ["", "Niet aangenomen bijlagen / Attachments not accepted:", ...outcome.refusedAttachments.map((a) => `  - ${a.name}: ${a.reason}`)] : []),
    "",
    `Stuur aanvullingen als antwoord op dit bericht, met ${tag} in het onderwerp. / Send further documents as a reply, keeping ${tag} in the subject.`,
  ];
  return { subject: `Ontvangstbevestiging / Receipt: ${scheme.dutchTitle} ${tag}`, text: lines.join("\n") };
}
