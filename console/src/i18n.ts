/** Labels in Dutch (the fund's language) and English; code and API stay English. */
export type Lang = "nl" | "en";

const labels = {
  appTitle: ["Backoffice subsidies", "Subsidy back office"],
  signIn: ["Inloggen", "Sign in"],
  signOut: ["Uitloggen", "Sign out"],
  signInLocal: ["Lokaal inloggen: kies een rol en een naam (lokale tokenuitgifte, nooit op AWS).", "Local sign-in: pick a role and a name (local token issuer, never on AWS)."],
  signInCognito: ["Inloggen via Cognito", "Sign in with Cognito"],
  role: ["Rol", "Role"],
  name: ["Naam", "Name"],
  language: ["Taal", "Language"],
  signedInAs: ["Ingelogd als", "Signed in as"],
  inbox: ["Intake", "Intake"],
  committee: ["Commissie", "Committee"],
  finance: ["Financiën", "Finance"],
  payouts: ["Betalingen", "Payouts"],
  budget: ["Budget", "Budget"],
  evaluation: ["Evaluatie", "Evaluation"],
  audit: ["Audit", "Audit"],
  scheme: ["Regeling", "Scheme"],
  round: ["Commissieronde", "Committee round"],
  applications: ["Aanvragen", "Applications"],
  application: ["Aanvraag", "Application"],
  technohub: ["Technohub", "Technohub"],
  region: ["Regio", "Region"],
  applicant: ["Aanvrager (penvoerder)", "Applicant (lead)"],
  status: ["Status", "Status"],
  requested: ["Aangevraagd", "Requested"],
  receivedAt: ["Ontvangen", "Received"],
  missing: ["Ontbreekt", "Missing"],
  since: ["Sinds", "Since"],
  instrument: ["Instrument", "Instrument"],
  mailFailures: ["Niet te archiveren e-mail", "Mail that could not be filed"],
  noItems: ["Niets te tonen.", "Nothing to show."],
  loading: ["Laden…", "Loading…"],
  forbidden: ["Niet toegestaan voor uw rol (403)", "Not allowed for your role (403)"],
  error: ["Fout", "Error"],
  documents: ["Documenten", "Documents"],
  sections: ["Onderdelen", "Sections"],
  formData: ["Gegevens uit het formulier", "The form's data"],
  history: ["Geschiedenis", "History"],
  eventType: ["Gebeurtenis", "Event"],
  time: ["Tijd", "Time"],
  actor: ["Door", "Actor"],
  channel: ["Kanaal", "Channel"],
  assessment: ["Beoordeling", "Assessment"],
  check: ["Toets", "Check"],
  outcome: ["Uitkomst", "Outcome"],
  reason: ["Reden", "Reason"],
  rule: ["Regel", "Rule"],
  maximum: ["Maximum", "Maximum"],
  derivation: ["Afleiding", "Derivation"],
  eligible: ["Subsidiabel", "Eligible"],
  others: ["Andere aanvragen van deze hub en regio (R-TH-07/08)", "Other applications of this hub and region (R-TH-07/08)"],
  decision: ["Besluit", "Decision"],
  award: ["Toekennen", "Award"],
  reject: ["Afwijzen", "Reject"],
  amount: ["Bedrag", "Amount"],
  budgetLine: ["Budgetregel", "Budget line"],
  wouldTake: ["Zou vastleggen", "Would take"],
  wouldRemain: ["Resteert daarna", "Would remain"],
  recordDecision: ["Besluit vastleggen", "Record decision"],
  confirm: ["Bevestigen", "Confirm"],
  cancel: ["Annuleren", "Cancel"],
  budgetImpact: ["Gevolgen voor het budget", "Budget impact"],
  conflict: ["Iemand anders was u voor (409): deze gegevens zijn intussen gewijzigd.", "Someone else moved first (409): this record changed meanwhile."],
  whatChanged: ["Wat er veranderde", "What changed"],
  reload: ["Opnieuw laden", "Reload"],
  membersPresent: ["Aanwezige leden", "Members present"],
  decidedOn: ["Besloten op", "Decided on"],
  reasons: ["Redenen", "Reasons"],
  complete: ["Volledig verklaren", "Declare complete"],
  assess: ["Beoordelen", "Assess"],
  awardLetter: ["Beschikking versturen", "Issue award letter"],
  issuedOn: ["Verzonden op", "Issued on"],
  grant: ["Subsidie", "Grant"],
  invoices: ["Facturen", "Invoices"],
  awaitingApproval: ["Facturen die op een tweede paar ogen wachten", "Invoices waiting for the second pair of eyes"],
  approve: ["Goedkeuren", "Approve"],
  pay: ["Betaling vastleggen", "Record payment"],
  registerInvoice: ["Factuur registreren", "Register invoice"],
  tranche: ["Tranche", "Tranche"],
  invoiceNumber: ["Factuurnummer", "Invoice number"],
  invoiceDate: ["Factuurdatum", "Invoice date"],
  iban: ["IBAN", "IBAN"],
  documentRef: ["Documentverwijzing", "Document reference"],
  bankReference: ["Bankreferentie", "Bank reference"],
  valueDate: ["Valutadatum", "Value date"],
  registeredBy: ["Geregistreerd door", "Registered by"],
  approvedBy: ["Goedgekeurd door", "Approved by"],
  ownInvoice: ["Eigen registratie: een collega keurt goed (vier ogen, R-X-03)", "Your own: a colleague approves (four eyes, R-X-03)"],
  finalReports: ["Eindverslagen, vaststellingen en terugvorderingen", "Final reports, settlements and recoveries"],
  from: ["Van", "From"],
  to: ["Tot en met", "To"],
  filter: ["Filteren", "Filter"],
  downloadCsv: ["CSV downloaden", "Download CSV"],
  total: ["Totaal", "Total"],
  available: ["Beschikbaar", "Available"],
  reserved: ["Gereserveerd", "Reserved"],
  committed: ["Verplicht", "Committed"],
  paid: ["Betaald", "Paid"],
  recovered: ["Teruggevorderd", "Recovered"],
  released: ["Vrijgegeven", "Released"],
  burnDown: ["Verloop naar besluitdatum (uit de as-of-weergave van het logboek)", "Burn-down by decision date (from the as-of view of the log)"],
  intakeStatus: ["Intake", "Intake"],
  intakeOpen: ["open", "open"],
  intakeClosed: ["gesloten", "closed"],
  classification: ["Classificatie (type × dominant kenmerk)", "Classification (type × dominant characteristic)"],
  criteria: ["Criteria per hub", "Criteria per hub"],
  allocation: ["Toewijzing tegenover toekenningen", "Allocation against the awards"],
  awarded: ["Toegekend", "Awarded"],
  asOf: ["Stand per (as-of)", "As of"],
  explain: ["Verklaren (explain)", "Explain"],
  verify: ["Verificatie van het logboek", "Verify the log"],
  projection: ["Leesmodel", "Read model"],
  documentId: ["Document-id", "Document id"],
  at: ["Moment", "At"],
  show: ["Tonen", "Show"],
  readOnly: ["Alleen-lezen", "Read-only"],
  saved: ["Vastgelegd", "Recorded"],
  answers: ["Antwoorden", "Answers"],
  note: ["Toelichting", "Note"],
  open: ["Openen", "Open"],
  size: ["Grootte", "Size"],
  allApplications: ["Alle aanvragen", "All applications"],
  payment: ["Betaling", "Payment"],
  kind: ["Soort", "Kind"],
  field: ["Gegeven", "Field"],
  before: ["Zoals u het zag", "As you saw it"],
  now: ["Nu", "Now"],
  historyNeedsAudit: ["De volledige geschiedenis komt uit de explain-weergave, die de API alleen aan auditor en admin geeft; intake ziet hier de e-mail van deze aanvraag.", "The full history comes from the explain view, which the API opens to auditor and admin only; intake sees this application's mail here."],
  noDownload: ["De API biedt geen download van documenten (zie rapport).", "The API offers no document download (see report)."],
  correspondence: ["Correspondentie", "Correspondence"],
  "correspondence_unknown-sender": ["Afzender is geen contactpersoon van de aanvraag", "Sender is not a contact of the application"],
  "correspondence_not-an-application": ["Geen aanvraag (vraag of ander onderwerp)", "Not an application (a question or other subject)"],
  "correspondence_unknown-reference": ["Verwijst naar een onbekende aanvraag", "Refers to no known application"],
  subject: ["Onderwerp", "Subject"],
  noSubject: ["(geen onderwerp)", "(no subject)"],
  attachment: ["bijlage", "attachment"],
  attachments: ["bijlagen", "attachments"],
  action: ["Actie", "Action"],
  attach: ["Koppelen aan aanvraag", "Attach to application"],
  answer: ["Beantwoorden", "Answer"],
  dismiss: ["Afhandelen zonder actie", "Dismiss"],
  applicationId: ["Aanvraagnummer", "Application id"],
  addSenderAsContact: ["Afzender ook als contactpersoon toevoegen", "Also make the sender a contact"],
  answerText: ["Antwoord aan de afzender", "Answer to the sender"],
  settle: ["Vaststellen", "Settle"],
  settledOn: ["Vastgesteld op", "Settled on"],
  settlement: ["Vaststelling", "Settlement"],
  recordRecovery: ["Terugbetaling vastleggen", "Record recovery"],
  receivedOn: ["Ontvangen op", "Received on"],
  outstanding: ["Nog terug te vorderen", "Still to recover"],
  finalReport: ["Eindverslag", "Final report"],
  submitFinalReport: ["Eindverslag indienen", "Submit final report"],
  objective: ["Doel", "Objective"],
  achieved: ["Behaald", "Achieved"],
  category: ["Kostensoort", "Cost category"],
  actualCosts: ["Werkelijke kosten (€)", "Actual costs (€)"],
  submittedOn: ["Ingediend op", "Submitted on"],
  reviewFinalReport: ["Eindverslag beoordelen", "Review final report"],
  approveReport: ["Goedkeuren", "Approve"],
  returnReport: ["Terugsturen", "Return"],
  approvedEligibleCosts: ["Goedgekeurde subsidiabele kosten (€)", "Approved eligible costs (€)"],
  reviewedOn: ["Beoordeeld op", "Reviewed on"],
  returnReason: ["Reden van terugsturen", "Reason for returning"],
  withdraw: ["Intrekken", "Withdraw"],
  withdrawReason: ["Reden van intrekking", "Reason for withdrawal"],
  projectStart: ["Projectstart melden", "Report project start"],
  startedOn: ["Gestart op", "Started on"],
  invalidAmount: ["Geen geldig bedrag", "Not a valid amount"],
  letters: ["Brieven", "Letters"],
  undeliveredLetters: ["Onbestelbare brieven", "Undelivered letters"],
  letterKind: ["Brief", "Letter"],
  letter_incomplete: ["Aanvulling gevraagd", "Incomplete application"],
  letter_refused: ["Afwijzing", "Refusal"],
  letter_award: ["Toekenning", "Award"],
  "letter_change-request-decided": ["Besluit op wijzigingsverzoek", "Change request decided"],
  letter_payment: ["Betaling", "Payment"],
  letter_settlement: ["Vaststelling", "Settlement"],
  letter_recovery: ["Terugvordering", "Recovery"],
  recipients: ["Geadresseerden", "Recipients"],
  delivery: ["Bezorging", "Delivery"],
  attempt: ["Poging", "Attempt"],
  page: ["pagina", "page"],
  pages: ["pagina's", "pages"],
  noContact: ["Geen contactpersoon om naar te sturen", "No contact to send it to"],
  resend: ["Opnieuw versturen", "Send again"],
  resendTo: ["Naar (leeg: de contactpersonen)", "To (empty: the contacts)"],
  resendToContacts: ["naam@voorbeeld.nl", "name@example.org"],
  resendRequested: ["Opnieuw verstuurd", "Sent again"],
  downloadPdf: ["PDF", "PDF"],
  changeRequests: ["Wijzigingsverzoeken", "Change requests"],
  submitChangeRequest: ["Wijzigingsverzoek vastleggen", "Record change request"],
  changeKind: ["Soort wijziging", "Kind of change"],
  "change_end-date-extension": ["Verlenging einddatum", "End date extension"],
  change_decrease: ["Verlaging (gedeeltelijke intrekking)", "Decrease (partial withdrawal)"],
  "change_cost-line-shift": ["Verschuiving tussen kostenposten", "Shift between cost lines"],
  change_increase: ["Verhoging (VSO-leerlingen)", "Increase (VSO pupils)"],
  newEndDate: ["Nieuwe einddatum", "New end date"],
  fromLine: ["Van kostenpost", "From cost line"],
  toLine: ["Naar kostenpost", "To cost line"],
  partnerSchool: ["VSO-partnerschool", "VSO partner school"],
  pupilCount: ["Aantal leerlingen", "Number of pupils"],
  addendumRef: ["Verwijzing naar het addendum", "Reference to the addendum"],
  explanation: ["Toelichting van de aanvrager", "The grantee's explanation"],
  grantChange: ["Wijziging toekennen", "Grant the change"],
  refuseChange: ["Wijziging weigeren", "Refuse the change"],
  reportedAsSpam: ["Als spam gemeld: bereik de aanvrager op een andere manier", "Reported as spam: reach the applicant another way"],
} as const satisfies Record<string, readonly [string, string]>;

export type Label = keyof typeof labels;

let current: Lang = (localStorage.getItem("console.lang") as Lang | null) ?? "nl";
export const lang = () => current;
export function setLang(next: Lang) {
  current = next;
  localStorage.setItem("console.lang", next);
  document.documentElement.lang = next;
}
export const t = (label: Label): string => labels[label][current === "nl" ? 0 : 1];

const locale = () => (current === "nl" ? "nl-NL" : "en-GB");

/** Integer cents as `€ 1.234.567,00` (nl) or `€1,234,567.00` (en). */
export function money(cents: number | null | undefined): string {
  if (cents === null || cents === undefined) return "—";
  return new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR", minimumFractionDigits: 2 }).format(cents / 100);
}

/** An instant in Europe/Amsterdam, the fund's time zone. */
export function dateTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  return new Intl.DateTimeFormat(locale(), { timeZone: "Europe/Amsterdam", dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

/** A calendar date (YYYY-MM-DD) is a day in Amsterdam already: formatted as that day, never shifted. */
export function day(date: string | null | undefined): string {
  if (!date) return "—";
  if (date.length > 10) return dateTime(date);
  return new Intl.DateTimeFormat(locale(), { timeZone: "UTC", dateStyle: "medium" }).format(new Date(`${date}T12:00:00Z`));
}

/** Today in Europe/Amsterdam, as YYYY-MM-DD. */
export function todayInAmsterdam(): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Amsterdam", year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date());
}

/** Parses `1.234,56` (nl) or `1,234.56` (en) or plain `1234.56` into cents; undefined when it is not an amount. */
export function parseAmount(text: string): number | undefined {
  const s = text.replace(/[€\s]/g, "");
  if (!s) return undefined;
  const decimalComma = current === "nl" ? /,\d{1,2}$/.test(s) || !/\.\d{1,2}$/.test(s) : /,\d{1,2}$/.test(s) && !s.includes(".");
  const normalized = decimalComma ? s.replace(/\./g, "").replace(",", ".") : s.replace(/,/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(normalized)) return undefined;
  return Math.round(Number(normalized) * 100);
}
